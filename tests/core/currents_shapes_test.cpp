// Every input shape the spec names: envelope, bare array, bare event, JSON Lines, empty and odd bodies.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace tdbraze;
using tdbraze::test::codes;
using tdbraze::test::envelope;
using tdbraze::test::event;
using tdbraze::test::validate;
using tdbraze::test::with_code;
using Codes = std::vector<std::string>;

namespace {
const std::string kOpen = event("users.messages.email.Open", R"({"email_address":"a@example.com"})");
}

TEST_CASE("an envelope of valid events has no diagnostics") {
    const auto r = validate(envelope({kOpen, kOpen}));
    CHECK(r.ok());
    CHECK(r.summary.events == 2);
    CHECK(r.summary.event_types.at("users.messages.email.Open") == 2);
    CHECK(codes(r) == Codes{"duplicate-id"});  // same id twice: the only finding
}

TEST_CASE("empty input and an empty envelope are valid no-ops") {
    for (const char* text : {"", "  \n", R"({"events":[]})", "{\"events\" : [ ]}\n"}) {
        INFO(text);
        const auto r = validate(text);
        CHECK(r.ok());
        CHECK(r.summary.events == 0);
        CHECK(r.diagnostics.empty());
    }
}

TEST_CASE("a bare array is an error but every event in it is still checked") {
    const auto r =
        validate("[" + kOpen + "," + event("users.messages.email.Open", R"({"email_address":1})", "other-id") + "]");
    CHECK(codes(r) == Codes{"bare-array", "field-type"});
    CHECK(r.summary.events == 2);
    CHECK(with_code(r, "field-type")[0].pointer == "/1/properties/email_address");
}

TEST_CASE("a single bare event is an error and is checked") {
    const auto r = validate(event("users.messages.email.Open", R"({"email_address":true})"));
    CHECK(codes(r) == Codes{"bare-event", "field-type"});
    CHECK(r.diagnostics[0].line == 1);
    CHECK(r.diagnostics[0].column == 1);
    CHECK(with_code(r, "field-type")[0].pointer == "/properties/email_address");
}

TEST_CASE("JSON Lines of envelopes: each line is a batch") {
    const std::string text = envelope({kOpen}) + "\n" + envelope({kOpen}) + "\n";
    const auto r = validate(text);
    CHECK(r.ok());
    CHECK(r.summary.events == 2);
    CHECK(r.diagnostics.empty());  // duplicate ids are looked for within one batch only
}

TEST_CASE("JSON Lines of events: how Treasure Data stores them, not an error") {
    const std::string text = kOpen + "\n" + event("users.behaviors.CustomEvent", R"({"name":"x"})", "id-2") + "\n";
    const auto r = validate(text);
    CHECK(r.ok());
    CHECK(r.summary.events == 2);
    CHECK(with_code(r, "bare-event").empty());
}

TEST_CASE("a broken line in JSON Lines does not hide the lines after it") {
    const std::string text = kOpen + "\n{\"event_type\": oops}\n" +
                             event("users.messages.email.Open", R"({"email_address":2})", "id-3") + "\n";
    const auto r = validate(text);
    CHECK(codes(r) == Codes{"json-syntax", "field-type"});
    CHECK(r.diagnostics[0].line == 2);
    CHECK(r.diagnostics[1].line == 3);
}

TEST_CASE("bodies that are not an envelope") {
    CHECK(codes(validate("null")) == Codes{"envelope-not-object"});
    CHECK(codes(validate("42")) == Codes{"envelope-not-object"});
    CHECK(codes(validate(R"("events")")) == Codes{"envelope-not-object"});
    CHECK(codes(validate("[]")) == Codes{"bare-array"});
    CHECK(codes(validate("{}")) == Codes{"missing-events"});
    CHECK(codes(validate(R"({"data":[]})")) == Codes{"missing-events"});
    CHECK(codes(validate(R"({"events":{}})")) == Codes{"events-not-array"});
    CHECK(codes(validate(R"({"events":null})")) == Codes{"events-not-array"});
    const auto r = validate("[{}]");
    CHECK(codes(r) == Codes{"bare-array", "missing-member", "missing-member", "missing-member", "missing-member",
                            "missing-member"});
}

TEST_CASE("members next to events are reported, before or after the array") {
    const auto r = validate(R"({"timezone":"UTC","events":[],"batch":1})");
    CHECK(codes(r) == Codes{"unknown-envelope-member", "unknown-envelope-member"});
    CHECK(r.diagnostics[0].pointer == "/timezone");
    CHECK(r.diagnostics[0].hint.find("user.timezone") != std::string::npos);
    CHECK(r.diagnostics[1].pointer == "/batch");
    CHECK(r.ok());
}

TEST_CASE("the cloud-storage (Avro JSON) shape is recognised and explained") {
    const std::string avro =
        R"({"id":"x","user_id":"65a1f0c2e4b0a1b2c3d4e5f6","external_user_id":{"string":"c-1"},"time":1732456800,)"
        R"("campaign_id":{"string":"0b6f2d3e-5a4c-4e8f-8d7a-112233445566"}})";
    auto r = validate(envelope({avro}));
    REQUIRE(codes(r) == Codes{"cloud-storage-shape"});
    CHECK(r.diagnostics[0].message.find("Avro") != std::string::npos);
    CHECK(r.diagnostics[0].pointer == "/events/0");
    r = validate(avro + "\n" + avro + "\n");  // a cloud-storage dump, one record per line
    CHECK(codes(r) == Codes{"cloud-storage-shape", "cloud-storage-shape"});
}

