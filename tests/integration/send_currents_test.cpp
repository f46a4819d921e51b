// `tdbraze send currents` over real HTTP on 127.0.0.1 against the emulator's receivers: Treasure Data's Postback
// API (a million events, faults and a kill) and the Currents endpoint (Braze's 400 and 413 rules), resumable
// state, and the secrets kept out of everything shown.
#include <chrono>
#include <csignal>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "currents_samples.hpp"
#include "sync_support.hpp"
#include "tdbraze/catalogue.hpp"
#include "tdbraze/currents.hpp"

using namespace tdbraze::test;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kWriteKey = "td-write-key-0123456789";
constexpr const char* kNow = "1764000000";

// Events e-0 .. e-(n-1) of users with an external id (every `anonymous`-th without one), `padding` bytes of
// property text each; JSON Lines of bare events, as a capture of Currents often is.
fs::path events_file(const std::string& name, int n, int anonymous = 0, std::size_t padding = 0) {
    const fs::path p = work_dir() / name;
    std::ofstream f(p);
    const std::string pad(padding, 'p');
    for (int i = 0; i < n; ++i) {
        f << R"({"event_type":"users.behaviors.CustomEvent","id":"e-)" << i << R"(","time":)" << kNow
          << R"(,"user":{"user_id":"65a1f0c2e4b0a1b2c3d4e5f6")";
        if (anonymous == 0 || i % anonymous != 0) f << R"(,"external_user_id":"c-)" << i << '"';
        f << R"(},"properties":{"name":"n)" << pad << R"("}})" << '\n';
    }
    return p;
}

std::string postback_url(const Emulator& emu, const std::string& table = "currents") {
    return emu.url + "/postback/v3/event/braze/" + table;
}

std::string send_args(const fs::path& input, const std::string& url, const fs::path& state) {
    return "send currents " + input.string() + " --url " + url + " --state " + state.string() + " --now " + kNow +
           " --retry-base-ms 5 --retry-cap-ms 50";
}

// How often each event id landed in the table's stored rows, and the largest `events` text of a row.
struct Landed {
    std::map<std::string, int> ids;
    std::size_t rows = 0;
};

Landed landed(const Emulator& emu, const std::string& table = "currents") {
    Landed out;
    for (const std::string& row : emu.server.postback_rows("braze", table)) {
        const auto r = nlohmann::json::parse(row);
        ++out.rows;
        for (const auto& e : nlohmann::json::parse(r.at("events").get<std::string>())) ++out.ids[e.at("id")];
    }
    return out;
}

void kill_when_rows(const Emulator& emu, pid_t child, std::size_t rows) {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (emu.server.postback_rows("braze", "currents").size() < rows && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
}

Emulator postback_emulator(const std::string& faults = "") {
    EmulatorConfig config;
    config.td_write_key = kWriteKey;
    if (!faults.empty()) {
        auto spec = tdbraze::emulator::parse_fault_spec(faults);
        REQUIRE(spec.ok());
        config.faults = *spec.value;
        config.seed = 7;
    }
    return Emulator(config);
}

}  // namespace

TEST_CASE("send currents: a million events to the Postback API through 20% faults and a kill land exactly once",
          "[send-currents][slow]") {
    constexpr int kEvents = 1'000'000;
    Emulator emu = postback_emulator("500=0.08,503=0.05,429=0.04,drop_before=0.03");
    const fs::path input = events_file("million.jsonl", kEvents);
    const fs::path state = work_dir() / "million.db";
    const std::string args = send_args(input, postback_url(emu), state) + " --threads 4";
    const fs::path out = work_dir() / "million.out", err = work_dir() / "million.err";
    // The key is in the child's environment only (spawn_cli passes the parent's).
    ::setenv("TDBRAZE_TD_WRITE_KEY", kWriteKey, 1);
    kill_when_rows(emu, spawn_cli(args, out, err), 2000);
    const Run resumed = run_cli(args + " --resume --log-format json", std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey);
    ::unsetenv("TDBRAZE_TD_WRITE_KEY");
    INFO(resumed.out.substr(0, 2000) << resumed.err);
    REQUIRE(resumed.code == 0);
    const auto summary = nlohmann::json::parse(last_line(resumed.out));
    CHECK(summary["outcome"] == "completed");
    CHECK(summary["accepted"] == kEvents);
    CHECK(summary["accepted_before"].get<int>() >= 2000 * 90);

    // Every event landed; the only repeats are the batches in flight at the kill (accepted by the receiver, not
    // yet recorded): at most one per thread, and whole batches. Currents is at-least-once; sql currents
    // deduplicates on the event id.
    const Landed l = landed(emu);
    CHECK(l.ids.size() == static_cast<std::size_t>(kEvents));
    std::size_t repeated = 0;
    for (const auto& [id, count] : l.ids) {
        CHECK(count >= 1);
        if (count > 1) repeated += count - 1;
    }
    CHECK(repeated <= 4 * 100);
    CHECK(repeated % 100 == 0);
    CHECK(l.rows == kEvents / 100 + repeated / 100);

    // The key shows nowhere: output, log, state file.
    for (const std::string& text : {slurp(out), slurp(err), resumed.out, resumed.err, slurp(state)})
        CHECK(text.find(kWriteKey) == std::string::npos);
}

