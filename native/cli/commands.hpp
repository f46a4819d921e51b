// The subcommands of the tdbraze command line. Each registers its options on a CLI11 app and returns the
// process exit code when run: 0 no errors, 1 an input has errors, 2 usage or I/O problems.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "clock.hpp"

namespace tdbraze::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;

// Adds `validate currents` under `validate`; the returned function runs it after parsing.
std::function<int()> add_validate_currents(CLI::App& validate);

// Adds `validate cohort` and `plan cohort`.
std::function<int()> add_validate_cohort(CLI::App& validate);
std::function<int()> add_plan_cohort(CLI::App& plan);

// Adds `sync cohort`.
std::function<int()> add_sync_cohort(CLI::App& sync);

// Adds `send currents`.
std::function<int()> add_send_currents(CLI::App& send);

// Adds `web` (serves the built page).
std::function<int()> add_web(CLI::App& app);

// Adds `help [CODE]`.
std::function<int()> add_help(CLI::App& app);

// Adds `emulate` (native/emulator).
std::function<int()> add_emulate(CLI::App& app);

// Adds `check sql`.
std::function<int()> add_check_sql(CLI::App& check);


// Colour only on a terminal, and never when NO_COLOR is set.
bool use_colour(int fd);

}  // namespace tdbraze::cli
