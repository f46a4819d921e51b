// The Cohort panel: the table, the export's settings, a preview of the rows, the checks and the plan.
#include <utility>

#include "tdbraze/cohort.hpp"
#include "ui.hpp"

namespace tdbraze::desktop {
namespace {

void draw_send_as(ViewModel& vm);

ImVec4 role_colour(ColumnRole role) {
    switch (role) {
        case ColumnRole::UserIds: return colour::kUserIds;
        case ColumnRole::DeviceIds: return colour::kDeviceIds;
        case ColumnRole::Alias: return colour::kAlias;
        case ColumnRole::NearMiss: return colour::kNearMiss;
        case ColumnRole::Ignored: return colour::kIgnored;
    }
    return colour::kIgnored;
}

std::string role_explanation(ColumnRole role, const std::string& column) {
    switch (role) {
        case ColumnRole::UserIds: return column + ": sent as external ids (user_ids).";
        case ColumnRole::DeviceIds: return column + ": sent as device ids (device_ids).";
        case ColumnRole::Alias:
            return column + ": alias column. Each cell is sent as {\"alias_name\": CELL, \"alias_label\": \"" + column +
                   "\"}.";
        case ColumnRole::NearMiss:
            return column + ": NOT sent. It looks like " + std::string(intended_column(column)) +
                   ", but Braze only takes that exact name: rename it in the query (AS " +
                   std::string(intended_column(column)) + ").";
        case ColumnRole::Ignored: return column + ": not sent (only user_ids, device_ids and alias columns are).";
    }
    return column;
}

const char* format_label(cohort::TableFormat format) {
    switch (format) {
        case cohort::TableFormat::Csv: return "CSV";
        case cohort::TableFormat::Tsv: return "TSV";
        case cohort::TableFormat::JsonArray: return "JSON array";
        case cohort::TableFormat::JsonLines: return "JSON Lines";
        case cohort::TableFormat::Auto: break;
    }
    return "Empty";
}

void draw_table_path(ViewModel& vm, UiState& ui) {
    if (ui.focus_table_path) {
        ImGui::SetKeyboardFocusHere();
        ui.focus_table_path = false;
    }
    const float open_width = ImGui::CalcTextSize("Open").x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - open_width - ImGui::GetStyle().ItemSpacing.x);
    if (ImGui::InputTextWithHint("##table_path", "Path of a query result: CSV, TSV, JSON array or JSON Lines",
                                 &vm.cohort.table_path, ImGuiInputTextFlags_EnterReturnsTrue))
        vm.open_table();
    ImGui::SameLine();
    if (button("Open", !vm.cohort.table_path.empty())) vm.open_table();
    const TablePage& t = vm.table();
    if (t.loaded()) {
        std::string about = std::string(format_label(t.format)) + " table  \u00b7  " +
                            with_separators(t.columns.size()) + (t.columns.size() == 1 ? " column" : " columns");
        if (const auto& a = vm.analysis(); a && vm.analysis_current())
            about += "  \u00b7  " + with_separators(a->report.summary.rows) + " rows";
        ImGui::TextDisabled("%s", about.c_str());
    } else if (!t.error.empty()) ImGui::TextColored(colour::kError, "%s", t.error.c_str());
    else ImGui::TextDisabled("Ctrl+O to type a path, or drop a file on the window.");
}

void draw_settings(ViewModel& vm, const Fonts& fonts) {
    const float label_width = ImGui::GetFontSize() * 6.5f;
    auto label = [&](const char* text) {
        ImGui::AlignTextToFramePadding();
        ImGui::TextUnformatted(text);
        ImGui::SameLine(label_width);
        ImGui::SetNextItemWidth(-1);
    };

    section("Export settings");
    label("Cohort id");
    ImGui::InputTextWithHint("##cohort_id", "required", &vm.cohort.cohort_id);
    label("Name");
    ImGui::InputTextWithHint("##cohort_name", "the cohort id", &vm.cohort.cohort_name);

    ImGui::TextUnformatted("Operation");
    for (const sync::Mode mode : {sync::Mode::Add, sync::Mode::Remove, sync::Mode::Mirror}) {
        if (mode != sync::Mode::Add) ImGui::SameLine();
        if (ImGui::RadioButton(std::string(sync::to_string(mode)).c_str(), vm.cohort.mode == mode))
            vm.cohort.mode = mode;
    }
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("%s", vm.cohort.mode == sync::Mode::Add ? "Every identifier of the table joins the cohort."
                              : vm.cohort.mode == sync::Mode::Remove
                                  ? "Every identifier of the table leaves the cohort."
                                  : "The cohort becomes the table: new identifiers "
                                    "join, members synced before that are not in the "
                                    "table leave.");
    ImGui::PopTextWrapPos();

    label("Threads");
    ImGui::SliderInt("##threads", &vm.cohort.threads, 1, cohort::kMaxThreads);

    ImGui::TextUnformatted("Alias columns");
    const TablePage& t = vm.table();
    bool any = false;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const std::string& column = t.columns[i];
        const ColumnRole role = column_role(column, {});
        if (role == ColumnRole::UserIds || role == ColumnRole::DeviceIds) continue;  // never aliases
        any = true;
        bool checked = vm.has_alias_column(column);
        ImGui::PushID(static_cast<int>(i));  // column names may repeat
        if (ImGui::Checkbox(column.c_str(), &checked)) vm.toggle_alias_column(column);
        ImGui::PopID();
        tooltip("Send the cells of " + column + " as aliases labelled \"" + column + "\".");
    }
    if (!any) ImGui::TextDisabled(t.loaded() ? "No other columns." : "Open a table to pick them from its header.");

