#include "input_file.hpp"

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <sys/stat.h>

namespace tdbraze::files {
namespace {

// Why a reading thread: perf of `validate cohort` on a table already in the page cache put a fifth of the
// time in the kernel copying the file into our buffer. On the second core that copy overlaps the work on
// the previous piece. Three buffers, so that neither side waits for the other at a piece's boundary.
constexpr std::size_t kChunk = kInputPieceBytes;
constexpr std::size_t kBuffers = 3;

struct Piece {
    std::size_t buffer = 0;
    std::size_t size = 0;
};

class ReadAhead {
public:
    ReadAhead(std::FILE* file, const std::function<void(std::string_view)>& on_read)
        : file_(file), on_read_(on_read), buffers_(kBuffers, std::vector<char>(kChunk)) {
        thread_ = std::thread([this] { read_all(); });
    }
    // Also on an exception from the caller's work: the reader is told to stop and waited for.
    ~ReadAhead() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    ReadAhead(const ReadAhead&) = delete;
    ReadAhead& operator=(const ReadAhead&) = delete;

    // The next piece, or an empty view at the end. The view stays valid until the next call.
    std::string_view next() {
        std::unique_lock lock(mutex_);
        if (handed_out_) {
            ++free_;
            handed_out_ = false;
            changed_.notify_all();
        }
        changed_.wait(lock, [&] { return !ready_.empty() || finished_; });
        if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
        if (ready_.empty()) return {};
        const Piece piece = ready_.front();
        ready_.pop_front();
        handed_out_ = true;
        return std::string_view(buffers_[piece.buffer].data(), piece.size);
    }
    // After next() gave the end: the reason reading stopped early, 0 when the input simply ended.
    int error() const {
        std::lock_guard lock(mutex_);
        return error_;
    }

private:
    void read_all() {
        for (std::size_t i = 0;; ++i) {
            const std::size_t buffer = i % kBuffers;
            {
                std::unique_lock lock(mutex_);
                changed_.wait(lock, [&] { return free_ > 0 || stop_; });
                if (stop_) return;
                --free_;
            }
            const std::size_t n = std::fread(buffers_[buffer].data(), 1, kChunk, file_);
            const bool last = n < kChunk;
            const int error = last && std::ferror(file_) ? (errno != 0 ? errno : EIO) : 0;
            if (on_read_ && n > 0) {
                try {
                    on_read_(std::string_view(buffers_[buffer].data(), n));
                } catch (...) {  // nothing may leave a thread: the caller gets it from next()
                    std::lock_guard lock(mutex_);
                    failure_ = std::current_exception();
                    finished_ = true;
                    changed_.notify_all();
                    return;
                }
            }
            {
                std::lock_guard lock(mutex_);
                if (n > 0) ready_.push_back({buffer, n});
                else ++free_;
                if (last) {
                    finished_ = true;
                    error_ = error;
                }
            }
            changed_.notify_all();
            if (last) return;
        }
    }

    std::FILE* file_;
    const std::function<void(std::string_view)>& on_read_;
    std::vector<std::vector<char>> buffers_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Piece> ready_;
    std::size_t free_ = kBuffers;
    bool handed_out_ = false;  // the caller holds one buffer between two next() calls
    bool finished_ = false;
    bool stop_ = false;
    int error_ = 0;
    std::exception_ptr failure_;  // thrown by on_read
    std::thread thread_;
};

}  // namespace

std::variant<InputFile, std::string> open_input(const std::string& path) {
    if (path == "-") return InputFile(stdin, [](std::FILE*) { return 0; });
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        return "cannot read '" + path + "': it is a directory; give a file";
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) return "cannot open '" + path + "': " + std::strerror(errno);
    return InputFile(file, &std::fclose);
}

std::optional<std::string> read_in_chunks(const std::string& path,
                                          const std::function<void(std::string_view)>& on_chunk,
                                          const std::function<void(std::string_view)>& on_read) {
    auto opened = open_input(path);
    if (auto* message = std::get_if<std::string>(&opened)) return *message;
    ReadAhead reader(std::get<InputFile>(opened).get(), on_read);
    for (std::string_view piece = reader.next(); !piece.empty(); piece = reader.next()) on_chunk(piece);
    if (const int error = reader.error(); error != 0) return "cannot read '" + path + "': " + std::strerror(error);
    return std::nullopt;
}

}  // namespace tdbraze::files
