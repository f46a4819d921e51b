// The machine's faults under a real sync, over real HTTP on 127.0.0.1: a full or read-only disk under the
// state file, a damaged state file, an endpoint that does not resolve, a closed port, an untrusted
// certificate, a kill. Each must end with one line that names the cause, a documented exit status, and a
// state that resumes to the exact membership.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "sync_engine.hpp"
#include "sync_support.hpp"

namespace {

using namespace tdbraze::test;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// One number from the state file, read with SQLite itself.
std::int64_t state_count(const fs::path& state, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(state.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(s) == SQLITE_ROW);
    const std::int64_t n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

// Waits until the emulator has applied `batches` membership requests, then kills the child with SIGKILL.
void kill_after(const Emulator& emu, pid_t child, std::uint64_t batches) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (emu.server.stats().membership_applied < batches && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
}

// The number after `word` in `text` ("resuming run 1: 12 batches" with word "run 1: " gives 12).
long number_after(const std::string& text, const std::string& word) {
    const auto at = text.find(word);
    if (at == std::string::npos) return -1;
    return std::stol(text.substr(at + word.size()));
}

}  // namespace

TEST_CASE(
    "sync faults: a full disk under the state file stops the run in one line, and after room is made it resumes "
    "exactly",
    "[sync][faults]") {
    SmallDisk disk(work_dir() / "full-disk", "size=192k");
    if (!disk.mounted) {
        WARN("not root or no mount: the full-disk sync needs a small tmpfs");
        return;
    }
    Emulator emu;
    const fs::path input = table("full-disk.csv", "user_ids", 0, 60000);
    const fs::path state = disk.dir / "state.db";
    const std::string args = sync_args(input, emu.url, "full", state) + " --threads 4";
    const Run full = run_cli(args);
    INFO(full.out << full.err);
    CHECK(full.code == 1);
    CHECK(full.err.find("terminate called") == std::string::npos);
    CHECK(last_line(full.out).find("state database '" + state.string() + "'") != std::string::npos);
    CHECK(last_line(full.out).find("disk is full") != std::string::npos);
    CHECK(last_line(full.out).find("--resume") != std::string::npos);
    CHECK(last_line(full.err).find("disk is full") != std::string::npos);
    const auto applied = emu.server.stats().membership_applied;
    REQUIRE(applied < 60);  // it stopped part way

    disk.remount("size=64m");
    const Run resumed = run_cli(args + " --resume");
    INFO(resumed.out << resumed.err);
    CHECK(resumed.code == 0);
    // Confirmed and recorded batches are not sent again; only those confirmed by Braze while their record
    // could not be written (at most one per thread) are.
    check_resumed_exactly(emu, "full", 0, 60000, 60, 4);
}

TEST_CASE(
    "sync faults: a log that cannot be written (standard output on a full disk) is said on standard error, and "
    "the status stays the run's",
    "[sync][faults]") {
    SmallDisk disk(work_dir() / "full-log", "size=16k");
    if (!disk.mounted) {
        WARN("not root or no mount: the full-log sync needs a small tmpfs");
        return;
    }
    Emulator emu;
    const fs::path input = table("full-log.csv", "user_ids", 0, 3000);
    const fs::path state = work_dir() / "full-log.db", err = work_dir() / "full-log.err";
    fs::remove(state);
    // 300 batches: their JSON log is some 50 KB, more than the disk holds.
    const std::string command = std::string("TDBRAZE_PARTNER_API_KEY=") + kKey + " TDBRAZE_CLIENT_SECRET=" + kSecret +
                                " " + TDBRAZE_CLI + " " + sync_args(input, emu.url, "full-log", state) +
                                " --max-ids-per-request 10 --log-format json >" + (disk.dir / "log.jsonl").string() +
                                " 2>" + err.string();
    const int status = std::system(command.c_str());
    const std::string said = slurp(err);
    INFO(said);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);  // every batch was confirmed, and the state file says so
    CHECK(said.find("tdbraze: cannot write standard output: No space left on device; the output is incomplete") !=
          std::string::npos);
    CHECK(emu.server.stats().membership_applied == 300);
}