    draw_send_as(vm);

    // The plan in numbers.
    section("Plan");
    const auto& a = vm.analysis();
    if (!a || !vm.analysis_current()) {
        ImGui::TextDisabled(vm.analysis_running() ? "Checking the table ..." : "Open a table to see its plan.");
    }
    if (a) {
        const cohort::Summary& s = a->report.summary;
        if (ImGui::BeginTable("plan", 3)) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            stat(fonts, "rows", with_separators(s.rows));
            ImGui::TableNextColumn();
            stat(fonts, "requests", with_separators(a->requests));
            ImGui::TableNextColumn();
            stat(fonts, "errors", with_separators(s.errors), s.errors > 0 ? colour::kError : colour::kGood);
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            stat(fonts, "user_ids", with_separators(s.user_ids), colour::kUserIds);
            ImGui::TableNextColumn();
            stat(fonts, "device_ids", with_separators(s.device_ids), colour::kDeviceIds);
            ImGui::TableNextColumn();
            stat(fonts, "aliases", with_separators(s.aliases), colour::kAlias);
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            stat(fonts, "duplicates", with_separators(s.duplicates));
            ImGui::TableNextColumn();
            stat(fonts, "skipped", with_separators(s.skipped));
            ImGui::TableNextColumn();
            stat(fonts, "warnings", with_separators(s.warnings),
                 s.warnings > 0 ? colour::kWarning : ImVec4(0, 0, 0, 0));
            ImGui::EndTable();
        }
    }

    ImGui::Spacing();
    const std::optional<std::string> blocked = vm.sync_blocker();
    if (button(with_keys("Sync to Braze  ", Command::Sync).c_str(), !blocked,
               ImVec2(-1, ImGui::GetFrameHeight() * 1.3f)))
        vm.start_sync();
    if (blocked) {
        tooltip(*blocked);
        text_wrapped(colour::kDim, *blocked);
    }
}

