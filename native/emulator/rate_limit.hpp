// A fixed-window request limit, like the one Braze puts on its REST endpoints, with the numbers for the
// X-RateLimit-Limit / -Remaining / -Reset headers. Pure: the caller passes the clock, and locks.
#pragma once

#include <cstdint>

namespace tdbraze::emulator {

struct RateLimit {
    std::uint64_t requests = 0;  // per window; 0 = unlimited (no limit, no headers)
    std::uint64_t window_seconds = 3600;  // Braze states its partner limit per hour
    bool enabled() const { return requests > 0; }
};

struct RateDecision {
    bool allowed = true;
    std::uint64_t limit = 0;
    std::uint64_t remaining = 0;
    std::int64_t reset_epoch_seconds = 0;  // when the current window ends
};

class FixedWindowLimiter {
public:
    explicit FixedWindowLimiter(RateLimit limit) : limit_(limit) {}

    // Counts one request at `now_ms` (epoch milliseconds). A window opens with the first request after the
    // previous one ended, so a short test does not straddle a boundary it did not choose.
    RateDecision take(std::int64_t now_ms);
    void reset() {
        window_end_ms_ = 0;
        used_ = 0;
    }

private:
    RateLimit limit_;
    std::int64_t window_end_ms_ = 0;
    std::uint64_t used_ = 0;
};

}  // namespace tdbraze::emulator
