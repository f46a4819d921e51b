#include "tdbraze/currents_schema.hpp"

#include <nlohmann/json.hpp>

#include "tdbraze/catalogue.hpp"
#include "tdbraze/version.hpp"

namespace tdbraze::currents {
namespace {

using Json = nlohmann::ordered_json;  // keys in the order written: "$schema" first, then as a reader expects

constexpr const char* kEnvelopeMembers[] = {"event_type", "id", "time", "user", "properties"};

Json type_schema(JsonType type, bool nullable) {
    Json out = Json::object();
    const char* name = "string";
    switch (type) {
        case JsonType::String: name = "string"; break;
        case JsonType::Integer: name = "integer"; break;
        case JsonType::Number: name = "number"; break;
        case JsonType::Boolean: name = "boolean"; break;
        case JsonType::Object: name = "object"; break;
        case JsonType::StringArray: name = "array"; break;
    }
    out["type"] = nullable ? Json::array({name, "null"}) : Json(name);
    if (type == JsonType::StringArray) out["items"] = {{"type", "string"}};
    return out;
}

std::string presence_note(Presence presence) {
    switch (presence) {
        case Presence::Required: return "required: Braze always sends it";
        case Presence::Expected: return "expected: Braze normally sends it (tdbraze warns when it is missing)";
        case Presence::Optional: return "optional: may be absent or null";
    }
    return "";
}

// One object of the event (user or properties): its fields' types, its required fields. `common` are fields
// every event type's object may hold (the user's), listed unless the type lists the same name.
Json section_schema(std::span<const FieldSpec> fields, std::span<const FieldSpec> common, bool strict) {
    Json properties = Json::object();
    Json required = Json::array();
    for (const FieldSpec& f : common)
        if (find_field(fields, f.name) == nullptr) {
            Json field = type_schema(f.type, true);
            field["description"] = presence_note(f.presence);
            properties[std::string(f.name)] = std::move(field);
        }
    for (const FieldSpec& f : fields) {
        // A required field's null is reported as missing: so it may not be null.
        Json field = type_schema(f.type, f.presence != Presence::Required);
        field["description"] = presence_note(f.presence);
        properties[std::string(f.name)] = std::move(field);
        if (f.presence == Presence::Required) required.push_back(std::string(f.name));
    }
    Json out = {{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty()) out["required"] = std::move(required);
    if (strict) out["additionalProperties"] = false;
    return out;
}

Json event_type_branch(const EventSpec& spec, bool strict) {
    std::string description = "Fields of " + std::string(spec.name);
    if (spec.retired) description += " (retired: Braze no longer emits it)";
    if (!spec.http) description += " (only delivered to cloud-storage connectors, never over HTTP)";
    return {
        {"if",
         {{"type", "object"},
          {"properties", {{"event_type", {{"const", std::string(spec.name)}}}}},
          {"required", Json::array({"event_type"})}}},
        {"then",
         {{"description", description},
          {"type", "object"},
          {"properties",
           {{"user", section_schema(spec.user, common_user_fields(), strict)},
            {"properties", section_schema(spec.properties, {}, strict)}}}}},
    };
}

Json event_schema(bool strict) {
    Json known = Json::array();
    for (const EventSpec& spec : event_catalogue()) known.push_back(std::string(spec.name));
    Json all_of = Json::array();
    // Of an event of a type not in the catalogue only the envelope and the user fields common to all are checked.
    all_of.push_back({
        {"if",
         {{"type", "object"},
          {"properties", {{"event_type", {{"enum", known}}}}},
          {"required", Json::array({"event_type"})}}},
        {"else", {{"type", "object"}, {"properties", {{"user", section_schema({}, common_user_fields(), strict)}}}}},
    });
    for (const EventSpec& spec : event_catalogue()) all_of.push_back(event_type_branch(spec, strict));

    Json out = {
        {"description", "One Currents event: its type, a unique id, epoch seconds, the user and the properties"},
        {"type", "object"},
        {"required", kEnvelopeMembers},
        {"properties",
         {{"event_type", {{"type", "string"}, {"description", "e.g. users.messages.email.Open"}}},
          {"id", {{"type", "string"}, {"description", "unique per event: receivers de-duplicate on it"}}},
          {"time", {{"type", "integer"}, {"description", "epoch seconds (UTC)"}}},
          {"user", {{"type", "object"}}},
          {"properties", {{"type", "object"}}}}},
    };
    if (strict) out["additionalProperties"] = false;
    out["allOf"] = std::move(all_of);
    return out;
}

}  // namespace

std::string currents_json_schema(bool strict) {
    const CatalogueVersion catalogue = catalogue_version();
    Json schema = {
        {"$schema", "http://json-schema.org/draft-07/schema#"},
        {"$id", std::string(kHomepage) + (strict ? "/schema/currents-strict.json" : "/schema/currents.json")},
        {"title", "Braze Currents HTTP connector body"},
        {"description", "Generated by tdbraze " + std::string(kVersion) + " from its event catalogue " +
                            std::string(catalogue.format) + " (" + std::string(catalogue.digest) + ", " +
                            std::to_string(catalogue.event_types) + " event types)" +
                            (strict ? "; strict: no member or field outside the catalogue" : "")},
        {"type", "object"},
        {"required", Json::array({"events"})},
        {"properties", {{"events", {{"type", "array"}, {"items", {{"$ref", "#/definitions/event"}}}}}}},
    };
    if (strict) schema["additionalProperties"] = false;
    schema["definitions"] = {{"event", event_schema(strict)}};
    return schema.dump(2) + "\n";
}

}  // namespace tdbraze::currents
