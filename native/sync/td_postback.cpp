// Treasure Data's Postback URL (td_postback.hpp).
#include "td_postback.hpp"

#include <vector>

namespace tdbraze::sync {
namespace {

constexpr std::string_view kPrefix = "/postback/v3/event/";
constexpr std::string_view kKeyParameter = "td_write_key";

struct Split {
    std::string_view before_path;  // scheme://host[:port]
    std::string_view path;
    std::string_view query;  // without '?'
};

Split split_url(std::string_view url) {
    Split s;
    const std::size_t scheme = url.find("://");
    const std::size_t host = scheme == std::string_view::npos ? 0 : scheme + 3;
    std::size_t path = url.find_first_of("/?#", host);
    if (path == std::string_view::npos) path = url.size();
    s.before_path = url.substr(0, path);
    std::size_t query = url.find_first_of("?#", path);
    if (query == std::string_view::npos) query = url.size();
    s.path = url.substr(path, query - path);
    if (query < url.size() && url[query] == '?') {
        const std::size_t fragment = url.find('#', query);
        s.query = url.substr(query + 1, (fragment == std::string_view::npos ? url.size() : fragment) - query - 1);
    }
    return s;
}

bool is_name(std::string_view name) {
    if (name.empty()) return false;
    for (const char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

}  // namespace

bool is_postback_url(std::string_view url) { return split_url(url).path.starts_with(kPrefix); }

Result<PostbackUrl> parse_postback_url(std::string_view url) {
    const Split s = split_url(url);
    if (!s.path.starts_with(kPrefix))
        return fail(ErrorCode::Usage,
                    "a Treasure Data Postback URL has the path /postback/v3/event/DATABASE/TABLE, "
                    "e.g. https://in.treasuredata.com/postback/v3/event/braze/currents");
    std::string_view rest = s.path.substr(kPrefix.size());
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    const std::size_t slash = rest.find('/');
    PostbackUrl out;
    if (slash == std::string_view::npos || rest.find('/', slash + 1) != std::string_view::npos)
        return fail(ErrorCode::Usage,
                    "the Postback URL's path must end in /DATABASE/TABLE (got '" + std::string(s.path) + "')");
    out.database = std::string(rest.substr(0, slash));
    out.table = std::string(rest.substr(slash + 1));
    for (const auto& [what, name] : {std::pair{"database", &out.database}, std::pair{"table", &out.table}})
        if (!is_name(*name))
            return fail(ErrorCode::Usage, std::string("the Postback URL's ") + what + " name '" + *name +
                                              "' is not valid: Treasure Data names hold only letters, digits and '_'");
    // Keep every query parameter but the key.
    std::string query;
    std::string_view q = s.query;
    while (!q.empty()) {
        const std::size_t amp = q.find('&');
        const std::string_view param = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
        const std::size_t eq = param.find('=');
        if (param.substr(0, eq) == kKeyParameter) {
            if (eq != std::string_view::npos) out.write_key_in_url = std::string(param.substr(eq + 1));
            continue;
        }
        if (param.empty()) continue;
        query += query.empty() ? "?" : "&";
        query += param;
    }
    out.url = std::string(s.before_path) + std::string(s.path) + query;
    return out;
}

}  // namespace tdbraze::sync
