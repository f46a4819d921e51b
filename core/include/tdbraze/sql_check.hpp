// The SQL check: reads a Treasure Data (Presto/Trino or Hive) SELECT and tells which output columns it has
// and whether they satisfy the mapping contract, before the query is ever run.
//
// It is not a SQL parser: it finds the outermost select list, follows `*` into subqueries and CTEs of the
// FROM clause, and says plainly when it cannot tell (a `*` over a table, say).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tdbraze/cohort.hpp"
#include "tdbraze/diagnostic.hpp"

namespace tdbraze::sql {

// Trino's default query.max-length: Treasure Data refuses a longer query, so nothing longer needs reading.
// It also bounds the work a hostile input can cause.
inline constexpr std::size_t kMaxQueryBytes = 1'000'000;

struct OutputColumn {
    std::string name;  // as the result will name it (unquoted identifiers are lower-cased, as Presto does)
    std::string sent_as;  // "user_ids", "device_ids", "alias", "ignored"
    std::uint64_t line = 0, column = 0;  // where it is named in the query
};

struct Report {
    std::string source;
    std::vector<OutputColumn> columns;
    bool complete = true;  // false when some output columns cannot be known (a `*` over a table)
    std::uint64_t errors = 0, warnings = 0, infos = 0;
    std::vector<Diagnostic> diagnostics;
    bool ok() const { return errors == 0; }
};

Report check_select(std::string_view query, const std::vector<std::string>& alias_columns, std::string source = "-");
// With the export's alias columns and output mapping (a mapped column is judged as if it had that name).
Report check_select_for_export(std::string_view query, const cohort::Settings& settings, std::string source = "-");

}  // namespace tdbraze::sql
