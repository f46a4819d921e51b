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
#include <span>
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

// Validating JSON Lines in parts at once (natively, one part per thread; the core itself has none). A part
// after the first starts at the beginning of a line and assumes what holds between the lines of JSON Lines:
// the input is JSON text, at least two top-level values ended before that line, and what it checks does not
// depend on them (duplicate ids are looked for per batch, and a batch forgets the ids before it). Whether
// that held is only known once the part before has been validated: Validator::hand_over tells, and
// PartsJoiner keeps the parts whose assumptions held and joins their reports. What did not hold is validated
// again in sequence, so the report is the one a single Validator gives, whatever the parts.
struct LineStart {
    std::uint64_t offset = 0;  // bytes of the input before the part
    std::uint64_t line = 1;  // the line the part begins, 1-based
};

// What a part's validator met that the one before it needs to tell whether the part continues it.
struct PartOpening {
    bool payload_started = false;  // a batch began in the part, so the ids before it no longer matter
    bool ids_before_used = false;  // a bare event looked its id up before that, among the ids before the part
};

// Where a part may begin: the start of a line that opens an object or an array after a line (not blank)
// that closed one. Within valid JSON a closed value is followed by ',', ']' or '}', never by an opening one,
// so this finds the seams between top-level values of JSON Lines and none in a pretty-printed envelope,
// whose parts would be validated for nothing and then again in one piece. Fed the input's bytes in order
// from any offset; a line that starts where the search starts is not taken (what came before is unknown), and
// the search stops a value's greatest size (kMaxValueBytes) after it: the validator stops at such a line anyway.
class SeamSearch {
public:
    explicit SeamSearch(std::uint64_t from);
    // The seam's offset once one is found in what was fed (then feeding more changes nothing).
    std::optional<std::uint64_t> feed(std::string_view piece);
    // A seam was found, or the search went as far as it looks: read no more for it.
    bool done() const { return found_.has_value() || at_ >= limit_; }

private:
    std::uint64_t at_;  // the offset of the next byte fed
    std::uint64_t limit_;  // bytes from here on are not looked at
    char closing_ = 0;  // the last byte fed that is not blank
    bool line_start_ = false;  // the last byte fed was a line break
    std::optional<std::uint64_t> found_;
};

class Validator {
public:
    explicit Validator(Options options = {}, std::string source = "-");
    // A part of the input that begins at `start` (see LineStart). EventText::number counts from the part's start.
    Validator(Options options, std::string source, LineStart start);
    ~Validator();
    Validator(Validator&&) noexcept;
    Validator& operator=(Validator&&) noexcept;

    // Called for each event after its checks, in input order; set before the first feed.
    void on_event(std::function<void(const EventText&)> observer);
    void feed(std::string_view chunk);
    Report finish();  // call once, after the last chunk
    std::uint64_t bytes_consumed() const;  // for progress displays
    std::size_t buffered_bytes() const;  // input held in memory now: at most one value plus one chunk

    // Called instead of finish() on a validator fed exactly up to where `next` starts: true when this one
    // stands there between two top-level values with nothing pending, and hands `next` what it assumed (the
    // same line, at least two values before, no ids it checked against). Then finish() this one and go on with
    // `next`; when false, `next` is of no use: feed its part to this one instead.
    bool hand_over(Validator& next);
    // What this validator, of a part after the first, met (see PartsJoiner::add_last).
    PartOpening opening() const;

private:
    friend class PartsJoiner;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Puts the reports of consecutive parts of one input together, in order.
class PartsJoiner {
public:
    // The validator of the first part (it starts at the beginning of the input), fed with that part.
    explicit PartsJoiner(Validator first);
    // `next` validated the part that follows the current one. True: its assumptions held and it is now the
    // current one. False: it is dropped: feed its part to current() instead.
    bool add(Validator next);
    // The part from `offset` to the end, validated elsewhere (another WebAssembly instance, in the page's
    // second Worker) by Validator(options, source, LineStart{offset, 1}), which met `opening` and gave
    // `later`: its lines are counted from the part's start, and are moved to where the part begins here. True:
    // it continues current(), and finish() gives the report of both. False: feed the part to current() instead.
    bool add_last(std::uint64_t offset, PartOpening opening, Report later);
    Validator& current();
    // The report of the whole input; nothing when the parts' reports cannot be joined exactly (more than 1000
    // distinct unknown event types in all, which the summary counts by name up to there): validate the input
    // again in one piece.
    std::optional<Report> finish();
    std::uint64_t parts_taken() const { return parts_taken_; }  // parts after the first whose work was used

private:
    void join_current();  // current()'s report after those before it

    Validator current_;
    std::optional<Report> joined_;  // of the parts before the current one
    std::optional<Report> last_;  // add_last's part, which then follows current()'s (already finished)
    bool joinable_ = true;
    std::uint64_t parts_taken_ = 0;
};

Report validate(std::string_view input, const Options& options = {}, std::string source = "-");

// validate() of an input in memory cut into parts at `seams` (offsets in increasing order; those that are not
// the start of a line are left out), each part validated as a thread of its own would, one after another.
// The report is validate()'s; for tests and fuzzing of what the native parallel validation does.
struct PartsReport {
    Report report;
    std::uint64_t parts_taken = 0;  // as PartsJoiner::parts_taken
};
// Elsewhere: the parts after the first are validated the way the page's second Worker does (lines counted from
// the part's start, then PartsJoiner::add_last); only the first seam is used, as the page makes two parts.
enum class PartsWay : std::uint8_t { Threads, Elsewhere };
PartsReport validate_in_parts(std::string_view input, std::span<const std::size_t> seams, const Options& options = {},
                              std::string source = "-", PartsWay way = PartsWay::Threads);

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
