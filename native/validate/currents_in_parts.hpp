// `tdbraze validate currents` of a file on several threads. The file is cut into parts at the starts of lines;
// each part is validated on a thread of its own as if a top-level value began there (currents::LineStart),
// streamed in pieces, and currents::PartsJoiner joins the parts in order, validating again in sequence any
// part whose guess did not hold. The report is byte for byte the one a single thread gives; only the time
// differs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <variant>

#include "tdbraze/currents.hpp"

namespace tdbraze::validate {

// A part smaller than this is not worth a thread of its own: a smaller input, and standard input (which cannot
// be read at two places at once), are validated on the calling thread.
inline constexpr std::uint64_t kMinPartBytes = std::uint64_t{4} << 20;

// The parts a file is cut into by default: one per core (1 to 64).
inline unsigned default_threads() { return std::clamp(std::thread::hardware_concurrency(), 1u, 64u); }

struct CurrentsResult {
    currents::Report report;
    std::uint64_t parts = 1;  // the input was cut into
    std::uint64_t parts_taken = 0;  // parts after the first whose own validation was used
};

// The report of `path` ("-" is standard input) in up to `threads` parts at once (1: on the calling thread, with
// the file read ahead on a second one, as every input is read), or a message naming the file and the reason.
// on_read, when given, is called with the size of each piece as it is read for validation, from the threads
// that read (several at once): for a progress display. A part validated again is not counted again.
std::variant<CurrentsResult, std::string> validate_currents(
    const std::string& path, const currents::Options& options, unsigned threads,
    const std::function<void(std::uint64_t)>& on_read = nullptr);

}  // namespace tdbraze::validate
