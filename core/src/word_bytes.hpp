// Eight bytes at a time in a 64-bit word: which bytes equal a value, or are below one. The scanners of the
// core (JSON strings, CSV fields, identifiers) test every byte of their input; a word at a time is several
// times faster than a byte at a time, and portable to WebAssembly where SIMD is not.
//
// Each test sets the top bit of the bytes it flags. A borrow can also flag a byte above a true one, never one
// below it, so each is exact about whether the word holds such a byte and, with a little-endian load (x86, ARM,
// WebAssembly), about which is the first.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tdbraze::word_bytes {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ull;
inline constexpr std::uint64_t kHighs = 0x8080808080808080ull;

inline std::uint64_t load(const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}

inline std::uint64_t zero_bytes(std::uint64_t w) { return (w - kOnes) & ~w & kHighs; }

inline std::uint64_t bytes_equal(std::uint64_t w, unsigned char c) { return zero_bytes(w ^ (kOnes * c)); }

// Bytes below `n`, for n up to 0x80.
inline std::uint64_t bytes_below(std::uint64_t w, unsigned char n) { return (w - kOnes * n) & ~w & kHighs; }

inline std::uint64_t bytes_not_ascii(std::uint64_t w) { return w & kHighs; }

// Calls `test` with words that together hold every byte of `s`, for checks of whether it holds a kind of byte
// (not where): eight bytes at a time, then the last eight again (some bytes are tested twice), or for a string
// under eight bytes one word padded with `pad`, a byte the test must not flag. No byte is tested alone.
template <class Test>
void for_each_word(std::string_view s, char pad, Test&& test) {
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) test(load(s.data() + i));
    if (i == s.size()) return;
    if (s.size() >= 8) {
        test(load(s.data() + s.size() - 8));
    } else {
        std::uint64_t w = kOnes * static_cast<unsigned char>(pad);
        std::memcpy(&w, s.data(), s.size());
        test(w);
    }
}

}  // namespace tdbraze::word_bytes
