// The sync over real HTTP on 127.0.0.1: the tdbraze CLI against the Braze emulator, with faults, kills,
// resumes, mirror snapshots, TLS and a search for leaked secrets.
#include <catch2/catch.hpp>

#include <algorithm>

#include <atomic>
#include <stop_token>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "braze_emulator.hpp"
#include "sync_support.hpp"
#include "sync_engine.hpp"

namespace {

using namespace tdbraze::test;
namespace fs = std::filesystem;
using tdbraze::emulator::BrazeEmulator;
using tdbraze::emulator::EmulatorConfig;

// Options of a one-thread sync of `input` to `emu` checked on disk (the way a large table is), with its own state.
tdbraze::sync::SyncOptions disk_sync_options(const fs::path& input, const std::string& cohort, const std::string& url) {
    tdbraze::sync::SyncOptions options;
    options.input_path = input.string();
    options.settings.cohort_id = cohort;
    options.settings.threads = 1;
    options.settings.created_at = "2026-11-30T00:00:00Z";
    options.endpoint = url;
    options.state_path = (work_dir() / (cohort + ".db")).string();
    options.dedupe = tdbraze::sync::Dedupe::Disk;
    options.backoff.base = std::chrono::milliseconds(10);
    return options;
}

// Rewrites the table (ids x-0 .. x-2999) when a resumed run says so, after its check and before it plans.
struct RewriteOnResume : tdbraze::sync::SyncObserver {
    explicit RewriteOnResume(fs::path table_path) : path(std::move(table_path)) {}
    fs::path path;
    bool changed = false;
    void on_event(const tdbraze::sync::SyncEvent& e) override {
        if (e.kind == tdbraze::sync::SyncEvent::Kind::Info && e.message.find("resuming run") == 0) {
            table(path.filename().string(), "user_ids", 0, 3000, "x-");
            changed = true;
        }
    }
};

// Cancels a run once its first membership batch is confirmed.
struct StopAfterFirstBatch : tdbraze::sync::SyncObserver {
    std::stop_source cancel;
    void on_event(const tdbraze::sync::SyncEvent& e) override {
        if (e.kind == tdbraze::sync::SyncEvent::Kind::Sent && e.ids > 0) cancel.request_stop();
    }
};

}  // namespace

TEST_CASE("sync: a table reaches the cohort, and a re-run sends nothing", "[sync]") {
    // In memory: planned to a temporary file, then sent. On disk: the second read feeds the sending directly.
    const std::string dedupe = GENERATE(as<std::string>{}, "memory", "disk");
    INFO("--dedupe " << dedupe);
    Emulator emu;
    const fs::path input = table_with_repeats("basic-" + dedupe + ".csv", 2500);
    const fs::path state = work_dir() / ("basic-" + dedupe + ".db");
    const std::string args = sync_args(input, emu.url, "basic", state) + " --dedupe " + dedupe;
    const Run first = run_cli(args);
    INFO(first.out << first.err);
    CHECK(first.code == 0);
    CHECK(last_line(first.out).rfind("sync completed", 0) == 0);
    CHECK(first.out.find("batches: 3 planned, 3 sent") != std::string::npos);
    CHECK(members(emu.server, "basic") == expected_ids(0, 2500));
    CHECK(emu.server.stats().membership_applied == 3);
    CHECK(emu.server.cohort("basic")->name == "basic");
    CHECK(first.out.find("time: table checked in ") != std::string::npos);
    CHECK(first.out.find(", 4 requests in ") != std::string::npos);  // the naming call and three batches

    const Run again = run_cli(args);
    CHECK(again.code == 0);
    CHECK(last_line(again.out).rfind("sync nothing-to-do", 0) == 0);
    CHECK(again.out.find(" requests in ") == std::string::npos);
    CHECK(again.out.find("batches: 3 planned, 0 sent, 3 skipped") != std::string::npos);
    CHECK(emu.server.stats().requests_total == 4);  // nothing more was sent

    // A table is known by its bytes: a copy elsewhere is the same table; one more row makes another, which
    // --resume cannot continue and says so.
    const fs::path copy = work_dir() / ("basic-" + dedupe + "-copy.csv");
    fs::copy_file(input, copy, fs::copy_options::overwrite_existing);
    const Run copied = run_cli(sync_args(copy, emu.url, "basic", state) + " --dedupe " + dedupe);
    CHECK(last_line(copied.out).rfind("sync nothing-to-do", 0) == 0);
    std::ofstream(copy, std::ios::app) << "extra-user\n";
    const Run longer = run_cli(sync_args(copy, emu.url, "basic", state) + " --dedupe " + dedupe + " --resume");
    INFO(longer.out << longer.err);
    CHECK(longer.code == 0);
    CHECK((longer.out + longer.err).find("no unfinished run of this table to resume") != std::string::npos);
    CHECK(emu.server.stats().requests_total == 4 + 3);  // its three batches (the name is known already)
}

