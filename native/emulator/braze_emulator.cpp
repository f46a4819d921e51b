// The HTTP glue of the emulator: routes, the gate every partner, Currents and Postback request passes (count,
// rate limit, fault), the Postback rows, and the JSON of the test hooks. The decisions themselves live in
// partner_api, cohort_state, faults, rate_limit, currents_receiver and postback_receiver.
#include "braze_emulator.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include "bind_failure.hpp"
#include "currents_receiver.hpp"
#include "postback_receiver.hpp"
#include "tdbraze/cohort.hpp"
#include "tdbraze/currents.hpp"
#include "tdbraze/id_set.hpp"

namespace tdbraze::emulator {

void read_secrets_from_environment(EmulatorConfig& config) {
    const auto set_from = [](const char* variable, auto& target) {
        const char* value = std::getenv(variable);
        if (value != nullptr && *value != '\0') target = std::string(value);
    };
    set_from(kPartnerApiKeyVariable, config.partner.partner_api_key);
    set_from(kClientSecretVariable, config.partner.client_secret);
    set_from(kCurrentsTokenVariable, config.currents_token);
    set_from(kTdWriteKeyVariable, config.td_write_key);
}

namespace {

using ordered = nlohmann::ordered_json;

constexpr std::string_view kJson = "application/json";
constexpr std::size_t kMaxDistinctPaths = 1000;  // beyond this, by_path counts the rest together
constexpr std::string_view kOtherPaths = "(other paths)";
// Only a client that goes away mid-body gets this, so it hardly matters what it says.
constexpr std::string_view kUnreadableBody = "The request body could not be read";

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The body of a request, up to `limit` bytes. The rest is read and thrown away so that the client can
// finish sending and then read the 413, instead of failing on a reset connection.
struct Body {
    std::string text;
    bool too_large = false;
    bool complete = true;  // false: the client went away mid-body
};

Body read_body(const httplib::ContentReader& reader, std::size_t limit) {
    Body body;
    body.complete = reader([&](const char* data, std::size_t length) {
        if (!body.too_large && body.text.size() + length <= limit) {
            body.text.append(data, length);
        } else if (!body.too_large) {
            body.too_large = true;
            std::string().swap(body.text);
        }
        return true;
    });
    return body;
}

void answer(httplib::Response& res, int status, std::string body) {
    res.status = status;
    res.set_content(body, std::string(kJson));
}

std::string message_json(std::string_view text) { return ordered{{"message", text}}.dump(); }

// Messages of injected statuses: 423 and 429 as the emulator answers them anyway, the rest the usual reason
// phrases (Braze's bodies for them are not documented).
std::string_view fault_message(int status) {
    switch (status) {
        case 423: return "Resource locked";
        case 429: return message::kRateLimited;
        case 500: return "Internal Server Error";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "Injected fault";
    }
}

// Closes the connection after the status line and headers, before any byte of the promised body: the client
// sees a transport error, never a response. (cpp-httplib 0.11.4 aborts the connection when a content
// provider returns false; handlers have no other way to cut one.) For anybody who reads raw bytes, the
// status line tells the truth: 503 for drop_before (nothing applied), the real status for drop_after.
void drop_connection(httplib::Response& res, int status) {
    constexpr std::size_t kPromisedBytes = 64;
    res.status = status;
    res.set_header("Connection", "close");
    res.set_content_provider(kPromisedBytes, std::string(kJson),
                             [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
}

// Two unrelated 64-bit hashes of a body: remembering every applied membership body by its 128-bit digest
// tells a re-sent body from a new one without keeping megabytes of bodies.
struct BodyDigest {
    std::uint64_t fast = 0;
    std::uint64_t standard = 0;
    bool operator==(const BodyDigest&) const = default;
};

struct BodyDigestHash {
    std::size_t operator()(const BodyDigest& d) const { return static_cast<std::size_t>(d.fast ^ d.standard); }
};

BodyDigest digest(std::string_view body) { return {tdbraze::hash_bytes(body), std::hash<std::string_view>{}(body)}; }

ordered aliases_json(const std::vector<Alias>& aliases) {
    ordered out = ordered::array();
    for (const Alias& a : aliases) out.push_back({{"alias_label", a.label}, {"alias_name", a.name}});
    return out;
}

ordered cohort_json(const CohortView& view) {
    ordered out;
    out["cohort_id"] = view.cohort_id;
    out["name"] = view.name ? ordered(*view.name) : ordered();
    out["created_at"] = view.created_at ? ordered(*view.created_at) : ordered();
    out["member_count"] = view.members;
    out["members"] = {
        {"user_ids", view.user_ids}, {"device_ids", view.device_ids}, {"aliases", aliases_json(view.aliases)}};
    return out;
}

template <class Key>
ordered counts_json(const std::map<Key, std::uint64_t>& counts) {
    ordered out = ordered::object();
    for (const auto& [key, count] : counts) {
        if constexpr (std::is_same_v<Key, int>) out[std::to_string(key)] = count;
        else out[key] = count;
    }
    return out;
}

ordered stats_json(const Stats& s) {
    ordered out;
    out["requests_total"] = s.requests_total;
    out["by_status"] = counts_json(s.by_status);
    out["by_path"] = counts_json(s.by_path);
    out["naming_applied"] = s.naming_applied;
    out["membership_applied"] = s.membership_applied;
    out["members_added"] = s.members_added;
    out["members_removed"] = s.members_removed;
    out["unknown_identifiers"] = s.unknown_identifiers;
    out["ignored_device_ids"] = s.ignored_device_ids;
    out["duplicate_applied"] = s.duplicate_applied;
    out["rate_limited"] = s.rate_limited;
    out["faults"] = {{"statuses", counts_json(s.injected_statuses)},
                     {"drop_before", s.dropped_before},
                     {"drop_after", s.dropped_after}};
    return out;
}

ordered currents_json(const CurrentsStats& s) {
    ordered out;
    out["batches_accepted"] = s.batches_accepted;
    out["batches_rejected"] = s.batches_rejected;
    out["events_accepted"] = s.events_accepted;
    out["events_rejected"] = s.events_rejected;
    out["unauthorized"] = s.unauthorized;
    out["too_large"] = s.too_large;
    out["duplicate_event_ids"] = s.duplicate_event_ids;
    out["event_ids"] = s.event_ids;
    return out;
}

std::string_view unrouted_message(int status) {
    if (status == 404) return message::kNotFound;
    if (status == 413) return message::kBodyTooLarge;
    return status >= 500 ? "Internal Server Error" : "Bad request";
}

// Treasure Data names a table `database.table`; neither name can hold a '.', so the pair is one key.
std::string td_table_name(const std::string& database, const std::string& table) { return database + "." + table; }

// {"rows":[...]}: the rows are JSON text already, and may be hundreds of megabytes: joined, not re-parsed.
std::string rows_json(const std::vector<std::string>& rows) {
    std::size_t size = 16;
    for (const std::string& row : rows) size += row.size() + 1;
    std::string out;
    out.reserve(size);
    out += R"({"rows":[)";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i > 0) out += ',';
        out += rows[i];
    }
    return out + "]}";
}

bool is_hook(const std::string& path) { return path.rfind("/_emulator/", 0) == 0; }

}  // namespace

struct BrazeEmulator::Impl {
    explicit Impl(EmulatorConfig c)
        : config(std::move(c)),
          faults(config.faults, config.seed),
          limiter(config.rate_limit),
          currents_limiter(config.rate_limit),
          postback_limiter(config.rate_limit) {}

