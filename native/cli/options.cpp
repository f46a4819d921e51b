// Options more than one command takes (commands.hpp).
#include <cerrno>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

#include "commands.hpp"

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

CLI::Validator existing_file_or_dash() {
    return CLI::Validator(
        [](std::string& path) -> std::string {
            if (path == "-") return {};
            struct stat st {};
            if (::stat(path.c_str(), &st) != 0) return "cannot open '" + path + "': " + std::strerror(errno);
            if (S_ISDIR(st.st_mode)) return "cannot read '" + path + "': it is a directory; give a file";
            if (::access(path.c_str(), R_OK) != 0) return "cannot open '" + path + "': " + std::strerror(errno);
            return {};
        },
        "FILE or -");
}

}  // namespace tdbraze::cli
