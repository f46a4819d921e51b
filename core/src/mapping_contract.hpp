// Treasure Data's mapping contract: which result columns become which Braze identifiers. Shared by the
// table checks and the SQL check, so that both judge a column name the same way.
#pragma once

#include <string>
#include <string_view>

namespace tdbraze::cohort {

inline constexpr std::string_view kUserIds = "user_ids";
inline constexpr std::string_view kDeviceIds = "device_ids";

// The identifier column a name was probably meant to be ("user_id", "External_ID", "deviceIds", a name with
// spaces or a byte order mark ...), or empty when it looks like neither.
std::string_view intended_identifier(std::string_view name);

// `name` as it must be written in a Presto/Trino query: bare if it is a plain lower-case identifier, else
// double-quoted.
std::string sql_identifier(std::string_view name);

}  // namespace tdbraze::cohort
