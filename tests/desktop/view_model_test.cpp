// The desktop app's view model without a window: the same actions the buttons call, against the in-process
// Braze emulator. (The window itself is tested by desktop_acceptance.py.)
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "braze_emulator.hpp"
#include "braze_instances.hpp"
#include "cohort_analysis.hpp"
#include "desktop_settings.hpp"
#include "rate_history.hpp"
#include "scratch_dir.hpp"
#include "table_page.hpp"
#include "view_model.hpp"

using namespace tdbraze::desktop;
namespace fs = std::filesystem;
using tdbraze::emulator::BrazeEmulator;
using tdbraze::emulator::EmulatorConfig;

namespace {

const char* kKey = "emulator-partner-key";
const char* kSecret = "emulator-client-secret";

fs::path work_dir() { return tdbraze::test::scratch_dir("desktop"); }

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A CSV table of user_ids prefix0 .. prefix(n-1).
fs::path user_table(const std::string& name, int n, const std::string& prefix = "user-") {
    const fs::path p = work_dir() / name;
    std::ofstream f(p);
    f << "user_ids\n";
    for (int i = 0; i < n; ++i) f << prefix << i << '\n';
    return p;
}

std::set<std::string> user_ids(int n, const std::string& prefix = "user-") {
    std::set<std::string> ids;
    for (int i = 0; i < n; ++i) ids.insert(prefix + std::to_string(i));
    return ids;
}

// A view model as the tests want it: no settings file, no credentials from the machine, its own state file.
ViewModel::Options test_options(const std::string& name) {
    ViewModel::Options o;
    o.load_credentials = false;
    o.state_path = (work_dir() / (name + ".db")).string();
    return o;
}

void enter_keys(ViewModel& vm) {
    vm.connection.partner_api_key = kKey;
    vm.connection.client_secret = kSecret;
}

// Runs frames (update() calls) until `done` is true; false on timeout.
template <class Done>
bool pump(ViewModel& vm, Done done, double seconds = 30) {
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < deadline) {
        vm.update();
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

// What the tdbraze command line prints on standard output for `args`.
std::string cli_output(const std::string& args) {
    FILE* out = ::popen((std::string(TDBRAZE_CLI) + " " + args + " 2>/dev/null").c_str(), "r");
    REQUIRE(out != nullptr);
    std::string text;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, out)) > 0;) text.append(buffer, n);
    ::pclose(out);
    return text;
}

bool sync_finished(ViewModel& vm) { return vm.sync_view().phase == SyncView::Phase::Finished; }

std::string fixture(const std::string& path) { return std::string(TDBRAZE_FIXTURES) + "/" + path; }

}  // namespace

TEST_CASE("Braze instances: the picker's endpoints, and custom URLs", "[desktop]") {
    const auto instances = braze_instances();
    REQUIRE(instances.size() == 12);
    CHECK(instances.front().name == "US-01");
    CHECK(instances.front().rest_endpoint == "https://rest.iad-01.braze.com");
    CHECK(find_instance("https://rest.fra-02.braze.eu/") == 10u);
    CHECK(find_instance("HTTPS://REST.US-10.BRAZE.COM") == 8u);
    CHECK_FALSE(find_instance("http://127.0.0.1:8080").has_value());

    ViewModel vm(test_options("instances"));
    vm.set_endpoint("https://rest.au-01.braze.com");
    CHECK(vm.connection.instance == 11);
    CHECK(vm.endpoint() == "https://rest.au-01.braze.com");
    vm.set_endpoint("http://127.0.0.1:9000");
    CHECK(vm.connection.instance == kCustomEndpoint);
    CHECK(vm.endpoint() == "http://127.0.0.1:9000");
}

TEST_CASE("settings persist between runs, and never hold a secret", "[desktop]") {
    const fs::path path = work_dir() / "config" / "desktop.json";
    const fs::path table = user_table("persist.csv", 3);
    {
        auto o = test_options("persist");
        o.settings_path = path.string();
        ViewModel vm(o);
        enter_keys(vm);
        vm.currents.bearer_token = "currents-token-secret";
        vm.set_endpoint("https://rest.fra-01.braze.eu");
        vm.cohort.cohort_id = "spring";
        vm.cohort.mode = tdbraze::sync::Mode::Mirror;
        vm.cohort.threads = 7;
        vm.open_table(table.string());  // saves too
        vm.save_settings();
    }
    const std::string text = slurp(path);
    CHECK(text.find("spring") != std::string::npos);
    CHECK(text.find(kKey) == std::string::npos);
    CHECK(text.find(kSecret) == std::string::npos);
    CHECK(text.find("currents-token-secret") == std::string::npos);

    auto o = test_options("persist");
    o.settings_path = path.string();
    ViewModel again(o);
    CHECK(again.endpoint() == "https://rest.fra-01.braze.eu");
    CHECK(again.cohort.cohort_id == "spring");
    CHECK(again.cohort.mode == tdbraze::sync::Mode::Mirror);
    CHECK(again.cohort.threads == 7);
    CHECK(again.table().path == table.string());  // the last table is opened again
    CHECK(again.connection.partner_api_key.empty());

    std::ofstream(path) << "{not json";
    const DesktopSettings broken = load_settings(path.string());
    CHECK(broken.endpoint == DesktopSettings{}.endpoint);
    CHECK(broken.threads == 4);
}

