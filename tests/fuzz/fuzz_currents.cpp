// libFuzzer target: Currents payloads. Any input must give a report (no crash, no sanitizer finding), the
// same report however it is cut into chunks, and a report whose `ok` agrees with its error count.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tdbraze/currents.hpp"
#include "tdbraze/report_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    tdbraze::currents::Options options;
    options.now_epoch_seconds = 1764000000;
    const auto whole = tdbraze::currents::validate(input, options, "fuzz");
    if (whole.ok() != (whole.summary.errors == 0)) std::abort();
    // The first byte chooses a chunk size: streaming must not change the report.
    const std::size_t chunk = size > 0 ? 1 + data[0] % 61 : 1;
    tdbraze::currents::Validator v(options, "fuzz");
    for (std::size_t i = 0; i < size; i += chunk) v.feed(input.substr(i, chunk));
    if (tdbraze::to_json(v.finish()) != tdbraze::to_json(whole)) std::abort();
    return 0;
}
