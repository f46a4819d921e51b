// What the desktop app remembers between runs: $XDG_CONFIG_HOME/tdbraze/desktop.json.
//
// Only the fields below are written, so a secret can never end up in this file: the partner API key and
// the data import key live in the environment or in the 0600 credentials file (credentials.hpp), and
// only when the user asks for it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tdbraze::desktop {

struct DesktopSettings {
    std::string endpoint = "https://rest.iad-01.braze.com";
    std::string partner = "treasuredata";
    std::string last_table;
    std::string cohort_id;
    std::string cohort_name;
    std::string operation = "add";  // add, remove or mirror
    std::vector<std::string> alias_columns;
    std::vector<std::string> mapping;  // "COLUMN=TARGET", as --map takes it
    int threads = 4;
    std::string currents_path;
    std::string replay_url;
};

// $XDG_CONFIG_HOME/tdbraze (~/.config/tdbraze without XDG): where desktop.json and the window layout go.
std::string default_config_dir();

// The settings in `path`; defaults for a missing file, a file that is not JSON, or fields of the wrong type
// (a broken settings file must never stop the app from starting).
DesktopSettings load_settings(const std::string& path);

// Writes `path` (and its directory); the reason when it cannot.
std::optional<std::string> save_settings(const std::string& path, const DesktopSettings& settings);

}  // namespace tdbraze::desktop
