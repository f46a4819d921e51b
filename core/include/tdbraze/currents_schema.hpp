// The event catalogue as a JSON Schema (draft-07) of a Currents HTTP body, for tools that speak JSON Schema.
#pragma once

#include <string>

namespace tdbraze::currents {

// The schema of {"events": [event, ...]}: the envelope's five members, and per event_type (if/then) the types of
// its user and properties fields, its required fields in "required". A field that may be absent may also be
// null, as tdbraze treats null as absent. It rejects what tdbraze reports as member-type, field-type,
// missing-member and missing-required-field errors; the other checks (formats, times, ids) are tdbraze's alone.
// `strict` adds "additionalProperties": false wherever tdbraze warns about an unknown member or field.
// Pretty-printed JSON with a final newline.
std::string currents_json_schema(bool strict);

}  // namespace tdbraze::currents
