// Unnamed temporary files for the sync's and the planner's spills (the plan being sent, the duplicate check
// of a large table).
#pragma once

#include <cstdio>

namespace tdbraze::sync {

// A new file in $TMPDIR (else /tmp), opened for reading and writing and already unlinked, so that it
// vanishes with the process however that ends; mode 0600. Null on failure (errno says why). Unlike
// std::tmpfile, which glibc always creates in /tmp, it honours TMPDIR: a ten-million-id table needs some
// hundreds of megabytes of it, and users point TMPDIR at a disk that has them.
std::FILE* open_unnamed_temp_file();

}  // namespace tdbraze::sync
