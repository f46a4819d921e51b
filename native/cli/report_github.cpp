#include "report_github.hpp"

#include "text_report.hpp"

namespace tdbraze::cli {
namespace {

const char* command_of(Severity s) {
    switch (s) {
        case Severity::Error: return "error";
        case Severity::Warning: return "warning";
        case Severity::Info: return "notice";
    }
    return "notice";
}

std::string escape(std::string_view text, bool property) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '%': out += "%25"; break;
            case '\r': out += "%0D"; break;
            case '\n': out += "%0A"; break;
            case ':': out += property ? "%3A" : ":"; break;
            case ',': out += property ? "%2C" : ","; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace

std::string github_escape_message(std::string_view text) { return escape(text, false); }
std::string github_escape_property(std::string_view text) { return escape(text, true); }

void print_github_annotations(std::ostream& out, const InputFindings& input) {
    // Standard input has no file in the repository to annotate: its findings go to the step's summary only.
    const bool has_file = input.source != "-";
    for (const Diagnostic& d : input.diagnostics) {
        out << "::" << command_of(d.severity) << ' ';
        if (has_file) {
            out << "file=" << github_escape_property(input.source) << ',';
            if (d.line != 0) out << "line=" << d.line << ',';
            if (d.line != 0 && d.column != 0) out << "col=" << d.column << ',';
        }
        out << "title=" << github_escape_property(d.code) << "::" << github_escape_message(finding_text(d, true))
            << '\n';
    }
    const std::string name = has_file ? input.source : "standard input";
    out << "::notice::"
        << github_escape_message("tdbraze: " + name + ": " + plural(input.errors, "error") + ", " +
                                 plural(input.warnings, "warning") + ", " + plural(input.infos, "note"))
        << '\n';
}

}  // namespace tdbraze::cli
