// The local Braze emulator: both partner cohort endpoints, a Currents receiver and Treasure Data's Postback
// API on one HTTP(S) server, for demos and for tests of the client. `tdbraze emulate` runs it; tests run it
// in-process:
//
//   tdbraze::emulator::EmulatorConfig config;          // 127.0.0.1, any free port, every id a user
//   tdbraze::emulator::BrazeEmulator emulator(config);
//   const int port = emulator.start();                 // serves on background threads; -1 + error() if not
//   ... POST http://127.0.0.1:PORT/partners/treasuredata/cohorts/users ...
//   emulator.cohort("spring-sale")->user_ids;           // or GET /_emulator/cohorts/spring-sale
//
// Routes
//   POST /partners/{partner}/cohorts        the naming call       } checked like Braze (partner_api.hpp),
//   POST /partners/{partner}/cohorts/users  membership changes    } applied to CohortBook (cohort_state.hpp)
//   POST /currents                          a Currents batch, validated by the core (currents_receiver.hpp)
//   POST /postback/v3/event/{db}/{table}    Treasure Data's Postback API: one row per body (postback_receiver.hpp)
//   GET  /_emulator/cohorts[/{id}]          test hook: cohort ids, or one cohort's name and members
//   GET  /_emulator/stats                   test hook: request counters (see Stats)
//   GET  /_emulator/currents                test hook: Currents counters and accepted event ids
//   GET  /_emulator/postback                test hook: row counts of the Postback tables
//   GET  /_emulator/postback/{db}/{table}   test hook: the rows stored in one table
//   POST /_emulator/reset                   test hook: forget cohorts, rows and counters (not the users)
// Partner, Currents and Postback requests pass the rate limit (partner only: it is Braze's) and fault
// injection (faults.hpp) first; the test hooks never do, and are not counted.
//
// Credentials: the expected partner API key and client secret default to "emulator-partner-key" and
// "emulator-client-secret"; the Currents token and the Treasure Data write key have no default (unset: not
// checked). `tdbraze emulate` takes them from the environment only (see read_secrets_from_environment),
// never from its arguments, and never prints them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cohort_state.hpp"
#include "faults.hpp"
#include "partner_api.hpp"
#include "rate_limit.hpp"

namespace tdbraze::emulator {

inline constexpr std::string_view kDefaultPartnerApiKey = "emulator-partner-key";
inline constexpr std::string_view kDefaultClientSecret = "emulator-client-secret";
inline constexpr const char* kPartnerApiKeyVariable = "TDBRAZE_EMULATOR_PARTNER_API_KEY";
inline constexpr const char* kClientSecretVariable = "TDBRAZE_EMULATOR_CLIENT_SECRET";
inline constexpr const char* kCurrentsTokenVariable = "TDBRAZE_EMULATOR_CURRENTS_TOKEN";
inline constexpr const char* kTdWriteKeyVariable = "TDBRAZE_EMULATOR_TD_WRITE_KEY";

struct EmulatorConfig {
    std::string bind_address = "127.0.0.1";
    int port = 0;  // 0: any free port (start() returns the one it got)
    PartnerSettings partner{"treasuredata", std::string(kDefaultPartnerApiKey), std::string(kDefaultClientSecret)};
    std::optional<std::string> currents_token;  // set: POST /currents needs `Authorization: Bearer <token>`
    std::optional<std::string> td_write_key;  // set: the Postback API needs this key; unset: any key, but one
    UserDirectory users = UserDirectory::open_world();
    FaultSpec faults;
    std::optional<std::uint64_t> seed;  // makes fault decisions repeatable
    RateLimit rate_limit;  // partner endpoints only; off by default
    std::string tls_cert_file;  // both set: serve HTTPS
    std::string tls_key_file;
};

// Sets the expected partner API key, client secret, Currents token and write key from the TDBRAZE_EMULATOR_*
// variables that are set (an empty variable counts as unset); leaves the rest as they are.
void read_secrets_from_environment(EmulatorConfig& config);

// Counters of partner, Currents and Postback traffic (and of requests to unknown paths).
struct Stats {
    std::uint64_t requests_total = 0;
    std::map<int, std::uint64_t> by_status;  // statuses answered (dropped connections are not)
    std::map<std::string, std::uint64_t> by_path;  // request paths as sent
    std::uint64_t naming_applied = 0;  // naming calls that named a cohort
    std::uint64_t membership_applied = 0;  // membership requests whose changes were applied
    std::uint64_t members_added = 0;  // users that entered a cohort
    std::uint64_t members_removed = 0;  // users that left one
    std::uint64_t unknown_identifiers = 0;  // identifiers that matched no user
    std::uint64_t ignored_device_ids = 0;  // device ids of identified users
    std::uint64_t duplicate_applied = 0;  // membership bodies applied again, byte for byte
    std::uint64_t rate_limited = 0;  // answered 429 by the rate limit (not by a fault)
    std::map<int, std::uint64_t> injected_statuses;  // fault injection
    std::uint64_t dropped_before = 0;
    std::uint64_t dropped_after = 0;
};

struct CurrentsStats {
    std::uint64_t batches_accepted = 0;
    std::uint64_t batches_rejected = 0;  // 400: the payload has errors
    std::uint64_t events_accepted = 0;
    std::uint64_t events_rejected = 0;
    std::uint64_t unauthorized = 0;  // 401
    std::uint64_t too_large = 0;  // 413
    std::uint64_t duplicate_event_ids = 0;  // accepted events whose id was accepted before (redeliveries)
    std::vector<std::string> event_ids;  // of accepted events, in arrival order, repeats included
};

class BrazeEmulator {
public:
    explicit BrazeEmulator(EmulatorConfig config);
    ~BrazeEmulator();  // stops the server
    BrazeEmulator(const BrazeEmulator&) = delete;
    BrazeEmulator& operator=(const BrazeEmulator&) = delete;

    // Binds and serves on background threads. Returns the port, or -1 with the reason in error().
    int start();
    const std::string& error() const;
    // Stops accepting, lets requests in flight finish, joins the threads. Idempotent. An idle keep-alive
    // connection of a client still alive holds it up to a second: destroy clients first for an instant stop.
    void stop();

    int port() const;  // -1 before start()
    std::string url() const;  // "http://127.0.0.1:PORT" (https with TLS)

    // What the test hooks show, for tests in the same process.
    std::optional<CohortView> cohort(const std::string& cohort_id) const;
    Stats stats() const;
    CurrentsStats currents_stats() const;
    // The rows of one Postback table, each a JSON object as text (what GET /_emulator/postback/{db}/{table}
    // lists), in arrival order; empty for a table nothing was stored in.
    std::vector<std::string> postback_rows(const std::string& database, const std::string& table) const;
    void reset();  // cohorts, Postback rows, counters, the rate window and the fault sequence (back to the seed)

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tdbraze::emulator
