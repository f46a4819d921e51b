// One checked input as the CI formats (SARIF, GitHub annotations) see it, whatever checked it: its name, its
// listed findings and the counts of all of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tdbraze/cohort.hpp"
#include "tdbraze/currents.hpp"
#include "tdbraze/diagnostic.hpp"
#include "tdbraze/sql_check.hpp"

namespace tdbraze::cli {

struct InputFindings {
    std::string source;  // the path as given; "-" for standard input
    std::vector<Diagnostic> diagnostics;  // with the diagnostics-omitted entry last when some were left out
    std::uint64_t errors = 0, warnings = 0, infos = 0;  // every finding, listed or not
};

InputFindings findings_of(const currents::Report& report);
InputFindings findings_of(const cohort::Report& report);
InputFindings findings_of(const sql::Report& report);

// Where in the document a finding is, as the reports write it after the message: " (at POINTER)",
// " [row R, column NAME]", both, or nothing.
std::string place_text(const Diagnostic& d);

// What a CI format shows of a finding: the message, its place_text when `with_place`, then a line
// "hint: ..." when there is a hint.
std::string finding_text(const Diagnostic& d, bool with_place);

}  // namespace tdbraze::cli
