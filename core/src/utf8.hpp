// UTF-8 checks shared by the JSON and table readers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tdbraze::utf8 {

enum class Sequence : std::uint8_t { Valid, Invalid, Truncated };

// Checks the multi-byte sequence that starts at p[0] (a byte >= 0x80), with `available` bytes readable.
// On Valid, `length` is its size in bytes (2..4). Rejects overlong forms, UTF-16 surrogates and values above
// U+10FFFF, as RFC 3629 requires.
inline Sequence check_sequence(const unsigned char* p, std::size_t available, std::size_t& length) {
    const unsigned char c0 = p[0];
    unsigned char lo = 0x80, hi = 0xBF;
    if (c0 >= 0xC2 && c0 <= 0xDF) length = 2;
    else if (c0 >= 0xE0 && c0 <= 0xEF) {
        length = 3;
        if (c0 == 0xE0) lo = 0xA0;
        if (c0 == 0xED) hi = 0x9F;
    } else if (c0 >= 0xF0 && c0 <= 0xF4) {
        length = 4;
        if (c0 == 0xF0) lo = 0x90;
        if (c0 == 0xF4) hi = 0x8F;
    } else {
        return Sequence::Invalid;
    }
    for (std::size_t k = 1; k < length; ++k) {
        if (k >= available) return Sequence::Truncated;
        const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (p[k] < l || p[k] > h) return Sequence::Invalid;
    }
    return Sequence::Valid;
}

// Offset of the first byte that is not valid UTF-8, or npos. ASCII runs are skipped eight bytes at a time.
inline std::size_t find_invalid(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            std::uint64_t w;
            std::memcpy(&w, p + i, 8);
            if ((w & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        if (check_sequence(p + i, n - i, length) != Sequence::Valid) return i;
        i += length;
    }
    return std::string_view::npos;
}

// Characters (code points) in valid UTF-8: the bytes that are not continuation bytes (10xxxxxx).
inline std::uint64_t count_code_points(const char* data, std::size_t n) {
    constexpr std::uint64_t kHighs = 0x8080808080808080ull;
    std::uint64_t count = 0;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, data + i, 8);
        const std::uint64_t continuation = w & ~(w << 1) & kHighs;  // bit 7 set and bit 6 clear
        count += 8 - static_cast<std::uint64_t>(__builtin_popcountll(continuation));
    }
    for (; i < n; ++i)
        if ((static_cast<unsigned char>(data[i]) & 0xC0) != 0x80) ++count;
    return count;
}

}  // namespace tdbraze::utf8
