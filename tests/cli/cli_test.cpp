// End-to-end tests of the tdbraze command line: arguments, output formats, exit codes, I/O errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tdbraze/catalogue.hpp"
#include "scratch_dir.hpp"
#include "small_disk.hpp"

namespace {

namespace fs = std::filesystem;

struct Run {
    int code;
    std::string out;
    std::string err;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

fs::path scratch_dir() { return tdbraze::test::scratch_dir("cli"); }

fs::path write_file(const std::string& name, const std::string& text) {
    const fs::path p = scratch_dir() / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

// Runs the CLI with a shell command line of arguments; stdin from `input`; `environment`: NAME=value words.
Run run(const std::string& args, const std::string& input = "", const std::string& environment = "") {
    const fs::path in = write_file("stdin.txt", input), out = scratch_dir() / "out.txt",
                   err = scratch_dir() / "err.txt";
    const std::string command =
        environment + " " + TDBRAZE_CLI + " " + args + " <" + in.string() + " >" + out.string() + " 2>" + err.string();
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

const std::string kFixtures = TDBRAZE_FIXTURES;
const std::string kValid = kFixtures + "/currents/valid-batch.json";
const std::string kTdDoc = kFixtures + "/currents/td-doc-example.json";

}  // namespace

TEST_CASE("cli: version and help") {
    const Run v = run("--version");
    CHECK(v.code == 0);
    // The release, the commit (git describe, or "unknown" outside a checkout) and the catalogue this build holds.
    const auto catalogue = tdbraze::currents::catalogue_version();
    CHECK(std::regex_match(v.out, std::regex("tdbraze 0\\.1\\.0\ncommit [0-9A-Za-z._-]+\ncatalogue (.*)\n")));
    CHECK(v.out.find("\ncatalogue " + std::string(catalogue.format) + " " + std::string(catalogue.digest) + " (" +
                     std::to_string(catalogue.event_types) + " event types, ") != std::string::npos);
    CHECK(catalogue.format == "currents-catalogue/1");
    CHECK(catalogue.digest.size() == 12);
    const Run h = run("--help");
    CHECK(h.code == 0);
    CHECK(h.out.find("validate") != std::string::npos);
    const Run vh = run("validate --help");
    CHECK(vh.code == 0);
    CHECK(vh.out.find("currents") != std::string::npos);
    const Run ch = run("validate currents --help");
    CHECK(ch.code == 0);
    CHECK(ch.out.find("--max-diagnostics") != std::string::npos);
    CHECK(ch.out.find("--strict") != std::string::npos);
}

TEST_CASE("cli: usage errors exit 2") {
    CHECK(run("").code == 2);
    CHECK(run("validate").code == 2);
    CHECK(run("validate currents").code == 2);
    CHECK(run("validate currents --format xml " + kValid).code == 2);
    CHECK(run("frobnicate").code == 2);
}

TEST_CASE("cli: every message starts with tdbraze:, CLI11's own too") {
    for (const char* args : {"frobnicate", "validate", "validate currents --formt json x.json",
                             "sync cohort /nonexistent.csv --endpoint https://rest.iad-01.braze.com --cohort-id c"}) {
        const Run r = run(args);
        INFO(args << ": " << r.err);
        CHECK(r.code == 2);
        CHECK(r.err.rfind("tdbraze: ", 0) == 0);
    }
    const Run missing = run("sync cohort /nonexistent.csv --endpoint https://rest.iad-01.braze.com --cohort-id c");
    CHECK(missing.err.find("No such file or directory") != std::string::npos);  // the OS's reason
}

TEST_CASE("cli: a misspelt subcommand or option gets a did-you-mean, every line starting tdbraze:") {
    struct Case {
        const char* args;
        const char* expected;
    };
    for (const Case& c : {
             Case{"validat currents x.json", "tdbraze: unknown command 'validat'; did you mean 'validate'?\n"},
             Case{"validate curents x.json",
                  "tdbraze: unknown command 'curents' for 'tdbraze validate'; did you mean 'currents'?\n"},
             Case{"validate currents --formt json x.json",
                  "tdbraze: unknown option '--formt' for 'tdbraze validate currents'; did you mean '--format'?\n"},
             Case{"validate currents --format json --stirct=1 x.json",
                  "tdbraze: unknown option '--stirct' for 'tdbraze validate currents'; did you mean '--strict'?\n"},
             Case{"frobnicate", "tdbraze: unknown command 'frobnicate'\n"},
         }) {
        const Run r = run(c.args);
        INFO(c.args << ": " << r.err);
        CHECK(r.code == 2);
        CHECK(r.err.rfind(c.expected, 0) == 0);
        std::istringstream lines(r.err);
        for (std::string line; std::getline(lines, line);) CHECK(line.rfind("tdbraze: ", 0) == 0);
    }
    // A bad value of a known option is CLI11's message, no guess.
    const Run value = run("validate currents --format xml " + kValid);
    CHECK(value.code == 2);
    CHECK(value.err.find("did you mean") == std::string::npos);
    CHECK(value.err.rfind("tdbraze: ", 0) == 0);
}

TEST_CASE("cli: help CODE renders the manual's Markdown, --markdown prints it raw") {
    const Run r = run("help near-miss-column");
    CHECK(r.code == 0);
    CHECK(r.out.rfind("near-miss-column (cohort, warning): ", 0) == 0);
    CHECK(r.out.find("\nWarning. A column is named almost like 'user_ids'") != std::string::npos);
    CHECK(r.out.find("\n    SELECT external_id FROM example_cohort_table\n") != std::string::npos);
    for (const char* mark : {"**", "```", "`", "\x1b"}) {
        INFO(mark);
        CHECK(r.out.find(mark) == std::string::npos);  // not a terminal: no marks and no colour
    }
    const Run raw = run("help near-miss-column --markdown");
    CHECK(raw.code == 0);
    CHECK(raw.out.find("\n**Warning.** A column is named almost like `user_ids`") != std::string::npos);
    CHECK(raw.out.find("\n```sql\nSELECT external_id") != std::string::npos);
}

TEST_CASE("cli: a gzip file given to validate currents is one error saying to decompress it") {
    const fs::path gz = write_file("events.json.gz", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab", 11));
    const Run r = run("validate currents " + gz.string());
    CHECK(r.code == 1);
    CHECK(r.out == gz.string() +
                       ":1:1: error[json-syntax]: the input is not JSON text: this looks like a gzip file; nothing "
                       "is checked\n  hint: decompress it first (gunzip FILE), then check what it holds\n" +
                       gz.string() + ": 0 events; 1 error, 0 warnings, 0 notes\n");
}

TEST_CASE("cli: one exit-status rule: the export's settings are data (1), how to run is usage (2)") {
    const fs::path table = write_file("rule.csv", "user_ids\nu1\n");
    // Settings of the export are checked with the table, as the page checks them: diagnostics, exit 1.
    for (const char* settings :
         {"--cohort-id c --max-ids-per-request 5000", "--cohort-id c --created-at yesterday", "--cohort-id ''"}) {
        const Run r = run("plan cohort " + table.string() + " --out - " + settings);
        INFO(settings << ": " << r.out << r.err);
        CHECK(r.code == 1);
    }
    // A URL tdbraze will not talk to is usage, in every command that sends.
    const Run sync = run("sync cohort " + table.string() + " --endpoint http://example.com --cohort-id c --dry-run");
    CHECK(sync.code == 2);
    const Run send = run("send currents " + kValid + " --url http://example.com/currents");
    CHECK(send.code == 2);
    CHECK(send.err.find("plain http is only allowed to a loopback address") != std::string::npos);
}

TEST_CASE("cli: running out of memory ends in one line and exit 2, never a core dump") {
#if defined(__SANITIZE_ADDRESS__)
    WARN("AddressSanitizer reserves more address space than the limit this test sets");
#else
    const fs::path big = scratch_dir() / "million.csv";
    {
        std::ofstream f(big);
        f << "user_ids\n";
        for (int i = 0; i < 1'000'000; ++i) f << "user-id-number-" << i << "\n";
    }
    const Run r = run("validate cohort " + big.string() + " --cohort-id c --dedupe memory", "", "ulimit -v 60000;");
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    CHECK(r.err.rfind("tdbraze: out of memory", 0) == 0);
    CHECK(r.err.find("--dedupe disk") != std::string::npos);
    CHECK(r.err.find("terminate called") == std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
#endif
}

TEST_CASE("cli: a missing file is a clear message and exit 2, other inputs are still checked") {
    const Run r = run("validate currents --format json /nonexistent/payload.json " + kValid);
    CHECK(r.code == 2);
    CHECK(r.err == "tdbraze: cannot open '/nonexistent/payload.json': No such file or directory\n");
    CHECK(nlohmann::json::parse(r.out)["source"] == kValid);
    const Run d = run("validate currents " + kFixtures);
    CHECK(d.code == 2);
    CHECK(d.err.find("is a directory") != std::string::npos);
}

TEST_CASE("cli: text report is compiler style with a hint and a summary") {
    const std::string bad = write_file("bad.json",
                                       "{\"events\":[\n{\"event_type\":\"users.behaviors.CustomEvent\",\"id\":\"i\","
                                       "\"time\":\"soon\",\"user\":{\"user_id\":\"65a1f0c2e4b0a1b2c3d4e5f6\"},"
                                       "\"properties\":{\"name\":\"n\"}}]}")
                                .string();
    const Run r = run("validate currents " + bad);
    CHECK(r.code == 1);
    CHECK(r.out.rfind(bad + ":2:", 0) == 0);
    CHECK(r.out.find(": error[member-type]: \"time\" must be an integer of epoch seconds") != std::string::npos);
    CHECK(r.out.find("\n  hint: ") != std::string::npos);
    CHECK(r.out.find(bad + ": 1 event; 1 error, 0 warnings, 0 notes; by type: users.behaviors.CustomEvent 1\n") !=
          std::string::npos);
    CHECK(r.out.find('\x1b') == std::string::npos);  // no colour when not a terminal
}

TEST_CASE("cli: json report has the documented shape, one line per input") {
    const Run r = run("validate currents --format json --now 1764000000 " + kValid + " " + kTdDoc);
    CHECK(r.code == 0);
    std::istringstream lines(r.out);
    std::string line;
    std::vector<nlohmann::ordered_json> reports;
    while (std::getline(lines, line)) reports.push_back(nlohmann::ordered_json::parse(line));
    REQUIRE(reports.size() == 2);
    std::vector<std::string> keys;
    for (const auto& [k, v] : reports[1].items()) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"tool", "kind", "source", "ok", "summary", "diagnostics"});
    keys.clear();
    for (const auto& [k, v] : reports[1]["summary"].items()) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"events", "errors", "warnings", "infos", "event_types"});
    const auto& d = reports[1]["diagnostics"][0];
    keys.clear();
    for (const auto& [k, v] : d.items()) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"severity", "code", "message", "hint", "pointer", "line", "column"});
    CHECK(reports[0]["ok"] == true);
    CHECK(reports[0]["summary"]["events"] == 3);
    CHECK(reports[1]["diagnostics"][0]["code"] == "unknown-event-type");
    CHECK(reports[1]["summary"]["event_types"]["users.message.email.Open"] == 1);
}