TEST_CASE("send currents: Postback bodies are cut below Treasure Data's limit before sending", "[send-currents]") {
    Emulator emu = postback_emulator();
    const fs::path input = events_file("big-events.jsonl", 300, 0, 30000);  // about 30 KB each: 34 a body
    const Run sent = run_cli(send_args(input, postback_url(emu), work_dir() / "big.db"),
                             std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey);
    INFO(sent.out << sent.err);
    REQUIRE(sent.code == 0);
    const auto rows = emu.server.postback_rows("braze", "currents");
    CHECK(rows.size() > 3);
    for (const std::string& row : rows) {
        const auto events = nlohmann::json::parse(row).at("events").get<std::string>();
        CHECK(events.size() + 13 <= tdbraze::currents::kTdPostbackMaxBodyBytes);  // {"events":...} around it
    }
    CHECK(landed(emu).ids.size() == 300);
    CHECK(emu.server.stats().requests_total == rows.size());  // no 413 and no re-send
}

TEST_CASE("send currents: Braze's rules for Treasure Data: events without external_user_id are not sent",
          "[send-currents]") {
    Emulator emu = postback_emulator();
    const fs::path input = events_file("anonymous.jsonl", 250, 5);
    const Run sent = run_cli(send_args(input, postback_url(emu), work_dir() / "anon.db"),
                             std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey);
    INFO(sent.out << sent.err);
    REQUIRE(sent.code == 0);
    CHECK(landed(emu).ids.size() == 200);
    CHECK(last_line(sent.out).find("50 events without external_user_id skipped") != std::string::npos);
    CHECK(sent.err.find("td-no-external-user-id") != std::string::npos);
    CHECK(sent.err.find("50 findings like this one") != std::string::npos);
}

TEST_CASE("send currents: the write key comes from the environment or a 0600 file, never the URL", "[send-currents]") {
    Emulator emu = postback_emulator();
    const fs::path input = events_file("key.jsonl", 10);
    const fs::path state = work_dir() / "key.db";
    const Run none = run_cli(send_args(input, postback_url(emu), state), "TDBRAZE_TD_WRITE_KEY=");
    CHECK(none.code == 2);
    CHECK(none.err.find("tdbraze: no Treasure Data write key: set TDBRAZE_TD_WRITE_KEY") == 0);

    const Run in_url = run_cli(send_args(input, postback_url(emu) + "?td_write_key=" + kWriteKey, state),
                               std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey);
    CHECK(in_url.code == 2);
    CHECK(in_url.err.find("td_write_key") != std::string::npos);
    CHECK(in_url.err.find(kWriteKey) == std::string::npos);

    const Run bad_name = run_cli(send_args(input, emu.url + "/postback/v3/event/braze/cur-rents", state),
                                 std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey);
    CHECK(bad_name.code == 2);
    CHECK(bad_name.err.find("'cur-rents' is not valid") != std::string::npos);

    const Run wrong = run_cli(send_args(input, postback_url(emu), state), "TDBRAZE_TD_WRITE_KEY=wrong-key-42");
    CHECK(wrong.code == 1);
    CHECK(last_line(wrong.out).find("403") != std::string::npos);
    CHECK(last_line(wrong.out).find("TDBRAZE_TD_WRITE_KEY") != std::string::npos);

    const fs::path config = work_dir() / "td-credentials.json";
    std::ofstream(config) << R"({"td_write_key": ")" << kWriteKey << "\"}\n";
    fs::permissions(config, fs::perms::owner_read | fs::perms::owner_write);
    const Run from_file = run_cli(send_args(input, postback_url(emu), state) + " --resume --config " + config.string(),
                                  "TDBRAZE_TD_WRITE_KEY=");
    INFO(from_file.out << from_file.err);
    CHECK(from_file.code == 0);
    CHECK(landed(emu).ids.size() == 10);
}

