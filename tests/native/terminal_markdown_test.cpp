// The manual's Markdown as `tdbraze help CODE` prints it on a terminal and into a pipe.
#include <catch2/catch.hpp>

#include "terminal_markdown.hpp"

using tdbraze::cli::terminal_markdown;

TEST_CASE("terminal markdown: emphasis is bold on a terminal and plain otherwise") {
    const std::string text = "**Warning.** A column is named almost like `user_ids`.\n";
    CHECK(terminal_markdown(text, false) == "Warning. A column is named almost like 'user_ids'.\n");
    CHECK(terminal_markdown(text, true) == "\x1b[1mWarning.\x1b[0m A column is named almost like 'user_ids'.\n");
    CHECK(terminal_markdown("#### Fix\n", false) == "Fix\n");
    CHECK(terminal_markdown("#### Fix\n", true) == "\x1b[1mFix\x1b[0m\n");
}

TEST_CASE("terminal markdown: fenced examples are indented without their fences") {
    CHECK(terminal_markdown("Before:\n\n```csv\nexternal_id\n\nTDCohort1 **not bold**\n```\nAfter\n", true) ==
          "Before:\n\n    external_id\n\n    TDCohort1 **not bold**\nAfter\n");
}

TEST_CASE("terminal markdown: a link is its text, with the address when it is on the web") {
    CHECK(terminal_markdown("see [the plan](cohort.md#plan) and [Braze](https://www.braze.com/docs)\n", false) ==
          "see the plan and Braze <https://www.braze.com/docs>\n");
    CHECK(terminal_markdown("a [ bracket that is no link, and `an unclosed span\n", false) ==
          "a [ bracket that is no link, and `an unclosed span\n");
}

TEST_CASE("terminal markdown: a code span or emphasis may go on over a line break of its paragraph") {
    CHECK(terminal_markdown("Fix: `SELECT a\nFROM t`.\n\n`b` and `c\n\nd`\n", false) ==
          "Fix: 'SELECT a\nFROM t'.\n\n'b' and `c\n\nd`\n");
}
