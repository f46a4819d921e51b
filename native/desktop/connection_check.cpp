#include "connection_check.hpp"

#include <nlohmann/json.hpp>

#include "retry_policy.hpp"

namespace tdbraze::desktop {

ConnectionCheck check_connection(const std::string& endpoint, const std::string& partner, const std::string& cohort_id,
                                 const secrets::Credentials& credentials, const transport::HttpOptions& http) {
    ConnectionCheck check;
    std::string base = endpoint;
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (auto problem = transport::check_url(base)) {
        check.message = *problem;
        return check;
    }
    if (credentials.partner_api_key.empty() || credentials.client_secret.empty()) {
        check.message = "Enter the partner API key and the data import key first.";
        return check;
    }
    secrets::Redactor redactor;
    redactor.add(credentials.partner_api_key);
    redactor.add(credentials.client_secret);

    const std::string body = nlohmann::json{{"partner_api_key", credentials.partner_api_key},
                                            {"client_secret", credentials.client_secret},
                                            {"cohort_id", cohort_id},
                                            {"cohort_changes", nlohmann::json::array()}}
                                 .dump();
    transport::HttpClient client(http);
    const transport::HttpResponse response = client.post(base + "/partners/" + partner + "/cohorts/users", body, {});
    check.status = response.status;
    if (!response.network_error.empty()) {
        check.message = "No answer from " + base + ": " + redactor.redact(response.network_error) +
                        ". Check the endpoint, your network and proxy settings.";
        return check;
    }
    if (response.ok()) {
        check.works = true;
        check.message = "The connection works: " + base + " accepted the keys for partner '" + partner + "' (HTTP " +
                        std::to_string(response.status) + ").";
        return check;
    }
    const std::string said = redactor.redact(response.body);
    if (sync::classify(response.status, false) == sync::Verdict::Retry) {
        check.message = "Braze is busy or unavailable (HTTP " + std::to_string(response.status) +
                        "), so the keys could not be checked. Try again in a minute." +
                        (said.empty() ? "" : " Braze said: " + said);
        return check;
    }
    check.message = sync::explain_stop(response.status, said, base);
    return check;
}

}  // namespace tdbraze::desktop
