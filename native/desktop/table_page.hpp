// One page of a cohort table for the preview grid: its columns and a run of rows, read with the core's own
// table reader so that the grid shows the cells exactly as the planner sees them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tdbraze/cohort.hpp"
#include "tdbraze/table_preview.hpp"

namespace tdbraze::desktop {

// A cell and a row of the grid: the core's preview types (tdbraze/table_preview.hpp).
using TableCell = cohort::PreviewCell;
using TableRow = cohort::PreviewRow;

struct TablePage {
    std::string path;
    std::string error;  // the file cannot be opened or read
    cohort::TableFormat format = cohort::TableFormat::Auto;  // as detected
    std::vector<std::string> columns;
    std::uint64_t first_row = 1;
    std::vector<TableRow> rows;  // rows first_row, first_row + 1, ...
    bool more_rows = false;  // the table goes on after this page
    bool loaded() const { return !path.empty() && error.empty(); }
};

inline constexpr std::size_t kPageRows = 200;

// Reads the rows [first_row, first_row + count) of the table at `path`. Stops reading once the page is full,
// so a page near the top of a large file costs little.
TablePage read_table_page(const std::string& path, std::uint64_t first_row = 1, std::size_t count = kPageRows,
                          cohort::TableFormat format = cohort::TableFormat::Auto);

// What a column of the table becomes in the Braze requests (docs/cohort.md, "Which columns are sent").
enum class ColumnRole { UserIds, DeviceIds, Alias, NearMiss, Ignored };

// A near miss ("user_id", "External_ID") only when the table lacks the column it was meant to be, as the
// core's near-miss-column check says; `columns` is the table's header.
ColumnRole column_role(std::string_view name, const std::vector<std::string>& alias_columns,
                       const std::vector<std::string>& columns = {});

// For a near-miss column ("user_id", "External_ID"): the identifier column it was probably meant to be.
std::string_view intended_column(std::string_view name);

}  // namespace tdbraze::desktop
