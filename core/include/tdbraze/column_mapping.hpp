// The export's output mapping: a column of the table sent under another output name (Treasure Data's
// Audience Studio activation lets the user pick a column and give it the name user_ids, device_ids or an
// alias label), so a table need not be re-queried to rename its id column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tdbraze::cohort {

enum class Target : std::uint8_t { UserIds, DeviceIds, Alias };

struct ColumnMapping {
    std::string column;  // the table's column, exactly as named in its header
    Target target = Target::UserIds;
    std::string alias_label;  // Target::Alias only: the alias_label its cells are sent under
    bool operator==(const ColumnMapping&) const = default;
};

// "user_ids", "device_ids" or "alias:LABEL": the form the command line, the page and the desktop use.
std::string target_text(const ColumnMapping& mapping);
// "COLUMN=TARGET", as --map takes it.
std::string to_string(const ColumnMapping& mapping);

// A parsed mapping, or why the text is not one (a sentence without the tool's prefix).
using MappingParse = std::variant<ColumnMapping, std::string>;

// "user_ids", "device_ids" or "alias:LABEL" (a non-empty label), for `column`.
MappingParse parse_mapping_target(std::string_view column, std::string_view target);
// "COLUMN=TARGET". The split is at the first '=' after which a target follows, so a column name may hold
// '=' and an alias label may too.
MappingParse parse_column_mapping(std::string_view text);

}  // namespace tdbraze::cohort
