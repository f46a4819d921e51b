// The planner's duplicate check without every distinct identifier in memory: for a ten-million-id sync in
// tens of megabytes, where the in-memory check (core's IdSet) needs about the ids' own size again.
//
// It works in passes over the same table. Pass 1 gives the planner recorder(): each question (an
// identifier's key, in table order) is appended to temporary files, spread over 256 partitions by a hash
// of the key's text, and its row and line to a file of their own (the report needs only a few of them). resolve() then
// reads one partition at a time, which holds every occurrence of its keys in table order, and works out each answer
// with a small IdSet; the answers are kept as three bits per question. Pass 2 (and a mirror sync's pass 3) give the
// planner replayer(), which hands the answers back in the same order. The planner's answers never change which
// questions it asks next, so the passes line up as long as the file is the same; replay_matched() checks that the
// replay asked as many questions, about the same keys (a running hash of them).
//
// resolve() also counts each kind of answer per identifier column and keeps the first (its row, line and
// value): that, with pass 1's report, is the whole report (Planner::finish_with), so `validate` reads the
// table once. Asked to (Keep::FirstOccurrences), resolve() keeps the temporary file, and planning() reads the
// questions back from it, merged into table order by their numbers, and sends those not answered "seen
// before": `plan` reads the table once as well, and so does a sync (pass 2 remains for identifiers of
// kilobytes, and for mirror).
//
// Memory: the partition buffers (256 x 32 KiB), one partition's keys while resolving (a 256th of them), and
// the answer bits (20 million questions: 7.5 MB), the partitions' sizes every 16,384 questions (2.4 MB for
// 20 million); plan() adds, per thread, a stretch of about 32,000 identifiers being planned (its part of each
// partition, about 1 MiB, and its requests) and, with two threads or more, up to three stretches' requests
// each waiting to be handed on (one with one thread, as a sync plans).
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"

#include "tdbraze/cohort.hpp"

namespace tdbraze::sync {

// Where a table's duplicate check keeps its distinct identifiers (`--dedupe` of sync, validate and plan).
enum class Dedupe { Auto, Memory, Disk };
// Auto's limit: a table up to this size is checked in memory (at most about as many bytes again).
inline constexpr std::uint64_t kDedupeInMemoryUpToBytes = 16ull << 20;
Dedupe dedupe_from_name(std::string_view name);  // "memory", "disk", anything else Auto
// Disk when asked; for Auto, when `path` is a file over the limit (standard input cannot be read twice).
bool dedupe_on_disk(Dedupe choice, const std::string& path);

// A table's duplicate check on disk, in phases that are types: rehearse() is the only way to make one (the
// questions of a first read recorded, every answer worked out), planning() the only way to plan from it, and
// only when that can be done.
class SpilledDedupe {
public:
    // What the check keeps after working out the answers: only them, or also the first occurrences of the
    // identifiers, from which planning() makes the requests without reading the table again.
    enum class Keep { Answers, FirstOccurrences };

    // Reads the table once: a rehearsal planner (its plan thrown away) reads it through `read_table` (which
    // calls its argument with the rows of each chunk, the end's last, as files::read_table_rows does, and
    // returns an error message when the table cannot be read), its questions go to a temporary file, and
    // every answer is worked out, partition by partition. Errors: InputUnreadable (the reader's message), or
    // TempFile when the temporary file cannot be written or read back.
    using ReadTable = std::function<std::optional<std::string>(const std::function<void(const cohort::RowBatch&)>&)>;
    static Result<std::unique_ptr<SpilledDedupe>> rehearse(const cohort::Settings& settings,
                                                           cohort::ReadOptions options, const std::string& source,
                                                           const ReadTable& read_table, Keep keep = Keep::Answers);
    ~SpilledDedupe();
    SpilledDedupe(const SpilledDedupe&) = delete;
    SpilledDedupe& operator=(const SpilledDedupe&) = delete;

    // The requests made from the kept first occurrences: see planning().
    class Planning {
    public:
        // The requests, naming call first, exactly as a Planner reading the table again with replayer() would
        // make them, in batches as they fill (`output` Bodies leaves out each request's keys, which only a sync
        // needs); the sink returns false to stop. `threads` plan side by side (0: one per core, two at most);
        // each holds a few MiB of requests, and the sink is called on the calling thread, in order. Errors:
        // TempFile when the file cannot be read back, Internal when the plan disagrees with the report.
        using RequestsSink = std::function<bool(std::vector<cohort::PlannedRequest>&&)>;
        Status plan(const cohort::Settings& settings, cohort::BatchOutput output, const RequestsSink& on_requests,
                    unsigned threads = 0);

    private:
        friend class SpilledDedupe;
        explicit Planning(SpilledDedupe& check) : check_(check) {}
        SpilledDedupe& check_;
    };
    // When the first occurrences were kept and report() is set (no identifier was too large to say how
    // requests split); otherwise nothing, and a second read of the table plans it.
    std::optional<Planning> planning();

    // Pass 2 and later: the answers, from the first question again on each call.
    cohort::SeenBefore& replayer();
    // After a replayed pass: it asked exactly as many questions as pass 1 did.
    bool replay_matched() const;

    std::uint64_t questions() const { return questions_; }
    // After resolve(): the questions answered "not seen before", i.e. the identifiers a table without errors
    // sends.
    std::uint64_t first_occurrences() const { return first_occurrences_; }
    // After rehearse(): the table's report, made from the first read and the answers' counts, when that is
    // enough (Planner::finish_with); otherwise a second read with replayer() makes it.
    const std::optional<cohort::Report>& report() const { return report_; }

    // After rehearse(): the errors the rehearsal counted. It answers every question "not seen", which can
    // only add errors (a value too large for a request is reported at each repeat, not just the first), so
    // zero here means the replayed pass finds none either, as long as the table is the same.
    std::uint64_t rehearsal_errors() const { return rehearsal_errors_; }

private:
    class Partitions;  // records spread over partitions of temporary files
    class QuestionPlaces;  // each question's row and line
    class Recorder;
    class Replayer;

    std::unique_ptr<Partitions> keys_;
    std::unique_ptr<QuestionPlaces> places_;
    std::unique_ptr<Recorder> recorder_;
    std::unique_ptr<Replayer> replayer_;
    std::uint64_t questions_ = 0;
    std::uint64_t keys_hash_ = 0;  // of every key asked about, in order
    std::uint64_t first_occurrences_ = 0;
    bool keep_first_occurrences_ = false;
    std::uint64_t rehearsal_errors_ = 0;
    int spellings_error_ = 0;  // errno of the alias spellings' temporary file, when it failed
    std::vector<std::uint64_t> duplicate_, other_type_, alias_spelling_;  // one bit per question
    std::vector<cohort::AnswerCount> answer_counts_;
    std::optional<cohort::Report> report_;

    SpilledDedupe();
    // The rehearsal's planner asks this: every question recorded, each answered "not seen".
    cohort::SeenBefore& recorder();
    // Between the passes: every answer, worked out partition by partition. False when the temporary file
    // could not be written or read back.
    bool resolve();
    // The system's reason (errno) a temporary file failed, 0 when none was told.
    int temp_error() const;
    Status plan(const cohort::Settings& settings, cohort::BatchOutput output, const Planning::RequestsSink& on_requests,
                unsigned threads);
};

}  // namespace tdbraze::sync
