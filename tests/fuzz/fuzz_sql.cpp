// libFuzzer target: the SQL check. Any text gives a report with positions inside the text.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tdbraze/sql_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view query(reinterpret_cast<const char*>(data), size);
    const auto report = tdbraze::sql::check_select(query, {"email"}, "fuzz");
    if (report.ok() != (report.errors == 0)) std::abort();
    for (const auto& d : report.diagnostics)
        if (d.line == 0 || d.line > size + 1) std::abort();
    return 0;
}
