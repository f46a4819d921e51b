// Options more than one command takes (commands.hpp).
#include <cerrno>

#include <sys/stat.h>
#include <unistd.h>

#include "commands.hpp"
#include "error.hpp"

namespace tdbraze::cli {

CLI::Validator table_format_names() {
    return CLI::Validator(
        [](std::string& name) -> std::string {
            if (cohort::table_format_from_string(name)) return {};
            return "'" + name + "' is not a table format: give auto, csv, tsv, json or jsonl";
        },
        "auto|csv|tsv|json|jsonl");
}

cohort::TableFormat table_format_from_option(const std::string& name) {
    return cohort::table_format_from_string(name).value_or(cohort::TableFormat::Auto);
}

namespace {
// `error`: errno, taken by the caller before this builds the message.
std::string cannot_open(const std::string& path, int error) {
    return "cannot open '" + path + "': " + system_reason(error);
}
}  // namespace

CLI::Validator existing_file_or_dash() {
    return CLI::Validator(
        [](std::string& path) -> std::string {
            if (path == "-") return {};
            struct stat st {};
            if (::stat(path.c_str(), &st) != 0) return cannot_open(path, errno);
            if (S_ISDIR(st.st_mode)) return "cannot read '" + path + "': it is a directory; give a file";
            if (::access(path.c_str(), R_OK) != 0) return cannot_open(path, errno);
            return {};
        },
        "FILE or -");
}

void add_receiver_option(CLI::App* cmd, currents::Receiver& receiver) {
    cmd->add_option_function<std::string>(
           "--receiver",
           [&receiver](const std::string& name) {
               receiver = currents::receiver_from_string(name).value_or(currents::Receiver::Http);
           },
           "Where the events go: http (any receiver, the default) or td-postback (Treasure Data's Postback API: "
           "its time window and external-id rule are checked)")
        ->check(CLI::Validator(
            [](std::string& name) -> std::string {
                if (currents::receiver_from_string(name)) return {};
                return "'" + name + "' is not a receiver: give http or td-postback";
            },
            "http|td-postback"));
}

void add_backoff_options(CLI::App* cmd, sync::BackoffPolicy& backoff) {
    cmd->add_option("--max-attempts", backoff.max_attempts, "Attempts per batch before giving up (default 12)")
        ->check(CLI::PositiveNumber);
    cmd->add_option_function<long>(
           "--retry-base-ms", [&backoff](long ms) { backoff.base = std::chrono::milliseconds(ms); },
           "First backoff step in milliseconds (default 500; waits double up to --retry-cap-ms)")
        ->check(CLI::PositiveNumber);
    cmd->add_option_function<long>(
           "--retry-cap-ms", [&backoff](long ms) { backoff.cap = std::chrono::milliseconds(ms); },
           "Longest wait between attempts in milliseconds (default 60000)")
        ->check(CLI::PositiveNumber);
}

void add_map_option(CLI::App* cmd, std::vector<cohort::ColumnMapping>& mapping) {
    cmd->add_option_function<std::vector<std::string>>(
           "--map",
           [&mapping](const std::vector<std::string>& texts) {
               for (const std::string& text : texts)
                   if (auto parsed = cohort::parse_column_mapping(text);
                       std::holds_alternative<cohort::ColumnMapping>(parsed))
                       mapping.push_back(std::get<cohort::ColumnMapping>(std::move(parsed)));
           },
           "Send COLUMN under another output name: COLUMN=user_ids, COLUMN=device_ids or COLUMN=alias:LABEL "
           "(repeatable)")
        ->allow_extra_args(false)  // `--map a=user_ids FILE`: FILE is the input, not a second mapping
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                const auto parsed = cohort::parse_column_mapping(text);
                return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : std::string();
            },
            "COLUMN=TARGET"));
}

void add_export_options(CLI::App* cmd, ExportOptions& o) {
    cmd->add_option("--cohort-id", o.settings.cohort_id, "Cohort ID of the export (required)")->required();
    cmd->add_option("--cohort-name", o.settings.cohort_name, "Cohort name (default: the cohort id)");
    cmd->add_option("--alias-column", o.settings.alias_columns,
                    "Column whose values are sent as aliases, labelled with the column name (repeatable)")
        ->allow_extra_args(false)  // `--alias-column email FILE`: FILE is the input, not a second alias
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    add_map_option(cmd, o.settings.mapping);
    cmd->add_option("--partner", o.settings.partner, "Partner segment of the endpoint path (default treasuredata)");
    cmd->add_option("--threads", o.settings.threads, "Concurrent requests when sending, 1..32 (default 4)");
    cmd->add_option("--max-ids-per-request", o.settings.max_ids_per_request,
                    "Identifiers in one request, 1..1000 (default 1000)");
    cmd->add_option("--table-format", o.table_format, "Input format (default: detected)")->check(table_format_names());
    cmd->add_flag("--trim", o.trim, "Strip leading and trailing whitespace from identifiers");
    cmd->add_option("--dedupe", o.dedupe,
                    "Where the duplicate check keeps the ids: memory, disk (flat memory, one more read of the "
                    "table) or auto (disk for tables over 16 MiB; the default)")
        ->check(CLI::IsMember({"auto", "memory", "disk"}));
}

}  // namespace tdbraze::cli
