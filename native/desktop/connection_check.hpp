// "Test connection": one harmless call that tells whether the endpoint, the partner name and the two keys
// work together, before a sync is started with them.
#pragma once

#include <string>

#include "credentials.hpp"
#include "http_client.hpp"

namespace tdbraze::desktop {

struct ConnectionCheck {
    bool works = false;
    long status = 0;  // HTTP status; 0 when no answer arrived
    std::string message;  // for a person; secrets redacted
};

// POSTs an empty membership change (cohort_changes: []) to {endpoint}/partners/{partner}/cohorts/users.
// Braze checks the keys and the partner before it looks at the changes, so a 2xx means all of them are
// right, and an empty list changes no cohort. `cohort_id` is required by Braze; any id will do.
ConnectionCheck check_connection(const std::string& endpoint, const std::string& partner, const std::string& cohort_id,
                                 const secrets::Credentials& credentials, const transport::HttpOptions& http = {});

}  // namespace tdbraze::desktop
