// A stand-in for the endpoint Braze Currents POSTs event batches to (shared/spec/currents.md, "Transport"):
// it checks the bearer token, the size, then the payload with the core's validator, and answers the way a
// receiver should so that Braze does the right thing (2xx done, 400 re-sent event by event, 401 not
// re-sent, 413 split). Pure: no HTTP, no state; BrazeEmulator counts what it returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tdbraze::emulator {

// Treasure Data's streaming ingestion limit, the strictest receiver of Currents batches.
inline constexpr std::size_t kMaxCurrentsBodyBytes = 1024 * 1024;

struct CurrentsVerdict {
    enum class Outcome : std::uint8_t { Accepted, Rejected, Unauthorized, TooLarge };
    Outcome outcome = Outcome::Accepted;
    int status = 200;
    std::string body;  // JSON: {"message": ..., ...}
    std::uint64_t events = 0;  // events in the payload (as the validator counted them)
    std::vector<std::string> event_ids;  // "id" of each event of an accepted payload, in order
};

struct CurrentsRequest {
    std::string_view body;  // the whole body, unless too_large
    bool too_large = false;  // more than kMaxCurrentsBodyBytes arrived (and were not kept)
    std::string_view authorization;  // the Authorization header; empty when absent
};

// token: when set, the request must carry `Authorization: Bearer <token>`. now_epoch_seconds feeds the
// validator's far-future check.
CurrentsVerdict receive_currents(const CurrentsRequest& request, const std::optional<std::string>& token,
                                 std::int64_t now_epoch_seconds);

}  // namespace tdbraze::emulator
