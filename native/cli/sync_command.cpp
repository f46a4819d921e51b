// `tdbraze sync cohort`: sends a table's cohort changes to Braze for real, with progress on a terminal and
// JSON logs for machines.
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <stop_token>
#include <thread>

#include <pthread.h>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "interrupt_watch.hpp"
#include "json_log.hpp"
#include "read_progress.hpp"
#include "sync_engine.hpp"
#include "temp_file.hpp"
#include "tdbraze/report_json.hpp"
#include "text_report.hpp"

namespace tdbraze::cli {
namespace {

std::string clock_text(double seconds) {
    const auto s = static_cast<long>(seconds);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    return buf;
}

// Text: a progress bar on a terminal (stderr), retry and error lines, the validation report if it failed.
// JSON: one object per event on stdout.
class CliObserver : public sync::SyncObserver {
public:
    CliObserver(bool json, bool bar, std::string source) : json_(json), bar_(bar), source_(std::move(source)) {}

    void on_report(const cohort::Report& report) override {
        if (json_) {
            write_json_line({{"event", "validation"},
                             {"ok", report.ok()},
                             {"report", nlohmann::json::parse(tdbraze::to_json(report))}});
        } else if (!report.ok()) {
            print_text_report(std::cerr, report, TextStyle{use_colour(STDERR_FILENO)});
        }
    }

    void on_event(const sync::SyncEvent& e) override {
        if (json_) {
            static const char* kinds[] = {"info", "sent", "retry", "warning", "error"};
            nlohmann::json j{
                {"time", utc_now_iso8601()}, {"event", kinds[static_cast<int>(e.kind)]}, {"message", e.message}};
            if (e.seq >= 0) j["batch"] = e.seq;
            if (e.status != 0) j["status"] = e.status;
            if (e.attempt > 0) j["attempt"] = e.attempt;
            if (e.ids > 0) j["ids"] = e.ids;
            if (e.elapsed_ms > 0) j["ms"] = static_cast<std::int64_t>(e.elapsed_ms);
            write_json_line(j);
            return;
        }
        if (e.kind == sync::SyncEvent::Kind::Sent) return;  // the bar shows these
        clear_bar();
        std::cerr << "tdbraze: " << e.message << '\n';
    }

    void on_progress(const sync::SyncProgress& p) override {
        const auto now = std::chrono::steady_clock::now();
        if (!p.table_checked) return on_checking(p, now);
        if (checking_) {  // the check's line gives way to the bar, whose clock starts now
            checking_ = false;
            check_line_.reset();
            clear_bar();
            started_ = now;
        }
        if (now - last_draw_ < std::chrono::milliseconds(json_ ? 1000 : 100)) return;
        last_draw_ = now;
        const double elapsed = std::chrono::duration<double>(now - started_).count();
        const double rate = elapsed > 0 ? static_cast<double>(p.requests) / elapsed : 0;
        if (json_) {
            nlohmann::json j{{"event", "progress"},    {"batches_done", p.batches_done}, {"ids_done", p.ids_done},
                             {"requests", p.requests}, {"retries", p.retries},           {"status_429", p.status_429}};
            // Totals only once they are final (a mirror learns them as it plans): a share of growing totals
            // would go backwards.
            if (p.totals_final) {
                j["batches_total"] = p.batches_total;
                j["ids_total"] = p.ids_total;
            }
            write_json_line(j);
            return;
        }
        if (!bar_) return;
        if (!p.totals_final) return draw_counts(p, rate);
        const double share = p.ids_total > 0 ? static_cast<double>(p.ids_done) / static_cast<double>(p.ids_total) : 0;
        const int width = 28, filled = static_cast<int>(share * width);
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.append(static_cast<std::size_t>(width - filled), '.');
        const double eta = share > 0.001 ? elapsed * (1 - share) / share : 0;
        char line[256];
        std::snprintf(line, sizeof line, "\r[%s] %3.0f%%  %llu/%llu ids  %.1f req/s  retries %llu  429s %llu  ETA %s ",
                      bar.c_str(), share * 100, static_cast<unsigned long long>(p.ids_done),
                      static_cast<unsigned long long>(p.ids_total), rate, static_cast<unsigned long long>(p.retries),
                      static_cast<unsigned long long>(p.status_429), clock_text(eta).c_str());
        std::cerr << line << std::flush;
        drawn_ = true;
    }

    // While the totals are still growing (a mirror planning), the counts without a share or an ETA.
    void draw_counts(const sync::SyncProgress& p, double rate) {
        char line[256];
        std::snprintf(line, sizeof line, "\r[planning] %llu ids in %llu batches  %.1f req/s  retries %llu  429s %llu ",
                      static_cast<unsigned long long>(p.ids_done), static_cast<unsigned long long>(p.batches_done),
                      rate, static_cast<unsigned long long>(p.retries), static_cast<unsigned long long>(p.status_429));
        std::cerr << line << std::flush;
        drawn_ = true;
    }

