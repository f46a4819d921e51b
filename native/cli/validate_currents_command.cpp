#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>

#include <unistd.h>

#include "commands.hpp"
#include "currents_in_parts.hpp"
#include "read_progress.hpp"
#include "report_format.hpp"
#include "tdbraze/currents.hpp"

namespace tdbraze::cli {
namespace {

struct ValidateCurrentsArgs {
    std::vector<std::string> inputs;
    ReportFormat format = ReportFormat::Text;
    bool strict = false;
    std::uint64_t max_diagnostics = 1000;
    std::int64_t now = -1;  // -1: the real clock
    currents::Receiver receiver = currents::Receiver::Http;
    unsigned threads = validate::default_threads();
};

int run(const ValidateCurrentsArgs& args) {
    currents::Options options;
    options.strict = args.strict;
    options.receiver = args.receiver;
    options.max_diagnostics = args.max_diagnostics;
    options.now_epoch_seconds = args.now >= 0 ? args.now : epoch_seconds_now();
    ReportWriter writer(std::cout, args.format, "currents",
                        TextStyle{args.format == ReportFormat::Text && use_colour(STDOUT_FILENO)});

    int exit_code = kExitOk;
    for (const std::string& input : args.inputs) {
        std::error_code ec;
        const std::uint64_t size = input == "-" ? 0 : std::filesystem::file_size(input, ec);
        ReadProgress progress(std::cerr, ::isatty(STDERR_FILENO) != 0,
                              input == "-" ? "standard input" : std::filesystem::path(input).filename().string(),
                              ec ? 0 : size);
        progress.start_pass("checking");
        std::mutex progress_mutex;  // the parts' threads read at once
        auto validated = validate::validate_currents(input, options, args.threads, [&](std::uint64_t bytes) {
            const std::lock_guard lock(progress_mutex);
            progress.add(bytes);
        });
        progress.clear();
        if (auto* error = std::get_if<std::string>(&validated)) {
            std::cerr << "tdbraze: " << *error << '\n';
            exit_code = kExitUsage;
            continue;
        }
        const currents::Report& report = std::get<validate::CurrentsResult>(validated).report;
        writer.add(report);
        if (!report.ok() && exit_code == kExitOk) exit_code = kExitFindings;
    }
    writer.finish();
    return exit_code;
}

}  // namespace

std::function<int()> add_validate_currents(CLI::App& validate) {
    auto args = std::make_shared<ValidateCurrentsArgs>();
    CLI::App* cmd = validate.add_subcommand(
        "currents", "Check Braze Currents payloads ({\"events\":[...]}) against the event catalogue");
    cmd->add_option("inputs", args->inputs,
                    "Payload files: an envelope, JSON Lines of envelopes or events; - for stdin")
        ->required();
    add_report_format_option(cmd, args->format,
                             {ReportFormat::Text, ReportFormat::Json, ReportFormat::Sarif, ReportFormat::Github});
    cmd->add_flag("--strict", args->strict, "Treat warnings as errors");
    cmd->add_option("--max-diagnostics", args->max_diagnostics,
                    "List at most N diagnostics per input (all are counted)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--now", args->now,
                    "Epoch seconds to use as the current time (reproducible reports); 0 turns the time checks off")
        ->check(CLI::NonNegativeNumber);
    add_receiver_option(cmd, args->receiver);
    cmd->add_option("--threads", args->threads,
                    "Check a large file of JSON Lines in this many parts at once (default: the cores; 1: in one "
                    "piece); the report is the same")
        ->check(CLI::Range(1, 64));
    cmd->footer(
        "Exit status: 0 when no input has an error (warnings allowed unless --strict), 1 when one has,\n"
        "2 for usage or I/O problems. Every diagnostic code is explained in docs/currents.md.");
    return [args] { return run(*args); };
}

}  // namespace tdbraze::cli
