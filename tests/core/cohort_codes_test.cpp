// One table per cohort diagnostic code: emitted where the contract says, with severity, row and column.
#include <catch2/catch.hpp>

#include <set>

#include "cohort_support.hpp"
#include "tdbraze/diagnostic_codes.hpp"

using namespace tdbraze;
using namespace tdbraze::cohort;
using test::cohort_codes;
using test::cohort_with_code;
using test::plan_table;
using test::settings;

namespace {

struct Case {
    std::string code;
    std::string table;
    std::vector<std::string> aliases;
    std::uint64_t row;
    std::string column;
    Severity severity;
};

std::vector<Case> cases() {
    return {
        {"empty-table", "", {}, 0, "", Severity::Error},
        {"no-identifier-column", "name,age\nann,3\n", {}, 0, "", Severity::Error},
        {"near-miss-column", "external_id\nu1\n", {}, 0, "external_id", Severity::Warning},
        {"duplicate-column", "user_ids,user_ids\nu1,u2\n", {}, 0, "user_ids", Severity::Error},
        {"alias-column-missing", "user_ids\nu1\n", {"email"}, 0, "email", Severity::Error},
        {"alias-column-empty", "user_ids,email\nu1,\n", {"email"}, 0, "email", Severity::Warning},
        {"ignored-columns", "user_ids,name\nu1,ann\n", {}, 0, "", Severity::Info},
        {"invalid-utf8", "user_ids\nu\xC3\n", {}, 1, "", Severity::Error},
        {"table-syntax", "user_ids\n\"u1\"x\n", {}, 1, "", Severity::Error},
        {"row-width", "user_ids,x\nu1\n", {}, 1, "", Severity::Error},
        {"semicolon-delimiter", "user_ids;x\nu1;a\n", {}, 0, "", Severity::Info},
        {"row-not-object", "[{\"user_ids\":\"u1\"},[\"u2\"]]", {}, 2, "", Severity::Error},
        {"empty-cell", "user_ids,device_ids\nu1,\\N\n", {}, 1, "device_ids", Severity::Info},
        {"whitespace", "user_ids\n\" u1\"\n", {}, 1, "user_ids", Severity::Warning},
        {"control-character", "user_ids\n\"u\x01\"\n", {}, 1, "user_ids", Severity::Error},
        {"nested-value", "{\"user_ids\":[\"u1\",\"u2\"]}\n", {}, 1, "user_ids", Severity::Error},
        {"long-identifier", "user_ids\n" + std::string(513, 'u') + "\n", {}, 1, "user_ids", Severity::Warning},
        {"float-formatted-id", "user_ids\n1.0E7\n", {}, 1, "user_ids", Severity::Warning},
        {"duplicate-identifier", "user_ids\nu1\nu1\n", {}, 2, "user_ids", Severity::Info},
        {"user-and-device-same-value", "user_ids,device_ids\nx1,x1\n", {}, 1, "device_ids", Severity::Warning},
        {"user-and-device-id", "user_ids,device_ids\nu1,d1\n", {}, 1, "user_ids", Severity::Warning},
        {"alias-case-drift", "email\nann@example.com\nAnn@Example.com\n", {"email"}, 2, "email", Severity::Warning},
        {"nothing-to-send", "user_ids\n\n", {}, 0, "", Severity::Info},
    };
}

}  // namespace

TEST_CASE("each cohort code is emitted for its table with severity row and column") {
    for (const Case& c : cases()) {
        INFO("code " << c.code);
        const Plan p = plan_table(c.table, settings(c.aliases));
        const auto found = cohort_with_code(p.report, c.code);
        REQUIRE(found.size() >= 1);
        CHECK(found[0].severity == c.severity);
        CHECK(found[0].row == c.row);
        CHECK(found[0].column_name == c.column);
        CHECK(!found[0].message.empty());
        CHECK(!found[0].hint.empty());
        const DiagnosticCode* registered = find_diagnostic_code(c.code);
        REQUIRE(registered != nullptr);
        CHECK(registered->severity == c.severity);
        CHECK(registered->kind == "cohort");
    }
}

TEST_CASE("an identifier with a lone surrogate escape is not sent, the same in an ignored column is no matter") {
    // Decoded, "u\ud83d" would become another identifier (with U+FFFD in it), so it is refused where it is.
    const Plan p = plan_table(
        "{\"user_ids\":\"u\\ud83d\",\"name\":\"a\"}\n"
        "{\"user_ids\":\"u2\",\"name\":\"cut \\ud83d\"}\n"
        "{\"user_ids\":\"u3 \\ud83d\\ude00\"}\n",
        settings());
    const auto found = cohort_with_code(p.report, "invalid-utf8");
    REQUIRE(found.size() == 1);
    CHECK(found[0].row == 1);
    CHECK(found[0].column_name == "user_ids");
    CHECK(found[0].message.find("u\\ud83d") != std::string::npos);
    CHECK(found[0].severity == Severity::Error);
    CHECK(p.report.summary.user_ids == 2);  // u2, and u3 with its whole emoji
}

