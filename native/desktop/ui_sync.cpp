// The Sync panel: start, cancel and resume the sync; watch its progress, rates, retries and log; read its
// final report.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>

#include "ui.hpp"

namespace tdbraze::desktop {
namespace {

using Kind = sync::SyncEvent::Kind;

ImVec4 kind_colour(Kind kind) {
    switch (kind) {
        case Kind::Info: return ImGui::GetStyle().Colors[ImGuiCol_Text];
        case Kind::Sent: return colour::kGood;
        case Kind::Retry: return colour::kWarning;
        case Kind::Warning: return colour::kWarning;
        case Kind::Error: return colour::kError;
    }
    return colour::kDim;
}

const char* kind_label(Kind kind) {
    switch (kind) {
        case Kind::Info: return "info ";
        case Kind::Sent: return "sent ";
        case Kind::Retry: return "retry";
        case Kind::Warning: return "warn ";
        case Kind::Error: return "error";
    }
    return "     ";
}

std::string clock_text(double seconds) {
    const auto s = static_cast<long>(seconds);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

std::string rate_text(float per_second) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f/s", static_cast<double>(per_second));
    return buf;
}

void draw_actions(ViewModel& vm) {
    const SyncView& s = vm.sync_view();
    const bool running = vm.sync_running();
    const std::optional<std::string> sync_blocked = vm.sync_blocker(), resume_blocked = vm.resume_blocker();
    if (button("\u25b6  Sync", !sync_blocked)) vm.start_sync();
    tooltip(sync_blocked ? *sync_blocked : with_keys("Send the table's changes to Braze", Command::Sync));
    ImGui::SameLine();
    if (button("\u25a0  Cancel", running && !s.cancel_requested)) vm.cancel_sync();
    tooltip(with_keys("Stop after the requests in flight; Resume continues", Command::Cancel));
    ImGui::SameLine();
    if (button("\u21bb  Resume", !resume_blocked)) vm.resume_sync();
    tooltip(resume_blocked ? *resume_blocked
                           : with_keys("Continue the unfinished run of this table: batches confirmed before are not "
                                       "sent again",
                                       Command::Resume));
    ImGui::SameLine();
    ImGui::BeginDisabled(running);
    ImGui::Checkbox("Send again even if synced before", &vm.force_resend);
    ImGui::EndDisabled();
    // Why a button is greyed out, without having to hover it.
    if (!running && (sync_blocked || resume_blocked))
        text_wrapped(sync_blocked ? colour::kWarning : colour::kDim, sync_blocked ? *sync_blocked : *resume_blocked);
    ImGui::TextDisabled("%s", s.target.empty() ? "Nothing sent yet in this session." : ("To " + s.target).c_str());
}

void draw_progress(const ViewModel& vm, const Fonts& fonts) {
    const SyncView& s = vm.sync_view();
    const sync::SyncProgress& p = s.progress;
    float share = p.ids_total > 0 ? static_cast<float>(double(p.ids_done) / double(p.ids_total)) : 0.0f;
    if (s.completed()) share = 1.0f;
    std::string overlay = with_separators(p.ids_done) + " / " + with_separators(p.ids_total) +
                          " identifiers   \u00b7   " + with_separators(p.batches_done) + " / " +
                          with_separators(p.batches_total) + " batches   \u00b7   " +
                          std::to_string(static_cast<int>(share * 100)) + "%";
    if (s.phase == SyncView::Phase::Idle) overlay = "Press Sync (Ctrl+Enter) to send the table on the Cohort panel.";
    else if (s.phase == SyncView::Phase::Running && !p.table_checked && p.check_bytes_total > 0) {
        share = static_cast<float>(double(p.check_bytes_read) / double(p.check_bytes_total));
        overlay = "Checking the table before sending: " + std::to_string(static_cast<int>(share * 100)) + "%";
    } else if (s.phase == SyncView::Phase::Running && p.ids_total == 0) overlay = "Checking and planning the table ...";
    ImGui::PushStyleColor(ImGuiCol_PlotHistogram, s.summary && !s.summary->ok() ? colour::kError
                                                  : s.completed()               ? colour::kGood
                                                                                : colour::kAccent);
    ImGui::ProgressBar(share, ImVec2(-1, ImGui::GetFrameHeight() * 1.2f), overlay.c_str());
    ImGui::PopStyleColor();

    ImGui::Spacing();
    const float column = ImGui::GetContentRegionAvail().x / 6;
    const float x = ImGui::GetCursorPosX();
    stat(fonts, "requests", with_separators(p.requests));
    ImGui::SameLine(x + column);
    stat(fonts, "retries", with_separators(p.retries), p.retries > 0 ? colour::kWarning : ImVec4(0, 0, 0, 0));
    ImGui::SameLine(x + column * 2);
    stat(fonts, "429 answers", with_separators(p.status_429), p.status_429 > 0 ? colour::kWarning : ImVec4(0, 0, 0, 0));
    ImGui::SameLine(x + column * 3);
    // Failed attempts that were retried are a warning; red is for batches that stayed failed.
    const bool lost = s.summary && s.summary->failed > 0;
    stat(fonts, "failed attempts", with_separators(p.errors),
         p.errors == 0 ? ImVec4(0, 0, 0, 0)
         : lost        ? colour::kError
                       : colour::kWarning);
    ImGui::SameLine(x + column * 4);
    stat(fonts, "elapsed", clock_text(s.elapsed_seconds));
    ImGui::SameLine(x + column * 5);
    if (s.phase == SyncView::Phase::Running) stat(fonts, "requests now", rate_text(s.requests_per_second.latest()));
    else
        stat(fonts, "requests per second",
             rate_text(s.elapsed_seconds > 0 ? static_cast<float>(double(p.requests) / s.elapsed_seconds) : 0.0f));
}

std::string scale_text(float value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, value < 10 ? "%.1f" : "%.0f", static_cast<double>(value));
    return buf;
}

// A rate over time with its axes: the scale of the y axis (0 to the top) in `unit` on the left, in a gutter at
// least `gutter` wide (plots above one another line up), and the time span of the x axis under it.
// ImGui::PlotLines draws neither.
void plot(const char* id, const char* unit, const RateHistory& history, ImVec4 line_colour, float height,
          float min_gutter) {
    const std::vector<float> samples = history.window(30);  // one a second, at least the last 30 seconds
    const float top = std::max(history.peak() * 1.15f, 1.0f);
    const std::string top_label = scale_text(top);
    const float gap = ImGui::GetStyle().ItemInnerSpacing.x;
    const float gutter =
        std::max({ImGui::CalcTextSize(top_label.c_str()).x + gap, ImGui::CalcTextSize(unit).x + gap, min_gutter});
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImU32 dim = ImGui::GetColorU32(colour::kDim);
    const float line = ImGui::GetTextLineHeight();
    draw->AddText(origin, dim, top_label.c_str());
    draw->AddText(ImVec2(origin.x, origin.y + (height - line) / 2), dim, unit);
    draw->AddText(ImVec2(origin.x + gutter - gap - ImGui::CalcTextSize("0").x, origin.y + height - line), dim, "0");
    ImGui::Dummy(ImVec2(gutter, height));
    ImGui::SameLine(0, 0);
    const std::string overlay = "now " + rate_text(history.latest()) + "   peak " + rate_text(history.peak());
    ImGui::PushStyleColor(ImGuiCol_PlotLines, line_colour);
    // Dear ImGui 1.86 plots take no -1 ("fill the width"): the width is given.
    const float width = ImGui::GetContentRegionAvail().x;
    ImGui::PlotLines(id, samples.data(), static_cast<int>(samples.size()), 0, overlay.c_str(), 0.0f, top,
                     ImVec2(width, height));
    ImGui::PopStyleColor();
    // The x axis: seconds before now.
    const std::string start = "-" + std::to_string(samples.size()) + " s";
    const float x = ImGui::GetCursorPosX();
    ImGui::SetCursorPosX(x + gutter);
    ImGui::TextDisabled("%s", start.c_str());
    ImGui::SameLine(x + gutter + width - ImGui::CalcTextSize("now").x);
    ImGui::TextDisabled("now");
}

void draw_report(ViewModel& vm, const Fonts& fonts) {
    const SyncView& s = vm.sync_view();
    if (!s.summary) {
        ImGui::TextDisabled(s.phase == SyncView::Phase::Running ? "The report appears when the sync ends."
                                                                : "No sync finished yet.");
        return;
    }
    const sync::SyncSummary& r = *s.summary;
    const ImVec4 tone = r.ok()                                    ? colour::kGood
                        : r.outcome == sync::Outcome::Interrupted ? colour::kWarning
                                                                  : colour::kError;
    ImGui::PushFont(fonts.heading);
    ImGui::TextColored(tone, "%s %s", r.ok() ? "\u2713" : "\u2717", std::string(sync::to_string(r.outcome)).c_str());
    ImGui::PopFont();
    text_wrapped(ImGui::GetStyle().Colors[ImGuiCol_Text], r.message);
    // The engine speaks the CLI's language; say what the flags are called here.
    if (r.outcome != sync::Outcome::Completed && r.outcome != sync::Outcome::InvalidTable)
        ImGui::TextDisabled("Here: --resume is the Resume button, --force is \"Send again even if synced before\".");
    ImGui::Spacing();
    if (ImGui::BeginTable("report", 4, ImGuiTableFlags_SizingStretchProp)) {
        const std::pair<const char*, std::uint64_t> numbers[] = {{"batches planned", r.planned},
                                                                 {"identifiers sent", r.ids_sent},
                                                                 {"sent in this run", r.sent},
                                                                 {"added", r.adds},
                                                                 {"confirmed before", r.skipped},
                                                                 {"removed", r.removes},
                                                                 {"failed", r.failed},
                                                                 {"retries", r.retried}};
        for (const auto& [caption, value] : numbers) {
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", caption);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(with_separators(value).c_str());
        }
        ImGui::EndTable();
    }
    if (r.sending_seconds > 0)
        ImGui::TextDisabled("Table checked in %.2f s; %s requests in %.2f s (%.0f requests/s).", r.check_seconds,
                            with_separators(r.requests).c_str(), r.sending_seconds,
                            static_cast<double>(r.requests) / r.sending_seconds);
    if (r.run_id != 0) ImGui::TextDisabled("Run %lld in the state database.", static_cast<long long>(r.run_id));

    // A table the engine refused: its errors, with the way back to the rows.
    if (s.report && !s.report->ok()) {
        ImGui::Spacing();
        ImGui::TextColored(colour::kError, "The table has %s errors; nothing was sent.",
                           with_separators(s.report->summary.errors).c_str());
        int shown = 0;
        for (const Diagnostic& d : s.report->diagnostics) {
            if (d.severity != Severity::Error || ++shown > 5) continue;
            ImGui::Bullet();
            text_wrapped(ImGui::GetStyle().Colors[ImGuiCol_Text], "row " + with_separators(d.row) + ": " + d.message);
        }
        if (button("Show them on the Cohort panel")) vm.panel = Panel::Cohort;
    }
}

void draw_log(ViewModel& vm, UiState& ui, const Fonts& fonts) {
    ImGui::SetNextItemWidth(-1);
    ImGui::InputTextWithHint("##filter", "filter the log", &vm.log_filter.text);
    for (auto [label, flag] : {std::pair{"info", &vm.log_filter.info}, std::pair{"sent", &vm.log_filter.sent},
                               std::pair{"retry", &vm.log_filter.retry}, std::pair{"warning", &vm.log_filter.warning},
                               std::pair{"error", &vm.log_filter.error}}) {
        ImGui::Checkbox(label, flag);
        ImGui::SameLine();
    }
    ImGui::TextDisabled("|");
    ImGui::SameLine();
    ImGui::Checkbox("follow", &ui.follow_log);

    const std::vector<std::size_t>& visible = vm.visible_log_lines();
    const std::vector<LogLine>& log = vm.sync_view().log;
    ImGui::BeginChild("log", ImVec2(0, 0), true);
    ImGui::PushFont(fonts.mono);
    const auto draw_line = [&](const LogLine& line) {
        ImGui::TextDisabled("%s", line.time.c_str());
        ImGui::SameLine();
        ImGui::TextColored(kind_colour(line.kind), "%s", kind_label(line.kind));
        ImGui::SameLine();
        ImGui::TextUnformatted(line.text.c_str());
    };
    // Lines are wrapped, so they differ in height, which the clipper cannot skip over: a log up to this long
    // is drawn whole; a longer one only in view, each line on one row (hover for the whole line).
    constexpr std::size_t kWrappedLines = 2000;
    if (visible.size() <= kWrappedLines) {
        ImGui::PushTextWrapPos(0.0f);
        for (const std::size_t i : visible) draw_line(log[i]);
        ImGui::PopTextWrapPos();
    } else {
        ImGuiListClipper clipper;
        clipper.Begin(static_cast<int>(visible.size()));
        while (clipper.Step()) {
            for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
                const LogLine& line = log[visible[static_cast<std::size_t>(i)]];
                draw_line(line);
                tooltip(line.text);
            }
        }
    }
    if (visible.empty())
        ImGui::TextDisabled(log.empty() ? "The sync's log appears here." : "No line matches the filter.");
    if (ui.follow_log && ImGui::GetScrollY() >= ImGui::GetScrollMaxY()) ImGui::SetScrollHereY(1.0f);
    ImGui::PopFont();
    ImGui::EndChild();
}

}  // namespace

