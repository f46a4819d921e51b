// Streaming: the report does not depend on how the input is cut into chunks, and memory stays bounded.
#include <catch2/catch.hpp>

#include "currents_event_checks.hpp"
#include "support.hpp"
#include "tdbraze/report_json.hpp"

using namespace tdbraze;

namespace {

std::string report_in_chunks(const std::string& text, std::size_t chunk) {
    currents::Options options;
    options.now_epoch_seconds = test::kNow;
    currents::Validator v(options, "test");
    for (std::size_t i = 0; i < text.size(); i += chunk) v.feed(std::string_view(text).substr(i, chunk));
    return to_json(v.finish());
}

}  // namespace

TEST_CASE("every cut point gives the same report") {
    const std::vector<std::string> inputs = {
        test::read_fixture("currents/valid-batch.json"),
        test::read_fixture("currents/td-doc-example.json"),
        "[" + test::event("users.messages.email.Open", R"({"email_address":1,"x\u00e9":"\u3042"})") + "]",
        test::event("users.behaviors.CustomEvent", R"({"name":"n"})") + "\n{\"broken\": }\n" +
            test::event("users.behaviors.CustomEvent", R"({"name":"n"})", "id-2") + "\n",
        R"({"meta":{"a":[1,2.5,true,null]},"events":[{"event_type":"x","id":"i","time":12345678901234,"user":{},"properties":{}}],"tail":"t"})",
        "{\"events\":[{\"event_type\":\"users.behaviors.CustomEvent\"}, 42",  // cut off at the end
    };
    for (const std::string& text : inputs) {
        const std::string whole = report_in_chunks(text, text.size() + 1);
        for (std::size_t chunk = 1; chunk <= 17; ++chunk) {
            INFO("chunk " << chunk << " of " << text.substr(0, 60));
            CHECK(report_in_chunks(text, chunk) == whole);
        }
    }
}

TEST_CASE("memory holds one event at a time, not the input") {
    currents::Options options;
    options.now_epoch_seconds = test::kNow;
    currents::Validator v(options, "big");
    const std::string batch =
        test::envelope(std::vector<std::string>(100, test::event("users.behaviors.CustomEvent", R"({"name":"n"})")));
    std::size_t most = 0;
    std::uint64_t fed = 0;
    for (int i = 0; i < 2000; ++i) {  // about 40 MB of JSON Lines
        v.feed(batch);
        v.feed("\n");
        fed += batch.size() + 1;
        most = std::max(most, v.buffered_bytes());
    }
    const currents::Report r = v.finish();
    CHECK(r.summary.events == 200000);
    CHECK(fed > 30'000'000);
    CHECK(most < 2 * batch.size());
}

TEST_CASE("the duplicate-id check stops at its limit and says so") {
    currents::Validator v({}, "ids");
    v.feed(R"({"events":[)");
    const std::size_t n = currents::kMaxTrackedIds + 5;
    for (std::size_t i = 0; i < n; ++i) {
        if (i != 0) v.feed(",");
        v.feed(test::event("users.behaviors.CustomEvent", R"({"name":"n"})", "id-" + std::to_string(i)));
    }
    v.feed("]}");
    const auto r = v.finish();
    CHECK(test::with_code(r, "duplicate-check-limit").size() == 1);
    CHECK(test::with_code(r, "batch-too-large").size() == 1);
    CHECK(r.summary.events == n);
}
