// The frame around the panels: a sidebar to pick the panel, the panel itself, a status bar, and the
// keyboard shortcuts.
#include <algorithm>
#include <filesystem>
#include <utility>

#include <GLFW/glfw3.h>  // key codes: Dear ImGui 1.86 (Debian 12) indexes keys by the backend's codes

#include "tdbraze/version.hpp"
#include "ui.hpp"

namespace tdbraze::desktop {
namespace {

std::string host_of(const std::string& url) {
    std::string host = url;
    if (const auto scheme = host.find("://"); scheme != std::string::npos) host = host.substr(scheme + 3);
    if (const auto slash = host.find('/'); slash != std::string::npos) host.resize(slash);
    return host.empty() ? "no endpoint" : host;
}

static_assert(kKeyEnter == GLFW_KEY_ENTER && kKeyEscape == GLFW_KEY_ESCAPE && 'O' == GLFW_KEY_O && '1' == GLFW_KEY_1);

void handle_shortcuts(ViewModel& vm, UiState& ui) {
    const ImGuiIO& io = ImGui::GetIO();
    for (const Shortcut& s : shortcuts()) {
        const bool pressed =
            ImGui::IsKeyPressed(s.key, false) || (s.key == kKeyEnter && ImGui::IsKeyPressed(GLFW_KEY_KP_ENTER, false));
        if (!pressed || s.ctrl != io.KeyCtrl || s.shift != io.KeyShift) continue;
        // Escape also closes popups and leaves text fields and child windows: only when it does none of that
        // does it cancel.
        if (s.command == Command::Cancel &&
            (ImGui::IsAnyItemActive() ||
             ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId | ImGuiPopupFlags_AnyPopupLevel)))
            continue;
        vm.run_command(s.command);
        if (s.command == Command::OpenFile)
            (vm.panel == Panel::Currents ? ui.focus_payload_path : ui.focus_table_path) = true;
    }
}

bool is_panel_command(Command command) {
    return command == Command::ShowConnection || command == Command::ShowCohort || command == Command::ShowSync ||
           command == Command::ShowCurrents;
}

Command show_command(Panel panel) {
    switch (panel) {
        case Panel::Connection: return Command::ShowConnection;
        case Panel::Cohort: return Command::ShowCohort;
        case Panel::Sync: return Command::ShowSync;
        case Panel::Currents: return Command::ShowCurrents;
    }
    return Command::ShowCohort;
}

// One entry of the sidebar: a title, a detail line under it, and a status dot on the right.
void nav_item(ViewModel& vm, Panel panel, const char* title, const std::string& detail, ImVec4 dot) {
    const ImGuiStyle& style = ImGui::GetStyle();
    const float line = ImGui::GetTextLineHeight();
    const float height = line * 2 + style.FramePadding.y * 3;
    const float width = ImGui::GetContentRegionAvail().x;
    const ImVec2 top = ImGui::GetCursorScreenPos();
    ImGui::PushID(title);
    if (ImGui::Selectable("##nav", vm.panel == panel, 0, ImVec2(width, height))) vm.panel = panel;
    tooltip(with_keys(std::string("Show the ") + title + " panel", show_command(panel)));
    ImGui::PopID();

    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float pad = style.FramePadding.x * 1.5f;
    if (vm.panel == panel)
        draw->AddRectFilled(top, ImVec2(top.x + 3 * ImGui::GetFontSize() / 16, top.y + height),
                            ImGui::GetColorU32(colour::kAccent));
    draw->AddText(ImVec2(top.x + pad, top.y + style.FramePadding.y), ImGui::GetColorU32(ImGuiCol_Text), title);
    const std::string shown = ellipsize(detail, width - pad * 2);
    draw->AddText(ImVec2(top.x + pad, top.y + style.FramePadding.y * 2 + line), ImGui::GetColorU32(colour::kDim),
                  shown.c_str());
    if (dot.w > 0)
        draw->AddCircleFilled(ImVec2(top.x + width - pad, top.y + style.FramePadding.y + line / 2), line * 0.22f,
                              ImGui::GetColorU32(dot));
    ImGui::Dummy(ImVec2(0, style.ItemSpacing.y * 0.2f));
}

void draw_sidebar(ViewModel& vm, const Fonts& fonts, float height) {
    ImGui::PushStyleColor(ImGuiCol_ChildBg, colour::kSidebar);
    ImGui::BeginChild("sidebar", ImVec2(ImGui::GetFontSize() * 13.5f, height), false,
                      ImGuiWindowFlags_AlwaysUseWindowPadding);
    ImGui::PushFont(fonts.heading);
    ImGui::TextUnformatted("tdbraze");
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::TextDisabled("desktop");
    ImGui::TextDisabled("Braze \u21c4 Treasure Data");
    ImGui::Spacing();
    ImGui::Separator();
    ImGui::Spacing();

    const ImVec4 none(0, 0, 0, 0);

    const ConnectionTest& test = vm.connection_test();
    const ImVec4 connection_dot = test.state == TaskState::Running ? colour::kWarning
                                  : test.state == TaskState::Done ? (test.result.works ? colour::kGood : colour::kError)
                                                                  : none;
    nav_item(vm, Panel::Connection, "Connection", host_of(vm.endpoint()), connection_dot);

    std::string table_detail = "no table open";
    ImVec4 table_dot = none;
    if (vm.table().loaded()) {
        table_detail = std::filesystem::path(vm.table().path).filename().string();
        if (const auto& a = vm.analysis(); a && vm.analysis_current())
            table_dot = a->report.summary.errors > 0     ? colour::kError
                        : a->report.summary.warnings > 0 ? colour::kWarning
                                                         : colour::kGood;
    }
    nav_item(vm, Panel::Cohort, "Cohort", table_detail, table_dot);

    const SyncView& s = vm.sync_view();
    std::string sync_detail = "not started";
    ImVec4 sync_dot = none;
    if (s.phase == SyncView::Phase::Running) {
        const double share = s.progress.ids_total > 0 ? double(s.progress.ids_done) / double(s.progress.ids_total) : 0;
        sync_detail = std::to_string(static_cast<int>(share * 100)) + "% sent";
        sync_dot = colour::kWarning;
    } else if (s.summary) {
        sync_detail = std::string(sync::to_string(s.summary->outcome));
        sync_dot = s.summary->ok() ? colour::kGood : colour::kError;
    }
    nav_item(vm, Panel::Sync, "Sync", sync_detail, sync_dot);

    const CurrentsView& c = vm.currents_view();
    std::string currents_detail = "no payload";
    ImVec4 currents_dot = none;
    if (c.report) {
        currents_detail = with_separators(c.report->summary.events) + " events";
        currents_dot = c.report->ok() ? colour::kGood : colour::kError;
    }
    nav_item(vm, Panel::Currents, "Currents", currents_detail, currents_dot);

    // Shortcuts, at the bottom.
    // The panels' shortcuts (Ctrl+1..4) are on the sidebar entries' tooltips; the actions' are listed here.
    const float line = ImGui::GetTextLineHeightWithSpacing();
    int listed = 0;
    for (const Shortcut& k : shortcuts()) listed += !is_panel_command(k.command);
    ImGui::SetCursorPosY(std::max(ImGui::GetCursorPosY(), height - line * (static_cast<float>(listed) + 1.2f)));
    ImGui::Separator();
    const float keys_width = ImGui::CalcTextSize("Ctrl+Shift+Enter").x + ImGui::GetStyle().ItemSpacing.x * 2;
    for (const Shortcut& k : shortcuts()) {
        if (is_panel_command(k.command)) continue;
        ImGui::TextUnformatted(k.keys);
        ImGui::SameLine(keys_width);
        ImGui::TextDisabled("%s", k.what);
    }
    ImGui::EndChild();
    ImGui::PopStyleColor();
}

// The status bar: the status wrapped to as many lines as it needs (up to kStatusLines), the version on the right.
constexpr int kStatusLines = 4;

struct StatusLayout {
    std::string text, right;
    float text_width = 0, height = 0;
};

StatusLayout status_layout(const ViewModel& vm, float width) {
    StatusLayout l;
    l.text = vm.status.empty() ? "Ready." : vm.status;
    l.right = "tdbraze " + std::string(kVersion);
    const float pad = ImGui::GetStyle().WindowPadding.x;
    l.text_width = std::max(width - ImGui::CalcTextSize(l.right.c_str()).x - pad * 4, ImGui::GetFontSize() * 8);
    const float text_height = ImGui::CalcTextSize(l.text.c_str(), nullptr, false, l.text_width).y;
    l.height = std::min(text_height, ImGui::GetTextLineHeight() * kStatusLines) + ImGui::GetStyle().FramePadding.y * 2;
    return l;
}

void draw_status_bar(const StatusLayout& l) {
    const ImVec2 top = ImGui::GetCursorScreenPos();
    const float width = ImGui::GetContentRegionAvail().x;
    ImGui::GetWindowDrawList()->AddRectFilled(top, ImVec2(top.x + width, top.y + l.height),
                                              ImGui::GetColorU32(colour::kSidebar));
    const float pad = ImGui::GetStyle().WindowPadding.x;
    const ImVec2 text_at(top.x + pad, top.y + ImGui::GetStyle().FramePadding.y);
    ImGui::PushClipRect(top, ImVec2(top.x + width, top.y + l.height), true);  // beyond kStatusLines: cut
    ImGui::SetCursorScreenPos(text_at);
    ImGui::PushStyleColor(ImGuiCol_Text, colour::kDim);
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + l.text_width);
    ImGui::TextUnformatted(l.text.c_str());
    ImGui::PopTextWrapPos();
    tooltip(l.text);
    ImGui::SetCursorScreenPos(ImVec2(top.x + width - ImGui::CalcTextSize(l.right.c_str()).x - pad, text_at.y));
    ImGui::TextUnformatted(l.right.c_str());
    ImGui::PopStyleColor();
    ImGui::PopClipRect();
}

}  // namespace