void draw_preview(ViewModel& vm, UiState& ui, const Fonts& fonts, float height) {
    const TablePage& t = vm.table();
    ImGui::BeginChild("preview", ImVec2(0, height), true);
    if (!t.loaded()) {
        ImGui::TextDisabled("The first rows of the table appear here, identifier columns highlighted.");
        ImGui::EndChild();
        return;
    }
    // Title, paging and the colour legend.
    const std::uint64_t last = t.first_row + (t.rows.empty() ? 0 : t.rows.size() - 1);
    ImGui::AlignTextToFramePadding();
    ImGui::Text("Rows %s\u2013%s", with_separators(t.first_row).c_str(), with_separators(last).c_str());
    ImGui::SameLine();
    if (button("\u25c0", t.first_row > 1)) vm.previous_page();
    ImGui::SameLine();
    if (button("\u25b6", t.more_rows)) vm.next_page();
    for (const auto& [role, name] :
         {std::pair{ColumnRole::UserIds, "user_ids"}, std::pair{ColumnRole::DeviceIds, "device_ids"},
          std::pair{ColumnRole::Alias, "alias"}, std::pair{ColumnRole::NearMiss, "near miss"},
          std::pair{ColumnRole::Ignored, "not sent"}}) {
        ImGui::SameLine();
        ImGui::TextColored(role_colour(role), "\u25a0");
        ImGui::SameLine(0, ImGui::GetStyle().ItemInnerSpacing.x);
        ImGui::TextDisabled("%s", name);
    }

    const int columns = static_cast<int>(t.columns.size()) + 1;
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                  ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_BordersOuter |
                                  ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
    ImGui::PushFont(fonts.mono);
    if (columns <= 64 && ImGui::BeginTable("grid", columns, flags)) {
        ImGui::TableSetupScrollFreeze(1, 1);
        ImGui::TableSetupColumn("row", ImGuiTableColumnFlags_WidthFixed);
        for (const std::string& c : t.columns)
            ImGui::TableSetupColumn(c.c_str(), ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 11);
        // Header: the column names in their role's colour, explained on hover.
        ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
        ImGui::TableSetColumnIndex(0);
        ImGui::TableHeader("row");
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            ImGui::TableSetColumnIndex(static_cast<int>(i) + 1);
            const ColumnRole role = vm.column_role(t.columns[i]);
            if (role != ColumnRole::Ignored)
                ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg,
                                       ImGui::GetColorU32(with_alpha(role_colour(role), 0.22f)));
            ImGui::PushStyleColor(ImGuiCol_Text, role == ColumnRole::Ignored ? colour::kIgnored : role_colour(role));
            ImGui::TableHeader(t.columns[i].c_str());
            ImGui::PopStyleColor();
            tooltip(role_explanation(role, t.columns[i]));
        }
        // Rows: identifier cells tinted, other columns greyed, blank cells marked as skipped.
        const bool scroll_to_mark = vm.marked_row() && ui.scrolled_to_row != vm.marked_row();
        for (const TableRow& row : t.rows) {
            ImGui::TableNextRow();
            const bool marked = vm.marked_row() == row.number;
            if (marked)
                ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1,
                                       ImGui::GetColorU32(with_alpha(colour::kAccent, 0.40f)));
            ImGui::TableSetColumnIndex(0);
            ImGui::TextDisabled("%s", with_separators(row.number).c_str());
            if (marked && scroll_to_mark) {
                ImGui::SetScrollHereY(0.35f);
                ui.scrolled_to_row = row.number;
            }
            if (!row.problem.empty()) {
                ImGui::TableSetColumnIndex(1);
                ImGui::TextColored(colour::kError, "unreadable (line %s): %s", with_separators(row.line).c_str(),
                                   row.problem.c_str());
                continue;
            }
            for (std::size_t i = 0; i < t.columns.size(); ++i) {
                ImGui::TableSetColumnIndex(static_cast<int>(i) + 1);
                const ColumnRole role = vm.column_role(t.columns[i]);
                const bool sent =
                    role == ColumnRole::UserIds || role == ColumnRole::DeviceIds || role == ColumnRole::Alias;
                if (sent)
                    ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg,
                                           ImGui::GetColorU32(with_alpha(role_colour(role), 0.07f)));
                const TableCell* cell = i < row.cells.size() ? &row.cells[i] : nullptr;
                if (cell == nullptr || (cell->blank && cell->text.empty())) {
                    ImGui::TextDisabled(sent ? "\u2205" : "");
                    if (sent) tooltip("Empty: skipped, never sent.");
                } else if (!sent || cell->blank) {
                    ImGui::TextColored(colour::kIgnored, "%s", cell->text.c_str());
                    if (sent) tooltip("\"" + cell->text + "\" counts as empty: skipped, never sent.");
                } else {
                    ImGui::TextUnformatted(cell->text.c_str());
                }
            }
        }
        ImGui::EndTable();
    } else if (columns > 64) {
        ImGui::TextDisabled("%zu columns: too many to preview.", t.columns.size());
    }
    ImGui::PopFont();
    ImGui::EndChild();
}

