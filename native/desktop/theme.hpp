// The look of the app: fonts (DejaVu, from Debian's fonts-dejavu-core, copied next to the binary at build
// time), the Dear ImGui style, and the few colours that carry meaning (identifier columns, severities).
#pragma once

#include <string>

#include <imgui.h>

namespace tdbraze::desktop {

struct Fonts {
    ImFont* text = nullptr;  // DejaVu Sans: everything by default
    ImFont* heading = nullptr;  // DejaVu Sans Bold, larger: panel titles
    ImFont* mono = nullptr;  // DejaVu Sans Mono: table cells, request bodies, logs, payloads
};

// Colours with a meaning, used across panels so that a user_ids column looks the same everywhere.
namespace colour {
inline const ImVec4 kAccent{0.33f, 0.56f, 0.96f, 1.00f};
inline const ImVec4 kUserIds{0.40f, 0.63f, 1.00f, 1.00f};
inline const ImVec4 kDeviceIds{0.25f, 0.80f, 0.72f, 1.00f};
inline const ImVec4 kAlias{0.74f, 0.55f, 1.00f, 1.00f};
inline const ImVec4 kNearMiss{0.98f, 0.72f, 0.25f, 1.00f};
inline const ImVec4 kIgnored{0.48f, 0.50f, 0.55f, 1.00f};
inline const ImVec4 kError{0.96f, 0.38f, 0.38f, 1.00f};
inline const ImVec4 kWarning{0.98f, 0.74f, 0.28f, 1.00f};
inline const ImVec4 kInfo{0.55f, 0.72f, 0.98f, 1.00f};
inline const ImVec4 kGood{0.36f, 0.82f, 0.48f, 1.00f};
inline const ImVec4 kDim{0.60f, 0.63f, 0.68f, 1.00f};
inline const ImVec4 kSidebar{0.085f, 0.094f, 0.11f, 1.00f};
}  // namespace colour

// `c` with its alpha replaced: tinted backgrounds from the meaning colours.
ImVec4 with_alpha(ImVec4 c, float alpha);

// Loads the fonts at `scale` times their normal size (the monitor's content scale). Falls back to Dear
// ImGui's built-in font, with a note on stderr, when the DejaVu files cannot be found.
Fonts load_fonts(float scale);

// Where a font file is: next to the binary (fonts/), in an installed share/tdbraze/fonts, or in Debian's
// fonts-dejavu-core. Empty when none has it.
std::string find_font(const std::string& file_name);

void apply_style(float scale);

}  // namespace tdbraze::desktop
