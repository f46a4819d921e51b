// Parsing --faults and drawing per-request fault decisions (see faults.hpp).
#include "faults.hpp"

#include <charconv>
#include <set>
#include <system_error>

#include "tdbraze/text.hpp"

namespace tdbraze::emulator {

namespace {

template <class Number>
std::optional<Number> parse_number(std::string_view text) {
    Number value{};
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (error != std::errc{} || stop != end || text.empty()) return std::nullopt;
    return value;
}

std::optional<double> parse_probability(std::string_view text) {
    const std::optional<double> p = parse_number<double>(text);
    if (!p || !(*p >= 0.0 && *p <= 1.0)) return std::nullopt;
    return p;
}

}  // namespace

bool FaultSpec::empty() const {
    double shares = drop_before + drop_after;
    for (const auto& [status, p] : statuses) shares += p;
    return shares == 0.0 && latency_ms == 0 && latency_jitter_ms == 0;
}

Parsed<FaultSpec> parse_fault_spec(std::string_view text) {
    FaultSpec spec;
    std::set<std::string, std::less<>> seen;
    double total = 0;
    while (!text.empty()) {
        const std::size_t comma = text.find(',');
        const std::string_view entry = trim_blanks(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (entry.empty()) continue;

        const std::size_t equals = entry.find('=');
        if (equals == std::string_view::npos)
            return Parsed<FaultSpec>::failure("\"" + std::string(entry) + "\": expected NAME=VALUE");
        const std::string_view name = trim_blanks(entry.substr(0, equals));
        const std::string_view value = trim_blanks(entry.substr(equals + 1));
        const std::string quoted = "\"" + std::string(entry) + "\"";
        if (!seen.emplace(name).second)
            return Parsed<FaultSpec>::failure(quoted + ": " + std::string(name) + " is given twice");

        if (name == "latency_ms" || name == "latency_jitter_ms") {
            const auto ms = parse_number<std::uint32_t>(value);
            if (!ms || *ms > 600000)
                return Parsed<FaultSpec>::failure(quoted + ": expected whole milliseconds from 0 to 600000");
            (name == "latency_ms" ? spec.latency_ms : spec.latency_jitter_ms) = *ms;
            continue;
        }
        const std::optional<double> p = parse_probability(value);
        if (!p) return Parsed<FaultSpec>::failure(quoted + ": expected a probability from 0 to 1");
        total += *p;
        if (name == "drop_before") {
            spec.drop_before = *p;
        } else if (name == "drop_after") {
            spec.drop_after = *p;
        } else if (const auto status = parse_number<int>(name); status && *status >= 400 && *status <= 599) {
            spec.statuses[*status] = *p;
        } else {
            return Parsed<FaultSpec>::failure(
                quoted +
                ": unknown fault; use a status code 400-599, drop_before, drop_after, latency_ms or "
                "latency_jitter_ms");
        }
    }
    // A little slack for decimal fractions that do not add up exactly in binary (0.1 + 0.2 + 0.7).
    if (total > 1.0 + 1e-9)
        return Parsed<FaultSpec>::failure("the shares add up to " + std::to_string(total) + ", more than 1");
    return Parsed<FaultSpec>::success(std::move(spec));
}

FaultInjector::FaultInjector(FaultSpec spec, std::optional<std::uint64_t> seed) : spec_(std::move(spec)), seed_(seed) {
    reseed();
}

void FaultInjector::reseed() {
    std::lock_guard lock(mutex_);
    random_.seed(seed_ ? *seed_ : std::random_device{}());
}

FaultDecision FaultInjector::decide() {
    FaultDecision decision;
    if (spec_.empty()) return decision;

    std::lock_guard lock(mutex_);
    std::uint32_t delay = spec_.latency_ms;
    if (spec_.latency_jitter_ms > 0)
        delay += std::uniform_int_distribution<std::uint32_t>(0, spec_.latency_jitter_ms)(random_);
    decision.delay = std::chrono::milliseconds(delay);

    // One draw picks at most one outcome: statuses in ascending order, then drop_before, then drop_after.
    const double draw = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    double upper = 0;
    for (const auto& [status, p] : spec_.statuses) {
        upper += p;
        if (draw < upper) {
            decision.kind = FaultDecision::Kind::Status;
            decision.status = status;
            return decision;
        }
    }
    if (draw < (upper += spec_.drop_before)) decision.kind = FaultDecision::Kind::DropBefore;
    else if (draw < (upper += spec_.drop_after)) decision.kind = FaultDecision::Kind::DropAfter;
    return decision;
}

}  // namespace tdbraze::emulator
