// The fixed-window request limit (see rate_limit.hpp).
#include "rate_limit.hpp"

namespace tdbraze::emulator {

RateDecision FixedWindowLimiter::take(std::int64_t now_ms) {
    if (!limit_.enabled()) return {};
    if (now_ms >= window_end_ms_) {
        window_end_ms_ = now_ms + static_cast<std::int64_t>(limit_.window_seconds) * 1000;
        used_ = 0;
    }
    RateDecision decision;
    decision.limit = limit_.requests;
    decision.allowed = used_ < limit_.requests;
    if (decision.allowed) ++used_;
    decision.remaining = limit_.requests - used_;
    // Rounded up: a client that waits until the announced second finds the window open.
    decision.reset_epoch_seconds = (window_end_ms_ + 999) / 1000;
    return decision;
}

}  // namespace tdbraze::emulator