TEST_CASE(
    "sync faults: a TMPDIR that fills under the duplicate check stops validate, plan and sync in one line before "
    "anything is sent or planned, and with room they go through",
    "[sync][faults]") {
    // The check on disk writes about the identifiers' size (here some 700 KB) to temporary files in TMPDIR.
    SmallDisk disk(work_dir() / "full-tmp", "size=64k");
    if (!disk.mounted) {
        WARN("not root or no mount: the full TMPDIR needs a small tmpfs");
        return;
    }
    Emulator emu;
    const fs::path input = table("full-tmp.csv", "user_ids", 0, 60000);
    const std::string tmp = "TMPDIR=" + disk.dir.string();
    const fs::path plan_dir = work_dir() / "full-tmp-plan";
    fs::remove_all(plan_dir);
    const std::string plan_args = "plan cohort " + input.string() +
                                  " --cohort-id full-tmp --dedupe disk --created-at 2025-11-24T09:30:00Z --out " +
                                  plan_dir.string();
    const std::string sync = sync_args(input, emu.url, "full-tmp", work_dir() / "full-tmp.db") + " --dedupe disk";
    for (const std::string& args :
         {"validate cohort " + input.string() + " --cohort-id full-tmp --dedupe disk", plan_args, sync}) {
        INFO(args);
        const Run full = run_cli(args, tmp);
        INFO(full.out << full.err);
        CHECK(full.code == 2);
        CHECK(full.err.find("terminate called") == std::string::npos);
        CHECK(last_line(full.err).find("TMPDIR") != std::string::npos);
        CHECK(last_line(full.err).find("No space left on device") != std::string::npos);  // the system's reason
        CHECK(fs::is_empty(disk.dir));  // the temporary files went with the process
    }
    CHECK_FALSE(fs::exists(plan_dir / "requests.jsonl"));
    CHECK(emu.server.stats().requests_total == 0);

    disk.remount("size=64m");
    CHECK(run_cli("validate cohort " + input.string() + " --cohort-id full-tmp --dedupe disk", tmp).code == 0);
    CHECK(run_cli(plan_args, tmp).code == 0);
    const Run synced = run_cli(sync, tmp);
    INFO(synced.out << synced.err);
    CHECK(synced.code == 0);
    CHECK(members(emu.server, "full-tmp") == expected_ids(0, 60000));
}

TEST_CASE("sync faults: a read-only state folder and a damaged state file are refused with what to do",
          "[sync][faults]") {
    Emulator emu;
    const fs::path input = table("state-refused.csv", "user_ids", 0, 50);
    SmallDisk disk(work_dir() / "read-only", "size=1m,ro");
    if (disk.mounted) {
        const Run ro = run_cli(sync_args(input, emu.url, "ro", disk.dir / "state.db"));
        INFO(ro.out << ro.err);
        CHECK(ro.code == 2);
        CHECK(ro.err.find("read-only") != std::string::npos);
        CHECK(ro.err.find((disk.dir / "state.db").string()) != std::string::npos);
    } else {
        WARN("not root or no mount: the read-only state folder needs a tmpfs");
    }
    const fs::path damaged = damaged_database("damaged.db");
    const Run bad = run_cli(sync_args(input, emu.url, "bad", damaged));
    INFO(bad.out << bad.err);
    CHECK(bad.code == 2);
    CHECK(bad.err.find("damaged") != std::string::npos);
    CHECK(bad.err.find("move it aside") != std::string::npos);
    CHECK(emu.server.stats().requests_total == 0);
}