TEST_CASE("table pages: the core's reading of the rows, page by page", "[desktop]") {
    const TablePage messy = read_table_page(fixture("cohort/messy.csv"));
    REQUIRE(messy.loaded());
    CHECK(messy.format == tdbraze::cohort::TableFormat::Csv);
    CHECK(messy.columns == std::vector<std::string>{"user_ids", "device_ids", "email", "External_ID", "segment"});
    REQUIRE(messy.rows.size() == 6);
    CHECK(messy.rows[0].cells[0].text == " u-1");
    CHECK(messy.rows[1].cells[1].blank);  // an empty device id
    CHECK(messy.rows[2].cells[2].blank);  // \N
    CHECK(messy.rows[2].cells[4].text.find("multi") == 0);  // a quoted value over two lines
    CHECK(messy.rows[5].number == 6);
    CHECK_FALSE(messy.rows[5].problem.empty());  // 2 fields for 5 columns: unreadable, as the planner says
    CHECK_FALSE(messy.more_rows);

    const fs::path big = user_table("pages.csv", 450);
    const TablePage first = read_table_page(big.string());
    CHECK(first.rows.size() == kPageRows);
    CHECK(first.more_rows);
    const TablePage third = read_table_page(big.string(), 401);
    REQUIRE(third.rows.size() == 50);
    CHECK(third.rows.front().number == 401);
    CHECK(third.rows.front().cells[0].text == "user-400");
    CHECK_FALSE(third.more_rows);

    CHECK_FALSE(read_table_page((work_dir() / "missing.csv").string()).error.empty());
}

TEST_CASE("column roles: what each column of the table becomes", "[desktop]") {
    const std::vector<std::string> aliases{"email"};
    CHECK(column_role("user_ids", aliases) == ColumnRole::UserIds);
    CHECK(column_role("device_ids", aliases) == ColumnRole::DeviceIds);
    CHECK(column_role("email", aliases) == ColumnRole::Alias);
    CHECK(column_role("External_ID", aliases, {"External_ID", "email"}) == ColumnRole::NearMiss);
    CHECK(intended_column("External_ID") == "user_ids");
    // With a user_ids column there, External_ID is just another column (the core says the same).
    CHECK(column_role("External_ID", aliases, {"user_ids", "External_ID"}) == ColumnRole::Ignored);
    CHECK(column_role("segment", aliases) == ColumnRole::Ignored);
}

TEST_CASE("request bodies for people: long lists shortened, order kept", "[desktop]") {
    std::string body = R"({"partner_api_key":"<partner_api_key>","cohort_id":"c","cohort_changes":[{"user_ids":[)";
    for (int i = 0; i < 1000; ++i) body += (i ? ",\"u" : "\"u") + std::to_string(i) + "\"";
    body += R"(],"should_remove":false}]})";
    const std::string shown = display_body(body);
    CHECK(shown.find("\"u4\"") != std::string::npos);
    CHECK(shown.find("\"u5\"") == std::string::npos);
    CHECK(shown.find("... 995 more") != std::string::npos);
    CHECK(shown.find("partner_api_key") < shown.find("cohort_id"));
    CHECK(display_body("not json") == "not json");
    CHECK(with_separators(1234567) == "1,234,567");
    CHECK(with_separators(12) == "12");
}

