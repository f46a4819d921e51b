#include "read_progress.hpp"

#include <cstdio>

namespace tdbraze::cli {
namespace {

// A run shorter than this shows nothing, rather than a line that flashes and is gone.
constexpr auto kQuietStart = std::chrono::milliseconds(300);
constexpr auto kRedraw = std::chrono::milliseconds(100);

}  // namespace

std::string progress_line(std::string_view pass, std::string_view source, std::uint64_t done, std::uint64_t total,
                          double seconds) {
    const double mb = static_cast<double>(done) / 1e6;
    char numbers[128];
    if (total > 0) {
        const double share = static_cast<double>(done) * 100.0 / static_cast<double>(total);
        std::snprintf(numbers, sizeof numbers, "%.1f of %.1f MB (%.0f%%)", mb, static_cast<double>(total) / 1e6,
                      share > 100 ? 100.0 : share);
    } else {
        std::snprintf(numbers, sizeof numbers, "%.1f MB", mb);
    }
    std::string line = std::string(pass) + " " + std::string(source) + ": " + numbers;
    if (seconds > 0.05) {
        char rate[48];
        std::snprintf(rate, sizeof rate, ", %.1f MB/s", mb / seconds);
        line += rate;
    }
    return line;
}

ReadProgress::ReadProgress(std::ostream& out, bool enabled, std::string source, std::uint64_t total_bytes,
                           Clock::time_point now)
    : out_(out),
      enabled_(enabled),
      source_(std::move(source)),
      total_(total_bytes),
      started_(now),
      pass_started_(now) {}

void ReadProgress::start_pass(std::string pass, Clock::time_point now) {
    pass_ = std::move(pass);
    done_ = 0;
    pass_started_ = now;
}

void ReadProgress::add(std::uint64_t bytes, Clock::time_point now) {
    done_ += bytes;
    if (!enabled_ || now - started_ < kQuietStart || now - last_draw_ < kRedraw) return;
    last_draw_ = now;
    draw(progress_line(pass_, source_, done_, total_, std::chrono::duration<double>(now - pass_started_).count()));
}

void ReadProgress::say(std::string_view what) {
    if (enabled_ && drawn_) draw(std::string(what) + " " + source_);
}

void ReadProgress::draw(std::string_view line) {
    out_ << "\r\x1b[2K" << line << std::flush;  // the whole line again: a shorter one leaves no tail behind
    drawn_ = true;
}

void ReadProgress::clear() {
    if (drawn_) out_ << "\r\x1b[2K" << std::flush;
    drawn_ = false;
}

}  // namespace tdbraze::cli
