// What to do with an answer from Braze, and how long to wait before trying again. Pure functions: the engine
// supplies the clock and the random numbers, the tests supply their own.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "error.hpp"
#include "http_client.hpp"

namespace tdbraze::sync {

enum class Verdict {
    Done,  // 2xx: confirmed
    Retry,  // 408, 423, 429, 5xx except 501, network errors
    Split,  // 413: the body is too large; send it in two halves
    Stop,  // 400, 401, 403, 404, 501, other 4xx: retrying cannot help; the run stops
};

Verdict classify(long status, bool network_error);

struct BackoffPolicy {
    std::chrono::milliseconds base{500};
    std::chrono::milliseconds cap{60'000};
    int max_attempts = 12;  // per batch, before the run gives up on it
};

// Capped exponential backoff with full jitter: a uniform wait in [0, min(cap, base * 2^attempt)].
// `unit_random` is a number in [0, 1). `attempt` counts from 0 (the wait after the first failure).
std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int attempt, double unit_random);

// The wait the server asked for: Retry-After (seconds), or X-RateLimit-Reset (epoch seconds) on a 429.
// `now_epoch_ms` is the wall clock in milliseconds: a reset at the next whole second is often a fraction of
// a second away, and counting from the current whole second waited half a second too long on average.
std::optional<std::chrono::milliseconds> server_delay(long status, std::optional<long> retry_after_seconds,
                                                      std::optional<long> rate_limit_reset, std::int64_t now_epoch_ms);

// After a confirmed request: the wait until the server's rate-limit window resets when it said none of the
// window is left (X-RateLimit-Remaining 0 with X-RateLimit-Reset), so that the next request does not draw a
// 429; otherwise nothing.
std::optional<std::chrono::milliseconds> window_spent_delay(std::optional<long> rate_limit_remaining,
                                                            std::optional<long> rate_limit_reset,
                                                            std::int64_t now_epoch_ms);

// A request that got no HTTP answer, when retrying cannot help: the run ends with this error instead of
// retrying for minutes. A name that does not resolve and a closed port end it only while the receiver has
// not answered any request of the run (after that they are a passing outage, retried like a timeout); an
// untrusted certificate always ends it. `receiver` is the endpoint or URL, for the message. Nothing for a
// failure worth retrying.
std::optional<Error> unreachable(const transport::HttpResponse& response, bool answered_before,
                                 const std::string& receiver);

// A sentence for a person: what the status means for a partner cohort import and what to fix.
std::string explain_stop(long status, const std::string& redacted_body, const std::string& endpoint);

}  // namespace tdbraze::sync