TEST_CASE("cli: strict fails on warnings and stdin is read with a dash") {
    std::ifstream in(kTdDoc);
    std::stringstream s;
    s << in.rdbuf();
    CHECK(run("validate currents -", s.str()).code == 0);
    const Run strict = run("validate currents --strict -", s.str());
    CHECK(strict.code == 1);
    CHECK(strict.out.rfind("-:4:21: error[unknown-event-type]", 0) == 0);
}

TEST_CASE("cli: max-diagnostics lists fewer and says how many are left out") {
    const Run r = run("validate currents --format json --max-diagnostics 0 " + kTdDoc);
    const auto report = nlohmann::json::parse(r.out);
    REQUIRE(report["diagnostics"].size() == 1);
    CHECK(report["diagnostics"][0]["code"] == "diagnostics-omitted");
    CHECK(report["summary"]["warnings"] == 1);
}

TEST_CASE("cli: the JSON summary counts infos, listed or not") {
    // Infos: the ignored column, the empty cells, the duplicate; one warning (both kinds of id on a row).
    const std::string table = write_file("infos.csv", "user_ids,device_ids,segment\nu1,,a\nu1,d1,b\n,,c\n").string();
    const auto all = nlohmann::json::parse(run("validate cohort --cohort-id c --format json " + table).out);
    std::size_t infos = 0;
    for (const auto& d : all["diagnostics"]) infos += d["severity"] == "info" ? 1 : 0;
    CHECK(infos >= 3);
    CHECK(all["summary"]["infos"] == infos);
    const auto none =
        nlohmann::json::parse(run("validate cohort --cohort-id c --format json --max-diagnostics 0 " + table).out);
    CHECK(none["diagnostics"].size() == 1);  // only diagnostics-omitted
    CHECK(none["summary"]["infos"] == infos);
    CHECK(none["summary"]["warnings"] == all["summary"]["warnings"]);
}

