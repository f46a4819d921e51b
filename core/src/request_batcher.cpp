// Packing identifiers into Braze membership requests, and the exact bytes of each body.
#include <utility>

#include "json_text.hpp"
#include "tdbraze/cohort.hpp"

namespace tdbraze::cohort {

struct RequestBatcher::Impl {
    const Settings settings;
    const Operation operation;
    const bool bodies;  // false: count requests only (validation needs the count, not the bytes)
    const bool keys;  // each request's identifier keys too
    const std::string prefix;  // the body up to the identifiers: the same for every request
    const std::size_t overhead;  // everything of a membership body but the identifiers, with room to spare
    // The identifiers of the request being filled, already written as the JSON of their three lists (without
    // the brackets), in buffers reused from request to request: closing a request is then a few appends. One
    // allocation per identifier was a tenth of a ten-million-row plan's time, and keeping each value to write
    // it out later, a second copy of every byte.
    std::string users, devices, aliases;
    IdentifierKeys user_keys, device_keys, alias_keys;  // with keys: each list's, in its order
    std::size_t n = 0;  // identifiers in the request being filled
    std::size_t bytes = 0;
    std::uint64_t finished = 0;
    std::size_t largest_cost = 0;  // of any identifier added
    bool refused = false;  // an identifier did not fit in a request on its own
    std::vector<PlannedRequest> ready;

    Impl(const Settings& s, Operation op, BatchOutput output)
        : settings(s),
          operation(op),
          bodies(output != BatchOutput::Count),
          keys(output == BatchOutput::BodiesAndKeys),
          prefix(make_prefix(s)),
          overhead(prefix.size() + 96) {
        bytes = overhead;
    }

    static std::string make_prefix(const Settings& s) {
        std::string body = "{\"partner_api_key\":";
        append_json_string(body, kPartnerApiKeyPlaceholder);
        body += ",\"client_secret\":";
        append_json_string(body, kClientSecretPlaceholder);
        body += ",\"cohort_id\":";
        append_json_string(body, s.cohort_id);
        return body;
    }

    void flush() {
        if (n == 0) return;
        if (bodies) ready.push_back(build());
        ++finished;
        users.clear();
        devices.clear();
        aliases.clear();
        n = 0;
        bytes = overhead;
    }

    PlannedRequest build() {
        PlannedRequest r;
        r.path = "/partners/" + settings.partner + "/cohorts/users";
        r.ids = n;
        std::string& b = r.body;
        b.reserve(bytes + 64);
        b = prefix;
        b += ",\"cohort_changes\":[{";
        bool first = true;
        auto list = [&](const char* name, const std::string& json) {
            if (json.empty()) return;
            b += first ? "\"" : ",\"";
            first = false;
            b += name;
            b += "\":[";
            b += json;
            b += ']';
        };
        list("user_ids", users);
        list("device_ids", devices);
        list("aliases", aliases);
        b += first ? "\"should_remove\":" : ",\"should_remove\":";
        b += operation == Operation::Remove ? "true" : "false";
        b += "}]}";
        if (keys) {
            // Body order: user ids, then device ids, then aliases; the keys follow the same order.
            r.keys = std::move(user_keys);
            r.keys.append(device_keys);
            r.keys.append(alias_keys);
            user_keys = {};
            device_keys.clear();
            alias_keys.clear();
        }
        return r;
    }

    // `value` as a JSON string; `plain` when add() found nothing in it to escape (nearly always): then copied.
    static void append_value(std::string& out, std::string_view value, bool plain) {
        if (!plain) return append_json_string(out, value);
        out += '"';
        out += value;
        out += '"';
    }

    bool add(IdentifierType type, std::string_view label, std::string_view value, ValueEscapes escapes) {
        const std::size_t value_cost = escapes == ValueEscapes::None ? value.size() + 2 : json_string_size(value);
        std::size_t cost = value_cost + 1;
        if (type == IdentifierType::Alias) cost += json_string_size(label) + 32;
        if (overhead + cost > kMaxBodyBytes) {
            refused = true;
            return false;
        }
        if (cost > largest_cost) largest_cost = cost;
        if (n > 0 && (n >= static_cast<std::size_t>(settings.max_ids_per_request) || bytes + cost > kMaxBodyBytes))
            flush();
        if (bodies) {
            const bool plain = value_cost == value.size() + 2;
            std::string& list = type == IdentifierType::UserId     ? users
                                : type == IdentifierType::DeviceId ? devices
                                                                   : aliases;
            if (!list.empty()) list += ',';
            if (type == IdentifierType::Alias) {
                list += "{\"alias_name\":";
                append_value(list, value, plain);
                list += ",\"alias_label\":";
                append_json_string(list, label);
                list += '}';
            } else {
                append_value(list, value, plain);
            }
            if (keys)
                (type == IdentifierType::UserId     ? user_keys
                 : type == IdentifierType::DeviceId ? device_keys
                                                    : alias_keys)
                    .push_back(type, label, value);
        }
        ++n;
        bytes += cost;
        return true;
    }
};

RequestBatcher::RequestBatcher(const Settings& settings, Operation operation, BatchOutput output)
    : impl_(std::make_unique<Impl>(settings, operation, output)) {}
RequestBatcher::~RequestBatcher() = default;
RequestBatcher::RequestBatcher(RequestBatcher&&) noexcept = default;
RequestBatcher& RequestBatcher::operator=(RequestBatcher&&) noexcept = default;

bool RequestBatcher::add(IdentifierType type, std::string_view alias_label, std::string_view value,
                         ValueEscapes escapes) {
    return impl_->add(type, alias_label, value, escapes);
}
void RequestBatcher::flush() { impl_->flush(); }
std::vector<PlannedRequest> RequestBatcher::take() { return std::exchange(impl_->ready, {}); }
std::uint64_t RequestBatcher::requests() const { return impl_->finished; }

std::optional<std::uint64_t> RequestBatcher::requests_for(std::uint64_t identifiers) const {
    const auto per_request = static_cast<std::uint64_t>(impl_->settings.max_ids_per_request);
    // A body is closed early only when the next identifier would take it past the limit; with every
    // identifier at most largest_cost, a full request stays within it, so requests close only when full.
    if (per_request == 0 || impl_->refused || impl_->overhead + per_request * impl_->largest_cost > kMaxBodyBytes)
        return std::nullopt;
    return (identifiers + per_request - 1) / per_request;
}

PlannedRequest RequestBatcher::naming_request() const {
    PlannedRequest r;
    r.path = "/partners/" + impl_->settings.partner + "/cohorts";
    r.body = impl_->prefix;
    r.body += ",\"name\":";
    append_json_string(r.body,
                       impl_->settings.cohort_name.empty() ? impl_->settings.cohort_id : impl_->settings.cohort_name);
    r.body += ",\"created_at\":";
    append_json_string(r.body, impl_->settings.created_at);
    r.body += '}';
    return r;
}

}  // namespace tdbraze::cohort
