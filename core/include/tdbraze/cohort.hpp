// Cohort mapping tables (Treasure Data -> Braze): validate a query result and plan the exact Braze partner
// cohort-import requests it becomes.
//
//   tdbraze::cohort::Planner p(settings, read_options, "result.csv");
//   while (read chunk) { p.feed(chunk); for (auto& r : p.take_requests()) write(r); }
//   tdbraze::cohort::Report report = p.finish();
//   for (auto& r : p.take_requests()) write(r);
//
// Memory stays bounded apart from the set of distinct identifiers (needed to send each one once).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tdbraze/column_mapping.hpp"
#include "tdbraze/diagnostic.hpp"
#include "tdbraze/identifier_keys.hpp"

namespace tdbraze::cohort {

enum class Operation : std::uint8_t { Add, Remove };

std::string_view to_string(Operation op);

// The settings of a Treasure Data -> Braze export, shared by the CLI, the page and the desktop app.
struct Settings {
    std::string cohort_id;  // required
    std::string cohort_name;  // optional; the cohort id when empty
    Operation operation = Operation::Add;
    std::vector<std::string> alias_columns;  // each becomes alias_label; its cells become alias_name
    // Columns sent under another output name (External_ID as user_ids); checked as if they had that name.
    std::vector<ColumnMapping> mapping;
    std::string partner = "treasuredata";  // the {partner} path segment
    int threads = 4;  // concurrent calls when sending (1..32)
    int max_ids_per_request = 1000;  // 1..1000, Braze's limit
    std::string created_at;  // ISO-8601 UTC for the naming call; the core has no clock
};

// Treasure Data's mapping contract: the columns sent as user ids and device ids (any other column named by
// Settings::alias_columns is sent as aliases).
inline constexpr std::string_view kUserIds = "user_ids";
inline constexpr std::string_view kDeviceIds = "device_ids";
// The identifier column a name was probably meant to be ("user_id", "External_ID", "deviceIds", a name with
// spaces or a byte order mark ...), or empty when it looks like neither: the rule of near-miss-column.
std::string_view intended_identifier(std::string_view name);

inline constexpr int kMaxThreads = 32;
inline constexpr int kMaxIdsPerRequest = 1000;
// Braze's REST body limit is "4 MB"; read as 4,000,000 bytes, the stricter of the two meanings.
inline constexpr std::size_t kMaxBodyBytes = 4'000'000;
inline constexpr std::size_t kLongIdBytes = 512;

enum class TableFormat : std::uint8_t { Auto, Csv, Tsv, JsonArray, JsonLines };

// "auto", "csv", "tsv", "json", "jsonl": the names the command line, the page and the settings files use.
std::string_view to_string(TableFormat format);
// The name back to the format; nothing for a name that is not one.
std::optional<TableFormat> table_format_from_string(std::string_view name);

struct ReadOptions {
    TableFormat format = TableFormat::Auto;  // Auto: detected from the first bytes
    bool trim = false;  // strip leading/trailing whitespace from identifiers
    std::uint64_t max_diagnostics = 1000;
    // False: count the membership requests without writing their bodies (validation: the report is the
    // same, take_requests() then yields only the naming call).
    bool plan_requests = true;
};

struct Summary {
    std::uint64_t rows = 0;
    std::uint64_t user_ids = 0;  // distinct, as sent
    std::uint64_t device_ids = 0;  // distinct, as sent
    std::uint64_t aliases = 0;  // distinct, as sent
    std::uint64_t duplicates = 0;  // cells not sent because the identifier was sent before
    std::uint64_t skipped = 0;  // empty / NULL / \N / blank cells
    std::uint64_t requests = 0;  // membership requests (the naming call comes on top)
    std::uint64_t errors = 0;
    std::uint64_t warnings = 0;
    std::uint64_t infos = 0;
};

struct Report {
    std::string source;
    TableFormat format = TableFormat::Auto;  // as read (detected or given)
    Summary summary;
    std::vector<Diagnostic> diagnostics;  // sorted by row; at most ReadOptions::max_diagnostics
    std::uint64_t diagnostics_omitted = 0;
    std::vector<ColumnMapping> mapping;  // the settings' mapping, as the table was read with it
    bool ok() const { return summary.errors == 0; }
};

// One planned HTTP call. Secrets are placeholders ("<partner_api_key>", "<client_secret>") that only the
// native transport fills in, at send time.
struct PlannedRequest {
    std::string method = "POST";
    std::string path;  // "/partners/{partner}/cohorts" or ".../cohorts/users"
    std::string body;  // JSON text
    std::uint64_t ids = 0;  // identifiers in it (0 for the naming call)
    IdentifierKeys keys;  // identifier_key() of each identifier in it, in body order
};

// What a RequestBatcher makes: only the count of requests (what validation reports, without writing a byte
// of them), the requests' bodies (a plan written out), or the bodies and each request's identifier keys (a
// sync, which records what Braze confirmed).
enum class BatchOutput : std::uint8_t { Count, Bodies, BodiesAndKeys };

// What the caller of RequestBatcher::add knows of a value's bytes: nothing, or that JSON escapes none of them
// (no '"', '\\' or byte below 0x20), which spares the batcher looking at each byte again.
enum class ValueEscapes : std::uint8_t { Unknown, None };

// Packs identifiers into membership requests: at most max_ids_per_request identifiers and kMaxBodyBytes per
// body, in the order they are added.
class RequestBatcher {
public:
    RequestBatcher(const Settings& settings, Operation operation, BatchOutput output = BatchOutput::BodiesAndKeys);
    ~RequestBatcher();
    RequestBatcher(RequestBatcher&&) noexcept;
    RequestBatcher& operator=(RequestBatcher&&) noexcept;

