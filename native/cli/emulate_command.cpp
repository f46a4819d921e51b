// `tdbraze emulate`: runs the local Braze emulator (native/emulator) until SIGINT or SIGTERM.
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <pthread.h>

#include "braze_emulator.hpp"
#include "commands.hpp"
#include "credentials.hpp"
#include "http_client.hpp"
#include "input_file.hpp"

namespace tdbraze::cli {
namespace {

struct EmulateArgs {
    int port = 0;
    std::string bind = "127.0.0.1";
    std::string users_file;
    std::string faults;
    std::optional<std::uint64_t> seed;
    std::uint64_t rate_limit = 0;
    std::uint64_t rate_window = 3600;
    std::string tls_cert;
    std::string tls_key;
    std::string partner = "treasuredata";
};

// Reads and checks the --users file; nullopt after telling the user why.
std::optional<emulator::UserDirectory> load_users(const std::string& path) {
    std::string text;
    if (auto error = files::read_in_chunks(path, [&](std::string_view chunk) { text.append(chunk); })) {
        std::cerr << "tdbraze: " << *error << '\n';
        return std::nullopt;
    }
    emulator::Parsed<emulator::UserDirectory> users = emulator::UserDirectory::from_json_lines(text);
    if (!users.ok()) {
        std::cerr << "tdbraze: --users " << path << ": " << users.error << '\n';
        return std::nullopt;
    }
    return std::move(*users.value);
}

int run(const EmulateArgs& args) {
    emulator::EmulatorConfig config;
    config.bind_address = args.bind;
    config.port = args.port;
    config.partner.partner = args.partner;
    config.seed = args.seed;
    config.rate_limit = {args.rate_limit, args.rate_window};
    config.tls_cert_file = args.tls_cert;
    config.tls_key_file = args.tls_key;
    emulator::read_secrets_from_environment(config);
    secrets::keep_secrets_out_of_core_dumps();  // it holds the partner key, client secret and write key it expects
    if (!transport::is_loopback_host(config.bind_address))
        std::cerr << "tdbraze: warning: listening on " << config.bind_address
                  << ": anyone who can reach it can read cohort members through /_emulator/; the default is "
                     "127.0.0.1\n";

    if (!args.users_file.empty()) {
        auto users = load_users(args.users_file);
        if (!users) return kExitUsage;
        config.users = std::move(*users);
    }
    emulator::Parsed<emulator::FaultSpec> faults = emulator::parse_fault_spec(args.faults);
    if (!faults.ok()) {
        std::cerr << "tdbraze: --faults: " << faults.error << '\n';
        return kExitUsage;
    }
    config.faults = std::move(*faults.value);

    // Blocked before the server starts its threads, which inherit the mask: the signals then wait for
    // sigwait below instead of killing the process in the middle of a request.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    emulator::BrazeEmulator server(std::move(config));
    if (server.start() < 0) {
        std::cerr << "tdbraze: " << server.error() << '\n';
        return kExitUsage;
    }
    // Scripts wait for this exact line to learn the port (with --port 0).
    std::cout << "tdbraze emulator listening on " << server.url() << std::endl;

    int received = 0;
    sigwait(&stop_signals, &received);
    server.stop();
    return kExitOk;
}

}  // namespace

std::function<int()> add_emulate(CLI::App& app) {
    auto args = std::make_shared<EmulateArgs>();
    CLI::App* cmd = app.add_subcommand(
        "emulate",
        "Run a local Braze emulator: the partner cohort endpoints, a Currents receiver and Treasure Data's "
        "Postback API");
    cmd->add_option("--port", args->port, "Port to listen on; 0 picks a free one (printed on start)")
        ->check(CLI::Range(0, 65535));
    cmd->add_option("--bind", args->bind, "Address to listen on")->capture_default_str();
    cmd->add_option("--users", args->users_file,
                    "JSON Lines of existing users: {\"external_id\":..,\"device_ids\":[..],\"aliases\":[..]}; "
                    "without it every identifier is an existing user");
    cmd->add_option("--faults", args->faults,
                    "Injected faults, e.g. 429=0.05,503=0.03,drop_before=0.02,drop_after=0.02,latency_ms=20,"
                    "latency_jitter_ms=30");
    cmd->add_option("--seed", args->seed, "Seed of the fault generator: the same faults in the same order");
    cmd->add_option("--rate-limit", args->rate_limit, "Partner requests allowed per window; 0 = unlimited")
        ->capture_default_str();
    cmd->add_option("--rate-window", args->rate_window, "Length of a rate-limit window in seconds")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    auto* cert =
        cmd->add_option("--tls-cert", args->tls_cert, "PEM certificate: serve HTTPS")->check(CLI::ExistingFile);
    auto* key = cmd->add_option("--tls-key", args->tls_key, "PEM private key of --tls-cert")->check(CLI::ExistingFile);
    cert->needs(key);
    key->needs(cert);
    cmd->add_option("--partner", args->partner, "The enabled {partner} path segment")->capture_default_str();
    cmd->footer(
        "Credentials come from the environment, never from arguments: TDBRAZE_EMULATOR_PARTNER_API_KEY and\n"
        "TDBRAZE_EMULATOR_CLIENT_SECRET (built-in test values when unset, see native/emulator/README.md),\n"
        "TDBRAZE_EMULATOR_CURRENTS_TOKEN (when set, POST /currents needs it as a Bearer token),\n"
        "TDBRAZE_EMULATOR_TD_WRITE_KEY (when set, POST /postback/v3/event/DB/TABLE needs it as X-TD-Write-Key).\n"
        "Prints one line, \"tdbraze emulator listening on URL\", and serves until SIGINT or SIGTERM (exit 0).\n"
        "Test hooks: GET /_emulator/cohorts/ID, GET /_emulator/stats, GET /_emulator/currents,\n"
        "GET /_emulator/postback/DB/TABLE, POST /_emulator/reset.");
    return [args] { return run(*args); };
}

}  // namespace tdbraze::cli
