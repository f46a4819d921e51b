#include "table_rows.hpp"

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "input_file.hpp"

namespace tdbraze::files {
namespace {

// Why rows on a reading thread: perf of a ten-million-row `plan` had the planner's thread busy throughout
// the first read and the other core two thirds idle, with splitting rows a third of the planner's thread.
// Why not read_in_chunks' thread: a piece's rows can take many times its bytes (a table of one-character
// ids), so they are handed over in batches of a slice of the piece, a few batches at most at a time, which
// the reader must be able to wait for in the middle of a piece.
constexpr std::size_t kSliceBytes = 64 * 1024;  // of input per batch
constexpr std::size_t kBatchesAhead = 4;         // batches read and not yet checked, at most

class RowsAhead {
public:
    RowsAhead(std::FILE* file, cohort::RowReader reader, const std::function<void(std::string_view)>& on_read)
        : file_(file), reader_(std::move(reader)), on_read_(on_read) {
        thread_ = std::thread([this] { read_all(); });
    }
    // Also on an exception from the caller's work: the reader is told to stop and waited for.
    ~RowsAhead() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    RowsAhead(const RowsAhead&) = delete;
    RowsAhead& operator=(const RowsAhead&) = delete;

    // Calls on_rows with each batch in order; the reason reading stopped early, 0 when the input simply ended.
    int check_all(const std::function<void(const cohort::RowBatch&, std::size_t)>& on_rows) {
        for (;;) {
            Ready next;
            {
                std::unique_lock lock(mutex_);
                changed_.wait(lock, [&] { return !ready_.empty() || finished_; });
                if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
                if (ready_.empty()) return error_;
                next = std::move(ready_.front());
                ready_.pop_front();
            }
            changed_.notify_all();
            on_rows(*next.batch, next.bytes);
            std::lock_guard lock(mutex_);
            spare_.push_back(std::move(next.batch));
        }
    }

private:
    struct Ready {
        std::unique_ptr<cohort::RowBatch> batch;
        std::size_t bytes = 0;
    };

    // False when told to stop.
    bool hand_over(const std::function<void(cohort::RowBatch&)>& fill, std::size_t bytes) {
        std::unique_ptr<cohort::RowBatch> batch;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return ready_.size() < kBatchesAhead || stop_; });
            if (stop_) return false;
            if (!spare_.empty()) {
                batch = std::move(spare_.back());
                spare_.pop_back();
            }
        }
        if (!batch) batch = std::make_unique<cohort::RowBatch>();
        fill(*batch);
        {
            std::lock_guard lock(mutex_);
            ready_.push_back({std::move(batch), bytes});
        }
        changed_.notify_all();
        return true;
    }

    void read_all() {
        int error = 0;
        try {
            std::vector<char> piece(kInputPieceBytes);
            for (bool last = false; !last;) {
                const std::size_t n = std::fread(piece.data(), 1, piece.size(), file_);
                last = n < piece.size();
                if (last && std::ferror(file_)) error = errno != 0 ? errno : EIO;
                const std::string_view bytes(piece.data(), n);
                if (on_read_ && n > 0) on_read_(bytes);
                for (std::size_t at = 0; at < n; at += kSliceBytes) {
                    const std::string_view slice = bytes.substr(at, kSliceBytes);
                    if (!hand_over([&](cohort::RowBatch& b) { reader_.read(slice, b); }, slice.size())) return;
                }
            }
            if (error == 0 && !hand_over([&](cohort::RowBatch& b) { reader_.finish(b); }, 0)) return;
        } catch (...) {  // nothing may leave a thread: the caller gets it from check_all()
            std::lock_guard lock(mutex_);
            failure_ = std::current_exception();
        }
        {
            std::lock_guard lock(mutex_);
            finished_ = true;
            error_ = error;
        }
        changed_.notify_all();
    }

    std::FILE* file_;
    cohort::RowReader reader_;  // the reading thread's
    const std::function<void(std::string_view)>& on_read_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Ready> ready_;
    std::vector<std::unique_ptr<cohort::RowBatch>> spare_;
    bool finished_ = false;
    bool stop_ = false;
    int error_ = 0;
    std::exception_ptr failure_;
    std::thread thread_;
};

}  // namespace

std::optional<std::string> read_table_rows(const std::string& path, cohort::RowReader reader,
                                           const std::function<void(const cohort::RowBatch& rows, std::size_t bytes)>& on_rows,
                                           const std::function<void(std::string_view)>& on_read) {
    auto opened = open_input(path);
    if (auto* message = std::get_if<std::string>(&opened)) return *message;
    InputFile& file = std::get<InputFile>(opened);
    RowsAhead rows(file.get(), std::move(reader), on_read);
    if (const int error = rows.check_all(on_rows); error != 0)
        return "cannot read '" + path + "': " + std::strerror(error);
    return std::nullopt;
}

}  // namespace tdbraze::files
