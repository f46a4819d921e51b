// The generated tables match the catalogue asset, and every event type validates when well formed.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "currents_samples.hpp"
#include "support.hpp"
#include "tdbraze/catalogue.hpp"

using namespace tdbraze;
using namespace tdbraze::currents;

namespace {

nlohmann::json asset_catalogue() {
    std::ifstream in(std::string(TDBRAZE_FIXTURES) + "/../../assets/currents-catalogue.json");
    return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("the catalogue has every event type of the asset with the same fields") {
    const auto asset = asset_catalogue();
    REQUIRE(event_catalogue().size() == asset["events"].size());
    REQUIRE(event_catalogue().size() == 97);
    for (const auto& [name, spec] : asset["events"].items()) {
        INFO(name);
        const EventSpec* e = find_event(name);
        REQUIRE(e != nullptr);
        CHECK(e->properties.size() == spec["properties"].size());
        CHECK(e->user.size() == spec["user"].size());
        CHECK(e->retired == spec.value("retired", false));
        CHECK(e->http == spec.value("http", true));
        for (const auto& [field, f] : spec["properties"].items()) {
            const FieldSpec* fs = find_field(e->properties, field);
            REQUIRE(fs != nullptr);
            CHECK(to_string(fs->type) == f["json_type"].get<std::string>());
            CHECK(to_string(fs->presence) == f["presence"].get<std::string>());
        }
    }
    CHECK(find_event("users.message.email.Open") == nullptr);
}

TEST_CASE("every event type, with its required and expected fields, validates without a finding") {
    for (const EventSpec& spec : event_catalogue()) {
        INFO(spec.name);
        nlohmann::json ev = test::sample_event(spec);
        const auto r = test::validate(nlohmann::json{{"events", {ev}}}.dump());
        std::vector<std::string> expected;
        if (spec.retired) expected.push_back("retired-event-type");
        if (!spec.http) expected.push_back("not-sent-over-http");
        CHECK(test::codes(r) == expected);
        CHECK(r.ok());

        // Every optional field too, each with a value of its type.
        ev = test::sample_event(spec, true);
        CHECK(test::codes(test::validate(nlohmann::json{{"events", {ev}}}.dump())) == expected);
    }
}

TEST_CASE("find_field_from answers as find_field, from every starting place, for names in and out of the lists") {
    std::vector<std::string> names = {"", "a", "zzzz", "\xC3\xA9tat", "~", "user_id", "user_idx", "user_i"};
    for (const EventSpec& e : event_catalogue())
        for (const auto* fields : {&e.user, &e.properties})
            for (const FieldSpec& f : *fields) {
                names.emplace_back(f.name);
                names.push_back(std::string(f.name) + "_");  // sorts right after the field
                names.push_back(std::string(f.name).substr(0, f.name.size() - 1));  // right before it
            }
    std::size_t asked = 0;
    std::vector<std::string> wrong;  // one assertion for millions of questions keeps the test quick
    for (const EventSpec& e : event_catalogue())
        for (const auto* fields : {&e.user, &e.properties})
            for (const std::string& name : names)
                for (std::size_t from = 0; from <= fields->size() + 1; ++from, ++asked)
                    if (find_field_from(*fields, name, from) != find_field(*fields, name) && wrong.size() < 10)
                        wrong.push_back(std::string(e.name) + " " + name + " from " + std::to_string(from));
    CHECK(wrong.empty());
    CHECK(asked > 1'000'000);
}
