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

void handle_shortcuts(ViewModel& vm, UiState& ui) {
    const ImGuiIO& io = ImGui::GetIO();
    if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_O, false)) {
        if (vm.panel != Panel::Currents) vm.panel = Panel::Cohort;
        (vm.panel == Panel::Currents ? ui.focus_payload_path : ui.focus_table_path) = true;
    }
    if (io.KeyCtrl && (ImGui::IsKeyPressed(GLFW_KEY_ENTER, false) || ImGui::IsKeyPressed(GLFW_KEY_KP_ENTER, false)))
        vm.start_sync();
    // Escape also closes popups and leaves text fields: only when it does neither does it cancel.
    const bool escape_is_free = !ImGui::IsAnyItemActive() &&
                                !ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId | ImGuiPopupFlags_AnyPopupLevel);
    if (escape_is_free && ImGui::IsKeyPressed(GLFW_KEY_ESCAPE, false)) {
        if (vm.sync_running()) vm.cancel_sync();
        else if (vm.currents_view().replay == TaskState::Running) vm.cancel_replay();
    }
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
    const float line = ImGui::GetTextLineHeightWithSpacing();
    ImGui::SetCursorPosY(std::max(ImGui::GetCursorPosY(), height - line * 4.2f));
    ImGui::Separator();
    const float keys_width = ImGui::CalcTextSize("Ctrl+Enter").x + ImGui::GetStyle().ItemSpacing.x * 2;
    for (const auto& [keys, what] :
         {std::pair{"Ctrl+O", "open a file"}, std::pair{"Ctrl+Enter", "sync"}, std::pair{"Esc", "cancel"}}) {
        ImGui::TextUnformatted(keys);
        ImGui::SameLine(keys_width);
        ImGui::TextDisabled("%s", what);
    }
    ImGui::EndChild();
    ImGui::PopStyleColor();
}

void draw_status_bar(const ViewModel& vm) {
    const ImVec2 top = ImGui::GetCursorScreenPos();
    const float width = ImGui::GetContentRegionAvail().x;
    const float height = ImGui::GetFrameHeight();
    ImGui::GetWindowDrawList()->AddRectFilled(top, ImVec2(top.x + width, top.y + height),
                                              ImGui::GetColorU32(colour::kSidebar));
    const float pad = ImGui::GetStyle().WindowPadding.x;
    const std::string right = "tdbraze " + std::string(kVersion);
    const float right_width = ImGui::CalcTextSize(right.c_str()).x;
    ImGui::SetCursorScreenPos(ImVec2(top.x + pad, top.y + ImGui::GetStyle().FramePadding.y));
    ImGui::PushStyleColor(ImGuiCol_Text, colour::kDim);
    ImGui::TextUnformatted(ellipsize(vm.status.empty() ? "Ready." : vm.status, width - right_width - pad * 4).c_str());
    ImGui::SameLine(width - right_width - pad);
    ImGui::TextUnformatted(right.c_str());
    ImGui::PopStyleColor();
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

    const float status_height = ImGui::GetFrameHeight();
    const float body_height = ImGui::GetContentRegionAvail().y - status_height - ImGui::GetStyle().ItemSpacing.y;
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

    draw_status_bar(vm);
    ImGui::End();
}

}  // namespace tdbraze::desktop
