// libFuzzer target: Currents input validated in parts, as `validate currents --threads N` does on a file
// (without the threads: validate_in_parts runs the parts one after another and joins them the same way). For
// any input, a seam at any line start, and seams at all of them at once, must give validate()'s report; so
// must two parts the page's way (the second in another instance, its report handed over as JSON text).
// The first byte picks the options, so strict mode, Treasure Data's receiver and a small diagnostics limit
// (whose cut falls in a later part) are all tried.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "tdbraze/currents.hpp"
#include "tdbraze/report_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    tdbraze::currents::Options options;
    options.now_epoch_seconds = 1764000000;
    const std::uint8_t pick = size > 0 ? data[0] : 0;
    options.strict = (pick & 1) != 0;
    if ((pick & 2) != 0) options.receiver = tdbraze::currents::Receiver::TdPostback;
    options.max_diagnostics = (pick & 4) != 0 ? (pick >> 3) % 4 : 1000;
    const std::string whole = tdbraze::to_json(tdbraze::currents::validate(input, options, "fuzz"));

    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < size; ++i)
        if (input[i] == '\n') starts.push_back(i + 1);
    // Each seam alone (two parts; at most 64 of them, so that an input of many short lines stays quick), then all.
    const std::size_t step = starts.size() / 64 + 1;
    for (std::size_t i = 0; i < starts.size(); i += step) {
        const std::size_t seam[] = {starts[i]};
        if (tdbraze::to_json(tdbraze::currents::validate_in_parts(input, seam, options, "fuzz").report) != whole)
            std::abort();
        const auto elsewhere =
            tdbraze::currents::validate_in_parts(input, seam, options, "fuzz", tdbraze::currents::PartsWay::Elsewhere);
        if (tdbraze::to_json(elsewhere.report) != whole) std::abort();
    }
    if (tdbraze::to_json(tdbraze::currents::validate_in_parts(input, starts, options, "fuzz").report) != whole)
        std::abort();
    // The seam search finds the same seam whatever pieces the input comes in (the page reads 1 MiB pieces).
    const std::size_t cut = size > 1 ? data[size - 1] % size : 0;
    tdbraze::currents::SeamSearch whole_search(0), cut_search(0);
    const auto found = whole_search.feed(input);
    cut_search.feed(input.substr(0, cut));
    if (cut_search.feed(input.substr(cut)) != found) std::abort();
    if (found && (*found == 0 || input[*found - 1] != '\n')) std::abort();
    const auto again = tdbraze::currents_report_from_json(whole);
    if (!again || tdbraze::to_json(*again) != whole) std::abort();
    return 0;
}
