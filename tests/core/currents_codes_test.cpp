// One input per diagnostic code: each code is emitted where the severity policy says, with its pointer.
#include <catch2/catch.hpp>

#include <set>

#include "support.hpp"
#include "tdbraze/diagnostic_codes.hpp"

using namespace tdbraze;
using test::envelope;
using test::event;
using namespace tdbraze::currents;

namespace {

struct Case {
    std::string code;
    std::string input;
    std::string pointer;
    Severity severity;
};

const std::string kUser = R"({"user_id":"65a1f0c2e4b0a1b2c3d4e5f6"})";
const std::string kId = "4f3c2a10-7d8e-4b21-9c55-0a1b2c3d4e5f";

std::string open_with(const std::string& properties) { return event("users.messages.email.Open", properties); }

std::string custom_event_with(const std::string& user) {
    return event("users.behaviors.CustomEvent", R"({"name":"x"})", kId, "1732456800", user);
}

std::vector<Case> cases() {
    const std::string big(kMaxEventBytes, 'x');
    std::vector<std::string> many;
    for (int i = 0; i < 101; ++i)
        many.push_back(event("users.behaviors.CustomEvent", R"({"name":"x"})", "id-" + std::to_string(i)));
    return {
        {"json-syntax", R"({"events":[{"id" "x"}]})", "", Severity::Error},
        {"envelope-not-object", "true", "", Severity::Error},
        {"missing-events", R"({"evnets":[]})", "", Severity::Error},
        {"events-not-array", R"({"events":"none"})", "/events", Severity::Error},
        {"bare-array", "[]", "", Severity::Error},
        {"bare-event", open_with(R"({"email_address":"a@b.c"})"), "", Severity::Error},
        {"unknown-envelope-member", R"({"events":[],"timezone":"UTC"})", "/timezone", Severity::Warning},
        {"value-too-large", R"({"events":[")" + std::string(kMaxValueBytes + 10, 'a') + "\"]}", "", Severity::Error},
        {"batch-too-large", envelope(many), "/events", Severity::Warning},
        {"request-too-large",
         envelope(
             {open_with(R"({"email_address":"a@b.c","campaign_name":")" + std::string(kMaxRequestBytes, 'n') + "\"}")}),
         "", Severity::Warning},
        {"event-not-object", R"({"events":["users.messages.email.Open"]})", "/events/0", Severity::Error},
        {"cloud-storage-shape", envelope({R"({"id":"x","user_id":"u","time":1})"}), "/events/0", Severity::Error},
        {"missing-member", envelope({R"({"event_type":"users.profile.Update","id":"x","time":1732456800,"user":{}})"}),
         "/events/0", Severity::Error},
        {"member-type", envelope({event("users.behaviors.CustomEvent", R"({"name":"x"})", kId, "\"1732456800\"")}),
         "/events/0/time", Severity::Error},
        {"event-too-large", envelope({open_with(R"({"email_address":"a@b.c","campaign_name":")" + big + "\"}")}),
         "/events/0", Severity::Warning},
        {"unknown-event-type", envelope({event("users.message.email.Open")}), "/events/0/event_type",
         Severity::Warning},
        {"retired-event-type", envelope({event("users.messages.newsfeedcard.Click")}), "/events/0/event_type",
         Severity::Info},
        {"not-sent-over-http", envelope({event("users.RandomBucketNumberUpdate")}), "/events/0/event_type",
         Severity::Warning},
        {"duplicate-id", envelope({custom_event_with(kUser), custom_event_with(kUser)}), "/events/1/id",
         Severity::Warning},
        {"duplicate-key", envelope({open_with(R"({"email_address":"a@b.c","email_address":"d@e.f"})")}),
         "/events/0/properties/email_address", Severity::Warning},
        {"time-in-milliseconds",
         envelope({event("users.behaviors.CustomEvent", R"({"name":"x"})", kId, "1732456800000")}), "/events/0/time",
         Severity::Warning},
        {"time-out-of-range",
         envelope({event("users.behaviors.CustomEvent", R"({"name":"x"})", kId, "99999999999999999999")}),
         "/events/0/time", Severity::Error},
        {"time-before-2010", envelope({event("users.behaviors.CustomEvent", R"({"name":"x"})", kId, "1200000000")}),
         "/events/0/time", Severity::Warning},
        {"time-in-future", envelope({event("users.behaviors.CustomEvent", R"({"name":"x"})", kId, "2033802504")}),
         "/events/0/time", Severity::Warning},
        {"field-type", envelope({open_with(R"({"email_address":"a@b.c","machine_open":true})")}),
         "/events/0/properties/machine_open", Severity::Error},
        {"missing-required-field", envelope({custom_event_with("{}")}), "/events/0/user", Severity::Error},
        {"missing-expected-field", envelope({open_with("{}")}), "/events/0/properties", Severity::Warning},
        {"unknown-field", envelope({open_with(R"({"email_address":"a@b.c","emial":"x"})")}),
         "/events/0/properties/emial", Severity::Warning},
        {"user-id-format", envelope({custom_event_with(R"({"user_id":"customer-1"})")}), "/events/0/user/user_id",
         Severity::Warning},
        {"timezone-format", envelope({custom_event_with(R"({"user_id":"65a1f0c2e4b0a1b2c3d4e5f6","timezone":"JST"})")}),
         "/events/0/user/timezone", Severity::Warning},
        {"uuid-format", envelope({open_with(R"({"email_address":"a@b.c","campaign_id":"spring"})")}),
         "/events/0/properties/campaign_id", Severity::Warning},
        {"phone-format", envelope({event("users.messages.sms.Delivery", R"({"to_phone_number":"090-1234-5678"})")}),
         "/events/0/properties/to_phone_number", Severity::Warning},
        {"platform-value", envelope({event("users.behaviors.CustomEvent", R"({"name":"x","platform":"iOS"})")}),
         "/events/0/properties/platform", Severity::Warning},
        {"lone-surrogate", envelope({event("users.behaviors.CustomEvent", R"({"name":"sale \ud83d"})")}),
         "/events/0/properties/name", Severity::Warning},
    };
}

}  // namespace

