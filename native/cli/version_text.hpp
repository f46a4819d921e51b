// What `tdbraze --version` prints: the release, the commit it was built from and the event catalogue it holds.
#pragma once

#include <string>

namespace tdbraze::cli {

std::string version_text();

}  // namespace tdbraze::cli
