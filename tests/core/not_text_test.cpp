// An input that is not text (compressed, Avro, binary) is one finding and stops the check; JSON is unchanged.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "not_text.hpp"
#include "tdbraze/currents.hpp"

using namespace tdbraze;

TEST_CASE("not text: compressed files and Avro by their magic number") {
    CHECK(recognise_not_text(std::string_view("\x1f\x8b\x08\x00", 4), true)->what == "this looks like a gzip file");
    CHECK(recognise_not_text("PK\x03\x04 rest", true)->what == "this looks like a zip file");
    CHECK(recognise_not_text("Obj\x01 avro", true)->hint.find("avro-tools tojson") != std::string::npos);
    CHECK(recognise_not_text("\xff\xfe{\0", true)->what.find("UTF-16") != std::string::npos);
}

TEST_CASE("not text: a NUL byte, a control character or invalid UTF-8, but text and cut characters are text") {
    CHECK(recognise_not_text(std::string_view("ab\0c", 4), true)->what ==
          "byte 3 is a NUL byte, which text never holds");
    CHECK(recognise_not_text("ab\x07", true)->what == "byte 3 is the control character 0x07");
    CHECK(recognise_not_text("abc\xc3(", true)->what == "byte 4 (0xc3) is not UTF-8");
    CHECK_FALSE(recognise_not_text("user_ids,\tcaf\xc3\xa9\r\n\f", true));
    CHECK_FALSE(recognise_not_text("caf\xc3", false));  // the rest of the character is after the head
    CHECK(recognise_not_text("caf\xc3", true));
}

TEST_CASE("not text: binary garbage given to validate currents is one error, and checking stops") {
    std::mt19937 random(24);
    std::string garbage(4096, '\0');
    for (char& c : garbage) c = static_cast<char>(random() & 0xff);
    garbage[0] = '\x8f';  // not the start of a JSON value, as most binary data
    const currents::Report r = currents::validate(garbage, currents::Options{}, "garbage.bin");
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.summary.errors == 1);
    CHECK(r.diagnostics[0].code == "json-syntax");
    CHECK(r.diagnostics[0].line == 1);
    CHECK(r.diagnostics[0].message.rfind("the input is not JSON text: ", 0) == 0);
    CHECK(r.diagnostics[0].message.find("nothing is checked") != std::string::npos);

    const std::string gzip("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\xae\x05\x00", 14);
    const currents::Report g = currents::validate(gzip, currents::Options{}, "events.json.gz");
    REQUIRE(g.diagnostics.size() == 1);
    CHECK(g.diagnostics[0].message == "the input is not JSON text: this looks like a gzip file; nothing is checked");
    CHECK(g.diagnostics[0].hint.rfind("decompress it first", 0) == 0);
}

TEST_CASE("not text: JSON and text that is not JSON are reported as before") {
    // A bad byte inside a JSON value is a syntax error where it is; the next line of JSON Lines is still read.
    const std::string lines = "{\"events\": [\x01]}\n{\"events\": []}\nnot json\n";
    const currents::Report r = currents::validate(lines, currents::Options{}, "x.jsonl");
    std::vector<std::uint64_t> syntax_lines;
    for (const Diagnostic& d : r.diagnostics) {
        CHECK(d.message.find("not JSON text") == std::string::npos);
        if (d.code == "json-syntax") syntax_lines.push_back(d.line);
    }
    CHECK(syntax_lines == std::vector<std::uint64_t>{1, 3});
}
