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
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tdbraze/diagnostic.hpp"

namespace tdbraze::currents {

struct Options {
    // "Now" as epoch seconds, for the far-future check. The core has no clock: the caller passes one.
    // 0 disables the far-future check.
    std::int64_t now_epoch_seconds = 0;
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

class Validator {
public:
    explicit Validator(Options options = {}, std::string source = "-");
    ~Validator();
    Validator(Validator&&) noexcept;
    Validator& operator=(Validator&&) noexcept;

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

}  // namespace tdbraze::currents
