// Format checks of Currents field values. They only ever produce warnings: Braze's own sample data uses
// placeholder words, and field transformations replace values (see is_transformed_value).
#pragma once

#include <string_view>

namespace tdbraze::currents {

// "", "[REDACTED]" or a SHA-256 hex digest: what Braze field transformations leave in any string field.
bool is_transformed_value(std::string_view value);

bool is_uuid(std::string_view value);  // 8-4-4-4-12 hex digits
bool is_braze_user_id(std::string_view value);  // 24 hex digits (a BSON object id)
bool is_e164_phone(std::string_view value);  // + then 7 to 15 digits, first digit not 0
bool is_iana_timezone(std::string_view value);  // a zone or link name of tzdata
bool is_known_platform(std::string_view value);  // ios, android, kindle, web, tvos, roku, ...

// The fields whose values get a format check, and which check.
enum class ValueFormat { None, Uuid, Phone, Platform };
ValueFormat property_format(std::string_view field);

}  // namespace tdbraze::currents