TEST_CASE("send currents: state: a finished delivery is not sent again, an unfinished one needs --resume",
          "[send-currents]") {
    Emulator emu = postback_emulator();
    const fs::path input = events_file("again.jsonl", 120);
    const fs::path state = work_dir() / "again.db";
    const std::string key = std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey;
    const Run first = run_cli(send_args(input, postback_url(emu), state), key);
    REQUIRE(first.code == 0);
    CHECK(last_line(first.out).rfind("send completed: 120 of 120 events accepted in 2 requests", 0) == 0);
    const Run again = run_cli(send_args(input, postback_url(emu), state), key);
    CHECK(again.code == 0);
    CHECK(last_line(again.out).rfind("send nothing-to-do: this payload was already delivered", 0) == 0);
    CHECK(emu.server.postback_rows("braze", "currents").size() == 2);
    const Run forced = run_cli(send_args(input, postback_url(emu), state) + " --force", key);
    CHECK(forced.code == 0);
    CHECK(emu.server.postback_rows("braze", "currents").size() == 4);

    // Another table is another receiver: a new delivery.
    const Run other = run_cli(send_args(input, postback_url(emu, "other"), state) + " --threads 1", key);
    CHECK(other.code == 0);
    CHECK(emu.server.postback_rows("braze", "other").size() == 2);
}

TEST_CASE("send currents: Braze's 400 rule drops refused events one by one, and the summary says failed",
          "[send-currents]") {
    EmulatorConfig config;
    Emulator emu(config);
    const fs::path input = work_dir() / "some-bad.jsonl";
    {
        std::ofstream f(input);
        for (int i = 0; i < 10; ++i)
            f << R"({"event_type":"users.behaviors.CustomEvent","id":"b-)" << i << R"(","time":)"
              << (i == 3 ? "\"not a number\"" : kNow) << R"(,"user":{"user_id":"65a1f0c2e4b0a1b2c3d4e5f6"},)"
              << R"("properties":{"name":"n"}})" << '\n';
    }
    const Run sent = run_cli(send_args(input, emu.url + "/currents", work_dir() / "bad.db"));
    INFO(sent.out << sent.err);
    CHECK(sent.code == 1);
    CHECK(last_line(sent.out).rfind("send failed: 9 of 10 events accepted", 0) == 0);
    CHECK(last_line(sent.out).find("dropped as Braze drops them") != std::string::npos);
    CHECK(emu.server.currents_stats().events_accepted == 9);
    CHECK(sent.err.find("member-type") != std::string::npos);  // the check said so before sending
}

TEST_CASE("send currents: the JSON log is one object per line and its summary agrees with the exit status",
          "[send-currents]") {
    Emulator emu = postback_emulator("500=0.2");
    const fs::path input = events_file("json-log.jsonl", 1000);
    const Run sent = run_cli(send_args(input, postback_url(emu), work_dir() / "json-log.db") + " --log-format json",
                             std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey);
    INFO(sent.out << sent.err);
    CHECK(sent.code == 0);
    std::istringstream lines(sent.out);
    std::string line;
    std::vector<std::string> events;
    while (std::getline(lines, line)) events.push_back(nlohmann::json::parse(line).at("event"));
    REQUIRE(!events.empty());
    CHECK(events.front() == "checked");
    CHECK(events.back() == "summary");
    CHECK(std::count(events.begin(), events.end(), "log") >= 1);  // the retries
    const auto summary = nlohmann::json::parse(last_line(sent.out));
    CHECK(summary["outcome"] == "completed");
    CHECK(summary["accepted"] == 1000);
    CHECK(summary["retries"].get<int>() >= 1);
}

