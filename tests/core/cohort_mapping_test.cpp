// The output mapping (--map COLUMN=TARGET): parsed and printed in one place, a mapped column checked and
// planned as if it had its output's name, and each of the mapping's own errors.
#include <catch2/catch.hpp>

#include "cohort_support.hpp"
#include "tdbraze/diagnostic_codes.hpp"
#include "tdbraze/sql_check.hpp"

using namespace tdbraze;
using namespace tdbraze::cohort;
using test::cohort_codes;
using test::cohort_with_code;
using test::plan_table;
using test::settings;

namespace {

std::vector<Diagnostic> sql_with_code(const sql::Report& r, const std::string& code) {
    std::vector<Diagnostic> out;
    for (const auto& d : r.diagnostics)
        if (d.code == code) out.push_back(d);
    return out;
}

ColumnMapping mapping(std::string_view text) {
    MappingParse parsed = parse_column_mapping(text);
    REQUIRE(std::holds_alternative<ColumnMapping>(parsed));
    return std::get<ColumnMapping>(parsed);
}

std::string parse_error(std::string_view text) {
    const MappingParse parsed = parse_column_mapping(text);
    REQUIRE(std::holds_alternative<std::string>(parsed));
    return std::get<std::string>(parsed);
}

Settings mapped(std::vector<std::string> maps, std::vector<std::string> aliases = {}) {
    Settings s = settings(std::move(aliases));
    for (const std::string& m : maps) s.mapping.push_back(mapping(m));
    return s;
}

std::vector<std::string> bodies(const Plan& p) {
    std::vector<std::string> out;
    for (const auto& r : p.requests) out.push_back(r.path + " " + r.body);
    return out;
}

// A report's findings without the column names (a mapped column's findings name the table's column).
std::vector<std::string> findings(const Report& r) {
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics)
        out.push_back(d.code + "@" + std::to_string(d.row) + ":" + std::string(to_string(d.severity)));
    return out;
}

}  // namespace

TEST_CASE("mapping: COLUMN=TARGET is parsed and printed back in one form") {
    for (const std::string text : {"External_ID=user_ids", "dev=device_ids", "Mail=alias:email", "a=b=user_ids",
                                   "x=alias:k=v", "Customer Code=user_ids"}) {
        INFO(text);
        CHECK(to_string(mapping(text)) == text);
    }
    CHECK(mapping("External_ID=user_ids").target == Target::UserIds);
    CHECK(mapping("dev=device_ids").target == Target::DeviceIds);
    CHECK(mapping("Mail=alias:email") == ColumnMapping{"Mail", Target::Alias, "email"});
    CHECK(mapping("a=b=user_ids").column == "a=b");  // the first '=' that a target follows
    CHECK(mapping("x=alias:k=v").alias_label == "k=v");
}

TEST_CASE("mapping: text that is not a mapping gets a clear reason") {
    CHECK(parse_error("External_ID").find("COLUMN=TARGET") != std::string::npos);
    CHECK(parse_error("x=userids").find("did you mean user_ids?") != std::string::npos);
    CHECK(parse_error("x=alias").find("did you mean alias:LABEL?") != std::string::npos);
    CHECK(parse_error("x=alias:").find("alias label is empty") != std::string::npos);
    CHECK(parse_error("=user_ids").find("column name is empty") != std::string::npos);
    CHECK(parse_error("x=phone").find("give user_ids, device_ids or alias:LABEL") != std::string::npos);
}

TEST_CASE("mapping: a mapped column is planned exactly as the column of that name") {
    const std::string rows = "\nu1\nu2\n\nu1\n u3\n1.0E7\n";
    const Plan as_named = plan_table("user_ids" + rows);
    const Plan mapped_plan = plan_table("External_ID" + rows, mapped({"External_ID=user_ids"}));
    CHECK(bodies(mapped_plan) == bodies(as_named));
    CHECK(findings(mapped_plan.report) == findings(as_named.report));
    CHECK(mapped_plan.report.summary.user_ids == as_named.report.summary.user_ids);
    CHECK(mapped_plan.report.summary.duplicates == 1);
    CHECK(mapped_plan.report.summary.skipped == as_named.report.summary.skipped);
    for (const auto& d : mapped_plan.report.diagnostics) CHECK(d.column_name == "External_ID");

    const Plan devices = plan_table("dev,x\nd1,a\nd1,b\n", mapped({"dev=device_ids"}));
    CHECK(bodies(devices) == bodies(plan_table("device_ids,x\nd1,a\nd1,b\n")));

    // An alias is sent under the mapping's label, not the column's name.
    const Plan alias =
        plan_table("user_ids,Mail\nu1,ann@example.com\nu2,Ann@Example.com\n", mapped({"Mail=alias:email"}));
    const Plan alias_named =
        plan_table("user_ids,email\nu1,ann@example.com\nu2,Ann@Example.com\n", settings({"email"}));
    CHECK(bodies(alias) == bodies(alias_named));
    CHECK(findings(alias.report) == findings(alias_named.report));  // alias-case-drift under the label
    CHECK(cohort_with_code(alias.report, "alias-case-drift").size() == 1);
}

