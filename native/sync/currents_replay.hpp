// Replaying a Currents payload to a receiver the way Braze's HTTP connector sends it: batches of at most 100
// events with `Braze-Currents-Version: 1`, one event per request after a 400, halves after a 413, backoff on
// 429 and 5xx, a stop on 401/403/404.
#pragma once

#include <stop_token>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "error.hpp"
#include "http_client.hpp"
#include "retry_policy.hpp"
#include "sync_types.hpp"

namespace tdbraze::sync {

struct ReplayOptions {
    std::string url;
    std::string bearer_token;  // empty: no Authorization header
    std::size_t batch_size = 100;
    transport::HttpOptions http;
    BackoffPolicy backoff;
};

struct ReplaySummary {
    std::uint64_t events = 0;
    std::uint64_t accepted = 0;
    std::uint64_t dropped = 0;  // refused one by one with 400, as Braze drops them
    std::uint64_t requests = 0;
    std::uint64_t retries = 0;
    // Completed: every event accepted. Failed: the receiver refused some (dropped), or the replay stopped
    // (error says why). Interrupted: the user stopped it. Refused: it could not start.
    Outcome outcome = Outcome::Failed;
    std::optional<Error> error;
    std::string message;
    bool ok() const { return outcome == Outcome::Completed; }
};

// The events of a payload file (an envelope, JSON Lines of envelopes or events, a bare array or event), each
// as compact JSON text. An error message when the file is not JSON.
std::variant<std::vector<std::string>, std::string> read_currents_events(const std::string& path);

ReplaySummary replay_currents(const std::vector<std::string>& events, const ReplayOptions& options,
                              const std::function<void(const std::string&)>& log, std::stop_token stop = {});

}  // namespace tdbraze::sync
