// Packing identifiers into Braze membership requests, and the exact bytes of each body.
#include <utility>

#include "json_text.hpp"
#include "tdbraze/cohort.hpp"

namespace tdbraze::cohort {

std::string identifier_key(IdentifierType type, std::string_view alias_label, std::string_view value) {
    std::string key;
    key.reserve(value.size() + alias_label.size() + 2);
    key += type == IdentifierType::UserId ? 'u' : type == IdentifierType::DeviceId ? 'd' : 'a';
    if (type == IdentifierType::Alias) {
        key += alias_label;
        key += '\0';
    }
    key += value;
    return key;
}

IdentifierParts split_identifier_key(std::string_view key) {
    if (!key.empty() && key[0] == 'a') {
        const std::size_t nul = key.find('\0');
        return {IdentifierType::Alias, key.substr(1, nul - 1), key.substr(nul + 1)};
    }
    return {!key.empty() && key[0] == 'd' ? IdentifierType::DeviceId : IdentifierType::UserId, {}, key.substr(1)};
}

struct RequestBatcher::Impl {
    const Settings settings;
    const Operation operation;
    std::vector<std::string> users, devices;
    std::vector<std::pair<std::string, std::string>> aliases;  // (label, name)
    std::size_t n = 0;  // identifiers in the request being filled
    std::size_t bytes = 0;
    std::uint64_t finished = 0;
    std::vector<PlannedRequest> ready;

    Impl(const Settings& s, Operation op) : settings(s), operation(op) { bytes = overhead(); }

    std::string prefix() const {
        std::string body = "{\"partner_api_key\":";
        append_json_string(body, kPartnerApiKeyPlaceholder);
        body += ",\"client_secret\":";
        append_json_string(body, kClientSecretPlaceholder);
        body += ",\"cohort_id\":";
        append_json_string(body, settings.cohort_id);
        return body;
    }
    // Everything of a membership body but the identifiers, with room to spare.
    std::size_t overhead() const { return prefix().size() + 96; }
    void flush() {
        if (n == 0) return;
        PlannedRequest r;
        r.path = "/partners/" + settings.partner + "/cohorts/users";
        r.ids = n;
        std::string& b = r.body;
        b.reserve(bytes + 64);
        b = prefix();
        b += ",\"cohort_changes\":[{";
        bool first = true;
        auto list = [&](const char* name, const std::vector<std::string>& values) {
            if (values.empty()) return;
            b += first ? "\"" : ",\"";
            first = false;
            b += name;
            b += "\":[";
            for (std::size_t i = 0; i < values.size(); ++i) {
                if (i) b += ',';
                append_json_string(b, values[i]);
            }
            b += ']';
        };
        list("user_ids", users);
        list("device_ids", devices);
        if (!aliases.empty()) {
            b += first ? "\"aliases\":[" : ",\"aliases\":[";
            first = false;
            for (std::size_t i = 0; i < aliases.size(); ++i) {
                b += i ? ",{\"alias_name\":" : "{\"alias_name\":";
                append_json_string(b, aliases[i].second);
                b += ",\"alias_label\":";
                append_json_string(b, aliases[i].first);
                b += '}';
            }
            b += ']';
        }
        b += first ? "\"should_remove\":" : ",\"should_remove\":";
        b += operation == Operation::Remove ? "true" : "false";
        b += "}]}";
        // Body order: user ids, then device ids, then aliases; the keys follow the same order.
        r.keys.reserve(n);
        for (const auto& u : users) r.keys.push_back(identifier_key(IdentifierType::UserId, {}, u));
        for (const auto& d : devices) r.keys.push_back(identifier_key(IdentifierType::DeviceId, {}, d));
        for (const auto& a : aliases) r.keys.push_back(identifier_key(IdentifierType::Alias, a.first, a.second));
        ready.push_back(std::move(r));
        ++finished;
        users.clear();
        devices.clear();
        aliases.clear();
        n = 0;
        bytes = overhead();
    }

    bool add(IdentifierType type, std::string_view label, std::string_view value) {
        std::size_t cost = json_string_size(value) + 1;
        if (type == IdentifierType::Alias) cost += json_string_size(label) + 32;
        if (overhead() + cost > kMaxBodyBytes) return false;
        if (n > 0 && (n >= static_cast<std::size_t>(settings.max_ids_per_request) || bytes + cost > kMaxBodyBytes))
            flush();
        switch (type) {
            case IdentifierType::UserId: users.emplace_back(value); break;
            case IdentifierType::DeviceId: devices.emplace_back(value); break;
            case IdentifierType::Alias: aliases.emplace_back(std::string(label), std::string(value)); break;
        }
        ++n;
        bytes += cost;
        return true;
    }
};

RequestBatcher::RequestBatcher(const Settings& settings, Operation operation)
    : impl_(std::make_unique<Impl>(settings, operation)) {}
RequestBatcher::~RequestBatcher() = default;
RequestBatcher::RequestBatcher(RequestBatcher&&) noexcept = default;
RequestBatcher& RequestBatcher::operator=(RequestBatcher&&) noexcept = default;

bool RequestBatcher::add(IdentifierType type, std::string_view alias_label, std::string_view value) {
    return impl_->add(type, alias_label, value);
}
void RequestBatcher::flush() { impl_->flush(); }
std::vector<PlannedRequest> RequestBatcher::take() { return std::exchange(impl_->ready, {}); }
std::uint64_t RequestBatcher::requests() const { return impl_->finished; }

PlannedRequest RequestBatcher::naming_request() const {
    PlannedRequest r;
    r.path = "/partners/" + impl_->settings.partner + "/cohorts";
    r.body = impl_->prefix();
    r.body += ",\"name\":";
    append_json_string(r.body, impl_->settings.cohort_name.empty() ? impl_->settings.cohort_id : impl_->settings.cohort_name);
    r.body += ",\"created_at\":";
    append_json_string(r.body, impl_->settings.created_at);
    r.body += '}';
    return r;
}

}  // namespace tdbraze::cohort
