// The subcommands of the tdbraze command line. Each registers its options on a CLI11 app and returns the
// process exit code when run (exit_status.hpp says which).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "clock.hpp"
#include "retry_policy.hpp"
#include "exit_status.hpp"
#include "tdbraze/cohort.hpp"
#include "tdbraze/currents.hpp"

namespace tdbraze::cli {

// Options more than one command takes, checked and parsed the same way everywhere.
CLI::Validator table_format_names();  // auto, csv, tsv, json, jsonl
cohort::TableFormat table_format_from_option(const std::string& name);  // a name table_format_names() passed
CLI::Validator existing_file_or_dash();  // a readable file, or - for standard input
// --max-attempts, --retry-base-ms and --retry-cap-ms, for the commands that send.
void add_backoff_options(CLI::App* command, sync::BackoffPolicy& backoff);
// --receiver http|td-postback, for validate currents and send currents.
void add_receiver_option(CLI::App* command, currents::Receiver& receiver);

// The export's settings and how its table is read, as validate cohort, plan cohort and sync cohort take them
// (one declaration, one help text). The strings are parsed after the command line is.
struct ExportOptions {
    cohort::Settings settings;
    std::string table_format = "auto";  // table_format_from_option
    bool trim = false;
    std::string dedupe = "auto";  // sync::dedupe_from_name
};
void add_export_options(CLI::App* command, ExportOptions& options);
// --map COLUMN=TARGET (repeatable): the export's output mapping, for the export's commands and check sql.
void add_map_option(CLI::App* command, std::vector<cohort::ColumnMapping>& mapping);

// Adds `validate currents` under `validate`; the returned function runs it after parsing.
std::function<int()> add_validate_currents(CLI::App& validate);

// Adds `validate cohort` and `plan cohort`.
std::function<int()> add_validate_cohort(CLI::App& validate);
std::function<int()> add_plan_cohort(CLI::App& plan);

// Adds `sync cohort`.
std::function<int()> add_sync_cohort(CLI::App& sync);

// Adds `send currents`.
std::function<int()> add_send_currents(CLI::App& send);

// Adds `web` (serves the built page).
std::function<int()> add_web(CLI::App& app);

// Adds `help [CODE]`.
std::function<int()> add_help(CLI::App& app);

// Adds `emulate` (native/emulator).
std::function<int()> add_emulate(CLI::App& app);

// Adds `schema currents`.
std::function<int()> add_schema_currents(CLI::App& schema);

// Adds `check sql`.
std::function<int()> add_check_sql(CLI::App& check);

// Adds `sql currents` (the SQL that flattens Treasure Data's table of Currents batches).
std::function<int()> add_sql_currents(CLI::App& sql);


// Colour only on a terminal, and never when NO_COLOR is set.
bool use_colour(int fd);

}  // namespace tdbraze::cli
