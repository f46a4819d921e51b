// The release of tdbraze and where it is published: what --version, the reports and the SARIF logs name.
#pragma once

namespace tdbraze {
inline constexpr const char* kVersion = "0.1.0";

// The project's home, and its manual (docs/) as a web page renders it: a code's section is
// kManualUri + "currents.md#CODE" or "cohort.md#CODE" (the anchor a Markdown renderer makes of the heading).
inline constexpr const char* kHomepage = "https://github.com/tdbraze/tdbraze";
inline constexpr const char* kManualUri = "https://github.com/tdbraze/tdbraze/blob/main/docs/";
}  // namespace tdbraze
