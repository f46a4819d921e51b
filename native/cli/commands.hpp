// The subcommands of the tdbraze command line. Each registers its options on a CLI11 app and returns the
// process exit code when run: 0 no errors, 1 an input has errors, 2 usage or I/O problems.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace tdbraze::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;

// Adds `validate currents` under `validate`; the returned function runs it after parsing.
std::function<int()> add_validate_currents(CLI::App& validate);

}  // namespace tdbraze::cli
