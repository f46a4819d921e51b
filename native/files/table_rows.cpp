#include "table_rows.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <variant>
#include <vector>

#include "error.hpp"
#include "input_file.hpp"
#include "work_ahead.hpp"

namespace tdbraze::files {
namespace {

// Why rows on a reading thread: perf of a ten-million-row `plan` had the planner's thread busy throughout
// the first read and the other core two thirds idle, with splitting rows a third of the planner's thread.
// Why not read_in_chunks' thread: a piece's rows can take many times its bytes (a table of one-character
// ids), so they are handed over in batches of a slice of the piece, a few batches at most at a time, which
// the reader must be able to wait for in the middle of a piece.
// Why slices sized by rows: each batch handed over costs both threads a wake-up, and slices of up to 256 KiB
// instead of 64 KiB made the ten-million-row `validate` about 9% faster (paired runs, 0.97x at up to 128 KiB); but a
// batch takes about 80 bytes per row besides its cells, so slices of short rows stay small and a batch's memory stays
// what 64 KiB slices of any rows took.
constexpr std::size_t kRowsPerSlice = 4096;
constexpr std::size_t kMinSliceBytes = 64 * 1024;  // of input per batch
constexpr std::size_t kMaxSliceBytes = 256 * 1024;
constexpr std::size_t kBatchesAhead = 4;  // batches read and not yet checked, at most

// The next slice's size, from the rows the last one held.
std::size_t next_slice_bytes(std::size_t slice_bytes, std::size_t rows) {
    if (rows == 0) return kMaxSliceBytes;
    return std::clamp(slice_bytes / rows * kRowsPerSlice, kMinSliceBytes, kMaxSliceBytes);
}

struct Rows {
    cohort::RowBatch batch;
    std::size_t bytes = 0;  // of input the batch stands for
};

// Reads `file` to its end, splitting each piece into rows on this (the reading) thread, a slice at a time.
int read_rows(std::FILE* file, cohort::RowReader& reader, const std::function<void(std::string_view)>& on_read,
              const WorkAhead<Rows>::HandOver& hand_over) {
    std::vector<char> piece(kInputPieceBytes);
    std::size_t slice_bytes = kMinSliceBytes;
    for (bool last = false; !last;) {
        const std::size_t n = std::fread(piece.data(), 1, piece.size(), file);
        last = n < piece.size();
        const int error = last && std::ferror(file) ? (errno != 0 ? errno : EIO) : 0;
        const std::string_view bytes(piece.data(), n);
        if (on_read && n > 0) on_read(bytes);
        for (std::size_t at = 0; at < n;) {
            const std::string_view slice = bytes.substr(at, slice_bytes);
            std::size_t rows_read = 0;
            if (!hand_over([&](Rows& rows) {
                    reader.read(slice, rows.batch);
                    rows.bytes = slice.size();
                    rows_read = rows.batch.rows();
                }))
                return 0;
            at += slice.size();
            slice_bytes = next_slice_bytes(slice.size(), rows_read);
        }
        if (error != 0) return error;  // what was read before it is checked, and the table is not finished
    }
    hand_over([&](Rows& rows) {
        reader.finish(rows.batch);
        rows.bytes = 0;
    });
    return 0;
}

}  // namespace

std::optional<std::string> read_table_rows(
    const std::string& path, cohort::RowReader reader,
    const std::function<void(const cohort::RowBatch& rows, std::size_t bytes)>& on_rows,
    const std::function<void(std::string_view)>& on_read) {
    auto opened = open_input(path);
    if (auto* message = std::get_if<std::string>(&opened)) return *message;
    std::FILE* const file = std::get<InputFile>(opened).get();
    WorkAhead<Rows> batches(kBatchesAhead,
                            [&](const auto& hand_over) { return read_rows(file, reader, on_read, hand_over); });
    while (const Rows* rows = batches.next()) on_rows(rows->batch, rows->bytes);
    if (const int error = batches.error(); error != 0) return "cannot read '" + path + "': " + system_reason(error);
    return std::nullopt;
}

}  // namespace tdbraze::files
