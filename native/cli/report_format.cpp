#include "report_format.hpp"

#include <algorithm>
#include <array>

#include "report_github.hpp"
#include "report_sarif.hpp"
#include "tdbraze/report_json.hpp"

namespace tdbraze::cli {
namespace {

struct FormatName {
    ReportFormat format;
    std::string_view name;
    std::string_view help;
};

constexpr std::array<FormatName, 4> kNames = {{
    {ReportFormat::Text, "text", "compiler style"},
    {ReportFormat::Json, "json", "one object per input"},
    {ReportFormat::Sarif, "sarif", "one SARIF 2.1.0 log for all inputs"},
    {ReportFormat::Github, "github", "GitHub Actions annotations"},
}};

}  // namespace

std::string_view to_string(ReportFormat format) {
    for (const FormatName& n : kNames)
        if (n.format == format) return n.name;
    return "?";
}

std::optional<ReportFormat> report_format_from_string(std::string_view name) {
    for (const FormatName& n : kNames)
        if (n.name == name) return n.format;
    return std::nullopt;
}

void add_report_format_option(CLI::App* cmd, ReportFormat& format, std::vector<ReportFormat> formats) {
    std::string names, help;
    for (const FormatName& n : kNames) {
        if (std::find(formats.begin(), formats.end(), n.format) == formats.end()) continue;
        names += (names.empty() ? "" : "|") + std::string(n.name);
        help += (help.empty() ? "" : ", ") + std::string(n.name) + " (" + std::string(n.help) + ')';
    }
    cmd->add_option_function<std::string>(
           "--format", [&format](const std::string& name) { format = *report_format_from_string(name); },
           "Report format: " + help + "; docs/ci.md for sarif and github")
        ->check(CLI::Validator(
            [formats, names](std::string& name) -> std::string {
                const auto f = report_format_from_string(name);
                if (f && std::find(formats.begin(), formats.end(), *f) != formats.end()) return {};
                std::string list = names;
                std::replace(list.begin(), list.end(), '|', ' ');
                return "'" + name + "' is not a report format of this command: give one of " + list;
            },
            names));
}

ReportWriter::ReportWriter(std::ostream& out, ReportFormat format, std::string_view kind, TextStyle style)
    : out_(out), format_(format), kind_(kind), style_(style) {}

void ReportWriter::add(const currents::Report& report) { add_report(report); }
void ReportWriter::add(const cohort::Report& report) { add_report(report); }
void ReportWriter::add(const sql::Report& report) { add_report(report); }

template <class Report>
void ReportWriter::add_report(const Report& report) {
    switch (format_) {
        case ReportFormat::Text: print_text_report(out_, report, style_); break;
        case ReportFormat::Json: out_ << to_json(report) << '\n'; break;
        case ReportFormat::Sarif: sarif_inputs_.push_back(findings_of(report)); break;
        case ReportFormat::Github: print_github_annotations(out_, findings_of(report)); break;
    }
}

void ReportWriter::finish() {
    if (format_ == ReportFormat::Sarif) out_ << to_sarif(kind_, sarif_inputs_) << '\n';
    out_.flush();
}

}  // namespace tdbraze::cli
