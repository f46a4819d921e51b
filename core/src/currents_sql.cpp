#include "tdbraze/currents_sql.hpp"

#include <algorithm>

#include "suggest.hpp"
#include "tdbraze/text.hpp"

namespace tdbraze::currents {
namespace {

// The names of the WITH queries inside every view: a source table of the same name would be shadowed by them
// (and in SQLite would make the query recursive).
constexpr std::string_view kUnnested = "unnested";
constexpr std::string_view kTyped = "typed";
constexpr std::string_view kNumbered = "numbered";

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A name both dialects take unquoted, and a JSON path takes after a dot.
bool is_plain_identifier(std::string_view name) {
    if (name.empty() || !(is_letter(name[0]) || name[0] == '_')) return false;
    return std::all_of(name.begin(), name.end(), [](char c) { return is_letter(c) || is_digit(c) || c == '_'; });
}

bool is_table_name(std::string_view name) {
    const std::size_t dot = name.find('.');
    if (dot == std::string_view::npos) return is_plain_identifier(name);
    return is_plain_identifier(name.substr(0, dot)) && is_plain_identifier(name.substr(dot + 1));
}

// One step of a JSON path: `.name`, or the quoted form a field with other characters needs.
std::string path_step(SqlDialect dialect, std::string_view name) {
    if (is_plain_identifier(name)) return "." + std::string(name);
    std::string escaped;
    for (const char c : name) {
        if (c == '"' || c == '\\') escaped += '\\';
        escaped += c;
    }
    return dialect == SqlDialect::Trino ? "[\"" + escaped + "\"]" : ".\"" + escaped + "\"";
}

std::string sql_string(std::string_view text) {
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

std::string_view sql_type(SqlDialect dialect, JsonType type) {
    const bool trino = dialect == SqlDialect::Trino;
    switch (type) {
        case JsonType::String: return trino ? "VARCHAR" : "TEXT";
        case JsonType::Integer: return trino ? "BIGINT" : "INTEGER";
        case JsonType::Number: return trino ? "DOUBLE" : "REAL";
        case JsonType::Boolean: return trino ? "BOOLEAN" : "INTEGER";
        case JsonType::Object:
        case JsonType::StringArray: return trino ? "VARCHAR" : "TEXT";
    }
    return "";
}

// The column's value from the event. A value of another JSON type than the catalogue's becomes NULL rather than
// failing the query: in SQLite exactly (json_type), in Trino as far as TRY_CAST tells (a number in a string
// field keeps its text there).
std::string value_expression(SqlDialect dialect, const SqlColumn& c) {
    const std::string path = sql_string(c.json_path);
    if (dialect == SqlDialect::Trino) {
        const std::string scalar = "json_extract_scalar(event, " + path + ")";
        switch (c.json_type) {
            case JsonType::String: return scalar;
            case JsonType::Integer:
            case JsonType::Number:
            case JsonType::Boolean: return "TRY_CAST(" + scalar + " AS " + std::string(c.sql_type) + ")";
            case JsonType::Object:
            case JsonType::StringArray: return "json_format(json_extract(event, " + path + "))";
        }
        return scalar;
    }
    const std::string type = "json_type(event, " + path + ")";
    const std::string value = "json_extract(event, " + path + ")";
    switch (c.json_type) {
        case JsonType::String: return "CASE WHEN " + type + " = 'text' THEN " + value + " END";
        case JsonType::Integer: return "CASE WHEN " + type + " = 'integer' THEN " + value + " END";
        // JSON does not tell 2 from 2.0: a whole number in a number field is still a REAL.
        case JsonType::Number:
            return "CASE WHEN " + type + " IN ('integer', 'real') THEN CAST(" + value + " AS REAL) END";
        case JsonType::Boolean: return "CASE WHEN " + type + " IN ('true', 'false') THEN " + value + " END";
        case JsonType::Object: return "CASE WHEN " + type + " = 'object' THEN " + value + " END";
        case JsonType::StringArray: return "CASE WHEN " + type + " = 'array' THEN " + value + " END";
    }
    return value;
}

SqlColumn column(SqlDialect dialect, std::string_view section, const FieldSpec& field) {
    SqlColumn c;
    c.name = sql_name(section.empty() ? std::string(field.name) : std::string(section) + "." + std::string(field.name));
    c.sql_type = sql_type(dialect, field.type);
    c.json_path = "$";
    if (!section.empty()) c.json_path += "." + std::string(section);
    c.json_path += path_step(dialect, field.name);
    c.json_type = field.type;
    return c;
}

constexpr FieldSpec kEnvelope[] = {
    {"id", JsonType::String, Presence::Required},
    {"event_type", JsonType::String, Presence::Required},
    {"time", JsonType::Integer, Presence::Required},
};

std::vector<SqlColumn> columns_of(SqlDialect dialect, const EventSpec& spec) {
    std::vector<SqlColumn> out;
    for (const FieldSpec& f : kEnvelope) out.push_back(column(dialect, "", f));
    // Every event may carry the common user fields, whether or not its catalogue entry lists them; both lists
    // are sorted by name, so are the columns.
    std::vector<FieldSpec> user(spec.user.begin(), spec.user.end());
    for (const FieldSpec& f : common_user_fields())
        if (find_field(spec.user, f.name) == nullptr) user.push_back(f);
    std::sort(user.begin(), user.end(), [](const FieldSpec& a, const FieldSpec& b) { return a.name < b.name; });
    for (const FieldSpec& f : user) out.push_back(column(dialect, "user", f));
    for (const FieldSpec& f : spec.properties) out.push_back(column(dialect, "properties", f));
    return out;
}

// The WITH query that turns the source table's rows into one row per element of their `events` array:
// `batch_time`, and `event`, the element if it is an object, otherwise NULL.
std::string unnested_query(SqlDialect dialect, const std::string& source_table) {
    std::string q = "WITH " + std::string(kUnnested) + " AS (\n";
    if (dialect == SqlDialect::Trino) {
        q += "    SELECT c.time AS batch_time, u.event\n";
        q += "    FROM " + source_table + " AS c\n";
        q += "    -- a row whose events is not a JSON array gives no event instead of failing the query\n";
        q += "    CROSS JOIN UNNEST(TRY_CAST(TRY(json_parse(c.events)) AS ARRAY(JSON))) AS u (event)\n";
    } else {
        q += "    SELECT c.time AS batch_time, CASE WHEN e.type = 'object' THEN e.value END AS event\n";
        q += "    -- a row whose events is not a JSON array gives no event instead of failing the query\n";
        q += "    FROM " + source_table +
             " AS c, json_each(CASE WHEN NOT json_valid(c.events) THEN '[]' "
             "WHEN json_type(c.events) = 'array' THEN c.events ELSE '[]' END) AS e\n";
    }
    return q + ")";
}

std::string json_text(SqlDialect dialect, std::string_view path) {
    const std::string p = sql_string(path);
    return dialect == SqlDialect::Trino ? "json_extract_scalar(event, " + p + ")" : "json_extract(event, " + p + ")";
}

constexpr std::string_view kKeepFirstCopy = "-- Currents delivers at least once: the first copy of each id is kept\n";

std::string typed_columns(SqlDialect dialect, const std::vector<SqlColumn>& columns, std::string_view indent) {
    std::string q;
    for (std::size_t i = 0; i < columns.size(); ++i)
        q += std::string(indent) + value_expression(dialect, columns[i]) + " AS " + columns[i].name +
             (i + 1 < columns.size() ? ",\n" : "\n");
    return q;
}

// A view's SELECT: unnests the source table itself.
std::string view_select(SqlDialect dialect, const std::string& source_table, const EventSpec& spec,
                        const std::vector<SqlColumn>& columns) {
    std::string q = unnested_query(dialect, source_table) + ",\n" + std::string(kTyped) + " AS (\n    SELECT\n";
    for (const SqlColumn& c : columns) q += "        " + value_expression(dialect, c) + " AS " + c.name + ",\n";
    q += "        " + std::string(kKeepFirstCopy);
    q += "        ROW_NUMBER() OVER (PARTITION BY " + json_text(dialect, "$.id") +
         " ORDER BY batch_time) AS copy_number\n";
    q += "    FROM " + std::string(kUnnested) + "\n";
    q += "    WHERE " + json_text(dialect, "$.event_type") + " = " + sql_string(spec.name) + "\n";
    q += ")\nSELECT\n";
    for (std::size_t i = 0; i < columns.size(); ++i)
        q += "    " + columns[i].name + (i + 1 < columns.size() ? ",\n" : "\n");
    q += "FROM " + std::string(kTyped) + "\n";
    q += "WHERE copy_number = 1 OR id IS NULL";
    return q;
}

// A table's SELECT: reads its type's rows of the staging table, already unnested and deduplicated.
std::string staged_select(SqlDialect dialect, const std::string& staging, const EventSpec& spec,
                          const std::vector<SqlColumn>& columns) {
    return "SELECT\n" + typed_columns(dialect, columns, "    ") + "FROM " + staging +
           "\nWHERE event_type = " + sql_string(spec.name);
}

SqlStaging staging_of(SqlDialect dialect, const std::string& source_table) {
    const bool trino = dialect == SqlDialect::Trino;
    SqlStaging s;
    s.name = source_table.substr(source_table.find('.') + 1) + "_unnested";
    std::string q = "-- every event once, with its type: the tables below are made from it, then it is dropped\n";
    q += "DROP TABLE IF EXISTS " + s.name + ";\nCREATE TABLE " + s.name + " AS\n";
    q += unnested_query(dialect, source_table) + ",\n" + std::string(kNumbered) + " AS (\n    SELECT\n";
    q += "        " + json_text(dialect, "$.event_type") + " AS event_type,\n";
    // Trino cannot store its JSON type in a table; the text is parsed again by each type's table.
    q += std::string("        ") + (trino ? "json_format(event) AS event" : "event") + ",\n";
    q += "        " + json_text(dialect, "$.id") + " AS event_id,\n";
    q += "        " + std::string(kKeepFirstCopy);
    q += "        ROW_NUMBER() OVER (PARTITION BY " + json_text(dialect, "$.event_type") + ", " +
         json_text(dialect, "$.id") + " ORDER BY batch_time) AS copy_number\n";
    q += "    FROM " + std::string(kUnnested) + "\n    WHERE event IS NOT NULL\n)\n";
    q += "SELECT event_type, event\nFROM " + std::string(kNumbered) + "\nWHERE copy_number = 1 OR event_id IS NULL;\n";
    // Trino has no indexes; SQLite without one would scan the whole table once per type.
    if (!trino) q += "CREATE INDEX " + s.name + "_event_type ON " + s.name + " (event_type);\n";
    s.create = std::move(q);
    s.drop = "DROP TABLE " + s.name + ";\n";
    return s;
}

std::string statements_of(SqlDialect dialect, bool materialize, const std::string& name, const std::string& select) {
    if (materialize) return "DROP TABLE IF EXISTS " + name + ";\nCREATE TABLE " + name + " AS\n" + select + ";\n";
    if (dialect == SqlDialect::Trino) return "CREATE OR REPLACE VIEW " + name + " AS\n" + select + ";\n";
    return "DROP VIEW IF EXISTS " + name + ";\nCREATE VIEW " + name + " AS\n" + select + ";\n";
}

std::string unknown_type_message(std::string_view name) {
    std::string suggestion;
    // Treasure Data's own example spells the channel prefix in the singular.
    if (name.substr(0, 14) == "users.message." && find_event("users.messages." + std::string(name.substr(14))))
        suggestion = "users.messages." + std::string(name.substr(14));
    else suggestion = closest_name(name, event_catalogue(), [](const EventSpec& e) { return e.name; });
    const std::string head = "unknown event type \"" + std::string(name) + "\"";
    if (!suggestion.empty()) return head + ": did you mean \"" + suggestion + "\"?";
    return head + ": not in tdbraze's catalogue of " + std::to_string(event_catalogue().size()) + " types";
}

}  // namespace

std::string_view to_string(SqlDialect dialect) {
    switch (dialect) {
        case SqlDialect::Trino: return "trino";
        case SqlDialect::Sqlite: return "sqlite";
    }
    return "trino";
}

std::optional<SqlDialect> sql_dialect_from_string(std::string_view name) {
    for (const SqlDialect d : {SqlDialect::Trino, SqlDialect::Sqlite})
        if (to_string(d) == name) return d;
    return std::nullopt;
}

std::string sql_name(std::string_view name) {
    std::string out = ascii_lower(name);
    for (char& c : out)
        if (!is_letter(c) && !is_digit(c)) c = '_';
    return out;
}

std::string CurrentsSql::text() const {
    std::string out = "-- tdbraze sql currents --dialect " + std::string(to_string(dialect)) + ": " +
                      std::to_string(views.size()) + (materialize ? " table" : " view") +
                      (views.size() == 1 ? "" : "s") + " over " + source_table +
                      ", one per Currents event type (naming and types: docs/currents.md)\n";
    if (staging) out += "\n" + staging->create;
    for (const SqlView& v : views) out += "\n" + v.statements;
    if (staging) out += "\n" + staging->drop;
    return out;
}

std::variant<CurrentsSql, CurrentsSqlError> currents_sql(const CurrentsSqlOptions& options) {
    if (!is_table_name(options.source_table))
        return CurrentsSqlError{"\"" + options.source_table +
                                "\" is not a table name: give letters, digits and _ (not starting with a digit), "
                                "or database.table"};
    // A qualified name (database.table) is never taken for a WITH query.
    if (const std::string lower = ascii_lower(options.source_table);
        lower == kUnnested || lower == kTyped || lower == kNumbered)
        return CurrentsSqlError{"the source table cannot be called \"" + options.source_table +
                                "\" alone: the views name a query of their own so; qualify it as database." +
                                options.source_table};
    std::vector<const EventSpec*> specs;
    if (options.event_types.empty()) {
        for (const EventSpec& e : event_catalogue()) specs.push_back(&e);
    }
    for (const std::string& name : options.event_types) {
        const EventSpec* spec = find_event(name);
        if (spec == nullptr) return CurrentsSqlError{unknown_type_message(name)};
        if (std::find(specs.begin(), specs.end(), spec) == specs.end()) specs.push_back(spec);
    }
    CurrentsSql out{options.dialect, options.materialize, options.source_table, std::nullopt, {}};
    if (options.materialize) out.staging = staging_of(options.dialect, options.source_table);
    for (const EventSpec* spec : specs) {
        SqlView v;
        v.name = sql_name(spec->name);
        v.event_type = spec->name;
        v.columns = columns_of(options.dialect, *spec);
        v.select = out.staging ? staged_select(options.dialect, out.staging->name, *spec, v.columns)
                               : view_select(options.dialect, options.source_table, *spec, v.columns);
        v.statements = statements_of(options.dialect, options.materialize, v.name, v.select);
        out.views.push_back(std::move(v));
    }
    return out;
}

}  // namespace tdbraze::currents