TEST_CASE("each diagnostic code is emitted for its input with severity and pointer") {
    for (const Case& c : cases()) {
        INFO("code " << c.code);
        const auto r = test::validate(c.input);
        const auto found = test::with_code(r, c.code);
        REQUIRE(found.size() >= 1);
        CHECK(found[0].pointer == c.pointer);
        CHECK(found[0].severity == c.severity);
        CHECK(!found[0].message.empty());
        CHECK(!found[0].hint.empty());
        CHECK(r.ok() == (r.summary.errors == 0));
        const DiagnosticCode* registered = find_diagnostic_code(c.code);
        REQUIRE(registered != nullptr);
        CHECK(registered->severity == c.severity);
    }
}

TEST_CASE("every registered code is covered by a case here or in the tests named beside it") {
    std::set<std::string> covered;
    for (const Case& c : cases()) covered.insert(c.code);
    covered.insert("duplicate-check-limit");  // currents_streaming_test: ids beyond the limit
    covered.insert("diagnostics-omitted");  // below
    for (const DiagnosticCode& code : diagnostic_codes()) {
        if (code.kind != "currents" && code.kind != "report") continue;  // cohort_codes_test, sql_check_test
        INFO(code.code);
        CHECK(covered.count(std::string(code.code)) == 1);
    }
}

TEST_CASE("a lone surrogate is found in any string or key of an event, with its pointer and column") {
    // In an array inside custom properties, in a key (whose pointer is its member's), and not in a pair.
    const std::string properties =
        R"({"name":"x","properties":{"tags":["ok","\ude00 cut"],"k\ud800":1,"smile":"\ud83d\ude00"}})";
    const std::string input = envelope(
        {event("users.behaviors.CustomEvent", R"({"name":"y"})"), event("users.behaviors.CustomEvent", properties)});
    const auto r = test::validate(input);
    const auto found = test::with_code(r, "lone-surrogate");
    REQUIRE(found.size() == 2);
    CHECK(found[0].pointer == "/events/1/properties/properties/tags/1");
    CHECK(found[0].column == input.find(R"(\ude00 cut)") + 1);
    CHECK(found[0].message.find("\\ude00") != std::string::npos);
    CHECK(found[1].pointer == "/events/1/properties/properties/k\uFFFD");
    CHECK(found[1].column == input.find(R"(\ud800")") + 1);
    CHECK(r.ok());  // a warning: Braze delivers the event
}

TEST_CASE("strict mode promotes warnings to errors") {
    const std::string input = envelope({event("users.message.email.Open")});
    CHECK(test::validate(input).ok());
    currents::Options strict;
    strict.strict = true;
    const auto r = test::validate(input, strict);
    CHECK_FALSE(r.ok());
    CHECK(r.diagnostics[0].severity == Severity::Error);
    CHECK(r.summary.warnings == 0);
}

TEST_CASE("max_diagnostics bounds the list, not the counts") {
    std::vector<std::string> events;
    for (int i = 0; i < 30; ++i) events.push_back(event("users.unknown.Thing", "{}", "id-" + std::to_string(i)));
    currents::Options options;
    options.max_diagnostics = 5;
    const auto r = test::validate(envelope(events), options);
    CHECK(r.diagnostics.size() == 5);
    CHECK(r.diagnostics_omitted == 25);
    CHECK(r.summary.warnings == 30);
}

TEST_CASE("Treasure Data's documentation example: the singular prefix gets the plural suggestion") {
    const auto r = test::validate(test::read_fixture("currents/td-doc-example.json"));
    const auto d = test::with_code(r, "unknown-event-type");
    REQUIRE(d.size() == 1);
    CHECK(d[0].message.find("users.message.email.Open") != std::string::npos);
    CHECK(d[0].hint.find("\"users.messages.email.Open\"") != std::string::npos);
    CHECK(r.ok());
}

TEST_CASE("field transformations never trigger format warnings") {
    const std::string sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    for (const std::string& value : {std::string("[REDACTED]"), std::string(""), sha}) {
        INFO(value);
        const auto r = test::validate(envelope({event(
            "users.messages.sms.Delivery", R"({"to_phone_number":")" + value + R"(","campaign_id":")" + value + "\"}",
            kId, "1732456800", R"({"user_id":")" + value + R"(","timezone":")" + value + "\"}")}));
        CHECK(r.diagnostics.empty());
    }
}

