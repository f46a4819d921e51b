// The sync's memory between runs, in SQLite: each run, each planned batch and its outcome, and the cohort
// membership Braze has confirmed. It holds no secret: bodies are stored as hashes of their placeholder form.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace tdbraze::sync {

struct RunRecord {
    std::int64_t id = 0;
    std::string identity;
    std::string status;  // running, interrupted, failed, completed
    std::int64_t planned = 0;    // membership batches (the naming call is not counted)
    std::int64_t confirmed = 0;  // of those, confirmed
    std::string started_at;
    std::string finished_at;
};

class StateStore {
public:
    // Opens (creating if needed, with mode 0600) the database; errors as a message.
    static std::variant<std::unique_ptr<StateStore>, std::string> open(const std::string& path);
    ~StateStore();

    // The newest run with this identity, if any.
    std::optional<RunRecord> latest_run(const std::string& identity);
    std::int64_t begin_run(const std::string& identity, const std::string& cohort_scope, const std::string& operation,
                           const std::string& input, const std::string& now_iso);
    void finish_run(std::int64_t run, const std::string& status, const std::string& now_iso);
    void mark_running(std::int64_t run);

    // Batches: seq is the position in the plan (0 is the naming call). Confirmed batches of a run, by seq,
    // with the hash of their body.
    std::unordered_map<std::int64_t, std::string> confirmed_batches(std::int64_t run);
    // Records batches as planned (not yet confirmed), in one transaction.
    struct PlannedBatch {
        std::int64_t seq = 0;
        std::string kind;  // name, add or remove
        std::string body_hash;
        std::int64_t ids = 0;
    };
    void record_planned(std::int64_t run, const std::vector<PlannedBatch>& batches);
    void record_attempt(std::int64_t run, std::int64_t seq, long status);
    // Marks the batch confirmed and applies its identifiers to the confirmed membership, in one transaction;
    // with `status`, also records the attempt that confirmed it (record_attempt in the same transaction).
    void confirm(std::int64_t run, std::int64_t seq, const std::string& cohort_scope, const std::vector<std::string>& keys,
                 bool removed, std::optional<long> status = std::nullopt);
    void mark_failed(std::int64_t run, std::int64_t seq);
    // Applies identifiers to the confirmed membership without touching any batch (half of a split batch).
    void apply_members(const std::string& cohort_scope, const std::vector<std::string>& keys, bool removed);
    // True when a naming call with this fingerprint was confirmed for the cohort in any run.
    bool named(const std::string& cohort_scope, const std::string& name_hash);

    // Confirmed membership of a cohort (scope = endpoint + partner + cohort id).
    bool is_member(const std::string& cohort_scope, std::string_view key);
    // One flag per key, in order: a mirror asks a batch at a time (one statement, one fold check).
    std::vector<bool> members_among(const std::string& cohort_scope, const std::vector<std::string>& keys);
    std::int64_t member_count(const std::string& cohort_scope);
    // Mirror: remembers the table's identifiers (a batch per transaction), then lists the confirmed members
    // that are not among them.
    void begin_desired();
    void add_desired(const std::vector<std::string>& keys);
    void for_each_departed(const std::string& cohort_scope, const std::function<void(std::string_view)>& each);

private:
    explicit StateStore(sqlite3* db);
    void exec(const char* sql);
    // The connection's prepared statement for this SQL (prepared at its first use); the caller holds mutex_.
    sqlite3_stmt* prepared(const char* sql);
    // Runs `body` in one write transaction (BEGIN IMMEDIATE), rolled back if it throws; the caller holds mutex_.
    void in_transaction(const std::function<void()>& body);
    void log_change(const std::string& cohort_scope, const std::vector<std::string>& keys, bool removed);
    // Applies the logged changes to the members table; the caller holds mutex_.
    void fold_changes();
    sqlite3* db_;
    std::unordered_map<std::string, sqlite3_stmt*> prepared_;
    std::mutex mutex_;
};

}  // namespace tdbraze::sync
