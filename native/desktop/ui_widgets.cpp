#include <cctype>

#include "ui.hpp"

namespace tdbraze::desktop {

void panel_header(const Fonts& fonts, const char* title, const char* description) {
    ImGui::PushFont(fonts.heading);
    ImGui::TextUnformatted(title);
    ImGui::PopFont();
    ImGui::PushStyleColor(ImGuiCol_Text, colour::kDim);
    ImGui::TextWrapped("%s", description);
    ImGui::PopStyleColor();
    ImGui::Spacing();
}

void section(const char* title) {
    ImGui::Spacing();
    std::string upper(title);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ImGui::PushStyleColor(ImGuiCol_Text, colour::kDim);
    ImGui::TextUnformatted(upper.c_str());
    ImGui::PopStyleColor();
    ImGui::Separator();
}

bool button(const char* label, bool enabled, ImVec2 size) {
    ImGui::BeginDisabled(!enabled);
    const bool pressed = ImGui::Button(label, size);
    ImGui::EndDisabled();
    return pressed && enabled;
}

void stat(const Fonts& fonts, const char* caption, const std::string& value, ImVec4 colour) {
    ImGui::BeginGroup();
    if (colour.w > 0) ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::PushFont(fonts.heading);
    ImGui::TextUnformatted(value.c_str());
    ImGui::PopFont();
    if (colour.w > 0) ImGui::PopStyleColor();
    ImGui::PushStyleColor(ImGuiCol_Text, colour::kDim);
    ImGui::TextUnformatted(caption);
    ImGui::PopStyleColor();
    ImGui::EndGroup();
}

void text_wrapped(ImVec4 colour, const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopStyleColor();
}

std::string ellipsize(const std::string& text, float width) {
    if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
    const char* ellipsis = "...";
    std::string cut = text;
    while (!cut.empty() && ImGui::CalcTextSize((cut + ellipsis).c_str()).x > width) {
        cut.pop_back();
        while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();  // UTF-8
    }
    return cut + ellipsis;
}

void tooltip(const std::string& text) {
    // Also on a disabled item: its tooltip says why it is disabled.
    if (!ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled) || text.empty()) return;
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

ImVec4 severity_colour(Severity severity) {
    switch (severity) {
        case Severity::Error: return colour::kError;
        case Severity::Warning: return colour::kWarning;
        case Severity::Info: return colour::kInfo;
    }
    return colour::kInfo;
}

const char* severity_label(Severity severity) {
    switch (severity) {
        case Severity::Error: return "error";
        case Severity::Warning: return "warning";
        case Severity::Info: return "info";
    }
    return "info";
}

}  // namespace tdbraze::desktop