    // False, and nothing added, when the identifier alone would not fit in a request.
    bool add(IdentifierType type, std::string_view alias_label, std::string_view value,
             ValueEscapes escapes = ValueEscapes::Unknown);
    void flush();  // closes the request being filled, if it holds anything
    std::vector<PlannedRequest> take();  // finished requests, moved out
    std::uint64_t requests() const;  // finished so far
    // How many requests `identifiers` of those added so far would make, whichever they are and in whatever
    // order, with nothing added before them: known when no add() was refused and the largest identifier
    // added is small enough that a full request of such identifiers fits in a body (then only the count
    // decides); nullopt otherwise.
    std::optional<std::uint64_t> requests_for(std::uint64_t identifiers) const;
    PlannedRequest naming_request() const;  // the call that names (creates) the cohort

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

inline constexpr std::string_view kPartnerApiKeyPlaceholder = "<partner_api_key>";
inline constexpr std::string_view kClientSecretPlaceholder = "<client_secret>";

// Receives each distinct identifier of a table instead of having it planned (a mirror sync computes its
// own deltas from them).
using IdentifierSink = std::function<void(IdentifierType type, std::string_view alias_label, std::string_view value)>;

// What the planner must know about each identifier cell against the cells before it in the table.
struct Seen {
    bool duplicate = false;  // the same identifier came before: not sent again
    bool other_type = false;  // (not a duplicate) the same text came before as the other of user/device id
    bool alias_spelling = false;  // (alias, not a duplicate) an alias differing only by case or spaces came before
};

// Answers Seen for each identifier the planner keeps, asked exactly once per such cell, in table order. The
// default keeps every distinct identifier in memory (about their size again). A caller that cannot afford
// that (a ten-million-id sync in 50 MB: native/sync/spilled_dedupe) records the questions of one pass and
// answers the next pass from what it worked out on disk in between. The answers never change which
// questions come next, so two passes over the same table ask the same questions in the same order.
class SeenBefore {
public:
    struct Question {
        std::string_view key;  // identifier_key(type, label, value)
        std::string_view alias_spelling;  // the alias's case- and space-folded key; empty for user and device ids
        std::uint64_t row = 0, line = 0;  // the cell's (see_all only): what an AnswerCount names as its first
    };
    virtual ~SeenBefore() = default;
    virtual Seen see(std::string_view key, std::string_view alias_spelling) = 0;
    // Several questions in table order (the planner asks a few dozen at a time): one see() each, unless an
    // implementation can do better by looking at them together.
    virtual void see_all(std::span<const Question> questions, std::span<Seen> answers) {
        for (std::size_t i = 0; i < questions.size(); ++i)
            answers[i] = see(questions[i].key, questions[i].alias_spelling);
    }
};

// One kind of answer for one identifier column over a whole table: how many questions got it, and the first
// of them. For a caller that answers a first read "not seen" throughout and works the real answers out
// afterwards, all at once (native/sync/spilled_dedupe): Planner::finish_with turns that read into the report.
enum class Answer : std::uint8_t { Duplicate, OtherType, AliasSpelling };  // Seen's three flags
struct AnswerCount {
    Answer answer = Answer::Duplicate;
    IdentifierType type = IdentifierType::UserId;
    std::string alias_label;  // aliases only
    std::uint64_t count = 0;
    std::uint64_t row = 0, line = 0;  // the first question with this answer: its Question::row and ::line
    std::string value;  // and its identifier (the key without type and label)
};

// A table's rows read ahead of their checks, so that reading and checking can run on two threads: native/
// reads the next chunk's rows on its reading thread while the planner checks these (reading was a third of
// the planner's thread). A RowReader fills a batch with one chunk's rows; Planner::feed_rows checks them.
// Rows, row errors and columns come out in the order the bytes give them, so a Planner fed the batches of
// some bytes makes exactly the report and requests that Planner::feed of those bytes makes.
class RowBatch {
public:
    RowBatch();
    ~RowBatch();
    RowBatch(RowBatch&&) noexcept;
    RowBatch& operator=(RowBatch&&) noexcept;

