// Unnamed temporary files for the sync's and the planner's spills (the plan being sent, the duplicate check
// of a large table).
#pragma once

#include <cstdio>
#include <memory>
#include <string>

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

// Standard input copied to an unnamed temporary file, for the commands that read their input more than once
// (a sync checks the table, then reads it again to send it). path() names the copy for reading again, for as
// long as this lives; the copy vanishes with the process however that ends.
class SpooledInput {
public:
    static Result<SpooledInput> from_standard_input();
    const std::string& path() const { return path_; }

private:
    std::shared_ptr<std::FILE> file_;
    std::string path_;
};

}  // namespace tdbraze::files
