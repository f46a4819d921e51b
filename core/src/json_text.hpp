// Writing JSON strings into a buffer.
//
// Why not nlohmann::json here: request bodies hold up to a thousand identifiers each, ten thousand bodies
// for a large table; building a json value per identifier and dumping it doubles the allocations of
// planning. This appends the escaped text straight into the body being built.
#pragma once

#include <string>
#include <string_view>

namespace tdbraze {

// Appends `s` as a JSON string literal (quotes included). `s` must be valid UTF-8.
inline void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // start of the current stretch that needs no escaping
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 15];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

// Bytes append_json_string would write for `s`.
inline std::size_t json_string_size(std::string_view s) {
    std::size_t n = s.size() + 2;
    for (unsigned char c : s) {
        if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') n += 1;
        else if (c < 0x20) n += 5;
    }
    return n;
}

}  // namespace tdbraze