TEST_CASE("settings are checked before anything is planned") {
    Settings s = settings();
    s.cohort_id = "";
    s.threads = 0;
    s.max_ids_per_request = 1001;
    s.alias_columns = {"user_ids"};
    const Plan p = plan_table("user_ids\nu1\n", s);
    CHECK(cohort_codes(p.report) ==
          std::vector<std::string>{"missing-cohort-id", "invalid-setting", "invalid-setting", "alias-column-reserved"});
    CHECK(p.requests.empty());
    CHECK_FALSE(p.report.ok());
}

TEST_CASE("every registered cohort code is covered") {
    std::set<std::string> covered{"missing-cohort-id", "invalid-setting", "alias-column-reserved", "trimmed",
                                  "row-too-large", "identifier-too-large",
                                  // in cohort_mapping_test
                                  "map-contract-column", "map-target-taken", "map-column-missing"};
    for (const Case& c : cases()) covered.insert(c.code);
    for (const DiagnosticCode& code : diagnostic_codes()) {
        if (code.kind != "cohort") continue;
        INFO(code.code);
        CHECK(covered.count(std::string(code.code)) == 1);
    }
}

TEST_CASE("near-miss names get the exact fix") {
    struct NearMiss {
        std::string header, intended, fix;
    };
    for (const NearMiss& n : std::vector<NearMiss>{
             {"user_id", "user_ids", "SELECT user_id AS user_ids"},
             {"external_id", "user_ids", "SELECT external_id AS user_ids"},
             {"USER_IDS", "user_ids", "SELECT \"USER_IDS\" AS user_ids"},
             {"deviceIds", "device_ids", "SELECT \"deviceIds\" AS device_ids"},
             {"\" user_ids \"", "user_ids", "SELECT \" user_ids \" AS user_ids"},
             {"\xEF\xBB\xBF\xEF\xBB\xBFuser_ids", "user_ids", "AS user_ids"},  // a second BOM stays in the name
         }) {
        INFO(n.header);
        const Plan p = plan_table(n.header + "\nx1\n");
        const auto d = cohort_with_code(p.report, "near-miss-column");
        REQUIRE(d.size() == 1);
        CHECK(d[0].message.find("is not \"" + n.intended + "\"") != std::string::npos);
        CHECK(d[0].hint.find(n.fix) != std::string::npos);
        CHECK(cohort_with_code(p.report, "no-identifier-column").size() == 1);
        CHECK(cohort_with_code(p.report, "no-identifier-column")[0].hint.find(" AS " + n.intended) !=
              std::string::npos);
    }
}

TEST_CASE("empty and NULL and blank cells are skipped and counted and never sent") {
    const Plan p = plan_table("user_ids\n\"\"\nNULL\n\\N\n\"  \"\nu1\n");
    CHECK(p.report.summary.skipped == 4);
    CHECK(p.report.summary.user_ids == 1);
    CHECK(cohort_with_code(p.report, "empty-cell")[0].message.find("4 empty cells") == 0);
}

TEST_CASE("trim removes outer whitespace before sending") {
    ReadOptions trim;
    trim.trim = true;
    const Plan p = plan_table("user_ids\n\" u1 \"\nu1\n", settings(), trim);
    CHECK(cohort_codes(p.report) == std::vector<std::string>{"trimmed", "duplicate-identifier"});
    const auto bodies = test::membership_bodies(p);
    REQUIRE(bodies.size() == 1);
    CHECK(bodies[0]["cohort_changes"][0]["user_ids"] == nlohmann::json::array({"u1"}));
    // Without --trim the value is sent as it is, with a warning.
    const Plan q = plan_table("user_ids\n\" u1 \"\n");
    CHECK(test::membership_bodies(q)[0]["cohort_changes"][0]["user_ids"][0] == " u1 ");
}

TEST_CASE("float-formatted ids are recognised and plain numbers are not") {
    for (const char* bad : {"123.0", "1.0E7", "1E+07", "-4.00", "9.87654321e8"}) {
        INFO(bad);
        CHECK(
            cohort_with_code(plan_table(std::string("user_ids\n") + bad + "\n").report, "float-formatted-id").size() ==
            1);
    }
    for (const char* fine : {"123", "0042", "1.5", "v1.0", "e5", "12-0"}) {
        INFO(fine);
        CHECK(
            cohort_with_code(plan_table(std::string("user_ids\n") + fine + "\n").report, "float-formatted-id").empty());
    }
    const Plan json = plan_table("{\"user_ids\": 10000000.0}\n{\"user_ids\": 42}\n");
    CHECK(cohort_with_code(json.report, "float-formatted-id").size() == 1);
    CHECK(json.report.summary.user_ids == 2);
}

TEST_CASE("an embedded newline in an identifier is an error and the cell is not sent") {
    const Plan p = plan_table("user_ids,x\n\"u\n1\",a\nu2,b\n");
    const auto d = cohort_with_code(p.report, "control-character");
    REQUIRE(d.size() == 1);
    CHECK(d[0].message.find("embedded line break") != std::string::npos);
    CHECK(d[0].row == 1);
    CHECK(d[0].line == 2);
    CHECK(p.report.summary.user_ids == 1);
}