TEST_CASE("sync faults: an unreachable endpoint ends the run within seconds and the last line says why",
          "[sync][faults]") {
    const fs::path input = table("unreachable.csv", "user_ids", 0, 50);
    SECTION("a closed port") {
        const auto start = Clock::now();
        const Run closed = run_cli(sync_args(input, "http://127.0.0.1:1", "closed", work_dir() / "closed.db"));
        INFO(closed.out << closed.err);
        CHECK(seconds_since(start) < 5);
        CHECK(closed.code == 1);
        CHECK(last_line(closed.out).find("nothing accepts connections") != std::string::npos);
        CHECK(last_line(closed.out).find("http://127.0.0.1:1") != std::string::npos);
    }
    SECTION("a name that does not resolve") {
        // In a network namespace of its own (root only): the lookup fails at once and no query leaves.
        if (::geteuid() != 0 || std::system("unshare -n true 2>/dev/null") != 0) {
            WARN("not root: the name-resolution case needs unshare -n");
            return;
        }
        const auto start = Clock::now();
        const fs::path out = work_dir() / "dns.out", err = work_dir() / "dns.err";
        const std::string command =
            std::string("TDBRAZE_PARTNER_API_KEY=k TDBRAZE_CLIENT_SECRET=s unshare -n ") + TDBRAZE_CLI + " " +
            sync_args(input, "https://rest.iad-99.braze.invalid", "dns", work_dir() / "dns.db") + " >" + out.string() +
            " 2>" + err.string();
        const int status = std::system(command.c_str());
        INFO(slurp(out) << slurp(err));
        CHECK(seconds_since(start) < 5);
        CHECK(WEXITSTATUS(status) == 1);
        CHECK(last_line(slurp(out)).find("host name does not resolve") != std::string::npos);
        CHECK(last_line(slurp(out)).find("rest.iad-99.braze.invalid") != std::string::npos);
    }
}

TEST_CASE("sync faults: an untrusted certificate ends the run at the first request", "[sync][faults]") {
    const fs::path cert = work_dir() / "fault-cert.pem", key = work_dir() / "fault-key.pem";
    REQUIRE(
        std::system(("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key.string() + " -out " + cert.string() +
                     " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1")
                        .c_str()) == 0);
    tdbraze::emulator::EmulatorConfig config;
    config.tls_cert_file = cert.string();
    config.tls_key_file = key.string();
    Emulator emu(config);
    const auto start = Clock::now();
    const Run refused =
        run_cli(sync_args(table("tls-fault.csv", "user_ids", 0, 10), emu.url, "tls", work_dir() / "tls-fault.db"));
    INFO(refused.out << refused.err);
    CHECK(seconds_since(start) < 5);
    CHECK(refused.code == 1);
    CHECK(last_line(refused.out).find("certificate is not trusted") != std::string::npos);
    CHECK(last_line(refused.out).find("--ca-bundle") != std::string::npos);
}

TEST_CASE("send currents faults: a closed port fails within seconds, and a refused URL is a usage error",
          "[sync][faults]") {
    const fs::path payload = work_dir() / "fault-events.jsonl";
    std::ofstream(payload)
        << R"({"event_type":"users.behaviors.CustomEvent","id":"e1","time":1732456800,"user":{"user_id":"u"},"properties":{"name":"n"}})"
        << "\n";
    const auto start = Clock::now();
    const Run closed = run_cli("send currents " + payload.string() + " --url http://127.0.0.1:1/currents --state " +
                               (work_dir() / "closed-port.db").string());
    INFO(closed.out << closed.err);
    CHECK(seconds_since(start) < 5);
    CHECK(closed.code == 1);
    CHECK(last_line(closed.out).find("nothing accepts connections") != std::string::npos);
    CHECK(closed.out.find("HTTP 0") == std::string::npos);
    const Run plain = run_cli("send currents " + payload.string() + " --url http://example.com/currents");
    CHECK(plain.code == 2);
    CHECK(plain.err.find("tdbraze: ") == 0);
}