    EmulatorConfig config;
    FaultInjector faults;  // has its own lock
    std::unique_ptr<httplib::Server> server;
    std::thread listener;
    int port = -1;
    std::string error;

    // Everything below is shared by the server's threads and guarded by `mutex`.
    mutable std::mutex mutex;
    CohortBook cohorts;
    // One window per service, with the same limit: a client of the partner API does not use up a Currents
    // sender's requests, nor the reverse.
    FixedWindowLimiter limiter;
    FixedWindowLimiter currents_limiter;
    FixedWindowLimiter postback_limiter;
    Stats stats;
    CurrentsStats currents;
    std::unordered_set<std::string> currents_ids;
    std::unordered_set<BodyDigest, BodyDigestHash> applied_bodies;
    // Postback rows by `database.table`, each the row's JSON text: a parsed value would take several times the
    // memory, and a test may store a million events.
    std::map<std::string, std::vector<std::string>> postback_tables;

    enum class PartnerCall : std::uint8_t { Naming, Membership };

    // Under the lock.
    void count_request(const std::string& path) {
        ++stats.requests_total;
        if (stats.by_path.count(path) || stats.by_path.size() < kMaxDistinctPaths) ++stats.by_path[path];
        else ++stats.by_path[std::string(kOtherPaths)];
    }