TEST_CASE("cli: validate cohort reports and exits by findings") {
    const std::string emails = kFixtures + "/cohort/braze-emails.csv";
    const Run ok = run("validate cohort --alias-column email " + emails + " --cohort-id TDCohort");
    CHECK(ok.code == 0);
    CHECK(ok.out == emails +
                        ": 4 rows (csv); 0 user_ids, 0 device_ids, 4 aliases in 1 request; 0 duplicates, 0 "
                        "skipped; 0 errors, 0 warnings\n");
    const Run missing = run("validate cohort " + emails + " --cohort-id TDCohort --format json");
    CHECK(missing.code == 1);
    const auto report = nlohmann::ordered_json::parse(missing.out);
    CHECK(report["kind"] == "cohort");
    CHECK(report["diagnostics"][0]["code"] == "no-identifier-column");
    std::vector<std::string> keys;
    for (const auto& [k, v] : report["diagnostics"][0].items()) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"severity", "code", "message", "hint", "row", "line", "column_name"});
    CHECK(run("validate cohort " + emails).code == 2);  // --cohort-id is required
}

TEST_CASE("cli: plan cohort writes JSON Lines requests to a directory or stdout") {
    const std::string users = kFixtures + "/cohort/braze-user-ids.csv";
    const fs::path out = scratch_dir() / "plan-out";
    const Run r =
        run("plan cohort " + users + " --cohort-id TDCohort --created-at 2025-11-24T09:30:00Z --out " + out.string());
    CHECK(r.code == 0);
    CHECK(r.out.find("4 user_ids") != std::string::npos);
    const std::string lines = slurp(out / "requests.jsonl");
    CHECK(lines ==
          "{\"method\":\"POST\",\"path\":\"/partners/treasuredata/"
          "cohorts\",\"body\":{\"partner_api_key\":\"<partner_api_key>\","
          "\"client_secret\":\"<client_secret>\",\"cohort_id\":\"TDCohort\",\"name\":\"TDCohort\",\"created_at\":"
          "\"2025-11-24T09:30:00Z\"}}\n"
          "{\"method\":\"POST\",\"path\":\"/partners/treasuredata/cohorts/"
          "users\",\"body\":{\"partner_api_key\":\"<partner_api_key>\","
          "\"client_secret\":\"<client_secret>\",\"cohort_id\":\"TDCohort\",\"cohort_changes\":[{\"user_ids\":["
          "\"TDCohort1\","
          "\"TDCohort2\",\"TDCohort3\",\"TDCohort4\"],\"should_remove\":false}]}}\n");
    const Run piped =
        run("plan cohort - --cohort-id TDCohort --created-at 2025-11-24T09:30:00Z --operation remove", slurp(users));
    CHECK(piped.code == 0);
    CHECK(piped.out.find("\"should_remove\":true") != std::string::npos);
    CHECK(piped.err.find("4 user_ids") != std::string::npos);  // the report goes to stderr when requests use stdout
}

TEST_CASE("cli: a full disk under the requests or a report ends in status 2 and the OS's reason, never a short file") {
    std::string table = "user_ids\n";
    for (int i = 0; i < 20000; ++i) table += "customer-" + std::to_string(i) + "\n";
    const fs::path input = write_file("full-disk-table.csv", table);
    const std::string plan = "plan cohort " + input.string() + " --cohort-id C --created-at 2025-11-24T09:30:00Z";
    // The whole plan is some 300 KB: on a disk of 64 KB it cannot fit.
    const Run whole = run(plan + " --out -");
    REQUIRE(whole.code == 0);
    REQUIRE(whole.out.size() > 200'000);
    tdbraze::test::SmallDisk disk(scratch_dir() / "full-disk", "size=64k");
    if (!disk.mounted) {
        WARN("not root or no mount: the full-disk test needs a small tmpfs");
        return;
    }
    // --out DIR: the partial file is removed, so that no half plan is left to be sent.
    const fs::path requests = disk.dir / "plan" / "requests.jsonl";
    const Run to_dir = run(plan + " --out " + (disk.dir / "plan").string());
    CHECK(to_dir.code == 2);
    CHECK(to_dir.err.find("tdbraze: cannot write '" + requests.string() + "': No space left on device; make room") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(requests));
    // --out - into a file on that disk: the shell made the file, so it stays, and the message says it is short.
    const auto shell = [&](const std::string& args, const fs::path& out) {
        const fs::path err = scratch_dir() / "full-disk-err.txt";
        const int status =
            std::system((std::string(TDBRAZE_CLI) + " " + args + " >" + out.string() + " 2>" + err.string()).c_str());
        return Run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, "", slurp(err)};
    };
    const Run to_stdout = shell(plan + " --out -", disk.dir / "requests.jsonl");
    CHECK(to_stdout.code == 2);
    CHECK(to_stdout.err.find("tdbraze: cannot write standard output: No space left on device; the requests are "
                             "incomplete") != std::string::npos);
    fs::remove(disk.dir / "requests.jsonl");
    // Any command's report: standard output is checked the same way. The disk is filled to its last 4 KB first.
    const std::string validate = "validate cohort " + input.string() + " --cohort-id C --format sarif";
    const Run report = run(validate);
    REQUIRE(report.code == 0);
    REQUIRE(report.out.size() > 8192);
    std::ofstream(disk.dir / "filler", std::ios::binary) << std::string(60 * 1024, 'x');
    const Run cut = shell(validate, disk.dir / "report.sarif");
    CHECK(cut.code == 2);
    CHECK(cut.err.find("tdbraze: cannot write standard output: No space left on device; the output is incomplete") !=
          std::string::npos);
    // A read-only disk under --out: refused before anything is read, naming the folder and the cause.
    disk.remount("ro");
    const fs::path folder = disk.dir / "plan-ro";
    const Run read_only = run(plan + " --out " + folder.string());
    CHECK(read_only.code == 2);
    CHECK(read_only.err == "tdbraze: cannot write '" + folder.string() + "': Read-only file system\n");
}

