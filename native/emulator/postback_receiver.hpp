// A stand-in for Treasure Data's Postback API (shared/spec/treasure-data.md), the receiver Braze's Treasure
// Data connector posts Currents batches to: POST /postback/v3/event/{database}/{table}. It checks the write
// key, the two names, the size and that the body is a JSON object, then makes the row Treasure Data would
// store: the body's top-level members as columns, nested values as JSON text, and a `time` column. Pure: no
// HTTP, no state; BrazeEmulator keeps the rows it returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tdbraze::emulator {

struct PostbackVerdict {
    enum class Outcome : std::uint8_t { Stored, Forbidden, BadRequest, TooLarge };
    Outcome outcome = Outcome::Stored;
    int status = 200;
    std::string body;  // JSON: {} on success, {"message": ...} otherwise
    std::string row;  // Stored: the row as a compact JSON object of column -> value
};

struct PostbackRequest {
    std::string_view database;  // the path's {database} and {table}, URL-decoded
    std::string_view table;
    std::string_view header_key;  // X-TD-Write-Key; empty when absent
    std::string_view query_key;  // td_write_key; empty when absent
    std::string_view body;  // the whole body, unless too_large
    bool too_large = false;  // more than currents::kTdPostbackMaxBodyBytes arrived (and were not kept)
};

// write_key: the key a request must carry; unset accepts any key, but still none is refused. The header's key
// is the one checked when both are given. now_epoch_seconds is the `time` of a row whose body has no number
// there (Treasure Data's ingestion time).
PostbackVerdict receive_postback(const PostbackRequest& request, const std::optional<std::string>& write_key,
                                 std::int64_t now_epoch_seconds);

// Treasure Data's rule for database and table names: letters, digits and '_', at least one.
bool is_td_name(std::string_view name);

}  // namespace tdbraze::emulator