TEST_CASE("type quirks that are real are accepted, their opposites are not") {
    // machine_open is the string "true", button_id a string, price a number that may be an integer.
    CHECK(test::validate(envelope({open_with(R"({"email_address":"a@b.c","machine_open":"true"})")}))
              .diagnostics.empty());
    CHECK(test::validate(envelope({event("users.messages.inappmessage.Click", R"({"button_id":"0"})")})).ok());
    CHECK_FALSE(test::validate(envelope({event("users.messages.inappmessage.Click", R"({"button_id":0})")})).ok());
    const std::string purchase = R"({"product_id":"p","currency":"JPY","price":)";
    CHECK(test::validate(envelope({event("users.behaviors.Purchase", purchase + "4800}")})).ok());
    CHECK(test::validate(envelope({event("users.behaviors.Purchase", purchase + "48.5}")})).ok());
    CHECK_FALSE(test::validate(envelope({event("users.behaviors.Purchase", purchase + "\"48.5\"}")})).ok());
    // null is "absent": fine for optional fields, an error for required ones.
    CHECK(test::validate(envelope({open_with(R"({"email_address":"a@b.c","campaign_id":null})")})).diagnostics.empty());
    CHECK(test::codes(test::validate(
              envelope({event("users.behaviors.Purchase", R"({"product_id":null,"currency":"JPY","price":1})")}))) ==
          std::vector<std::string>{"missing-required-field"});
}

TEST_CASE("unknown top-level members explain where user fields belong") {
    const auto r = test::validate(envelope({R"({"event_type":"users.behaviors.CustomEvent","id":"x","time":1732456800,)"
                                            R"("timezone":"UTC","user":{"user_id":"65a1f0c2e4b0a1b2c3d4e5f6"},)"
                                            R"("properties":{"name":"n"}})"}));
    const auto d = test::with_code(r, "unknown-field");
    REQUIRE(d.size() == 1);
    CHECK(d[0].pointer == "/events/0/timezone");
    CHECK(d[0].hint.find("user.timezone") != std::string::npos);
}

TEST_CASE("field-type names a container by its kind once, a scalar with its value") {
    const auto r = test::validate(test::envelope({test::event("users.behaviors.CustomEvent", R"({"name":["n"]})"),
                                                  test::event("users.behaviors.CustomEvent", R"({"name":{"a":1}})"),
                                                  test::event("users.behaviors.CustomEvent", R"({"name":5})")}));
    const auto found = test::with_code(r, "field-type");
    REQUIRE(found.size() == 3);
    CHECK(found[0].message == "\"properties.name\" must be a string, got an array");
    CHECK(found[1].message == "\"properties.name\" must be a string, got an object");
    CHECK(found[2].message == "\"properties.name\" must be a string, got an integer 5");
}

TEST_CASE("field-type's hint says JSON text only for the fields Braze writes as JSON text") {
    const auto r = test::validate(test::envelope(
        {test::event("users.behaviors.Purchase", R"({"product_id":{"sku":"a"},"price":1,"currency":"USD"})"),
         test::event("users.profile.Update", R"({"custom_attributes":{"tier":"gold"}})")}));
    const auto found = test::with_code(r, "field-type");
    REQUIRE(found.size() == 2);
    CHECK(found[0].hint.find("JSON text") == std::string::npos);
    CHECK(found[0].hint.find("product_id as a string") != std::string::npos);
    CHECK(found[1].hint == "Braze sends custom_attributes as JSON text inside a string, not as an object");
}
