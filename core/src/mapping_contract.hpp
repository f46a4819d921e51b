// Treasure Data's mapping contract: which result columns become which Braze identifiers. Shared by the
// table checks and the SQL check, so that both judge a column name the same way.
#pragma once

#include <string>
#include <string_view>

#include "tdbraze/cohort.hpp"  // kUserIds, kDeviceIds, intended_identifier

namespace tdbraze::cohort {

// `name` as it must be written in a Presto/Trino query: bare if it is a plain lower-case identifier, else
// double-quoted.
std::string sql_identifier(std::string_view name);

}  // namespace tdbraze::cohort
