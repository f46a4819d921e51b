#include "tdbraze/table_preview.hpp"

#include <algorithm>

#include "table_reader.hpp"

namespace tdbraze::cohort {
namespace {

// Keeps the rows of the page as the reader announces them.
class PageSink : public TableSink {
public:
    PageSink(PreviewPage& page, std::uint64_t first, std::size_t count) : page_(page), first_(first), count_(count) {}

    void on_columns(std::span<const std::string> names, std::size_t first_new, std::uint64_t) override {
        for (std::size_t i = first_new; i < names.size(); ++i) page_.columns.push_back(names[i]);
    }

    void on_row(const RowView& row) override {
        if (!take(row.row)) return;
        PreviewRow out;
        out.number = row.row;
        out.line = row.line;
        for (const Cell& cell : row.cells) {
            PreviewCell c;
            switch (cell.kind) {
                case CellKind::Absent: c.blank = true; break;
                case CellKind::Null:
                    c.text = "null";
                    c.blank = true;
                    break;
                default: c.text = std::string(cell.text); c.blank = is_empty_cell(cell.text);
            }
            out.cells.push_back(std::move(c));
        }
        page_.rows.push_back(std::move(out));
    }

    void on_row_error(std::string_view, std::string message, std::string, std::uint64_t row,
                      std::uint64_t line) override {
        if (row == 0 || !take(row)) return;  // row 0: a problem with the file as a whole, not a row of the grid
        PreviewRow out;
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

    PreviewPage& page_;
    std::uint64_t first_;
    std::size_t count_;
};

}  // namespace

struct TablePreview::Impl {
    Impl(TableFormat format, std::uint64_t first_row, std::size_t count)
        : sink(page, std::max<std::uint64_t>(first_row, 1), count), reader(format, sink) {}
    PreviewPage page;
    PageSink sink;
    TableReader reader;
};

TablePreview::TablePreview(TableFormat format, std::uint64_t first_row, std::size_t count)
    : impl_(std::make_unique<Impl>(format, first_row, count)) {}
TablePreview::~TablePreview() = default;

void TablePreview::feed(std::string_view chunk) {
    impl_->reader.feed(chunk);
    impl_->page.format = impl_->reader.format();
}

void TablePreview::finish() {
    impl_->reader.finish();
    impl_->page.format = impl_->reader.format();
}

bool TablePreview::full() const { return impl_->page.more_rows; }
const PreviewPage& TablePreview::page() const { return impl_->page; }

}  // namespace tdbraze::cohort