TEST_CASE("cli: validate and plan cohort give the same output with the duplicate check on disk or in memory") {
    // Repeats, the same text as user and device id, alias case drift, empty cells, a row with a control
    // character: every answer the duplicate check gives, in a table above nothing in particular.
    std::string table = "user_ids,device_ids,email\n";
    for (int i = 0; i < 6000; ++i)
        table += "u" + std::to_string(i % 4000) + "," +
                 (i % 3 == 0 ? "u" + std::to_string(i % 700) : "d" + std::to_string(i % 2500)) + "," +
                 (i % 9 == 0 ? "" : (i % 2 ? "A" : "a") + std::to_string(i / 2 % 60) + "@x.org") + "\n";
    table += "\"bad\u0001id\",d-x,\n";
    const fs::path input = write_file("dedupe.csv", table);
    const std::string common = input.string() + " --cohort-id D --alias-column email";
    const Run memory = run("validate cohort " + common + " --format json --dedupe memory");
    const Run disk = run("validate cohort " + common + " --format json --dedupe disk");
    CHECK(memory.code == 1);  // the control character
    CHECK(disk.code == memory.code);
    CHECK(disk.out == memory.out);
    CHECK(memory.out.find("user-and-device-same-value") != std::string::npos);
    CHECK(memory.out.find("alias-case-drift") != std::string::npos);
    const std::string clean_input = write_file("dedupe-clean.csv", table.substr(0, table.rfind("\"bad"))).string();
    const std::string clean = clean_input + " --cohort-id D --alias-column email --created-at 2025-11-24T09:30:00Z";
    // The plan, made in memory and from the duplicate check's own file: the same requests and report, and the
    // exit code expected.
    const auto plan_both_ways = [&](const std::string& args, int code) {
        INFO("plan cohort " << args);
        const Run in_memory = run("plan cohort " + args + " --dedupe memory");
        const Run on_disk = run("plan cohort " + args + " --dedupe disk");
        CHECK(in_memory.code == code);
        CHECK(on_disk.code == code);
        CHECK(on_disk.out == in_memory.out);
        CHECK(on_disk.err == in_memory.err);
        return in_memory;
    };
    const Run plan = plan_both_ways(clean, 0);
    CHECK(std::count(plan.out.begin(), plan.out.end(), '\n') > 5);
    // With a row in error the rest is still planned.
    const Run faulty = plan_both_ways(common + " --created-at 2025-11-24T09:30:00Z --format json", 1);
    CHECK(faulty.out.size() > plan.out.size() / 2);
    // The temporary file goes where TMPDIR says; when it cannot be made, the message says what to do.
    const Run no_tmp =
        run("validate cohort " + common + " --dedupe disk", "", "TMPDIR=" + (scratch_dir() / "no-such-dir").string());
    CHECK(no_tmp.code == 2);
    CHECK(no_tmp.err.find("TMPDIR") != std::string::npos);
    CHECK(no_tmp.err.find("No such file or directory") != std::string::npos);  // the system's reason
    // Too few file descriptors for the check's temporary files: the reason, and what to do.
#if defined(__SANITIZE_ADDRESS__)
    WARN("UndefinedBehaviorSanitizer checks memory through a pipe, which this limit of open files denies it");
#else
    const Run few_files = run("validate cohort " + common + " --dedupe disk", "", "ulimit -n 16;");
    CHECK(few_files.code == 2);
    CHECK(few_files.err.find("Too many open files (ulimit -n)") != std::string::npos);
    CHECK(few_files.err.find("--dedupe memory") != std::string::npos);
#endif
    CHECK(
        run("validate cohort " + common + " --format json --dedupe disk", "", "TMPDIR=" + scratch_dir().string()).out ==
        memory.out);
    // Standard input cannot be read twice.
    const Run piped = run("validate cohort - --cohort-id D --dedupe disk", table);
    CHECK(piped.code == 2);
    CHECK(piped.err.find("standard input") != std::string::npos);
}

TEST_CASE("cli: check sql") {
    const Run ok = run("check sql -", "SELECT external_id AS user_ids FROM example_cohort_table");
    CHECK(ok.code == 0);
    CHECK(ok.out == "-: output columns: user_ids (user_ids); 0 errors, 0 warnings\n");
    const Run bad = run("check sql --format json -", "SELECT external_id FROM t");
    CHECK(bad.code == 1);
    CHECK(nlohmann::json::parse(bad.out)["summary"]["columns"][0]["name"] == "external_id");
}

