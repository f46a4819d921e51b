// A line on the terminal while a large input is read: which pass, how much of the file, how fast. A
// ten-million-row table takes seconds to check, and a larger export minutes; without it the command looks hung.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace tdbraze::cli {

// "checking result.csv: 412.3 of 867.1 MB (48%), 205.1 MB/s"; without a total (standard input) the size read.
std::string progress_line(std::string_view pass, std::string_view source, std::uint64_t done, std::uint64_t total,
                          double seconds);

class ReadProgress {
public:
    using Clock = std::chrono::steady_clock;
    // Draws on `out` only when `enabled` (stderr is a terminal): pipes and logs never see it.
    ReadProgress(std::ostream& out, bool enabled, std::string source, std::uint64_t total_bytes,
                 Clock::time_point now = Clock::now());
    ~ReadProgress() { clear(); }
    ReadProgress(const ReadProgress&) = delete;
    ReadProgress& operator=(const ReadProgress&) = delete;

    void start_pass(std::string pass, Clock::time_point now = Clock::now());  // the byte count starts again
    void add(std::uint64_t bytes, Clock::time_point now = Clock::now());
    void say(std::string_view what);  // a step without bytes to count, shown at once
    void clear();  // before anything else is written to the terminal

private:
    void draw(std::string_view line);

    std::ostream& out_;
    bool enabled_;
    std::string source_, pass_;
    std::uint64_t total_, done_ = 0;
    Clock::time_point started_, pass_started_, last_draw_{};
    bool drawn_ = false;
};

}  // namespace tdbraze::cli
