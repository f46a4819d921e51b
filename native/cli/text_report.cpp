#include "text_report.hpp"

#include "input_findings.hpp"
#include "tdbraze/diagnostic_groups.hpp"
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
    if (d.line != 0) out << ':' << d.line;
    if (d.line != 0 && d.column != 0) out << ':' << d.column;
    out << ':' << reset << ' ' << (style.colour ? colour_of(d.severity) : "") << to_string(d.severity) << '[' << d.code
        << ']' << reset << ": " << d.message << place_text(d) << '\n';
    if (!d.hint.empty()) out << "  hint: " << d.hint << '\n';
}

}  // namespace

std::string plural(std::uint64_t n, const char* word) {
    const std::string w = word;
    return std::to_string(n) + ' ' + w + (n == 1 ? "" : w.back() == 's' ? "es" : "s");
}

namespace {

void print_summary_line(std::ostream& out, const currents::Report& report) {
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

}  // namespace

void print_text_report(std::ostream& out, const currents::Report& report, const TextStyle& style) {
    for (const Diagnostic& d : report.diagnostics) print_diagnostic(out, report.source, d, style);
    if (report.diagnostics_omitted > 0)
        print_diagnostic(out, report.source, omitted_diagnostic(report.diagnostics_omitted), style);
    print_summary_line(out, report);
}

void print_grouped_report(std::ostream& out, const currents::Report& report, const TextStyle& style) {
    for (const DiagnosticGroup& g : group_diagnostics(report.diagnostics)) {
        print_diagnostic(out, report.source, g.first.front(), style);
        if (g.count == 1) continue;
        out << "  " << g.count << " findings like this one";
        if (!g.shape.empty()) out << " (at " << g.shape << ')';
        if (g.first.size() > 1) {
            out << ", also at";
            for (std::size_t i = 1; i < g.first.size(); ++i)
                out << (i > 1 ? ", " : " ") << g.first[i].line << ':' << g.first[i].column;
            if (g.count > g.first.size()) out << ", ...";
        }
        out << '\n';
    }
    if (report.diagnostics_omitted > 0)
        out << "  (" << report.diagnostics_omitted << " more findings are counted but not grouped here)\n";
    print_summary_line(out, report);
}

void print_text_report(std::ostream& out, const cohort::Report& report, const TextStyle& style) {
    for (const Diagnostic& d : report.diagnostics) print_diagnostic(out, report.source, d, style);
    if (report.diagnostics_omitted > 0)
        print_diagnostic(out, report.source, omitted_diagnostic(report.diagnostics_omitted), style);
    if (!report.mapping.empty()) {
        out << report.source << ": mapping:";
        for (std::size_t i = 0; i < report.mapping.size(); ++i)
            out << (i ? ", " : " ") << report.mapping[i].column << " -> " << cohort::target_text(report.mapping[i]);
        out << '\n';
    }
    const auto& s = report.summary;
    out << report.source << ": " << plural(s.rows, "row") << " (" << cohort::to_string(report.format) << "); "
        << s.user_ids << " user_ids, " << s.device_ids << " device_ids, " << plural(s.aliases, "alias") << " in "
        << plural(s.requests, "request") << "; " << s.duplicates << " duplicates, " << s.skipped << " skipped; "
        << plural(s.errors, "error") << ", " << plural(s.warnings, "warning") << '\n';
}

void print_text_report(std::ostream& out, const sql::Report& report, const TextStyle& style) {
    for (const Diagnostic& d : report.diagnostics) print_diagnostic(out, report.source, d, style);
    out << report.source << ": output columns:";
    if (report.columns.empty()) out << " (none known)";
    for (std::size_t i = 0; i < report.columns.size(); ++i)
        out << (i ? ", " : " ") << report.columns[i].name << " (" << report.columns[i].sent_as << ')';
    if (!report.complete) out << ", and columns that cannot be told";
    out << "; " << plural(report.errors, "error") << ", " << plural(report.warnings, "warning") << '\n';
}

}  // namespace tdbraze::cli
