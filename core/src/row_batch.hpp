// What a RowBatch holds: the TableSink calls of one chunk's rows, recorded with copies of the cells the
// planner reads, and played back to the planner (cohort.hpp has the why).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "table_reader.hpp"
#include "tdbraze/cohort.hpp"

namespace tdbraze::cohort {

// A column whose cells a planner with these settings reads: user_ids, device_ids, a configured alias
// column. Planner::Impl::on_columns gives such columns their roles; a RowReader keeps only their cells.
bool is_identifier_column(std::string_view name, const Settings& settings);

struct RowBatch::Impl {
    enum class Kind : std::uint8_t { Columns, Row, RowError };
    struct Entry {
        Kind kind;
        std::uint32_t width = 0;  // Row: cells in the row as read (the kept ones are cells[first, first + kept))
        std::uint32_t kept = 0;
        std::uint64_t row = 0, line = 0;
        std::size_t first = 0;  // Row: into cells; Columns: into column_sets; RowError: into errors
    };
    struct StoredCell {
        std::uint32_t column = 0;
        CellKind kind = CellKind::Absent;
        std::size_t at = 0, size = 0;  // into text
        std::uint64_t line = 0;
    };
    struct Columns {
        std::vector<std::string> names;
        std::size_t first_new = 0;
    };
    struct RowError {
        std::string code, message, hint;
    };

    std::vector<Entry> entries;
    std::vector<StoredCell> cells;
    std::vector<Columns> column_sets;
    std::vector<RowError> errors;
    std::string text;
    TableFormat format = TableFormat::Auto;  // as the reader knew it after this batch
    char delimiter = ',';  // likewise
    std::uint64_t bytes_consumed = 0;  // the reader's, after this batch

    void clear();
    // Plays the recorded calls to `sink`, in order.
    void replay(TableSink& sink) const;

private:
    mutable std::vector<Cell> replay_cells_;
    mutable std::vector<std::uint32_t> replay_set_;  // the columns of replay_cells_ the last row set
};

}  // namespace tdbraze::cohort
