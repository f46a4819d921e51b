// Reading a query result as rows of cells, whatever its format: CSV (RFC 4180), TSV, a JSON array of row
// objects, or JSON Lines of row objects. Streaming: only the row being read is kept in memory.
//
// Why a hand-written CSV reader: the table must be read in chunks with bounded memory, every row must keep
// its file line for diagnostics, and the code must build for WebAssembly without I/O; the CSV libraries
// packaged for Debian are either not streaming or tied to files and threads.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "json_tape.hpp"
#include "tdbraze/cohort.hpp"
#include "text_position.hpp"

namespace tdbraze::cohort {

enum class CellKind : std::uint8_t {
    Absent,  // no such member in this JSON row, or fewer cells than columns
    Null,  // JSON null
    Text,  // a CSV/TSV field or a JSON string
    Number,  // a JSON number: `text` is its literal
    Boolean,  // a JSON true/false: `text` is its literal
    Nested,  // a JSON object or array: `text` is its literal
    LoneSurrogate,  // a JSON string with a \u escape of half a surrogate pair (no character): `text` as written
};

struct Cell {
    std::string_view text;
    CellKind kind = CellKind::Absent;
    std::uint64_t line = 0;  // file line where the cell starts
};

struct RowView {
    std::uint64_t row = 0;  // 1-based data row (the header is not a row)
    std::uint64_t line = 0;  // file line where the row starts
    std::span<const Cell> cells;  // indexed by column; may be shorter than the column list
};

class TableSink {
public:
    // Columns are announced once each: all of them at the header (CSV/TSV), or as JSON rows reveal them.
    virtual void on_columns(std::span<const std::string> names, std::size_t first_new, std::uint64_t line) = 0;
    virtual void on_row(const RowView& row) = 0;
    // A row that cannot be read (bad syntax, invalid UTF-8, wrong width): it is skipped.
    virtual void on_row_error(std::string_view code, std::string message, std::string hint, std::uint64_t row,
                              std::uint64_t line) = 0;

protected:
    ~TableSink() = default;
};

class TableReader {
public:
    TableReader(TableFormat format, TableSink& sink);

    void feed(std::string_view chunk);
    void finish();
    TableFormat format() const { return format_; }
    // Of CSV: ',' or, when the header is delimited so, ';'. Of TSV: a tab.
    char delimiter() const { return delimiter_; }
    std::uint64_t bytes_consumed() const { return discarded_ + pos_; }

private:
    bool detect_format();
    bool choose_csv_delimiter();
    bool read_delimited_row();
    bool read_plain_row();
    bool deliver_record(std::uint64_t line, std::size_t fields, std::size_t bad, const std::string& problem);
    bool read_json_row();
    void handle_json_row(std::uint64_t line);
    void compact();
    void run();

    TableFormat format_;
    TableSink& sink_;
    std::string buf_;
    std::size_t pos_ = 0;
    std::uint64_t discarded_ = 0;
    bool eof_ = false;
    bool done_ = false;
    bool bom_checked_ = false;
    TextPosition cursor_;  // line counting; offsets relative to buf_

    // Delimited text
    char delimiter_ = ',';
    bool delimiter_chosen_ = false;
    bool header_read_ = false;
    std::vector<std::string> columns_;
    std::vector<Cell> cells_;
    std::deque<std::string> unquoted_;  // fields that held "" escapes (a deque: cells point into it)
    std::uint64_t row_ = 0;

    // JSON
    bool array_started_ = false;
    bool array_ended_ = false;
    bool first_element_ = true;
    bool skipping_line_ = false;  // JSON Lines: after a syntax error, up to the next line break
    json::Tape tape_;
    std::unordered_map<std::string, std::size_t> column_index_;
    std::deque<std::string> decoded_;  // JSON strings with escapes (a deque: cells point into it)
};

// Identifier cells that hold nothing: empty, blank, NULL or \N (Hive's null marker in exported text).
bool is_empty_cell(std::string_view text);

}  // namespace tdbraze::cohort
