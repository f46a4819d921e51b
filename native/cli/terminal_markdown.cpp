// Rendering the manual's Markdown subset (paragraphs, lists, fences, emphasis, code spans, links) for a
// terminal. Only what docs/ uses: tables and nested markup are left as written.
#include "terminal_markdown.hpp"

namespace tdbraze::cli {
namespace {

constexpr std::string_view kBold = "\x1b[1m", kPlain = "\x1b[0m";

std::string_view without_leading(std::string_view text, char c) {
    while (!text.empty() && text.front() == c) text.remove_prefix(1);
    return text;
}

// One line of prose with its inline marks rendered.
std::string render_inline(std::string_view line, bool bold) {
    std::string out;
    for (std::size_t i = 0; i < line.size();) {
        if (line.compare(i, 2, "**") == 0) {
            const std::size_t close = line.find("**", i + 2);
            if (close != std::string_view::npos) {
                const std::string inner = render_inline(line.substr(i + 2, close - i - 2), bold);
                out += bold ? std::string(kBold) + inner + std::string(kPlain) : inner;
                i = close + 2;
                continue;
            }
        }
        if (line[i] == '`') {
            const std::size_t close = line.find('`', i + 1);
            if (close != std::string_view::npos) {
                out += '\'';
                out += line.substr(i + 1, close - i - 1);
                out += '\'';
                i = close + 1;
                continue;
            }
        }
        if (line[i] == '[') {
            const std::size_t text_end = line.find("](", i + 1);
            const std::size_t close = text_end == std::string_view::npos ? text_end : line.find(')', text_end + 2);
            if (close != std::string_view::npos) {
                out += render_inline(line.substr(i + 1, text_end - i - 1), bold);
                const std::string_view target = line.substr(text_end + 2, close - text_end - 2);
                if (target.rfind("https://", 0) == 0 || target.rfind("http://", 0) == 0) {
                    out += " <";
                    out += target;
                    out += '>';
                }
                i = close + 1;
                continue;
            }
        }
        out += line[i++];
    }
    return out;
}

}  // namespace

std::string terminal_markdown(std::string_view markdown, bool bold) {
    std::string out;
    std::string prose;  // the paragraph being read: marks may span its lines (a code span often does)
    const auto end_paragraph = [&] {
        out += render_inline(prose, bold);
        prose.clear();
    };
    bool fenced = false;
    while (!markdown.empty()) {
        const std::size_t nl = markdown.find('\n');
        const std::string_view line = markdown.substr(0, nl);
        markdown.remove_prefix(nl == std::string_view::npos ? markdown.size() : nl + 1);
        if (line.rfind("```", 0) == 0) {
            end_paragraph();
            fenced = !fenced;
            continue;
        }
        if (fenced) {
            if (!line.empty()) out += "    ";
            out += line;
            out += '\n';
        } else if (line.rfind('#', 0) == 0) {
            end_paragraph();
            const std::string text = render_inline(without_leading(without_leading(line, '#'), ' '), bold);
            out += bold ? std::string(kBold) + text + std::string(kPlain) : text;
            out += '\n';
        } else {
            prose += line;
            prose += '\n';
            if (line.empty()) end_paragraph();
        }
    }
    end_paragraph();
    return out;
}

}  // namespace tdbraze::cli
