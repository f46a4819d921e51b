// Diagnostics: what every validator in tdbraze reports, and how reports are summarised.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tdbraze {

enum class Severity : std::uint8_t { Error, Warning, Info };

std::string_view to_string(Severity severity);
std::optional<Severity> severity_from_string(std::string_view name);  // "error", "warning", "info"

// One finding. Positions are 1-based; 0 means "not known" (for example a problem with the input as a whole).
// Columns count Unicode code points, not bytes, so they match what an editor shows.
struct Diagnostic {
    Severity severity = Severity::Error;
    std::string code;  // stable kebab-case identifier, documented in docs/
    std::string message;  // what is wrong, in words a person understands
    std::string hint;  // how to fix it
    std::string pointer;  // RFC 6901 JSON pointer into the document the line belongs to
    std::uint64_t line = 0;
    std::uint64_t column = 0;
    // Tables (cohort mapping): the data row, 1-based (0: the header or the settings), and the column's name.
    std::uint64_t row = 0;
    std::string column_name;
};

}  // namespace tdbraze
