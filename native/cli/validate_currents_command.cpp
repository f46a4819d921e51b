#include <iostream>
#include <memory>

#include <unistd.h>

#include "commands.hpp"
#include "input_file.hpp"
#include "tdbraze/currents.hpp"
#include "tdbraze/report_json.hpp"
#include "text_report.hpp"

namespace tdbraze::cli {
namespace {

struct ValidateCurrentsArgs {
    std::vector<std::string> inputs;
    std::string format = "text";
    bool strict = false;
    std::uint64_t max_diagnostics = 1000;
    std::int64_t now = -1;  // -1: the real clock
    currents::Receiver receiver = currents::Receiver::Http;
};

int run(const ValidateCurrentsArgs& args) {
    currents::Options options;
    options.strict = args.strict;
    options.receiver = args.receiver;
    options.max_diagnostics = args.max_diagnostics;
    options.now_epoch_seconds = args.now >= 0 ? args.now : epoch_seconds_now();
    const TextStyle style{args.format == "text" && use_colour(STDOUT_FILENO)};

    int exit_code = kExitOk;
    for (const std::string& input : args.inputs) {
        currents::Validator validator(options, input);
        if (auto error = files::read_in_chunks(input, [&](std::string_view chunk) { validator.feed(chunk); })) {
            std::cerr << "tdbraze: " << *error << '\n';
            exit_code = kExitUsage;
            continue;
        }
        const currents::Report report = validator.finish();
        if (args.format == "json") std::cout << to_json(report) << '\n';
        else print_text_report(std::cout, report, style);
        if (!report.ok() && exit_code == kExitOk) exit_code = kExitFindings;
    }
    std::cout.flush();
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
    cmd->add_option("--format", args->format, "Report format: text (compiler style) or json (one object per input)")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_flag("--strict", args->strict, "Treat warnings as errors");
    cmd->add_option("--max-diagnostics", args->max_diagnostics,
                    "List at most N diagnostics per input (all are counted)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--now", args->now,
                    "Epoch seconds to use as the current time (reproducible reports); 0 turns the time checks off")
        ->check(CLI::NonNegativeNumber);
    add_receiver_option(cmd, args->receiver);
    cmd->footer(
        "Exit status: 0 when no input has an error (warnings allowed unless --strict), 1 when one has,\n"
        "2 for usage or I/O problems. Every diagnostic code is explained in docs/currents.md.");
    return [args] { return run(*args); };
}

}  // namespace tdbraze::cli
