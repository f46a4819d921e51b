// LEB128 varints: an unsigned number in 7-bit groups, low group first, the high bit saying "more follows".
// The spills of the duplicate check and packed identifier keys (identifier_keys.hpp, as the state file keeps
// them) write lengths this way.
//
// Why not a library: these are a few lines on the hot path of the duplicate check (written into a caller's
// buffer, no allocation), where a serialisation library would bring a format and a dependency for nothing.
#pragma once

#include <cstdint>
#include <string>

namespace tdbraze {

// The most bytes one varint of a 64-bit number takes.
inline constexpr int kMaxVarintBytes = 10;

// Writes `n` at `p` (room for kMaxVarintBytes) and returns the end.
inline char* write_varint(char* p, std::uint64_t n) {
    while (n >= 0x80) {
        *p++ = static_cast<char>((n & 0x7F) | 0x80);
        n >>= 7;
    }
    *p++ = static_cast<char>(n);
    return p;
}

inline void put_varint(std::string& out, std::uint64_t n) {
    char bytes[kMaxVarintBytes];
    out.append(bytes, static_cast<std::size_t>(write_varint(bytes, n) - bytes));
}

// Reads a varint at `p` and moves `p` past it; false when it is cut short or too long (damaged data).
inline bool get_varint(const char*& p, const char* end, std::uint64_t& n) {
    n = 0;
    for (int shift = 0; p < end && shift < 64; shift += 7) {
        const auto b = static_cast<unsigned char>(*p++);
        n |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) return true;
    }
    return false;
}

}  // namespace tdbraze