    void respond(httplib::Response& res, int status, std::string body) {
        {
            std::lock_guard lock(mutex);
            ++stats.by_status[status];
        }
        answer(res, status, std::move(body));
    }

    void respond_dropped(httplib::Response& res, FaultDecision::Kind kind, int undelivered_status) {
        {
            std::lock_guard lock(mutex);
            ++(kind == FaultDecision::Kind::DropBefore ? stats.dropped_before : stats.dropped_after);
        }
        drop_connection(res, undelivered_status);
    }

    // Waits out the fault's delay; then answers for it when it is a status or drop_before. True when it did.
    bool answered_by_fault(httplib::Response& res, const FaultDecision& fault) {
        if (fault.delay.count() > 0) std::this_thread::sleep_for(fault.delay);
        if (fault.kind == FaultDecision::Kind::Status) {
            {
                std::lock_guard lock(mutex);
                ++stats.injected_statuses[fault.status];
            }
            respond(res, fault.status, message_json(fault_message(fault.status)));
            return true;
        }
        if (fault.kind == FaultDecision::Kind::DropBefore) {
            respond_dropped(res, fault.kind, 503);
            return true;
        }
        return false;
    }

    struct Answer {
        int status = 200;
        std::string body;
    };

    // Braze's checks, then the change itself when they pass.
    Answer apply_partner_call(PartnerCall call, const std::string& path_partner, const Body& body) {
        if (!body.complete) return {400, message_json(kUnreadableBody)};
        if (body.too_large) return {413, message_json(message::kBodyTooLarge)};
        if (call == PartnerCall::Naming) {
            auto checked = check_naming_request(body.text, path_partner, config.partner);
            if (const auto* rejected = std::get_if<Rejection>(&checked))
                return {rejected->status, message_json(rejected->message)};
            std::lock_guard lock(mutex);
            cohorts.name(std::get<NamingRequest>(checked));
            ++stats.naming_applied;
            return {200, message_json(message::kSuccess)};
        }
        auto checked = check_membership_request(body.text, path_partner, config.partner);
        if (const auto* rejected = std::get_if<Rejection>(&checked))
            return {rejected->status, message_json(rejected->message)};
        std::lock_guard lock(mutex);
        const ApplyOutcome outcome = cohorts.apply(std::get<MembershipRequest>(checked), config.users);
        ++stats.membership_applied;
        stats.members_added += outcome.added;
        stats.members_removed += outcome.removed;
        stats.unknown_identifiers += outcome.unknown;
        stats.ignored_device_ids += outcome.ignored_device_ids;
        if (!applied_bodies.insert(digest(body.text)).second) ++stats.duplicate_applied;
        return {200, message_json(message::kSuccess)};
    }

    // Counts the request and takes its place in the service's rate window; false when it was answered 429.
    // With a limit set, every answer of the service carries the window's X-RateLimit headers.
    bool pass_gate(const httplib::Request& req, httplib::Response& res, FixedWindowLimiter& window) {
        RateDecision rate;
        {
            std::lock_guard lock(mutex);
            count_request(req.path);
            rate = window.take(now_ms());
            if (!rate.allowed) ++stats.rate_limited;
        }
        if (config.rate_limit.enabled()) {
            res.set_header("X-RateLimit-Limit", std::to_string(rate.limit));
            res.set_header("X-RateLimit-Remaining", std::to_string(rate.remaining));
            res.set_header("X-RateLimit-Reset", std::to_string(rate.reset_epoch_seconds));
        }
        if (!rate.allowed) respond(res, 429, message_json(message::kRateLimited));
        return rate.allowed;
    }

