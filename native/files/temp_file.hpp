// Unnamed temporary files for the sync's and the planner's spills (the plan being sent, the duplicate check
// of a large table).
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "error.hpp"

namespace tdbraze::files {

// A temporary file, closed when it goes (which gives its space back: it has no name).
struct CloseFile {
    void operator()(std::FILE* file) const { std::fclose(file); }
};
using TempFile = std::unique_ptr<std::FILE, CloseFile>;

// A new file in $TMPDIR (else /tmp), opened for reading and writing and already unlinked, so that it
// vanishes with the process however that ends; mode 0600. Null on failure (errno says why). Unlike
// std::tmpfile, which glibc always creates in /tmp, it honours TMPDIR: a ten-million-id table needs some
// hundreds of megabytes of it, and users point TMPDIR at a disk that has them.
TempFile open_unnamed_temp_file();

// The first failure of a temporary file's opening, writes or reads, with the system's reason (errno) when
// there was one; safe to set from several threads.
class TempFileFailure {
public:
    bool failed() const { return failed_; }
    int error() const { return error_; }
    // `error`: errno of the failed call, 0 when the failure is not the system's (a short read of data that
    // was written). Only the first error is kept.
    void fail(int error) {
        int none = 0;
        if (error != 0) error_.compare_exchange_strong(none, error);
        failed_ = true;
    }

private:
    std::atomic<bool> failed_{false};
    std::atomic<int> error_{0};
};

// open_unnamed_temp_file(), a failure to open noted in `failure`.
inline TempFile open_unnamed_temp_file(TempFileFailure& failure) {
    TempFile file = open_unnamed_temp_file();
    if (file == nullptr) failure.fail(errno);
    return file;
}

// `bytes` written at `offset` of `file`; a failure (the system's, or a short write: the disk is full) noted in
// `failure`, and nothing written once one is.
void write_at(std::FILE* file, std::string_view bytes, std::uint64_t offset, TempFileFailure& failure);
// `n` bytes at `offset` of `file` into `into`; false, and the failure noted, when they cannot all be read.
bool read_at(std::FILE* file, char* into, std::size_t n, std::uint64_t offset, TempFileFailure& failure);

// Why a temporary file could not be used, in words, from TempFileFailure::error(): the system's reason, or a
// guess when it gave none.
std::string temp_file_reason(int error);

// Standard input copied to an unnamed temporary file, for the commands that read their input more than once
// (a sync checks the table, then reads it again to send it). path() names the copy for reading again, for as
// long as this lives; the copy vanishes with the process however that ends.
class SpooledInput {
public:
    static Result<SpooledInput> from_standard_input();
    // `text` kept the same way (text pasted into the desktop app, which is personal data: never under a name
    // of its own in /tmp); the error names it as `name`.
    static Result<SpooledInput> from_text(std::string_view text, const std::string& name);
    const std::string& path() const { return path_; }

private:
    // Opens the copy's file; false (errno says why) when none can be had.
    bool open_copy();
    // Writes out what is buffered and names the copy; false (errno says why) when the writing failed.
    bool finish_copy();

    std::shared_ptr<std::FILE> file_;
    std::string path_;
};

}  // namespace tdbraze::files
