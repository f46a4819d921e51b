// tdbraze/text.hpp: the small text helpers, against plain reference loops.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>

#include "tdbraze/text.hpp"

using namespace tdbraze;

TEST_CASE("count_line_breaks: every length and density, across the 255-byte blocks") {
    std::mt19937 rng(25);
    for (const int percent : {0, 1, 30, 100}) {
        for (std::size_t length = 0; length <= 1100; ++length) {
            std::string text(length, 'x');
            for (char& c : text)
                if (static_cast<int>(rng() % 100) < percent) c = '\n';
            const auto expected = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
            INFO(percent << "% breaks, " << length << " bytes");
            REQUIRE(count_line_breaks(text) == expected);
            // At every start: a view that does not begin at an aligned address.
            if (length > 0)
                REQUIRE(count_line_breaks(std::string_view(text).substr(1)) == expected - (text[0] == '\n'));
        }
    }
    // Bytes that differ from '\n' only in their high bit or by one are not breaks.
    CHECK(count_line_breaks(std::string("\x8a\x0b\x09\r\n", 5)) == 1);
}

TEST_CASE("text helpers: case-blind comparison and trimming") {
    CHECK(ascii_lower("Content-TYPE é") == "content-type é");
    CHECK(ascii_iequals("X-TD-Write-Key", "x-td-write-key"));
    CHECK_FALSE(ascii_iequals("abc", "abcd"));
    CHECK(trim_blanks(" \t a b \t") == "a b");
    CHECK(trim_blanks(" \t ").empty());
}
