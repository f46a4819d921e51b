// line:column (1-based, in code points) and JSON pointers are exact, whatever the layout of the input.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace tdbraze;

namespace {
Diagnostic only(const currents::Report& r, const std::string& code) {
    const auto d = test::with_code(r, code);
    REQUIRE(d.size() == 1);
    return d[0];
}
}  // namespace

TEST_CASE("positions in a pretty-printed payload") {
    const std::string text =
        "{\n"
        "  \"events\": [\n"
        "    {\n"
        "      \"event_type\": \"users.messages.email.Open\",\n"
        "      \"id\": \"4f3c2a10-7d8e-4b21-9c55-0a1b2c3d4e5f\",\n"
        "      \"time\": 1732456800,\n"
        "      \"user\": {\"user_id\": \"65a1f0c2e4b0a1b2c3d4e5f6\"},\n"
        "      \"properties\": {\"email_address\": 42}\n"
        "    }\n"
        "  ]\n"
        "}\n";
    const Diagnostic d = only(test::validate(text), "field-type");
    CHECK(d.line == 8);
    CHECK(d.column == 39);
    CHECK(d.pointer == "/events/0/properties/email_address");
}

TEST_CASE("columns count characters not bytes and CRLF ends a line") {
    const std::string text =
        "{\"events\":[\r\n"
        "{\"event_type\":\"users.behaviors.CustomEvent\",\"id\":\"\xE3\x81\x82\xE3\x81\x84\","
        "\"time\":1732456800000,\"user\":{\"user_id\":\"65a1f0c2e4b0a1b2c3d4e5f6\"},"
        "\"properties\":{\"name\":\"n\"}}]}";
    const Diagnostic d = only(test::validate(text), "time-in-milliseconds");
    CHECK(d.line == 2);
    // {"event_type":"users.behaviors.CustomEvent","id":"あい","time": is 61 characters (65 bytes).
    CHECK(d.column == 62);
}

TEST_CASE("a syntax error points at the offending character") {
    const std::string text = "{\"events\":[\n  {\"id\": \"a\"\n   \"time\": 1}\n]}";
    const Diagnostic d = only(test::validate(text), "json-syntax");
    CHECK(d.message == "expected ',' or '}' after member of object");
    CHECK(d.line == 3);
    CHECK(d.column == 4);
}

TEST_CASE("pointers escape ~ and / in member names") {
    const auto r = test::validate(
        test::envelope({test::event("users.messages.email.Open", R"({"email_address":"a@b.c","a/b~c":1})")}));
    CHECK(only(r, "unknown-field").pointer == "/events/0/properties/a~1b~0c");
}

TEST_CASE("positions stay right in the tenth line of JSON Lines and across many batches") {
    std::string text;
    for (int i = 0; i < 9; ++i)
        text += test::envelope({test::event("users.behaviors.CustomEvent", R"({"name":"n"})")}) + "\n";
    text += test::envelope({test::event("users.behaviors.CustomEvent", R"({"name":"n","platform":"iPhone"})")}) + "\n";
    const Diagnostic d = only(test::validate(text), "platform-value");
    CHECK(d.line == 10);
    CHECK(d.column == text.substr(text.rfind("\n", text.size() - 2) + 1).find("\"iPhone\"") + 1);
}
