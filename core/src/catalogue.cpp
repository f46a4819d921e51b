#include "tdbraze/catalogue.hpp"

#include <algorithm>
#include <array>

namespace tdbraze::currents {
namespace {

struct EventRow {
    std::string_view name;
    std::uint32_t user_begin, user_count, properties_begin, properties_count;
    bool time_64bit, retired, http;
};

#include "../generated/currents_catalogue.inc"

constexpr std::size_t kEventCount = std::size(kCatalogueEvents);

std::array<EventSpec, kEventCount> build_events() {
    std::array<EventSpec, kEventCount> out{};
    const std::span<const FieldSpec> fields(kCatalogueFields);
    for (std::size_t i = 0; i < kEventCount; ++i) {
        const EventRow& row = kCatalogueEvents[i];
        out[i] = EventSpec{row.name,
                           fields.subspan(row.user_begin, row.user_count),
                           fields.subspan(row.properties_begin, row.properties_count),
                           row.time_64bit,
                           row.retired,
                           row.http};
    }
    return out;
}

const std::array<EventSpec, kEventCount>& events() {
    static const std::array<EventSpec, kEventCount> table = build_events();
    return table;
}

// The envelope's `user` object as the spec describes it for every event type.
constexpr FieldSpec kCommonUserFields[] = {
    {"device_id", JsonType::String, Presence::Optional},
    {"external_user_id", JsonType::String, Presence::Optional},
    {"timezone", JsonType::String, Presence::Optional},
    {"user_id", JsonType::String, Presence::Optional},
};

}  // namespace

std::span<const EventSpec> event_catalogue() { return events(); }

const EventSpec* find_event(std::string_view name) {
    const auto& table = events();
    auto it = std::lower_bound(table.begin(), table.end(), name,
                               [](const EventSpec& e, std::string_view n) { return e.name < n; });
    return (it != table.end() && it->name == name) ? &*it : nullptr;
}

const FieldSpec* find_field(std::span<const FieldSpec> fields, std::string_view name) {
    auto it = std::lower_bound(fields.begin(), fields.end(), name,
                               [](const FieldSpec& f, std::string_view n) { return f.name < n; });
    return (it != fields.end() && it->name == name) ? &*it : nullptr;
}

const FieldSpec* find_field_from(std::span<const FieldSpec> fields, std::string_view name, std::size_t from) {
    // A few steps forward cover the optional fields an event leaves out; further on, halving is cheaper.
    constexpr std::size_t kSteps = 4;
    if (name.empty()) return find_field(fields, name);
    const auto first = static_cast<unsigned char>(name[0]);  // as string_view orders: bytes without sign
    for (std::size_t i = from; i < fields.size() && i < from + kSteps; ++i) {
        const std::string_view field = fields[i].name;
        const auto field_first = static_cast<unsigned char>(field[0]);
        // Most fields differ from the name in their length or first byte: no call to memcmp for them.
        if (field.size() == name.size() && field_first == first && field == name) return &fields[i];
        if (field_first > first || (field_first == first && field > name)) {
            if (i > from) return nullptr;  // between two neighbours: not in the list
            break;  // before where the search began: out of order
        }
    }
    return find_field(fields, name);
}

std::span<const FieldSpec> common_user_fields() { return kCommonUserFields; }

CatalogueVersion catalogue_version() {
    return {kCatalogueFormat, kCatalogueDigest, kEventCount, std::size(kCatalogueFields)};
}

std::string_view to_string(JsonType type) {
    switch (type) {
        case JsonType::String: return "string";
        case JsonType::Integer: return "integer";
        case JsonType::Number: return "number";
        case JsonType::Boolean: return "boolean";
        case JsonType::Object: return "object";
        case JsonType::StringArray: return "array<string>";
    }
    return "?";
}

std::string_view to_string(Presence presence) {
    switch (presence) {
        case Presence::Required: return "required";
        case Presence::Expected: return "expected";
        case Presence::Optional: return "optional";
    }
    return "?";
}

}  // namespace tdbraze::currents