TEST_CASE("sync: --map sends the mapped column, and a changed mapping is another run", "[sync]") {
    Emulator emu;
    const fs::path input = work_dir() / "mapped.csv";
    std::ofstream(input) << "External_ID,Mail\nm-1,a@x.org\nm-2,b@x.org\nm-1,\n";
    const fs::path state = work_dir() / "mapped.db";
    const std::string args = sync_args(input, emu.url, "mapped", state) + " --map External_ID=user_ids";
    const Run first = run_cli(args);
    INFO(first.out << first.err);
    CHECK(first.code == 0);
    CHECK(members(emu.server, "mapped") == std::set<std::string>{"m-1", "m-2"});
    CHECK(last_line(run_cli(args).out).rfind("sync nothing-to-do", 0) == 0);  // the same mapping: the same run

    // Another mapping is another run over the same table: it is planned and sent, not skipped as done.
    const std::size_t before = emu.server.stats().requests_total;
    const Run changed = run_cli(args + " --map Mail=alias:email --log-format json");
    INFO(changed.out << changed.err);
    CHECK(changed.code == 0);
    CHECK(emu.server.stats().requests_total > before);
    const auto summary = nlohmann::json::parse(last_line(changed.out));
    CHECK(summary["outcome"] == "completed");
    CHECK(summary["mapping"] ==
          nlohmann::json::parse(
              R"([{"column":"External_ID","target":"user_ids"},{"column":"Mail","target":"alias:email"}])"));
}

TEST_CASE("sync: --dry-run counts what would be sent and sends nothing", "[sync]") {
    const std::string dedupe = GENERATE(as<std::string>{}, "memory", "disk");
    INFO("--dedupe " << dedupe);
    Emulator emu;
    // 2,500 distinct ids (repeats, and an alias column): three requests of at most 1,000.
    const fs::path input = table_with_repeats("dry-" + dedupe + ".csv", 2000, true);
    {
        std::ofstream f(input, std::ios::app);
        for (int i = 0; i < 500; ++i) f << ",m" << i << "@example.com\n";
    }
    const Run dry = run_cli(sync_args(input, emu.url, "dry", work_dir() / ("dry-" + dedupe + ".db")) +
                            " --alias-column email --dry-run --dedupe " + dedupe);
    INFO(dry.out << dry.err);
    CHECK(dry.code == 0);
    CHECK(dry.out.find("dry run: 3 membership requests with 2500 identifiers") != std::string::npos);
    CHECK(emu.server.stats().requests_total == 0);
}

