// Treasure Data's Postback API as a Currents receiver: recognising its URL, checking the database and table
// names in it, and keeping the write key out of the URL (URLs end up in logs and shell history).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "error.hpp"

namespace tdbraze::sync {

struct PostbackUrl {
    std::string url;  // the URL to send to, without any td_write_key parameter
    std::string database;
    std::string table;
    std::string write_key_in_url;  // the key the URL carried (stripped from `url`), or empty
};

// True when the URL's path is /postback/v3/event/DATABASE/TABLE (the receiver is then Treasure Data's).
bool is_postback_url(std::string_view url);

// The parts of a Postback URL, or a usage error naming what is wrong (the path's shape, a database or table
// name with characters other than letters, digits and '_'). A write key in the URL is never in the message.
Result<PostbackUrl> parse_postback_url(std::string_view url);

}  // namespace tdbraze::sync