void draw_app(ViewModel& vm, UiState& ui, const Fonts& fonts) {
    handle_shortcuts(vm, ui);

    // One borderless window over the whole viewport.
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(viewport->WorkSize);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
    ImGui::Begin("tdbraze", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    ImGui::PopStyleVar();

    const StatusLayout status = status_layout(vm, ImGui::GetContentRegionAvail().x);
    const float body_height = ImGui::GetContentRegionAvail().y - status.height - ImGui::GetStyle().ItemSpacing.y;
    draw_sidebar(vm, fonts, body_height);
    ImGui::SameLine(0, 0);

    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImGui::GetStyle().Colors[ImGuiCol_WindowBg]);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(ImGui::GetFontSize() * 1.2f, ImGui::GetFontSize() * 0.9f));
    ImGui::BeginChild("panel", ImVec2(0, body_height), false, ImGuiWindowFlags_AlwaysUseWindowPadding);
    ImGui::PopStyleVar();
    ImGui::PopStyleColor();
    switch (vm.panel) {
        case Panel::Connection: draw_connection_panel(vm, ui, fonts); break;
        case Panel::Cohort: draw_cohort_panel(vm, ui, fonts); break;
        case Panel::Sync: draw_sync_panel(vm, ui, fonts); break;
        case Panel::Currents: draw_currents_panel(vm, ui, fonts); break;
    }
    ImGui::EndChild();

    draw_status_bar(status);
    ImGui::End();
}

}  // namespace tdbraze::desktop