void draw_checks(ViewModel& vm, UiState& ui) {
    const auto& a = vm.analysis();
    if (!a) {
        ImGui::TextDisabled(vm.analysis_running() ? "Checking the table ..." : "No table checked yet.");
        return;
    }
    if (!a->error.empty()) {
        text_wrapped(colour::kError, a->error);
        return;
    }
    const cohort::Summary& s = a->report.summary;
    if (a->report.diagnostics.empty()) {
        ImGui::TextColored(colour::kGood, "\u2713 No problems found in %s rows.", with_separators(s.rows).c_str());
        return;
    }
    ImGui::TextDisabled("Click a finding to see its row. Hover for the hint.");
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("checks", 5, flags)) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("severity");
        ImGui::TableSetupColumn("row");
        ImGui::TableSetupColumn("column");
        ImGui::TableSetupColumn("code");
        ImGui::TableSetupColumn("message", ImGuiTableColumnFlags_WidthStretch);
        ImGui::TableHeadersRow();
        for (std::size_t i = 0; i < a->report.diagnostics.size(); ++i) {
            const Diagnostic& d = a->report.diagnostics[i];
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::PushID(static_cast<int>(i));
            ImGui::PushStyleColor(ImGuiCol_Text, severity_colour(d.severity));
            const bool clicked = ImGui::Selectable(severity_label(d.severity), vm.marked_row() == d.row && d.row > 0,
                                                   ImGuiSelectableFlags_SpanAllColumns);
            ImGui::PopStyleColor();
            tooltip(d.message + (d.hint.empty() ? "" : "\n\nHint: " + d.hint));
            ImGui::PopID();
            if (clicked && d.row > 0) {
                vm.show_row(d.row);
                ui.scrolled_to_row.reset();
            }
            ImGui::TableSetColumnIndex(1);
            if (d.row > 0) ImGui::TextUnformatted(with_separators(d.row).c_str());
            else ImGui::TextDisabled("-");
            ImGui::TableSetColumnIndex(2);
            ImGui::TextUnformatted(d.column_name.c_str());
            ImGui::TableSetColumnIndex(3);
            ImGui::TextDisabled("%s", d.code.c_str());
            ImGui::TableSetColumnIndex(4);
            ImGui::TextWrapped("%s", d.message.c_str());
        }
        ImGui::EndTable();
    }
}

void draw_requests(ViewModel& vm, const Fonts& fonts) {
    const auto& a = vm.analysis();
    if (!a || a->first_requests.empty()) {
        ImGui::TextDisabled(a && a->report.summary.errors > 0 ? "Nothing is planned while the settings have errors "
                                                                "(see Checks)."
                                                              : "No requests planned yet.");
        return;
    }
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled(
        "The first %zu of %s requests, as Braze receives them. Secrets are placeholders, filled in "
        "only when sending.",
        a->first_requests.size(), with_separators(a->requests).c_str());
    if (vm.cohort.mode == sync::Mode::Mirror)
        ImGui::TextDisabled("Mirror: the sync leaves out identifiers already in the cohort and adds removals.");
    ImGui::PopTextWrapPos();
    ImGui::BeginChild("bodies");
    for (std::size_t i = 0; i < a->first_requests.size(); ++i) {
        const RequestPreview& r = a->first_requests[i];
        ImGui::PushID(static_cast<int>(i));
        if (ImGui::CollapsingHeader(r.title.c_str(), ImGuiTreeNodeFlags_DefaultOpen)) {
            ImGui::PushFont(fonts.mono);
            ImGui::TextColored(colour::kInfo, "%s", r.method_and_path.c_str());
            ImGui::PopFont();
            const float copy_width = ImGui::CalcTextSize("Copy").x + ImGui::GetStyle().FramePadding.x * 2;
            ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - copy_width);
            if (ImGui::SmallButton("Copy")) ImGui::SetClipboardText(r.body.c_str());
            ImGui::PushFont(fonts.mono);
            ImGui::TextUnformatted(r.body.c_str());
            ImGui::PopFont();
        }
        ImGui::PopID();
    }
    ImGui::EndChild();
}

