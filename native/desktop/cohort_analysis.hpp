// The check and the plan of the open table with the current settings, as the Cohort panel shows them: the
// core's validation report, the number of requests, and the first requests' bodies (with the secrets'
// placeholders, never the secrets).
#pragma once

#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "tdbraze/cohort.hpp"

namespace tdbraze::desktop {

struct RequestPreview {
    std::string title;  // "naming call" or "membership call 1 (1,000 ids)"
    std::string method_and_path;
    std::string body;  // pretty-printed, long identifier lists shortened
    std::uint64_t ids = 0;
};

struct CohortAnalysis {
    std::string path;
    cohort::Report report;
    std::uint64_t requests = 0;  // every planned call, the naming call included
    std::vector<RequestPreview> first_requests;
    std::string error;  // the table cannot be read
    bool cancelled = false;
};

// Plans the whole table in chunks (memory stays bounded), keeping the first `keep` requests for display.
// Stops early, with `cancelled` set, when a stop is requested on `cancel`.
CohortAnalysis analyse_table(const std::string& path, const cohort::Settings& settings, const cohort::ReadOptions& read,
                             std::stop_token cancel, std::size_t keep = 3);

// A request body for people: indented JSON whose arrays longer than `max_items` show their first items and
// a "... N more" entry. Text that is not JSON comes back unchanged.
std::string display_body(const std::string& body, std::size_t max_items = 5);

// "1,234,567": counts in the UI are easier to read with separators.
std::string with_separators(std::uint64_t n);

}  // namespace tdbraze::desktop
