// libFuzzer target: cohort tables in every format. Any input gives a report and a plan; the plan and report
// do not depend on chunking, on how duplicates are answered (the batched, prefetching in-memory check
// against a plain std::set one at a time), or on whether bodies are written; every planned body is valid
// JSON within Braze's limits; a first read answered "not seen", given the answers' counts afterwards, makes
// the same report, and where it cannot, never finds fewer errors.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tdbraze/cohort.hpp"
#include "tdbraze/report_json.hpp"
#include "../cohort_support.hpp"

namespace {

// The duplicate check at its plainest: the reference for the planner's own.
class SeenNaively final : public tdbraze::cohort::SeenBefore {
public:
    tdbraze::cohort::Seen see(std::string_view key, std::string_view alias_spelling) override {
        tdbraze::cohort::Seen seen;
        if (!keys_.emplace(key).second) {
            seen.duplicate = true;
            return seen;
        }
        if (key[0] == 'u' || key[0] == 'd') {
            std::string other(key);
            other[0] = key[0] == 'u' ? 'd' : 'u';
            seen.other_type = keys_.count(other) != 0;
        } else {
            seen.alias_spelling = !spellings_.emplace(alias_spelling).second;
        }
        return seen;
    }

private:
    std::set<std::string, std::less<>> keys_, spellings_;
};

}  // namespace

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

    // Rows read apart from their checks (native/ reads them on its reading thread): the same plan.
    tdbraze::cohort::RowReader row_reader(options.format, settings);
    tdbraze::cohort::RowBatch rows;  // one batch used again and again, as native/ does
    tdbraze::cohort::Planner from_rows(settings, options, "fuzz");
    std::vector<tdbraze::cohort::PlannedRequest> rows_requests;
    const auto take_rows_requests = [&] {
        for (auto& r : from_rows.take_requests()) rows_requests.push_back(std::move(r));
    };
    for (std::size_t i = 0; i < input.size(); i += chunk) {
        row_reader.read(input.substr(i, chunk), rows);
        from_rows.feed_rows(rows);
        take_rows_requests();
    }
    row_reader.finish(rows);
    from_rows.feed_rows(rows);
    if (from_rows.bytes_consumed() != planner.bytes_consumed()) std::abort();  // the same reads: the same count
    const auto rows_report = from_rows.finish();
    take_rows_requests();
    if (tdbraze::to_json(rows_report) != tdbraze::to_json(whole.report) ||
        rows_requests.size() != whole.requests.size())
        std::abort();
    for (std::size_t i = 0; i < rows_requests.size(); ++i)
        if (rows_requests[i].body != whole.requests[i].body || rows_requests[i].keys != whole.requests[i].keys)
            std::abort();

    SeenNaively naive;
    tdbraze::cohort::Planner reference(settings, options, "fuzz", nullptr, naive);
    reference.feed(input);
    if (tdbraze::to_json(reference.finish()) != tdbraze::to_json(whole.report)) std::abort();
    const auto referenced = reference.take_requests();
    if (referenced.size() != whole.requests.size()) std::abort();
    for (std::size_t i = 0; i < referenced.size(); ++i)
        if (referenced[i].body != whole.requests[i].body) std::abort();

    tdbraze::cohort::ReadOptions counting = options;
    counting.plan_requests = false;
    if (tdbraze::to_json(tdbraze::cohort::plan(input, settings, counting, "fuzz").report) !=
        tdbraze::to_json(whole.report))
        std::abort();

    // The on-disk check's first read (native/sync/spilled_dedupe) answers every identifier "not seen". With
    // the real answers' counts it makes the whole report, or says it cannot; then its own error count bounds
    // the real one (with none there, the sync sends while it plans).
    tdbraze::test::AnswersCountedLater later;
    tdbraze::cohort::Planner rehearsal(settings, counting, "fuzz", nullptr, later);
    tdbraze::cohort::RowReader rehearsal_rows(options.format, settings);
    for (std::size_t i = 0; i < input.size(); i += chunk) {
        rehearsal_rows.read(input.substr(i, chunk), rows);
        rehearsal.feed_rows(rows);
    }
    rehearsal_rows.finish(rows);
    rehearsal.feed_rows(rows);
    rehearsal.finish_input();
    if (const auto made = rehearsal.finish_with(later.counts())) {
        if (tdbraze::to_json(*made) != tdbraze::to_json(whole.report)) std::abort();
    } else if (rehearsal.finish().summary.errors < whole.report.summary.errors) {
        std::abort();
    }
    return 0;
}