TEST_CASE("a control character anywhere in a long identifier is found, and bytes near one are not") {
    const std::string value(37, 'a');
    for (const char bad : {'\x01', '\x1F', '\x7F', '\t'}) {
        for (std::size_t at = 1; at + 1 < value.size(); ++at) {  // inside: a tab at either end is whitespace
            std::string v = value;
            v[at] = bad;
            INFO(static_cast<int>(bad) << " at " << at);
            CHECK(cohort_with_code(plan_table("user_ids\n\"" + v + "\"\n").report, "control-character").size() == 1);
        }
    }
    for (const char fine : {' ', '~', '\x20', '!'}) {
        std::string v = value;
        v[20] = fine;
        CHECK(cohort_with_code(plan_table("user_ids\n\"" + v + "\"\n").report, "control-character").empty());
    }
    CHECK(
        cohort_with_code(plan_table("user_ids\n\"caf\xC3\xA9-\xE2\x80\x94-0123456789\"\n").report, "control-character")
            .empty());
}

TEST_CASE("diagnostics are sorted by row and bounded") {
    std::string table = "user_ids\n";
    for (int i = 0; i < 50; ++i) table += "\"bad\x02" + std::to_string(i) + "\"\n";
    ReadOptions few;
    few.max_diagnostics = 10;
    const Plan p = plan_table(table, settings(), few);
    CHECK(p.report.diagnostics.size() == 10);
    CHECK(p.report.summary.errors == 50);
    CHECK(p.report.diagnostics_omitted == 40);
    CHECK(p.report.diagnostics[0].severity == Severity::Error);  // errors are kept first when not all fit
    for (std::size_t i = 1; i < p.report.diagnostics.size(); ++i)
        CHECK(p.report.diagnostics[i - 1].row <= p.report.diagnostics[i].row);
}

TEST_CASE("fixes found while documenting: blank cells, tabs, JSON rows, created_at") {
    ReadOptions trim;
    trim.trim = true;
    // A cell of no-break spaces is blank, never an empty identifier.
    const Plan nbsp = plan_table("user_ids\n\xC2\xA0\nu1\n", settings(), trim);
    CHECK(nbsp.report.summary.skipped == 1);
    CHECK(test::membership_bodies(nbsp).at(0)["cohort_changes"][0]["user_ids"] == nlohmann::json::array({"u1"}));
    // No-break spaces around a value are trimmed at either end.
    const Plan around = plan_table("user_ids\n\xC2\xA0u2\xC2\xA0 \n", settings(), trim);
    CHECK(test::membership_bodies(around).at(0)["cohort_changes"][0]["user_ids"] == nlohmann::json::array({"u2"}));
    // A trailing tab is whitespace (fixed by --trim), not a control character.
    const Plan tab = plan_table("user_ids\n\"u1\t\"\n", settings(), trim);
    CHECK(cohort_codes(tab.report) == std::vector<std::string>{"trimmed"});
    // A cut-off JSON line does not swallow the next row.
    const Plan cut = plan_table("{\"user_ids\": \"a\"}\n{\"user_ids\": \"b\"\n{\"user_ids\": \"c\"}\n");
    CHECK(cut.report.summary.user_ids == 2);
    CHECK(cohort_codes(cut.report) == std::vector<std::string>{"table-syntax"});
    // A member twice in one JSON row is reported; the first value is used.
    const Plan twice = plan_table("{\"user_ids\":\"a\",\"user_ids\":\"b\"}\n");
    CHECK(cohort_codes(twice.report) == std::vector<std::string>{"duplicate-column"});
    CHECK(test::membership_bodies(twice).at(0)["cohort_changes"][0]["user_ids"] == nlohmann::json::array({"a"}));
    // Zero JSON rows is nothing to send, not an error; an unreadable header is one error, not two.
    CHECK(cohort_codes(plan_table("[]").report) == std::vector<std::string>{"nothing-to-send"});
    CHECK(cohort_codes(plan_table("user_\xFF\nu1\n").report) == std::vector<std::string>{"invalid-utf8"});
    // Twins among ignored columns are a warning; a sent column twice is an error.
    CHECK(cohort_with_code(plan_table("user_ids,,\nu1,,\n").report, "duplicate-column")[0].severity ==
          Severity::Warning);
    // created_at must be ISO-8601 in UTC.
    Settings s = settings();
    for (const char* bad :
         {"xxxx-xxxxxTxxxxxxxxx", "2025-11-24T09:30:00", "2025-13-01T00:00:00Z", "2025-11-24 09:30:00Z"}) {
        s.created_at = bad;
        INFO(bad);
        CHECK(cohort_codes(plan_table("user_ids\nu1\n", s).report) == std::vector<std::string>{"invalid-setting"});
    }
    s.created_at = "2025-11-24T09:30:00.123Z";
    CHECK(plan_table("user_ids\nu1\n", s).report.ok());
    // With bad settings nothing is planned, and nothing piles up.
    s.threads = 0;
    const Plan bad = plan_table("user_ids\nu1\nu2\n", s);
    CHECK(bad.requests.empty());
    CHECK(bad.report.summary.user_ids == 2);
}
