// tdbraze sql currents --dialect sqlite, run for real: a Postback-shaped table of Currents batches covering
// every event type flattens into one view (or table) per type, each event in its view once, each field with
// the value and the SQLite type it was sent with.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "currents_samples.hpp"
#include "tdbraze/currents_sql.hpp"

using namespace tdbraze;
using namespace tdbraze::currents;

namespace {

struct CloseDb {
    void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

Db open_memory_db() {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
    return Db(db);
}

void exec(sqlite3* db, const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    const std::string text = message ? message : "";
    sqlite3_free(message);
    INFO(text);
    REQUIRE(rc == SQLITE_OK);
}

struct Statement {
    sqlite3_stmt* s = nullptr;
    Statement(sqlite3* db, const std::string& sql) {
        INFO(sql << ": " << sqlite3_errmsg(db));
        REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
    }
    ~Statement() { sqlite3_finalize(s); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
};

// Rows of the Postback table: `events` as Treasure Data stores it (the JSON array as text), or anything else.
struct Row {
    std::int64_t time;
    std::optional<std::string> events;
};

void load(sqlite3* db, const std::vector<Row>& rows) {
    exec(db, "CREATE TABLE currents (time INTEGER, events TEXT); BEGIN");
    Statement insert(db, "INSERT INTO currents (time, events) VALUES (?, ?)");
    for (const Row& r : rows) {
        sqlite3_bind_int64(insert.s, 1, r.time);
        if (r.events)
            sqlite3_bind_text(insert.s, 2, r.events->data(), static_cast<int>(r.events->size()), SQLITE_STATIC);
        else sqlite3_bind_null(insert.s, 2);
        REQUIRE(sqlite3_step(insert.s) == SQLITE_DONE);
        sqlite3_reset(insert.s);
    }
    exec(db, "COMMIT");
}

// A value of the field's type that differs from event to event, so that a value in the wrong row shows.
nlohmann::json varied_value(const FieldSpec& f, std::string_view section, int n) {
    nlohmann::json v = test::sample_value(f, section);
    switch (f.type) {
        case JsonType::String: return v.get<std::string>() + "-" + std::to_string(n);
        case JsonType::Integer: return 7 + n;
        case JsonType::Number: return 1.5 + n;
        case JsonType::Boolean: return n % 2 == 0;
        case JsonType::Object: return {{"k", "v"}, {"n", n}, {"nested", {{"list", {1, 2}}}}};
        case JsonType::StringArray: return {"a", "b-" + std::to_string(n)};
    }
    return v;
}

// Event n of the type: every field (a missing optional field is NULL in its column), or only the required and
// expected ones when n is odd.
nlohmann::json varied_event(const EventSpec& spec, int n) {
    nlohmann::json ev = test::sample_event(spec, false, "evt-" + std::to_string(n));
    ev["time"] = 1732456800 + n;
    for (const FieldSpec& f : common_user_fields()) ev["user"][std::string(f.name)] = varied_value(f, "user", n);
    for (const FieldSpec& f : spec.properties)
        if (n % 2 == 0 || f.presence != Presence::Optional)
            ev["properties"][std::string(f.name)] = varied_value(f, "properties", n);
    return ev;
}

std::string batch(const std::vector<nlohmann::json>& events) { return nlohmann::json(events).dump(); }

bool has_type(const nlohmann::json& v, JsonType type) {
    switch (type) {
        case JsonType::String: return v.is_string();
        case JsonType::Integer: return v.is_number_integer();
        case JsonType::Number: return v.is_number();
        case JsonType::Boolean: return v.is_boolean();
        case JsonType::Object: return v.is_object();
        case JsonType::StringArray: return v.is_array();
    }
    return false;
}

// The column's cell against the event as sent: the value, and the SQLite type (sqlite3_column_type is the
// storage class typeof() names). A field not sent, or sent with another JSON type, is NULL.
void check_cell(sqlite3_stmt* s, int i, const SqlColumn& c, const nlohmann::json& event) {
    std::string pointer = c.json_path.substr(1);
    std::replace(pointer.begin(), pointer.end(), '.', '/');
    const nlohmann::json::json_pointer p(pointer);
    const int type = sqlite3_column_type(s, i);
    INFO("column " << c.name);
    if (!event.contains(p) || !has_type(event.at(p), c.json_type)) {
        CHECK(type == SQLITE_NULL);
        return;
    }
    const nlohmann::json& v = event.at(p);
    const auto text = [&] { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, i))); };
    switch (c.json_type) {
        case JsonType::String:
            REQUIRE(type == SQLITE_TEXT);
            CHECK(text() == v.get<std::string>());
            break;
        case JsonType::Integer:
            REQUIRE(type == SQLITE_INTEGER);
            CHECK(sqlite3_column_int64(s, i) == v.get<std::int64_t>());
            break;
        case JsonType::Number:
            REQUIRE(type == SQLITE_FLOAT);
            CHECK(sqlite3_column_double(s, i) == v.get<double>());
            break;
        case JsonType::Boolean:
            REQUIRE(type == SQLITE_INTEGER);
            CHECK(sqlite3_column_int64(s, i) == (v.get<bool>() ? 1 : 0));
            break;
        case JsonType::Object:
        case JsonType::StringArray:
            REQUIRE(type == SQLITE_TEXT);
            CHECK(nlohmann::json::parse(text()) == v);
            break;
    }
}

}  // namespace

