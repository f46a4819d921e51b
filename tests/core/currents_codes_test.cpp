// One input per diagnostic code: each code is emitted where the severity policy says, with its pointer.
#include <catch2/catch.hpp>

#include <limits>
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
    covered.insert("td-time-window");  // the Treasure Data cases below
    covered.insert("td-no-external-user-id");
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

namespace {

constexpr std::int64_t kNow = 1764000000;
const std::string kTdUser = R"({"user_id":"65a1f0c2e4b0a1b2c3d4e5f6","external_user_id":"customer-1"})";

currents::Report validate_for_td(const std::string& input, Receiver receiver = Receiver::TdPostback) {
    Options options;
    options.now_epoch_seconds = kNow;
    options.receiver = receiver;
    return test::validate(input, options);
}

std::string custom_event_at(std::int64_t time, const std::string& user = kTdUser) {
    return event("users.behaviors.CustomEvent", R"({"name":"x"})", kId, std::to_string(time), user);
}

}  // namespace

TEST_CASE("td-time-window: Treasure Data's 7 days back and 3 days ahead, only for the td-postback receiver") {
    struct Window {
        std::int64_t time;
        bool outside;
    };
    for (const Window w :
         {Window{kNow - kTdPastWindowSeconds, false}, Window{kNow - kTdPastWindowSeconds - 1, true},
          Window{kNow + kTdFutureWindowSeconds, false}, Window{kNow + kTdFutureWindowSeconds + 1, true},
          Window{kNow, false}, Window{1300000000, true}}) {
        INFO("time " << w.time);
        const auto r = validate_for_td(envelope({custom_event_at(w.time)}));
        const auto found = test::with_code(r, "td-time-window");
        CHECK(found.size() == (w.outside ? 1u : 0u));
        if (w.outside) {
            CHECK(found[0].pointer == "/events/0/time");
            CHECK(found[0].severity == Severity::Warning);
        }
        CHECK(test::with_code(validate_for_td(envelope({custom_event_at(w.time)}), Receiver::Http), "td-time-window")
                  .empty());
    }
    SECTION("beyond 3 days ahead it replaces time-in-future, which still covers 1 to 3 days") {
        const auto far = validate_for_td(envelope({custom_event_at(kNow + 5 * 86400)}));
        CHECK(test::with_code(far, "time-in-future").empty());
        CHECK(test::with_code(far, "td-time-window").size() == 1);
        CHECK(
            test::with_code(validate_for_td(envelope({custom_event_at(kNow + 2 * 86400)})), "time-in-future").size() ==
            1);
    }
    SECTION("a time in milliseconds or before 2010 is also lost: both findings") {
        const auto ms = validate_for_td(envelope({custom_event_at(kNow * 1000)}));
        CHECK(test::with_code(ms, "time-in-milliseconds").size() == 1);
        CHECK(test::with_code(ms, "td-time-window").size() == 1);
        const auto old = validate_for_td(envelope({custom_event_at(1200000000)}));
        CHECK(test::with_code(old, "time-before-2010").size() == 1);
        CHECK(test::with_code(old, "td-time-window").size() == 1);
    }
    SECTION("the message says how far, in tenths of a day near the limits") {
        const auto r = validate_for_td(envelope({custom_event_at(kNow + 300000)}));
        REQUIRE(test::with_code(r, "td-time-window").size() == 1);
        CHECK_THAT(test::with_code(r, "td-time-window")[0].message, Catch::Contains("3.4 days after now"));
    }
    SECTION("the most negative time does not overflow") {
        const auto r = validate_for_td(envelope({custom_event_at(std::numeric_limits<std::int64_t>::min())}));
        CHECK(test::with_code(r, "td-time-window").size() == 1);
    }
    SECTION("--now 0 turns it off") {
        Options options;
        options.receiver = Receiver::TdPostback;
        CHECK(test::with_code(currents::validate(envelope({custom_event_at(1300000000)}), options), "td-time-window")
                  .empty());
    }
}

TEST_CASE("td-no-external-user-id: Braze sends Treasure Data only events of users with an external id") {
    const std::string anonymous = R"({"user_id":"65a1f0c2e4b0a1b2c3d4e5f6"})";
    const std::string empty = R"({"user_id":"65a1f0c2e4b0a1b2c3d4e5f6","external_user_id":""})";
    const std::string not_a_string = R"({"user_id":"65a1f0c2e4b0a1b2c3d4e5f6","external_user_id":7})";
    const auto r = validate_for_td(envelope({custom_event_at(kNow), custom_event_at(kNow, anonymous),
                                             custom_event_at(kNow, empty), custom_event_at(kNow, not_a_string)}));
    const auto found = test::with_code(r, "td-no-external-user-id");
    REQUIRE(found.size() == 3);
    CHECK(found[0].pointer == "/events/1/user");
    CHECK(found[1].pointer == "/events/2/user");
    CHECK(found[2].pointer == "/events/3/user");
    CHECK(found[0].severity == Severity::Warning);
    CHECK(test::with_code(validate_for_td(envelope({custom_event_at(kNow, anonymous)}), Receiver::Http),
                          "td-no-external-user-id")
              .empty());
}

TEST_CASE("the receiver names parse and print in one place") {
    for (const Receiver r : {Receiver::Http, Receiver::TdPostback}) CHECK(receiver_from_string(to_string(r)) == r);
    CHECK(to_string(Receiver::TdPostback) == "td-postback");
    CHECK_FALSE(receiver_from_string("td").has_value());
}

TEST_CASE("the event observer sees each event's bytes, in order, with its external id and errors") {
    const std::string anonymous = R"({"user_id":"65a1f0c2e4b0a1b2c3d4e5f6"})";
    const std::string first = custom_event_at(kNow);
    const std::string second = event("users.behaviors.CustomEvent", R"({"name":7})", "id-2", "1732456800", anonymous);
    const std::string input = envelope({first, second}) + "\n" + first + "\n";
    struct Seen {
        std::uint64_t number;
        std::string json;
        bool external;
        bool errors;
    };
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, input.size()}) {
        INFO("chunk " << chunk);
        std::vector<Seen> seen;
        Validator v;
        v.on_event([&](const EventText& e) {
            seen.push_back({e.number, std::string(e.json), e.has_external_user_id, e.has_errors});
        });
        for (std::size_t i = 0; i < input.size(); i += chunk) v.feed(std::string_view(input).substr(i, chunk));
        v.finish();
        REQUIRE(seen.size() == 3);
        CHECK(seen[0].number == 0);
        CHECK(seen[0].json == first);
        CHECK(seen[0].external);
        CHECK_FALSE(seen[0].errors);
        CHECK(seen[1].json == second);
        CHECK_FALSE(seen[1].external);
        CHECK(seen[1].errors);
        CHECK(seen[2].number == 2);
        CHECK(seen[2].json == first);
    }
}
