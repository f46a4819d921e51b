// A JSON value parser that records where every value is, for validators that must point at it.
//
// Why not nlohmann/json: version 3.11 (Debian 12) reports no positions for values, and its DOM allocates per
// value. The validators need line:column and a JSON pointer for every finding, bounded memory over inputs of
// hundreds of megabytes, and several times the speed of JSON.parse + ajv. This parser fills a flat, reusable
// "tape" of nodes (no allocation per value once warm) for one value at a time, and can be re-run on a longer
// buffer when the value was cut off at the end of a chunk (ParseStatus::Incomplete).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tdbraze::json {

enum class Kind : std::uint8_t { Null, Boolean, Integer, Number, String, Array, Object };

std::string_view to_string(Kind kind);  // "null", "boolean", "integer", "number", "string", "array", "object"
// The kind as a message says it: "null", "a boolean", "an integer", "a number with a fraction or exponent",
// "a string", "an array", "an object". Every message about a value's kind uses these words.
std::string kind_phrase(Kind kind);

// One value. Offsets are into the text given to parse_value(). Index 0 is the root; 0 as a link means "none".
struct Node {
    std::uint32_t begin = 0;  // first byte of the value (the quote, for strings)
    std::uint32_t end = 0;  // one past the last byte
    std::uint32_t key_begin = 0;  // member key content, without quotes (only for members of an object)
    std::uint32_t key_end = 0;
    std::uint32_t next = 0;  // next sibling
    std::uint32_t first_child = 0;
    std::uint32_t count = 0;  // number of children
    Kind kind = Kind::Null;
    bool escaped = false;  // the string value holds backslash escapes
    bool key_escaped = false;  // the key holds backslash escapes
    bool truth = false;  // value of a boolean
};

struct Tape {
    std::string_view text;
    std::vector<Node> nodes;
    // Some string or key of the value holds a \uXXXX escape: the only way to write a lone surrogate, which
    // most values never need looking for.
    bool has_unicode_escape = false;

    const Node& root() const { return nodes[0]; }
    // Raw content of a string value, without quotes; escapes are still escaped.
    std::string_view raw_string(const Node& n) const { return text.substr(n.begin + 1, n.end - n.begin - 2); }
    std::string_view raw_key(const Node& n) const { return text.substr(n.key_begin, n.key_end - n.key_begin); }
    std::string_view raw_value(const Node& n) const { return text.substr(n.begin, n.end - n.begin); }
    // Decoded string value / key (escapes resolved to UTF-8).
    std::string string_value(const Node& n) const;
    std::string key(const Node& n) const;
};

enum class ParseStatus : std::uint8_t { Ok, Incomplete, Error };

struct ParseLimits {
    std::uint32_t max_depth = 128;
    std::uint32_t max_nodes = 1u << 19;
};

struct ParseResult {
    ParseStatus status = ParseStatus::Ok;
    std::size_t end = 0;  // Ok: one past the value; Error: where the problem is
    std::string message;  // Error: what is wrong, e.g. "expected ',' or '}' after member of object"
};

// Parses the single JSON value that starts at text[pos] (no leading whitespace). Fills tape.nodes afresh.
// When the text ends inside the value: Incomplete if more input may follow (at_eof false), else an Error.
ParseResult parse_value(std::string_view text, std::size_t pos, bool at_eof, Tape& tape,
                        const ParseLimits& limits = {});

// Decodes the content of a JSON string (between the quotes); the content must have passed parse_value.
// A lone surrogate escape (see below) becomes U+FFFD: it has no UTF-8 form.
std::string decode_string(std::string_view raw);

// Where the content of a JSON string (between the quotes, as passed by parse_value) holds a \u escape of a
// UTF-16 surrogate that is not half of a pair: the offset of its backslash, or npos. JSON's grammar allows
// one, but it is no character (RFC 8259, 8.2): typically a string cut in the middle of an emoji.
std::size_t find_lone_surrogate(std::string_view raw);

inline bool is_json_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace tdbraze::json
