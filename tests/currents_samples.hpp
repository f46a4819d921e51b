// Well-formed Currents events of any catalogue type, for tests: each field gets a value of its JSON type that
// passes the format checks too.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tdbraze/catalogue.hpp"
#include "value_formats.hpp"

namespace tdbraze::test {

// A value of the field's type; `section` is "user" or "properties".
inline nlohmann::json sample_value(const currents::FieldSpec& f, std::string_view section) {
    using currents::JsonType;
    switch (f.type) {
        case JsonType::String:
            if (section == "user" && f.name == "user_id") return "65a1f0c2e4b0a1b2c3d4e5f6";
            if (section == "user" && f.name == "timezone") return "Europe/Berlin";
            switch (currents::property_format(f.name)) {
                case currents::ValueFormat::Uuid: return "0b6f2d3e-5a4c-4e8f-8d7a-112233445566";
                case currents::ValueFormat::Phone: return "+81312345678";
                case currents::ValueFormat::Platform: return "android";
                case currents::ValueFormat::None: return "value";
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

// An event of the type with its required and expected fields; with `every_field`, its optional ones too.
inline nlohmann::json sample_event(const currents::EventSpec& spec, bool every_field = false,
                                   const std::string& id = "4f3c2a10-7d8e-4b21-9c55-0a1b2c3d4e5f") {
    nlohmann::json ev = {{"event_type", spec.name},
                         {"id", id},
                         {"time", 1732456800},
                         {"user", nlohmann::json::object()},
                         {"properties", nlohmann::json::object()}};
    for (const currents::FieldSpec& f : spec.user)
        if (every_field || f.presence != currents::Presence::Optional)
            ev["user"][std::string(f.name)] = sample_value(f, "user");
    for (const currents::FieldSpec& f : spec.properties)
        if (every_field || f.presence != currents::Presence::Optional)
            ev["properties"][std::string(f.name)] = sample_value(f, "properties");
    return ev;
}

}  // namespace tdbraze::test
