// Where a sync's batches come from once its table is checked: four ways behind one interface.
//
//   spilled_plan   add/remove: the plan the check wrote to a temporary file (the same as `plan cohort`'s)
//   checked_plan   add/remove of a large table: made from the first occurrences its check on disk kept
//   streamed_plan  add/remove of a large table with identifiers of kilobytes: a second read plans it
//   mirror_plan    mirror: a second read gives the desired membership; adds are its identifiers not yet
//                  confirmed, removes the confirmed members no longer in it
//
// A source numbers its batches in plan order (0 is the naming call) and hands them on a group at a time;
// what is sent, and what a resumed run skips, is the caller's business (TakeBatches).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "request_spill.hpp"
#include "run_monitor.hpp"
#include "sender.hpp"
#include "spilled_dedupe.hpp"
#include "state_store.hpp"
#include "tdbraze/cohort.hpp"

namespace tdbraze::sync {

// What every source reads: the run's settings, its checked table and the stages it hands work to.
struct PlanContext {
    const cohort::Settings& settings;  // the export's (the operation set from the mode)
    const cohort::ReadOptions& read;
    std::string input_path;  // the table, read again by streamed_plan and mirror_plan
    std::string source_name;  // how reports name it
    std::string cohort_scope;
    SpilledDedupe* dedupe;  // the check on disk, or null
    const std::vector<std::uint64_t>& piece_hashes;  // of each piece the check read: a second read must match
    StateStore& store;
    RunMonitor& monitor;
    Sender& sender;  // its stop ends planning; its stop_with is where a planning error goes
};

// Takes a group of batches in plan order; false once the run is stopping.
using TakeBatches = std::function<bool(std::vector<Batch>&&)>;

class PlanSource {
public:
    virtual ~PlanSource() = default;
    // Hands the whole plan to `take`. False when planning failed: the error has stopped the run.
    virtual bool produce(const TakeBatches& take) = 0;
};

std::unique_ptr<PlanSource> spilled_plan(PlanContext context, std::unique_ptr<RequestSpill> spill);
std::unique_ptr<PlanSource> checked_plan(PlanContext context);
std::unique_ptr<PlanSource> streamed_plan(PlanContext context);
std::unique_ptr<PlanSource> mirror_plan(PlanContext context);

// A planner over the table with the run's duplicate check: on disk when there is one, else in memory.
cohort::Planner make_planner(const cohort::Settings& settings, const cohort::ReadOptions& read,
                             const std::string& source_name, SpilledDedupe* dedupe, cohort::IdentifierSink sink);

// The table changed between the check and a later read: only what was read before the change was sent.
inline constexpr const char* kFileChangedWhileSending =
    "the table changed while it was being read (its passes differ); only batches from the part read before the "
    "change were sent. Run again once the file is complete";

}  // namespace tdbraze::sync
