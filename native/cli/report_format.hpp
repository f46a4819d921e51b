// The report formats of the checking commands (validate currents, validate cohort, check sql): the --format
// option, and the writer that prints an invocation's reports in the chosen format.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

#include "input_findings.hpp"
#include "text_report.hpp"

namespace tdbraze::cli {

enum class ReportFormat : std::uint8_t {
    Text,  // compiler style, then a summary line per input
    Json,  // one JSON object per input (JSON Lines)
    Sarif,  // one SARIF 2.1.0 log for all inputs
    Github,  // GitHub Actions annotations, then a notice per input
};

std::string_view to_string(ReportFormat format);
std::optional<ReportFormat> report_format_from_string(std::string_view name);

// --format with the given formats (the first is the default, already in `format`).
void add_report_format_option(CLI::App* command, ReportFormat& format, std::vector<ReportFormat> formats);

// Prints each input's report as it comes, in the order given; SARIF's one log for them all in finish().
class ReportWriter {
public:
    // `kind` is the check's ("currents", "cohort", "sql"): it chooses the SARIF rules.
    ReportWriter(std::ostream& out, ReportFormat format, std::string_view kind, TextStyle style);

    void add(const currents::Report& report);
    void add(const cohort::Report& report);
    void add(const sql::Report& report);
    void finish();

private:
    template <class Report>
    void add_report(const Report& report);

    std::ostream& out_;
    ReportFormat format_;
    std::string_view kind_;
    TextStyle style_;
    std::vector<InputFindings> sarif_inputs_;
};

}  // namespace tdbraze::cli
