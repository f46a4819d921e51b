// GitHub Actions workflow commands: one annotation line per finding, then one notice with the input's counts
// (a step shows only 10 error and 10 warning annotations).
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "input_findings.hpp"

namespace tdbraze::cli {

void print_github_annotations(std::ostream& out, const InputFindings& input);

// A command's message: % CR LF escaped.
std::string github_escape_message(std::string_view text);
// A property value (file, title): as a message, and ':' and ',' too.
std::string github_escape_property(std::string_view text);

}  // namespace tdbraze::cli
