// The JSON log of the commands that send (sync cohort, send currents): one object per line on stdout.
#pragma once

#include <nlohmann/json.hpp>

namespace tdbraze::cli {

// Writes one complete line and flushes it at once: a log collector sees each event as it happens, and a run
// that is killed leaves a log whose every line parses (block buffering cut it mid-line at 4,096 bytes).
void write_json_line(const nlohmann::json& object);

}  // namespace tdbraze::cli
