// memcmp and memchr for the WebAssembly build, in place of Emscripten 3.1.6's. Its memcmp compares byte by
// byte unless both pointers are 4-byte aligned (field names and keys seldom are), and clang does not inline a
// memcmp of constant length for WebAssembly as it does natively: every string_view == "name" and every step
// of the catalogue's binary search is such a call, a sixth of the module's time in the Currents benchmark.
// Its memchr goes 4 bytes at a time; finding line ends looks at every byte of the input.
//
// Linked into the module ahead of libc, so the core, libc++ and the bindings all use these; the native
// build keeps its C library's. no_builtin: the loops must not be turned back into calls to themselves.
#include <cstddef>
#include <cstdint>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

extern "C" {

__attribute__((no_builtin)) int memcmp(const void* left, const void* right, std::size_t n) {
    const auto* l = static_cast<const unsigned char*>(left);
    const auto* r = static_cast<const unsigned char*>(right);
#ifdef __wasm_simd128__
    for (; n >= 16; l += 16, r += 16, n -= 16) {
        const auto equal =
            static_cast<std::uint32_t>(wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(l), wasm_v128_load(r))));
        if (equal != 0xFFFF) {
            const int k = __builtin_ctz(~equal);
            return l[k] - r[k];
        }
    }
#endif
    for (; n >= 8; l += 8, r += 8, n -= 8) {
        std::uint64_t a, b;
        __builtin_memcpy(&a, l, 8);
        __builtin_memcpy(&b, r, 8);
        if (a != b) {
            const int k = __builtin_ctzll(a ^ b) >> 3;  // WebAssembly is little-endian: the first differing byte
            return l[k] - r[k];
        }
    }
    for (; n != 0; ++l, ++r, --n)
        if (*l != *r) return *l - *r;
    return 0;
}

__attribute__((no_builtin)) void* memchr(const void* text, int c, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(text);
    const auto byte = static_cast<unsigned char>(c);
#ifdef __wasm_simd128__
    const v128_t wanted = wasm_i8x16_splat(static_cast<std::int8_t>(byte));
    for (; n >= 16; p += 16, n -= 16) {
        const auto found = static_cast<std::uint32_t>(wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(p), wanted)));
        if (found != 0) return const_cast<unsigned char*>(p + __builtin_ctz(found));
    }
#else
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    constexpr std::uint64_t kHighs = 0x8080808080808080ull;
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t w;
        __builtin_memcpy(&w, p, 8);
        w ^= kOnes * byte;
        const std::uint64_t zero = (w - kOnes) & ~w & kHighs;
        if (zero != 0) return const_cast<unsigned char*>(p + (__builtin_ctzll(zero) >> 3));
    }
#endif
    for (; n != 0; ++p, --n)
        if (*p == byte) return const_cast<unsigned char*>(p);
    return nullptr;
}

}  // extern "C"
