// The sync's memory between runs, in SQLite: each run, each planned batch and its outcome, and the cohort
// membership Braze has confirmed. It holds no secret: bodies are stored as hashes of their placeholder form.
//
// Every operation returns a Result: SQLite's failures (a full disk, a read-only file, a damaged file,
// another process holding it) come back as an Error whose code says which and whose message names the file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "error.hpp"
#include "tdbraze/identifier_keys.hpp"
#include "sync_types.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace tdbraze::sync {

struct RunRecord {
    std::int64_t id = 0;
    std::string identity;
    RunStatus status = RunStatus::Running;
    std::int64_t planned = 0;  // membership batches recorded as planned so far (the naming call not counted)
    std::int64_t confirmed = 0;  // of those, confirmed
    std::optional<std::int64_t> planned_total;  // the whole plan's membership batches, once planning finished
    std::string started_at;
    std::string finished_at;
    // A run found Running whose process is gone (killed, crashed, the machine restarted) is read as
    // Interrupted and marked so; one whose process still runs is `live`.
    bool live = false;
    std::string owner;  // "host pid", for messages about a live run
};

class StateStore {
public:
    // Opens (creating if needed, with mode 0600) the database.
    static Result<std::unique_ptr<StateStore>> open(const std::string& path);
    ~StateStore();
    const std::string& path() const { return path_; }

    // The newest run with this identity, if any.
    Result<std::optional<RunRecord>> latest_run(const std::string& identity);
    // The newest run of the input named so (any identity: the table may have changed since), if any.
    Result<std::optional<RunRecord>> latest_run_of_input(const std::string& input);
    // A new run, owned by this process. A run of the same scope (cohort, or Currents receiver) that is running in
    // a live process holds it: then a state-locked error naming that run, and nothing is written.
    Result<std::int64_t> begin_run(const std::string& identity, const std::string& cohort_scope, Mode mode,
                                   const std::string& input, const std::string& now_iso);
    Status finish_run(std::int64_t run, RunStatus status, const std::string& now_iso);
    // Takes over an unfinished run for this process (a resume); state-locked as begin_run.
    Status mark_running(std::int64_t run);
    // Marks a run that will not be continued (a mirror resumed as a new run).
    Status mark_interrupted(std::int64_t run, const std::string& now_iso);
    // The number of membership batches in the run's whole plan, once known.
    Status record_planned_total(std::int64_t run, std::int64_t batches);

    // Batches: seq is the position in the plan (0 is the naming call). Confirmed batches of a run, by seq,
    // with the hash of their body.
    Result<std::unordered_map<std::int64_t, std::string>> confirmed_batches(std::int64_t run);
    // Records batches as planned (not yet confirmed), in one transaction.
    struct PlannedBatch {
        std::int64_t seq = 0;
        BatchKind kind = BatchKind::Add;
        std::string body_hash;
        std::int64_t ids = 0;
    };
    Status record_planned(std::int64_t run, const std::vector<PlannedBatch>& batches);
    Status record_attempt(std::int64_t run, std::int64_t seq, long status);
    // Marks the batch confirmed and applies its identifiers to the confirmed membership, in one transaction;
    // with `status`, also records the attempt that confirmed it (record_attempt in the same transaction).
    Status confirm(std::int64_t run, std::int64_t seq, const std::string& cohort_scope,
                   const cohort::IdentifierKeys& keys, bool removed, std::optional<long> status = std::nullopt);
    Status mark_failed(std::int64_t run, std::int64_t seq);
    // Applies identifiers to the confirmed membership without touching any batch (half of a split batch).
    Status apply_members(const std::string& cohort_scope, const cohort::IdentifierKeys& keys, bool removed);
    // True when a naming call with this fingerprint was confirmed for the cohort in any run.
    Result<bool> named(const std::string& cohort_scope, const std::string& name_hash);

    // Confirmed membership of a cohort (scope = endpoint + partner + cohort id).
    Result<bool> is_member(const std::string& cohort_scope, std::string_view key);
    // One flag per key, in order: a mirror asks a batch at a time (one statement, one fold check).
    Result<std::vector<bool>> members_among(const std::string& cohort_scope, const std::vector<std::string>& keys);
    Result<std::int64_t> member_count(const std::string& cohort_scope);
    // Mirror: remembers the table's identifiers (a batch per transaction), then lists the confirmed members
    // that are not among them.
    Status begin_desired();
    Status add_desired(const std::vector<std::string>& keys);
    Status for_each_departed(const std::string& cohort_scope, const std::function<void(std::string_view)>& each);

private:
    StateStore(sqlite3* db, std::string path);
    // Runs `body` (which may throw SQLite's failures) and turns any failure into this file's Error.
    template <typename Body>
    auto guarded(Body&& body) -> Result<decltype(body())>;
    void exec(const char* sql);
    Result<std::optional<RunRecord>> newest_run(const char* where, const std::string& value);
    // The connection's prepared statement for this SQL (prepared at its first use); the caller holds mutex_.
    sqlite3_stmt* prepared(const char* sql);
    // Runs `body` in one write transaction (BEGIN IMMEDIATE), rolled back if it throws; the caller holds mutex_.
    void in_transaction(const std::function<void()>& body);
    // Throws when a live run other than `except` holds the scope; marks dead holders interrupted. Inside a write
    // transaction; the caller holds mutex_.
    void check_scope_free(const std::string& scope, std::int64_t except);
    void log_change(const std::string& cohort_scope, const cohort::IdentifierKeys& keys, bool removed);
    // Applies the logged changes to the members table; the caller holds mutex_.
    void fold_changes();
    class Checkpointer;
    sqlite3* db_;
    std::unique_ptr<Checkpointer> checkpointer_;  // null: SQLite checkpoints in the commits themselves
    std::string path_;
    std::unordered_map<std::string, sqlite3_stmt*> prepared_;
    std::mutex mutex_;
};

// This process as a run's owner ("host pid start"), and whether the process an owner names still runs.
std::string this_process_owner();
bool owner_alive(const std::string& owner);

}  // namespace tdbraze::sync
