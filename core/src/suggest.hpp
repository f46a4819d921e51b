// "Did you mean ...?": the closest known name to a misspelt one.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace tdbraze {

// Levenshtein distance, ASCII case-insensitive (a wrong case costs nothing: it is reported separately).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `name`, or an empty view when none is near enough to be a plausible typo
// (distance at most max(2, name.size() / 4)).
template <typename Range, typename Project>
std::string_view closest_name(std::string_view name, const Range& candidates, Project project) {
    std::string_view best;
    std::size_t best_distance = name.size() / 4 < 2 ? 2 : name.size() / 4;
    bool found = false;
    for (const auto& candidate : candidates) {
        const std::string_view c = project(candidate);
        const std::size_t d = edit_distance(name, c);
        if (d <= best_distance && (!found || d < best_distance)) {
            best = c;
            best_distance = d;
            found = true;
        }
    }
    return best;
}

}  // namespace tdbraze
