#pragma once

namespace tdbraze {
inline constexpr const char* kVersion = "0.1.0";
}
