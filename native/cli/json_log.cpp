#include "json_log.hpp"

#include <iostream>

namespace tdbraze::cli {

void write_json_line(const nlohmann::json& object) {
    // Invalid UTF-8 (from a table's bytes in a message) is replaced rather than thrown on.
    std::cout << object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n' << std::flush;
}

}  // namespace tdbraze::cli
