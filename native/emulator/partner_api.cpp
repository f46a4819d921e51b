// Body checks of the partner cohort endpoints, in Braze's order and words (see partner_api.hpp).
#include "partner_api.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

#include "tdbraze/cohort.hpp"

namespace tdbraze::emulator {

// The emulator plays Braze and the core plans requests for Braze: the limits must be the same numbers.
static_assert(kMaxIdsPerRequest == static_cast<std::size_t>(cohort::kMaxIdsPerRequest));
static_assert(kMaxBodyBytes == cohort::kMaxBodyBytes);

namespace {

using nlohmann::json;

Rejection reject(int status, std::string_view text) { return Rejection{status, std::string(text)}; }

// The part both calls share: a JSON object with valid credentials for an enabled partner and a cohort id.
struct Common {
    json body;
    std::string cohort_id;
};

// Braze's bodies nest four levels deep. nlohmann builds a value per level, so a 4 MB body of '[' would cost
// hundreds of megabytes: the parse is cut off early instead (the callback's exception aborts it).
constexpr int kMaxBodyNesting = 32;
static_assert(kMaxBodyNesting == 32, "message::kTooDeep names the limit");
struct TooDeep {};

// The body as a JSON object, or the 400 that says why it is not one.
std::variant<json, Rejection> parse_body(std::string_view text) {
    const auto limit_depth = [](int depth, json::parse_event_t, json&) {
        if (depth > kMaxBodyNesting) throw TooDeep{};
        return true;
    };
    json body;
    try {
        body = json::parse(text, limit_depth, /*allow_exceptions=*/false);
    } catch (const TooDeep&) {
        return reject(400, message::kTooDeep);
    }
    if (body.is_discarded()) return reject(400, message::kNotJson);
    if (!body.is_object()) return reject(400, message::kNotJsonObject);
    return body;
}

std::variant<Common, Rejection> check_common(std::string_view text, std::string_view path_partner,
                                             const PartnerSettings& settings) {
    auto parsed = parse_body(text);
    if (auto* rejection = std::get_if<Rejection>(&parsed)) return std::move(*rejection);
    json body = std::move(std::get<json>(parsed));

    const auto string_member = [&](const char* key) -> std::optional<std::string> {
        const auto it = body.find(key);
        if (it == body.end() || !it->is_string()) return std::nullopt;
        return it->get<std::string>();
    };
    const std::optional<std::string> key = string_member("partner_api_key");
    if (!key || !same_secret(*key, settings.partner_api_key)) return reject(401, message::kInvalidPartnerApiKey);
    const std::optional<std::string> secret = string_member("client_secret");
    if (!secret || !same_secret(*secret, settings.client_secret)) return reject(401, message::kInvalidClientSecret);
    // Credentials are right but this customer has not enabled the partner named in the path.
    if (path_partner != settings.partner) return reject(401, std::string(message::kPartnerNotEnabledPrefix) + *secret);

    std::optional<std::string> cohort_id = string_member("cohort_id");
    if (!cohort_id || cohort_id->empty()) return reject(400, message::kInvalidCohortId);
    return Common{std::move(body), std::move(*cohort_id)};
}

bool read_strings(const json& value, std::vector<std::string>& out) {
    if (!value.is_array()) return false;
    for (const json& item : value) {
        if (!item.is_string()) return false;
        out.push_back(item.get<std::string>());
    }
    return true;
}

bool read_aliases(const json& value, std::vector<Alias>& out) {
    if (!value.is_array()) return false;
    for (const json& item : value) {
        if (!item.is_object()) return false;
        const auto label = item.find("alias_label");
        const auto name = item.find("alias_name");
        if (label == item.end() || name == item.end() || !label->is_string() || !name->is_string()) return false;
        out.push_back(Alias{label->get<std::string>(), name->get<std::string>()});
    }
    return true;
}

// One element of cohort_changes; nullopt when it breaks the documented shape. Unknown keys are ignored.
std::optional<CohortChange> read_change(const json& value) {
    if (!value.is_object()) return std::nullopt;
    CohortChange change;
    bool has_identifiers = false;
    if (const auto it = value.find("user_ids"); it != value.end()) {
        if (!read_strings(*it, change.user_ids)) return std::nullopt;
        has_identifiers = true;
    }
    if (const auto it = value.find("device_ids"); it != value.end()) {
        if (!read_strings(*it, change.device_ids)) return std::nullopt;
        has_identifiers = true;
    }
    if (const auto it = value.find("aliases"); it != value.end()) {
        if (!read_aliases(*it, change.aliases)) return std::nullopt;
        has_identifiers = true;
    }
    if (const auto it = value.find("should_remove"); it != value.end()) {
        if (!it->is_boolean()) return std::nullopt;
        change.remove = it->get<bool>();
    }
    // Braze's message asks for "each with key user_ids and/or device_ids ..., or an aliases object".
    if (!has_identifiers) return std::nullopt;
    return change;
}

int two_digits(std::string_view t, std::size_t at) { return (t[at] - '0') * 10 + (t[at + 1] - '0'); }

bool all_digits(std::string_view t, std::size_t at, std::size_t count) {
    if (at + count > t.size()) return false;
    for (std::size_t i = at; i < at + count; ++i)
        if (t[i] < '0' || t[i] > '9') return false;
    return true;
}

int days_in_month(int year, int month) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[month - 1];
}

// Z, +HH, +HHMM or +HH:MM (or -), the whole rest of the text.
bool is_zone(std::string_view z) {
    if (z == "Z" || z == "z") return true;
    if (z.empty() || (z[0] != '+' && z[0] != '-') || !all_digits(z, 1, 2) || two_digits(z, 1) > 23) return false;
    if (z.size() == 3) return true;
    if (z.size() == 5 && all_digits(z, 3, 2)) return two_digits(z, 3) <= 59;
    if (z.size() == 6 && z[3] == ':' && all_digits(z, 4, 2)) return two_digits(z, 4) <= 59;
    return false;
}

}  // namespace

