// Where the partner API key and the data import key (client secret) come from, and how they are kept out of
// everything that is shown: logs, reports, state files, error messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "error.hpp"

namespace tdbraze::secrets {

struct Credentials {
    std::string partner_api_key;
    std::string client_secret;  // Braze's "data import key"
};

inline constexpr const char* kPartnerKeyVariable = "TDBRAZE_PARTNER_API_KEY";
inline constexpr const char* kClientSecretVariable = "TDBRAZE_CLIENT_SECRET";
inline constexpr const char* kTdWriteKeyVariable = "TDBRAZE_TD_WRITE_KEY";

// The default config file: $XDG_CONFIG_HOME/tdbraze/credentials.json (~/.config/... without XDG).
std::string default_config_path();

// Makes this process non-dumpable (prctl PR_SET_DUMPABLE 0): a crash writes no core file, and other processes
// of the same user cannot ptrace it or read its memory through /proc, so secrets held in memory stay there.
// Called by everything that loads a secret. Not under AddressSanitizer: its leak check must ptrace itself.
void keep_secrets_out_of_core_dumps();

// Environment variables first; then the config file {"partner_api_key": ..., "client_secret": ...}, which must
// belong to the user and be readable by nobody else (mode 0600 or stricter). On failure: a message that says
// what to do, never the secret.
std::variant<Credentials, std::string> load_credentials(const std::optional<std::string>& config_path);

// Treasure Data's write-only API key, for send currents to the Postback API: the environment variable first,
// then "td_write_key" in the same config file, under the same rules. A usage error says what to do.
Result<std::string> load_td_write_key(const std::optional<std::string>& config_path);

// Writes the config file with mode 0600 (created that way, never world-readable for a moment).
std::optional<std::string> save_credentials(const std::string& path, const Credentials& credentials);

// Replaces every occurrence of the secrets it knows with "<redacted>". Also catches the JSON-escaped form,
// since secrets travel inside JSON bodies and Braze's 401 message echoes the client secret.
class Redactor {
public:
    void add(std::string_view secret);
    std::string redact(std::string_view text) const;

private:
    std::vector<std::string> secrets_;
};

}  // namespace tdbraze::secrets