TEST_CASE("sync faults: a killed run's JSON log is whole lines, and resume counts agree everywhere", "[sync][faults]") {
    Emulator emu;
    const fs::path input = table("killed-log.csv", "user_ids", 0, 60000);
    const fs::path state = work_dir() / "killed-log.db", log = work_dir() / "killed-log.jsonl";
    const std::string args = sync_args(input, emu.url, "killed", state) + " --threads 4 --rate-limit 72000";
    kill_after(emu, spawn_cli(args + " --log-format json", log, work_dir() / "killed-log.err"), 12);

    // Every line of the log is complete JSON; its sent events are the batches the state confirmed, less at
    // most those between their record and their line at the kill (one per thread).
    const std::string text = slurp(log);
    REQUIRE_FALSE(text.empty());
    CHECK(text.back() == '\n');
    std::istringstream lines(text);
    std::string line;
    std::int64_t sent = 0;
    while (std::getline(lines, line)) {
        INFO(line);
        const auto event = nlohmann::json::parse(line);  // throws (fails the test) on a cut line
        if (event["event"] == "sent") ++sent;
    }
    const std::int64_t confirmed = state_count(state, "SELECT COUNT(*) FROM batches WHERE status = 'confirmed'");
    CHECK(sent <= confirmed);
    CHECK(sent >= confirmed - 4);
    // The killed run is no longer "running": its process is gone.
    const Run plain = run_cli(args);
    INFO(plain.err);
    CHECK(plain.code == 2);
    CHECK(state_count(state, "SELECT COUNT(*) FROM runs WHERE status = 'running'") == 0);
    const long said = number_after(plain.err, "(run 1, ");
    const Run resumed = run_cli(args + " --resume");
    INFO(resumed.out << resumed.err);
    CHECK(resumed.code == 0);
    CHECK(number_after(resumed.err, "resuming run 1: ") == said);
    CHECK(number_after(resumed.out, "sent, ") == said);  // "... N sent, M skipped": M
    CHECK(members(emu.server, "killed") == expected_ids(0, 60000));
}

TEST_CASE("sync faults: a killed mirror resumes as a new run and leaves none running, and its share never goes back",
          "[sync][faults]") {
    Emulator emu;
    const fs::path state = work_dir() / "mirror-kill.db";
    REQUIRE(run_cli(sync_args(table("mirror-kill-1.csv", "user_ids", 0, 20000), emu.url, "mk", state) +
                    " --operation mirror")
                .code == 0);
    const fs::path next = table("mirror-kill-2.csv", "user_ids", 10000, 50000);
    const std::string args =
        sync_args(next, emu.url, "mk", state) + " --operation mirror --threads 2 --rate-limit 72000";
    const auto before = emu.server.stats().membership_applied;
    kill_after(emu, spawn_cli(args, work_dir() / "mirror-kill.out", work_dir() / "mirror-kill.err"), before + 8);

    // Resumed through the engine, to watch every progress report.
    struct Shares : tdbraze::sync::SyncObserver {
        std::vector<double> shares;
        std::vector<std::string> infos;
        void on_progress(const tdbraze::sync::SyncProgress& p) override {
            if (p.totals_final && p.ids_total > 0) shares.push_back(double(p.ids_done) / double(p.ids_total));
        }
        void on_event(const tdbraze::sync::SyncEvent& e) override { infos.push_back(e.message); }
    } watch;
    tdbraze::sync::SyncOptions options;
    options.input_path = next.string();
    options.settings.cohort_id = "mk";
    options.settings.created_at = "2026-11-30T00:00:00Z";
    options.mode = tdbraze::sync::Mode::Mirror;
    options.endpoint = emu.url;
    options.state_path = state.string();
    options.resume = true;
    const auto summary = tdbraze::sync::run_sync(options, {kKey, kSecret}, watch);
    INFO(summary.message);
    CHECK(summary.outcome == tdbraze::sync::Outcome::Completed);
    CHECK(members(emu.server, "mk") == expected_ids(10000, 50000));
    CHECK(std::any_of(watch.infos.begin(), watch.infos.end(),
                      [](const std::string& m) { return m.find("resuming mirror run") != std::string::npos; }));
    CHECK(state_count(state, "SELECT COUNT(*) FROM runs WHERE status = 'running'") == 0);
    REQUIRE_FALSE(watch.shares.empty());
    CHECK(std::is_sorted(watch.shares.begin(), watch.shares.end()));
    CHECK(watch.shares.back() == 1.0);
}