TEST_CASE("send currents then sql currents: the Postback rows flatten in SQLite, every event of all 97 types once",
          "[send-currents][sql-currents]") {
    // Three events of every type, of users with an external id, sent through the emulator's Postback receiver.
    Emulator emu = postback_emulator();
    const fs::path input = work_dir() / "every-type.jsonl";
    std::map<std::string, std::set<std::string>> sent;  // event type -> ids
    {
        std::ofstream f(input);
        int n = 0;
        for (const auto& spec : tdbraze::currents::event_catalogue()) {
            for (int copy = 0; copy < 3; ++copy, ++n) {
                const std::string id =
                    "00000000-0000-4000-8000-" + std::string(12 - std::to_string(n).size(), '0') + std::to_string(n);
                auto event = sample_event(spec, copy == 0, id);
                event["time"] = std::stoll(kNow) - 60;
                event["user"]["external_user_id"] = "customer-" + std::to_string(n);
                f << event.dump() << '\n';
                sent[std::string(spec.name)].insert(id);
            }
        }
    }
    const Run delivered = run_cli(send_args(input, postback_url(emu), work_dir() / "every-type.db"),
                                  std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey);
    INFO(delivered.out << delivered.err);
    REQUIRE(delivered.code == 0);

    // The rows as Treasure Data holds them, in a real SQLite database, flattened by the generated SQL.
    const Run sql = run_cli("sql currents --dialect sqlite --source-table currents");
    REQUIRE(sql.code == 0);
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(":memory:", &raw) == SQLITE_OK);
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
    auto exec = [&](const std::string& text) {
        char* message = nullptr;
        const int rc = sqlite3_exec(db.get(), text.c_str(), nullptr, nullptr, &message);
        INFO((message ? message : ""));
        sqlite3_free(message);
        REQUIRE(rc == SQLITE_OK);
    };
    exec("CREATE TABLE currents (time INTEGER, events TEXT)");
    sqlite3_stmt* insert = nullptr;
    REQUIRE(sqlite3_prepare_v2(db.get(), "INSERT INTO currents VALUES (?, ?)", -1, &insert, nullptr) == SQLITE_OK);
    for (const std::string& row : emu.server.postback_rows("braze", "currents")) {
        const auto r = nlohmann::json::parse(row);
        const std::string events = r.at("events").get<std::string>();
        sqlite3_bind_int64(insert, 1, r.at("time").get<std::int64_t>());
        sqlite3_bind_text(insert, 2, events.c_str(), static_cast<int>(events.size()), SQLITE_TRANSIENT);
        REQUIRE(sqlite3_step(insert) == SQLITE_DONE);
        sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    exec(sql.out);

    const auto views = nlohmann::json::parse(run_cli("sql currents --dialect sqlite --format json").out).at("views");
    REQUIRE(views.size() == tdbraze::currents::event_catalogue().size());
    for (const auto& view : views) {
        const std::string type = view.at("event_type");
        INFO(type);
        std::set<std::string> ids;
        int rows = 0;
        sqlite3_stmt* select = nullptr;
        const std::string query = "SELECT id FROM " + view.at("name").get<std::string>();
        REQUIRE(sqlite3_prepare_v2(db.get(), query.c_str(), -1, &select, nullptr) == SQLITE_OK);
        while (sqlite3_step(select) == SQLITE_ROW) {
            ++rows;
            ids.insert(reinterpret_cast<const char*>(sqlite3_column_text(select, 0)));
        }
        sqlite3_finalize(select);
        CHECK(rows == 3);
        CHECK(ids == sent[type]);
    }
}

// The machine's faults under a real delivery, as for the sync (sync_faults_test.cpp): each ends in one line
// naming the cause, a documented exit status, and a state that resumes.
TEST_CASE("send currents faults: a full disk under the state file stops in one line, and --resume lands the rest",
          "[send-currents][faults]") {
    SmallDisk disk(work_dir() / "currents-full-disk", "size=128k");
    if (!disk.mounted) {
        WARN("not root or no mount: the full-disk delivery needs a small tmpfs");
        return;
    }
    constexpr int kEvents = 20'000;
    Emulator emu = postback_emulator();
    const fs::path input = events_file("full-disk-events.jsonl", kEvents);
    const fs::path state = disk.dir / "state.db";
    const std::string args = send_args(input, postback_url(emu), state) + " --threads 4";
    const std::string key = std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey;
    const Run full = run_cli(args, key);
    INFO(full.out << full.err);
    CHECK(full.code == 1);
    CHECK(full.err.find("terminate called") == std::string::npos);
    CHECK(last_line(full.out).rfind("send failed: state database '" + state.string() + "'", 0) == 0);
    CHECK(last_line(full.out).find("disk is full") != std::string::npos);
    CHECK(last_line(full.out).find("run again with --resume") != std::string::npos);
    CHECK(last_line(full.err).find("disk is full") != std::string::npos);
    const std::size_t rows_before = landed(emu).rows;
    REQUIRE(rows_before < kEvents / 100);  // it stopped part way

    disk.remount("size=64m");
    const Run resumed = run_cli(args + " --resume", key);
    INFO(resumed.out << resumed.err);
    CHECK(resumed.code == 0);
    CHECK(last_line(resumed.out).rfind("send completed: 20000 of 20000 events accepted", 0) == 0);
    // Batches accepted while their record could not be written (at most one per thread) are the only repeats.
    const Landed l = landed(emu);
    CHECK(l.ids.size() == static_cast<std::size_t>(kEvents));
    std::size_t repeated = 0;
    for (const auto& [id, count] : l.ids) repeated += static_cast<std::size_t>(count - 1);
    CHECK(repeated <= 4 * 100);
    CHECK(repeated % 100 == 0);
}

