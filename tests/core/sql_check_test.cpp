// The SQL check: output column names of Treasure Data SELECTs and the mapping contract.
#include <catch2/catch.hpp>

#include "tdbraze/sql_check.hpp"

using namespace tdbraze;

namespace {

std::vector<std::string> names(const sql::Report& r) {
    std::vector<std::string> out;
    for (const auto& c : r.columns) out.push_back(c.name + ":" + c.sent_as);
    return out;
}

std::vector<std::string> codes(const sql::Report& r) {
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics) out.push_back(d.code);
    return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("the three queries of Braze's Treasure Data cohort page") {
    const auto users = sql::check_select("SELECT external_id AS user_ids FROM example_cohort_table", {});
    CHECK(names(users) == Strings{"user_ids:user_ids"});
    CHECK(users.diagnostics.empty());
    const auto devices = sql::check_select("SELECT device_ids FROM example_cohort_table", {});
    CHECK(names(devices) == Strings{"device_ids:device_ids"});
    CHECK(devices.ok());
    const auto aliases = sql::check_select("SELECT email FROM example_cohort_table", {"email"});
    CHECK(names(aliases) == Strings{"email:alias"});
    CHECK(aliases.diagnostics.empty());
}

TEST_CASE("aliases with and without AS, quoted names, qualified columns") {
    const auto r = sql::check_select(
        "select t.external_id user_ids, \"Email\" as \"email\", `device_ids`, count(*) AS N, x.y.device_id\n"
        "from db.t t join u on t.id = u.id",
        {"email"});
    CHECK(names(r) ==
          Strings{"user_ids:user_ids", "email:alias", "device_ids:device_ids", "n:ignored", "device_id:ignored"});
    CHECK(codes(r) == Strings{"ignored-columns"});  // device_id is no near miss: device_ids is there
    CHECK(r.diagnostics[0].message == "output columns not sent: n, device_id");
}

TEST_CASE("unquoted names are lower-cased as Presto does, quoted ones keep their case") {
    CHECK(names(sql::check_select("SELECT External_Id AS USER_IDS FROM t", {})) == Strings{"user_ids:user_ids"});
    const auto quoted = sql::check_select("SELECT external_id AS \"USER_IDS\" FROM t", {});
    CHECK(codes(quoted) == Strings{"no-identifier-column", "near-miss-column"});
}

TEST_CASE("star is followed into subqueries and WITH queries") {
    const auto sub = sql::check_select("SELECT * FROM (SELECT external_id AS user_ids FROM t WHERE a IN (1, 2)) s", {});
    CHECK(names(sub) == Strings{"user_ids:user_ids"});
    CHECK(sub.complete);
    const auto cte = sql::check_select(
        "-- comment\nWITH base AS (SELECT id AS device_ids, mail AS email FROM raw),\n"
        "     filtered AS (SELECT b.* FROM base b WHERE b.email IS NOT NULL)\n"
        "SELECT * FROM filtered /* all of it */",
        {"email"});
    CHECK(names(cte) == Strings{"device_ids:device_ids", "email:alias"});
    CHECK(cte.diagnostics.empty());
}

TEST_CASE("it says plainly when it cannot tell") {
    const auto star = sql::check_select("SELECT * FROM users", {});
    CHECK_FALSE(star.complete);
    CHECK(codes(star) == Strings{"sql-star-unresolved"});
    CHECK(star.ok());  // not an error: the result may well have user_ids
    for (const char* bad : {"DELETE FROM t", "SELECT a FROM (SELECT b", "SELECT 'open", "SELECT /* x"}) {
        INFO(bad);
        const auto r = sql::check_select(bad, {});
        CHECK(codes(r) == Strings{"sql-unreadable"});
        CHECK_FALSE(r.ok());
    }
}

TEST_CASE("unnamed expressions and duplicate names") {
    const auto r = sql::check_select("SELECT lower(email), user_ids, user_ids FROM t", {});
    CHECK(names(r) == Strings{"_col0:ignored", "user_ids:user_ids", "user_ids:ignored"});
    CHECK(codes(r) == Strings{"sql-unnamed-column", "duplicate-column"});
    CHECK(r.diagnostics[0].column == 8);
}

TEST_CASE("the alias column must be in the output") {
    const auto r = sql::check_select("SELECT external_id AS user_ids FROM t", {"email"});
    CHECK(codes(r) == Strings{"alias-column-missing"});
}

TEST_CASE("hostile queries: too long, not UTF-8, NUL, unclosed or too deeply nested") {
    auto message = [](const sql::Report& r) {
        return r.diagnostics.empty() ? std::string() : r.diagnostics[0].message;
    };
    const std::string long_name(sql::kMaxQueryBytes, 'a');
    const auto too_long = sql::check_select("SELECT " + long_name + " AS user_ids FROM t", {});
    CHECK(codes(too_long) == Strings{"sql-unreadable"});
    CHECK(message(too_long).find("1000000 characters") != std::string::npos);

    const auto not_utf8 = sql::check_select("SELECT x AS \"user\xff\" FROM t", {});
    CHECK(codes(not_utf8) == Strings{"sql-unreadable"});
    CHECK(not_utf8.diagnostics[0].column == 18);  // the 0xFF byte

    const auto nul = sql::check_select(std::string("SELECT x\0 AS user_ids FROM t", 28), {});
    CHECK(codes(nul) == Strings{"sql-unreadable"});
    CHECK(message(nul).find("NUL") != std::string::npos);

    const auto unclosed = sql::check_select("SELECT ((x AS user_ids", {});
    CHECK(codes(unclosed) == Strings{"sql-unreadable"});

    std::string deep = "SELECT * FROM ";
    for (int i = 0; i < 20'000; ++i) deep += "(SELECT * FROM ";  // 300 KB: within the length limit
    const auto nested = sql::check_select(deep + "t", {});
    CHECK(codes(nested) == Strings{"sql-unreadable"});
    CHECK(message(nested).find("nested deeper than") != std::string::npos);
}

TEST_CASE("a long list of WITH queries is read in about linear time") {
    // Each WITH query used to copy the names before it: 40,000 of them took 7 s. Not a timing test: the
    // answer must be right; a regression shows as a test that runs for a minute.
    std::string q = "WITH ";
    for (int i = 0; i < 20'000; ++i) q += "a" + std::to_string(i) + " AS (SELECT u AS user_ids FROM t), ";
    q += "b AS (SELECT * FROM a19999) SELECT * FROM b";
    REQUIRE(q.size() < sql::kMaxQueryBytes);
    const auto r = sql::check_select(q, {});
    CHECK(names(r) == Strings{"user_ids:user_ids"});
    CHECK(r.ok());
}
