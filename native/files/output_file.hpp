// What a command writes for its user (standard output, a plan's requests.jsonl), with every write checked: a
// full disk, a quota or a file that cannot take more ends the command with the OS's reason and exit status 2,
// never with a short output and status 0.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <streambuf>
#include <string>
#include <string_view>

#include "error.hpp"

namespace tdbraze::files {

// A std::streambuf, so that report writers stream into it (std::cout is pointed at one). Like std::cout over
// stdio, it may be written from several threads at once: it keeps no put area, so every write comes through
// xsputn or overflow, which take its lock.
class OutputFile final : public std::streambuf {
public:
    // Standard output; not closed here.
    static std::unique_ptr<OutputFile> standard_output();
    // `path`, created or emptied (mode 0644 less the umask); the error names it and says why when it cannot be.
    static Result<std::unique_ptr<OutputFile>> create(const std::filesystem::path& path);
    ~OutputFile() override;  // writes what is buffered (a failure then is lost: call finish()), closes its file

    // Writes `pieces` in order, after what is buffered. Pieces of some size are written from where they lie,
    // many in one call (writev), rather than copied into the buffer first.
    void write(std::span<const std::string_view> pieces);
    // Whether a write has failed; nothing is written after the first failure.
    bool failed() const;
    // Writes what is buffered, and closes a file it opened; then the first failure of any write, naming the
    // output ("'PATH'" or "standard output") and the OS's reason.
    Status finish();
    const std::string& name() const { return name_; }

protected:
    int_type overflow(int_type c) override;
    std::streamsize xsputn(const char* s, std::streamsize n) override;
    int sync() override;

private:
    OutputFile(int fd, bool owned, std::string name);
    // The caller holds mutex_.
    void write_locked(std::span<const std::string_view> pieces);
    void flush_locked();
    void fail_locked(int error);

    int fd_;
    const bool owned_;
    const std::string name_;
    mutable std::mutex mutex_;
    std::string buffer_;
    int error_ = 0;  // errno of the first failed write; -1 for a write that took nothing without one
};

// `text` as the whole of `path`, or the file as it was: written to PATH.tmp with `mode`, synced, then renamed
// over it. A full disk leaves the old file (credentials, settings) whole; the error names the file and says why.
Status replace_file(const std::filesystem::path& path, std::string_view text, unsigned mode);

}  // namespace tdbraze::files