    std::size_t rows() const;  // the rows in the batch, with its row errors and header (what a planner is told)

private:
    friend class RowReader;
    friend class Planner;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

class RowReader {
public:
    // For a planner with these settings: a batch keeps only the cells of the columns it reads.
    RowReader(TableFormat format, Settings settings);
    ~RowReader();
    RowReader(RowReader&&) noexcept;
    RowReader& operator=(RowReader&&) noexcept;

    // The rows this chunk completes, into `batch` (emptied first; its buffers are kept, so that a batch used
    // again costs no allocation). Rows that continue into the next chunk come with that one.
    void read(std::string_view chunk, RowBatch& batch);
    // After the last chunk: whatever the input's end completes (a last row without a line break, a quote
    // left open).
    void finish(RowBatch& batch);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

class Planner {
public:
    Planner(Settings settings, ReadOptions options, std::string source = "-", IdentifierSink sink = nullptr);
    // Duplicates decided by `seen` (which must outlive the planner) instead of the in-memory default.
    Planner(Settings settings, ReadOptions options, std::string source, IdentifierSink sink, SeenBefore& seen);
    ~Planner();
    Planner(Planner&&) noexcept;
    Planner& operator=(Planner&&) noexcept;

    void feed(std::string_view chunk);
    // Instead of feed(), for every chunk: the rows of each chunk, read by a RowReader, the batch of its
    // finish() last. A planner is fed one way or the other, not both.
    void feed_rows(const RowBatch& rows);
    // Requests completed so far, in order: the naming call first, then membership calls. Moves them out.
    std::vector<PlannedRequest> take_requests();
    Report finish();  // call once, after the last chunk; then take_requests() for the last ones
    // The input is complete: reads what the last chunk left (a last row without a line break) and asks
    // SeenBefore about it, before finish() or finish_with() (which do this themselves) for a caller that must
    // have every question asked before it can answer them.
    void finish_input();
    // Instead of finish(), after a read whose SeenBefore answered every question "not seen": the report the
    // table gets with the real answers, given as counts (at most one per answer, type and label), exactly
    // as finish() gives it after a read that had them one by one. It saves a second read when only the
    // report is wanted. Nullopt when counts are not enough (an identifier so large that request sizes could
    // decide the requests, or an identifier sink): read the table again with the answers; finish() still
    // gives this read's own report.
    std::optional<Report> finish_with(std::span<const AnswerCount> answers);
    std::uint64_t bytes_consumed() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

struct Plan {
    Report report;
    std::vector<PlannedRequest> requests;
};

// Whole input in memory at once.
Plan plan(std::string_view input, const Settings& settings, const ReadOptions& options = {}, std::string source = "-");

// Settings problems (cohort id missing, threads out of range, ...): errors with row 0.
std::vector<Diagnostic> check_settings(const Settings& settings);

}  // namespace tdbraze::cohort
