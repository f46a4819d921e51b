#include "value_formats.hpp"

#include <algorithm>
#include <array>
#include <iterator>

namespace tdbraze::currents {
namespace {

#include "../generated/iana_timezones.inc"

// Ids are checked on every event (a user id and several UUIDs each): a table lookup per byte instead of
// three range tests keeps that off the profile.
constexpr auto kHexDigits = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c)
        table[static_cast<std::size_t>(c)] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    return table;
}();

bool is_hex_digit(char c) { return kHexDigits[static_cast<unsigned char>(c)]; }

bool all_hex(std::string_view s) {
    bool all = true;  // no early exit: the loop has no branch to mispredict and ids are short
    for (const char c : s) all &= is_hex_digit(c);
    return all;
}

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
    if (v.size() != 36 || v[8] != '-' || v[13] != '-' || v[18] != '-' || v[23] != '-') return false;
    return all_hex(v.substr(0, 8)) && all_hex(v.substr(9, 4)) && all_hex(v.substr(14, 4)) && all_hex(v.substr(19, 4)) &&
           all_hex(v.substr(24));
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
