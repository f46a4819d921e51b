#include "sync_types.hpp"

#include <array>
#include <utility>

namespace tdbraze::sync {
namespace {

// The names of an enum, in its order.
constexpr std::array<std::string_view, 4> kModes{"add", "remove", "mirror", "currents"};
constexpr std::array<std::string_view, 4> kBatchKinds{"name", "add", "remove", "events"};
constexpr std::array<std::string_view, 4> kRunStatuses{"running", "interrupted", "failed", "completed"};
constexpr std::array<std::string_view, 6> kOutcomes{"completed", "nothing-to-do", "interrupted",
                                                    "failed",    "invalid-table", "refused"};

template <typename Enum, std::size_t N>
std::optional<Enum> find(const std::array<std::string_view, N>& names, std::string_view name) {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == name) return static_cast<Enum>(i);
    return std::nullopt;
}

}  // namespace

std::string_view to_string(Mode mode) { return kModes.at(static_cast<std::size_t>(mode)); }
std::string_view to_string(BatchKind kind) { return kBatchKinds.at(static_cast<std::size_t>(kind)); }
std::string_view to_string(RunStatus status) { return kRunStatuses.at(static_cast<std::size_t>(status)); }
std::string_view to_string(Outcome outcome) { return kOutcomes.at(static_cast<std::size_t>(outcome)); }

template <>
std::optional<Mode> from_string<Mode>(std::string_view name) {
    return find<Mode>(kModes, name);
}
template <>
std::optional<BatchKind> from_string<BatchKind>(std::string_view name) {
    return find<BatchKind>(kBatchKinds, name);
}
template <>
std::optional<RunStatus> from_string<RunStatus>(std::string_view name) {
    return find<RunStatus>(kRunStatuses, name);
}
template <>
std::optional<Outcome> from_string<Outcome>(std::string_view name) {
    return find<Outcome>(kOutcomes, name);
}

}  // namespace tdbraze::sync
