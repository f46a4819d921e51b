// The Currents panel: check a Braze Currents payload, see its event types, replay it to a receiver.
#include <algorithm>

#include "ui.hpp"

namespace tdbraze::desktop {
namespace {

constexpr std::size_t kHistogramRows = 12;

void draw_source(ViewModel& vm, UiState& ui) {
    if (ui.focus_payload_path) {
        ImGui::SetKeyboardFocusHere();
        ui.focus_payload_path = false;
    }
    const ImGuiStyle& style = ImGui::GetStyle();
    constexpr const char* kReceivers[] = {"Any HTTP receiver", "Treasure Data Postback"};
    const float receiver_width =
        ImGui::CalcTextSize(kReceivers[1]).x + ImGui::GetFrameHeight() + style.FramePadding.x * 2;
    const float buttons =
        ImGui::CalcTextSize("OpenValidate").x + style.FramePadding.x * 4 + style.ItemSpacing.x * 3 + receiver_width;
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - buttons);
    if (ImGui::InputTextWithHint("##payload_path", "Path of a payload: an {\"events\": [...]} batch, JSON Lines, ...",
                                 &vm.currents.path, ImGuiInputTextFlags_EnterReturnsTrue))
        vm.open_currents();
    ImGui::SameLine();
    if (button("Open", !vm.currents.path.empty())) vm.open_currents();
    ImGui::SameLine();
    // Checked as the receiver would take it: Treasure Data adds its time window and external-id rule.
    int receiver = vm.currents.receiver == currents::Receiver::TdPostback ? 1 : 0;
    ImGui::SetNextItemWidth(receiver_width);
    if (ImGui::Combo("##receiver", &receiver, kReceivers, 2)) {
        vm.currents.receiver = receiver == 1 ? currents::Receiver::TdPostback : currents::Receiver::Http;
        if (vm.currents_view().report) vm.validate_currents();
    }
    tooltip(
        "Receiver: Treasure Data's Postback API ignores events timed more than 7 days ago or 3 days ahead, and "
        "Braze sends it only events of users with an external id");
    ImGui::SameLine();
    const bool validating = vm.currents_view().validation == TaskState::Running;
    if (button("Validate", !validating && (!vm.currents.text.empty() || !vm.currents.path.empty())))
        vm.validate_currents();
    tooltip(with_keys("Check the payload", Command::Validate));
}

void draw_editor(ViewModel& vm, const Fonts& fonts) {
    ImGui::PushFont(fonts.mono);
    if (ImGui::InputTextMultiline("##payload", &vm.currents.text, ImVec2(-1, -1), ImGuiInputTextFlags_AllowTabInput))
        vm.currents_text_edited();
    ImGui::PopFont();
    if (vm.currents.text.empty()) {
        // A hint inside the empty editor (InputTextMultiline has none of its own).
        const ImVec2 min = ImGui::GetItemRectMin();
        ImGui::GetWindowDrawList()->AddText(
            ImVec2(min.x + ImGui::GetStyle().FramePadding.x, min.y + ImGui::GetStyle().FramePadding.y),
            ImGui::GetColorU32(colour::kDim),
            vm.currents.path.empty() ? "Paste a payload here, or open a file."
                                     : "The file is too large to show here; "
                                       "it is checked and replayed from disk.");
    }
}

void draw_findings(ViewModel& vm, const Fonts& fonts) {
    const CurrentsView& c = vm.currents_view();
    if (!c.report) {
        ImGui::TextDisabled(c.validation == TaskState::Running ? "Checking ..." : "Validate a payload to see it here.");
        return;
    }
    const currents::Summary& s = c.report->summary;
    ImGui::TextDisabled("%s", c.source.c_str());
    const float column = ImGui::GetContentRegionAvail().x / 4;
    const float x = ImGui::GetCursorPosX();
    stat(fonts, "events", with_separators(s.events));
    ImGui::SameLine(x + column);
    stat(fonts, "event types", with_separators(s.event_types.size()));
    ImGui::SameLine(x + column * 2);
    stat(fonts, "errors", with_separators(s.errors), s.errors > 0 ? colour::kError : colour::kGood);
    ImGui::SameLine(x + column * 3);
    stat(fonts, "warnings", with_separators(s.warnings), s.warnings > 0 ? colour::kWarning : ImVec4(0, 0, 0, 0));

    // Event types, most frequent first, as bars.
    section("Event types");
    const std::uint64_t most = c.histogram.empty() ? 1 : std::max<std::uint64_t>(c.histogram.front().count, 1);
    if (ImGui::BeginTable("types", 2, ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn("type", ImGuiTableColumnFlags_WidthStretch, 0.55f);
        ImGui::TableSetupColumn("bar", ImGuiTableColumnFlags_WidthStretch, 0.45f);
        for (std::size_t i = 0; i < std::min(c.histogram.size(), kHistogramRows); ++i) {
            const EventTypeCount& e = c.histogram[i];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::PushFont(fonts.mono);
            ImGui::TextUnformatted(ellipsize(e.type, ImGui::GetContentRegionAvail().x).c_str());
            ImGui::PopFont();
            tooltip(e.type);
            ImGui::TableNextColumn();
            ImGui::ProgressBar(static_cast<float>(double(e.count) / double(most)), ImVec2(-1, 0),
                               with_separators(e.count).c_str());
        }
        ImGui::EndTable();
    }
    if (c.histogram.size() > kHistogramRows)
        ImGui::TextDisabled("... and %zu more types", c.histogram.size() - kHistogramRows);

    section("Findings");
    if (c.report->diagnostics.empty()) {
        ImGui::TextColored(colour::kGood, "\u2713 No problems found.");
        return;
    }
    if (ImGui::BeginTable("findings", 3,
                          ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit,
                          ImVec2(0, ImGui::GetContentRegionAvail().y))) {
        ImGui::TableSetupColumn("where");
        ImGui::TableSetupColumn("code");
        ImGui::TableSetupColumn("message", ImGuiTableColumnFlags_WidthStretch);
        for (const Diagnostic& d : c.report->diagnostics) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextColored(severity_colour(d.severity), "%llu:%llu", static_cast<unsigned long long>(d.line),
                               static_cast<unsigned long long>(d.column));
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", d.code.c_str());
            ImGui::TableNextColumn();
            ImGui::TextWrapped("%s", d.message.c_str());
            tooltip(d.message + "\n\nAt " + d.pointer + (d.hint.empty() ? "" : "\nHint: " + d.hint));
        }
        ImGui::EndTable();
    }
}

void draw_replay(ViewModel& vm, const Fonts& fonts) {
    section("Replay");
    const CurrentsView& c = vm.currents_view();
    const bool running = c.replay == TaskState::Running;
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Receiver URL");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.45f);
    ImGui::InputTextWithHint("##replay_url", "https://... (the emulator: http://127.0.0.1:PORT/currents)",
                             &vm.currents.replay_url);
    ImGui::SameLine();
    ImGui::TextUnformatted("Token");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
    ImGui::InputTextWithHint("##token", "optional", &vm.currents.bearer_token, ImGuiInputTextFlags_Password);
    tooltip("Sent as Authorization: Bearer TOKEN. Never saved.");
    ImGui::SameLine();
    if (button("Replay", !running)) vm.start_replay();
    ImGui::SameLine();
    if (button("Cancel", running)) vm.cancel_replay();

    ImGui::BeginChild("replay_log", ImVec2(0, 0), true);
    ImGui::PushFont(fonts.mono);
    ImGui::PushTextWrapPos(0.0f);
    for (const std::string& line : c.replay_log) ImGui::TextUnformatted(line.c_str());
    ImGui::PopTextWrapPos();
    if (c.replay_log.empty())
        ImGui::TextDisabled(
            "Sends the events as Braze's HTTP connector does: batches of 100, one by one after a 400, "
            "halves after a 413, backoff on 429 and 5xx.");
    if (c.replay_summary) {
        const bool ok = c.replay_summary->ok();
        text_wrapped(ok ? colour::kGood : colour::kError,
                     std::string(ok ? "\u2713 " : "\u2717 ") + c.replay_summary->message);
    }
    if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY()) ImGui::SetScrollHereY(1.0f);  // stay with the newest line
    ImGui::PopFont();
    ImGui::EndChild();
}

}  // namespace

void draw_currents_panel(ViewModel& vm, UiState& ui, const Fonts& fonts) {
    panel_header(fonts, "Currents",
                 "Check a Braze Currents payload against the event catalogue (97 event types), and replay it to a "
                 "receiver the way Braze sends it.");
    draw_source(vm, ui);
    ImGui::Spacing();

    // Top: the payload (left) and what the check found (right). Bottom: the replay.
    const float replay_height = ImGui::GetFontSize() * 9.5f;
    const float top_height = ImGui::GetContentRegionAvail().y - replay_height;
    const float half = ImGui::GetContentRegionAvail().x * 0.5f;
    ImGui::BeginChild("editor", ImVec2(half, top_height), false);
    draw_editor(vm, fonts);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("findings_column", ImVec2(0, top_height), false);
    draw_findings(vm, fonts);
    ImGui::EndChild();
    draw_replay(vm, fonts);
}

}  // namespace tdbraze::desktop