TEST_CASE("a body over 1 MiB made of ordinary events is flagged however it is chunked") {
    std::vector<std::string> events;
    for (int i = 0; i < 100; ++i)
        events.push_back(event("users.behaviors.CustomEvent",
                               R"({"name":"n","custom_properties":{"note":")" + std::string(12000, 'x') + "\"}}",
                               "id-" + std::to_string(i)));
    const std::string body = envelope(events);
    REQUIRE(body.size() > currents::kMaxRequestBytes);
    CHECK(with_code(validate(body), "request-too-large").size() == 1);
    currents::Validator v({}, "chunks");
    for (std::size_t i = 0; i < body.size(); i += 4096) v.feed(std::string_view(body).substr(i, 4096));
    CHECK(with_code(v.finish(), "request-too-large").size() == 1);
}

TEST_CASE("a cut-off line in JSON Lines is reported and the next lines are still checked") {
    const std::string text = kOpen + "\n" +
                             R"({"event_type": "users.behaviors.CustomEvent", "id": "b", "time": 17324568)" + "\n" +
                             event("users.messages.email.Open", R"({"email_address":5})", "id-3") + "\n";
    const auto r = validate(text);
    REQUIRE(codes(r) == Codes{"json-syntax", "field-type"});
    CHECK(r.diagnostics[0].hint.find("starts on line 2 is not complete") != std::string::npos);
    CHECK(r.diagnostics[1].line == 3);
}

TEST_CASE("an indented broken line in JSON Lines does not hide the next one") {
    const std::string text = kOpen + "\n   {\"event_type\": nope}\n" +
                             event("users.messages.email.Open", R"({"email_address":5})", "id-3") + "\n";
    CHECK(codes(validate(text)) == Codes{"json-syntax", "field-type"});
}

TEST_CASE("a UTF-8 byte order mark before the body is ignored") {
    const auto r = validate("\xEF\xBB\xBF" + envelope({kOpen}));
    CHECK(r.diagnostics.empty());
    CHECK(r.summary.events == 1);
}

TEST_CASE("duplicate ids name where the id was first seen") {
    const std::string text =
        envelope({kOpen}) + "\n" + envelope({event("users.behaviors.CustomEvent", R"({"name":"n"})"), kOpen}) + "\n";
    const auto d = with_code(validate(text), "duplicate-id");
    REQUIRE(d.size() == 1);
    CHECK(d[0].message.find("/events/0 (line 2)") != std::string::npos);
    CHECK(d[0].pointer == "/events/1/id");
}

TEST_CASE("messages do not repeat null or say what is not there") {
    const auto r = validate(envelope({event("users.behaviors.CustomEvent", R"({"name":"n"})", "i", "null")}));
    CHECK(with_code(r, "member-type")[0].message == "\"time\" must be an integer of epoch seconds, got null");
    const auto s = validate(R"({"events":[{"id": }]})");
    CHECK(with_code(s, "json-syntax")[0].message == "expected a value, got '}'");
}

// The duplicate check's table of a payload's ids grows with a big envelope and is emptied for each payload:
// every repeat inside a payload is found, with where its id was first seen, and none across payloads.
TEST_CASE("duplicate ids: found in a big envelope after its table grew, and never across two payloads") {
    auto id_of = [](int n) { return "00000000-0000-4000-8000-" + std::to_string(100000000000 + n); };
    std::vector<std::string> big, small;
    for (int n = 0; n < 3000; ++n)
        big.push_back(test::event("users.behaviors.CustomEvent", R"({"name":"x"})", id_of(n), "1732456800",
                                  R"({"user_id":"65a1f0c2e4b0a1b2c3d4e5f6"})"));
    for (const int n : {5, 999, 2999})  // repeats near the start, the middle and the end
        big.push_back(test::event("users.behaviors.CustomEvent", R"({"name":"x"})", id_of(n), "1732456800",
                                  R"({"user_id":"65a1f0c2e4b0a1b2c3d4e5f6"})"));
    for (const int n : {5, 6, 6})  // ids of the first payload: only the second 6 repeats within this one
        small.push_back(test::event("users.behaviors.CustomEvent", R"({"name":"x"})", id_of(n), "1732456800",
                                    R"({"user_id":"65a1f0c2e4b0a1b2c3d4e5f6"})"));
    const auto r = test::validate(test::envelope(big) + "\n" + test::envelope(small));
    const auto d = test::with_code(r, "duplicate-id");
    REQUIRE(d.size() == 4);
    CHECK(d[0].pointer == "/events/3000/id");
    CHECK(d[0].message.find("already used by /events/5 (line 1)") != std::string::npos);
    CHECK(d[2].pointer == "/events/3002/id");
    CHECK(d[2].message.find("already used by /events/2999 (line 1)") != std::string::npos);
    CHECK(d[3].pointer == "/events/2/id");
    CHECK(d[3].line == 2);
    CHECK(d[3].message.find("already used by /events/1 (line 2)") != std::string::npos);
}
