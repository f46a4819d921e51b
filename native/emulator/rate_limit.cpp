// The fixed-window request limit (see rate_limit.hpp).
#include "rate_limit.hpp"

namespace tdbraze::emulator {

RateDecision FixedWindowLimiter::take(std::int64_t now_ms) {
    if (!limit_.enabled()) return {};
    if (now_ms >= window_end_ms_) {
        // The window ends on a whole second, as X-RateLimit-Reset can only say whole seconds: ending it where
        // it opened plus the length, the header had to round up, and a client that waited for the announced
        // second lost up to a second of every window (half the rate with windows of a second). So a window
        // lasts at most its length, and the reset it announces is exactly its end.
        const std::int64_t end_ms = now_ms + static_cast<std::int64_t>(limit_.window_seconds) * 1000;
        window_end_ms_ = end_ms - end_ms % 1000;
        used_ = 0;
    }
    RateDecision decision;
    decision.limit = limit_.requests;
    decision.allowed = used_ < limit_.requests;
    if (decision.allowed) ++used_;
    decision.remaining = limit_.requests - used_;
    decision.reset_epoch_seconds = window_end_ms_ / 1000;
    return decision;
}

}  // namespace tdbraze::emulator