bool is_iso8601_time(std::string_view t) {
    if (t.size() < 10 || !all_digits(t, 0, 4) || t[4] != '-' || !all_digits(t, 5, 2) || t[7] != '-' ||
        !all_digits(t, 8, 2))
        return false;
    const int year = two_digits(t, 0) * 100 + two_digits(t, 2);
    const int month = two_digits(t, 5), day = two_digits(t, 8);
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return false;
    if (t.size() == 10) return true;

    if (t[10] != 'T' || !all_digits(t, 11, 2) || t.size() < 16 || t[13] != ':' || !all_digits(t, 14, 2)) return false;
    if (two_digits(t, 11) > 23 || two_digits(t, 14) > 59) return false;
    std::size_t i = 16;
    if (i < t.size() && t[i] == ':') {
        if (!all_digits(t, i + 1, 2) || two_digits(t, i + 1) > 60) return false;  // 60: a leap second
        i += 3;
        if (i < t.size() && (t[i] == '.' || t[i] == ',')) {
            const std::size_t first = ++i;
            while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
            if (i == first) return false;
        }
    }
    // Without a zone ISO-8601 means local time; Braze takes it, so the emulator does too.
    return i == t.size() || is_zone(t.substr(i));
}

bool same_secret(std::string_view a, std::string_view b) {
    // Every byte of the longer text is looked at, so the time taken does not tell how much of a guess was right.
    const std::size_t length = std::max(a.size(), b.size());
    unsigned difference = a.size() == b.size() ? 0U : 1U;
    for (std::size_t i = 0; i < length; ++i) {
        const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : '\0');
        const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : '\0');
        difference |= static_cast<unsigned>(x ^ y);
    }
    return difference == 0;
}

std::variant<NamingRequest, Rejection> check_naming_request(std::string_view body, std::string_view path_partner,
                                                            const PartnerSettings& settings) {
    auto common = check_common(body, path_partner, settings);
    if (auto* rejection = std::get_if<Rejection>(&common)) return std::move(*rejection);
    auto& [json_body, cohort_id] = std::get<Common>(common);

    const auto name = json_body.find("name");
    if (name == json_body.end() || !name->is_string() || name->get_ref<const std::string&>().empty())
        return reject(400, message::kInvalidName);
    const auto created_at = json_body.find("created_at");
    if (created_at == json_body.end() || !created_at->is_string() ||
        !is_iso8601_time(created_at->get_ref<const std::string&>()))
        return reject(400, message::kInvalidCreatedAt);
    return NamingRequest{std::move(cohort_id), name->get<std::string>(), created_at->get<std::string>()};
}

std::variant<MembershipRequest, Rejection> check_membership_request(std::string_view body,
                                                                    std::string_view path_partner,
                                                                    const PartnerSettings& settings) {
    auto common = check_common(body, path_partner, settings);
    if (auto* rejection = std::get_if<Rejection>(&common)) return std::move(*rejection);
    auto& [json_body, cohort_id] = std::get<Common>(common);

    const auto changes = json_body.find("cohort_changes");
    if (changes == json_body.end() || !changes->is_array()) return reject(400, message::kInvalidCohortChanges);
    MembershipRequest request{std::move(cohort_id), {}, 0};
    for (const json& item : *changes) {
        std::optional<CohortChange> change = read_change(item);
        if (!change) return reject(400, message::kInvalidCohortChanges);
        request.ids += change->user_ids.size() + change->device_ids.size() + change->aliases.size();
        request.changes.push_back(std::move(*change));
    }
    if (request.ids > kMaxIdsPerRequest) return reject(400, message::kTooManyIds);
    return request;
}

}  // namespace tdbraze::emulator
