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

#include "word_bytes.hpp"

namespace tdbraze {

// The bytes of the word `w` that JSON must escape ('"', '\\' or one below 0x20), flagged as in word_bytes.hpp.
inline std::uint64_t json_escape_bytes(std::uint64_t w) {
    using namespace word_bytes;
    return bytes_below(w, 0x20) | bytes_equal(w, '"') | bytes_equal(w, '\\');
}

// The first byte of `s` at or after `from` that JSON must escape ('"', '\\' or one below 0x20), or s.size().
// Identifiers almost never hold one, and planning writes and sizes every identifier: eight bytes are checked
// at once (word_bytes.hpp), and only a word that holds one is looked at byte by byte.
inline std::size_t find_json_escape(std::string_view s, std::size_t from) {
    std::size_t i = from;
    for (; i + 8 <= s.size(); i += 8)
        if (json_escape_bytes(word_bytes::load(s.data() + i)) != 0) break;
    for (; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == '"' || c == '\\') return i;
    }
    return s.size();
}

// Short escapes for the bytes that have one; the other bytes below 0x20 are written as \u00XX.
inline const char* short_json_escape(unsigned char c) {
    switch (c) {
        case '"': return "\\\"";
        case '\\': return "\\\\";
        case '\n': return "\\n";
        case '\r': return "\\r";
        case '\t': return "\\t";
        case '\b': return "\\b";
        case '\f': return "\\f";
        default: return nullptr;
    }
}

// Appends `s` as a JSON string literal (quotes included). `s` must be valid UTF-8.
inline void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // start of the current stretch that needs no escaping
    for (;;) {
        const std::size_t i = find_json_escape(s, run);
        out.append(s.data() + run, i - run);
        if (i == s.size()) break;
        const auto c = static_cast<unsigned char>(s[i]);
        if (const char* escape = short_json_escape(c)) {
            out += escape;
        } else {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
        run = i + 1;
    }
    out += '"';
}

// Bytes append_json_string would write for `s`.
inline std::size_t json_string_size(std::string_view s) {
    // Nearly always nothing to escape: a word at a time says so, with no byte looked at alone.
    std::uint64_t escapes = 0;
    word_bytes::for_each_word(s, 'a', [&](std::uint64_t w) { escapes |= json_escape_bytes(w); });
    std::size_t n = s.size() + 2;
    if (escapes == 0) return n;
    for (std::size_t i = find_json_escape(s, 0); i < s.size(); i = find_json_escape(s, i + 1))
        n += short_json_escape(static_cast<unsigned char>(s[i])) != nullptr ? 1 : 5;
    return n;
}

}  // namespace tdbraze