TEST_CASE("mapping: a mapped column's cells get every check of its output") {
    const Plan p = plan_table(std::string("External_ID\n\"u\x01\"\nu\xC3\n") + std::string(513, 'u') + "\n",
                              mapped({"External_ID=user_ids"}));
    CHECK(cohort_codes(p.report) == std::vector<std::string>{"control-character", "invalid-utf8", "long-identifier"});
    CHECK(cohort_with_code(p.report, "control-character")[0].column_name == "External_ID");
    const Plan both = plan_table("ext,dev\nx1,x1\n", mapped({"ext=user_ids", "dev=device_ids"}));
    CHECK(cohort_codes(both.report) == std::vector<std::string>{"user-and-device-id", "user-and-device-same-value"});
}

TEST_CASE("mapping: the report and its JSON carry the mapping") {
    const Plan p = plan_table("External_ID\nu1\n", mapped({"External_ID=user_ids"}));
    REQUIRE(p.report.mapping.size() == 1);
    CHECK(to_string(p.report.mapping[0]) == "External_ID=user_ids");
    const auto j = nlohmann::json::parse(to_json(p.report));
    CHECK(j["mapping"] == nlohmann::json::parse(R"([{"column":"External_ID","target":"user_ids"}])"));
    CHECK(nlohmann::json::parse(to_json(plan_table("user_ids\nu1\n").report))["mapping"] == nlohmann::json::array());
    CHECK(p.report.ok());
    CHECK(p.report.diagnostics.empty());  // no near miss: External_ID is sent
}

TEST_CASE("mapping: two columns sent as one output is map-target-taken") {
    SECTION("two mappings to user_ids, before any table is read") {
        const Plan p = plan_table("a,b\nu1,u2\n", mapped({"a=user_ids", "b=user_ids"}));
        const auto d = cohort_with_code(p.report, "map-target-taken");
        REQUIRE(d.size() >= 1);
        CHECK(d[0].severity == Severity::Error);
        CHECK(d[0].row == 0);
        CHECK(d[0].column_name == "b");
        CHECK(d[0].message == "the columns \"a\" and \"b\" are both sent as user_ids");
        CHECK(p.requests.empty());
    }
    SECTION("the same alias label twice, by a mapping and an alias column") {
        const Plan p = plan_table("email,Mail\na@x,b@x\n", mapped({"Mail=alias:email"}, {"email"}));
        CHECK(cohort_codes(p.report).at(0) == "map-target-taken");
        CHECK(p.requests.empty());
        const Plan labels = plan_table("m1,m2\na@x,b@x\n", mapped({"m1=alias:email", "m2=alias:email"}));
        CHECK(cohort_codes(labels.report).at(0) == "map-target-taken");
    }
    SECTION("a mapping onto a column the table has by that name: only the first is sent") {
        const Plan p = plan_table("user_ids,External_ID\nu1,e1\n", mapped({"External_ID=user_ids"}));
        const auto d = cohort_with_code(p.report, "map-target-taken");
        REQUIRE(d.size() == 1);
        CHECK(d[0].row == 0);
        CHECK(d[0].line == 1);
        CHECK(d[0].column_name == "External_ID");
        CHECK(p.report.summary.user_ids == 1);
        CHECK_FALSE(p.report.ok());
    }
    SECTION("different labels and different lists are fine") {
        const Plan p = plan_table("m1,m2,a\na@x,b@x,u1\n", mapped({"m1=alias:email", "m2=alias:phone", "a=user_ids"}));
        CHECK(p.report.ok());
        CHECK(p.report.summary.aliases == 2);
    }
}

TEST_CASE("mapping: a mapped column the table lacks is map-column-missing, with a did-you-mean") {
    const Plan p = plan_table("user_ids,External_Id\nu1,e1\n", mapped({"External_ID=device_ids"}));
    const auto d = cohort_with_code(p.report, "map-column-missing");
    REQUIRE(d.size() == 1);
    CHECK(d[0].severity == Severity::Error);
    CHECK(d[0].column_name == "External_ID");
    CHECK(d[0].hint == "did you mean \"External_Id\"? Names must match exactly: --map External_Id=device_ids");
    const Plan far = plan_table("user_ids\nu1\n", mapped({"zzz_code=device_ids"}));
    CHECK(cohort_with_code(far.report, "map-column-missing")[0].hint.find("did you mean") == std::string::npos);
}

