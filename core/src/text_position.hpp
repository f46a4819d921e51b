// Line and column of a byte offset, worked out by scanning forward from a known position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tdbraze/text.hpp"
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
    if (start < to) {
        // One counting pass rather than a memchr per line: pretty-printed JSON has a line break every few dozen
        // bytes, and the window is advanced over all of it.
        const std::uint64_t breaks = count_line_breaks(text.substr(start, to - start));
        if (breaks != 0) {
            p.line += breaks;
            p.column = 0;
            std::size_t last = to - 1;
            while (data[last] != '\n') --last;
            start = last + 1;
        }
    }
    if (start < to) p.column += utf8::count_code_points(data + start, to - start);
    p.offset = to;
}

}  // namespace tdbraze
