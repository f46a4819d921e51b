// Fault injection: what can go wrong with a request between a client and Braze, and how often.
//
//   --faults
//   "429=0.05,500=0.05,502=0.02,503=0.03,423=0.01,latency_ms=20,latency_jitter_ms=30,drop_before=0.02,drop_after=0.02"
//
// A status code (400..599) = the share of requests answered with that status instead of being handled;
// drop_before = the share whose connection is closed before the change is applied; drop_after = the share
// whose change IS applied and whose connection is then closed without a complete response (the case that
// makes a client unsure whether to re-send); latency_ms + a uniform 0..latency_jitter_ms = a delay added
// to every request. The shares are exclusive outcomes of one draw, so they may add up to at most 1.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "parsed.hpp"

namespace tdbraze::emulator {

struct FaultSpec {
    std::map<int, double> statuses;  // status code -> probability
    double drop_before = 0;
    double drop_after = 0;
    std::uint32_t latency_ms = 0;
    std::uint32_t latency_jitter_ms = 0;

    bool empty() const;
};

// "" is no faults. Errors name the offending entry.
Parsed<FaultSpec> parse_fault_spec(std::string_view text);

struct FaultDecision {
    enum class Kind : std::uint8_t { None, Status, DropBefore, DropAfter };
    Kind kind = Kind::None;
    int status = 0;  // for Kind::Status
    std::chrono::milliseconds delay{0};
};

// Draws one decision per request from a seeded generator. Safe to share between server threads. With a
// seed, the sequence of decisions is the same on every run (the order requests arrive in is the caller's).
class FaultInjector {
public:
    FaultInjector(FaultSpec spec, std::optional<std::uint64_t> seed);

    FaultDecision decide();
    void reseed();  // back to the start of the seeded sequence (a fresh random one without a seed)
    const FaultSpec& spec() const { return spec_; }

private:
    FaultSpec spec_;
    std::optional<std::uint64_t> seed_;
    std::mutex mutex_;
    std::mt19937_64 random_;
};

}  // namespace tdbraze::emulator
