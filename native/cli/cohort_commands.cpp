// `tdbraze validate cohort` and `tdbraze plan cohort`: a Treasure Data query result becomes Braze partner
// cohort-import requests.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include <unistd.h>

#include "commands.hpp"
#include "input_file.hpp"
#include "output_file.hpp"
#include "read_progress.hpp"
#include "report_format.hpp"
#include "spilled_dedupe.hpp"
#include "table_rows.hpp"
#include "tdbraze/cohort.hpp"
#include "tdbraze/report_json.hpp"
#include "tdbraze/sql_check.hpp"

namespace tdbraze::cli {
namespace {

struct CohortArgs {
    std::string input;
    ExportOptions export_options;
    std::string operation = "add";
    ReportFormat format = ReportFormat::Text;
    std::uint64_t max_diagnostics = 1000;
    std::string out = "-";
    bool strict = false;  // validate: warnings fail too
};

void add_cohort_options(CLI::App* cmd, CohortArgs& a, bool planning) {
    cmd->add_option("input", a.input, "The query result: CSV, TSV, JSON array or JSON Lines of rows; - for stdin")
        ->required();
    add_export_options(cmd, a.export_options);
    // A plan's report shares standard output or error with the requests: only the per-input formats there.
    if (planning) add_report_format_option(cmd, a.format, {ReportFormat::Text, ReportFormat::Json});
    else
        add_report_format_option(cmd, a.format,
                                 {ReportFormat::Text, ReportFormat::Json, ReportFormat::Sarif, ReportFormat::Github});
    cmd->add_option("--max-diagnostics", a.max_diagnostics, "List at most N diagnostics (all are counted)");
    if (planning) {
        cmd->add_option("--operation", a.operation, "add or remove (for the whole table)")
            ->check(CLI::IsMember({"add", "remove"}));
        cmd->add_option("--created-at", a.export_options.settings.created_at,
                        "ISO-8601 time for the naming call (default: now; set it for reproducible plans)");
        cmd->add_option("--out", a.out, "Where the requests go: a directory (requests.jsonl in it) or - for stdout");
    }
}

int exit_code_for(const cohort::Report& report) { return report.ok() ? kExitOk : kExitFindings; }

// Runs the planner over the input; `on_requests` receives planned requests as they fill, and returns false
// once it cannot take more (its output failed: what is left is planned, or read, without being handed on).
// Without one (validation) the requests are only counted.
std::optional<cohort::Report> run_planner(
    CohortArgs& a, const std::function<bool(std::vector<cohort::PlannedRequest>&&)>& on_requests) {
    a.export_options.settings.operation = a.operation == "remove" ? cohort::Operation::Remove : cohort::Operation::Add;
    if (a.export_options.settings.created_at.empty()) a.export_options.settings.created_at = utc_now_iso8601();
    cohort::ReadOptions options;
    options.format = table_format_from_option(a.export_options.table_format);
    options.trim = a.export_options.trim;
    options.max_diagnostics = a.max_diagnostics;
    options.plan_requests = static_cast<bool>(on_requests);
    const sync::Dedupe dedupe = sync::dedupe_from_name(a.export_options.dedupe);
    if (dedupe == sync::Dedupe::Disk && a.input == "-") {
        std::cerr << "tdbraze: --dedupe disk reads the table twice: give a file, not standard input\n";
        return std::nullopt;
    }
    std::error_code ec;
    const std::uint64_t size = a.input == "-" ? 0 : std::filesystem::file_size(a.input, ec);
    // The file's name without its folders: a line longer than the terminal is wide cannot be redrawn in place.
    ReadProgress progress(std::cerr, ::isatty(STDERR_FILENO) != 0,
                          a.input == "-" ? "standard input" : std::filesystem::path(a.input).filename().string(),
                          ec ? 0 : size);
    // A large file's duplicate check runs on disk (native/sync/spilled_dedupe.hpp): a first read records it.
    std::unique_ptr<sync::SpilledDedupe> spilled;
    if (sync::dedupe_on_disk(dedupe, a.input)) {
        progress.start_pass("checking");
        // A plan is then written from the first occurrences the check keeps, not from a second read.
        const auto keep =
            on_requests ? sync::SpilledDedupe::Keep::FirstOccurrences : sync::SpilledDedupe::Keep::Answers;
        auto rehearsed = sync::SpilledDedupe::rehearse(
            a.export_options.settings, options, a.input,
            [&](const auto& on_rows) {
                auto read =
                    files::read_table_rows(a.input, cohort::RowReader(options.format, a.export_options.settings),
                                           [&](const cohort::RowBatch& rows, std::size_t bytes) {
                                               on_rows(rows);
                                               progress.add(bytes);
                                           });
                progress.say("finding the repeats in");  // the partitions are resolved next
                return read;
            },
            keep);
        if (!rehearsed) {
            progress.clear();
            report_error(rehearsed.error());
            return std::nullopt;
        }
        spilled = std::move(*rehearsed);
        // The first read with the answers' counts made the report: no second read.
        if (!on_requests && spilled->report()) return spilled->report();
        if (auto planning = on_requests ? spilled->planning() : std::nullopt) {
            progress.say("writing the requests from");
            const Status planned = planning->plan(a.export_options.settings, cohort::BatchOutput::Bodies,
                                                  [&](auto&& requests) { return on_requests(std::move(requests)); });
            progress.clear();
            if (!planned) {
                report_error(planned.error());
                return std::nullopt;
            }
            return spilled->report();
        }
    }
    cohort::Planner planner =
        spilled ? cohort::Planner(a.export_options.settings, options, a.input, nullptr, spilled->replayer())
                : cohort::Planner(a.export_options.settings, options, a.input);
    progress.start_pass(spilled ? "planning, second read of" : on_requests ? "planning" : "checking");
    if (auto error = files::read_table_rows(a.input, cohort::RowReader(options.format, a.export_options.settings),
                                            [&](const cohort::RowBatch& rows, std::size_t bytes) {
                                                planner.feed_rows(rows);
                                                if (on_requests) on_requests(planner.take_requests());
                                                progress.add(bytes);
                                            })) {
        progress.clear();
        std::cerr << "tdbraze: " << *error << '\n';
        return std::nullopt;
    }
    progress.clear();
    cohort::Report report = planner.finish();
    if (spilled && !spilled->replay_matched()) {
        std::cerr << "tdbraze: '" << a.input
                  << "' changed while it was being read (its two reads differ); run again once "
                     "the file is complete\n";
        return std::nullopt;
    }
    if (on_requests) on_requests(planner.take_requests());
    return report;
}

void print_report(std::ostream& out, const cohort::Report& report, ReportFormat format, int fd) {
    ReportWriter writer(out, format, "cohort", TextStyle{format == ReportFormat::Text && use_colour(fd)});
    writer.add(report);
    writer.finish();
}

int run_validate(CohortArgs& a) {
    const auto report = run_planner(a, nullptr);
    if (!report) return kExitUsage;
    print_report(std::cout, *report, a.format, STDOUT_FILENO);
    // --strict: a warning fails too. A near miss (an identifier column misnamed) is a warning, and nothing of
    // that column would be sent: a check in CI wants that to fail.
    if (a.strict && report->ok() && report->summary.warnings > 0) return kExitFindings;
    return exit_code_for(*report);
}

int run_plan(CohortArgs& a) {
    std::unique_ptr<files::OutputFile> requests;
    const auto path = std::filesystem::path(a.out) / "requests.jsonl";
    if (a.out == "-") {
        std::cout.flush();  // the requests follow whatever went before them
        requests = files::OutputFile::standard_output();
    } else {
        // The folder's own failure is the cause to name (a read-only disk), not the file's missing folder.
        std::error_code ec;
        std::filesystem::create_directories(a.out, ec);
        if (ec) {
            std::cerr << "tdbraze: cannot write '" << a.out << "': " << ec.message() << '\n';
            return kExitUsage;
        }
        auto created = files::OutputFile::create(path);
        if (!created) {
            std::cerr << "tdbraze: " << created.error().message << '\n';
            return kExitUsage;
        }
        requests = std::move(*created);
    }
    // Each request as three pieces (head, body, tail) and its line break, written from where they lie, many
    // requests to a call: a line copied together for each request and written alone made a ten-million-row plan
    // 5% slower (paired runs).
    std::vector<std::string> heads;
    std::vector<std::string_view> pieces;
    const auto report = run_planner(a, [&](std::vector<cohort::PlannedRequest>&& planned) {
        heads.clear();
        pieces.clear();
        for (const auto& r : planned) heads.push_back(json_line_head(r));
        for (std::size_t i = 0; i < planned.size(); ++i)
            pieces.insert(pieces.end(), {heads[i], planned[i].body, kJsonLineTail, "\n"});
        requests->write(pieces);
        return !requests->failed();
    });
    const Status written = requests->finish();
    if (!report || !written) {
        if (!written)
            std::cerr << "tdbraze: " << written.error().message
                      << (a.out == "-" ? "; the requests are incomplete\n"
                                       : "; make room on its disk, or give --out another directory\n");
        if (a.out != "-") {  // no half or wrong plan left behind to be sent by mistake
            std::error_code ec;
            std::filesystem::remove(path, ec);
        }
        return kExitUsage;
    }
    // With the requests on stdout, the report goes to stderr so that the two can be piped apart.
    if (a.out == "-") print_report(std::cerr, *report, a.format, STDERR_FILENO);
    else print_report(std::cout, *report, a.format, STDOUT_FILENO);
    return exit_code_for(*report);
}

}  // namespace

std::function<int()> add_validate_cohort(CLI::App& validate) {
    auto args = std::make_shared<CohortArgs>();
    CLI::App* cmd = validate.add_subcommand("cohort", "Check a cohort mapping table (a Treasure Data query result)");
    add_cohort_options(cmd, *args, false);
    cmd->add_flag("--strict", args->strict,
                  "Warnings fail too (exit 1): a misnamed identifier column (near-miss-column) sends nothing of it");
    cmd->footer(
        "Exit status: 0 no errors (and no warnings with --strict), 1 errors, 2 usage or I/O problems. "
        "Codes: docs/cohort.md.");
    return [args] { return run_validate(*args); };
}

std::function<int()> add_plan_cohort(CLI::App& plan) {
    auto args = std::make_shared<CohortArgs>();
    CLI::App* cmd = plan.add_subcommand("cohort", "Plan the exact Braze cohort-import requests for a table");
    add_cohort_options(cmd, *args, true);
    cmd->footer(
        "Requests are JSON Lines {\"method\",\"path\",\"body\"} with <partner_api_key> and <client_secret>\n"
        "placeholders: secrets are filled in only when sending. Exit status as for validate.");
    return [args] { return run_plan(*args); };
}

std::function<int()> add_check_sql(CLI::App& check) {
    struct Args {
        std::string input;
        cohort::Settings settings;  // only its alias columns and mapping
        ReportFormat format = ReportFormat::Text;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = check.add_subcommand("sql", "Read a Treasure Data SELECT and check its output columns");
    cmd->add_option("input", args->input, "File holding the query; - for stdin")->required();
    cmd->add_option("--alias-column", args->settings.alias_columns, "The export's alias column (repeatable)")
        ->allow_extra_args(false)  // `--alias-column email FILE`: FILE is the input, not a second alias
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    add_map_option(cmd, args->settings.mapping);
    add_report_format_option(cmd, args->format,
                             {ReportFormat::Text, ReportFormat::Json, ReportFormat::Sarif, ReportFormat::Github});
    return [args] {
        std::string query;
        // Past the limit the check only needs to know the query is too long: keep one byte more than that.
        const auto keep = [&](std::string_view chunk) {
            query.append(chunk.substr(0, sql::kMaxQueryBytes + 1 - std::min(query.size(), sql::kMaxQueryBytes + 1)));
        };
        if (auto error = files::read_in_chunks(args->input, keep)) {
            std::cerr << "tdbraze: " << *error << '\n';
            return kExitUsage;
        }
        const sql::Report report = sql::check_select_for_export(query, args->settings, args->input);
        ReportWriter writer(std::cout, args->format, "sql",
                            TextStyle{args->format == ReportFormat::Text && use_colour(STDOUT_FILENO)});
        writer.add(report);
        writer.finish();
        return report.ok() ? kExitOk : kExitFindings;
    };
}

bool use_colour(int fd) { return ::isatty(fd) != 0 && std::getenv("NO_COLOR") == nullptr; }

}  // namespace tdbraze::cli
