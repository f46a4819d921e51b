// The keyboard shortcuts of the app's main actions: one table that the key handling, the sidebar's legend and
// the buttons' tooltips all read, so that what is shown is what works.
#pragma once

#include <optional>
#include <span>
#include <string>

namespace tdbraze::desktop {

enum class Command {
    OpenFile,  // focus the path field of the Cohort (or Currents) panel
    Sync,
    Resume,
    Cancel,  // the sync, or else the replay
    TestConnection,
    Validate,  // check the Currents payload
    ShowConnection,
    ShowCohort,
    ShowSync,
    ShowCurrents,
};

// Key codes are GLFW's, which Dear ImGui 1.86 uses: a letter or digit is its ASCII capital.
inline constexpr int kKeyEnter = 257;
inline constexpr int kKeyEscape = 256;

struct Shortcut {
    Command command;
    int key;
    bool ctrl;
    bool shift;
    const char* keys;  // as shown: "Ctrl+Shift+Enter"
    const char* what;  // as shown in the sidebar's legend, which is narrow: "resume"
};

// Every command has exactly one.
std::span<const Shortcut> shortcuts();
const Shortcut& shortcut(Command command);
// The command for a key pressed with these modifiers, if any.
std::optional<Command> command_for_key(int key, bool ctrl, bool shift);
// "Sync (Ctrl+Enter)": a label or tooltip line with the command's keys.
std::string with_keys(const std::string& text, Command command);

}  // namespace tdbraze::desktop
