// The sync's vocabulary: its modes, the kinds of batch, a run's status in the state file and a run's outcome.
// Each is an enum, printed by to_string and parsed by from_string here and nowhere else: the names are what
// the command line accepts, the JSON log prints and the state file stores.
#pragma once

#include <optional>
#include <string_view>

namespace tdbraze::sync {

// What a sync does with the table: its identifiers join the cohort, leave it, or become its whole membership.
// Currents is the other kind of run the state file keeps: a payload delivered to a receiver (send currents).
enum class Mode { Add, Remove, Mirror, Currents };

// One request of a sync: the naming call (which comes first) or a membership change; or a batch of Currents
// events.
enum class BatchKind { Name, Add, Remove, Events };

// A run as the state file keeps it. Running with no live process behind it is read as Interrupted.
enum class RunStatus { Running, Interrupted, Failed, Completed };

// How a sync ended.
enum class Outcome {
    Completed,  // every batch confirmed
    NothingToDo,  // the table was already synced completely
    Interrupted,  // the user stopped it; what was in flight was recorded
    Failed,  // it stopped before every batch was confirmed (SyncSummary::error says why)
    InvalidTable,  // the table has errors; nothing was sent
    Refused,  // it could not start (SyncSummary::error says why); nothing was sent
};

std::string_view to_string(Mode mode);
std::string_view to_string(BatchKind kind);
std::string_view to_string(RunStatus status);
std::string_view to_string(Outcome outcome);

// The names above back to their enum: nothing for a name that is not one.
template <typename Enum>
std::optional<Enum> from_string(std::string_view name);
template <>
std::optional<Mode> from_string<Mode>(std::string_view name);
template <>
std::optional<BatchKind> from_string<BatchKind>(std::string_view name);
template <>
std::optional<RunStatus> from_string<RunStatus>(std::string_view name);
template <>
std::optional<Outcome> from_string<Outcome>(std::string_view name);

}  // namespace tdbraze::sync
