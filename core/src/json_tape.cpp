#include "json_tape.hpp"

#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#include "utf8.hpp"
#include "word_bytes.hpp"

namespace tdbraze::json {

std::string kind_phrase(Kind kind) {
    switch (kind) {
        case Kind::Null: return "null";
        case Kind::Boolean: return "a boolean";
        case Kind::Integer: return "an integer";
        case Kind::Number: return "a number with a fraction or exponent";
        case Kind::String: return "a string";
        case Kind::Array: return "an array";
        case Kind::Object: return "an object";
    }
    return "?";
}

std::string_view to_string(Kind kind) {
    switch (kind) {
        case Kind::Null: return "null";
        case Kind::Boolean: return "boolean";
        case Kind::Integer: return "integer";
        case Kind::Number: return "number";
        case Kind::String: return "string";
        case Kind::Array: return "array";
        case Kind::Object: return "object";
    }
    return "?";
}

namespace {

// The bytes of `w` that are a quote, a backslash, a control character or not ASCII: the bytes a string scanner
// must look at one by one. Each such byte has its top bit set in the result; a set bit above the lowest one
// may be false (borrows travel upwards), so only the lowest one is used, which needs little-endian loads.
inline std::uint64_t special_bytes(std::uint64_t w) {
    using namespace word_bytes;
    return bytes_not_ascii(w) | bytes_below(w, 0x20) | bytes_equal(w, '"') | bytes_equal(w, '\\');
}

// Offset of the first byte at or after i that a string scanner must look at (see special_bytes), or n. Most
// strings of an event are short names and ids: the scan stops on the byte itself rather than near it, so the
// caller never steps through plain bytes one by one.
inline std::size_t skip_plain_bytes(const char* data, std::size_t i, std::size_t n) {
#if defined(__SSE2__)
    // Every x86-64 has SSE2. Signed bytes below 0x20 are the control characters and every byte above 0x7F.
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (i + 16 <= n) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
        const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                             _mm_cmplt_epi8(v, space));
        const auto mask = static_cast<std::uint32_t>(_mm_movemask_epi8(special));
        if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
        i += 16;
    }
#elif defined(__wasm_simd128__)
    // WebAssembly (V8) runs the 8-byte test at about half its native speed; 16 bytes a step win that back. A
    // lane's top bit is set for a special byte: the compares give all ones, and a byte above 0x7F has it already.
    const v128_t quote = wasm_i8x16_splat('"');
    const v128_t backslash = wasm_i8x16_splat('\\');
    const v128_t space = wasm_u8x16_splat(0x20);
    while (i + 16 <= n) {
        const v128_t v = wasm_v128_load(data + i);
        const v128_t special = wasm_v128_or(wasm_v128_or(wasm_i8x16_eq(v, quote), wasm_i8x16_eq(v, backslash)),
                                            wasm_v128_or(wasm_u8x16_lt(v, space), v));
        const auto mask = static_cast<std::uint32_t>(wasm_i8x16_bitmask(special));
        if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
        i += 16;
    }
#endif
    if constexpr (std::endian::native == std::endian::little) {
        while (i + 8 <= n) {
            if (const std::uint64_t special = special_bytes(word_bytes::load(data + i)); special != 0)
                return i + static_cast<std::size_t>(__builtin_ctzll(special)) / 8;
            i += 8;
        }
    }
    for (; i < n; ++i) {
        const auto c = static_cast<unsigned char>(data[i]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return i;
    }
    return n;
}

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string describe_byte(unsigned char c) {
    static const char* hex = "0123456789ABCDEF";
    if (c >= 0x21 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
}

class Parser {
public:
    Parser(std::string_view text, bool at_eof, Tape& tape, const ParseLimits& limits)
        : t_(text), eof_(at_eof), tape_(tape), limits_(limits) {}

    ParseResult run(std::size_t pos) {
        p_ = pos;
        tape_.text = t_;
        tape_.nodes.clear();
        tape_.has_unicode_escape = false;
        std::uint32_t root = 0;
        if (value(0, root)) {
            result_.status = ParseStatus::Ok;
            result_.end = p_;
        }
        return result_;
    }

private:
    std::string_view t_;
    std::size_t p_ = 0;
    bool eof_;
    Tape& tape_;
    const ParseLimits& limits_;
    ParseResult result_;

    bool fail(std::size_t at, std::string message) {
        result_.status = ParseStatus::Error;
        result_.end = at;
        result_.message = std::move(message);
        return false;
    }
    // The text ran out at `at`: wait for more input, or at the real end say what was still missing.
    bool out_of_input(std::size_t at, const char* missing) {
        if (!eof_) {
            result_.status = ParseStatus::Incomplete;
            result_.end = at;
            return false;
        }
        return fail(at, std::string("unexpected end of input: ") + missing);
    }
    void skip_space() {
        while (p_ < t_.size() && is_json_space(t_[p_])) ++p_;
    }
    std::uint32_t add_node(Kind kind) {
        tape_.nodes.emplace_back();
        Node& n = tape_.nodes.back();
        n.kind = kind;
        n.begin = static_cast<std::uint32_t>(p_);
        return static_cast<std::uint32_t>(tape_.nodes.size() - 1);
    }

    bool value(std::uint32_t depth, std::uint32_t& index) {
        if (p_ >= t_.size()) return out_of_input(p_, "expected a value");
        if (tape_.nodes.size() >= limits_.max_nodes)
            return fail(p_,
                        "more than " + std::to_string(limits_.max_nodes) + " values in one event; too large to check");
        const char c = t_[p_];
        switch (c) {
            case '{': return object(depth, index);
            case '[': return array(depth, index);
            case '"': {
                index = add_node(Kind::String);
                bool escaped = false;
                if (!string(escaped)) return false;
                tape_.nodes[index].escaped = escaped;
                tape_.nodes[index].end = static_cast<std::uint32_t>(p_);
                return true;
            }
            case 't': return literal("true", Kind::Boolean, true, index);
            case 'f': return literal("false", Kind::Boolean, false, index);
            case 'n': return literal("null", Kind::Null, false, index);
            default: break;
        }
        if (c == '-' || is_digit(c)) return number(index);
        if (c == '\'') return fail(p_, "strings must be in double quotes, not single quotes");
        if (c == ']' || c == '}') return fail(p_, std::string("expected a value, got '") + c + "'");
        if (c == 'N' || c == 'I' || c == 'u' || c == 'T' || c == 'F')
            return fail(p_,
                        "invalid literal: JSON has only true, false and null (lower case); NaN, Infinity and undefined "
                        "are not JSON");
        return fail(p_, "expected a value (object, array, string, number, true, false or null), got " +
                            describe_byte(static_cast<unsigned char>(c)));
    }

    bool literal(std::string_view word, Kind kind, bool truth, std::uint32_t& index) {
        const std::size_t available = t_.size() - p_;
        const std::size_t n = available < word.size() ? available : word.size();
        if (t_.compare(p_, n, word.substr(0, n)) != 0)
            return fail(p_, "invalid literal: JSON has only true, false and null (lower case)");
        if (n < word.size()) return out_of_input(t_.size(), "unfinished literal");
        index = add_node(kind);
        p_ += word.size();
        tape_.nodes[index].truth = truth;
        tape_.nodes[index].end = static_cast<std::uint32_t>(p_);
        return true;
    }

    bool number(std::uint32_t& index) {
        index = add_node(Kind::Integer);
        const std::size_t n = t_.size();
        auto digits = [&] {
            while (p_ < n && is_digit(t_[p_])) ++p_;
        };
        bool integer = true;
        if (t_[p_] == '-') ++p_;
        if (p_ >= n) return out_of_input(p_, "expected a digit after '-'");
        if (t_[p_] == '0') {
            ++p_;
            if (p_ < n && is_digit(t_[p_])) return fail(p_ - 1, "numbers must not have leading zeros");
        } else if (is_digit(t_[p_])) {
            digits();
        } else {
            return fail(p_, "expected a digit after '-'");
        }
        if (p_ < n && t_[p_] == '.') {
            integer = false;
            ++p_;
            if (p_ >= n) return out_of_input(p_, "expected a digit after the decimal point");
            if (!is_digit(t_[p_])) return fail(p_, "expected a digit after the decimal point");
            digits();
        }
        if (p_ < n && (t_[p_] == 'e' || t_[p_] == 'E')) {
            integer = false;
            ++p_;
            if (p_ < n && (t_[p_] == '+' || t_[p_] == '-')) ++p_;
            if (p_ >= n) return out_of_input(p_, "expected a digit in the exponent");
            if (!is_digit(t_[p_])) return fail(p_, "expected a digit in the exponent");
            digits();
        }
        // A number that touches the end of the buffer may go on in the next chunk.
        if (p_ >= n && !eof_) return out_of_input(p_, "");
        tape_.nodes[index].kind = integer ? Kind::Integer : Kind::Number;
        tape_.nodes[index].end = static_cast<std::uint32_t>(p_);
        return true;
    }

    // Scans a string starting at the opening quote; leaves p_ after the closing quote.
    bool string(bool& escaped) {
        const std::size_t n = t_.size();
        const char* data = t_.data();
        std::size_t i = p_ + 1;
        for (;;) {
            i = skip_plain_bytes(data, i, n);
            if (i >= n) return out_of_input(i, "unterminated string");
            const auto c = static_cast<unsigned char>(data[i]);
            if (c == '"') {
                p_ = i + 1;
                return true;
            }
            if (c == '\\') {
                escaped = true;
                if (i + 1 >= n) return out_of_input(i + 1, "unterminated string");
                const char e = data[i + 1];
                if (e == 'u') {
                    tape_.has_unicode_escape = true;
                    for (std::size_t k = 2; k < 6; ++k) {
                        if (i + k >= n) return out_of_input(i + k, "unterminated string");
                        if (!is_hex(data[i + k]))
                            return fail(i, "invalid \\u escape: expected four hexadecimal digits");
                    }
                    i += 6;
                } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                           e == 't') {
                    i += 2;
                } else {
                    return fail(i, "invalid escape '\\" + std::string(1, e) +
                                       "' in string; valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
                }
                continue;
            }
            if (c < 0x20) {
                static const char* hex = "0123456789ABCDEF";
                return fail(i,
                            std::string("unescaped control character U+00") + hex[c >> 4] + hex[c & 15] +
                                " in string (a raw line break or tab inside quotes?); write it as \\n, \\t or \\u00XX");
            }
            const std::size_t len = utf8_sequence(i);
            if (len == 0) return false;
            i += len;
        }
    }

    // Checks the UTF-8 sequence at i; returns its length or 0 after recording the failure.
    std::size_t utf8_sequence(std::size_t i) {
        const auto* u = reinterpret_cast<const unsigned char*>(t_.data());
        std::size_t length = 0;
        switch (utf8::check_sequence(u + i, t_.size() - i, length)) {
            case utf8::Sequence::Valid: return length;
            case utf8::Sequence::Truncated: out_of_input(t_.size(), "unterminated string"); return 0;
            case utf8::Sequence::Invalid: break;
        }
        if (u[i] < 0xC2 || u[i] > 0xF4)
            fail(i, "invalid UTF-8: " + describe_byte(u[i]) + " cannot start a character; the input must be UTF-8");
        else fail(i, "invalid UTF-8: a broken multi-byte character; the input must be UTF-8");
        return 0;
    }

    bool enter(std::uint32_t depth) {
        if (depth >= limits_.max_depth)
            return fail(p_, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
        return true;
    }

    bool object(std::uint32_t depth, std::uint32_t& index) {
        if (!enter(depth)) return false;
        index = add_node(Kind::Object);
        ++p_;
        skip_space();
        std::uint32_t previous = 0, count = 0;
        if (p_ >= t_.size()) return out_of_input(p_, "expected a member or '}'");
        if (t_[p_] != '}') {
            for (;;) {
                if (p_ >= t_.size()) return out_of_input(p_, "expected a member name");
                if (t_[p_] != '"') {
                    if (t_[p_] == '}') return fail(p_, "trailing comma before '}'");
                    if (t_[p_] == '\'') return fail(p_, "member names must be in double quotes, not single quotes");
                    return fail(p_, "expected a member name in double quotes, got " +
                                        describe_byte(static_cast<unsigned char>(t_[p_])));
                }
                const std::size_t key_begin = p_ + 1;
                bool key_escaped = false;
                if (!string(key_escaped)) return false;
                const std::size_t key_end = p_ - 1;
                skip_space();
                if (p_ >= t_.size()) return out_of_input(p_, "expected ':' after member name");
                if (t_[p_] != ':') return fail(p_, "expected ':' after member name");
                ++p_;
                skip_space();
                std::uint32_t child = 0;
                if (!value(depth + 1, child)) return false;
                Node& c = tape_.nodes[child];
                c.key_begin = static_cast<std::uint32_t>(key_begin);
                c.key_end = static_cast<std::uint32_t>(key_end);
                c.key_escaped = key_escaped;
                link(index, previous, child);
                previous = child;
                ++count;
                skip_space();
                if (p_ >= t_.size()) return out_of_input(p_, "expected ',' or '}' after member of object");
                if (t_[p_] == ',') {
                    ++p_;
                    skip_space();
                    continue;
                }
                if (t_[p_] == '}') break;
                return fail(p_, "expected ',' or '}' after member of object");
            }
        }
        ++p_;
        tape_.nodes[index].count = count;
        tape_.nodes[index].end = static_cast<std::uint32_t>(p_);
        return true;
    }

    bool array(std::uint32_t depth, std::uint32_t& index) {
        if (!enter(depth)) return false;
        index = add_node(Kind::Array);
        ++p_;
        skip_space();
        std::uint32_t previous = 0, count = 0;
        if (p_ >= t_.size()) return out_of_input(p_, "expected a value or ']'");
        if (t_[p_] != ']') {
            for (;;) {
                if (p_ < t_.size() && t_[p_] == ']' && count > 0) return fail(p_, "trailing comma before ']'");
                std::uint32_t child = 0;
                if (!value(depth + 1, child)) return false;
                link(index, previous, child);
                previous = child;
                ++count;
                skip_space();
                if (p_ >= t_.size()) return out_of_input(p_, "expected ',' or ']' after element of array");
                if (t_[p_] == ',') {
                    ++p_;
                    skip_space();
                    continue;
                }
                if (t_[p_] == ']') break;
                return fail(p_, "expected ',' or ']' after element of array");
            }
        }
        ++p_;
        tape_.nodes[index].count = count;
        tape_.nodes[index].end = static_cast<std::uint32_t>(p_);
        return true;
    }

    void link(std::uint32_t parent, std::uint32_t previous, std::uint32_t child) {
        if (previous == 0) tape_.nodes[parent].first_child = child;
        else tape_.nodes[previous].next = child;
    }
};

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::uint32_t hex4(std::string_view s) {
    std::uint32_t v = 0;
    for (char c : s.substr(0, 4)) {
        v <<= 4;
        if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
        else v |= static_cast<std::uint32_t>(c - 'A' + 10);
    }
    return v;
}

}  // namespace

ParseResult parse_value(std::string_view text, std::size_t pos, bool at_eof, Tape& tape, const ParseLimits& limits) {
    return Parser(text, at_eof, tape, limits).run(pos);
}

namespace {

bool is_high_surrogate(std::uint32_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool is_low_surrogate(std::uint32_t u) { return u >= 0xDC00 && u <= 0xDFFF; }
bool is_surrogate(std::uint32_t u) { return u >= 0xD800 && u <= 0xDFFF; }

// The \uXXXX escape whose backslash is raw[at], read with the escape after it when the two are the halves of
// a surrogate pair: the code point and the bytes read (6, or 12 for a pair). A lone half comes back as itself.
struct UnicodeEscape {
    std::uint32_t code_point;
    std::size_t length;
};
UnicodeEscape read_unicode_escape(std::string_view raw, std::size_t at) {
    const std::uint32_t unit = hex4(raw.substr(at + 2));
    if (is_high_surrogate(unit) && at + 12 <= raw.size() && raw[at + 6] == '\\' && raw[at + 7] == 'u') {
        const std::uint32_t low = hex4(raw.substr(at + 8));
        if (is_low_surrogate(low)) return {0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 12};
    }
    return {unit, 6};
}

}  // namespace

std::string decode_string(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\') {
            out += raw[i];
            continue;
        }
        const char e = raw[++i];
        switch (e) {
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                const UnicodeEscape u = read_unicode_escape(raw, i - 1);
                i += u.length - 2;  // to the escape's last byte
                append_utf8(out, is_surrogate(u.code_point) ? 0xFFFD : u.code_point);  // a lone half has no UTF-8 form
                break;
            }
            default: out += e; break;  // \" \\ \/
        }
    }
    return out;
}

std::size_t find_lone_surrogate(std::string_view raw) {
    for (std::size_t i = raw.find('\\'); i != std::string_view::npos && i + 1 < raw.size(); i = raw.find('\\', i)) {
        if (raw[i + 1] != 'u' || i + 6 > raw.size()) {
            i += 2;  // \" \\ \/ \b \f \n \r \t: the escaped byte is never the start of another escape
            continue;
        }
        const UnicodeEscape u = read_unicode_escape(raw, i);
        if (is_surrogate(u.code_point)) return i;  // a pair reads as one code point above them
        i += u.length;
    }
    return std::string_view::npos;
}

std::string Tape::string_value(const Node& n) const {
    const std::string_view raw = raw_string(n);
    return n.escaped ? decode_string(raw) : std::string(raw);
}

std::string Tape::key(const Node& n) const {
    const std::string_view raw = raw_key(n);
    return n.key_escaped ? decode_string(raw) : std::string(raw);
}

}  // namespace tdbraze::json
