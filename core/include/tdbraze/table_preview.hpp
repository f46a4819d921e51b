// A page of a table's rows exactly as the planner reads them, for a grid that must agree with the planner
// cell for cell and column for column (the desktop app's preview): the same reader, the same row numbers,
// the same rows that cannot be read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tdbraze/cohort.hpp"

namespace tdbraze::cohort {

struct PreviewCell {
    std::string text;  // as read ("null" for a JSON null)
    bool blank = false;  // empty, spaces only, absent or null: nothing would be sent
};

struct PreviewRow {
    std::uint64_t number = 0;  // the planner's row number (the header is not a row)
    std::uint64_t line = 0;  // the file line where the row starts
    std::vector<PreviewCell> cells;  // by column
    std::string problem;  // set for a row that cannot be read (and is not sent): why
};

struct PreviewPage {
    std::vector<std::string> columns;  // every column seen so far, in order
    std::vector<PreviewRow> rows;
    bool more_rows = false;  // the table goes on after the page
    TableFormat format = TableFormat::Auto;  // as read (detected when asked for Auto)
};

// Reads rows first_row .. first_row + count - 1 (numbered from 1) of a table fed in chunks.
class TablePreview {
public:
    TablePreview(TableFormat format, std::uint64_t first_row, std::size_t count);
    ~TablePreview();
    TablePreview(const TablePreview&) = delete;
    TablePreview& operator=(const TablePreview&) = delete;

    void feed(std::string_view chunk);
    // The end of the table (not needed once full()).
    void finish();
    // The page is full and the table is known to go on: nothing more needs to be fed.
    bool full() const;
    const PreviewPage& page() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tdbraze::cohort
