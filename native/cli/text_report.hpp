// The human-readable report: compiler-style lines, then a summary.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "tdbraze/cohort.hpp"
#include "tdbraze/currents.hpp"
#include "tdbraze/sql_check.hpp"

namespace tdbraze::cli {

struct TextStyle {
    bool colour = false;  // ANSI colours; only when writing to a terminal
};

void print_text_report(std::ostream& out, const currents::Report& report, const TextStyle& style);
// Repeated findings once each, with their count and first places (tdbraze/diagnostic_groups.hpp).
void print_grouped_report(std::ostream& out, const currents::Report& report, const TextStyle& style);
void print_text_report(std::ostream& out, const cohort::Report& report, const TextStyle& style);
void print_text_report(std::ostream& out, const sql::Report& report, const TextStyle& style);

// "1 error", "2 errors", "3 aliases": the counts as the reports write them.
std::string plural(std::uint64_t n, const char* word);

}  // namespace tdbraze::cli