TEST_CASE("opening a table checks and plans it, and settings edits plan it again", "[desktop]") {
    ViewModel vm(test_options("analysis"));
    vm.cohort.cohort_id = "plan-me";
    vm.open_table(fixture("cohort/messy.csv"));
    REQUIRE(vm.table().loaded());
    REQUIRE(pump(vm, [&] { return vm.analysis_current(); }));
    const auto& a = *vm.analysis();
    CHECK(a.report.summary.rows == 6);
    CHECK(a.report.summary.errors == 2);  // control-character, row-width: those cells and rows are left out
    CHECK(a.requests == 2);  // the naming call and one membership call for the rest

    vm.open_table(user_table("plan.csv", 2500).string());
    REQUIRE(pump(vm, [&] { return vm.analysis_current(); }));
    CHECK(vm.analysis()->requests == 4);  // the naming call and 1,000 + 1,000 + 500
    REQUIRE(vm.analysis()->first_requests.size() == 3);
    const RequestPreview& naming = vm.analysis()->first_requests[0];
    CHECK(naming.method_and_path == "POST /partners/treasuredata/cohorts");
    CHECK(naming.body.find("<partner_api_key>") != std::string::npos);
    CHECK(vm.analysis()->first_requests[1].ids == 1000);

    vm.cohort.cohort_id.clear();  // an edit: the shown analysis is out of date until checked again
    CHECK_FALSE(vm.analysis_current());
    REQUIRE(pump(vm, [&] { return vm.analysis_current(); }));
    CHECK(vm.analysis()->report.summary.errors > 0);  // missing-cohort-id
    CHECK(vm.analysis()->requests == 0);  // a settings error plans nothing
}

TEST_CASE("the output mapping: a near-miss column sent as user_ids plans what the CLI plans with --map, and is kept",
          "[desktop]") {
    const fs::path table = work_dir() / "mapped.csv";
    {
        std::ofstream f(table);
        f << "External_ID,segment\n";
        for (int i = 0; i < 2500; ++i) f << "customer-" << i << ",gold\n";
    }
    const fs::path settings = work_dir() / "config-mapping" / "desktop.json";
    auto o = test_options("mapping");
    o.settings_path = settings.string();
    {
        ViewModel vm(o);
        vm.cohort.cohort_id = "mapped";
        vm.open_table(table.string());
        REQUIRE(pump(vm, [&] { return vm.analysis_current(); }));
        CHECK(vm.analysis()->report.summary.user_ids == 0);  // a near miss: nothing is sent as it is named
        CHECK(vm.column_role("External_ID") == ColumnRole::NearMiss);

        vm.map_column("External_ID",
                      tdbraze::cohort::ColumnMapping{"External_ID", tdbraze::cohort::Target::UserIds, {}});
        CHECK(vm.column_role("External_ID") == ColumnRole::UserIds);
        REQUIRE(pump(vm, [&] { return vm.analysis_current(); }));
        const auto& a = *vm.analysis();
        // The CLI, given the same table and --map, plans the same: the same identifiers in as many requests.
        const std::string settings_args = table.string() + " --cohort-id mapped --map External_ID=user_ids";
        const auto report = nlohmann::json::parse(cli_output("validate cohort --format json " + settings_args));
        const std::string requests = cli_output("plan cohort --out - " + settings_args);
        CHECK(report["summary"]["user_ids"].get<std::uint64_t>() == a.report.summary.user_ids);
        CHECK(a.report.summary.user_ids == 2500);
        CHECK(static_cast<std::uint64_t>(std::count(requests.begin(), requests.end(), '\n')) == a.requests);
        CHECK(report["mapping"][0]["column"] == "External_ID");
        CHECK(a.report.mapping.size() == 1);
        vm.save_settings();
    }
    ViewModel again(o);
    again.open_table(table.string());
    REQUIRE(again.column_mapping("External_ID").has_value());
    CHECK(again.column_mapping("External_ID")->target == tdbraze::cohort::Target::UserIds);
}

TEST_CASE("a diagnostic's row: the grid loads its page and marks it, and alias columns keep header order",
          "[desktop]") {
    ViewModel vm(test_options("rows"));
    vm.open_table(user_table("rows.csv", 700).string());
    vm.show_row(555);
    CHECK(vm.table().first_row == 401);
    CHECK(vm.marked_row() == 555u);
    vm.next_page();
    CHECK(vm.table().first_row == 601);
    CHECK(vm.table().rows.size() == 100);
    vm.previous_page();
    CHECK(vm.table().first_row == 401);

    vm.open_table(fixture("cohort/messy.csv"));
    vm.toggle_alias_column("segment");
    vm.toggle_alias_column("email");
    CHECK(vm.cohort.alias_columns == std::vector<std::string>{"email", "segment"});
    CHECK(vm.column_role("email") == ColumnRole::Alias);
    vm.toggle_alias_column("segment");
    CHECK(vm.cohort.alias_columns == std::vector<std::string>{"email"});
}

