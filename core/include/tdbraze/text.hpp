// Small ASCII text helpers every part of tdbraze uses: header names, URLs, option values, fault specs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace tdbraze {

// `text` with ASCII letters in lower case; other bytes (UTF-8 included) unchanged.
inline std::string ascii_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
    });
    return out;
}

// Equal but for the case of ASCII letters.
inline bool ascii_iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ascii_lower(a) == ascii_lower(b);
}

// `text` without spaces and tabs at either end.
inline std::string_view trim_blanks(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// The '\n' bytes of `text`. Written for the compiler to vectorize, where std::count is a byte at a time at
// -O2: lines are counted over every byte of a payload. A byte-wide count per block of 255 keeps the vector
// lanes bytes (WebAssembly has no cheap widening to 64 bits); modulo 256 the lanes' sum is still exact, as a
// block cannot hold more than 255 breaks.
inline std::uint64_t count_line_breaks(std::string_view text) {
    const char* data = text.data();
    std::uint64_t breaks = 0;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t block_end = text.size() - i > 255 ? i + 255 : text.size();
        std::uint8_t in_block = 0;
        for (; i < block_end; ++i) in_block = static_cast<std::uint8_t>(in_block + (data[i] == '\n' ? 1 : 0));
        breaks += in_block;
    }
    return breaks;
}

}  // namespace tdbraze
