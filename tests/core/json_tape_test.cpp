// The positioned JSON parser: values, positions, syntax errors and their messages, incomplete input.
#include <catch2/catch.hpp>

#include "json_tape.hpp"

using namespace tdbraze::json;

namespace {

ParseResult parse(const std::string& text, Tape& tape, bool eof = true) { return parse_value(text, 0, eof, tape); }

std::string error_of(const std::string& text) {
    Tape tape;
    const ParseResult r = parse(text, tape);
    return r.status == ParseStatus::Error ? r.message : "(no error)";
}

std::size_t error_offset(const std::string& text) {
    Tape tape;
    return parse(text, tape).end;
}

}  // namespace

TEST_CASE("values are recorded with their kinds, spans and member keys") {
    Tape t;
    const std::string text = R"({"a":[1,-2.5e3,"x\n",true,null],"b\"":{}})";
    REQUIRE(parse(text, t).status == ParseStatus::Ok);
    const Node& root = t.root();
    CHECK(root.kind == Kind::Object);
    CHECK(root.count == 2);
    const Node& a = t.nodes[root.first_child];
    CHECK(t.key(a) == "a");
    CHECK(a.kind == Kind::Array);
    CHECK(a.count == 5);
    std::vector<Kind> kinds;
    for (std::uint32_t c = a.first_child; c != 0; c = t.nodes[c].next) kinds.push_back(t.nodes[c].kind);
    CHECK(kinds == std::vector<Kind>{Kind::Integer, Kind::Number, Kind::String, Kind::Boolean, Kind::Null});
    const Node& s = t.nodes[t.nodes[t.nodes[a.first_child].next].next];
    CHECK(t.string_value(s) == "x\n");
    CHECK(t.raw_value(s) == R"("x\n")");
    const Node& b = t.nodes[a.next];
    CHECK(b.key_escaped);
    CHECK(t.key(b) == "b\"");
    CHECK(b.begin == text.find("{}"));
}

TEST_CASE("escapes decode to UTF-8, surrogate pairs included") {
    CHECK(decode_string(R"(\u00e9\u3042\ud83d\ude00\/\t)") == "\xC3\xA9\xE3\x81\x82\xF0\x9F\x98\x80/\t");
    CHECK(decode_string(R"(\ud800x)") == "\xEF\xBF\xBDx");  // a lone surrogate becomes U+FFFD
}

TEST_CASE("a lone surrogate escape is found at its backslash, pairs and other escapes are not") {
    const auto npos = std::string_view::npos;
    CHECK(find_lone_surrogate("plain text") == npos);
    CHECK(find_lone_surrogate(R"(\ud83d\ude00 and \u00e9)") == npos);  // a pair, then a BMP character
    CHECK(find_lone_surrogate(R"(\ud83d)") == 0);  // a high half at the very end
    CHECK(find_lone_surrogate(R"(ab\ud83dx)") == 2);  // a high half followed by text
    CHECK(find_lone_surrogate(R"(\ud83d\u0041)") == 0);  // followed by an escape that is no low half
    CHECK(find_lone_surrogate(R"(\u0041\udc00)") == 6);  // a low half alone
    CHECK(find_lone_surrogate(R"(\ude00\ud83d)") == 0);  // halves in the wrong order
    CHECK(find_lone_surrogate(R"(\\ud83d)") == npos);  // an escaped backslash, then text
    CHECK(find_lone_surrogate(R"(\"\n\\\/\ud83d\ude00\ud800)") == 20);  // after other escapes and a pair
    // decode_string reads the same pairs: where nothing is found, no U+FFFD is made.
    CHECK(decode_string(R"(\ud83d\ude00)") == "\xF0\x9F\x98\x80");
    CHECK(decode_string(R"(\ud83d\u0041)") ==
          "\xEF\xBF\xBD"
          "A");
    CHECK(decode_string(R"(\udc00\ud83d\ude00\n)") ==
          "\xEF\xBF\xBD"
          "\xF0\x9F\x98\x80\n");  // a low half, then a pair
}