TEST_CASE("sync faults: standard input is read with a dash, by sync cohort and send currents", "[sync][faults]") {
    Emulator emu;
    const fs::path input = table("stdin.csv", "user_ids", 0, 2500);
    const Run piped = run_cli(sync_args("-", emu.url, "stdin", work_dir() / "stdin.db") + " < " + input.string());
    INFO(piped.out << piped.err);
    CHECK(piped.code == 0);
    CHECK(members(emu.server, "stdin") == expected_ids(0, 2500));
    // The same table from a file is the same table: nothing left to send.
    const Run again = run_cli(sync_args(input, emu.url, "stdin", work_dir() / "stdin.db"));
    CHECK(last_line(again.out).rfind("sync nothing-to-do", 0) == 0);

    tdbraze::emulator::EmulatorConfig config;
    config.currents_token = "t";
    Emulator receiver(config);
    const fs::path payload = work_dir() / "stdin-events.jsonl";
    {
        std::ofstream f(payload);
        for (int i = 0; i < 150; ++i)
            f << R"({"event_type":"users.behaviors.CustomEvent","id":"s-)" << i
              << R"(","time":1732456800,"user":{"user_id":"u"},"properties":{"name":"n"}})"
              << "\n";
    }
    const Run sent = run_cli("send currents - --url " + receiver.url + "/currents --bearer-env TOKEN --state " +
                                 (work_dir() / "stdin-currents.db").string() + " < " + payload.string(),
                             "TOKEN=t");
    INFO(sent.out << sent.err);
    CHECK(sent.code == 0);
    CHECK(receiver.server.currents_stats().events_accepted == 150);
}

TEST_CASE("scheduled syncs: an overlapping run of the same cohort refuses at once or waits, and nothing is sent twice",
          "[sync][faults]") {
    Emulator emu;
    const fs::path first = table("schedule-1.csv", "user_ids", 0, 20000);
    const fs::path second = table("schedule-2.csv", "user_ids", 10000, 30000);
    const fs::path state = work_dir() / "schedule.db";
    const std::string mirror = " --operation mirror --resume --threads 1";
    // The first run is slow enough (10 requests a second) for the others to start while it holds the cohort.
    const pid_t slow = spawn_cli(sync_args(first, emu.url, "daily", state) + mirror + " --rate-limit 36000",
                                 work_dir() / "schedule-1.out", work_dir() / "schedule-1.err");
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (emu.server.stats().membership_applied < 2 && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(emu.server.stats().membership_applied >= 2);

    const Run refused = run_cli(sync_args(second, emu.url, "daily", state) + mirror);
    INFO(refused.out << refused.err);
    CHECK(refused.code == 2);
    CHECK(refused.err.find("another sync of this cohort is running") != std::string::npos);
    CHECK(refused.err.find("--wait") != std::string::npos);

    const Run waited = run_cli(sync_args(second, emu.url, "daily", state) + mirror + " --wait 60 --log-format json");
    INFO(waited.out << waited.err);
    int status = 0;
    REQUIRE(::waitpid(slow, &status, 0) == slow);
    CHECK(WEXITSTATUS(status) == 0);
    REQUIRE(waited.code == 0);
    CHECK(waited.out.find("waiting up to 60 s for another sync of this cohort") != std::string::npos);
    const auto summary = nlohmann::json::parse(last_line(waited.out));
    CHECK(summary["outcome"] == "completed");
    // The waiting run planned after the first ended: only the differences, none of what the first sent.
    CHECK(summary["adds"] == 10000);
    CHECK(summary["removes"] == 10000);
    CHECK(members(emu.server, "daily") == expected_ids(10000, 30000));
    CHECK(emu.server.stats().duplicate_applied == 0);

    const Run again = run_cli(sync_args(second, emu.url, "daily", state) + mirror);
    CHECK(again.code == 0);
    CHECK(last_line(again.out) ==
          "sync nothing-to-do: nothing to change: the cohort already matches the table; nothing sent");
}
