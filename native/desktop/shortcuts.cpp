// The shortcut table and its look-ups.
#include "shortcuts.hpp"

#include <array>

namespace tdbraze::desktop {
namespace {

constexpr std::array<Shortcut, 10> kShortcuts{{
    {Command::OpenFile, 'O', true, false, "Ctrl+O", "open a file"},
    {Command::Sync, kKeyEnter, true, false, "Ctrl+Enter", "sync"},
    {Command::Resume, kKeyEnter, true, true, "Ctrl+Shift+Enter", "resume"},
    {Command::Cancel, kKeyEscape, false, false, "Esc", "cancel"},
    {Command::TestConnection, 'T', true, false, "Ctrl+T", "test keys"},
    {Command::Validate, 'E', true, false, "Ctrl+E", "validate"},
    {Command::ShowConnection, '1', true, false, "Ctrl+1", "Connection"},
    {Command::ShowCohort, '2', true, false, "Ctrl+2", "Cohort"},
    {Command::ShowSync, '3', true, false, "Ctrl+3", "Sync"},
    {Command::ShowCurrents, '4', true, false, "Ctrl+4", "Currents"},
}};

}  // namespace

std::span<const Shortcut> shortcuts() { return kShortcuts; }

const Shortcut& shortcut(Command command) {
    for (const Shortcut& s : kShortcuts)
        if (s.command == command) return s;
    return kShortcuts.front();  // not reached: every command has one (tests/desktop checks)
}

std::optional<Command> command_for_key(int key, bool ctrl, bool shift) {
    for (const Shortcut& s : kShortcuts)
        if (s.key == key && s.ctrl == ctrl && s.shift == shift) return s.command;
    return std::nullopt;
}

std::string with_keys(const std::string& text, Command command) { return text + " (" + shortcut(command).keys + ")"; }

}  // namespace tdbraze::desktop