TEST_CASE("syntax errors say what was expected, at the right byte") {
    CHECK(error_of(R"({"a":1 "b":2})") == "expected ',' or '}' after member of object");
    CHECK(error_offset(R"({"a":1 "b":2})") == 7);
    CHECK(error_of("[1 2]") == "expected ',' or ']' after element of array");
    CHECK(error_of(R"({"a" 1})") == "expected ':' after member name");
    CHECK(error_of(R"({"a":1,})") == "trailing comma before '}'");
    CHECK(error_of("[1,]") == "trailing comma before ']'");
    CHECK(error_of("{a:1}").rfind("expected a member name in double quotes", 0) == 0);
    CHECK(error_of("{'a':1}") == "member names must be in double quotes, not single quotes");
    CHECK(error_of("01") == "numbers must not have leading zeros");
    CHECK(error_of("-x") == "expected a digit after '-'");
    CHECK(error_of("1.") == "unexpected end of input: expected a digit after the decimal point");
    CHECK(error_of("1.e5") == "expected a digit after the decimal point");
    CHECK(error_of("1e+") == "unexpected end of input: expected a digit in the exponent");
    CHECK(error_of("NaN").find("NaN") != std::string::npos);
    CHECK(error_of("True").find("lower case") != std::string::npos);
    CHECK(error_of(R"("a\qb")").rfind("invalid escape '\\q'", 0) == 0);
    CHECK(error_of(R"("\u12G4")") == "invalid \\u escape: expected four hexadecimal digits");
    CHECK(error_of("\"a\nb\"").rfind("unescaped control character U+000A", 0) == 0);
    CHECK(error_of(R"({"a":1)") == "unexpected end of input: expected ',' or '}' after member of object");
    CHECK(error_of(R"("abc)") == "unexpected end of input: unterminated string");
    CHECK(error_of("[") == "unexpected end of input: expected a value or ']'");
}

TEST_CASE("invalid UTF-8 inside strings is an error but valid multi-byte text is not") {
    CHECK(error_of("\"caf\xC3\xA9 \xE3\x81\x82 \xF0\x9F\x98\x80\"") == "(no error)");
    CHECK(error_of("\"\xFF\"").rfind("invalid UTF-8", 0) == 0);
    CHECK(error_of("\"\xC0\xAF\"").rfind("invalid UTF-8", 0) == 0);  // overlong
    CHECK(error_of("\"\xED\xA0\x80\"").rfind("invalid UTF-8", 0) == 0);  // UTF-16 surrogate
    CHECK(error_of("\"\xE3\x81\"").rfind("invalid UTF-8", 0) == 0);  // cut short
    CHECK(error_of("\"\xF4\x90\x80\x80\"").rfind("invalid UTF-8", 0) == 0);  // above U+10FFFF
}

TEST_CASE("a value cut off at the end of a chunk is Incomplete, not an error") {
    const std::string full = R"({"a":[1,2,{"b":"xyz"}],"n":-12.5e3,"t":true})";
    for (std::size_t cut = 1; cut < full.size(); ++cut) {
        INFO("cut at " << cut);
        Tape t;
        CHECK(parse(full.substr(0, cut), t, false).status == ParseStatus::Incomplete);
    }
    Tape t;
    CHECK(parse(full, t, false).status == ParseStatus::Ok);
    CHECK(parse("12", t, false).status == ParseStatus::Incomplete);  // "12" may be "123" after the next chunk
    CHECK(parse("12", t, true).status == ParseStatus::Ok);
}

TEST_CASE("nesting and size limits turn hostile input into errors") {
    CHECK(error_of(std::string(200, '[') + std::string(200, ']')) == "nesting deeper than 128 levels");
    Tape t;
    ParseLimits small;
    small.max_nodes = 10;
    const ParseResult r = parse_value("[1,2,3,4,5,6,7,8,9,10,11]", 0, true, t, small);
    CHECK(r.status == ParseStatus::Error);
    CHECK(r.message.find("more than 10 values") != std::string::npos);
}

// The string scan looks at 16 bytes (SSE2, WebAssembly SIMD) or 8 (elsewhere) at a time and stops on the first
// byte it must look at. Each kind of such byte, at every offset in and across those blocks, with the string
// starting at every alignment, gives the answer a byte-by-byte reading gives.
TEST_CASE("the string scan finds each special byte at every offset and alignment") {
    struct Special {
        std::string bytes;  // put at offset k of the string's content
        bool valid;  // the string stays valid (else the error is at k)
    };
    const std::vector<Special> specials = {
        {"\\n", true},   {"\\u00e9", true}, {"\xC3\xA9", true}, {"\xE2\x82\xAC", true}, {"\xF0\x9F\x98\x80", true},
        {"\x01", false}, {"\x1F", false},   {"\x7F", true},     {"\xFF", false},        {"\xC3(", false},
    };
    for (std::size_t align = 0; align < 17; ++align)
        for (std::size_t k = 0; k < 50; ++k)
            for (const Special& special : specials) {
                const std::string content = std::string(k, 'a') + special.bytes + std::string(40 - k % 40, 'b');
                const std::string text = std::string(align, ' ') + "\"" + content + "\" ";
                INFO("align " << align << " offset " << k << " special " << special.bytes);
                Tape t;
                const ParseResult r = parse_value(text, align, true, t);
                if (special.valid) {
                    REQUIRE(r.status == ParseStatus::Ok);
                    CHECK(r.end == text.size() - 1);
                    CHECK(t.raw_string(t.root()) == content);
                    CHECK(t.root().escaped == (special.bytes[0] == '\\'));
                } else {
                    REQUIRE(r.status == ParseStatus::Error);
                    CHECK(r.end == align + 1 + k);
                }
                // Cut anywhere inside the string, more input may follow: never an error before the cut's bad byte.
                const std::size_t cut = align + 1 + k + special.bytes.size() / 2;
                const ParseResult partial = parse_value(std::string_view(text).substr(0, cut), align, false, t);
                if (special.valid || special.bytes.size() > 1) CHECK(partial.status != ParseStatus::Ok);
                if (special.valid) CHECK(partial.status == ParseStatus::Incomplete);
            }
}
