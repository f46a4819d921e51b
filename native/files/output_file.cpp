#include "output_file.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

namespace tdbraze::files {
namespace {

// What is gathered before a write: small pieces (a report's words, a line's head) cost a system call each
// otherwise.
constexpr std::size_t kBufferBytes = 64 * 1024;

// All of `pieces` written to `fd`, through short writes and interruptions; 0, or the errno of the failure (-1:
// a write that took nothing without saying why).
int write_all(int fd, std::vector<iovec>& pieces) {
    std::size_t at = 0;
    while (at < pieces.size()) {
        if (pieces[at].iov_len == 0) {
            ++at;
            continue;
        }
        const int count = static_cast<int>(std::min<std::size_t>(pieces.size() - at, IOV_MAX));
        const ssize_t n = ::writev(fd, pieces.data() + at, count);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return -1;
        auto left = static_cast<std::size_t>(n);
        while (left > 0 && at < pieces.size()) {
            const std::size_t taken = std::min(left, pieces[at].iov_len);
            pieces[at].iov_base = static_cast<char*>(pieces[at].iov_base) + taken;
            pieces[at].iov_len -= taken;
            left -= taken;
            if (pieces[at].iov_len == 0) ++at;
        }
    }
    return 0;
}

std::string reason(int error) { return error > 0 ? system_reason(error) : "the output took no more bytes"; }

}  // namespace

OutputFile::OutputFile(int fd, bool owned, std::string name) : fd_(fd), owned_(owned), name_(std::move(name)) {
    buffer_.reserve(kBufferBytes);
}

std::unique_ptr<OutputFile> OutputFile::standard_output() {
    return std::unique_ptr<OutputFile>(new OutputFile(STDOUT_FILENO, false, "standard output"));
}

Result<std::unique_ptr<OutputFile>> OutputFile::create(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (const int error = errno; fd < 0)
        return fail(ErrorCode::OutputUnwritable, "cannot write '" + path.string() + "': " + reason(error));
    return std::unique_ptr<OutputFile>(new OutputFile(fd, true, "'" + path.string() + "'"));
}

OutputFile::~OutputFile() {
    std::lock_guard lock(mutex_);
    flush_locked();
    if (owned_ && fd_ >= 0) ::close(fd_);
}

void OutputFile::fail_locked(int error) {
    if (error_ == 0) error_ = error;
    buffer_.clear();
}

void OutputFile::flush_locked() {
    if (buffer_.empty() || error_ != 0) return;
    std::vector<iovec> all{{buffer_.data(), buffer_.size()}};
    if (const int error = write_all(fd_, all)) fail_locked(error);
    buffer_.clear();
}

void OutputFile::write_locked(std::span<const std::string_view> pieces) {
    if (error_ != 0 || fd_ < 0) return;
    std::size_t total = 0;
    for (const std::string_view piece : pieces) total += piece.size();
    if (buffer_.size() + total <= kBufferBytes) {
        for (const std::string_view piece : pieces) buffer_ += piece;
        return;
    }
    std::vector<iovec> all;
    all.reserve(pieces.size() + 1);
    if (!buffer_.empty()) all.push_back({buffer_.data(), buffer_.size()});
    for (const std::string_view piece : pieces) all.push_back({const_cast<char*>(piece.data()), piece.size()});
    if (const int error = write_all(fd_, all)) fail_locked(error);
    buffer_.clear();
}

void OutputFile::write(std::span<const std::string_view> pieces) {
    std::lock_guard lock(mutex_);
    write_locked(pieces);
}

bool OutputFile::failed() const {
    std::lock_guard lock(mutex_);
    return error_ != 0;
}

Status OutputFile::finish() {
    std::lock_guard lock(mutex_);
    flush_locked();
    // A file system may report a failed write only when the file is closed (NFS, a quota).
    if (owned_ && fd_ >= 0) {
        if (::close(fd_) != 0 && error_ == 0) error_ = errno;
        fd_ = -1;
    }
    if (error_ != 0) return fail(ErrorCode::OutputUnwritable, "cannot write " + name_ + ": " + reason(error_));
    return {};
}

Status replace_file(const std::filesystem::path& path, std::string_view text, unsigned mode) {
    const std::filesystem::path temporary = path.string() + ".tmp";
    const auto failed = [&](const std::filesystem::path& which, int error) -> Status {
        ::unlink(temporary.c_str());
        return fail(ErrorCode::OutputUnwritable, "cannot write '" + which.string() + "': " + reason(error));
    };
    // O_NOFOLLOW: a link left at the temporary name is not written through.
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return failed(temporary, errno);
    ::fchmod(fd, mode);  // a file left at that name keeps its mode on open
    std::vector<iovec> all{{const_cast<char*>(text.data()), text.size()}};
    int error = write_all(fd, all);
    // Synced before the rename: after a power loss the name holds the old text or the new, never an empty file.
    if (error == 0 && ::fsync(fd) != 0) error = errno;
    if (::close(fd) != 0 && error == 0) error = errno;
    if (error != 0) return failed(temporary, error);
    if (::rename(temporary.c_str(), path.c_str()) != 0) return failed(path, errno);
    return {};
}

OutputFile::int_type OutputFile::overflow(int_type c) {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char ch = traits_type::to_char_type(c);
    const std::string_view piece(&ch, 1);
    std::lock_guard lock(mutex_);
    write_locked({&piece, 1});
    return error_ != 0 ? traits_type::eof() : c;
}

std::streamsize OutputFile::xsputn(const char* s, std::streamsize n) {
    const std::string_view piece(s, static_cast<std::size_t>(n));
    std::lock_guard lock(mutex_);
    write_locked({&piece, 1});
    return error_ != 0 ? 0 : n;
}

int OutputFile::sync() {
    std::lock_guard lock(mutex_);
    flush_locked();
    return error_ != 0 ? -1 : 0;
}

}  // namespace tdbraze::files