TEST_CASE("mapping: a column sent by its name cannot be mapped to another output") {
    // Decided: user_ids sent as device_ids would make one table mean two things (Treasure Data goes by the
    // name); mapping a column to what its name already says is harmless and allowed.
    for (const auto& [table, map, aliases] :
         std::vector<std::tuple<std::string, std::string, std::vector<std::string>>>{
             {"user_ids\nu1\n", "user_ids=device_ids", {}},
             {"device_ids\nd1\n", "device_ids=alias:device", {}},
             {"user_ids,email\nu1,a@x\n", "email=user_ids", {"email"}},
             {"user_ids,email\nu1,a@x\n", "email=alias:mail", {"email"}},
         }) {
        INFO(map);
        const Plan p = plan_table(table, mapped({map}, aliases));
        const auto d = cohort_with_code(p.report, "map-contract-column");
        REQUIRE(d.size() == 1);
        CHECK(d[0].severity == Severity::Error);
        CHECK(d[0].row == 0);
        CHECK(p.requests.empty());
    }
    CHECK(plan_table("user_ids\nu1\n", mapped({"user_ids=user_ids"})).report.ok());
    CHECK(plan_table("email\na@x\n", mapped({"email=alias:email"}, {"email"})).report.ok());
}

TEST_CASE("mapping: a column mapped twice or with empty names is invalid-setting") {
    Settings s = mapped({"a=user_ids", "a=device_ids"});
    CHECK(cohort_codes(plan_table("a\nx\n", s).report).at(0) == "invalid-setting");
    s = settings();
    s.mapping.push_back({"", Target::UserIds, ""});
    s.mapping.push_back({"m", Target::Alias, ""});
    const Plan p = plan_table("m\nx\n", s);
    REQUIRE(p.report.diagnostics.size() >= 2);
    CHECK(p.report.diagnostics[0].code == "invalid-setting");
    CHECK(p.report.diagnostics[1].code == "invalid-setting");
    CHECK(p.report.diagnostics[1].message.find("alias label") != std::string::npos);
    CHECK(p.requests.empty());
}

TEST_CASE("mapping: the near miss names the --map that fixes it") {
    const Plan p = plan_table("External_ID\nu1\n");
    const auto d = cohort_with_code(p.report, "near-miss-column");
    REQUIRE(d.size() == 1);
    CHECK(d[0].hint ==
          "map it: --map External_ID=user_ids (or rename it in the query: SELECT \"External_ID\" AS user_ids)");
    CHECK(cohort_with_code(p.report, "no-identifier-column")[0].hint.find("--map External_ID=user_ids") !=
          std::string::npos);
    const Plan spaced = plan_table("\" device id \"\nd1\n");
    CHECK(cohort_with_code(spaced.report, "near-miss-column")[0].hint.find("--map ' device id =device_ids'") !=
          std::string::npos);
    // Mapped, the same table is fine; and another column mapped to user_ids leaves a near miss unreported.
    CHECK(plan_table("External_ID\nu1\n", mapped({"External_ID=user_ids"})).report.diagnostics.empty());
    CHECK(cohort_codes(plan_table("user_id,code\nu1,c1\n", mapped({"code=user_ids"})).report) ==
          std::vector<std::string>{"ignored-columns"});
}

TEST_CASE("mapping: a mapped alias column without values is alias-column-empty") {
    const Plan p = plan_table("user_ids,Mail\nu1,\n", mapped({"Mail=alias:email"}));
    const auto d = cohort_with_code(p.report, "alias-column-empty");
    REQUIRE(d.size() == 1);
    CHECK(d[0].column_name == "Mail");
}

TEST_CASE("mapping: the SQL check judges a mapped output column as its output") {
    Settings s = mapped({"external_id=user_ids"});
    const auto r = sql::check_select_for_export("SELECT External_ID FROM customers", s);
    REQUIRE(r.columns.size() == 1);
    CHECK(r.columns[0].sent_as == "user_ids");
    CHECK(r.diagnostics.empty());
    const auto unmapped = sql::check_select("SELECT External_ID FROM customers", {});
    REQUIRE(sql_with_code(unmapped, "near-miss-column").size() == 1);
    CHECK(sql_with_code(unmapped, "near-miss-column")[0].hint.find("--map external_id=user_ids") != std::string::npos);

    const auto missing = sql::check_select_for_export("SELECT external_ids FROM customers", s);
    REQUIRE(sql_with_code(missing, "map-column-missing").size() == 1);
    CHECK(sql_with_code(missing, "map-column-missing")[0].hint.find("did you mean \"external_ids\"") !=
          std::string::npos);

    const auto taken = sql::check_select_for_export("SELECT user_ids, external_id FROM customers", s);
    REQUIRE(sql_with_code(taken, "map-target-taken").size() == 1);
    CHECK(sql_with_code(taken, "map-target-taken")[0].column_name == "external_id");
    CHECK_FALSE(taken.ok());
    const auto contract = sql::check_select_for_export("SELECT user_ids FROM t", mapped({"user_ids=device_ids"}));
    CHECK(sql_with_code(contract, "map-contract-column").size() == 1);
}

TEST_CASE("mapping: its codes are registered as cohort errors") {
    for (const char* code : {"map-contract-column", "map-target-taken", "map-column-missing"}) {
        INFO(code);
        const DiagnosticCode* registered = find_diagnostic_code(code);
        REQUIRE(registered != nullptr);
        CHECK(registered->kind == "cohort");
        CHECK(registered->severity == Severity::Error);
    }
}
