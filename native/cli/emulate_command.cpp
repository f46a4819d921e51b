#include <iostream>

#include "commands.hpp"

namespace tdbraze::cli {

std::function<int()> add_emulate(CLI::App& app) {
    app.add_subcommand("emulate", "Run a local Braze emulator (being written)");
    return [] {
        std::cerr << "tdbraze: the emulator is not built yet\n";
        return kExitUsage;
    };
}

}  // namespace tdbraze::cli
