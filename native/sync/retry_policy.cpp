#include "retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace tdbraze::sync {

Verdict classify(long status, bool network_error) {
    if (network_error) return Verdict::Retry;
    if (status >= 200 && status < 300) return Verdict::Done;
    if (status == 413) return Verdict::Split;
    if (status == 408 || status == 423 || status == 429) return Verdict::Retry;
    if (status >= 500 && status != 501) return Verdict::Retry;
    return Verdict::Stop;
}

std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int attempt, double unit_random) {
    const double ceiling = std::min(static_cast<double>(policy.cap.count()),
                                    static_cast<double>(policy.base.count()) * std::pow(2.0, std::min(attempt, 30)));
    return std::chrono::milliseconds(static_cast<std::int64_t>(ceiling * std::clamp(unit_random, 0.0, 1.0)));
}

namespace {
std::optional<std::chrono::milliseconds> until_reset(std::optional<long> rate_limit_reset, std::int64_t now_ms) {
    if (!rate_limit_reset) return std::nullopt;
    const std::int64_t wait = static_cast<std::int64_t>(*rate_limit_reset) * 1000 - now_ms;
    if (wait <= 0) return std::nullopt;
    return std::chrono::milliseconds(std::min<std::int64_t>(wait, 3'600'000));
}
}  // namespace

std::optional<std::chrono::milliseconds> server_delay(long status, std::optional<long> retry_after_seconds,
                                                      std::optional<long> rate_limit_reset, std::int64_t now_ms) {
    if (retry_after_seconds && *retry_after_seconds >= 0)
        return std::chrono::milliseconds(std::min<long>(*retry_after_seconds, 3600) * 1000);
    if (status == 429) return until_reset(rate_limit_reset, now_ms);
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> window_spent_delay(std::optional<long> rate_limit_remaining,
                                                            std::optional<long> rate_limit_reset, std::int64_t now_ms) {
    if (!rate_limit_remaining || *rate_limit_remaining > 0) return std::nullopt;
    return until_reset(rate_limit_reset, now_ms);
}

std::optional<Error> unreachable(const transport::HttpResponse& response, bool answered_before,
                                 const std::string& receiver) {
    using transport::TransportFailure;
    const std::string said = " (" + response.network_error + ")";
    switch (response.failure) {
        case TransportFailure::NameNotResolved:
            if (answered_before) return std::nullopt;
            return Error{
                ErrorCode::NameNotResolved,
                "cannot reach " + receiver + ": its host name does not resolve" + said +
                    ". Check the URL (a Braze REST endpoint looks like https://rest.iad-01.braze.com) and this "
                    "machine's DNS"};
        case TransportFailure::ConnectionRefused:
            if (answered_before) return std::nullopt;
            return Error{ErrorCode::ConnectionRefused,
                         "cannot reach " + receiver + ": nothing accepts connections there" + said +
                             ". Check the host and port (is the receiver, the emulator or the proxy running?)"};
        case TransportFailure::TlsVerification:
            return Error{ErrorCode::TlsVerification,
                         "cannot reach " + receiver + " safely: its TLS certificate is not trusted" + said +
                             ". For a private CA pass --ca-bundle FILE; verification cannot be turned off"};
        case TransportFailure::UrlRefused:
        case TransportFailure::NoLibrary: return Error{ErrorCode::Usage, response.network_error};
        default: return std::nullopt;
    }
}

std::string explain_stop(long status, const std::string& body, const std::string& endpoint) {
    const std::string said = body.empty() ? "" : " Braze said: " + body;
    switch (status) {
        case 400:
            return "Braze rejected a request as malformed (400)." + said +
                   " Check the cohort id and the table; this is reported as a bug if the plan was valid.";
        case 401:
            return "Braze refused the credentials (401)." + said +
                   " Check the partner API key and the data import key (client secret); a 401 also means the wrong "
                   "instance: an EU key on a US endpoint or the reverse (endpoint " +
                   endpoint + ").";
        case 403:
            return "Braze refused access (403): the workspace may be inactive or the partner integration not enabled." +
                   said;
        case 404:
            return "Nothing answers at this path (404): check the endpoint (" + endpoint +
                   ") and the partner name in the path." + said;
        default: return "Braze answered " + std::to_string(status) + ", which retrying cannot fix." + said;
    }
}

}  // namespace tdbraze::sync
