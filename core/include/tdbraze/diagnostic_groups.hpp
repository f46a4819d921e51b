// Repeated findings as one: 5,000 events with a time in milliseconds are one finding with a count and the first
// places, not 5,000 lines. A group is a code at one place of the document's shape: the JSON pointer with its
// array indices left out (/events/*/time), or the table column.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tdbraze/diagnostic.hpp"

namespace tdbraze {

struct DiagnosticGroup {
    std::string code;
    Severity severity = Severity::Error;
    std::string shape;  // the pointer with indices as '*', or the column name
    std::uint64_t count = 0;  // of the diagnostics given (a capped list counts only what it lists)
    std::vector<Diagnostic> first;  // the first few, in input order
};

// Groups in the order of each group's first diagnostic; errors before warnings before infos.
std::vector<DiagnosticGroup> group_diagnostics(const std::vector<Diagnostic>& diagnostics, std::size_t places_kept = 3);

// "/events/12/time" -> "/events/*/time".
std::string pointer_shape(const std::string& pointer);

}  // namespace tdbraze
