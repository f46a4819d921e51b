// The list of every diagnostic code the core can emit: what docs/ documents, tests enumerate, and
// `tdbraze help CODE` looks up.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "tdbraze/diagnostic.hpp"

namespace tdbraze {

struct DiagnosticCode {
    std::string_view code;
    std::string_view kind;  // "currents" (later also "cohort", "sql")
    Severity severity;  // the default severity (--strict promotes warnings)
    std::string_view title;  // one line
};

std::span<const DiagnosticCode> diagnostic_codes();
const DiagnosticCode* find_diagnostic_code(std::string_view code);

// Every code a check of `kind` ("currents", "cohort", "sql") can emit, in the order of the list: its own, the
// report-wide ones its reports carry, and for "sql" the header codes it applies to the query's output columns.
std::vector<const DiagnosticCode*> diagnostic_codes_of(std::string_view kind);

// The manual page that documents `code`'s section, relative to docs/: "currents.md" or "cohort.md".
std::string_view manual_page_of(const DiagnosticCode& code);

}  // namespace tdbraze
