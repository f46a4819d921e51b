// The list of every diagnostic code the core can emit: what docs/ documents, tests enumerate, and
// `tdbraze help CODE` looks up.
#pragma once

#include <span>
#include <string_view>

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

}  // namespace tdbraze