// The output mapping, per column: sent as it is named, or as user_ids, device_ids or an alias label (the page's
// "Send as", the command line's --map). A near miss offers the mapping it needs in one click.
void draw_send_as(ViewModel& vm) {
    const TablePage& t = vm.table();
    if (!t.loaded()) return;
    ImGui::TextUnformatted("Send as");
    constexpr const char* kTargets[] = {"as named", "user_ids", "device_ids", "alias"};
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const std::string& column = t.columns[i];
        if (column == cohort::kUserIds || column == cohort::kDeviceIds) continue;  // already what they say
        const std::optional<cohort::ColumnMapping> mapped = vm.column_mapping(column);
        int choice = !mapped                                       ? 0
                     : mapped->target == cohort::Target::UserIds   ? 1
                     : mapped->target == cohort::Target::DeviceIds ? 2
                                                                   : 3;
        ImGui::PushID(static_cast<int>(i));
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
        if (ImGui::Combo("##target", &choice, kTargets, 4)) {
            if (choice == 0) vm.map_column(column, std::nullopt);
            else {
                cohort::ColumnMapping m{column,
                                        choice == 1   ? cohort::Target::UserIds
                                        : choice == 2 ? cohort::Target::DeviceIds
                                                      : cohort::Target::Alias,
                                        choice == 3 ? column : std::string()};
                vm.map_column(column, m);
            }
        }
        ImGui::SameLine();
        ImGui::TextUnformatted(column.c_str());
        if (mapped && mapped->target == cohort::Target::Alias) {
            ImGui::SameLine();
            std::string label = mapped->alias_label;
            ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
            if (ImGui::InputTextWithHint("##label", "alias label", &label, ImGuiInputTextFlags_EnterReturnsTrue) &&
                !label.empty())
                vm.map_column(column, cohort::ColumnMapping{column, cohort::Target::Alias, label});
            tooltip("The alias_label its cells are sent under; Enter to apply.");
        }
        const std::string_view intended = cohort::intended_identifier(column);
        if (!mapped && !intended.empty()) {
            ImGui::SameLine();
            if (ImGui::SmallButton(("Map to " + std::string(intended)).c_str()))
                vm.map_column(column, cohort::ColumnMapping{column,
                                                            intended == cohort::kUserIds ? cohort::Target::UserIds
                                                                                         : cohort::Target::DeviceIds,
                                                            {}});
            tooltip(column + " is not sent as it is named: map it to " + std::string(intended) +
                    " (the same as --map " + column + "=" + std::string(intended) + ")");
        }
        ImGui::PopID();
    }
}

}  // namespace

void draw_cohort_panel(ViewModel& vm, UiState& ui, const Fonts& fonts) {
    panel_header(fonts, "Cohort",
                 "A Treasure Data query result and the Braze cohort it goes to. The table is checked and planned "
                 "exactly as the sync will send it.");
    draw_table_path(vm, ui);
    ImGui::Spacing();

    // Left: the settings and the plan. Right: the rows, then the checks or the requests.
    const float left_width = ImGui::GetFontSize() * 20;
    ImGui::BeginChild("settings", ImVec2(left_width, 0), true);
    draw_settings(vm, fonts);
    ImGui::EndChild();
    ImGui::SameLine();

    ImGui::BeginGroup();
    const float height = ImGui::GetContentRegionAvail().y;
    draw_preview(vm, ui, fonts, height * 0.52f);
    const auto& a = vm.analysis();
    const std::string checks_label =
        "Checks (" + (a ? with_separators(a->report.diagnostics.size()) : std::string("-")) + ")###checks";
    const std::string requests_label =
        "Requests (" + (a ? with_separators(a->requests) : std::string("-")) + ")###requests";
    const auto pick = std::exchange(ui.pick_requests_tab, std::nullopt);
    ImGui::BeginChild("below", ImVec2(0, 0), true);
    if (ImGui::BeginTabBar("below_tabs")) {
        if (ImGui::BeginTabItem(checks_label.c_str(), nullptr, pick == false ? ImGuiTabItemFlags_SetSelected : 0)) {
            draw_checks(vm, ui);
            ImGui::EndTabItem();
        }
        if (ImGui::BeginTabItem(requests_label.c_str(), nullptr, pick == true ? ImGuiTabItemFlags_SetSelected : 0)) {
            draw_requests(vm, fonts);
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
    }
    ImGui::EndChild();
    ImGui::EndGroup();
}

}  // namespace tdbraze::desktop
