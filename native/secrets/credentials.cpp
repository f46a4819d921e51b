#include "credentials.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "output_file.hpp"

namespace tdbraze::secrets {

std::string default_config_path() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0')
        return std::string(xdg) + "/tdbraze/credentials.json";
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/.config/tdbraze/credentials.json";
}

void keep_secrets_out_of_core_dumps() {
#if !defined(__SANITIZE_ADDRESS__)
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

namespace {

// The config file as JSON, after the checks every secret read from it needs: it belongs to the user and nobody
// else can read it. `missing` is the message when the default file does not exist.
std::variant<nlohmann::json, std::string> read_config_file(const std::optional<std::string>& config_path,
                                                           const std::string& missing, const std::string& example) {
    const std::string path = config_path.value_or(default_config_path());
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (const int error = errno; config_path || error != ENOENT)
            return "cannot read the credentials file '" + path + "': " + system_reason(error);
        return missing + " (mode 0600) " + path + "; secrets are never taken from the command line";
    }
    if ((st.st_mode & 077) != 0)
        return "the credentials file '" + path + "' is readable by others (mode " +
               std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
               std::to_string(st.st_mode & 7) + "); run: chmod 600 '" + path + "'";
    if (st.st_uid != ::getuid()) return "the credentials file '" + path + "' belongs to another user";
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    auto j = nlohmann::json::parse(text.str(), nullptr, false);
    if (!j.is_object()) return "the credentials file '" + path + "' is not a JSON object like " + example;
    return j;
}

}  // namespace

std::variant<Credentials, std::string> load_credentials(const std::optional<std::string>& config_path) {
    keep_secrets_out_of_core_dumps();
    Credentials c;
    if (const char* v = std::getenv(kPartnerKeyVariable)) c.partner_api_key = v;
    if (const char* v = std::getenv(kClientSecretVariable)) c.client_secret = v;
    if (!c.partner_api_key.empty() && !c.client_secret.empty()) return c;
    auto file =
        read_config_file(config_path,
                         std::string("no credentials: set ") + kPartnerKeyVariable + " and " + kClientSecretVariable +
                             " (the partner API key and the data import key), or write them to",
                         R"({"partner_api_key": "...", "client_secret": "..."})");
    if (auto* error = std::get_if<std::string>(&file)) return *error;
    const auto& j = std::get<nlohmann::json>(file);
    if (c.partner_api_key.empty()) c.partner_api_key = j.value("partner_api_key", "");
    if (c.client_secret.empty()) c.client_secret = j.value("client_secret", "");
    if (c.partner_api_key.empty() || c.client_secret.empty())
        return "the credentials file '" + config_path.value_or(default_config_path()) +
               "' lacks partner_api_key or client_secret";
    return c;
}

Result<std::string> load_td_write_key(const std::optional<std::string>& config_path) {
    keep_secrets_out_of_core_dumps();
    if (const char* v = std::getenv(kTdWriteKeyVariable); v != nullptr && *v != '\0') return std::string(v);
    auto file = read_config_file(config_path,
                                 std::string("no Treasure Data write key: set ") + kTdWriteKeyVariable +
                                     ", or write {\"td_write_key\": \"...\"} to",
                                 R"({"td_write_key": "..."})");
    if (auto* error = std::get_if<std::string>(&file)) return fail(ErrorCode::Usage, *error);
    std::string key = std::get<nlohmann::json>(file).value("td_write_key", "");
    if (key.empty())
        return fail(ErrorCode::Usage, "the credentials file '" + config_path.value_or(default_config_path()) +
                                          "' has no td_write_key (and " + kTdWriteKeyVariable + " is not set)");
    return key;
}

std::optional<std::string> save_credentials(const std::string& path, const Credentials& credentials) {
    const std::string text =
        nlohmann::json{{"partner_api_key", credentials.partner_api_key}, {"client_secret", credentials.client_secret}}
            .dump(2) +
        "\n";
    // Never truncated in place: a full disk would leave the user with no keys at all.
    if (const Status saved = files::replace_file(path, text, 0600); !saved) return saved.error().message;
    return std::nullopt;
}

void Redactor::add(std::string_view secret) {
    if (secret.size() < 4) return;  // too short to tell apart from ordinary text; never that short in practice
    secrets_.emplace_back(secret);
    const std::string escaped = nlohmann::json(std::string(secret)).dump();  // quotes included
    if (escaped.substr(1, escaped.size() - 2) != secret) secrets_.push_back(escaped.substr(1, escaped.size() - 2));
}

std::string Redactor::redact(std::string_view text) const {
    std::string out(text);
    for (const std::string& s : secrets_) {
        for (std::size_t at = out.find(s); at != std::string::npos; at = out.find(s, at + 10))
            out.replace(at, s.size(), "<redacted>");
    }
    return out;
}

}  // namespace tdbraze::secrets
