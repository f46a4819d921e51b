// A token bucket shared by all sending threads: at most `per_hour` requests an hour, in an even flow.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace tdbraze::sync {

class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    // A burst of `burst` requests (the number of threads, so that they can start together), and never more
    // than a second's worth. A larger burst overshoots a server that counts its limit in short fixed windows:
    // a full second's worth at the start drew a 429 and a pause until the window's reset in every run
    // against the emulator limited per second.
    RateLimiter(double per_hour, int burst)
        : rate_per_second_(per_hour / 3600.0),
          capacity_(std::max(1.0, std::min(per_hour / 3600.0, static_cast<double>(burst)))),
          tokens_(capacity_) {}

    // Waits for a token. Returns false when `cancelled` became true while waiting.
    bool acquire(const std::atomic<bool>& cancelled) {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (cancelled.load()) return false;
            refill();
            if (tokens_ >= 1.0) {
                tokens_ -= 1.0;
                return true;
            }
            const double missing = 1.0 - tokens_;
            const auto wait = std::chrono::duration<double>(missing / rate_per_second_);
            wake_.wait_for(lock, std::min<std::chrono::duration<double>>(wait, std::chrono::milliseconds(200)));
        }
    }

    // Everyone waits until `until` (a 429 with a reset time applies to the whole client, not one thread).
    void pause_until(Clock::time_point until) {
        std::lock_guard lock(mutex_);
        if (until > paused_until_) paused_until_ = until;
        tokens_ = 0;
        last_ = until;
    }

    void wake_all() { wake_.notify_all(); }

private:
    void refill() {
        const auto now = Clock::now();
        if (now < paused_until_ || now <= last_) return;
        tokens_ = std::min(capacity_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_per_second_);
        last_ = now;
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    double rate_per_second_;
    double capacity_;
    double tokens_;
    Clock::time_point last_ = Clock::now();
    Clock::time_point paused_until_{};
};

}  // namespace tdbraze::sync
