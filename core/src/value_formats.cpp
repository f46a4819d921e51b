#include "value_formats.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

#if defined(__SSE2__)
// Of the 16 bytes at p: a bit per hex digit, and a bit per '-'. Digits are compared as they are, letters
// folded to lower case; a byte above 0x7F is negative as a signed byte and passes no range.
struct HexAndDashes {
    std::uint32_t hex, dashes;
};
HexAndDashes hex_and_dashes(const char* p) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
    const __m128i digit =
        _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    const __m128i letter =
        _mm_and_si128(_mm_cmpgt_epi8(folded, _mm_set1_epi8('a' - 1)), _mm_cmplt_epi8(folded, _mm_set1_epi8('f' + 1)));
    return {static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_or_si128(digit, letter))),
            static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('-'))))};
}

// The 16 bytes at p are hex digits, but for dashes exactly where `dash_bits` says.
bool hex_with_dashes(const char* p, std::uint32_t dash_bits) {
    const HexAndDashes m = hex_and_dashes(p);
    return (m.hex | dash_bits) == 0xFFFF && (m.dashes & dash_bits) == dash_bits;
}
#endif

}  // namespace

bool is_transformed_value(std::string_view value) {
    return value.empty() || value == "[REDACTED]" || (value.size() == 64 && all_hex(value));
}

bool is_uuid(std::string_view v) {
    if (v.size() != 36) return false;
#if defined(__SSE2__)
    // Every event carries several: three loads of 16 bytes (the last overlapping) instead of 36 lookups.
    // Dashes at 8, 13, 18 and 23: bits 8 and 13 of [0, 16), 2 and 7 of [16, 32), 3 of [20, 36).
    return hex_with_dashes(v.data(), 1u << 8 | 1u << 13) && hex_with_dashes(v.data() + 16, 1u << 2 | 1u << 7) &&
           hex_with_dashes(v.data() + 20, 1u << 3);
#else
    if (v[8] != '-' || v[13] != '-' || v[18] != '-' || v[23] != '-') return false;
    return all_hex(v.substr(0, 8)) && all_hex(v.substr(9, 4)) && all_hex(v.substr(14, 4)) && all_hex(v.substr(19, 4)) &&
           all_hex(v.substr(24));
#endif
}

bool is_braze_user_id(std::string_view v) {
    if (v.size() != 24) return false;
#if defined(__SSE2__)
    return hex_with_dashes(v.data(), 0) && hex_with_dashes(v.data() + 8, 0);
#else
    return all_hex(v);
#endif
}

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