TEST_CASE("sql currents: SQLite flattens a capture of every event type, each event once, typed as sent",
          "[sql-currents][sqlite]") {
    // Three events of each type, spread over batches of at most 100 in catalogue order.
    std::map<std::string, nlohmann::json> sent;  // id -> event
    std::vector<nlohmann::json> events;
    int n = 0;
    for (const EventSpec& spec : event_catalogue())
        for (int k = 0; k < 3; ++k) {
            events.push_back(varied_event(spec, n++));
            sent[events.back()["id"].get<std::string>()] = events.back();
        }
    // A value of the wrong JSON type (validate currents reports it) is NULL, not an error.
    nlohmann::json mistyped = varied_event(*find_event("users.messages.webhook.Failure"), n++);
    mistyped["properties"]["http_status_code"] = "500";
    mistyped["time"] = "1732456800";
    events.push_back(mistyped);
    sent[mistyped["id"].get<std::string>()] = mistyped;

    std::vector<Row> rows;
    std::int64_t time = 1732460000;
    for (std::size_t i = 0; i < events.size(); i += 100)
        rows.push_back(
            {time++, batch({events.begin() + static_cast<std::ptrdiff_t>(i),
                            events.begin() + static_cast<std::ptrdiff_t>(std::min(i + 100, events.size()))})});
    // At least once: a batch re-sent later, and an event twice in one batch.
    rows.push_back({time++, batch({events[5], events[6], events[5]})});
    // Rows that hold no events, or not only events: none may break a view or add a row to one.
    rows.push_back({time++, R"({"events":[{"event_type":"users.messages.email.Open","id":"in-an-object"}]})"});
    rows.push_back({time++, R"({"0":{"event_type":"users.messages.email.Open","id":"object-member"}})"});
    rows.push_back({time++, "not JSON at all"});
    rows.push_back({time++, std::nullopt});
    rows.push_back({time++, "[]"});
    rows.push_back({time++, "\"a string\""});
    const nlohmann::json among_others = varied_event(*find_event("users.messages.email.Open"), n++);
    sent[among_others["id"].get<std::string>()] = among_others;
    rows.push_back({time++, "[1, \"text\", null, [], {}, " + among_others.dump() +
                                R"(, {"event_type":"no.such.Type","id":"unknown-type"}])"});

    for (const bool materialize : {false, true}) {
        INFO((materialize ? "tables" : "views"));
        const Db db = open_memory_db();
        load(db.get(), rows);
        CurrentsSqlOptions options;
        options.dialect = SqlDialect::Sqlite;
        options.materialize = materialize;
        auto result = currents_sql(options);
        REQUIRE(std::holds_alternative<CurrentsSql>(result));
        const CurrentsSql& sql = std::get<CurrentsSql>(result);
        exec(db.get(), sql.text());
        exec(db.get(), sql.text());  // running it again replaces what the first run made

        std::set<std::string> seen;
        for (const SqlView& v : sql.views) {
            INFO(v.name);
            std::string list;
            for (const SqlColumn& c : v.columns) list += (list.empty() ? "" : ", ") + c.name;
            Statement select(db.get(), "SELECT " + list + " FROM " + v.name);
            REQUIRE(sqlite3_column_count(select.s) == static_cast<int>(v.columns.size()));
            int rc;
            while ((rc = sqlite3_step(select.s)) == SQLITE_ROW) {
                REQUIRE(sqlite3_column_type(select.s, 0) == SQLITE_TEXT);
                const std::string id = reinterpret_cast<const char*>(sqlite3_column_text(select.s, 0));
                INFO("id " << id);
                CHECK(seen.insert(id).second);  // once in all the views
                const auto it = sent.find(id);
                REQUIRE(it != sent.end());
                CHECK(it->second["event_type"] == v.event_type);
                for (std::size_t i = 0; i < v.columns.size(); ++i)
                    check_cell(select.s, static_cast<int>(i), v.columns[i], it->second);
            }
            CHECK(rc == SQLITE_DONE);
        }
        CHECK(seen.size() == sent.size());  // every event in its view
    }
}

