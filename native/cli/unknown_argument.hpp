// The first argument of a command line that names no subcommand or option, with the nearest name it may
// have meant: CLI11 only says an argument "was not expected", or that a subcommand is required.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace tdbraze::cli {

// The lines to print (each starting "tdbraze: ") for the first unknown subcommand or option in argv, or an
// empty string when every word is known (the error is then about values, and CLI11's message says it).
std::string unknown_argument_message(const CLI::App& app, int argc, const char* const* argv);

}  // namespace tdbraze::cli
