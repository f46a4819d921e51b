// The Currents receiver's decision for one request (see currents_receiver.hpp).
#include "currents_receiver.hpp"

#include <nlohmann/json.hpp>

#include "partner_api.hpp"
#include "tdbraze/currents.hpp"
#include "tdbraze/report_json.hpp"

namespace tdbraze::emulator {

static_assert(kMaxCurrentsBodyBytes == currents::kMaxRequestBytes);

namespace {

using ordered = nlohmann::ordered_json;

// The report in a 400 answer lists this many diagnostics (all are counted): enough to see what is wrong.
constexpr std::uint64_t kDiagnosticsInAnswer = 20;

bool is_bearer(std::string_view authorization, std::string_view token) {
    // The scheme name is case-insensitive (RFC 6750 via RFC 7235); the token is not.
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() != kScheme.size() + token.size()) return false;
    for (std::size_t i = 0; i < kScheme.size(); ++i)
        if ((authorization[i] | 0x20) != kScheme[i]) return false;
    return same_secret(authorization.substr(kScheme.size()), token);
}

void collect_ids(const ordered& value, std::vector<std::string>& ids) {
    if (value.is_object() && value.contains("events")) {
        collect_ids(value["events"], ids);
    } else if (value.is_array()) {
        for (const ordered& event : value) collect_ids(event, ids);
    } else if (value.is_object()) {
        const auto id = value.find("id");
        if (id != value.end() && id->is_string()) ids.push_back(id->get<std::string>());
    }
}

// The ids of a payload the validator accepted: one envelope, or JSON Lines of envelopes, or (warned but not
// an error) a bare event.
std::vector<std::string> event_ids(std::string_view body) {
    std::vector<std::string> ids;
    ordered whole = ordered::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!whole.is_discarded()) {
        collect_ids(whole, ids);
        return ids;
    }
    while (!body.empty()) {
        const std::size_t end = body.find('\n');
        const ordered line = ordered::parse(body.substr(0, end), nullptr, false);
        if (!line.is_discarded()) collect_ids(line, ids);
        body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
    }
    return ids;
}

std::string message_body(std::string_view text) { return ordered{{"message", text}}.dump(); }

}  // namespace

CurrentsVerdict receive_currents(const CurrentsRequest& request, const std::optional<std::string>& token,
                                 std::int64_t now_epoch_seconds) {
    CurrentsVerdict verdict;
    if (token && !is_bearer(request.authorization, *token)) {
        verdict.outcome = CurrentsVerdict::Outcome::Unauthorized;
        verdict.status = 401;
        verdict.body = message_body("Missing or wrong bearer token");
        return verdict;
    }
    if (request.too_large || request.body.size() > kMaxCurrentsBodyBytes) {
        verdict.outcome = CurrentsVerdict::Outcome::TooLarge;
        verdict.status = 413;
        verdict.body = message_body("The request body is larger than 1 MiB: split the batch");
        return verdict;
    }

    currents::Options options;
    options.now_epoch_seconds = now_epoch_seconds;
    options.max_diagnostics = kDiagnosticsInAnswer;
    const currents::Report report = currents::validate(request.body, options, "request");
    verdict.events = report.summary.events;
    if (!report.ok()) {
        verdict.outcome = CurrentsVerdict::Outcome::Rejected;
        verdict.status = 400;
        const std::uint64_t errors = report.summary.errors;
        ordered answer;
        answer["message"] = "The payload has " + std::to_string(errors) + (errors == 1 ? " error" : " errors");
        answer["report"] = ordered::parse(to_json(report));
        verdict.body = answer.dump();
        return verdict;
    }
    verdict.event_ids = event_ids(request.body);
    ordered answer;
    answer["message"] = "success";
    answer["events"] = report.summary.events;
    answer["warnings"] = report.summary.warnings;
    verdict.body = answer.dump();
    return verdict;
}

}  // namespace tdbraze::emulator
