// tdbraze sql currents in the core: the naming rule, the columns of every view, the errors, and the Trino text
// (golden files, and what the project's SQL check reads of it).
//
// The golden files are tests/fixtures/sql/currents-*.sql and currents-trino-views.txt. After a deliberate
// change to the SQL, refresh them with
//   TDBRAZE_REFRESH_GOLDEN=1 build/native/tests/tdbraze_tests "[sql-currents]"
// and read the diff before committing it.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "support.hpp"
#include "tdbraze/currents_sql.hpp"
#include "tdbraze/sql_check.hpp"

using namespace tdbraze;
using namespace tdbraze::currents;

namespace {

CurrentsSql generate(CurrentsSqlOptions options) {
    auto result = currents_sql(options);
    if (const auto* e = std::get_if<CurrentsSqlError>(&result)) FAIL(e->message);
    return std::get<CurrentsSql>(std::move(result));
}

std::string error_of(CurrentsSqlOptions options) {
    auto result = currents_sql(options);
    REQUIRE(std::holds_alternative<CurrentsSqlError>(result));
    return std::get<CurrentsSqlError>(result).message;
}

void check_golden(const std::string& relative, const std::string& actual) {
    if (std::getenv("TDBRAZE_REFRESH_GOLDEN") != nullptr) {
        std::ofstream(std::string(TDBRAZE_FIXTURES) + "/" + relative, std::ios::binary) << actual;
        WARN("refreshed " << relative);
        return;
    }
    INFO(relative << " (TDBRAZE_REFRESH_GOLDEN=1 rewrites it)");
    CHECK(test::read_fixture(relative) == actual);
}

bool is_lower_identifier(const std::string& name) {
    if (name.empty() || !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
    for (const char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

}  // namespace

TEST_CASE("sql currents: one naming rule for views and columns", "[sql-currents]") {
    CHECK(sql_name("users.messages.email.Open") == "users_messages_email_open");
    CHECK(sql_name("users.canvas.exit.PerformedEvent") == "users_canvas_exit_performedevent");
    CHECK(sql_name("properties.campaign_id") == "properties_campaign_id");
    CHECK(sql_name("user.user_id") == "user_user_id");
    CHECK(sql_name("A-b c\xC3\xA9") == "a_b_c__");  // every non-ASCII byte too

    const auto all = generate({});
    REQUIRE(all.views.size() == event_catalogue().size());
    std::set<std::string> view_names;
    for (const SqlView& v : all.views) {
        INFO(v.event_type);
        CHECK(v.name == sql_name(v.event_type));
        CHECK(view_names.insert(v.name).second);
        const EventSpec* spec = find_event(v.event_type);
        REQUIRE(spec != nullptr);
        REQUIRE(v.columns.size() >= 3 + spec->properties.size());
        CHECK(v.columns[0].name == "id");
        CHECK(v.columns[1].name == "event_type");
        CHECK(v.columns[2].name == "time");
        std::set<std::string> names;
        for (const SqlColumn& c : v.columns) {
            INFO(c.name);
            CHECK(names.insert(c.name).second);  // no two columns of a view share a name
            CHECK(is_lower_identifier(c.name));
        }
        // Every catalogue field has its column, named by the rule, with the JSON path to it.
        for (const FieldSpec& f : spec->properties)
            CHECK(names.count(sql_name("properties." + std::string(f.name))) == 1);
        for (const FieldSpec& f : common_user_fields())
            CHECK(names.count(sql_name("user." + std::string(f.name))) == 1);
        for (const FieldSpec& f : spec->user) CHECK(names.count(sql_name("user." + std::string(f.name))) == 1);
        CHECK(v.columns.size() == names.size());
    }
}

TEST_CASE("sql currents: column types and JSON paths per dialect", "[sql-currents]") {
    CurrentsSqlOptions o;
    o.event_types = {"users.behaviors.CustomEvent"};
    const auto trino = generate(o);
    o.dialect = SqlDialect::Sqlite;
    const auto sqlite = generate(o);
    REQUIRE(trino.views.size() == 1);
    REQUIRE(sqlite.views.size() == 1);
    const auto find = [](const SqlView& v, const std::string& name) -> const SqlColumn& {
        for (const SqlColumn& c : v.columns)
            if (c.name == name) return c;
        FAIL("no column " << name);
        return v.columns.front();
    };
    const SqlView& t = trino.views[0];
    const SqlView& s = sqlite.views[0];
    CHECK(find(t, "time").sql_type == "BIGINT");
    CHECK(find(s, "time").sql_type == "INTEGER");
    CHECK(find(t, "user_user_id").json_path == "$.user.user_id");
    CHECK(find(t, "user_user_id").sql_type == "VARCHAR");
    CHECK(find(s, "user_user_id").sql_type == "TEXT");
    CHECK(find(t, "properties_custom_properties").json_type == JsonType::Object);
    CHECK(find(t, "properties_custom_properties").sql_type == "VARCHAR");
    CHECK(find(s, "properties_custom_properties").sql_type == "TEXT");

    const std::map<JsonType, std::pair<std::string_view, std::string_view>> types = {
        {JsonType::String, {"VARCHAR", "TEXT"}}, {JsonType::Integer, {"BIGINT", "INTEGER"}},
        {JsonType::Number, {"DOUBLE", "REAL"}},  {JsonType::Boolean, {"BOOLEAN", "INTEGER"}},
        {JsonType::Object, {"VARCHAR", "TEXT"}}, {JsonType::StringArray, {"VARCHAR", "TEXT"}},
    };
    std::set<JsonType> seen;
    CurrentsSqlOptions sqlite_all;
    sqlite_all.dialect = SqlDialect::Sqlite;
    const auto all_trino = generate({});
    const auto all_sqlite = generate(sqlite_all);
    for (std::size_t i = 0; i < all_trino.views.size(); ++i)
        for (std::size_t k = 0; k < all_trino.views[i].columns.size(); ++k) {
            const SqlColumn& c = all_trino.views[i].columns[k];
            seen.insert(c.json_type);
            CHECK(c.sql_type == types.at(c.json_type).first);
            CHECK(all_sqlite.views[i].columns[k].sql_type == types.at(c.json_type).second);
            CHECK(all_sqlite.views[i].columns[k].json_path == c.json_path);  // plain names: the same path
        }
    CHECK(seen.size() == types.size());  // the catalogue uses every JSON type
}

TEST_CASE("sql currents: options, dialect names and errors", "[sql-currents]") {
    CHECK(to_string(SqlDialect::Trino) == "trino");
    CHECK(to_string(SqlDialect::Sqlite) == "sqlite");
    for (const SqlDialect d : {SqlDialect::Trino, SqlDialect::Sqlite})
        CHECK(sql_dialect_from_string(to_string(d)) == d);
    CHECK_FALSE(sql_dialect_from_string("hive"));
    CHECK_FALSE(sql_dialect_from_string("Trino"));

    CurrentsSqlOptions o;
    o.event_types = {"users.message.email.Open"};  // Treasure Data's documentation spells it so
    CHECK(error_of(o) ==
          "unknown event type \"users.message.email.Open\": did you mean \"users.messages.email.Open\"?");
    o.event_types = {"users.messages.email.Opn"};
    CHECK(error_of(o) ==
          "unknown event type \"users.messages.email.Opn\": did you mean \"users.messages.email.Open\"?");
    o.event_types = {"users.messages.email.Open", "nothing.like.it"};
    CHECK(error_of(o) == "unknown event type \"nothing.like.it\": not in tdbraze's catalogue of 97 types");

    // The order asked for, each type once.
    o.event_types = {"users.messages.sms.Delivery", "users.messages.email.Open", "users.messages.sms.Delivery"};
    const auto two = generate(o);
    REQUIRE(two.views.size() == 2);
    CHECK(two.views[0].name == "users_messages_sms_delivery");
    CHECK(two.views[1].name == "users_messages_email_open");

    for (const std::string bad : {"", "a b", "1table", "a.b.c", "x;DROP TABLE y", "a.", ".a", "t\"x"}) {
        INFO(bad);
        CurrentsSqlOptions b;
        b.source_table = bad;
        CHECK(error_of(b).find("is not a table name") != std::string::npos);
    }
    for (const std::string reserved : {"unnested", "Typed", "NUMBERED"}) {
        CurrentsSqlOptions b;
        b.source_table = reserved;
        CHECK(error_of(b) == "the source table cannot be called \"" + reserved +
                                 "\" alone: the views name a query of their own so; qualify it as database." +
                                 reserved);
        b.source_table = "db." + reserved;
        CHECK(std::holds_alternative<CurrentsSql>(currents_sql(b)));
    }
    CurrentsSqlOptions qualified;
    qualified.source_table = "td_db.braze_currents";
    qualified.event_types = {"users.messages.email.Open"};
    CHECK(generate(qualified).views[0].select.find("FROM td_db.braze_currents AS c") != std::string::npos);
}

TEST_CASE("sql currents: statements per dialect and mode", "[sql-currents]") {
    CurrentsSqlOptions o;
    o.event_types = {"users.messages.email.Open"};
    auto sql = generate(o);
    CHECK(sql.views[0].statements ==
          "CREATE OR REPLACE VIEW users_messages_email_open AS\n" + sql.views[0].select + ";\n");
    o.materialize = true;
    sql = generate(o);
    CHECK(sql.views[0].statements ==
          "DROP TABLE IF EXISTS users_messages_email_open;\nCREATE TABLE "
          "users_messages_email_open AS\n" +
              sql.views[0].select + ";\n");
    // Tables read a staging table that unnests the batches once, made first and dropped last.
    REQUIRE(sql.staging);
    CHECK(sql.staging->name == "currents_unnested");
    CHECK(sql.views[0].select.find("FROM currents_unnested\nWHERE event_type = 'users.messages.email.Open'") !=
          std::string::npos);
    CHECK(sql.views[0].select.find("UNNEST") == std::string::npos);
    CHECK(sql.staging->create.find("CREATE INDEX") == std::string::npos);  // Trino has none
    CHECK(sql.staging->drop == "DROP TABLE currents_unnested;\n");
    const std::string text = sql.text();
    const auto create = text.find("CREATE TABLE currents_unnested AS");
    const auto table = text.find("CREATE TABLE users_messages_email_open AS");
    const auto drop = text.find("DROP TABLE currents_unnested;");
    CHECK(create < table);
    CHECK(table < drop);
    CHECK(drop != std::string::npos);
    o.source_table = "td_db.capture";
    o.dialect = SqlDialect::Sqlite;
    sql = generate(o);
    REQUIRE(sql.staging);
    CHECK(sql.staging->name == "capture_unnested");  // next to the tables, in the current database
    CHECK(sql.staging->create.find("FROM td_db.capture AS c") != std::string::npos);
    CHECK(sql.staging->create.find("CREATE INDEX capture_unnested_event_type ON capture_unnested (event_type);") !=
          std::string::npos);
    o.source_table = "currents";
    o.materialize = false;
    sql = generate(o);
    CHECK(!sql.staging);
    CHECK(sql.views[0].statements ==
          "DROP VIEW IF EXISTS users_messages_email_open;\nCREATE VIEW users_messages_email_open AS\n" +
              sql.views[0].select + ";\n");
    CHECK(sql.text().rfind("-- tdbraze sql currents --dialect sqlite: 1 view over currents", 0) == 0);
}

TEST_CASE("sql currents: the Trino text matches the golden files", "[sql-currents]") {
    // Between them every JSON type: an email open (strings, booleans), a click (an array of strings), a
    // purchase (a number, a free-form object) and a webhook failure (integers).
    for (const std::string type : {"users.messages.email.Open", "users.messages.email.Click",
                                   "users.behaviors.Purchase", "users.messages.webhook.Failure"}) {
        CurrentsSqlOptions o;
        o.event_types = {type};
        check_golden("sql/currents-trino-" + sql_name(type) + ".sql", generate(o).text());
    }
    CurrentsSqlOptions sqlite;
    sqlite.dialect = SqlDialect::Sqlite;
    sqlite.event_types = {"users.messages.email.Open"};
    check_golden("sql/currents-sqlite-users_messages_email_open.sql", generate(sqlite).text());
    sqlite.materialize = true;
    check_golden("sql/currents-sqlite-materialize-users_messages_email_open.sql", generate(sqlite).text());

    // The whole output: its views, each with its columns and their types.
    std::string list;
    for (const SqlView& v : generate({}).views) {
        list += v.name + " " + std::string(v.event_type) + "\n";
        for (const SqlColumn& c : v.columns)
            list += "    " + c.name + " " + std::string(c.sql_type) + " " + c.json_path + "\n";
    }
    check_golden("sql/currents-trino-views.txt", list);
}

TEST_CASE("sql currents: the project's SQL check reads every Trino view's columns", "[sql-currents]") {
    for (const bool materialize : {false, true}) {
        CurrentsSqlOptions o;
        o.materialize = materialize;
        for (const SqlView& v : generate(o).views) {
            INFO(v.name);
            const sql::Report r = sql::check_select(v.select, {}, v.name);
            CHECK(r.complete);
            std::vector<std::string> read, generated;
            for (const sql::OutputColumn& c : r.columns) read.push_back(c.name);
            for (const SqlColumn& c : v.columns) generated.push_back(c.name);
            CHECK(read == generated);
            // A view is not a cohort export: the only finding is that it sends no identifier to Braze.
            std::vector<std::string> codes;
            for (const Diagnostic& d : r.diagnostics)
                if (d.code != "ignored-columns") codes.push_back(d.code);
            CHECK(codes == std::vector<std::string>{"no-identifier-column"});
        }
    }
}