TEST_CASE("cli: --map on validate, plan and check sql, the same with the duplicate check on disk") {
    std::string mapped = "External_ID,Mail\n", named = "user_ids,email\n";
    for (int i = 0; i < 3000; ++i) {
        const std::string row =
            "u" + std::to_string(i % 1700) + "," + (i % 2 ? "A" : "a") + std::to_string(i % 90) + "@x.org\n";
        mapped += row;
        named += row;
    }
    const std::string maps = " --map External_ID=user_ids --map Mail=alias:email";
    const std::string common = " --cohort-id M --created-at 2025-11-24T09:30:00Z";
    const fs::path mapped_file = write_file("mapped.csv", mapped), named_file = write_file("named.csv", named);
    for (const std::string dedupe : {"memory", "disk"}) {
        INFO(dedupe);
        const Run plan = run("plan cohort " + mapped_file.string() + common + maps + " --out - --dedupe " + dedupe);
        const Run reference =
            run("plan cohort " + named_file.string() + common + " --alias-column email --out - --dedupe " + dedupe);
        CHECK(plan.code == 0);
        CHECK(plan.out == reference.out);  // the requests, byte for byte
        CHECK(plan.err.find("mapping: External_ID -> user_ids, Mail -> alias:email") != std::string::npos);
        const Run json = run("validate cohort " + mapped_file.string() + " --cohort-id M" + maps +
                             " --format json --dedupe " + dedupe);
        const auto report = nlohmann::json::parse(json.out);
        CHECK(report["mapping"][1] == nlohmann::json{{"column", "Mail"}, {"target", "alias:email"}});
        CHECK(report["summary"]["aliases"] == 90);
    }
    const Run bad = run("validate cohort " + mapped_file.string() + " --cohort-id M --map External_ID=userids");
    CHECK(bad.code == 2);
    CHECK(bad.err.rfind("tdbraze: --map: 'userids' is not an output", 0) == 0);
    CHECK(bad.err.find("did you mean user_ids?") != std::string::npos);
    const Run taken = run("validate cohort " + mapped_file.string() +
                          " --cohort-id M --map External_ID=user_ids --map Mail=user_ids");
    CHECK(taken.code == 1);
    CHECK(taken.out.find("error[map-target-taken]") != std::string::npos);
    const Run sql = run("check sql --map external_id=user_ids -", "SELECT External_ID FROM customers");
    CHECK(sql.code == 0);
    CHECK(sql.out == "-: output columns: external_id (user_ids); 0 errors, 0 warnings\n");
}

TEST_CASE("cli: help explains every diagnostic code with the manual's section") {
    const Run list = run("help");
    CHECK(list.code == 0);
    std::istringstream lines(list.out);
    std::string line;
    int codes = 0;
    while (std::getline(lines, line)) {
        const std::string code = line.substr(0, line.find(' '));
        const Run h = run("help " + code), raw = run("help " + code + " --markdown");
        INFO(code);
        CHECK(h.code == 0);
        CHECK(raw.out.find("**") != std::string::npos);  // the section's text, not only the title
        CHECK(h.out.find("**") == std::string::npos);  // rendered
        CHECK(h.out.size() + 40 > raw.out.size());  // all of it
        ++codes;
    }
    CHECK(codes > 60);
    CHECK(run("help no-such-code").code == 2);
    // The manual's fences carry tags for its checker (tools/doc_check.py); the help shows only the language.
    const Run member = run("help missing-member --markdown");
    CHECK(member.out.find("```json\n") != std::string::npos);
    CHECK(member.out.find("expect=") == std::string::npos);
}

TEST_CASE("cli: validate cohort --strict fails on warnings, as validate currents --strict does") {
    const fs::path near_miss = write_file("near-miss.csv", "user_ids,device_id\nu1,d1\n");
    const Run plain = run("validate cohort " + near_miss.string() + " --cohort-id c");
    CHECK(plain.out.find("near-miss-column") != std::string::npos);
    CHECK(plain.code == 0);  // a warning alone passes...
    const Run strict = run("validate cohort " + near_miss.string() + " --cohort-id c --strict");
    CHECK(strict.code == 1);  // ...unless warnings fail
    const fs::path clean = write_file("clean.csv", "user_ids\nu1\n");
    CHECK(run("validate cohort " + clean.string() + " --cohort-id c --strict").code == 0);
}

TEST_CASE("cli: sql currents prints the golden SQL, lists views as JSON, refuses what it cannot generate",
          "[sql-currents]") {
    Run r = run("sql currents --event-type users.messages.email.Open");
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK(r.out == slurp(kFixtures + "/sql/currents-trino-users_messages_email_open.sql"));
    r = run("sql currents --dialect sqlite --event-type users.messages.email.Open");
    CHECK(r.out == slurp(kFixtures + "/sql/currents-sqlite-users_messages_email_open.sql"));
    r = run("sql currents");
    CHECK(r.code == 0);
    CHECK(std::count(r.out.begin(), r.out.end(), ';') == 97);
    r =
        run("sql currents --dialect sqlite --materialize --source-table td.capture --event-type "
            "users.behaviors.Purchase --event-type users.messages.email.Click");
    CHECK(r.out.find("DROP TABLE IF EXISTS users_behaviors_purchase;\nCREATE TABLE users_behaviors_purchase AS\n") !=
          std::string::npos);
    CHECK(r.out.find("FROM td.capture AS c") != std::string::npos);
    r = run("sql currents --format json --materialize --event-type users.behaviors.Purchase");
    REQUIRE(r.code == 0);
    const auto staged = nlohmann::json::parse(r.out);
    CHECK(staged["staging"]["name"] == "currents_unnested");
    CHECK(staged["staging"]["drop"] == "DROP TABLE currents_unnested;\n");
    CHECK(staged["views"][0]["select"].get<std::string>().find("FROM currents_unnested\n") != std::string::npos);

    r = run("sql currents --format json --event-type users.behaviors.Purchase");
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["dialect"] == "trino");
    CHECK(j["source_table"] == "currents");
    CHECK(j["materialize"] == false);
    CHECK(!j.contains("staging"));
    REQUIRE(j["views"].size() == 1);
    CHECK(j["views"][0]["name"] == "users_behaviors_purchase");
    CHECK(j["views"][0]["event_type"] == "users.behaviors.Purchase");
    CHECK(j["views"][0]["sql"].get<std::string>().rfind("CREATE OR REPLACE VIEW users_behaviors_purchase AS\n", 0) ==
          0);
    const nlohmann::json price = {{"name", "properties_price"},
                                  {"sql_type", "DOUBLE"},
                                  {"json_path", "$.properties.price"},
                                  {"json_type", "number"}};
    const auto& columns = j["views"][0]["columns"];
    CHECK(std::find(columns.begin(), columns.end(), price) != columns.end());

    r = run("sql currents --event-type users.message.email.Open");
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "tdbraze: unknown event type \"users.message.email.Open\": did you mean \"users.messages.email.Open\"?\n");
    r = run("sql currents --source-table 'x;y'");
    CHECK(r.code == 2);
    CHECK(r.err.rfind("tdbraze: \"x;y\" is not a table name", 0) == 0);
    for (const std::string bad : {"sql currents --dialect hive", "sql currents --format csv", "sql"}) {
        INFO(bad);
        r = run(bad);
        CHECK(r.code == 2);
        CHECK(r.err.rfind("tdbraze: ", 0) == 0);
        CHECK(r.out.empty());
    }
}

