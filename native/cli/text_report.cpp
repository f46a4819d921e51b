#include "text_report.hpp"

#include "tdbraze/report_json.hpp"

namespace tdbraze::cli {
namespace {

const char* colour_of(Severity s) {
    switch (s) {
        case Severity::Error: return "\x1b[1;31m";
        case Severity::Warning: return "\x1b[1;35m";
        case Severity::Info: return "\x1b[1;36m";
    }
    return "";
}

void print_diagnostic(std::ostream& out, const std::string& source, const Diagnostic& d, const TextStyle& style) {
    const char* bold = style.colour ? "\x1b[1m" : "";
    const char* reset = style.colour ? "\x1b[0m" : "";
    out << bold << source;
    if (d.line != 0) out << ':' << d.line << ':' << d.column;
    out << ':' << reset << ' ' << (style.colour ? colour_of(d.severity) : "") << to_string(d.severity) << '['
        << d.code << ']' << reset << ": " << d.message;
    if (!d.pointer.empty()) out << " (at " << d.pointer << ')';
    out << '\n';
    if (!d.hint.empty()) out << "  hint: " << d.hint << '\n';
}

std::string plural(std::uint64_t n, const char* word) {
    return std::to_string(n) + ' ' + word + (n == 1 ? "" : "s");
}

}  // namespace

void print_text_report(std::ostream& out, const currents::Report& report, const TextStyle& style) {
    for (const Diagnostic& d : report.diagnostics) print_diagnostic(out, report.source, d, style);
    if (report.diagnostics_omitted > 0)
        print_diagnostic(out, report.source, omitted_diagnostic(report.diagnostics_omitted), style);
    const auto& s = report.summary;
    out << report.source << ": " << plural(s.events, "event") << "; " << plural(s.errors, "error") << ", "
        << plural(s.warnings, "warning") << ", " << plural(s.infos, "note");
    if (!s.event_types.empty()) {
        out << "; by type:";
        bool first = true;
        for (const auto& [type, count] : s.event_types) {
            out << (first ? " " : ", ") << type << ' ' << count;
            first = false;
        }
    }
    out << '\n';
}

}  // namespace tdbraze::cli