TEST_CASE("sync: a table changed after its check is not sent beyond what was checked", "[sync]") {
    // Checked on disk, a table with an identifier of kilobytes is read a second time while sending (the first
    // read alone cannot say where its requests split). Here it changes between the reads: the second read must
    // notice before planning anything from the changed part, and stop.
    Emulator emu;
    const fs::path input = table("changing.csv", "user_ids", 0, 3000);
    std::ofstream(input, std::ios::app) << "u-" << std::string(5000, 'L') << "\n";
    tdbraze::sync::SyncOptions options = disk_sync_options(input, "changing", emu.url);
    const tdbraze::secrets::Credentials credentials{kKey, kSecret};

    // A first run, stopped after its first confirmed batch.
    StopAfterFirstBatch first;
    const auto interrupted = tdbraze::sync::run_sync(options, credentials, first, first.cancel.get_token());
    REQUIRE(interrupted.outcome == tdbraze::sync::Outcome::Interrupted);
    const auto applied = emu.server.stats().membership_applied;
    REQUIRE(applied >= 1);
    REQUIRE(applied < 3);

    // Resumed: pass 0 reads the table as it was, then the table changes before the sending read.
    RewriteOnResume second{input};
    options.resume = true;
    const auto resumed = tdbraze::sync::run_sync(options, credentials, second);
    INFO(resumed.message);
    CHECK(resumed.outcome == tdbraze::sync::Outcome::Failed);
    CHECK(resumed.message.find("the table changed while it was being read") != std::string::npos);
    CHECK(resumed.message.find("only batches from the part read before the change") != std::string::npos);
    CHECK(emu.server.stats().membership_applied == applied);  // nothing of the changed table was sent
    for (const std::string& id : members(emu.server, "changing")) CHECK(id.rfind("u-", 0) == 0);
}

TEST_CASE("sync: a table checked on disk is sent as it was checked, even if the file changes later", "[sync]") {
    // The send plans from the duplicate check's own file (SpilledDedupe::plan), not from a second read: a file
    // rewritten after its check changes nothing that is sent.
    Emulator emu;
    const fs::path input = table("rewritten.csv", "user_ids", 0, 3000);
    tdbraze::sync::SyncOptions options = disk_sync_options(input, "rewritten", emu.url);
    const tdbraze::secrets::Credentials credentials{kKey, kSecret};
    StopAfterFirstBatch first;
    REQUIRE(tdbraze::sync::run_sync(options, credentials, first, first.cancel.get_token()).outcome ==
            tdbraze::sync::Outcome::Interrupted);

    // Resumed: pass 0 checks the table as it was; it is rewritten before anything of it is planned.
    RewriteOnResume second{input};
    options.resume = true;
    const auto resumed = tdbraze::sync::run_sync(options, credentials, second);
    INFO(resumed.message);
    CHECK(second.changed);
    CHECK(resumed.outcome == tdbraze::sync::Outcome::Completed);
    CHECK(members(emu.server, "rewritten") == expected_ids(0, 3000));
}

TEST_CASE("sync: the check before sending reports how much of the table it has read", "[sync]") {
    // A table of several pieces (1 MiB each), checked in memory and on disk: the observer sees the bytes read
    // grow to the file's size before the first request, then table_checked.
    const std::string dedupe = GENERATE(as<std::string>{}, "memory", "disk");
    INFO("--dedupe " << dedupe);
    Emulator emu;
    const fs::path input = table("checked-" + dedupe + ".csv", "user_ids", 0, 300000);
    tdbraze::sync::SyncOptions options;
    options.input_path = input.string();
    options.settings.cohort_id = "checked";
    options.settings.created_at = "2026-11-30T00:00:00Z";
    options.endpoint = emu.url;
    options.state_path = (work_dir() / ("checked-" + dedupe + ".db")).string();
    options.dedupe = tdbraze::sync::dedupe_from_name(dedupe);
    struct Watcher : tdbraze::sync::SyncObserver {
        std::vector<std::uint64_t> read;  // check_bytes_read of each report before table_checked
        std::uint64_t total = 0;
        bool checked_before_sending = true, sent = false, checked = false;
        void on_progress(const tdbraze::sync::SyncProgress& p) override {
            if (!p.table_checked) {
                read.push_back(p.check_bytes_read);
                total = p.check_bytes_total;
                if (sent) checked_before_sending = false;
            } else {
                checked = true;
            }
        }
        void on_event(const tdbraze::sync::SyncEvent& e) override {
            if (e.kind == tdbraze::sync::SyncEvent::Kind::Sent) {
                sent = true;
                if (!checked) checked_before_sending = false;
            }
        }
    } watcher;
    const auto started = std::chrono::steady_clock::now();
    const auto summary = tdbraze::sync::run_sync(options, {kKey, kSecret}, watcher);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    INFO(summary.message);
    CHECK(summary.outcome == tdbraze::sync::Outcome::Completed);
    // The summary says where the time went: the check, then the requests (every one the emulator answered).
    CHECK(summary.requests == emu.server.stats().requests_total);
    CHECK(summary.check_seconds > 0);
    CHECK(summary.sending_seconds > 0);
    CHECK(summary.check_seconds + summary.sending_seconds <= wall);
    CHECK(watcher.total == fs::file_size(input));
    REQUIRE(watcher.read.size() >= 3);
    CHECK(std::is_sorted(watcher.read.begin(), watcher.read.end()));
    CHECK(watcher.read.back() == watcher.total);
    CHECK(watcher.checked);
    CHECK(watcher.checked_before_sending);
}

