// `tdbraze send currents`: replays a payload to a receiver (Treasure Data, the emulator, any HTTP endpoint)
// the way Braze Currents sends it.
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "credentials.hpp"
#include "currents_replay.hpp"

namespace tdbraze::cli {

std::function<int()> add_send_currents(CLI::App& send) {
    struct Args {
        std::string input;
        sync::ReplayOptions options;
        std::string bearer_env;
        std::string ca_bundle;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = send.add_subcommand("currents", "Send a Currents payload to a receiver as Braze does");
    cmd->add_option("input", args->input, "Payload: an envelope, JSON Lines, a bare array or event")
        ->required()
        ->check(existing_file_or_dash());
    cmd->add_option("--url", args->options.url, "Receiver URL (https, or http on loopback)")->required();
    cmd->add_option("--bearer-env", args->bearer_env, "Name of the environment variable holding the bearer token");
    cmd->add_option("--batch-size", args->options.batch_size, "Events per request (Braze: 100)")
        ->check(CLI::Range(1, 100));
    cmd->add_option("--ca-bundle", args->options.http.ca_bundle, "PEM file of CAs to trust")->check(CLI::ExistingFile);
    cmd->footer(kExitStatusHelp);
    return [args] {
        if (!args->bearer_env.empty()) {
            const char* token = std::getenv(args->bearer_env.c_str());
            if (token == nullptr || *token == '\0') {
                std::cerr << "tdbraze: the environment variable " << args->bearer_env << " is not set\n";
                return kExitUsage;
            }
            args->options.bearer_token = token;
            secrets::keep_secrets_out_of_core_dumps();
        }
        auto events = sync::read_currents_events(args->input);
        if (auto* message = std::get_if<std::string>(&events)) {
            std::cerr << "tdbraze: " << *message << '\n';
            return kExitUsage;
        }
        transport::HttpGlobal http;
        const auto s = sync::replay_currents(std::get<std::vector<std::string>>(events), args->options,
                                             [](const std::string& line) { std::cerr << "tdbraze: " << line << '\n'; });
        std::cout << "send " << sync::to_string(s.outcome) << ": " << s.message << " (" << s.retries << " retries)\n";
        if (s.outcome == sync::Outcome::Refused) return report_error(*s.error);
        return s.ok() ? kExitOk : kExitFindings;
    };
}

}  // namespace tdbraze::cli