TEST_CASE("Sync: the table reaches the emulator's cohort, with progress, log and rates", "[desktop][emulator]") {
    BrazeEmulator emulator(EmulatorConfig{});
    REQUIRE(emulator.start() > 0);
    ViewModel vm(test_options("sync"));
    enter_keys(vm);
    vm.set_endpoint(emulator.url());
    vm.cohort.cohort_id = "desk";
    vm.open_table(user_table("sync.csv", 2000).string());
    vm.start_sync();
    CHECK(vm.panel == Panel::Sync);
    CHECK(vm.sync_running());
    REQUIRE(pump(vm, [&] { return sync_finished(vm); }));

    const SyncView& s = vm.sync_view();
    REQUIRE(s.summary);
    CHECK(s.summary->outcome == tdbraze::sync::Outcome::Completed);
    CHECK(s.completed());
    CHECK(s.progress.ids_done == 2000);
    CHECK(s.progress.batches_done == 2);
    CHECK(s.report.has_value());
    CHECK(s.requests_per_second.count() >= 1);
    const auto cohort = emulator.cohort("desk");
    REQUIRE(cohort);
    CHECK(std::set<std::string>(cohort->user_ids.begin(), cohort->user_ids.end()) == user_ids(2000));

    // The log: every confirmed batch, never a secret; the filter picks lines by kind and text.
    std::size_t sent = 0;
    for (const LogLine& line : s.log) {
        if (line.kind == tdbraze::sync::SyncEvent::Kind::Sent) ++sent;
        CHECK(line.text.find(kSecret) == std::string::npos);
    }
    CHECK(sent == 3);  // the naming call and two batches
    vm.log_filter.sent = false;
    CHECK(vm.visible_log_lines().size() == s.log.size() - 3);
    vm.log_filter = {};
    vm.log_filter.text = "BATCH 2";
    REQUIRE(vm.visible_log_lines().size() == 1);
    CHECK(s.log[vm.visible_log_lines()[0]].text.find("add batch 2 confirmed") != std::string::npos);

    // The same table again: already done; sending it again takes "Send again".
    vm.start_sync();
    REQUIRE(pump(vm, [&] { return sync_finished(vm); }));
    CHECK(vm.sync_view().summary->outcome == tdbraze::sync::Outcome::NothingToDo);
    vm.force_resend = true;
    vm.start_sync();
    REQUIRE(pump(vm, [&] { return sync_finished(vm); }));
    CHECK(vm.sync_view().summary->outcome == tdbraze::sync::Outcome::Completed);
}