// Not in the default run (half a minute): prints how fast SQLite flattens 100,000 events, into all 97 tables
// at once and into the view of one type. Every view reads the whole table, so all 97 read it 97 times.
TEST_CASE("sql currents: SQLite flattening speed, 100,000 events", "[.][sql-currents-speed]") {
    std::vector<Row> rows;
    std::vector<nlohmann::json> batch_events;
    const auto catalogue = event_catalogue();
    constexpr int kEvents = 100'000;
    for (int n = 0; n < kEvents; ++n) {
        batch_events.push_back(varied_event(catalogue[static_cast<std::size_t>(n) % catalogue.size()], n));
        if (batch_events.size() == 100) {
            rows.push_back({n, batch(batch_events)});
            batch_events.clear();
        }
    }
    std::size_t bytes = 0;
    for (const Row& r : rows) bytes += r.events->size();
    for (const bool all_types : {true, false}) {
        const Db db = open_memory_db();  // a view cannot replace a table of the same name, nor a table a view
        load(db.get(), rows);
        CurrentsSqlOptions options;
        options.dialect = SqlDialect::Sqlite;
        options.materialize = all_types;
        if (!all_types) options.event_types = {"users.messages.email.Open"};
        const CurrentsSql sql = std::get<CurrentsSql>(currents_sql(options));
        const auto start = std::chrono::steady_clock::now();
        exec(db.get(), sql.text());
        std::int64_t total = 0;
        for (const SqlView& v : sql.views) {
            Statement count(db.get(), "SELECT count(*) FROM " + v.name);
            REQUIRE(sqlite3_step(count.s) == SQLITE_ROW);
            total += sqlite3_column_int64(count.s, 0);
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (all_types) CHECK(total == kEvents);
        else {
            const auto index = find_event("users.messages.email.Open") - catalogue.data();
            CHECK(total == kEvents / 97 + (kEvents % 97 > index ? 1 : 0));
        }
        std::cout << (all_types ? "all 97 types, CREATE TABLE AS: " : "one type's view, count(*): ") << kEvents
                  << " events (" << bytes / 1'000'000 << " MB of batches) read in " << seconds
                  << " s: " << static_cast<std::int64_t>(kEvents / seconds) << " events/s\n";
    }
}
