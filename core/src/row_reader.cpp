// Reading a table's rows apart from checking them: RowReader records each chunk's rows into a RowBatch, and
// the planner plays them back (Planner::feed_rows).
#include <algorithm>
#include <utility>

#include "row_batch.hpp"

namespace tdbraze::cohort {

void RowBatch::Impl::clear() {
    entries.clear();
    cells.clear();
    column_sets.clear();
    errors.clear();
    text.clear();
}

void RowBatch::Impl::replay(TableSink& sink) const {
    for (const Entry& e : entries) {
        switch (e.kind) {
            case Kind::Columns: {
                const Columns& c = column_sets[e.first];
                sink.on_columns(c.names, c.first_new, e.line);
                break;
            }
            case Kind::RowError: {
                const RowError& r = errors[e.first];
                sink.on_row_error(r.code, r.message, r.hint, e.row, e.line);
                break;
            }
            case Kind::Row: {
                // As wide as read, so that a missing cell stays missing; the cells of other columns stay empty
                // (the planner never reads them). Rows of one width (every row of a CSV) only need the last
                // row's kept cells emptied, not the whole row.
                if (replay_cells_.size() == e.width) {
                    for (const std::uint32_t column : replay_set_) replay_cells_[column] = Cell{};
                } else {
                    replay_cells_.assign(e.width, Cell{});
                }
                replay_set_.clear();
                for (std::size_t i = e.first; i < e.first + e.kept; ++i) {
                    const StoredCell& s = cells[i];
                    replay_cells_[s.column] = Cell{std::string_view(text.data() + s.at, s.size), s.kind, s.line};
                    replay_set_.push_back(s.column);
                }
                sink.on_row(RowView{e.row, e.line, replay_cells_});
                break;
            }
        }
    }
}

RowBatch::RowBatch() : impl_(std::make_unique<Impl>()) {}
RowBatch::~RowBatch() = default;
RowBatch::RowBatch(RowBatch&&) noexcept = default;
RowBatch& RowBatch::operator=(RowBatch&&) noexcept = default;
std::size_t RowBatch::rows() const { return impl_->entries.size(); }

// The reader's sink, fixed when it is made; each read points it at the batch being filled. Copying only the
// identifier columns' cells (two of five in a typical export) keeps a batch small: recording every cell
// cost as much as reading the rows.
struct RowReader::Impl final : TableSink {
    Settings settings;
    TableReader reader;
    std::vector<std::uint32_t> wanted;  // the identifier columns' indexes, in column order
    RowBatch::Impl* into = nullptr;

    Impl(TableFormat format, Settings s) : settings(std::move(s)), reader(format, *this) {}

    void fill(RowBatch& batch, bool end, std::string_view chunk) {
        batch.impl_->clear();
        into = batch.impl_.get();
        if (end) reader.finish();
        else reader.feed(chunk);
        into = nullptr;
        batch.impl_->format = reader.format();
        batch.impl_->delimiter = reader.delimiter();
        batch.impl_->bytes_consumed = reader.bytes_consumed();
    }

    void on_columns(std::span<const std::string> names, std::size_t first_new, std::uint64_t line) override {
        for (std::size_t i = first_new; i < names.size(); ++i)
            if (is_identifier_column(names[i], settings)) wanted.push_back(static_cast<std::uint32_t>(i));
        into->entries.push_back({RowBatch::Impl::Kind::Columns, 0, 0, 0, line, into->column_sets.size()});
        into->column_sets.push_back({std::vector<std::string>(names.begin(), names.end()), first_new});
    }
    void on_row(const RowView& row) override {
        RowBatch::Impl::Entry entry{
            RowBatch::Impl::Kind::Row, static_cast<std::uint32_t>(row.cells.size()), 0, row.row, row.line,
            into->cells.size()};
        for (const std::uint32_t column : wanted) {
            if (column >= row.cells.size()) break;
            const Cell& c = row.cells[column];
            into->cells.push_back({column, c.kind, into->text.size(), c.text.size(), c.line});
            into->text.append(c.text);
            ++entry.kept;
        }
        into->entries.push_back(entry);
    }
    void on_row_error(std::string_view code, std::string message, std::string hint, std::uint64_t row,
                      std::uint64_t line) override {
        into->entries.push_back({RowBatch::Impl::Kind::RowError, 0, 0, row, line, into->errors.size()});
        into->errors.push_back({std::string(code), std::move(message), std::move(hint)});
    }
};

RowReader::RowReader(TableFormat format, Settings settings)
    : impl_(std::make_unique<Impl>(format, std::move(settings))) {}
RowReader::~RowReader() = default;
RowReader::RowReader(RowReader&&) noexcept = default;
RowReader& RowReader::operator=(RowReader&&) noexcept = default;

void RowReader::read(std::string_view chunk, RowBatch& batch) { impl_->fill(batch, false, chunk); }
void RowReader::finish(RowBatch& batch) { impl_->fill(batch, true, {}); }

}  // namespace tdbraze::cohort
