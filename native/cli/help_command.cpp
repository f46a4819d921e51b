// `tdbraze help [CODE]`: the manual's section about a diagnostic code, from the same text as docs/.
#include <iostream>
#include <memory>
#include <string_view>

#include <unistd.h>

#include "commands.hpp"
#include "terminal_markdown.hpp"
#include "tdbraze/diagnostic_codes.hpp"

namespace tdbraze::cli {
namespace {

struct CodeHelp {
    std::string_view code;
    std::string_view text;
};

constexpr CodeHelp kHelp[] = {
#include "code_help.inc"
};

std::string_view severity_name(Severity s) {
    return s == Severity::Error ? "error" : s == Severity::Warning ? "warning" : "info";
}

}  // namespace

std::function<int()> add_help(CLI::App& app) {
    auto code = std::make_shared<std::string>();
    auto markdown = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand("help", "Explain a diagnostic code (tdbraze help CODE), or list them all");
    cmd->add_option("code", *code, "A code such as unknown-event-type or near-miss-column");
    cmd->add_flag("--markdown", *markdown, "Print the section as the manual's Markdown, unrendered");
    return [code, markdown] {
        if (code->empty()) {
            for (const DiagnosticCode& c : diagnostic_codes())
                std::cout << c.code << "  (" << c.kind << ", " << severity_name(c.severity) << ")  " << c.title << '\n';
            return kExitOk;
        }
        const DiagnosticCode* known = find_diagnostic_code(*code);
        if (known == nullptr) {
            std::cerr << "tdbraze: no diagnostic code '" << *code << "'; tdbraze help lists them all\n";
            return kExitUsage;
        }
        std::cout << known->code << " (" << known->kind << ", " << severity_name(known->severity)
                  << "): " << known->title << "\n\n";
        for (const CodeHelp& h : kHelp)
            if (h.code == *code)
                std::cout << (*markdown ? std::string(h.text) : terminal_markdown(h.text, use_colour(STDOUT_FILENO)));
        return kExitOk;
    };
}

}  // namespace tdbraze::cli
