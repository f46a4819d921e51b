// The wall clock, for the native side only (the core has none: callers hand it the time).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <stop_token>
#include <string>

namespace tdbraze {

// Now as ISO-8601 in UTC, to the second: "2025-11-24T09:30:00Z" (Braze's created_at, logs, the state file).
inline std::string utc_now_iso8601() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

inline std::int64_t epoch_seconds_now() { return static_cast<std::int64_t>(std::time(nullptr)); }
inline std::int64_t epoch_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Sleeps for `delay` unless a stop is requested first, which ends the sleep at once (a backoff wait that a
// Ctrl-C must not sit out). False when it was stopped.
inline bool sleep_unless_stopped(std::stop_token stop, std::chrono::milliseconds delay) {
    std::mutex mutex;
    std::condition_variable_any woken;
    std::unique_lock lock(mutex);
    woken.wait_for(lock, stop, delay, [] { return false; });  // only the stop wakes it early
    return !stop.stop_requested();
}

}  // namespace tdbraze