    // The check of the whole table before the first request: how much of the file is read, and how fast.
    void on_checking(const sync::SyncProgress& p, std::chrono::steady_clock::time_point now) {
        checking_ = true;
        if (json_) {  // nothing for a check too short to notice, then once a second
            if (now - started_ < std::chrono::milliseconds(300) || now - last_draw_ < std::chrono::seconds(1)) return;
            last_draw_ = now;
            write_json_line(
                {{"event", "checking"}, {"bytes_read", p.check_bytes_read}, {"bytes_total", p.check_bytes_total}});
            return;
        }
        if (!bar_) return;
        // The same line as validate's, drawn as often.
        if (!check_line_) {
            check_line_.emplace(std::cerr, true, source_, p.check_bytes_total, started_);
            check_line_->start_pass("checking", started_);
        }
        if (p.check_bytes_read < check_counted_) {  // read again (for the report of a table with errors)
            check_line_->start_pass("checking", now);
            check_counted_ = 0;
        }
        check_line_->add(p.check_bytes_read - check_counted_, now);
        check_counted_ = p.check_bytes_read;
    }

    void clear_bar() {
        if (check_line_) check_line_->clear();
        if (drawn_) std::cerr << "\r\x1b[2K" << std::flush;
        drawn_ = false;
    }

private:
    bool json_, bar_;
    std::string source_;
    bool drawn_ = false;
    bool checking_ = false;
    std::optional<ReadProgress> check_line_;  // on a terminal, while the table is checked
    std::uint64_t check_counted_ = 0;  // of the check's bytes, given to check_line_
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_draw_{};
};

struct SyncArgs {
    sync::SyncOptions options;
    ExportOptions export_options;  // the export's settings and how the table is read: copied into options
    std::string mode = "add";
    std::string log_format = "text";
    std::optional<std::string> config;
    double connect_timeout_s = 10, timeout_s = 60;
    std::string refused_secret;
};

int run(SyncArgs& a) {
    if (!a.refused_secret.empty()) {
        std::cerr << "tdbraze: " << a.refused_secret
                  << " is refused: secrets on the command line end up in shell history and process lists. Set "
                  << secrets::kPartnerKeyVariable << " and " << secrets::kClientSecretVariable
                  << ", or write them to a credentials file with mode 0600 (--config FILE)\n";
        return kExitUsage;
    }
    auto& o = a.options;
    o.mode = sync::from_string<sync::Mode>(a.mode).value_or(sync::Mode::Add);  // CLI11 checked the name
    o.settings = a.export_options.settings;
    o.dedupe = sync::dedupe_from_name(a.export_options.dedupe);
    o.read.format = table_format_from_option(a.export_options.table_format);
    o.read.trim = a.export_options.trim;
    if (o.settings.created_at.empty()) o.settings.created_at = utc_now_iso8601();
    o.http.connect_timeout_ms = static_cast<long>(a.connect_timeout_s * 1000);
    o.http.total_timeout_ms = static_cast<long>(a.timeout_s * 1000);

    secrets::Credentials credentials;
    if (!o.dry_run) {
        auto loaded = secrets::load_credentials(a.config);
        if (auto* message = std::get_if<std::string>(&loaded)) {
            std::cerr << "tdbraze: " << *message << '\n';
            return kExitUsage;
        }
        credentials = std::get<secrets::Credentials>(loaded);
    }
    // The table is read twice (checked, then sent): standard input is copied to a private temporary file first.
    std::optional<files::SpooledInput> spooled;
    if (o.input_path == "-") {
        auto copied = files::SpooledInput::from_standard_input();
        if (!copied) return report_error(copied.error());
        spooled = std::move(*copied);
        o.input_path = spooled->path();
        o.input_name = "(standard input)";
    }
    const bool json = a.log_format == "json";
    // The file's name without its folders: a line longer than the terminal is wide cannot be redrawn in place.
    const std::string shown =
        o.input_name.empty() ? std::filesystem::path(o.input_path).filename().string() : o.input_name;
    CliObserver observer(json, !json && ::isatty(STDERR_FILENO) != 0, shown);
    transport::HttpGlobal http;
    if (auto problem = http.unavailable(); problem && !o.dry_run)
        return report_error(Error{ErrorCode::Usage, *problem});
    const InterruptWatch interrupts;
    const sync::SyncSummary s = sync::run_sync(o, credentials, observer, interrupts.token());
    observer.clear_bar();
    if (json) {
        nlohmann::json j{{"event", "summary"},
                         {"outcome", sync::to_string(s.outcome)},
                         {"message", s.message},
                         {"planned", s.planned},
                         {"sent", s.sent},
                         {"skipped", s.skipped},
                         {"retried", s.retried},
                         {"failed", s.failed},
                         {"ids_sent", s.ids_sent},
                         {"adds", s.adds},
                         {"removes", s.removes},
                         {"run", s.run_id},
                         {"requests", s.requests},
                         {"check_seconds", std::round(s.check_seconds * 1000) / 1000},
                         {"sending_seconds", std::round(s.sending_seconds * 1000) / 1000}};
        if (s.error) j["error"] = to_string(s.error->code);
        // The run's identity includes the mapping: a log reader can tell two runs of one table apart by it.
        j["mapping"] = nlohmann::json::array();
        for (const cohort::ColumnMapping& m : o.settings.mapping)
            j["mapping"].push_back({{"column", m.column}, {"target", cohort::target_text(m)}});
        write_json_line(j);
        if (s.outcome == sync::Outcome::Refused) std::cerr << "tdbraze: " << s.message << '\n';
    } else if (s.outcome == sync::Outcome::Refused) {  // nothing was attempted: said in one line
        std::cerr << "tdbraze: " << s.message << '\n';
    } else {
        std::cout << "  batches: " << s.planned << " planned, " << s.sent << " sent, " << s.skipped
                  << " skipped (confirmed before), " << s.failed << " failed; " << s.retried
                  << " retries; identifiers: " << s.adds << " added, " << s.removes << " removed";
        if (s.run_id != 0) std::cout << "; run " << s.run_id;
        char time[160];
        std::snprintf(time, sizeof time, "\n  time: table checked in %.2f s", s.check_seconds);
        std::cout << time;
        if (s.sending_seconds > 0) {
            std::snprintf(time, sizeof time, ", %llu requests in %.2f s (%.0f requests/s)",
                          static_cast<unsigned long long>(s.requests), s.sending_seconds,
                          static_cast<double>(s.requests) / s.sending_seconds);
            std::cout << time;
        }
        // The outcome last: the line a person (or a cron mail) reads first.
        std::cout << "\nsync " << sync::to_string(s.outcome) << ": " << s.message << '\n';
    }
    return exit_status(s.outcome);
}

}  // namespace

std::function<int()> add_sync_cohort(CLI::App& sync_app) {
    auto args = std::make_shared<SyncArgs>();
    auto& o = args->options;
    CLI::App* cmd = sync_app.add_subcommand("cohort", "Send a table's cohort changes to Braze (or the emulator)");
    cmd->add_option("input", o.input_path,
                    "The query result: CSV, TSV, JSON array or JSON Lines; - reads standard input (copied to a "
                    "private temporary file first, since the table is read twice)")
        ->required()
        ->check(existing_file_or_dash());
    cmd->add_option("--endpoint", o.endpoint, "Braze REST endpoint, e.g. https://rest.iad-01.braze.com")->required();
    add_export_options(cmd, args->export_options);
    cmd->add_option("--operation", args->mode,
                    "add or remove the table's users, or mirror: make the cohort equal to the table")
        ->check(CLI::IsMember({"add", "remove", "mirror"}));
    cmd->add_option("--state", o.state_path, "State database (default $XDG_STATE_HOME/tdbraze/state.db)");
    cmd->add_option_function<long>(
           "--wait", [args](long s) { args->options.wait_for_cohort = std::chrono::seconds(s); },
           "Another sync of this cohort in progress (an overlapping scheduled run): wait up to SECONDS for it to "
           "end (default 0: exit 2 at once)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--resume", o.resume,
                  "Continue the interrupted run of this table without resending confirmed batches");
    cmd->add_flag("--force", o.force, "Start a new run even if this table was synced before");
    cmd->add_flag("--dry-run", o.dry_run, "Check and plan, send nothing");
    cmd->add_option("--rate-limit", o.requests_per_hour, "Requests per hour, all threads together (default 250000)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--ca-bundle", o.http.ca_bundle, "PEM file of CAs to trust besides the system's")
        ->check(CLI::ExistingFile);
    cmd->add_option("--config", args->config, "Credentials file (mode 0600) when the environment has none");
    cmd->add_option("--connect-timeout", args->connect_timeout_s, "Seconds (default 10)")->check(CLI::PositiveNumber);
    cmd->add_option("--timeout", args->timeout_s, "Seconds per request (default 60)")->check(CLI::PositiveNumber);
    add_backoff_options(cmd, args->options.backoff);
    cmd->add_option("--log-format", args->log_format, "text (progress bar) or json (one object per event)")
        ->check(CLI::IsMember({"text", "json"}));
    // Accepted only to refuse them with an explanation instead of "unknown option".
    for (const char* name : {"--partner-api-key", "--client-secret", "--data-import-key", "--api-key"})
        cmd->add_option_function<std::string>(name, [args, name](const std::string&) { args->refused_secret = name; })
            ->group("");
    cmd->footer("Secrets: " + std::string(secrets::kPartnerKeyVariable) + " and " + secrets::kClientSecretVariable +
                ", or a 0600 credentials file (--config; default " + secrets::default_config_path() + ").\n" +
                std::string(kExitStatusHelp));
    return [args] { return run(*args); };
}

}  // namespace tdbraze::cli
