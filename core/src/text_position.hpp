// Line and column of a byte offset, worked out by scanning forward from a known position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "utf8.hpp"

namespace tdbraze {

struct TextPosition {
    std::size_t offset = 0;  // byte offset into the text being scanned
    std::uint64_t line = 1;  // 1-based
    std::uint64_t column = 0;  // code points before `offset` on its line (the 1-based column is column + 1)
};

// Moves `p` forward to `to` (to >= p.offset), counting line breaks and characters on the last line.
inline void advance(TextPosition& p, std::string_view text, std::size_t to) {
    const char* data = text.data();
    std::size_t start = p.offset;
    while (start < to) {
        const void* nl = std::memchr(data + start, '\n', to - start);
        if (nl == nullptr) break;
        start = static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1;
        ++p.line;
        p.column = 0;
    }
    if (start < to) p.column += utf8::count_code_points(data + start, to - start);
    p.offset = to;
}

}  // namespace tdbraze
