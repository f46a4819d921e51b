// `tdbraze send currents`: delivers a payload to a receiver (Treasure Data's Postback API, the emulator, any HTTP
// endpoint) the way Braze Currents sends it, with a progress bar on a terminal and a JSON log for machines.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "credentials.hpp"
#include "currents_delivery.hpp"
#include "interrupt_watch.hpp"
#include "json_log.hpp"
#include "read_progress.hpp"
#include "td_postback.hpp"
#include "temp_file.hpp"
#include "tdbraze/report_json.hpp"
#include "text_report.hpp"

namespace tdbraze::cli {
namespace {

struct SendArgs {
    std::string input;
    std::string receiver_name;  // empty: chosen from the URL
    std::string bearer_env;
    std::optional<std::string> config;
    std::string log_format = "text";
    std::int64_t now = -1;
    sync::DeliveryOptions options;
};

// Text: the check's findings and log lines on stderr, a progress bar on a terminal, the summary on stdout.
// JSON: one object per event on stdout (json_log.hpp).
class CliObserver : public sync::DeliveryObserver {
public:
    CliObserver(bool json, bool bar, std::string source, std::uint64_t total_bytes)
        : json_(json), progress_(std::cerr, bar, std::move(source), total_bytes) {}

    void on_pass(std::string_view pass, std::uint64_t /*total_bytes*/) override {
        progress_.start_pass(std::string(pass));
        read_ = 0;
    }
    void on_read(std::uint64_t bytes) override {
        progress_.add(bytes - read_);
        read_ = bytes;
    }
    void on_checked(const currents::Report& report, const sync::DeliveryProgress& plan) override {
        if (json_) {
            write_json_line({{"event", "checked"},
                             {"events", report.summary.events},
                             {"errors", report.summary.errors},
                             {"warnings", report.summary.warnings},
                             {"to_send", plan.events_to_send},
                             {"batches", plan.batches_total},
                             {"report", nlohmann::json::parse(to_json(report))}});
            return;
        }
        if (report.diagnostics.empty()) return;
        progress_.clear();
        print_grouped_report(std::cerr, report, TextStyle{use_colour(STDERR_FILENO)});
        if (report.summary.errors > 0)
            std::cerr << "tdbraze: the payload has errors; sending anyway, as the receiver decides what it takes "
                         "(tdbraze validate currents lists every finding)\n";
    }
    void on_progress(const sync::DeliveryProgress& p) override {
        if (!json_) return;
        const auto now = std::chrono::steady_clock::now();
        if (p.batches_done != p.batches_total && now - last_json_ < std::chrono::seconds(1)) return;
        last_json_ = now;
        write_json_line({{"event", "progress"},
                         {"batches_done", p.batches_done},
                         {"batches_total", p.batches_total},
                         {"events_accepted", p.events_accepted},
                         {"events_to_send", p.events_to_send},
                         {"events_dropped", p.events_dropped},
                         {"requests", p.requests},
                         {"retries", p.retries}});
    }
    void on_log(const std::string& line) override {
        if (json_) {
            write_json_line({{"event", "log"}, {"message", line}});
            return;
        }
        progress_.clear();
        std::cerr << "tdbraze: " << line << '\n';
    }
    void done() { progress_.clear(); }

private:
    bool json_;
    ReadProgress progress_;
    std::uint64_t read_ = 0;
    std::chrono::steady_clock::time_point last_json_{};
};

int run(SendArgs& a) {
    sync::DeliveryOptions& o = a.options;
    if (!a.receiver_name.empty())
        o.receiver = currents::receiver_from_string(a.receiver_name).value_or(currents::Receiver::Http);
    else if (sync::is_postback_url(o.url)) o.receiver = currents::Receiver::TdPostback;
    o.now_epoch_seconds = a.now >= 0 ? a.now : epoch_seconds_now();

    if (!a.bearer_env.empty()) {
        const char* token = std::getenv(a.bearer_env.c_str());
        if (token == nullptr || *token == '\0') {
            std::cerr << "tdbraze: the environment variable " << a.bearer_env << " is not set\n";
            return kExitUsage;
        }
        o.bearer_token = token;
        secrets::keep_secrets_out_of_core_dumps();
    }
    if (o.receiver == currents::Receiver::TdPostback) {
        auto key = secrets::load_td_write_key(a.config);
        if (!key) return report_error(key.error());
        o.td_write_key = std::move(*key);
    }

    std::optional<files::SpooledInput> spooled;
    std::string path = a.input;
    const std::string source = a.input == "-" ? "(standard input)" : a.input;
    if (a.input == "-") {
        auto copied = files::SpooledInput::from_standard_input();
        if (!copied) return report_error(copied.error());
        spooled = std::move(*copied);
        path = spooled->path();
    }

    const bool json = a.log_format == "json";
    std::error_code size_error;
    const std::uint64_t size = std::filesystem::file_size(path, size_error);
    CliObserver observer(json, !json && ::isatty(STDERR_FILENO) != 0, source, size_error ? 0 : size);
    transport::HttpGlobal http;
    if (auto problem = http.unavailable()) return report_error(Error{ErrorCode::Usage, *problem});
    const InterruptWatch interrupts;
    const sync::DeliverySummary s = sync::deliver_currents(path, source, o, observer, interrupts.token());
    observer.done();
    if (json) {
        write_json_line({{"event", "summary"},
                         {"outcome", sync::to_string(s.outcome)},
                         {"message", s.message},
                         {"events", s.events},
                         {"accepted", s.accepted},
                         {"accepted_before", s.accepted_before},
                         {"dropped", s.dropped},
                         {"skipped", s.skipped},
                         {"too_large", s.too_large},
                         {"batches", s.batches},
                         {"requests", s.requests},
                         {"retries", s.retries},
                         {"run", s.run_id},
                         {"seconds", s.seconds},
                         {"error", s.error ? std::string(to_string(s.error->code)) : std::string()}});
    } else if (s.outcome == sync::Outcome::Refused) {
        std::cerr << "tdbraze: " << s.message << '\n';
    } else {
        std::cout << "send " << sync::to_string(s.outcome) << ": " << s.message;
        if (s.retries > 0) std::cout << " (" << s.retries << (s.retries == 1 ? " retry)" : " retries)");
        std::cout << '\n';
        // What stopped it goes to standard error too, where a cron job's or CI's failure mail looks.
        if (s.error) std::cerr << "tdbraze: " << s.error->message << '\n';
    }
    return exit_status(s.outcome);
}

}  // namespace

std::function<int()> add_send_currents(CLI::App& send) {
    auto args = std::make_shared<SendArgs>();
    CLI::App* cmd = send.add_subcommand("currents", "Send a Currents payload to a receiver as Braze does");
    cmd->add_option("input", args->input,
                    "Payload: an envelope, JSON Lines of envelopes or events, a bare array; - for stdin")
        ->required()
        ->check(existing_file_or_dash());
    sync::DeliveryOptions& o = args->options;
    cmd->add_option("--url", o.url,
                    "Receiver URL (https, or http on loopback); a path /postback/v3/event/DB/TABLE means Treasure "
                    "Data's Postback API")
        ->required();
    cmd->add_option("--receiver", args->receiver_name,
                    "http (any receiver) or td-postback (default: td-postback for a Postback URL, else http)")
        ->check(CLI::IsMember({"http", "td-postback"}));
    cmd->add_option("--bearer-env", args->bearer_env, "Name of the environment variable holding a bearer token");
    cmd->add_option("--config", args->config,
                    "Credentials file (mode 0600) with td_write_key, when TDBRAZE_TD_WRITE_KEY is not set");
    cmd->add_option("--batch-size", o.batch_size, "Events per request (Braze: 100)")->check(CLI::Range(1, 100));
    cmd->add_option("--threads", o.threads, "Requests in flight at once (default 4)")->check(CLI::Range(1, 64));
    cmd->add_option("--rate-limit", o.requests_per_second, "At most N requests a second (default: no limit)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--state", o.state_path, "State database (default $XDG_STATE_HOME/tdbraze/state.db)");
    cmd->add_flag("--resume", o.resume,
                  "Continue the unfinished delivery of this payload without re-sending what "
                  "the receiver accepted");
    cmd->add_flag("--force", o.force, "Send again, even what an earlier delivery of this payload confirmed");
    cmd->add_option("--now", args->now, "Epoch seconds to use as the current time for the checks")
        ->check(CLI::NonNegativeNumber);
    add_backoff_options(cmd, o.backoff);
    cmd->add_option("--log-format", args->log_format, "text (progress bar) or json (one object per event)")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("--ca-bundle", o.http.ca_bundle, "PEM file of CAs to trust")->check(CLI::ExistingFile);
    cmd->footer(kExitStatusHelp);
    return [args] { return run(*args); };
}

}  // namespace tdbraze::cli
