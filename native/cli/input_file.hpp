// Reading an input (a file or standard input) in chunks, with errors as values.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tdbraze::cli {

// Calls on_chunk for each piece of `path` ("-" is standard input). Returns an error message naming the file
// and the reason, or nothing on success.
std::optional<std::string> read_in_chunks(const std::string& path,
                                          const std::function<void(std::string_view)>& on_chunk);

}  // namespace tdbraze::cli
