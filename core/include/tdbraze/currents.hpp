// Validation of Braze Currents payloads ({"events":[...]} as Braze POSTs them) against the event catalogue.
//
//   tdbraze::currents::Validator v(options);
//   while (read chunk) v.feed(chunk);       // any chunk size; memory stays bounded
//   tdbraze::currents::Report r = v.finish();
//
// or, for input already in memory: tdbraze::currents::validate(text, options).
#pragma once

#include <cstdint>
#include <map>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tdbraze/diagnostic.hpp"

namespace tdbraze::currents {

// Where the payload is going. Treasure Data's Postback API stores what arrives without checking it, but
// ignores records outside its time window and only ever receives events of users with an external id.
enum class Receiver : std::uint8_t { Http, TdPostback };
std::string_view to_string(Receiver receiver);  // "http", "td-postback": the command line's and the page's names
std::optional<Receiver> receiver_from_string(std::string_view name);

struct Options {
    // "Now" as epoch seconds, for the far-future check and Treasure Data's time window. The core has no
    // clock: the caller passes one. 0 disables both checks.
    std::int64_t now_epoch_seconds = 0;
    Receiver receiver = Receiver::Http;
    // Promote every warning to an error (the CLI's --strict).
    bool strict = false;
    // Diagnostics listed in the report; the counts in the summary always cover all of them.
    std::uint64_t max_diagnostics = 1000;
};

struct Summary {
    std::uint64_t events = 0;
    std::uint64_t errors = 0;
    std::uint64_t warnings = 0;
    std::uint64_t infos = 0;
    std::map<std::string, std::uint64_t> event_types;  // event_type value -> count, sorted by name
};

struct Report {
    std::string source;  // file name, "-" for standard input
    Summary summary;
    std::vector<Diagnostic> diagnostics;  // in input order (findings about a whole batch after its events)
    std::uint64_t diagnostics_omitted = 0;
    bool ok() const { return summary.errors == 0; }
};

// One event as the validator met it, for a caller that sends what it checks (tdbraze send currents).
struct EventText {
    std::uint64_t number = 0;  // 0-based, in input order
    std::string_view json;  // the event's bytes as they appear in the input; valid during the call only
    bool has_external_user_id = false;  // user.external_user_id is a non-empty string
    bool has_errors = false;  // the event itself has at least one error-level finding
};

class Validator {
public:
    explicit Validator(Options options = {}, std::string source = "-");
    ~Validator();
    Validator(Validator&&) noexcept;
    Validator& operator=(Validator&&) noexcept;

    // Called for each event after its checks, in input order; set before the first feed.
    void on_event(std::function<void(const EventText&)> observer);
    void feed(std::string_view chunk);
    Report finish();  // call once, after the last chunk
    std::uint64_t bytes_consumed() const;  // for progress displays
    std::size_t buffered_bytes() const;  // input held in memory now: at most one value plus one chunk

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

Report validate(std::string_view input, const Options& options = {}, std::string source = "-");

// Limits the checks use (Braze's and Treasure Data's), exposed for docs and tests.
inline constexpr std::uint64_t kMaxEventsPerBatch = 100;
inline constexpr std::uint64_t kMaxEventBytes = 900 * 1024;  // Braze drops larger events
inline constexpr std::uint64_t kMaxRequestBytes = 1024 * 1024;  // Treasure Data streaming ingestion
inline constexpr std::uint64_t kTdPostbackMaxBodyBytes = 1048064;  // Treasure Data Postback API, per request
inline constexpr std::uint64_t kMaxValueBytes = 16 * 1024 * 1024;  // larger single values are not checked
inline constexpr std::int64_t kEpoch2010 = 1262304000;  // 2010-01-01T00:00:00Z
inline constexpr std::int64_t kMillisecondsThreshold = 100000000000;  // seconds > this = year 5138
// Treasure Data ignores records timed more than 7 days before or 3 days after their arrival.
inline constexpr std::int64_t kTdPastWindowSeconds = 7 * 86400;
inline constexpr std::int64_t kTdFutureWindowSeconds = 3 * 86400;

}  // namespace tdbraze::currents
