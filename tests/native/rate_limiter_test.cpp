// The sending threads' shared rate limit (native/sync/rate_limiter.hpp): the token bucket on a clock the test
// moves, and the limiter on the real one.
#include <catch2/catch.hpp>

#include <atomic>
#include <stop_token>
#include <chrono>
#include <thread>

#include "rate_limiter.hpp"

using tdbraze::sync::RateLimiter;
using tdbraze::sync::TokenBucket;
using namespace std::chrono_literals;

TEST_CASE("token bucket: a burst of its capacity, then an even flow at its rate") {
    const auto t0 = TokenBucket::Clock::time_point{} + 1h;
    TokenBucket bucket(10.0, 4.0, t0);  // 10 a second, 4 at once
    for (int i = 0; i < 4; ++i) CHECK_FALSE(bucket.take(t0));
    const auto wait = bucket.take(t0);
    REQUIRE(wait);
    CHECK(*wait == 100ms);
    CHECK(bucket.take(t0 + 50ms) == std::optional<TokenBucket::Clock::duration>(50ms));  // half a token came
    CHECK_FALSE(bucket.take(t0 + 100ms));
    // Over ten seconds, 100 more and not one more (the 101st is due 50 ms after the loop ends).
    int taken = 0;
    for (auto t = t0 + 100ms; t <= t0 + 10s + 150ms; t += 10ms)
        if (!bucket.take(t)) ++taken;
    CHECK(taken == 100);
    // Idle for a minute: only the capacity is saved up.
    int burst = 0;
    while (!bucket.take(t0 + 70s)) ++burst;
    CHECK(burst == 4);
}

TEST_CASE("token bucket: a pause holds every token back until it ends, then the flow starts empty") {
    const auto t0 = TokenBucket::Clock::time_point{} + 1h;
    TokenBucket bucket(10.0, 4.0, t0);
    bucket.pause_until(t0 + 2s);
    const auto wait = bucket.take(t0 + 500ms);
    REQUIRE(wait);
    CHECK(*wait == 1500ms);
    CHECK(bucket.take(t0 + 2s));  // the pause ended, and the bucket starts empty
    CHECK_FALSE(bucket.take(t0 + 2s + 100ms));
    bucket.pause_until(t0 + 1s);  // an earlier end than the last pause does not shorten anything
    CHECK(bucket.take(t0 + 2s + 150ms));
}

TEST_CASE("rate limiter: threads together get the rate, and a cancel frees a waiting one") {
    RateLimiter limiter(20.0 * 3600, 2);  // 20 a second, 2 at once
    const std::stop_token never;
    const auto start = std::chrono::steady_clock::now();
    std::atomic<int> granted{0};
    std::thread a([&] {
        for (int i = 0; i < 6; ++i) granted += limiter.acquire(never) ? 1 : 0;
    });
    std::thread b([&] {
        for (int i = 0; i < 6; ++i) granted += limiter.acquire(never) ? 1 : 0;
    });
    a.join();
    b.join();
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(granted == 12);
    CHECK(took >= 450ms);  // (12 - 2) / 20 a second, less a little for the clock's grain
    CHECK(took < 3s);

    limiter.pause_until(std::chrono::steady_clock::now() + 1h);
    std::stop_source cancel;
    bool acquired = true;
    std::thread waiting([&] { acquired = limiter.acquire(cancel.get_token()); });
    std::this_thread::sleep_for(50ms);
    const auto cancelled_at = std::chrono::steady_clock::now();
    cancel.request_stop();
    waiting.join();
    CHECK_FALSE(acquired);
    CHECK(std::chrono::steady_clock::now() - cancelled_at < 100ms);  // woken by the stop, not a poll
}
