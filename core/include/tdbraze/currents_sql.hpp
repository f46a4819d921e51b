// The SQL that flattens Treasure Data's Postback table of Currents batches into one view per event type.
//
// Braze POSTs {"events":[...]} batches; each lands as one row (`time` bigint, `events` the JSON array as text).
// Each generated view unnests the batches, keeps the events of its type, gives every catalogue field a typed
// column and keeps each event `id` once (delivery is at least once). A row whose `events` is not a JSON array,
// and an element that is not an object, give no event instead of breaking the view.
//
// Tables (materialize) are made from a staging table instead: the batches are parsed and deduplicated once,
// into one row per event (its type and its JSON), and each type's table reads only its own rows. Unnesting per
// type would parse every batch once per type, 97 times for the whole catalogue.
//
// Naming (sql_name): lower case, every byte that is not an ASCII letter or digit becomes `_`. Views are named
// after their event type (users.messages.email.Open -> users_messages_email_open); columns after the field's
// place in the event: `id`, `event_type`, `time`, then user.X -> user_x and properties.X -> properties_x. The
// fixed prefixes keep user and property fields apart, and a field Braze adds later never renames another.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tdbraze/catalogue.hpp"

namespace tdbraze::currents {

// Trino (Presto) is what Treasure Data runs; SQLite runs the same flattening locally, on a capture.
// Hive is not generated: arrays of JSON objects need a UDF there.
enum class SqlDialect : std::uint8_t { Trino, Sqlite };

std::string_view to_string(SqlDialect dialect);  // "trino", "sqlite": the names the command line takes
std::optional<SqlDialect> sql_dialect_from_string(std::string_view name);

struct CurrentsSqlOptions {
    SqlDialect dialect = SqlDialect::Trino;
    std::string source_table = "currents";  // a name, or database.name
    std::vector<std::string> event_types;  // exact catalogue names; empty: all of them, in catalogue order
    bool materialize = false;  // tables (CREATE TABLE AS) instead of views
};

// The naming rule above, in the one place it is applied.
std::string sql_name(std::string_view name);

struct SqlColumn {
    std::string name;  // sql_name of the field's place in the event
    std::string_view sql_type;  // in the dialect: VARCHAR, BIGINT, DOUBLE, BOOLEAN / TEXT, INTEGER, REAL
    std::string json_path;  // the field in the event, as the dialect's JSON functions take it ($.properties.x)
    JsonType json_type;  // the catalogue's type of the field
};

struct SqlView {
    std::string name;  // sql_name(event_type)
    std::string_view event_type;
    std::vector<SqlColumn> columns;  // in the order the view gives them
    std::string select;  // the SELECT (WITH ...) that defines the view, without a final ';'
    std::string statements;  // what (re)creates the view or table from it, each statement ending in ";\n"
};

// The staging table tables are made from; it lives only while they are made.
struct SqlStaging {
    std::string name;  // <source table's name>_unnested, in the current database as the tables are
    std::string create;  // statements that (re)create it (and in SQLite index it by event type)
    std::string drop;  // the statement that drops it once the tables are made
};

struct CurrentsSql {
    SqlDialect dialect;
    bool materialize;
    std::string source_table;
    std::optional<SqlStaging> staging;  // with materialize only: every view's select reads it
    std::vector<SqlView> views;
    // A header comment, then the staging table's creation, every view's statements and the staging table's
    // drop, a blank line between them.
    std::string text() const;
};

struct CurrentsSqlError {
    std::string message;  // one sentence, with a did-you-mean for a misspelt event type
};

std::variant<CurrentsSql, CurrentsSqlError> currents_sql(const CurrentsSqlOptions& options);

}  // namespace tdbraze::currents
