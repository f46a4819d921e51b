#include "input_findings.hpp"

#include "tdbraze/report_json.hpp"

namespace tdbraze::cli {
namespace {

InputFindings findings(const std::string& source, const std::vector<Diagnostic>& diagnostics, std::uint64_t omitted) {
    InputFindings f{source, diagnostics, 0, 0, 0};
    if (omitted > 0) f.diagnostics.push_back(omitted_diagnostic(omitted));
    return f;
}

}  // namespace

InputFindings findings_of(const currents::Report& report) {
    InputFindings f = findings(report.source, report.diagnostics, report.diagnostics_omitted);
    f.errors = report.summary.errors;
    f.warnings = report.summary.warnings;
    f.infos = report.summary.infos;
    return f;
}

InputFindings findings_of(const cohort::Report& report) {
    InputFindings f = findings(report.source, report.diagnostics, report.diagnostics_omitted);
    f.errors = report.summary.errors;
    f.warnings = report.summary.warnings;
    f.infos = report.summary.infos;
    return f;
}

InputFindings findings_of(const sql::Report& report) {
    InputFindings f = findings(report.source, report.diagnostics, 0);
    f.errors = report.errors;
    f.warnings = report.warnings;
    f.infos = report.infos;
    return f;
}

std::string place_text(const Diagnostic& d) {
    std::string text;
    if (!d.pointer.empty()) text += " (at " + d.pointer + ')';
    if (d.row != 0 && !d.column_name.empty())
        text += " [row " + std::to_string(d.row) + ", column " + d.column_name + ']';
    else if (d.row != 0) text += " [row " + std::to_string(d.row) + ']';
    else if (!d.column_name.empty()) text += " [column " + d.column_name + ']';
    return text;
}

std::string finding_text(const Diagnostic& d, bool with_place) {
    std::string text = d.message;
    if (with_place) text += place_text(d);
    if (!d.hint.empty()) text += "\nhint: " + d.hint;
    return text;
}

}  // namespace tdbraze::cli
