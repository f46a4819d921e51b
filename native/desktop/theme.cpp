#include "theme.hpp"

#include <cstdio>
#include <filesystem>
#include <system_error>

namespace tdbraze::desktop {
namespace {

namespace fs = std::filesystem;

constexpr float kTextSize = 16.0f;
constexpr float kHeadingSize = 21.0f;
constexpr float kMonoSize = 14.5f;

// Latin-1 plus the punctuation, arrows, symbols, shapes and check marks the UI uses (– … ⇄ ↻ ∅ ▶ ■ ✓ ✗).
const ImWchar kGlyphRanges[] = {0x0020, 0x00FF, 0x2000, 0x206F, 0x2190, 0x22FF, 0x2500, 0x25FF, 0x2700, 0x27BF, 0};

fs::path executable_dir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path(ec) : exe.parent_path();
}

ImFont* add_font(const std::string& file_name, float size) {
    const std::string path = find_font(file_name);
    if (path.empty()) return nullptr;
    ImFontConfig config;
    config.OversampleH = 2;  // crisper text at small sizes, for a little atlas memory
    return ImGui::GetIO().Fonts->AddFontFromFileTTF(path.c_str(), size, &config, kGlyphRanges);
}

}  // namespace

ImVec4 with_alpha(ImVec4 c, float alpha) { return ImVec4(c.x, c.y, c.z, alpha); }

std::string find_font(const std::string& file_name) {
    const fs::path here = executable_dir();
    for (const fs::path& candidate :
         {here / "fonts" / file_name, here / ".." / "share" / "tdbraze" / "fonts" / file_name,
          fs::path("/usr/share/fonts/truetype/dejavu") / file_name}) {
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
    return {};
}

Fonts load_fonts(float scale) {
    Fonts fonts;
    fonts.text = add_font("DejaVuSans.ttf", kTextSize * scale);  // the first font added is the default
    fonts.heading = add_font("DejaVuSans-Bold.ttf", kHeadingSize * scale);
    fonts.mono = add_font("DejaVuSansMono.ttf", kMonoSize * scale);
    if (fonts.text == nullptr) {
        std::fprintf(stderr,
                     "tdbraze-desktop: DejaVu fonts not found (install fonts-dejavu-core); using the "
                     "built-in font\n");
        ImFontConfig config;
        config.SizePixels = 13.0f * scale;
        fonts.text = ImGui::GetIO().Fonts->AddFontDefault(&config);
    }
    if (fonts.heading == nullptr) fonts.heading = fonts.text;
    if (fonts.mono == nullptr) fonts.mono = fonts.text;
    return fonts;
}

void apply_style(float scale) {
    ImGui::StyleColorsDark();
    ImGuiStyle& style = ImGui::GetStyle();
    style.WindowPadding = ImVec2(14, 12);
    style.FramePadding = ImVec2(8, 5);
    style.ItemSpacing = ImVec2(9, 7);
    style.ItemInnerSpacing = ImVec2(7, 5);
    style.CellPadding = ImVec2(7, 3);
    style.ScrollbarSize = 13;
    style.WindowRounding = 0;
    style.ChildRounding = 6;
    style.FrameRounding = 4;
    style.PopupRounding = 4;
    style.GrabRounding = 4;
    style.TabRounding = 4;
    style.ChildBorderSize = 1;
    style.FrameBorderSize = 0;
    style.WindowBorderSize = 0;
    // A disabled button must look it (Dear ImGui's 0.6 left Sync and Resume looking pressable).
    style.DisabledAlpha = 0.4f;

    ImVec4* c = style.Colors;
    c[ImGuiCol_WindowBg] = ImVec4(0.115f, 0.125f, 0.145f, 1.00f);
    c[ImGuiCol_ChildBg] = ImVec4(0.135f, 0.147f, 0.170f, 1.00f);
    c[ImGuiCol_PopupBg] = ImVec4(0.14f, 0.15f, 0.18f, 0.98f);
    c[ImGuiCol_Border] = ImVec4(0.22f, 0.24f, 0.28f, 1.00f);
    c[ImGuiCol_Text] = ImVec4(0.90f, 0.92f, 0.95f, 1.00f);
    c[ImGuiCol_TextDisabled] = colour::kDim;
    c[ImGuiCol_FrameBg] = ImVec4(0.19f, 0.21f, 0.25f, 1.00f);
    c[ImGuiCol_FrameBgHovered] = ImVec4(0.23f, 0.26f, 0.31f, 1.00f);
    c[ImGuiCol_FrameBgActive] = ImVec4(0.26f, 0.30f, 0.37f, 1.00f);
    c[ImGuiCol_Button] = with_alpha(colour::kAccent, 0.80f);
    c[ImGuiCol_ButtonHovered] = colour::kAccent;
    c[ImGuiCol_ButtonActive] = ImVec4(0.25f, 0.46f, 0.85f, 1.00f);
    c[ImGuiCol_Header] = with_alpha(colour::kAccent, 0.30f);
    c[ImGuiCol_HeaderHovered] = with_alpha(colour::kAccent, 0.45f);
    c[ImGuiCol_HeaderActive] = with_alpha(colour::kAccent, 0.60f);
    c[ImGuiCol_CheckMark] = colour::kAccent;
    c[ImGuiCol_SliderGrab] = colour::kAccent;
    c[ImGuiCol_SliderGrabActive] = ImVec4(0.45f, 0.65f, 1.00f, 1.00f);
    c[ImGuiCol_Tab] = ImVec4(0.17f, 0.19f, 0.23f, 1.00f);
    c[ImGuiCol_TabHovered] = with_alpha(colour::kAccent, 0.55f);
    c[ImGuiCol_TabActive] = with_alpha(colour::kAccent, 0.40f);
    c[ImGuiCol_TableHeaderBg] = ImVec4(0.17f, 0.19f, 0.23f, 1.00f);
    c[ImGuiCol_TableBorderStrong] = ImVec4(0.24f, 0.26f, 0.31f, 1.00f);
    c[ImGuiCol_TableBorderLight] = ImVec4(0.20f, 0.22f, 0.26f, 1.00f);
    c[ImGuiCol_TableRowBgAlt] = ImVec4(1.0f, 1.0f, 1.0f, 0.025f);
    c[ImGuiCol_PlotLines] = colour::kAccent;
    c[ImGuiCol_PlotHistogram] = colour::kAccent;
    c[ImGuiCol_Separator] = ImVec4(0.22f, 0.24f, 0.28f, 1.00f);
    // The keyboard focus: white, which no status colour is and which stands out from the blue buttons it frames.
    c[ImGuiCol_NavHighlight] = ImVec4(1.00f, 1.00f, 1.00f, 1.00f);
    style.ScaleAllSizes(scale);
}

}  // namespace tdbraze::desktop
