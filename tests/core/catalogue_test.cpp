// The generated tables match the catalogue asset, and every event type validates when well formed.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support.hpp"
#include "tdbraze/catalogue.hpp"
#include "value_formats.hpp"

using namespace tdbraze;
using namespace tdbraze::currents;

namespace {

nlohmann::json asset_catalogue() {
    std::ifstream in(std::string(TDBRAZE_FIXTURES) + "/../../assets/currents-catalogue.json");
    return nlohmann::json::parse(in);
}

// A value of the field's type that passes the format checks too.
nlohmann::json sample_value(const FieldSpec& f, std::string_view section) {
    switch (f.type) {
        case JsonType::String:
            if (section == "user" && f.name == "user_id") return "65a1f0c2e4b0a1b2c3d4e5f6";
            if (section == "user" && f.name == "timezone") return "Europe/Berlin";
            switch (property_format(f.name)) {
                case ValueFormat::Uuid: return "0b6f2d3e-5a4c-4e8f-8d7a-112233445566";
                case ValueFormat::Phone: return "+81312345678";
                case ValueFormat::Platform: return "android";
                case ValueFormat::None: return "value";
            }
            return "value";
        case JsonType::Integer: return 7;
        case JsonType::Number: return 1.5;
        case JsonType::Boolean: return true;
        case JsonType::Object: return nlohmann::json::object({{"k", "v"}});
        case JsonType::StringArray: return nlohmann::json::array({"a", "b"});
    }
    return nullptr;
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
        nlohmann::json ev = {{"event_type", spec.name},
                             {"id", "4f3c2a10-7d8e-4b21-9c55-0a1b2c3d4e5f"},
                             {"time", 1732456800},
                             {"user", nlohmann::json::object()},
                             {"properties", nlohmann::json::object()}};
        for (const FieldSpec& f : spec.user)
            if (f.presence != Presence::Optional) ev["user"][std::string(f.name)] = sample_value(f, "user");
        for (const FieldSpec& f : spec.properties)
            if (f.presence != Presence::Optional) ev["properties"][std::string(f.name)] = sample_value(f, "properties");
        const auto r = test::validate(nlohmann::json{{"events", {ev}}}.dump());
        std::vector<std::string> expected;
        if (spec.retired) expected.push_back("retired-event-type");
        if (!spec.http) expected.push_back("not-sent-over-http");
        CHECK(test::codes(r) == expected);
        CHECK(r.ok());

        // Every optional field too, each with a value of its type.
        for (const FieldSpec& f : spec.properties)
            ev["properties"][std::string(f.name)] = sample_value(f, "properties");
        for (const FieldSpec& f : spec.user) ev["user"][std::string(f.name)] = sample_value(f, "user");
        CHECK(test::codes(test::validate(nlohmann::json{{"events", {ev}}}.dump())) == expected);
    }
}