TEST_CASE("send currents faults: a read-only state folder and a damaged state file are refused before sending",
          "[send-currents][faults]") {
    Emulator emu = postback_emulator();
    const fs::path input = events_file("state-refused-events.jsonl", 50);
    const std::string key = std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey;
    SmallDisk disk(work_dir() / "currents-read-only", "size=1m,ro");
    if (disk.mounted) {
        const Run ro = run_cli(send_args(input, postback_url(emu), disk.dir / "state.db"), key);
        INFO(ro.out << ro.err);
        CHECK(ro.code == 2);
        CHECK(ro.err.find("read-only") != std::string::npos);
        CHECK(ro.err.find((disk.dir / "state.db").string()) != std::string::npos);
    } else {
        WARN("not root or no mount: the read-only state folder needs a tmpfs");
    }
    const fs::path damaged = damaged_database("currents-damaged.db");
    const Run bad = run_cli(send_args(input, postback_url(emu), damaged), key);
    INFO(bad.out << bad.err);
    CHECK(bad.code == 2);
    CHECK(bad.err.find("damaged") != std::string::npos);
    CHECK(bad.err.find("move it aside") != std::string::npos);
    CHECK(landed(emu).rows == 0);
}

TEST_CASE("send currents faults: a name that does not resolve and an untrusted certificate end at once, in one line",
          "[send-currents][faults]") {
    const fs::path input = events_file("unreachable-events.jsonl", 50);
    SECTION("a name that does not resolve") {
        // In a network namespace of its own (root only): the lookup fails at once and no query leaves.
        if (::geteuid() != 0 || std::system("unshare -n true 2>/dev/null") != 0) {
            WARN("not root: the name-resolution case needs unshare -n");
            return;
        }
        const auto start = Clock::now();
        const fs::path out = work_dir() / "currents-dns.out", err = work_dir() / "currents-dns.err";
        const std::string command = std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey + " unshare -n " + TDBRAZE_CLI +
                                    " " +
                                    send_args(input, "https://in.treasuredata.invalid/postback/v3/event/braze/currents",
                                              work_dir() / "currents-dns.db") +
                                    " >" + out.string() + " 2>" + err.string();
        const int status = std::system(command.c_str());
        INFO(slurp(out) << slurp(err));
        CHECK(std::chrono::duration<double>(Clock::now() - start).count() < 5);
        CHECK(WEXITSTATUS(status) == 1);
        CHECK(last_line(slurp(out)).find("host name does not resolve") != std::string::npos);
        CHECK(last_line(slurp(out)).find("in.treasuredata.invalid") != std::string::npos);
        CHECK(last_line(slurp(out)).find("run again with --resume") != std::string::npos);
        CHECK(slurp(err).find(kWriteKey) == std::string::npos);
    }
    SECTION("an untrusted certificate") {
        const fs::path cert = work_dir() / "currents-cert.pem", key = work_dir() / "currents-key.pem";
        REQUIRE(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key.string() + " -out " +
                             cert.string() +
                             " -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1")
                                .c_str()) == 0);
        EmulatorConfig config;
        config.td_write_key = kWriteKey;
        config.tls_cert_file = cert.string();
        config.tls_key_file = key.string();
        Emulator emu(config);
        const auto start = Clock::now();
        const Run refused = run_cli(send_args(input, postback_url(emu), work_dir() / "currents-tls.db"),
                                    std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey);
        INFO(refused.out << refused.err);
        CHECK(std::chrono::duration<double>(Clock::now() - start).count() < 5);
        CHECK(refused.code == 1);
        CHECK(last_line(refused.out).find("certificate is not trusted") != std::string::npos);
        CHECK(last_line(refused.out).find("--ca-bundle") != std::string::npos);
        CHECK(landed(emu).rows == 0);
        // Trusting it (--ca-bundle) then delivers everything: the state kept nothing wrong.
        const Run trusted = run_cli(send_args(input, postback_url(emu), work_dir() / "currents-tls.db") +
                                        " --resume --ca-bundle " + cert.string(),
                                    std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey);
        INFO(trusted.out << trusted.err);
        CHECK(trusted.code == 0);
        CHECK(landed(emu).ids.size() == 50);
    }
}

