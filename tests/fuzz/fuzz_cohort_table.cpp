// libFuzzer target: cohort tables in every format. Any input gives a report and a plan; the plan and report
// do not depend on chunking; every planned body is valid JSON within Braze's limits.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tdbraze/cohort.hpp"
#include "tdbraze/report_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    tdbraze::cohort::Settings settings;
    settings.cohort_id = "fuzz";
    settings.created_at = "2025-11-24T09:30:00Z";
    settings.alias_columns = {"email"};
    settings.max_ids_per_request = 1 + data[0] % 7;  // small batches: more boundaries
    tdbraze::cohort::ReadOptions options;
    options.format = static_cast<tdbraze::cohort::TableFormat>(data[0] % 5);
    options.trim = (data[0] & 0x80) != 0;
    const auto whole = tdbraze::cohort::plan(input, settings, options, "fuzz");
    for (const auto& r : whole.requests) {
        if (r.body.size() > tdbraze::cohort::kMaxBodyBytes) std::abort();
        if (!nlohmann::json::accept(r.body)) std::abort();
        if (r.ids > static_cast<std::uint64_t>(settings.max_ids_per_request)) std::abort();
    }
    tdbraze::cohort::Planner planner(settings, options, "fuzz");
    std::size_t requests = 0;
    const std::size_t chunk = 1 + data[0] % 13;
    for (std::size_t i = 0; i < input.size(); i += chunk) {
        planner.feed(input.substr(i, chunk));
        requests += planner.take_requests().size();
    }
    const auto report = planner.finish();
    requests += planner.take_requests().size();
    if (tdbraze::to_json(report) != tdbraze::to_json(whole.report) || requests != whole.requests.size()) std::abort();
    return 0;
}
