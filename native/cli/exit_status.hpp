// How a command ends: its exit status, and the one line that says why. Every command follows one rule:
//
//   0  what was asked is done: no input has an error; every batch or event was confirmed.
//   1  the data has errors (the input, or the export's settings, checked as the page checks them), or a sync
//      or send ran and did not confirm everything: the receiver refused, retries ran out, the endpoint was
//      unreachable, the state file failed, the user interrupted. Its state says what was confirmed; the last
//      line says why, and --resume continues where it stopped.
//   2  the command could not start: options it does not understand, a file it cannot read, a URL it refuses,
//      missing secrets, a state file it cannot use. Nothing was sent. Also: the output that is the command's
//      result (a report, a plan) could not be written in full (native/files/output_file.hpp). A sync's or a
//      send's log that cannot be written is said on standard error, and the status stays the run's.
#pragma once

#include "error.hpp"
#include "sync_engine.hpp"

namespace tdbraze::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;

// The rule above in a few lines, for each command's --help.
inline constexpr const char* kExitStatusHelp =
    "Exit status: 0 done (no errors; everything confirmed), 1 the data has errors or a send/sync stopped before "
    "confirming everything (the last line says why; --resume continues), 2 the command could not start (nothing sent).";

// Prints "tdbraze: MESSAGE" on standard error and returns the exit status of an error that stopped a command
// before it began its work.
int report_error(const Error& error);

// The exit status of a finished sync or Currents delivery, from how it ended.
int exit_status(sync::Outcome outcome);

}  // namespace tdbraze::cli
