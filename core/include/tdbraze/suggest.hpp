// "Did you mean ...?" for callers outside the core, such as the command line's options and subcommands.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace tdbraze {

// The candidate nearest to `name`, or an empty view when none is near enough to be a plausible typo: the
// same rule as the core's suggestions for event types and columns.
std::string_view suggest_name(std::string_view name, std::span<const std::string> candidates);

}  // namespace tdbraze
