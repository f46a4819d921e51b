// The cohort sync: a table becomes Braze partner requests that are sent for real — concurrent, rate limited,
// retried, resumable — with every confirmed batch recorded so that nothing is lost or sent twice.
#pragma once

#include <chrono>

#include <stop_token>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "credentials.hpp"
#include "error.hpp"
#include "http_client.hpp"
#include "retry_policy.hpp"
#include "spilled_dedupe.hpp"
#include "sync_types.hpp"
#include "tdbraze/cohort.hpp"

namespace tdbraze::sync {

struct SyncOptions {
    std::string input_path;
    std::string input_name;  // how the input is named in the state file and messages (default: input_path)
    cohort::Settings settings;  // cohort id, name, alias columns, partner, threads, max ids, created_at
    cohort::ReadOptions read;
    Mode mode = Mode::Add;
    std::string endpoint;  // the Braze REST endpoint, e.g. https://rest.iad-01.braze.com
    std::string state_path;  // SQLite file; default_state_path() when empty
    bool resume = false;  // continue the unfinished run of this table
    bool force = false;  // start a new run even if this table was synced (or half synced) before
    bool dry_run = false;  // plan and report, send nothing
    // Another sync of the same cohort in progress (a scheduled run that overlaps the last): wait up to this long
    // for it to end, then go on; 0 refuses at once (state-locked).
    std::chrono::seconds wait_for_cohort{0};
    // Where the duplicate check keeps the table's distinct identifiers: Memory (about their size again, one
    // read of the table), Disk (flat memory for any table, one more read), or Auto: disk for tables over
    // kDedupeInMemoryUpToBytes (spilled_dedupe.hpp).
    Dedupe dedupe = Dedupe::Auto;
    double requests_per_hour = 250'000;
    transport::HttpOptions http;
    BackoffPolicy backoff;
};

// What a sync tells whoever watches it (the CLI's progress bar and logs, the desktop app).
struct SyncEvent {
    enum class Kind { Info, Sent, Retry, Warning, Error };
    Kind kind = Kind::Info;
    std::string message;  // already redacted
    std::int64_t seq = -1;  // batch, when the event is about one
    long status = 0;  // HTTP status (0: network error or none)
    int attempt = 0;
    std::int64_t ids = 0;
    double elapsed_ms = 0;
    bool stops_run = false;  // the error that ends the run (SyncSummary::error holds it too)
};

struct SyncProgress {
    // Membership batches and identifiers in the plan. A mirror learns them as it plans: until totals_final
    // they only grow, and a share of them would go backwards.
    std::uint64_t batches_total = 0;
    std::uint64_t batches_done = 0;  // confirmed now or before
    std::uint64_t ids_total = 0;
    std::uint64_t ids_done = 0;
    std::uint64_t requests = 0;  // HTTP requests made, retries included
    std::uint64_t retries = 0;
    std::uint64_t status_429 = 0;
    std::uint64_t errors = 0;  // failed attempts of any kind
    bool planning_done = false;
    bool totals_final = false;
    // Before anything is sent the whole table is checked, which for a large one takes seconds: bytes of the
    // file read so far, and its size (0 when unknown). table_checked turns true when sending can begin.
    std::uint64_t check_bytes_read = 0;
    std::uint64_t check_bytes_total = 0;
    bool table_checked = false;
};

struct SyncSummary {
    std::uint64_t planned = 0;  // membership batches in the plan
    std::uint64_t sent = 0;  // confirmed in this run
    std::uint64_t skipped = 0;  // confirmed before (resume, or a completed run)
    std::uint64_t retried = 0;  // attempts that were retried
    std::uint64_t requests = 0;  // HTTP requests made, the naming call and retries included
    std::uint64_t failed = 0;  // batches not confirmed
    std::uint64_t ids_sent = 0;
    std::uint64_t adds = 0, removes = 0;  // identifiers in confirmed batches, by direction
    std::int64_t run_id = 0;
    // Where the time went: from the start to the end of the table's check (nothing is sent before it), and from
    // the first request to the last answer (0 when nothing was sent).
    double check_seconds = 0;
    double sending_seconds = 0;
    Outcome outcome = Outcome::Failed;
    std::optional<Error> error;  // why a Failed or Refused run stopped
    std::string message;  // for a person
    bool ok() const { return outcome == Outcome::Completed || outcome == Outcome::NothingToDo; }
};

class SyncObserver {
public:
    virtual ~SyncObserver() = default;
    virtual void on_event(const SyncEvent&) {}
    virtual void on_progress(const SyncProgress&) {}
    virtual void on_report(const cohort::Report&) {}  // the table's validation report, before anything is sent
};

std::string default_state_path();

// Runs the sync. A stop requested on `stop` (Ctrl-C, Cancel) stops taking new batches and wakes every wait;
// requests in flight finish and are recorded.
SyncSummary run_sync(const SyncOptions& options, const secrets::Credentials& credentials, SyncObserver& observer,
                     std::stop_token stop = {});

}  // namespace tdbraze::sync
