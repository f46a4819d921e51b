// libFuzzer target: Currents payloads. Any input must give a report (no crash, no sanitizer finding), the
// same report however it is cut into chunks, and a report whose `ok` agrees with its error count. With the
// Treasure Data receiver too; and the events it hands over, cut into request bodies (as send currents does),
// must come out as bodies that parse, hold every event once and stay under the byte limit.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tdbraze/currents.hpp"
#include "tdbraze/currents_batches.hpp"
#include "tdbraze/report_json.hpp"

namespace {

void check_batch(const tdbraze::currents::EventBatch& batch, std::size_t limit, std::uint64_t& events) {
    if (limit != 0 && batch.body.size() > limit) std::abort();
    events += batch.events();
    nlohmann::json body;
    try {
        body = nlohmann::json::parse(batch.body);
    } catch (const nlohmann::json::out_of_range&) {
        // nlohmann refuses a number no double holds (45e680, its error 406), which JSON itself allows and
        // which the events hand over as they came: such a body is checked for its frame only.
        const std::string_view text = batch.body;
        if (text.rfind("{\"events\":[", 0) != 0 || text.size() < 13 || text.substr(text.size() - 2) != "]}")
            std::abort();
        return;
    } catch (const nlohmann::json::exception&) {
        std::abort();
    }
    if (!body["events"].is_array() || body["events"].size() != batch.events()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    tdbraze::currents::Options options;
    options.now_epoch_seconds = 1764000000;
    if (size > 1 && data[1] % 2 == 1) options.receiver = tdbraze::currents::Receiver::TdPostback;
    const auto whole = tdbraze::currents::validate(input, options, "fuzz");
    if (whole.ok() != (whole.summary.errors == 0)) std::abort();
    // The first byte chooses a chunk size: streaming must not change the report.
    const std::size_t chunk = size > 0 ? 1 + data[0] % 61 : 1;
    // The second a body limit small enough to cut often.
    const std::size_t limit = size > 1 ? 64 + data[1] % 512 : 0;
    tdbraze::currents::BatchBuilder builder({1 + (size > 2 ? data[2] % 100u : 99u), limit});
    std::uint64_t seen = 0, refused = 0, batched = 0;
    tdbraze::currents::Validator v(options, "fuzz");
    v.on_event([&](const tdbraze::currents::EventText& e) {
        ++seen;
        auto added = builder.add(e.json);
        if (!added.added) ++refused;
        if (added.completed) check_batch(*added.completed, limit, batched);
    });
    for (std::size_t i = 0; i < size; i += chunk) v.feed(input.substr(i, chunk));
    if (tdbraze::to_json(v.finish()) != tdbraze::to_json(whole)) std::abort();
    if (auto last = builder.finish()) check_batch(*last, limit, batched);
    if (batched + refused != seen) std::abort();
    return 0;
}