void draw_sync_panel(ViewModel& vm, UiState& ui, const Fonts& fonts) {
    panel_header(fonts, "Sync",
                 "Sends the table's cohort changes to Braze: concurrent, rate limited, retried and resumable. Every "
                 "confirmed batch is recorded, so a cancelled or failed sync resumes without sending anything twice.");
    draw_actions(vm);
    ImGui::Spacing();
    draw_progress(vm, fonts);
    ImGui::Spacing();

    // Left: the rates and the report. Right: the log.
    const float left_width = ImGui::GetContentRegionAvail().x * 0.44f;
    ImGui::BeginChild("rates", ImVec2(left_width, 0), false);
    section("Rates, one sample a second");
    const float plot_height = ImGui::GetFontSize() * 4.5f;
    const float gutter = ImGui::CalcTextSize("requests/s").x + ImGui::GetStyle().ItemInnerSpacing.x;
    plot("##requests", "requests/s", vm.sync_view().requests_per_second, colour::kAccent, plot_height, gutter);
    plot("##retries", "retries/s", vm.sync_view().retries_per_second, colour::kWarning, plot_height, gutter);
    section("Report");
    draw_report(vm, fonts);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("log_column", ImVec2(0, 0), false);
    section("Log");
    draw_log(vm, ui, fonts);
    ImGui::EndChild();
}

}  // namespace tdbraze::desktop
