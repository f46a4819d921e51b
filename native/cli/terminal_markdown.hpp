// The manual's Markdown as a terminal shows it: `tdbraze help CODE` prints a code's section from docs/.
#pragma once

#include <string>
#include <string_view>

namespace tdbraze::cli {

// `markdown` without its marks: **strong** and headings in bold when `bold` (ANSI, for a terminal) and
// plain otherwise, `code` in quotes, fenced blocks indented by four spaces without their fences, and a
// link as its text (followed by its address when that is a web address, which a terminal cannot follow).
std::string terminal_markdown(std::string_view markdown, bool bold);

}  // namespace tdbraze::cli
