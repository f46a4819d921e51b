#include "temp_file.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "error.hpp"

namespace tdbraze::files {

TempFile open_unnamed_temp_file() {
    const char* dir = std::getenv("TMPDIR");
    std::string path = (dir != nullptr && *dir != '\0') ? dir : "/tmp";
    path += "/tdbraze-spill-XXXXXX";
    const int fd = ::mkstemp(path.data());  // mode 0600
    if (fd < 0) return nullptr;
    ::unlink(path.c_str());
    std::FILE* file = ::fdopen(fd, "w+b");
    if (file == nullptr) ::close(fd);
    return TempFile(file);
}

void write_at(std::FILE* file, std::string_view bytes, std::uint64_t offset, TempFileFailure& failure) {
    if (failure.failed() || bytes.empty()) return;
    if (file == nullptr) return failure.fail(0);
    const ssize_t wrote = ::pwrite(::fileno(file), bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (wrote != static_cast<ssize_t>(bytes.size())) failure.fail(wrote < 0 ? errno : ENOSPC);
}

bool read_at(std::FILE* file, char* into, std::size_t n, std::uint64_t offset, TempFileFailure& failure) {
    if (failure.failed() || file == nullptr) {
        failure.fail(0);
        return false;
    }
    if (n == 0) return true;
    const ssize_t got = ::pread(::fileno(file), into, n, static_cast<off_t>(offset));
    if (got == static_cast<ssize_t>(n)) return true;
    failure.fail(got < 0 ? errno : 0);
    return false;
}

std::string temp_file_reason(int error) { return error == 0 ? "is it missing or full?" : system_reason(error); }

bool SpooledInput::open_copy() {
    file_ = open_unnamed_temp_file();
    return file_ != nullptr;
}

bool SpooledInput::finish_copy() {
    if (std::fflush(file_.get()) != 0) return false;
    // The copy has no name; the process's own link to its descriptor reads it from the start, as a file.
    path_ = "/proc/self/fd/" + std::to_string(::fileno(file_.get()));
    return true;
}

Result<SpooledInput> SpooledInput::from_text(std::string_view text, const std::string& name) {
    SpooledInput spooled;
    if (!spooled.open_copy() || std::fwrite(text.data(), 1, text.size(), spooled.file_.get()) != text.size() ||
        !spooled.finish_copy()) {
        const int error = errno;  // before anything else can change it
        return fail(ErrorCode::TempFile,
                    "cannot keep " + name + " in a temporary file in $TMPDIR (else /tmp): " + temp_file_reason(error));
    }
    return spooled;
}

Result<SpooledInput> SpooledInput::from_standard_input() {
    SpooledInput spooled;
    const auto cannot = [](const char* what) {
        const int error = errno;
        return fail(ErrorCode::TempFile,
                    std::string("cannot ") + what + " standard input's copy in $TMPDIR (else /tmp): " +
                        temp_file_reason(error) + "; point TMPDIR at a disk with room, or give a file");
    };
    if (!spooled.open_copy()) return cannot("create");
    std::vector<char> buffer(1 << 20);
    for (;;) {
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), stdin);
        if (n > 0 && std::fwrite(buffer.data(), 1, n, spooled.file_.get()) != n) return cannot("write");
        if (n < buffer.size()) {
            if (const int error = errno; std::ferror(stdin))
                return fail(ErrorCode::InputUnreadable, "cannot read standard input: " + system_reason(error));
            break;
        }
    }
    if (!spooled.finish_copy()) return cannot("write");
    return spooled;
}

}  // namespace tdbraze::files
