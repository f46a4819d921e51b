// Writing JSON strings into a buffer.
//
// Why not nlohmann::json here: request bodies hold up to a thousand identifiers each, ten thousand bodies
// for a large table; building a json value per identifier and dumping it doubles the allocations of
// planning. This appends the escaped text straight into the body being built.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tdbraze {

// Appends `s` as a JSON string literal (quotes included). `s` must be valid UTF-8.
inline void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // start of the current stretch that needs no escaping
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 15];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

// Bytes append_json_string would write for `s`. Planning asks this of every identifier, and identifiers
// almost never need escaping: eight bytes are checked at once (the "has a zero byte" test, on the bytes
// XORed with '"' and '\\', and on the bytes less 0x20), and only a word that may hold one is looked at
// byte by byte.
inline std::size_t json_string_size(std::string_view s) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    auto has_zero_byte = [](std::uint64_t w) { return ((w - kOnes) & ~w & kHighs) != 0; };
    std::size_t n = s.size() + 2;
    std::size_t i = 0;
    auto count = [&](std::size_t end) {
        for (; i < end; ++i) {
            const auto c = static_cast<unsigned char>(s[i]);
            if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') n += 1;
            else if (c < 0x20) n += 5;
        }
    };
    for (; i + 8 <= s.size();) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        const std::uint64_t low = (w - 0x2020202020202020ull) & ~w & kHighs;  // some byte below 0x20
        if (low == 0 && !has_zero_byte(w ^ 0x2222222222222222ull) && !has_zero_byte(w ^ 0x5C5C5C5C5C5C5C5Cull)) {
            i += 8;
            continue;
        }
        count(i + 8);
    }
    count(s.size());
    return n;
}

}  // namespace tdbraze