    // The gate (count, rate limit, fault), then Braze's answer; drop_after cuts the connection after the change.
    void serve_partner(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
                       PartnerCall call) {
        const Body body = read_body(reader, kMaxBodyBytes);
        if (!pass_gate(req, res, limiter)) return;
        const FaultDecision fault = faults.decide();
        if (answered_by_fault(res, fault)) return;
        Answer braze = apply_partner_call(call, req.matches[1], body);
        if (fault.kind == FaultDecision::Kind::DropAfter) return respond_dropped(res, fault.kind, braze.status);
        respond(res, braze.status, std::move(braze.body));
    }

    void serve_currents(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        const Body body = read_body(reader, kMaxCurrentsBodyBytes);
        if (!pass_gate(req, res, currents_limiter)) return;
        const FaultDecision fault = faults.decide();
        if (answered_by_fault(res, fault)) return;

        if (!body.complete) return respond(res, 400, message_json(kUnreadableBody));
        const std::string authorization = req.get_header_value("Authorization");
        const CurrentsVerdict verdict =
            receive_currents({body.text, body.too_large, authorization}, config.currents_token, now_ms() / 1000);
        {
            std::lock_guard lock(mutex);
            switch (verdict.outcome) {
                case CurrentsVerdict::Outcome::Accepted:
                    ++currents.batches_accepted;
                    currents.events_accepted += verdict.events;
                    for (const std::string& id : verdict.event_ids) {
                        if (!currents_ids.insert(id).second) ++currents.duplicate_event_ids;
                        currents.event_ids.push_back(id);
                    }
                    break;
                case CurrentsVerdict::Outcome::Rejected:
                    ++currents.batches_rejected;
                    currents.events_rejected += verdict.events;
                    break;
                case CurrentsVerdict::Outcome::Unauthorized: ++currents.unauthorized; break;
                case CurrentsVerdict::Outcome::TooLarge: ++currents.too_large; break;
            }
        }
        if (fault.kind == FaultDecision::Kind::DropAfter) return respond_dropped(res, fault.kind, verdict.status);
        respond(res, verdict.status, verdict.body);
    }

    // As Currents: counted, limited and faulted like the partner endpoints, with a rate window of its own.
    void serve_postback(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        const Body body = read_body(reader, currents::kTdPostbackMaxBodyBytes);
        if (!pass_gate(req, res, postback_limiter)) return;
        const FaultDecision fault = faults.decide();
        if (answered_by_fault(res, fault)) return;

        if (!body.complete) return respond(res, 400, message_json(kUnreadableBody));
        const std::string database = req.matches[1];
        const std::string table = req.matches[2];
        const std::string header_key = req.get_header_value("X-TD-Write-Key");
        const std::string query_key = req.get_param_value("td_write_key");
        PostbackVerdict verdict = receive_postback({database, table, header_key, query_key, body.text, body.too_large},
                                                   config.td_write_key, now_ms() / 1000);
        if (verdict.outcome == PostbackVerdict::Outcome::Stored) {
            std::lock_guard lock(mutex);
            postback_tables[td_table_name(database, table)].push_back(std::move(verdict.row));
        }
        if (fault.kind == FaultDecision::Kind::DropAfter) return respond_dropped(res, fault.kind, verdict.status);
        respond(res, verdict.status, std::move(verdict.body));
    }

