// The Postback API receiver's decision for one request (see postback_receiver.hpp).
#include "postback_receiver.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <unordered_set>
#include <vector>

#include "partner_api.hpp"
#include "tdbraze/currents.hpp"

namespace tdbraze::emulator {

namespace {

using nlohmann::json;

// Treasure Data's nesting limit is not documented. The core's JSON reader stops at 128 levels, so every body
// `send currents` can read passes; the limit keeps a megabyte of '[' from costing a value per level here.
constexpr int kMaxNesting = 128;
struct TooDeep {};

// Treasure Data documents 400 and 403 but not their bodies: these messages are the emulator's own.
constexpr std::string_view kForbidden = "Missing or wrong write key (X-TD-Write-Key header or td_write_key parameter)";
constexpr std::string_view kBadDatabase = "Invalid database name: letters, digits and _ only";
constexpr std::string_view kBadTable = "Invalid table name: letters, digits and _ only";
constexpr std::string_view kTooLarge = "The request body is larger than 1,048,064 bytes";
constexpr std::string_view kNotJson = "The request body is not valid JSON";
constexpr std::string_view kTooDeep = "The request body nests more than 128 levels deep";
constexpr std::string_view kNotObject = "The request body must be a JSON object";
static_assert(currents::kTdPostbackMaxBodyBytes == 1'048'064, "kTooLarge names the limit");
static_assert(kMaxNesting == 128, "kTooDeep names the limit");

PostbackVerdict refuse(PostbackVerdict::Outcome outcome, int status, std::string_view message) {
    PostbackVerdict verdict;
    verdict.outcome = outcome;
    verdict.status = status;
    verdict.body = json{{"message", message}}.dump();
    return verdict;
}

// The row Treasure Data makes of a JSON object: one column per member, in the body's order, nested values as
// their JSON text, and `time` kept when it is a number, else the ingestion time (added last when absent).
std::string row_of(const json& body, const std::vector<std::string>& columns, std::int64_t now_epoch_seconds) {
    std::string row = "{";
    bool has_time = false;
    for (const std::string& column : columns) {
        const json& value = body.at(column);
        if (row.size() > 1) row += ',';
        row += json(column).dump();
        row += ':';
        if (column == "time") {
            has_time = true;
            row += value.is_number() ? value.dump() : std::to_string(now_epoch_seconds);
        } else {
            row += value.is_structured() ? json(value.dump()).dump() : value.dump();
        }
    }
    if (!has_time) row += std::string(row.size() > 1 ? "," : "") + R"("time":)" + std::to_string(now_epoch_seconds);
    row += '}';
    // The emulator keeps the row until a reset: the capacity left over from growing it would be up to as much
    // again.
    row.shrink_to_fit();
    return row;
}

}  // namespace

bool is_td_name(std::string_view name) {
    if (name.empty()) return false;
    for (const char c : name) {
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!letter && !(c >= '0' && c <= '9') && c != '_') return false;
    }
    return true;
}

PostbackVerdict receive_postback(const PostbackRequest& request, const std::optional<std::string>& write_key,
                                 std::int64_t now_epoch_seconds) {
    using Outcome = PostbackVerdict::Outcome;
    // The key first, as the partner endpoints do: a caller without one learns nothing about its request.
    const std::string_view key = request.header_key.empty() ? request.query_key : request.header_key;
    if (key.empty() || (write_key && !same_secret(key, *write_key))) return refuse(Outcome::Forbidden, 403, kForbidden);
    if (!is_td_name(request.database)) return refuse(Outcome::BadRequest, 400, kBadDatabase);
    if (!is_td_name(request.table)) return refuse(Outcome::BadRequest, 400, kBadTable);
    if (request.too_large || request.body.size() > currents::kTdPostbackMaxBodyBytes)
        return refuse(Outcome::TooLarge, 413, kTooLarge);

    // A std::map object (ordered_json looks every key up linearly: a body of 90,000 members took 13 s);
    // the callback notes the top-level members' order, for the row's columns.
    std::vector<std::string> columns;
    std::unordered_set<std::string> seen;
    const auto note_columns = [&](int depth, json::parse_event_t event, json& parsed) {
        // depth counts the containers around this event: a container opened at depth 128 is level 129.
        const bool opens = event == json::parse_event_t::object_start || event == json::parse_event_t::array_start;
        if (opens && depth >= kMaxNesting) throw TooDeep{};
        if (event == json::parse_event_t::key && depth == 1 && seen.insert(parsed.get<std::string>()).second)
            columns.push_back(parsed.get<std::string>());
        return true;
    };
    json body;
    try {
        body = json::parse(request.body, note_columns, /*allow_exceptions=*/false);
    } catch (const TooDeep&) {
        return refuse(Outcome::BadRequest, 400, kTooDeep);
    }
    if (body.is_discarded()) return refuse(Outcome::BadRequest, 400, kNotJson);
    if (!body.is_object()) return refuse(Outcome::BadRequest, 400, kNotObject);

    PostbackVerdict verdict;
    verdict.row = row_of(body, columns, now_epoch_seconds);
    // What Treasure Data answers on success is not documented (only the status): an empty object says enough.
    verdict.body = "{}";
    return verdict;
}

}  // namespace tdbraze::emulator