TEST_CASE("sync: 100,000 ids through 20% faults and dropped connections end exact", "[sync]") {
    EmulatorConfig config;
    config.faults = tdbraze::emulator::parse_fault_spec(
                        "429=0.04,500=0.03,502=0.03,503=0.03,423=0.01,drop_before=0.03,drop_after=0.03")
                        .value.value();
    config.seed = 7;
    Emulator emu(config);
    const fs::path input = table("faults.csv", "user_ids", 0, 100000);
    const Run r = run_cli(sync_args(input, emu.url, "faults", work_dir() / "faults.db") + " --threads 8");
    INFO(r.out << r.err.substr(0, 2000));
    CHECK(r.code == 0);
    CHECK(members(emu.server, "faults") == expected_ids(0, 100000));
    const auto stats = emu.server.stats();
    CHECK(stats.dropped_after + stats.dropped_before > 0);
    CHECK(stats.injected_statuses.size() >= 3);
    // Only batches whose answer was lost (applied, then the connection dropped) may arrive twice.
    CHECK(stats.duplicate_applied <= stats.dropped_after);
}

TEST_CASE("sync: killed with SIGKILL, then --resume: exact, and confirmed batches are not sent again", "[sync]") {
    Emulator emu;
    const fs::path input = table("kill.csv", "user_ids", 0, 60000);
    const fs::path state = work_dir() / "kill.db";
    // 60 batches at 20 requests a second: about three seconds, killed after a dozen batches.
    const std::string args = sync_args(input, emu.url, "kill", state) + " --threads 4 --rate-limit 72000";
    // The killed run checks duplicates on disk, the resumed one in memory: both must plan the very same
    // batches, or the resume would resend confirmed ones (counted below).
    const pid_t child = ::fork();
    if (child == 0) {
        ::setenv("TDBRAZE_PARTNER_API_KEY", kKey, 1);
        ::setenv("TDBRAZE_CLIENT_SECRET", kSecret, 1);
        std::freopen("/dev/null", "w", stdout);
        std::freopen("/dev/null", "w", stderr);
        ::execl("/bin/sh", "sh", "-c", (std::string("exec ") + TDBRAZE_CLI + " " + args + " --dedupe disk").c_str(),
                nullptr);
        ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (emu.server.stats().membership_applied < 12 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    const auto before = emu.server.stats().membership_applied;
    REQUIRE(before < 60);  // killed mid-run

    const Run plain = run_cli(args);
    CHECK(plain.code == 2);  // an unfinished run is not silently restarted
    CHECK(plain.err.find("--resume") != std::string::npos);

    const Run resumed = run_cli(args + " --resume --dedupe memory");
    INFO(resumed.out << resumed.err);
    CHECK(resumed.code == 0);
    // Every batch arrived; the only repeats are batches in flight at the kill (at most one per thread).
    check_resumed_exactly(emu, "kill", 0, 60000, 60, 4);
    CHECK(resumed.out.find("skipped (confirmed before)") != std::string::npos);
}

TEST_CASE("sync: mirror removes nothing when the table changes while it is being sent", "[sync]") {
    // Mirror reads the table again to send it. If the table changes during that read, the identifiers not read
    // yet have not left the cohort: the run must stop without a single remove.
    const std::string dedupe = GENERATE(as<std::string>{}, "memory", "disk");
    INFO("--dedupe " << dedupe);
    Emulator emu;
    const fs::path input = work_dir() / ("mirror-change-" + dedupe + ".csv");
    // New ids in short rows first: their add batches fill the send queue (one thread: room for two), so the
    // read waits within its first 1 MiB piece while the first is sent. Then members in rows of about 1 KB, so
    // that the part that changes lies pieces beyond anything read ahead.
    const std::string filler(1000, 'x');
    auto write_snapshot = [&](int new_ids, const std::string& tail_prefix) {
        std::ofstream f(input);
        f << "user_ids,filler\n";
        for (int i = 0; i < new_ids; ++i) f << "n-" << i << ",\n";
        for (int i = 0; i < 8000; ++i) f << (i < 6000 ? "u-" : tail_prefix) << i << "," << filler << "\n";
    };
    tdbraze::sync::SyncOptions options;
    options.input_path = input.string();
    options.settings.cohort_id = "mirror-change";
    options.settings.threads = 1;
    options.settings.created_at = "2026-11-30T00:00:00Z";
    options.mode = tdbraze::sync::Mode::Mirror;
    options.endpoint = emu.url;
    options.state_path = (work_dir() / ("mirror-change-" + dedupe + ".db")).string();
    options.dedupe = tdbraze::sync::dedupe_from_name(dedupe);
    const tdbraze::secrets::Credentials credentials{kKey, kSecret};

    write_snapshot(0, "u-");
    tdbraze::sync::SyncObserver quiet;
    REQUIRE(tdbraze::sync::run_sync(options, credentials, quiet).outcome == tdbraze::sync::Outcome::Completed);
    REQUIRE(members(emu.server, "mirror-change").size() == 8000);

    // The next snapshot starts with new ids; once the first of them is confirmed, its last quarter changes.
    write_snapshot(5000, "u-");
    struct ChangeTail : tdbraze::sync::SyncObserver {
        std::function<void()> change;
        bool done = false;
        void on_event(const tdbraze::sync::SyncEvent& e) override {
            if (e.kind == tdbraze::sync::SyncEvent::Kind::Sent && e.ids > 0 && !done) {
                done = true;
                change();
            }
        }
    } observer;
    observer.change = [&] { write_snapshot(5000, "z-"); };
    const auto changed = tdbraze::sync::run_sync(options, credentials, observer);
    INFO(changed.message);
    CHECK(changed.outcome == tdbraze::sync::Outcome::Failed);
    CHECK(changed.message.find("the table changed while it was being read") != std::string::npos);
    CHECK(changed.removes == 0);
    const auto now = members(emu.server, "mirror-change");
    for (int i = 0; i < 8000; ++i) CHECK(now.count("u-" + std::to_string(i)) == 1);
}

TEST_CASE("sync: mirror sends exactly the adds and removes of three snapshots", "[sync]") {
    const std::string dedupe = GENERATE(as<std::string>{}, "memory", "disk");
    INFO("--dedupe " << dedupe);
    Emulator emu;
    const fs::path state = work_dir() / ("mirror-" + dedupe + ".db");
    struct Snapshot {
        int from, to;
        std::uint64_t adds, removes;
    };
    const std::vector<Snapshot> snapshots = {{0, 3000, 3000, 0}, {1000, 4500, 1500, 1000}, {500, 1500, 500, 3000}};
    std::uint64_t added = 0, removed = 0, identifiers_sent = 0, requests_before = 0;
    int n = 0;
    for (const Snapshot& s : snapshots) {
        const fs::path input = table("mirror" + std::to_string(++n) + ".csv", "user_ids", s.from, s.to);
        const Run r = run_cli(sync_args(input, emu.url, "mirror", state) +
                              " --operation mirror --log-format json --dedupe " + dedupe);
        INFO("snapshot " << n << ": " << r.out.substr(r.out.size() > 600 ? r.out.size() - 600 : 0) << r.err);
        REQUIRE(r.code == 0);
        CHECK(members(emu.server, "mirror") == expected_ids(s.from, s.to));
        const auto stats = emu.server.stats();
        CHECK(stats.members_added - added == s.adds);
        CHECK(stats.members_removed - removed == s.removes);
        added = stats.members_added;
        removed = stats.members_removed;
        CHECK(r.out.find("\"adds\":" + std::to_string(s.adds)) != std::string::npos);
        CHECK(r.out.find("\"removes\":" + std::to_string(s.removes)) != std::string::npos);
        // The summary is the last line, with the requests made and the time they took.
        const std::string last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
        const auto summary = nlohmann::json::parse(last);
        CHECK(summary["event"] == "summary");
        CHECK(summary["requests"] == stats.requests_total - requests_before);
        CHECK(summary["sending_seconds"].get<double>() > 0);
        CHECK(summary["check_seconds"].is_number());
        requests_before = stats.requests_total;
        identifiers_sent += s.adds + s.removes;
    }
    CHECK(emu.server.stats().naming_applied == 1);  // the name did not change: named once
    // Nothing but the deltas was sent: a fourth run of the last snapshot sends no membership request.
    const auto requests = emu.server.stats().membership_applied;
    const Run again = run_cli(sync_args(work_dir() / "mirror3.csv", emu.url, "mirror", state) +
                              " --operation mirror --dedupe " + dedupe);
    CHECK(again.code == 0);
    CHECK(emu.server.stats().membership_applied == requests);
}

TEST_CASE("sync: TLS is verified: a self-signed server is refused without --ca-bundle, accepted with it", "[sync]") {
    const fs::path cert = work_dir() / "cert.pem", key = work_dir() / "key.pem";
    const std::string make = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key.string() + " -out " +
                             cert.string() + " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1" +
                             " >/dev/null 2>&1";
    REQUIRE(std::system(make.c_str()) == 0);
    EmulatorConfig config;
    config.tls_cert_file = cert.string();
    config.tls_key_file = key.string();
    Emulator emu(config);
    REQUIRE(emu.url.rfind("https://", 0) == 0);
    const fs::path input = table("tls.csv", "user_ids", 0, 10);
    const Run refused = run_cli(sync_args(input, emu.url, "tls", work_dir() / "tls.db") + " --max-attempts 1");
    CHECK(refused.code == 1);
    CHECK(refused.err.find("certificate") != std::string::npos);
    CHECK(members(emu.server, "tls").empty());
    const Run accepted =
        run_cli(sync_args(input, emu.url, "tls", work_dir() / "tls.db") + " --force --ca-bundle " + cert.string());
    INFO(accepted.out << accepted.err);
    CHECK(accepted.code == 0);
    CHECK(members(emu.server, "tls").size() == 10);
}

TEST_CASE("sync: no secret appears in any output, log or state file", "[sync]") {
    Emulator emu;
    const fs::path input = table("secrets.csv", "user_ids", 0, 1500);
    const fs::path state = work_dir() / "secrets.db";
    const Run ok = run_cli(sync_args(input, emu.url, "secrets", state) + " --log-format json");
    CHECK(ok.code == 0);
    // A partner the emulator does not enable: Braze's 401 echoes the client secret in its body.
    const Run echoed = run_cli(sync_args(input, emu.url, "secrets2", state) + " --partner elsewhere");
    CHECK(echoed.code == 1);
    CHECK(echoed.err.find("Partner not enabled for client with client secret: <redacted>") != std::string::npos);
    const std::string everything =
        ok.out + ok.err + echoed.out + echoed.err + slurp(state) + slurp(state.string() + "-wal");
    CHECK(everything.find(kSecret) == std::string::npos);
    CHECK(everything.find(kKey) == std::string::npos);
}

TEST_CASE("sync: plain http to the local emulator never goes through a proxy", "[sync]") {
    // Through an http_proxy the body, secrets included, would reach the proxy in clear text. The proxy here
    // is a closed port: going through it would fail the sync.
    Emulator emu;
    const fs::path input = table("proxy.csv", "user_ids", 0, 50);
    const Run r = run_cli(sync_args(input, emu.url, "proxy", work_dir() / "proxy.db") + " --max-attempts 1",
                          "http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9");
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(members(emu.server, "proxy") == expected_ids(0, 50));
}

TEST_CASE("sync: refusals that protect the user", "[sync]") {
    const fs::path input = table("refuse.csv", "user_ids", 0, 5);
    const Run http = run_cli(sync_args(input, "http://example.com", "r", work_dir() / "r.db"));
    CHECK(http.code == 2);
    CHECK(http.err.find("plain http is only allowed to a loopback address") != std::string::npos);
    const Run argv_secret =
        run_cli(sync_args(input, "https://rest.iad-01.braze.com", "r", work_dir() / "r.db") + " --client-secret abc");
    CHECK(argv_secret.code == 2);
    CHECK(argv_secret.err.find("secrets on the command line") != std::string::npos);
    const Run userinfo =
        run_cli(sync_args(input, "https://td:hunter2@rest.iad-01.braze.com", "r", work_dir() / "r.db"));
    CHECK(userinfo.code == 2);
    CHECK(userinfo.err.find("credentials before '@'") != std::string::npos);
    CHECK(userinfo.err.find("hunter2") == std::string::npos);  // refused without repeating it
    const fs::path bad = table("bad.csv", "user_id", 0, 5);
    Emulator emu;
    const Run invalid = run_cli(sync_args(bad, emu.url, "r", work_dir() / "r.db"));
    CHECK(invalid.code == 1);
    CHECK(invalid.err.find("no-identifier-column") != std::string::npos);
    CHECK(emu.server.stats().requests_total == 0);  // nothing is sent for an invalid table

    // Checked on disk too, with the error in the last row: the first read finds it, and the table is planned
    // and reported in full before anything could be sent.
    const fs::path late = work_dir() / "late-error.csv";
    {
        std::ofstream f(late);
        f << "user_ids\n";
        for (int i = 0; i < 3000; ++i) f << "u-" << i << "\n";
        f << "\"u-bad\x01\"\n";
    }
    const Run late_error = run_cli(sync_args(late, emu.url, "r", work_dir() / "r.db") + " --dedupe disk");
    CHECK(late_error.code == 1);
    CHECK(late_error.err.find("control-character") != std::string::npos);
    CHECK(emu.server.stats().requests_total == 0);
}

TEST_CASE("sync: a wrong key stops the run with what to fix", "[sync]") {
    Emulator emu;
    const fs::path input = table("wrongkey.csv", "user_ids", 0, 5);
    const std::string command = std::string("TDBRAZE_PARTNER_API_KEY=wrong-key TDBRAZE_CLIENT_SECRET=") + kSecret +
                                " " + TDBRAZE_CLI + " " + sync_args(input, emu.url, "w", work_dir() / "w.db") + " > " +
                                (work_dir() / "w.out").string() + " 2>&1";
    CHECK(WEXITSTATUS(std::system(command.c_str())) == 1);
    const std::string out = slurp(work_dir() / "w.out");
    CHECK(out.find("Invalid Partner API key") != std::string::npos);
    CHECK(out.find("wrong instance") != std::string::npos);
    CHECK(emu.server.stats().requests_total == 1);  // stopped at the first answer
}

TEST_CASE("send currents: batches reach the receiver the way Braze sends them", "[sync]") {
    EmulatorConfig config;
    config.currents_token = "currents-token-123";
    Emulator emu(config);
    const fs::path payload = work_dir() / "events.jsonl";
    {
        std::ofstream f(payload);
        for (int i = 0; i < 250; ++i)
            f << R"({"event_type":"users.behaviors.CustomEvent","id":"ev-)" << i
              << R"(","time":1732456800,"user":{"user_id":"65a1f0c2e4b0a1b2c3d4e5f6"},"properties":{"name":"n"}})"
              << "\n";
    }
    const std::string base = std::string(TDBRAZE_CLI) + " send currents " + payload.string() + " --url " + emu.url +
                             "/currents --state " + (work_dir() / "send-currents.db").string();
    CHECK(WEXITSTATUS(std::system((base + " > /dev/null 2>&1").c_str())) == 1);  // no token: 401
    // The refused delivery is unfinished: --resume continues it.
    const std::string with_token = "CURRENTS_TOKEN=currents-token-123 " + base +
                                   " --resume --bearer-env CURRENTS_TOKEN > " + (work_dir() / "send.out").string() +
                                   " 2>&1";
    CHECK(WEXITSTATUS(std::system(with_token.c_str())) == 0);
    const auto c = emu.server.currents_stats();
    CHECK(c.batches_accepted == 3);  // 100 + 100 + 50
    CHECK(c.events_accepted == 250);
    CHECK(slurp(work_dir() / "send.out").find("currents-token-123") == std::string::npos);
}