    void route() {
        using httplib::ContentReader, httplib::Request, httplib::Response;
        server->Post(R"(/partners/([^/]+)/cohorts)", [this](const Request& req, Response& res, const ContentReader& r) {
            serve_partner(req, res, r, PartnerCall::Naming);
        });
        server->Post(R"(/partners/([^/]+)/cohorts/users)",
                     [this](const Request& req, Response& res, const ContentReader& r) {
                         serve_partner(req, res, r, PartnerCall::Membership);
                     });
        server->Post("/currents", [this](const Request& req, Response& res, const ContentReader& r) {
            serve_currents(req, res, r);
        });
        // Empty names match too, so that they get the 400 that names them rather than a 404.
        server->Post(
            R"(/postback/v3/event/([^/]*)/([^/]*))",
            [this](const Request& req, Response& res, const ContentReader& r) { serve_postback(req, res, r); });

        server->Get("/_emulator/cohorts", [this](const Request&, Response& res) {
            std::lock_guard lock(mutex);
            answer(res, 200, ordered{{"cohorts", cohorts.cohort_ids()}}.dump());
        });
        server->Get(R"(/_emulator/cohorts/(.+))", [this](const Request& req, Response& res) {
            std::optional<CohortView> view;
            {
                std::lock_guard lock(mutex);
                view = cohorts.view(req.matches[1], config.users);
            }
            if (view) answer(res, 200, cohort_json(*view).dump());
            else answer(res, 404, message_json("No such cohort"));
        });
        server->Get("/_emulator/stats", [this](const Request&, Response& res) {
            std::lock_guard lock(mutex);
            answer(res, 200, stats_json(stats).dump());
        });
        server->Get("/_emulator/currents", [this](const Request&, Response& res) {
            std::lock_guard lock(mutex);
            answer(res, 200, currents_json(currents).dump());
        });
        server->Get("/_emulator/postback", [this](const Request&, Response& res) {
            ordered tables = ordered::object();
            std::lock_guard lock(mutex);
            for (const auto& [name, rows] : postback_tables) tables[name] = rows.size();
            answer(res, 200, ordered{{"tables", tables}}.dump());
        });
        server->Get(R"(/_emulator/postback/([^/]+)/([^/]+))", [this](const Request& req, Response& res) {
            static const std::vector<std::string> kNoRows;
            std::string rows;
            {
                std::lock_guard lock(mutex);
                const auto found = postback_tables.find(td_table_name(req.matches[1], req.matches[2]));
                rows = rows_json(found == postback_tables.end() ? kNoRows : found->second);
            }
            answer(res, 200, std::move(rows));
        });
        server->Post("/_emulator/reset", [this](const Request&, Response& res, const ContentReader& r) {
            read_body(r, 0);
            reset();
            answer(res, 200, message_json("reset"));
        });

        // Requests no route took (unknown path or method, unreadable request line). Responses the routes made
        // carry a Content-Type already and pass through untouched; a dropped connection must stay dropped.
        server->set_error_handler(httplib::Server::HandlerWithResponse([this](const Request& req, Response& res) {
            if (res.has_header("Content-Type")) return httplib::Server::HandlerResponse::Unhandled;
            if (!is_hook(req.path)) {
                std::lock_guard lock(mutex);
                count_request(req.path);
                ++stats.by_status[res.status];
            }
            res.set_content(message_json(unrouted_message(res.status)), std::string(kJson));
            return httplib::Server::HandlerResponse::Handled;
        }));
    }

