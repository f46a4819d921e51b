// Finding the unknown word of a command line and the name it was probably meant to be.
#include "unknown_argument.hpp"

#include <string_view>
#include <vector>

#include "tdbraze/suggest.hpp"

namespace tdbraze::cli {
namespace {

const CLI::App* find_subcommand(const CLI::App& app, const std::string& word) {
    const auto found = app.get_subcommands([&](const CLI::App* s) { return s->check_name(word); });
    return found.empty() ? nullptr : found.front();
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(s->get_name());
    return names;
}

std::vector<std::string> long_option_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::Option* o : app.get_options())
        for (const std::string& n : o->get_lnames()) names.push_back("--" + n);
    return names;
}

// "tdbraze validate currents": the command as typed, for the pointer to its --help.
std::string command_path(const CLI::App& app) {
    std::string path = app.get_name();
    for (const CLI::App* a = app.get_parent(); a != nullptr; a = a->get_parent()) path = a->get_name() + " " + path;
    return path;
}

std::string message(std::string_view what, const std::string& word, const CLI::App& where,
                    const std::vector<std::string>& known) {
    std::string out = "tdbraze: unknown " + std::string(what) + " '" + word + "'";
    if (where.get_parent() != nullptr) out += " for '" + command_path(where) + "'";
    if (const std::string_view near = suggest_name(word, known); !near.empty())
        out += "; did you mean '" + std::string(near) + "'?";
    out +=
        "\ntdbraze: " + command_path(where) + " --help lists its " + (what == "option" ? "options" : "commands") + "\n";
    return out;
}

}  // namespace

std::string unknown_argument_message(const CLI::App& app, int argc, const char* const* argv) {
    const CLI::App* command = &app;
    for (int i = 1; i < argc; ++i) {
        const std::string word = argv[i];
        if (word == "--") break;  // everything after it is a positional argument
        if (word.rfind("--", 0) == 0) {
            const std::size_t equals = word.find('=');
            const std::string name = word.substr(0, equals);
            const CLI::Option* option = command->get_option_no_throw(name);
            if (option == nullptr) return message("option", name, *command, long_option_names(*command));
            if (equals == std::string::npos && option->get_type_size_min() > 0) ++i;  // its value
        } else if (word.size() > 1 && word[0] == '-') {
            const CLI::Option* option = command->get_option_no_throw(word.substr(0, 2));
            if (option != nullptr && word.size() == 2 && option->get_type_size_min() > 0) ++i;
        } else if (const CLI::App* sub = find_subcommand(*command, word); sub != nullptr) {
            command = sub;
        } else if (command->get_require_subcommand_min() > 0) {
            return message("command", word, *command, subcommand_names(*command));
        }
    }
    return {};
}

}  // namespace tdbraze::cli
