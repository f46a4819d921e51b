// Helpers for the cohort table tests.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tdbraze/cohort.hpp"
#include "tdbraze/report_json.hpp"

namespace tdbraze::test {

inline cohort::Settings settings(std::vector<std::string> aliases = {}) {
    cohort::Settings s;
    s.cohort_id = "cohort-1";
    s.alias_columns = std::move(aliases);
    s.created_at = "2025-11-24T09:30:00Z";
    return s;
}

inline cohort::Plan plan_table(const std::string& text, const cohort::Settings& s = settings(),
                               cohort::ReadOptions options = {}) {
    return cohort::plan(text, s, options, "table");
}

inline std::vector<std::string> cohort_codes(const cohort::Report& r) {
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics) out.push_back(d.code);
    return out;
}

inline std::vector<Diagnostic> cohort_with_code(const cohort::Report& r, const std::string& code) {
    std::vector<Diagnostic> out;
    for (const auto& d : r.diagnostics)
        if (d.code == code) out.push_back(d);
    return out;
}

// The membership requests' bodies, parsed.
inline std::vector<nlohmann::json> membership_bodies(const cohort::Plan& p) {
    std::vector<nlohmann::json> out;
    for (const auto& r : p.requests)
        if (r.path.size() > 6 && r.path.substr(r.path.size() - 6) == "/users") out.push_back(nlohmann::json::parse(r.body));
    return out;
}

}  // namespace tdbraze::test