    void reset() {
        {
            std::lock_guard lock(mutex);
            cohorts.clear();
            limiter.reset();
            currents_limiter.reset();
            postback_limiter.reset();
            stats = {};
            currents = {};
            currents_ids.clear();
            applied_bodies.clear();
            postback_tables.clear();
        }
        faults.reseed();
    }
};

BrazeEmulator::BrazeEmulator(EmulatorConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

BrazeEmulator::~BrazeEmulator() { stop(); }

int BrazeEmulator::start() {
    Impl& m = *impl_;
    if (m.server) return m.port;
    m.error.clear();
    const EmulatorConfig& config = m.config;

    if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
        m.error = "TLS needs both a certificate and a key file";
        return -1;
    }
    if (!config.tls_cert_file.empty()) {
        auto tls = std::make_unique<httplib::SSLServer>(config.tls_cert_file.c_str(), config.tls_key_file.c_str());
        if (!tls->is_valid()) {
            m.error =
                "cannot load the TLS certificate " + config.tls_cert_file + " with the key " + config.tls_key_file;
            return -1;
        }
        m.server = std::move(tls);
    } else {
        m.server = std::make_unique<httplib::Server>();
    }
    m.route();
    // Enough workers for as many connections as a client may open (cohort::kMaxThreads), so that injected
    // latency delays each request instead of queueing them behind one another.
    m.server->new_task_queue = [] { return new httplib::ThreadPool(static_cast<std::size_t>(cohort::kMaxThreads)); };
    // stop() waits for idle keep-alive connections to time out (cpp-httplib cannot cut them): keep that short.
    m.server->set_keep_alive_timeout(1);
    // Without it every answer on a kept-alive connection waits for the client's delayed ACK (Nagle), which
    // capped one connection at about 36 requests/s whatever the emulator's CPU. Accepted sockets inherit it
    // from the listening socket on Linux.
    m.server->set_tcp_nodelay(true);
    // cpp-httplib's default is SO_REUSEPORT, which lets a second emulator bind the same port and silently
    // take half the requests. SO_REUSEADDR alone still allows a quick restart on the same port.
    // The callback outlives this function (the server keeps it): what it notes is shared, not on this stack.
    auto listening = std::make_shared<socket_t>(INVALID_SOCKET);
    m.server->set_socket_options([listening](socket_t socket) {
        int yes = 1;
        ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        *listening = socket;
    });

    int port = -1;
    if (config.port == 0) port = m.server->bind_to_any_port(config.bind_address);
    else if (m.server->bind_to_port(config.bind_address, config.port)) port = config.port;
    if (port <= 0) {
        m.error = "cannot listen on " + config.bind_address + ":" + std::to_string(config.port);
        if (const std::string reason = bind_failure_reason(config.bind_address, config.port); !reason.empty())
            m.error += ": " + reason;
        m.server.reset();
        return -1;
    }
    // Debian's cpp-httplib is a compiled library that listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG
    // cannot change a library already built). Sixteen sending threads connect at once: the kernel dropped the
    // handshakes that did not fit (TcpExtListenOverflows) and each of those clients waited a second for its
    // retransmission, so 100 requests at 16 threads took 1.2 s instead of 0.3. Listening again on the same
    // socket only sets a longer queue (Linux caps it at net.core.somaxconn).
    if (*listening != INVALID_SOCKET) ::listen(*listening, 1024);

    m.listener = std::thread([server = m.server.get()] { server->listen_after_bind(); });
    // stop() only takes effect once the server runs; waiting here means a quick stop() cannot be lost.
    for (int waited_ms = 0; !m.server->is_running() && waited_ms < 5000; ++waited_ms)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    m.port = port;
    return port;
}

const std::string& BrazeEmulator::error() const { return impl_->error; }

void BrazeEmulator::stop() {
    Impl& m = *impl_;
    if (!m.server) return;
    m.server->stop();
    if (m.listener.joinable()) m.listener.join();
    m.server.reset();
    m.port = -1;
}

int BrazeEmulator::port() const { return impl_->port; }

std::string BrazeEmulator::url() const {
    const EmulatorConfig& config = impl_->config;
    const bool ipv6 = config.bind_address.find(':') != std::string::npos;
    const std::string host = ipv6 ? "[" + config.bind_address + "]" : config.bind_address;
    return std::string(config.tls_cert_file.empty() ? "http" : "https") + "://" + host + ":" +
           std::to_string(impl_->port);
}

std::optional<CohortView> BrazeEmulator::cohort(const std::string& cohort_id) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->cohorts.view(cohort_id, impl_->config.users);
}

Stats BrazeEmulator::stats() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->stats;
}

CurrentsStats BrazeEmulator::currents_stats() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->currents;
}

std::vector<std::string> BrazeEmulator::postback_rows(const std::string& database, const std::string& table) const {
    std::lock_guard lock(impl_->mutex);
    const auto found = impl_->postback_tables.find(td_table_name(database, table));
    return found == impl_->postback_tables.end() ? std::vector<std::string>{} : found->second;
}

void BrazeEmulator::reset() { impl_->reset(); }

}  // namespace tdbraze::emulator
