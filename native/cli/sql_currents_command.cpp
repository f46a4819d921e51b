// `tdbraze sql currents`: prints the SQL that flattens Treasure Data's Postback table of Currents batches
// into one view per event type (tdbraze/currents_sql.hpp), or, with --format json, the views and their columns.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "tdbraze/currents_sql.hpp"

namespace tdbraze::cli {
namespace {

struct SqlCurrentsArgs {
    std::string dialect = "trino";
    currents::CurrentsSqlOptions options;
    std::string format = "sql";
};

nlohmann::ordered_json to_json(const currents::CurrentsSql& sql) {
    nlohmann::ordered_json views = nlohmann::ordered_json::array();
    for (const currents::SqlView& v : sql.views) {
        nlohmann::ordered_json columns = nlohmann::ordered_json::array();
        for (const currents::SqlColumn& c : v.columns)
            columns.push_back({{"name", c.name},
                               {"sql_type", c.sql_type},
                               {"json_path", c.json_path},
                               {"json_type", currents::to_string(c.json_type)}});
        views.push_back({{"name", v.name},
                         {"event_type", v.event_type},
                         {"columns", std::move(columns)},
                         {"select", v.select},
                         {"sql", v.statements}});
    }
    nlohmann::ordered_json out = {{"dialect", currents::to_string(sql.dialect)},
                                  {"source_table", sql.source_table},
                                  {"materialize", sql.materialize}};
    // Tables are made from the staging table: run `create` before their `sql` and `drop` after.
    if (sql.staging)
        out["staging"] = {{"name", sql.staging->name}, {"create", sql.staging->create}, {"drop", sql.staging->drop}};
    out["views"] = std::move(views);
    return out;
}

int run(SqlCurrentsArgs args) {
    args.options.dialect = currents::sql_dialect_from_string(args.dialect).value_or(currents::SqlDialect::Trino);
    auto result = currents::currents_sql(args.options);
    if (const auto* error = std::get_if<currents::CurrentsSqlError>(&result)) {
        std::cerr << "tdbraze: " << error->message << '\n';
        return kExitUsage;
    }
    const auto& sql = std::get<currents::CurrentsSql>(result);
    if (args.format == "json") std::cout << to_json(sql).dump(2) << '\n';
    else std::cout << sql.text();
    std::cout.flush();
    return kExitOk;
}

CLI::Validator dialect_names() {
    return CLI::Validator(
        [](std::string& name) -> std::string {
            if (currents::sql_dialect_from_string(name)) return {};
            return "'" + name + "' is not a SQL dialect: give trino or sqlite";
        },
        "trino|sqlite");
}

}  // namespace

std::function<int()> add_sql_currents(CLI::App& sql) {
    auto args = std::make_shared<SqlCurrentsArgs>();
    CLI::App* cmd = sql.add_subcommand(
        "currents",
        "Print the SQL that flattens Treasure Data's Postback table of Currents batches into one view "
        "per event type");
    cmd->add_option("--dialect", args->dialect,
                    "trino (Treasure Data's engine; the default) or sqlite (to explore a capture locally)")
        ->check(dialect_names());
    cmd->add_option("--source-table", args->options.source_table,
                    "The table the Postback API fills: time bigint, events the JSON array as text (default currents)");
    cmd->add_option("--event-type", args->options.event_types,
                    "Only this event type, e.g. users.messages.email.Open (repeatable; default all of them)")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    cmd->add_flag("--materialize", args->options.materialize, "Create tables (CREATE TABLE AS) instead of views");
    cmd->add_option("--format", args->format, "Output: sql (the statements) or json (the views and their columns)")
        ->check(CLI::IsMember({"sql", "json"}));
    cmd->footer(
        "Exit status: 0 the SQL was printed, 2 an option it does not take (an unknown event type, a bad table "
        "name). Naming and column types: docs/currents.md, section Flattening in Treasure Data.");
    return [args] { return run(*args); };
}

}  // namespace tdbraze::cli
