#include "table_page.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

// The core's private table reader and mapping rules: the preview must agree with the planner cell for cell
// and column for column, so it uses the same code rather than a second CSV and JSON reader.
#include "mapping_contract.hpp"
#include "table_reader.hpp"

namespace tdbraze::desktop {
namespace {

class PageSink : public cohort::TableSink {
public:
    PageSink(TablePage& page, std::uint64_t first, std::size_t count) : page_(page), first_(first), count_(count) {}

    bool full() const { return page_.more_rows; }

    void on_columns(std::span<const std::string> names, std::size_t first_new, std::uint64_t) override {
        for (std::size_t i = first_new; i < names.size(); ++i) page_.columns.push_back(names[i]);
    }

    void on_row(const cohort::RowView& row) override {
        if (!take(row.row)) return;
        TableRow out;
        out.number = row.row;
        out.line = row.line;
        for (const cohort::Cell& cell : row.cells) {
            TableCell c;
            switch (cell.kind) {
                case cohort::CellKind::Absent: c.blank = true; break;
                case cohort::CellKind::Null:
                    c.text = "null";
                    c.blank = true;
                    break;
                default: c.text = std::string(cell.text); c.blank = cohort::is_empty_cell(cell.text);
            }
            out.cells.push_back(std::move(c));
        }
        page_.rows.push_back(std::move(out));
    }

    void on_row_error(std::string_view, std::string message, std::string, std::uint64_t row,
                      std::uint64_t line) override {
        if (row == 0 || !take(row)) return;  // row 0: a problem with the file as a whole, not a row of the grid
        TableRow out;
        out.number = row;
        out.line = line;
        out.problem = std::move(message);
        page_.rows.push_back(std::move(out));
    }

private:
    // True when `row` belongs on the page; notes that the table goes on once the page is full.
    bool take(std::uint64_t row) {
        if (row < first_) return false;
        if (page_.rows.size() >= count_) {
            page_.more_rows = true;
            return false;
        }
        return true;
    }

    TablePage& page_;
    std::uint64_t first_;
    std::size_t count_;
};

}  // namespace

TablePage read_table_page(const std::string& path, std::uint64_t first_row, std::size_t count,
                          cohort::TableFormat format) {
    TablePage page;
    page.path = path;
    page.first_row = std::max<std::uint64_t>(first_row, 1);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        page.error = "cannot open '" + path + "': " + std::strerror(errno);  // the OS's reason, as everywhere
        return page;
    }
    PageSink sink(page, page.first_row, count);
    cohort::TableReader reader(format, sink);
    std::vector<char> buffer(64 * 1024);
    while (in && !sink.full()) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        if (n > 0) reader.feed(std::string_view(buffer.data(), n));
    }
    if (in.bad()) page.error = "cannot read '" + path + "': " + std::strerror(errno);
    if (!sink.full()) reader.finish();
    page.format = reader.format();
    return page;
}

ColumnRole column_role(std::string_view name, const std::vector<std::string>& alias_columns,
                       const std::vector<std::string>& columns) {
    if (name == cohort::kUserIds) return ColumnRole::UserIds;
    if (name == cohort::kDeviceIds) return ColumnRole::DeviceIds;
    if (std::find(alias_columns.begin(), alias_columns.end(), name) != alias_columns.end()) return ColumnRole::Alias;
    const std::string_view intended = cohort::intended_identifier(name);
    if (!intended.empty() && std::find(columns.begin(), columns.end(), intended) == columns.end())
        return ColumnRole::NearMiss;
    return ColumnRole::Ignored;
}

std::string_view intended_column(std::string_view name) { return cohort::intended_identifier(name); }

}  // namespace tdbraze::desktop
