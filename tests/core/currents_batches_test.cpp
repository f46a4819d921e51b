// Request bodies as Braze sends them: at most 100 events, at most the receiver's byte limit, compact.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support.hpp"
#include "tdbraze/currents_batches.hpp"

using namespace tdbraze::currents;
using tdbraze::test::event;

namespace {

std::vector<EventBatch> cut(const std::vector<std::string>& events, BatchLimits limits,
                            std::size_t* refused = nullptr) {
    BatchBuilder builder(limits);
    std::vector<EventBatch> out;
    for (const std::string& e : events) {
        auto added = builder.add(e);
        if (!added.added && refused != nullptr) ++*refused;
        if (added.completed) out.push_back(std::move(*added.completed));
    }
    if (auto last = builder.finish()) out.push_back(std::move(*last));
    return out;
}

std::vector<std::string> numbered_events(int n, std::size_t padding = 0) {
    std::vector<std::string> events;
    for (int i = 0; i < n; ++i)
        events.push_back(event("users.behaviors.CustomEvent", R"({"name":")" + std::string(padding, 'x') + R"("})",
                               "id-" + std::to_string(i)));
    return events;
}

}  // namespace

TEST_CASE("batches: at most max_events each, in order, every event once, bodies parse") {
    const auto events = numbered_events(250);
    const auto batches = cut(events, {});
    REQUIRE(batches.size() == 3);
    CHECK(batches[0].events() == 100);
    CHECK(batches[2].events() == 50);
    std::uint64_t expected_first = 0;
    int id = 0;
    for (std::size_t b = 0; b < batches.size(); ++b) {
        CHECK(batches[b].seq == b);
        CHECK(batches[b].first_event == expected_first);
        expected_first += batches[b].events();
        const auto body = nlohmann::json::parse(batches[b].body);
        for (const auto& e : body["events"]) CHECK(e["id"] == "id-" + std::to_string(id++));
    }
    CHECK(id == 250);
}

TEST_CASE("batches: a byte limit splits before the limit, never over it") {
    const auto events = numbered_events(300, 900);  // about 1 KB each
    for (const std::size_t limit : {std::size_t{4096}, std::size_t{20000}, std::size_t{1048064}}) {
        INFO("limit " << limit);
        const auto batches = cut(events, {100, limit});
        std::size_t total = 0;
        for (const auto& b : batches) {
            CHECK(b.body.size() <= limit);
            CHECK(b.events() <= 100);
            total += b.events();
            CHECK(nlohmann::json::parse(b.body)["events"].size() == b.events());
        }
        CHECK(total == events.size());
    }
    SECTION("exactly at the limit fits") {
        const std::string one = numbered_events(1, 10)[0];
        const std::size_t exact = BatchBuilder::single_body_bytes(one.size());
        CHECK(cut({one}, {100, exact}).size() == 1);
        std::size_t refused = 0;
        CHECK(cut({one}, {100, exact - 1}, &refused).empty());
        CHECK(refused == 1);
    }
}

TEST_CASE("batches: events are written compact, strings untouched") {
    const std::string pretty = "{\n  \"id\" : \"a b\\\" c\",\n\t\"time\": 1 ,\"user\":{ \"x\" : [ 1 , 2 ] } }";
    const auto batches = cut({pretty}, {});
    REQUIRE(batches.size() == 1);
    CHECK(batches[0].body == R"({"events":[{"id":"a b\" c","time":1,"user":{"x":[1,2]}}]})");
}

TEST_CASE("batches: part() gives the body of a range of a batch's events") {
    const auto events = numbered_events(5);
    const auto batches = cut(events, {});
    REQUIRE(batches.size() == 1);
    const EventBatch& b = batches[0];
    CHECK(b.part(0, 5) == b.body);
    const auto middle = nlohmann::json::parse(b.part(1, 3))["events"];
    REQUIRE(middle.size() == 2);
    CHECK(middle[0]["id"] == "id-1");
    CHECK(middle[1]["id"] == "id-2");
    CHECK(nlohmann::json::parse(b.part(4, 5))["events"][0]["id"] == "id-4");
}
