#include "value_formats.hpp"

#include <algorithm>
#include <iterator>

namespace tdbraze::currents {
namespace {

#include "../generated/iana_timezones.inc"

bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool all_hex(std::string_view s) { return std::all_of(s.begin(), s.end(), is_hex_digit); }

// Identifiers Braze generates as UUIDs (its samples and API docs agree); ids of other systems are left alone.
constexpr std::string_view kUuidFields[] = {
    "app_group_id",         "app_id", "campaign_id", "canvas_id", "canvas_step_id", "canvas_variation_id",
    "message_variation_id",
};

}  // namespace

bool is_transformed_value(std::string_view value) {
    return value.empty() || value == "[REDACTED]" || (value.size() == 64 && all_hex(value));
}

bool is_uuid(std::string_view v) {
    if (v.size() != 36) return false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? v[i] != '-' : !is_hex_digit(v[i])) return false;
    }
    return true;
}

bool is_braze_user_id(std::string_view v) { return v.size() == 24 && all_hex(v); }

bool is_e164_phone(std::string_view v) {
    if (v.size() < 8 || v.size() > 16 || v[0] != '+' || v[1] == '0') return false;
    return std::all_of(v.begin() + 1, v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_iana_timezone(std::string_view v) {
    return std::binary_search(std::begin(kIanaTimezones), std::end(kIanaTimezones), v);
}

bool is_known_platform(std::string_view v) {
    static constexpr std::string_view kPlatforms[] = {"android", "ios",     "kindle",  "roku", "tvos",
                                                      "web",     "windows", "watchos", "macos"};
    return std::find(std::begin(kPlatforms), std::end(kPlatforms), v) != std::end(kPlatforms);
}

ValueFormat property_format(std::string_view field) {
    if (std::find(std::begin(kUuidFields), std::end(kUuidFields), field) != std::end(kUuidFields))
        return ValueFormat::Uuid;
    if (field.size() >= 12 && field.substr(field.size() - 12) == "phone_number") return ValueFormat::Phone;
    if (field == "platform") return ValueFormat::Platform;
    return ValueFormat::None;
}

}  // namespace tdbraze::currents
