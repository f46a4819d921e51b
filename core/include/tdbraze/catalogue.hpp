// The Braze Currents event catalogue: every event type, its fields, their JSON types and presence.
// The tables are generated from assets/currents-catalogue.json by tools/generate_tables.py.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tdbraze::currents {

enum class JsonType : std::uint8_t { String, Integer, Number, Boolean, Object, StringArray };
enum class Presence : std::uint8_t { Required, Expected, Optional };

struct FieldSpec {
    std::string_view name;
    JsonType type;
    Presence presence;
};

struct EventSpec {
    std::string_view name;
    std::span<const FieldSpec> user;  // sorted by name
    std::span<const FieldSpec> properties;  // sorted by name
    bool time_64bit;  // the Avro schema declares `time` as long rather than int
    bool retired;  // Braze no longer emits it, old data still holds it
    bool http;  // false: only cloud-storage connectors ever receive it
};

// All event types, sorted by name.
std::span<const EventSpec> event_catalogue();

// nullptr when the name is not a known event type (exact, case-sensitive match).
const EventSpec* find_event(std::string_view name);

// nullptr when the field is not in the list.
const FieldSpec* find_field(std::span<const FieldSpec> fields, std::string_view name);

// The same answer as find_field, faster for names met in sorted order, as Braze writes an event's members: the
// search starts at `from` (the place after the previous name's field) and only a name out of order costs a
// binary search.
const FieldSpec* find_field_from(std::span<const FieldSpec> fields, std::string_view name, std::size_t from);

// The user fields every event type may carry, whatever its own catalogue entry lists.
std::span<const FieldSpec> common_user_fields();

// Which catalogue this build holds: the asset's "format" member and the first 12 hex digits of the SHA-256 of
// assets/currents-catalogue.json (two builds with the same digest check the same fields).
struct CatalogueVersion {
    std::string_view format;
    std::string_view digest;
    std::size_t event_types;
    std::size_t fields;
};
CatalogueVersion catalogue_version();

std::string_view to_string(JsonType type);  // "string", "integer", ... as in the catalogue
std::string_view to_string(Presence presence);

}  // namespace tdbraze::currents
