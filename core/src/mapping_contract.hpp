// Treasure Data's mapping contract: which result columns become which Braze identifiers. Shared by the
// table checks and the SQL check, so that both judge a column name the same way.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tdbraze/cohort.hpp"  // kUserIds, kDeviceIds, intended_identifier, Settings
#include "tdbraze/diagnostic.hpp"

namespace tdbraze::cohort {

// What the column `name` is sent as under the settings: what its name says (user_ids, device_ids, a
// configured alias column, labelled with its name), else its mapping; nothing when it is not sent.
std::optional<ColumnMapping> output_of(std::string_view name, const Settings& settings);
// What the name alone says, whatever the mapping.
std::optional<ColumnMapping> output_by_name(std::string_view name, const Settings& settings);

// The same output: the same identifier list, and for aliases the same label.
bool same_output(const ColumnMapping& a, const ColumnMapping& b);

// The mapping's own problems, before any table is read: an empty name or label, a column mapped twice, a
// contract column (user_ids, device_ids, an alias column) mapped to another output, two columns mapped to
// one output. Errors with row 0.
std::vector<Diagnostic> check_mapping(const Settings& settings);

// `--map COLUMN=TARGET` as a POSIX shell takes it: quoted when the name holds anything but plain characters.
std::string map_option(std::string_view column, std::string_view target);

// `name` as it must be written in a Presto/Trino query: bare if it is a plain lower-case identifier, else
// double-quoted.
std::string sql_identifier(std::string_view name);

}  // namespace tdbraze::cohort
