// The rate limit all sending threads share: at most `per_hour` requests an hour, in an even flow.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stop_token>

namespace tdbraze::sync {

// A token bucket's arithmetic, without a clock or a lock: the caller says what time it is.
class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;

    // Starts full: `capacity` requests may go at once, then `per_second` a second.
    TokenBucket(double per_second, double capacity, Clock::time_point now)
        : per_second_(per_second), capacity_(capacity), tokens_(capacity), last_(now) {}

    // Takes a token if there is one at `now`; otherwise how long until there will be.
    std::optional<Clock::duration> take(Clock::time_point now) {
        refill(now);
        if (tokens_ >= 1.0) {
            tokens_ -= 1.0;
            return std::nullopt;
        }
        if (now < paused_until_) return paused_until_ - now;
        return std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>((1.0 - tokens_) / per_second_));
    }

    // No token until `until`, and the bucket empty then: a 429 with a reset time applies to the whole
    // client, not to one thread.
    void pause_until(Clock::time_point until) {
        if (until > paused_until_) paused_until_ = until;
        tokens_ = 0;
        last_ = std::max(last_, until);
    }

private:
    void refill(Clock::time_point now) {
        if (now < paused_until_ || now <= last_) return;
        tokens_ = std::min(capacity_, tokens_ + std::chrono::duration<double>(now - last_).count() * per_second_);
        last_ = now;
    }

    double per_second_;
    double capacity_;
    double tokens_;
    Clock::time_point last_;
    Clock::time_point paused_until_{};
};

// The bucket shared by the sending threads, on the steady clock.
class RateLimiter {
public:
    using Clock = TokenBucket::Clock;

    // A burst of `burst` requests (the number of threads, so that they can start together), and never more
    // than a second's worth. A larger burst overshoots a server that counts its limit in short fixed windows:
    // a full second's worth at the start drew a 429 and a pause until the window's reset in every run
    // against the emulator limited per second.
    RateLimiter(double per_hour, int burst)
        : bucket_(per_hour / 3600.0, std::max(1.0, std::min(per_hour / 3600.0, static_cast<double>(burst))),
                  Clock::now()) {}

    // Waits for a token. Returns false when `stop` is requested while waiting.
    bool acquire(std::stop_token stop) {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (stop.stop_requested()) return false;
            const auto wait = bucket_.take(Clock::now());
            if (!wait) return true;
            // Woken early only by the stop: a pause or another thread's take changes nothing a waiter needs.
            wake_.wait_for(lock, stop, *wait, [] { return false; });
        }
    }

    void pause_until(Clock::time_point until) {
        std::lock_guard lock(mutex_);
        bucket_.pause_until(until);
    }

private:
    std::mutex mutex_;
    std::condition_variable_any wake_;
    TokenBucket bucket_;
};

}  // namespace tdbraze::sync