TEST_CASE("send currents faults: standard input with no room for its copy is refused before sending, saying where",
          "[send-currents][faults]") {
    SmallDisk disk(work_dir() / "currents-small-tmp", "size=64k");
    if (!disk.mounted) {
        WARN("not root or no mount: the full TMPDIR needs a small tmpfs");
        return;
    }
    Emulator emu = postback_emulator();
    const fs::path input = events_file("stdin-too-big.jsonl", 5000);  // about 900 KB: more than the disk holds
    const Run refused =
        run_cli(send_args("-", postback_url(emu), work_dir() / "stdin-full.db") + " < " + input.string(),
                std::string("TMPDIR=") + disk.dir.string() + " TDBRAZE_TD_WRITE_KEY=" + kWriteKey);
    INFO(refused.out << refused.err);
    CHECK(refused.code == 2);
    CHECK(refused.err.find("No space left on device") != std::string::npos);
    CHECK(refused.err.find("TMPDIR") != std::string::npos);
    CHECK(landed(emu).rows == 0);
    CHECK(fs::is_empty(disk.dir));  // the partial copy is gone
}

TEST_CASE("send currents faults: a payload that changes between its check and its sending stops at the change",
          "[send-currents][faults]") {
    // A slow receiver and one thread keep the sending read a few batches behind the check, while the test
    // rewrites the end of the file in place: the events there were checked as they were, and are not sent.
    Emulator emu = postback_emulator("latency_ms=5");
    constexpr int kEvents = 30'000;  // about 5 MB: several pieces of the reader
    const fs::path input = events_file("changing-events.jsonl", kEvents);
    const fs::path out = work_dir() / "changing.out", err = work_dir() / "changing.err";
    ::setenv("TDBRAZE_TD_WRITE_KEY", kWriteKey, 1);
    const pid_t child =
        spawn_cli(send_args(input, postback_url(emu), work_dir() / "changing.db") + " --threads 1", out, err);
    ::unsetenv("TDBRAZE_TD_WRITE_KEY");
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (emu.server.postback_rows("braze", "currents").empty() && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    {
        std::fstream f(input, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(-20, std::ios::end);
        f << "X";  // inside the last event's property text: still JSON, another payload
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    INFO(slurp(out) << slurp(err));
    CHECK(WEXITSTATUS(status) == 1);
    CHECK(last_line(slurp(out)).rfind("send failed: the payload changed while it was being read", 0) == 0);
    CHECK(last_line(slurp(err)).find("the payload changed") != std::string::npos);
    const Landed l = landed(emu);
    CHECK(l.ids.size() < static_cast<std::size_t>(kEvents));
    std::size_t repeated = 0;
    for (const auto& [id, count] : l.ids) repeated += static_cast<std::size_t>(count - 1);
    CHECK(repeated == 0);
}

TEST_CASE("send currents: a receiver's rate limit (429 and its reset) paces the delivery, nothing lost or repeated",
          "[send-currents]") {
    EmulatorConfig config;
    config.td_write_key = kWriteKey;
    config.rate_limit = {10, 1};  // ten requests a second, answered 429 beyond
    Emulator emu(config);
    const fs::path input = events_file("rate-limited-events.jsonl", 3000);  // 30 batches
    const auto start = Clock::now();
    const Run r =
        run_cli(send_args(input, postback_url(emu), work_dir() / "rate-limited.db") + " --threads 4 --log-format json",
                std::string("TDBRAZE_TD_WRITE_KEY=") + kWriteKey);
    INFO(r.out.substr(0, 3000) << r.err);
    REQUIRE(r.code == 0);
    const auto summary = nlohmann::json::parse(last_line(r.out));
    CHECK(summary["accepted"] == 3000);
    CHECK(summary["retries"].get<int>() > 0);
    // Three windows at least: the first ends on the next whole second, the third opens a second after that.
    CHECK(std::chrono::duration<double>(Clock::now() - start).count() >= 1.0);
    const Landed l = landed(emu);
    CHECK(l.ids.size() == 3000);
    CHECK(l.rows == 30);
}