namespace {

// Runs the CLI in `dir`, so that the inputs' paths given are relative ones.
Run run_in(const fs::path& dir, const std::string& args, const std::string& input = "") {
    return run(args, input, "cd '" + dir.string() + "' &&");
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// A directory of inputs whose names need escaping, as GitHub's file= and a SARIF URI do.
fs::path ci_inputs() {
    const fs::path dir = scratch_dir() / "ci inputs";
    fs::create_directories(dir);
    std::ifstream problems(kFixtures + "/currents/problems.json", std::ios::binary);
    std::ofstream(dir / "a:b, c%.json", std::ios::binary) << problems.rdbuf();
    std::ofstream(dir / "users, 1:2.csv", std::ios::binary) << "external_id,segment\nu1,a\n";
    std::ofstream(dir / "forgot:it.sql", std::ios::binary) << "SELECT external_id,\n email FROM t";
    return dir;
}

std::vector<std::string> sarif_uris(const nlohmann::json& log) {
    std::vector<std::string> uris;
    for (const auto& r : log["runs"][0]["results"]) {
        const std::string uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        if (uris.empty() || uris.back() != uri) uris.push_back(uri);
    }
    return uris;
}

}  // namespace

TEST_CASE("cli: validate currents --format sarif is one log for all inputs, in the order given") {
    const fs::path dir = ci_inputs();
    const std::string problems = slurp(kFixtures + "/currents/problems.json");
    const Run r =
        run_in(dir, "validate currents --format sarif --now 1764000000 'a:b, c%.json' " + kValid + " -", problems);
    CHECK(r.code == 1);
    CHECK(r.err.empty());
    REQUIRE(lines_of(r.out).size() == 1);
    const auto log = nlohmann::json::parse(r.out);
    CHECK(log["version"] == "2.1.0");
    REQUIRE(log["runs"].size() == 1);
    const auto& driver = log["runs"][0]["tool"]["driver"];
    CHECK(driver["name"] == "tdbraze");
    CHECK(driver["version"] == "0.1.0");
    CHECK(driver["rules"][0]["id"] == "json-syntax");
    CHECK(driver["rules"][0]["helpUri"].get<std::string>().ends_with("/docs/currents.md#json-syntax"));
    CHECK(sarif_uris(log) == std::vector<std::string>{"a%3Ab%2C%20c%25.json", "stdin"});
    const auto& results = log["runs"][0]["results"];
    CHECK(results[0]["ruleId"] == "unknown-envelope-member");
    CHECK(results[0]["locations"][0]["physicalLocation"]["region"] ==
          nlohmann::json{{"startLine", 1}, {"startColumn", 2}});
    const auto& ms = results[1];
    CHECK(ms["ruleId"] == "time-in-milliseconds");
    CHECK(ms["level"] == "warning");
    CHECK(ms["locations"][0]["physicalLocation"]["region"]["startLine"] == 2);
    CHECK(ms["properties"] == nlohmann::json{{"pointer", "/events/0/time"}});
    CHECK(ms["message"]["text"].get<std::string>().find("\nhint: ") != std::string::npos);
    // The same exit status as text: 0 without errors, 2 when an input cannot be read (the log has the rest).
    CHECK(run("validate currents --format sarif " + kValid).code == 0);
    const Run missing = run("validate currents --format sarif /nonexistent.json " + kValid);
    CHECK(missing.code == 2);
    CHECK(nlohmann::json::parse(missing.out)["runs"][0]["results"].empty());
}

TEST_CASE("cli: validate currents --format github annotates each finding, then a notice per input") {
    const fs::path dir = ci_inputs();
    const Run r = run_in(dir, "validate currents --format github --now 1764000000 'a:b, c%.json' " + kValid);
    CHECK(r.code == 1);
    const auto lines = lines_of(r.out);
    const auto text = run_in(dir, "validate currents --format json --now 1764000000 'a:b, c%.json'").out;
    const std::size_t findings = nlohmann::json::parse(text)["diagnostics"].size();
    REQUIRE(lines.size() == findings + 2);
    CHECK(lines[0].starts_with("::warning file=a%3Ab%2C c%25.json,line=1,col=2,title=unknown-envelope-member::"));
    CHECK(lines[1].starts_with("::warning file=a%3Ab%2C c%25.json,line=2,col="));
    CHECK(lines[1].find(",title=time-in-milliseconds::") != std::string::npos);
    CHECK(lines[1].find(" (at /events/0/time)%0Ahint: ") != std::string::npos);
    for (std::size_t i = 0; i < findings; ++i) CHECK(lines[i].find("file=a%3Ab%2C c%25.json,") != std::string::npos);
    CHECK(lines[findings].starts_with("::notice::tdbraze: a:b, c%25.json: "));
    CHECK(lines[findings + 1] == "::notice::tdbraze: " + kValid + ": 0 errors, 0 warnings, 0 notes");
    CHECK(run("validate currents --format github " + kValid).code == 0);
}

TEST_CASE("cli: validate cohort --format sarif and github") {
    const fs::path dir = ci_inputs();
    const Run s = run_in(dir, "validate cohort --cohort-id c --format sarif 'users, 1:2.csv'");
    CHECK(s.code == 1);
    const auto log = nlohmann::json::parse(s.out);
    CHECK(sarif_uris(log) == std::vector<std::string>{"users%2C%201%3A2.csv"});
    bool near_miss = false;
    for (const auto& result : log["runs"][0]["results"]) {
        if (result["ruleId"] != "near-miss-column") continue;
        near_miss = true;
        CHECK(result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1);
        CHECK(result["properties"]["field"] == "external_id");
    }
    CHECK(near_miss);
    CHECK(log["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"].get<std::string>().find("/docs/cohort.md#") !=
          std::string::npos);
    const Run g = run_in(dir, "validate cohort --cohort-id c --format github 'users, 1:2.csv'");
    CHECK(g.code == 1);
    const auto lines = lines_of(g.out);
    REQUIRE(lines.size() == log["runs"][0]["results"].size() + 1);
    CHECK(lines.back() == "::notice::tdbraze: users, 1:2.csv: 1 error, 1 warning, 1 note");
    // --strict keeps its rule in every format: a warning fails too.
    const std::string warned = write_file("warned.csv", "user_ids,device_id\nu1,d\n").string();
    CHECK(run("validate cohort --cohort-id c --format sarif " + warned).code == 0);
    CHECK(run("validate cohort --cohort-id c --format sarif --strict " + warned).code == 1);
}

TEST_CASE("cli: check sql --format sarif and github") {
    const fs::path dir = ci_inputs();
    const Run s = run_in(dir, "check sql --format sarif 'forgot:it.sql'");
    CHECK(s.code == 1);
    const auto log = nlohmann::json::parse(s.out);
    CHECK(sarif_uris(log) == std::vector<std::string>{"forgot%3Ait.sql"});
    const auto& near_miss = log["runs"][0]["results"][2];
    CHECK(near_miss["ruleId"] == "near-miss-column");
    CHECK(near_miss["locations"][0]["physicalLocation"]["region"] ==
          nlohmann::json{{"startLine", 1}, {"startColumn", 8}});
    CHECK(near_miss["properties"] == nlohmann::json{{"field", "external_id"}});
    const Run g = run_in(dir, "check sql --format github 'forgot:it.sql'");
    CHECK(g.code == 1);
    const auto lines = lines_of(g.out);
    REQUIRE(lines.size() == 4);
    CHECK(lines[2].starts_with(
        "::warning file=forgot%3Ait.sql,line=1,col=8,title=near-miss-column::output column \"external_id\""));
    CHECK(lines[3] == "::notice::tdbraze: forgot:it.sql: 1 error, 1 warning, 1 note");
    const Run ok = run("check sql --format github -", "SELECT x AS user_ids FROM t");
    CHECK(ok.code == 0);
    CHECK(ok.out == "::notice::tdbraze: standard input: 0 errors, 0 warnings, 0 notes\n");
}

TEST_CASE("cli: --format names are checked, and plan cohort keeps text and json") {
    const Run bad = run("validate currents --format xml " + kValid);
    CHECK(bad.code == 2);
    CHECK(bad.err.starts_with("tdbraze: "));
    CHECK(bad.err.find("'xml' is not a report format of this command: give one of text json sarif github") !=
          std::string::npos);
    const Run plan = run("plan cohort --cohort-id c --format sarif " + kFixtures + "/cohort/braze-user-ids.csv");
    CHECK(plan.code == 2);
    CHECK(plan.err.find("give one of text json\n") != std::string::npos);
}

TEST_CASE("cli: emulate says why it cannot listen, in the OS's words") {
    // A port this test holds, listening.
    const int held = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(held >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(held, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(::listen(held, 1) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(::getsockname(held, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    const std::string port = std::to_string(ntohs(address.sin_port));
    const Run in_use = run("emulate --port " + port);
    ::close(held);
    CHECK(in_use.code == 2);
    CHECK(in_use.err == "tdbraze: cannot listen on 127.0.0.1:" + port + ": Address already in use\n");
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): no interface of this machine has it.
    const Run foreign = run("emulate --port 0 --bind 192.0.2.1");
    CHECK(foreign.code == 2);
    CHECK(foreign.err.find(": Cannot assign requested address\n") != std::string::npos);
    if (::geteuid() == 0) {
        WARN("running as root: binding a privileged port is allowed, permission denied not tested");
        return;
    }
    const Run privileged = run("emulate --port 1");
    CHECK(privileged.code == 2);
    CHECK(privileged.err.find(": Permission denied\n") != std::string::npos);
}

TEST_CASE("cli: a missing, directory or unreadable input gives the OS's reason in every command") {
    const fs::path folder = scratch_dir() / "a-folder";
    fs::create_directories(folder);
    const fs::path locked = write_file("locked.csv", "user_ids\nu1\n");
    fs::permissions(locked, fs::perms::none);
    const bool root = ::geteuid() == 0;  // root reads a file whatever its mode
    const std::string sync_tail = " --endpoint https://rest.iad-01.braze.com --cohort-id c --dry-run";
    const std::vector<std::string> commands{"validate currents %",
                                            "validate cohort % --cohort-id c",
                                            "plan cohort % --cohort-id c --out -",
                                            "check sql %",
                                            "send currents % --url http://127.0.0.1:9/currents",
                                            "sync cohort %" + sync_tail};
    for (const std::string& command : commands) {
        const auto with = [&](const std::string& path) {
            std::string args = command;
            return args.replace(args.find('%'), 1, path);
        };
        const Run missing = run(with("/nonexistent/table.csv"));
        INFO(command << ": " << missing.err);
        CHECK(missing.code == 2);
        CHECK(missing.err.rfind("tdbraze: ", 0) == 0);
        CHECK(missing.err.find("No such file or directory") != std::string::npos);
        const Run directory = run(with(folder.string()));
        INFO(directory.err);
        CHECK(directory.code == 2);
        CHECK(directory.err.find("is a directory") != std::string::npos);
        if (root) continue;
        const Run unreadable = run(with(locked.string()));
        INFO(unreadable.err);
        CHECK(unreadable.code == 2);
        CHECK(unreadable.err.find("Permission denied") != std::string::npos);
    }
    if (root) WARN("running as root: a file of mode 000 is readable, so that case is not tested");

#if defined(__SANITIZE_ADDRESS__)
    WARN("UndefinedBehaviorSanitizer checks memory through a pipe, which this limit of open files denies it");
#else
    // Out of file descriptors when the input is opened: the reason says which limit. The descriptors taken
    // before that (the loader's, libcurl's) are not ours to count: the lowest limit the process starts under.
    const fs::path readable = write_file("readable.json", "{\"events\":[]}");
    bool limited = false;
    for (int descriptors = 3; descriptors <= 12 && !limited; ++descriptors) {
        // prlimit sets the limit on tdbraze alone, after the shell has opened its redirections.
        const Run few =
            run("validate currents " + readable.string(), "", "prlimit --nofile=" + std::to_string(descriptors));
        if (few.err.find("cannot open '" + readable.string() + "'") == std::string::npos) continue;
        limited = true;
        INFO(few.err);
        CHECK(few.code == 2);
        CHECK(few.err == "tdbraze: cannot open '" + readable.string() + "': Too many open files (ulimit -n)\n");
    }
    CHECK(limited);
#endif

    const Run no_root = run("web --port 0 --root /nonexistent/site");
    CHECK(no_root.code == 2);
    CHECK(no_root.err == "tdbraze: --root: cannot open '/nonexistent/site': No such file or directory\n");
    const Run file_root = run("web --port 0 --root " + locked.string());
    CHECK(file_root.code == 2);
    CHECK(file_root.err.find("is not a folder") != std::string::npos);
    const Run empty_root = run("web --port 0 --root " + folder.string());
    CHECK(empty_root.code == 2);
    CHECK(empty_root.err.find("no site in") != std::string::npos);
}

TEST_CASE("cli: validate currents --threads 2 prints what --threads 1 prints") {
    // About 12 MB of JSON Lines from the fixtures: batches, a bare event, a broken line, pretty-printed payloads.
    std::string text;
    const std::string batches = slurp(kFixtures + "/currents/batches.jsonl");
    const std::string pretty = slurp(kFixtures + "/currents/problems.json");
    const std::string td = slurp(kFixtures + "/currents/td-postback.json");
    const std::string line = nlohmann::json::parse(slurp(kValid)).dump() + "\n";
    for (int i = 0; text.size() < 12'000'000; ++i) {
        text += line;
        if (i % 5000 == 0) text += batches + pretty + "\n";
        if (i % 7000 == 0) text += nlohmann::json::parse(td).dump() + "\n";
    }
    const std::string path = write_file("threads.jsonl", text).string();
    for (const std::string options : {"--format json --max-diagnostics 50", "--receiver td-postback --strict"}) {
        INFO(options);
        const Run one = run("validate currents --now 1764000000 --threads 1 " + options + " " + path);
        const Run two = run("validate currents --now 1764000000 --threads 2 " + options + " " + path);
        CHECK(one.code == 1);
        CHECK(two.code == one.code);
        CHECK(two.out == one.out);
        CHECK(two.err == one.err);
    }
    CHECK(run("validate currents --threads 0 " + kValid).code == 2);
}

TEST_CASE("cli: validate currents shows its progress on a terminal, and only there") {
    // A terminal from script(1) (util-linux), and standard input that takes a second to arrive: long enough
    // for the progress line, which waits a moment before it draws.
    const std::string line = nlohmann::json::parse(slurp(kValid)).dump() + "\n";
    std::string text;
    while (text.size() < 2'000'000) text += line;
    const std::string path = write_file("progress.jsonl", text).string();
    const std::string feed = "(cat " + path + "; sleep 1; cat " + path + ")";
    const fs::path out = scratch_dir() / "terminal.txt";
    const std::string validate = std::string(TDBRAZE_CLI) + " validate currents --now 1764000000 -";
    const std::string command =
        "script -qec \"sh -c '" + feed + " | " + validate + "'\" /dev/null </dev/null >" + out.string() + " 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
    const std::string terminal = slurp(out);
    INFO(terminal);
    CHECK(terminal.find("checking standard input: ") != std::string::npos);
    CHECK(terminal.find(" MB") != std::string::npos);
    CHECK(terminal.find("-: ") != std::string::npos);  // the report follows the cleared line
    // Through a pipe, standard error stays empty.
    const Run piped = run("validate currents --now 1764000000 " + path);
    CHECK(piped.code == 0);
    CHECK(piped.err.empty());
}

TEST_CASE("cli: without libcurl, checking works and a command that sends says what to install") {
    // libcurl is loaded only by a command that sends. Hidden from the process (a mount namespace binds an empty
    // file over it, which needs root), validation still runs, a dry run too, and a sync or a send stops before
    // reading anything, with what to install.
    std::FILE* found = ::popen("realpath \"$(ldconfig -p | awk '/libcurl.so.4 /{print $NF; exit}')\"", "r");
    char path[4096] = {0};
    const bool have_path = found != nullptr && std::fgets(path, sizeof path, found) != nullptr;
    if (found != nullptr) ::pclose(found);
    std::string library = have_path ? std::string(path) : std::string();
    if (!library.empty() && library.back() == '\n') library.pop_back();
    if (::geteuid() != 0 || library.empty() || std::system("unshare --mount true 2>/dev/null") != 0) {
        WARN("needs root and unshare to hide libcurl from tdbraze: not tested here");
        return;
    }
    const std::string hide = "unshare --mount sh -c 'mount --bind /dev/null " + library + " && exec \"$0\" \"$@\"'";
    const Run checked = run("validate currents " + kValid, "", hide);
    CHECK(checked.code == 0);
    CHECK(checked.out.find("0 errors") != std::string::npos);

    const fs::path table = write_file("no-curl.csv", "user_ids\nu1\n");
    const fs::path state = scratch_dir() / "no-curl.db";
    const std::string secrets = "TDBRAZE_PARTNER_API_KEY=k TDBRAZE_CLIENT_SECRET=s ";
    const std::string sync_args =
        "sync cohort " + table.string() + " --endpoint http://127.0.0.1:9 --cohort-id c --state " + state.string();
    const Run sync = run(sync_args, "", secrets + hide);
    INFO(sync.err);
    CHECK(sync.code == 2);
    CHECK(sync.err.rfind("tdbraze: cannot load libcurl, which sending needs (", 0) == 0);
    CHECK(sync.err.find("install it (Debian: apt-get install libcurl4)\n") != std::string::npos);
    CHECK_FALSE(fs::exists(state));  // stopped before the state file was made
    const Run dry = run(sync_args + " --dry-run", "", secrets + hide);
    CHECK(dry.code == 0);
    const Run send = run("send currents " + kValid + " --url http://127.0.0.1:9/currents", "", hide);
    INFO(send.err);
    CHECK(send.code == 2);
    CHECK(send.err.rfind("tdbraze: cannot load libcurl", 0) == 0);
}
