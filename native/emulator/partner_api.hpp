// What Braze's two partner cohort endpoints accept (shared/spec/cohort-import.md): the request bodies, the
// checks Braze makes on them and the exact status and message it answers when one fails. Pure functions,
// no HTTP: the server glue in braze_emulator.cpp calls these and writes the answer.
#pragma once

#include <compare>
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tdbraze::emulator {

// Braze's messages, byte for byte as the spec quotes them (backticks included): clients match on them.
namespace message {
inline constexpr std::string_view kSuccess = "success";
inline constexpr std::string_view kInvalidCohortId = "`cohort_id` must be a valid string";
inline constexpr std::string_view kInvalidCohortChanges =
    "`cohort_changes` must be an array of objects each with key `user_ids` and/or `device_ids` mapping to an "
    "array of strings, or an `aliases` object";
inline constexpr std::string_view kTooManyIds =
    "Only 1,000 `user_ids`, `device_ids`, and `aliases` are allowed per request";
inline constexpr std::string_view kInvalidName = "`name` must be a non-empty string";
inline constexpr std::string_view kInvalidCreatedAt = "`created_at` must be a valid time as an ISO-8601 string";
inline constexpr std::string_view kInvalidPartnerApiKey = "Invalid Partner API key";
inline constexpr std::string_view kInvalidClientSecret = "Invalid client secret";
// Braze appends the client secret it was sent. The echo is deliberate: clients must redact it.
inline constexpr std::string_view kPartnerNotEnabledPrefix = "Partner not enabled for client with client secret: ";
// Not documented by Braze (its wording is unknown); kept short and plain, and apart, so that a client's
// developer learns which of the three it is.
inline constexpr std::string_view kNotJson = "The request body is not valid JSON";  // a number out of range too
inline constexpr std::string_view kTooDeep = "The request body nests more than 32 levels deep";
inline constexpr std::string_view kNotJsonObject = "The request body must be a JSON object";
inline constexpr std::string_view kBodyTooLarge = "The request body is larger than 4 MB";
inline constexpr std::string_view kRateLimited = "Rate limit exceeded";
inline constexpr std::string_view kNotFound = "Not found";
}  // namespace message

inline constexpr std::size_t kMaxIdsPerRequest = 1000;
// Braze's "4 MB" read the strict way, 4,000,000 bytes, as the planner in core/ reads it: a body the emulator
// accepts is within the limit under either meaning.
inline constexpr std::size_t kMaxBodyBytes = 4'000'000;

// The settings a partner request is checked against. The key and secret are the EXPECTED values.
struct PartnerSettings {
    std::string partner = "treasuredata";  // the {partner} path segment that is enabled
    std::string partner_api_key;
    std::string client_secret;
};

struct Alias {
    std::string label;
    std::string name;
    auto operator<=>(const Alias&) const = default;
};

// One object of `cohort_changes`.
struct CohortChange {
    std::vector<std::string> user_ids;
    std::vector<std::string> device_ids;
    std::vector<Alias> aliases;
    bool remove = false;  // should_remove
};

struct NamingRequest {
    std::string cohort_id;
    std::string name;
    std::string created_at;
};

struct MembershipRequest {
    std::string cohort_id;
    std::vector<CohortChange> changes;
    std::size_t ids = 0;  // identifiers over all changes: what the 1,000 limit counts
};

// A request Braze turns down: the status and the {"message": ...} it answers with.
struct Rejection {
    int status = 400;
    std::string message;
};

// The checks run in this order: JSON object, partner API key, client secret, partner enabled (the path's
// {partner} segment), cohort_id, then the call's own fields, then the identifier limit. Authentication
// comes first so that nothing about a body is revealed to a caller without credentials.
std::variant<NamingRequest, Rejection> check_naming_request(std::string_view body, std::string_view path_partner,
                                                            const PartnerSettings& settings);
std::variant<MembershipRequest, Rejection> check_membership_request(std::string_view body,
                                                                    std::string_view path_partner,
                                                                    const PartnerSettings& settings);

// ISO-8601 date or date-time: YYYY-MM-DD, optionally followed by THH:MM[:SS[.fraction]] and a zone
// (Z, +HH, +HHMM, +HH:MM). Calendar-checked (no February 30th).
bool is_iso8601_time(std::string_view text);

// Equality whose running time does not depend on where the first difference is, for credentials.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace tdbraze::emulator