TEST_CASE("Sync: cancel stops after the requests in flight, Resume finishes the rest", "[desktop][emulator]") {
    EmulatorConfig config;
    config.faults.latency_ms = 60;  // slow enough to cancel half way
    BrazeEmulator emulator(config);
    REQUIRE(emulator.start() > 0);
    ViewModel vm(test_options("cancel"));
    enter_keys(vm);
    vm.set_endpoint(emulator.url());
    vm.cohort.cohort_id = "halves";
    vm.cohort.threads = 1;
    vm.open_table(user_table("cancel.csv", 30'000, "c-").string());
    REQUIRE(vm.resume_blocker());
    CHECK(vm.resume_blocker()->rfind("Nothing to resume", 0) == 0);
    vm.start_sync();
    REQUIRE(pump(vm, [&] { return vm.sync_view().progress.batches_done >= 3; }));
    vm.cancel_sync();
    CHECK(vm.sync_view().cancel_requested);
    REQUIRE(pump(vm, [&] { return sync_finished(vm); }));
    CHECK(vm.sync_view().summary->outcome == tdbraze::sync::Outcome::Interrupted);
    CHECK(emulator.cohort("halves")->user_ids.size() < 30'000);
    CHECK_FALSE(vm.resume_blocker());  // an unfinished run: Resume is enabled

    vm.start_sync();  // without Resume: refused, with the way out in the message
    REQUIRE(pump(vm, [&] { return sync_finished(vm); }));
    CHECK(vm.sync_view().summary->outcome == tdbraze::sync::Outcome::Refused);

    vm.resume_sync();
    REQUIRE(pump(
        vm, [&] { return sync_finished(vm); }, 60));
    CHECK(vm.sync_view().summary->outcome == tdbraze::sync::Outcome::Completed);
    CHECK(vm.sync_view().summary->skipped >= 3);
    CHECK(vm.resume_blocker());  // finished: nothing left to resume
    const auto members = emulator.cohort("halves")->user_ids;
    CHECK(std::set<std::string>(members.begin(), members.end()) == user_ids(30'000, "c-"));
}

TEST_CASE("Sync: retries are counted and sampled", "[desktop][emulator]") {
    EmulatorConfig config;
    config.faults.statuses[503] = 0.35;
    config.seed = 11;
    BrazeEmulator emulator(config);
    REQUIRE(emulator.start() > 0);
    ViewModel vm(test_options("retries"));
    enter_keys(vm);
    vm.set_endpoint(emulator.url());
    vm.cohort.cohort_id = "flaky";
    vm.open_table(user_table("flaky.csv", 5000, "f-").string());
    vm.start_sync();
    REQUIRE(pump(
        vm, [&] { return sync_finished(vm); }, 90));
    const SyncView& s = vm.sync_view();
    CHECK(s.summary->outcome == tdbraze::sync::Outcome::Completed);
    CHECK(s.progress.retries > 0);
    CHECK(s.progress.errors >= s.progress.retries);
    float retries_sampled = 0;
    for (float v : s.retries_per_second.window(0)) retries_sampled += v;
    CHECK(retries_sampled > 0);
    vm.log_filter = {};
    vm.log_filter.info = vm.log_filter.sent = vm.log_filter.warning = vm.log_filter.error = false;
    CHECK(vm.visible_log_lines().size() == s.progress.retries);
}

TEST_CASE("Sync refuses to start without a table, a cohort id or keys, and says where to fix it", "[desktop]") {
    ViewModel vm(test_options("refusals"));
    vm.start_sync();
    CHECK_FALSE(vm.sync_running());
    CHECK(vm.panel == Panel::Cohort);
    CHECK(vm.status.find("Open a table") != std::string::npos);

    vm.open_table(user_table("refusals.csv", 5).string());
    vm.start_sync();
    CHECK(vm.status.find("cohort id") != std::string::npos);

    vm.cohort.cohort_id = "x";
    vm.start_sync();
    CHECK_FALSE(vm.sync_running());
    CHECK(vm.panel == Panel::Connection);
    CHECK(vm.status.find("data import key") != std::string::npos);
}

TEST_CASE("Test connection: works with the right keys, explains a refusal without the secret", "[desktop][emulator]") {
    BrazeEmulator emulator(EmulatorConfig{});
    REQUIRE(emulator.start() > 0);
    ViewModel vm(test_options("connection"));
    enter_keys(vm);
    vm.set_endpoint(emulator.url());
    vm.test_connection();
    CHECK(vm.connection_test().state == TaskState::Running);
    REQUIRE(pump(vm, [&] { return vm.connection_test().state == TaskState::Done; }));
    CHECK(vm.connection_test().result.works);
    CHECK(vm.connection_test().result.status == 200);
    const auto probe = emulator.cohort("tdbraze-connection-test");
    CHECK((!probe || probe->members == 0));  // an empty change list changes nothing

    vm.connection.client_secret = "a-wrong-data-import-key";
    vm.test_connection();
    REQUIRE(pump(vm, [&] { return vm.connection_test().state == TaskState::Done; }));
    CHECK_FALSE(vm.connection_test().result.works);
    CHECK(vm.connection_test().result.status == 401);
    CHECK(vm.connection_test().result.message.find("(401)") != std::string::npos);
    CHECK(vm.connection_test().result.message.find("a-wrong-data-import-key") == std::string::npos);

    // Credentials right, partner wrong: Braze echoes the secret; the message must not.
    vm.connection.client_secret = kSecret;
    vm.connection.partner = "someone-else";
    vm.test_connection();
    REQUIRE(pump(vm, [&] { return vm.connection_test().state == TaskState::Done; }));
    CHECK(vm.connection_test().result.status == 401);
    CHECK(vm.connection_test().result.message.find(kSecret) == std::string::npos);
    CHECK(vm.connection_test().result.message.find("<redacted>") != std::string::npos);

    const ConnectionCheck nobody = check_connection("http://127.0.0.1:1", "treasuredata", "c", {kKey, kSecret});
    CHECK_FALSE(nobody.works);
    CHECK(nobody.message.find("No answer") != std::string::npos);
    CHECK(check_connection("http://example.com", "treasuredata", "c", {kKey, kSecret}).message.find("https") !=
          std::string::npos);
}

TEST_CASE("Currents: validate a file or pasted text, count event types, replay to a receiver", "[desktop][emulator]") {
    ViewModel vm(test_options("currents"));
    vm.open_currents(fixture("currents/valid-batch.json"));
    CHECK_FALSE(vm.currents.text.empty());  // small: shown in the editor
    REQUIRE(pump(vm, [&] { return vm.currents_view().validation == TaskState::Done; }));
    REQUIRE(vm.currents_view().report);
    CHECK(vm.currents_view().report->ok());
    CHECK(vm.currents_view().source == "valid-batch.json");
    std::uint64_t events = 0;
    for (const EventTypeCount& e : vm.currents_view().histogram) events += e.count;
    CHECK(events == vm.currents_view().report->summary.events);
    for (std::size_t i = 1; i < vm.currents_view().histogram.size(); ++i)
        CHECK(vm.currents_view().histogram[i - 1].count >= vm.currents_view().histogram[i].count);

    vm.currents.text = R"({"events":[{"event_type":"users.messages.email.Open"}]})";
    vm.currents_text_edited();
    vm.validate_currents();
    REQUIRE(pump(vm, [&] { return vm.currents_view().validation == TaskState::Done; }));
    CHECK(vm.currents_view().source == "pasted payload");
    CHECK_FALSE(vm.currents_view().report->ok());

    BrazeEmulator emulator(EmulatorConfig{});
    REQUIRE(emulator.start() > 0);
    vm.open_currents(fixture("currents/valid-batch.json"));
    vm.currents.replay_url = emulator.url() + "/currents";
    vm.start_replay();
    REQUIRE(pump(vm, [&] { return vm.currents_view().replay == TaskState::Done; }));
    REQUIRE(vm.currents_view().replay_summary);
    CHECK(vm.currents_view().replay_summary->ok());
    CHECK(emulator.currents_stats().events_accepted == vm.currents_view().report->summary.events);
    CHECK_FALSE(vm.currents_view().replay_log.empty());

    // Pasted text is replayed from an unnamed file of mode 0600 (the events are personal data): nothing with a
    // name is left in $TMPDIR.
    const std::uint64_t before = emulator.currents_stats().events_accepted;
    const fs::path tmp = work_dir() / "replay-tmp";
    fs::create_directories(tmp);
    const char* const old_tmpdir = std::getenv("TMPDIR");
    const std::string kept = old_tmpdir != nullptr ? old_tmpdir : "";
    ::setenv("TMPDIR", tmp.c_str(), 1);
    vm.currents.text = slurp(fixture("currents/valid-batch.json"));
    vm.currents_text_edited();
    vm.start_replay();
    REQUIRE(pump(vm, [&] { return vm.currents_view().replay == TaskState::Done; }));
    REQUIRE(vm.currents_view().replay_summary);
    CHECK(vm.currents_view().replay_summary->ok());
    CHECK(emulator.currents_stats().events_accepted == 2 * before);
    CHECK(fs::is_empty(tmp));
    // No temporary file to be had: the replay says so and sends nothing.
    ::setenv("TMPDIR", (work_dir() / "no-such-folder").c_str(), 1);
    vm.start_replay();
    REQUIRE(pump(vm, [&] { return vm.currents_view().replay == TaskState::Done; }));
    if (old_tmpdir != nullptr) ::setenv("TMPDIR", kept.c_str(), 1);
    else ::unsetenv("TMPDIR");
    REQUIRE(vm.currents_view().replay_summary);
    CHECK(vm.currents_view().replay_summary->outcome == tdbraze::sync::Outcome::Refused);
    CHECK(vm.currents_view().replay_summary->message ==
          "cannot keep the pasted payload in a temporary file in $TMPDIR (else /tmp): No such file or directory");
    CHECK(emulator.currents_stats().events_accepted == 2 * before);
}

TEST_CASE("Currents: the receiver choice checks as Treasure Data would take the payload, like the CLI", "[desktop]") {
    ViewModel vm(test_options("currents-receiver"));
    vm.open_currents(fixture("currents/td-postback.json"));
    REQUIRE(pump(vm, [&] { return vm.currents_view().validation == TaskState::Done; }));
    auto count = [&](const std::string& code) {
        const auto& d = vm.currents_view().report->diagnostics;
        return std::count_if(d.begin(), d.end(), [&](const tdbraze::Diagnostic& x) { return x.code == code; });
    };
    CHECK(count("td-no-external-user-id") == 0);
    vm.currents.receiver = tdbraze::currents::Receiver::TdPostback;
    vm.validate_currents();
    REQUIRE(pump(vm, [&] { return vm.currents_view().validation == TaskState::Done; }));
    CHECK(count("td-no-external-user-id") == 2);
    // The same findings as the CLI gives with --receiver td-postback (the clock is the real one in both).
    const auto report = nlohmann::json::parse(
        cli_output("validate currents --format json --receiver td-postback " + fixture("currents/td-postback.json")));
    CHECK(report["summary"]["warnings"].get<std::uint64_t>() == vm.currents_view().report->summary.warnings);
}

TEST_CASE("Currents: a file too large for the editor is checked from the file, as the CLI does", "[desktop]") {
    // JSON Lines of batches, some lines broken: 9 MiB, which the CLI cuts into parts (of at least 4 MiB).
    const fs::path path = work_dir() / "large-currents.jsonl";
    {
        const std::string valid = slurp(fixture("currents/valid-batch.json"));
        std::string line;
        for (const char c : valid)
            if (c != '\n') line += c;
        std::ofstream out(path, std::ios::binary);
        for (std::uintmax_t written = 0, i = 0; written < (9u << 20); ++i) {
            const std::string text = i % 500 == 7 ? line.substr(0, line.size() / 2) : line;
            out << text << '\n';
            written += text.size() + 1;
        }
    }
    ViewModel vm(test_options("currents-large"));
    vm.open_currents(path.string());
    CHECK(vm.currents.text.empty());
    REQUIRE(pump(vm, [&] { return vm.currents_view().validation == TaskState::Done; }));
    REQUIRE(vm.currents_view().report);
    const auto& report = *vm.currents_view().report;
    CHECK(vm.currents_view().source == "large-currents.jsonl");
    CHECK(report.summary.errors > 0);
    // The CLI's report of the same file (the clock is the real one in both: no time is near a limit here).
    const auto expected = nlohmann::json::parse(cli_output("validate currents --format json " + path.string()));
    CHECK(expected["summary"]["events"].get<std::uint64_t>() == report.summary.events);
    CHECK(expected["summary"]["errors"].get<std::uint64_t>() == report.summary.errors);
    CHECK(expected["diagnostics"].size() == report.diagnostics.size());
    CHECK(expected["diagnostics"][0]["line"].get<std::uint64_t>() == report.diagnostics.at(0).line);

    // A file that cannot be read: the status says why and no old report stays on screen.
    vm.currents.path = work_dir().string();  // a directory
    vm.validate_currents();
    REQUIRE(pump(vm, [&] { return vm.currents_view().validation == TaskState::Done; }));
    CHECK_FALSE(vm.currents_view().report);
    CHECK(vm.status.find(work_dir().string()) != std::string::npos);
}

TEST_CASE("dropped files: a payload on the Currents panel, a table anywhere else", "[desktop]") {
    ViewModel vm(test_options("drop"));
    vm.panel = Panel::Sync;
    vm.drop_files({user_table("dropped.csv", 3).string()});
    CHECK(vm.panel == Panel::Cohort);
    CHECK(vm.table().loaded());
    vm.panel = Panel::Currents;
    vm.drop_files({fixture("currents/valid-batch.json")});
    CHECK(vm.currents.path == fixture("currents/valid-batch.json"));
    CHECK(vm.panel == Panel::Currents);
}

TEST_CASE("rate history: a ring of the latest samples, oldest first", "[desktop]") {
    RateHistory h(4);
    CHECK(h.window(3) == std::vector<float>{0, 0, 0});
    for (float v : {1.0f, 2.0f, 3.0f, 4.0f, 5.0f}) h.push(v);
    CHECK(h.count() == 4);
    CHECK(h.latest() == 5.0f);
    CHECK(h.peak() == 5.0f);
    CHECK(h.window(2) == std::vector<float>{2, 3, 4, 5});
    CHECK(h.window(10).size() == 4);
    CHECK(panel_from_name("Sync") == Panel::Sync);
    CHECK_FALSE(panel_from_name("nope"));
}

TEST_CASE("Sync: a closed port fails within seconds, and the status says why", "[desktop]") {
    ViewModel vm(test_options("closed-port"));
    enter_keys(vm);
    vm.set_endpoint("http://127.0.0.1:1");
    vm.cohort.cohort_id = "closed";
    vm.open_table(user_table("closed.csv", 50, "p-").string());
    const auto start = std::chrono::steady_clock::now();
    vm.start_sync();
    REQUIRE(pump(
        vm, [&] { return sync_finished(vm); }, 10));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    CHECK(vm.sync_view().summary->outcome == tdbraze::sync::Outcome::Failed);
    CHECK(vm.sync_view().summary->error->code == tdbraze::ErrorCode::ConnectionRefused);
    CHECK(vm.status.find("nothing accepts connections") != std::string::npos);
}

TEST_CASE("a table that cannot be opened says the OS's reason", "[desktop]") {
    const TablePage page = read_table_page("/nonexistent/nosuch.csv", 1, 10);
    CHECK(page.error == "cannot open '/nonexistent/nosuch.csv': No such file or directory");
    const CohortAnalysis analysis = analyse_table("/nonexistent/nosuch.csv", {}, {}, {});
    CHECK(analysis.error == "cannot open '/nonexistent/nosuch.csv': No such file or directory");
    const std::string folder = work_dir().string();
    CHECK(read_table_page(folder, 1, 10).error == "cannot read '" + folder + "': it is a directory; give a file");
    CHECK(analyse_table(folder, {}, {}, {}).error == "cannot read '" + folder + "': it is a directory; give a file");
}

TEST_CASE("Sync and Resume are disabled with the reason when the table has errors or nothing is unfinished",
          "[desktop]") {
    ViewModel vm(test_options("blockers"));
    REQUIRE(vm.sync_blocker());
    CHECK(*vm.sync_blocker() == "Open a table on the Cohort panel first.");
    CHECK(vm.resume_blocker() == vm.sync_blocker());

    enter_keys(vm);
    vm.cohort.cohort_id = "blocked";
    const fs::path bad = work_dir() / "no-identifier.csv";
    std::ofstream(bad) << "name,age\nann,3\n";
    vm.open_table(bad.string());
    REQUIRE(pump(vm, [&] { return vm.analysis_current(); }));
    REQUIRE(vm.sync_blocker());
    CHECK(vm.sync_blocker()->rfind("The table has 1 error (see the Cohort panel)", 0) == 0);
    CHECK(vm.resume_blocker() == vm.sync_blocker());
    vm.start_sync();  // Ctrl+Enter does what the greyed-out button says
    CHECK_FALSE(vm.sync_running());
    CHECK(vm.status == *vm.sync_blocker());

    vm.open_table(user_table("blockers.csv", 5).string());
    REQUIRE(pump(vm, [&] { return vm.analysis_current(); }));
    CHECK_FALSE(vm.sync_blocker());
    REQUIRE(vm.resume_blocker());
    CHECK(vm.resume_blocker()->rfind("Nothing to resume", 0) == 0);
    vm.resume_sync();
    CHECK_FALSE(vm.sync_running());
    CHECK(vm.status == *vm.resume_blocker());
}

TEST_CASE("keyboard: every command has one shortcut, and its key runs it", "[desktop]") {
    const std::vector<Command> all{
        Command::OpenFile, Command::Sync,           Command::Resume,     Command::Cancel,   Command::TestConnection,
        Command::Validate, Command::ShowConnection, Command::ShowCohort, Command::ShowSync, Command::ShowCurrents};
    CHECK(shortcuts().size() == all.size());
    std::set<std::string> keys;
    for (const Command c : all) {
        const Shortcut& s = shortcut(c);
        CHECK(s.command == c);
        CHECK(keys.insert(s.keys).second);  // no two commands share keys
        CHECK(command_for_key(s.key, s.ctrl, s.shift) == c);
    }
    CHECK(with_keys("Sync", Command::Sync) == "Sync (Ctrl+Enter)");
    CHECK_FALSE(command_for_key('O', false, false));  // typing an O in a field is not a shortcut

    ViewModel vm(test_options("keyboard"));
    for (const auto& [command, panel] :
         {std::pair{Command::ShowConnection, Panel::Connection}, std::pair{Command::ShowCohort, Panel::Cohort},
          std::pair{Command::ShowSync, Panel::Sync}, std::pair{Command::ShowCurrents, Panel::Currents}}) {
        vm.run_command(command);
        CHECK(vm.panel == panel);
    }
    vm.run_command(Command::OpenFile);  // on the Currents panel: its path field
    CHECK(vm.panel == Panel::Currents);
    vm.panel = Panel::Sync;
    vm.run_command(Command::OpenFile);
    CHECK(vm.panel == Panel::Cohort);
    vm.run_command(Command::Sync);
    CHECK(vm.status == "Open a table on the Cohort panel first.");
    vm.run_command(Command::Validate);
    CHECK(vm.panel == Panel::Currents);
    CHECK(vm.status == "Open a payload file or paste one first.");
    vm.currents.text = "{\"events\": []}";
    vm.run_command(Command::Validate);
    REQUIRE(pump(vm, [&] { return vm.currents_view().validation == TaskState::Done; }));
    vm.set_endpoint("http://127.0.0.1:1");  // refused at once: no network needed
    vm.run_command(Command::TestConnection);
    CHECK(vm.panel == Panel::Connection);
    CHECK(vm.connection_test().state == TaskState::Running);
    REQUIRE(pump(vm, [&] { return vm.connection_test().state == TaskState::Done; }));
}
