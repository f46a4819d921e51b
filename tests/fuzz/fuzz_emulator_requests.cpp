// libFuzzer target: what the local Braze emulator does with a request it did not expect. The first byte picks
// the entry point (naming call, membership call, Currents receiver, --faults spec, --users file, Postback
// API); the rest is the body. Beyond "no crash, no leak, no UB", the emulator's promises are checked:
// - a membership request it accepts holds at most 1,000 identifiers and came in a body within 4 MB;
// - a cohort never holds a user the store lacks, and applying an accepted request twice changes nothing;
// - a naming request it accepts has a non-empty name and an ISO-8601 created_at;
// - a Currents answer is always a JSON object, and an accepted batch lists one id per event;
// - a Postback answer is always a JSON object; a stored row is a JSON object with a numeric `time` and one
//   column per member of the body, nested values as strings that parse back to them.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cohort_state.hpp"
#include "currents_receiver.hpp"
#include "faults.hpp"
#include "partner_api.hpp"
#include "postback_receiver.hpp"

namespace emu = tdbraze::emulator;

namespace {

// Short credentials so that the fuzzer gets past authentication and into the body checks quickly.
const emu::PartnerSettings kSettings{"treasuredata", "k", "s"};

const emu::UserDirectory& users() {
    static const emu::UserDirectory directory = [] {
        auto parsed = emu::UserDirectory::from_json_lines(
            "{\"external_id\":\"u1\",\"device_ids\":[\"d1\"]}\n"
            "{\"device_ids\":[\"d2\"]}\n"
            "{\"aliases\":[{\"alias_label\":\"email\",\"alias_name\":\"a@x\"}]}\n");
        if (!parsed.ok()) std::abort();
        return *parsed.value;
    }();
    return directory;
}

void fuzz_membership(std::string_view body, bool open_world) {
    const auto checked = emu::check_membership_request(body, "treasuredata", kSettings);
    const auto* request = std::get_if<emu::MembershipRequest>(&checked);
    if (!request) {
        const auto& rejection = std::get<emu::Rejection>(checked);
        if (rejection.status < 400 || rejection.status > 499 || rejection.message.empty()) std::abort();
        return;
    }
    if (request->ids > emu::kMaxIdsPerRequest || body.size() > emu::kMaxBodyBytes) std::abort();
    static const emu::UserDirectory everyone = emu::UserDirectory::open_world();
    const auto& store = open_world ? everyone : users();
    emu::CohortBook book;
    book.apply(*request, store);
    const auto once = book.view(request->cohort_id, store);
    book.apply(*request, store);
    const auto twice = book.view(request->cohort_id, store);
    if (once.has_value() != twice.has_value()) std::abort();
    if (once && (once->members != twice->members || once->user_ids != twice->user_ids ||
                 once->device_ids != twice->device_ids || once->aliases != twice->aliases))
        std::abort();
    if (!open_world && twice && twice->members > 3) std::abort();  // the store has three users
}

void fuzz_naming(std::string_view body) {
    const auto checked = emu::check_naming_request(body, "treasuredata", kSettings);
    if (const auto* request = std::get_if<emu::NamingRequest>(&checked)) {
        if (request->name.empty() || !emu::is_iso8601_time(request->created_at)) std::abort();
        emu::CohortBook book;
        book.name(*request);
        if (!book.view(request->cohort_id, emu::UserDirectory::open_world())) std::abort();
    }
}

void fuzz_currents(std::string_view body, bool with_token) {
    const std::optional<std::string> token = with_token ? std::optional<std::string>("t") : std::nullopt;
    const emu::CurrentsRequest request{body, false, with_token ? "Bearer t" : ""};
    const auto verdict = emu::receive_currents(request, token, 1'764'000'000);
    const auto answer = nlohmann::json::parse(verdict.body, nullptr, false);
    if (answer.is_discarded() || !answer.is_object()) std::abort();
    if (verdict.outcome == emu::CurrentsVerdict::Outcome::Accepted && verdict.event_ids.size() > verdict.events)
        std::abort();
}

void fuzz_postback(std::string_view body, bool with_key) {
    const std::optional<std::string> key = with_key ? std::optional<std::string>("k") : std::nullopt;
    const emu::PostbackRequest request{"db", "tbl", "k", "", body, false};
    const auto verdict = emu::receive_postback(request, key, 1'764'000'000);
    const auto answer = nlohmann::json::parse(verdict.body, nullptr, false);
    if (answer.is_discarded() || !answer.is_object()) std::abort();
    if (verdict.outcome != emu::PostbackVerdict::Outcome::Stored) {
        if (!verdict.row.empty() || verdict.status < 400) std::abort();
        return;
    }
    const auto row = nlohmann::json::parse(verdict.row, nullptr, false);
    const auto sent = nlohmann::json::parse(body, nullptr, false);
    if (row.is_discarded() || !row.is_object() || !row.contains("time") || !row["time"].is_number()) std::abort();
    if (sent.is_discarded() || !sent.is_object()) std::abort();
    if (row.size() != sent.size() + (sent.contains("time") ? 0 : 1)) std::abort();
    for (const auto& [column, value] : sent.items()) {
        if (column == "time") continue;
        const auto& stored = row.at(column);
        if (!value.is_structured() && stored != value) std::abort();
        if (value.is_structured() && (!stored.is_string() || nlohmann::json::parse(stored.get<std::string>()) != value))
            std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 9) {
        case 0: fuzz_naming(body); break;
        case 1: fuzz_membership(body, false); break;
        case 2: fuzz_membership(body, true); break;
        case 3: fuzz_currents(body, false); break;
        case 4: fuzz_currents(body, true); break;
        case 5: {
            const auto spec = emu::parse_fault_spec(body);
            if (spec.ok() == !spec.error.empty()) std::abort();
            if (spec.ok()) {
                emu::FaultInjector injector(*spec.value, 7);
                for (int i = 0; i < 4; ++i) injector.decide();
            }
            break;
        }
        case 6: {
            const auto directory = emu::UserDirectory::from_json_lines(body);
            if (directory.ok() == !directory.error.empty()) std::abort();
            break;
        }
        case 7: fuzz_postback(body, false); break;
        case 8: fuzz_postback(body, true); break;
    }
    return 0;
}
