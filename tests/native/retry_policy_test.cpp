// Which answers are retried, split or fatal, and how long the waits are.
#include <catch2/catch.hpp>

#include "retry_policy.hpp"

using namespace tdbraze::sync;
using namespace std::chrono_literals;

TEST_CASE("answers are classified as Braze's partner API and the open clients do") {
    CHECK(classify(200, false) == Verdict::Done);
    CHECK(classify(201, false) == Verdict::Done);
    CHECK(classify(202, false) == Verdict::Done);
    for (long retry : {408L, 423L, 429L, 500L, 502L, 503L, 504L}) CHECK(classify(retry, false) == Verdict::Retry);
    CHECK(classify(0, true) == Verdict::Retry);  // connection dropped, timeout, reset
    CHECK(classify(413, false) == Verdict::Split);
    for (long stop : {400L, 401L, 403L, 404L, 501L, 422L}) CHECK(classify(stop, false) == Verdict::Stop);
}

TEST_CASE("backoff is exponential, capped, and fully jittered") {
    BackoffPolicy p;
    p.base = 500ms;
    p.cap = 8s;
    CHECK(backoff_delay(p, 0, 0.999) == 499ms);
    CHECK(backoff_delay(p, 3, 0.5) == 2000ms);
    CHECK(backoff_delay(p, 10, 0.999) == 7992ms);  // capped at 8 s
    CHECK(backoff_delay(p, 60, 1.0) == 8000ms);  // no overflow on silly attempt numbers
    CHECK(backoff_delay(p, 5, 0.0) == 0ms);
}

TEST_CASE("the server's wait wins: Retry-After, or the rate-limit reset on a 429") {
    CHECK(server_delay(503, 7L, std::nullopt, 1'000'000) == std::optional(7000ms));
    CHECK(server_delay(429, std::nullopt, 1012L, 1'000'000) == std::optional(12000ms));
    // Counted from the millisecond: a reset at the next second, 0.9 s into this one, is 100 ms away.
    CHECK(server_delay(429, std::nullopt, 1001L, 1'000'900) == std::optional(100ms));
    CHECK(server_delay(429, std::nullopt, 990L, 1'000'000) == std::nullopt);  // reset already passed
    CHECK(server_delay(429, std::nullopt, 1000L, 1'000'000) == std::nullopt);  // reset now
    CHECK(server_delay(500, std::nullopt, 1012L, 1'000'000) == std::nullopt);  // reset only matters for 429
    CHECK(server_delay(429, 999999L, std::nullopt, 0) == std::optional(3600000ms));  // at most an hour

    // A confirmed request that spent the window: wait for its reset; any left, or no reset given: no wait.
    CHECK(window_spent_delay(0L, 1001L, 1'000'250) == std::optional(750ms));
    CHECK(window_spent_delay(3L, 1001L, 1'000'250) == std::nullopt);
    CHECK(window_spent_delay(0L, std::nullopt, 1'000'250) == std::nullopt);
    CHECK(window_spent_delay(std::nullopt, 1001L, 1'000'250) == std::nullopt);
    CHECK(window_spent_delay(0L, 99999999L, 0) == std::optional(3600000ms));  // at most an hour
}

TEST_CASE("fatal answers are explained with what to fix") {
    CHECK(explain_stop(401, "{\"message\":\"Invalid client secret\"}", "https://rest.fra-01.braze.eu")
              .find("wrong instance") != std::string::npos);
    CHECK(explain_stop(404, "", "https://rest.iad-01.braze.com").find("partner name in the path") != std::string::npos);
}

TEST_CASE(
    "retry policy: a closed port or an unknown name ends a run only before any answer, and a bad certificate always") {
    using tdbraze::ErrorCode;
    using tdbraze::transport::TransportFailure;
    const auto response = [](TransportFailure f) {
        tdbraze::transport::HttpResponse r;
        r.failure = f;
        r.network_error = "curl's words";
        return r;
    };
    const std::string where = "https://rest.iad-01.braze.com";
    auto refused = unreachable(response(TransportFailure::ConnectionRefused), false, where);
    REQUIRE(refused);
    CHECK(refused->code == ErrorCode::ConnectionRefused);
    CHECK(refused->message.find(where) != std::string::npos);
    CHECK(refused->message.find("curl's words") != std::string::npos);
    CHECK_FALSE(unreachable(response(TransportFailure::ConnectionRefused), true, where));  // a restart: retried
    REQUIRE(unreachable(response(TransportFailure::NameNotResolved), false, where));
    CHECK(unreachable(response(TransportFailure::NameNotResolved), false, where)->code == ErrorCode::NameNotResolved);
    CHECK_FALSE(unreachable(response(TransportFailure::NameNotResolved), true, where));
    for (const bool answered : {false, true}) {
        const auto tls = unreachable(response(TransportFailure::TlsVerification), answered, where);
        REQUIRE(tls);
        CHECK(tls->code == ErrorCode::TlsVerification);
        CHECK(tls->message.find("--ca-bundle") != std::string::npos);
        // Waiting may mend these: they stay retried.
        CHECK_FALSE(unreachable(response(TransportFailure::Timeout), answered, where));
        CHECK_FALSE(unreachable(response(TransportFailure::ConnectionLost), answered, where));
        CHECK_FALSE(unreachable(response(TransportFailure::None), answered, where));
    }
}
