// The Dear ImGui side of the app: functions that draw the view model and call its actions, nothing more.
// Each panel function reads top to bottom in the order things appear on screen. No validation or sync
// logic lives here: when a panel needs a decision, it asks the view model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <imgui.h>
#include <imgui_stdlib.h>  // InputText on std::string (after imgui.h, which it needs)

#include "tdbraze/diagnostic.hpp"
#include "theme.hpp"
#include "view_model.hpp"

namespace tdbraze::desktop {

// What only the drawing remembers between frames: focus requests and scroll positions.
struct UiState {
    bool focus_table_path = false;  // Ctrl+O on the Cohort panel
    bool focus_payload_path = false;  // Ctrl+O on the Currents panel
    std::optional<std::uint64_t> scrolled_to_row;  // the marked row the grid last scrolled to
    std::optional<bool> pick_requests_tab;  // once: select the Requests (true) or Checks (false) tab
    bool follow_log = true;  // the sync log sticks to its newest line
};

// The whole window: sidebar, the current panel, the status bar, and the keyboard shortcuts.
void draw_app(ViewModel& vm, UiState& ui, const Fonts& fonts);

void draw_connection_panel(ViewModel& vm, UiState& ui, const Fonts& fonts);
void draw_cohort_panel(ViewModel& vm, UiState& ui, const Fonts& fonts);
void draw_sync_panel(ViewModel& vm, UiState& ui, const Fonts& fonts);
void draw_currents_panel(ViewModel& vm, UiState& ui, const Fonts& fonts);

// ---- Small widgets shared by the panels (ui_widgets.cpp)

// The panel's title and a line saying what it is for.
void panel_header(const Fonts& fonts, const char* title, const char* description);
// A section title inside a panel: dim capitals with a rule under it.
void section(const char* title);
// A button that is greyed out and does nothing when `enabled` is false.
bool button(const char* label, bool enabled = true, ImVec2 size = ImVec2(0, 0));
// A number in the heading font with a caption under it, for counters.
void stat(const Fonts& fonts, const char* caption, const std::string& value, ImVec4 colour = ImVec4(0, 0, 0, 0));
// Wrapped text in a colour.
void text_wrapped(ImVec4 colour, const std::string& text);
// `text` cut to fit `width` pixels, with an ellipsis.
std::string ellipsize(const std::string& text, float width);
// A hover tooltip for the last item, wrapped at a readable width.
void tooltip(const std::string& text);

ImVec4 severity_colour(Severity severity);
const char* severity_label(Severity severity);  // "error", "warning", "info"

}  // namespace tdbraze::desktop
