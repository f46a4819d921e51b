#include "state_store.hpp"

#include <filesystem>
#include <stdexcept>

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

namespace tdbraze::sync {
namespace {

// A prepared statement: one of its own, finalized when done, or one of the store's cache, reset when done
// (its bindings cleared and any read it holds ended) for the next user.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("state database: ") + sqlite3_errmsg(db));
    }
    explicit Statement(sqlite3_stmt* cached) : stmt_(cached), cached_(true) {}
    ~Statement() {
        if (!cached_) {
            sqlite3_finalize(stmt_);
            return;
        }
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement& bind(int i, std::string_view s) {
        sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Statement& bind_blob(int i, std::string_view s) {
        sqlite3_bind_blob(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Statement& bind(int i, std::int64_t v) {
        sqlite3_bind_int64(stmt_, i, v);
        return *this;
    }
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw std::runtime_error(std::string("state database: ") + sqlite3_errmsg(sqlite3_db_handle(stmt_)));
    }
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    std::string text(int col) const {
        const auto* p = sqlite3_column_text(stmt_, col);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                 : std::string();
    }
    std::string_view blob(int col) const {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
        return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string_view();
    }

private:
    sqlite3_stmt* stmt_ = nullptr;
    bool cached_ = false;
};

// Raise with any change to the tables below that an older binary would misread, and migrate in open().
constexpr std::int64_t kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  identity TEXT NOT NULL,
  cohort_scope TEXT NOT NULL,
  operation TEXT NOT NULL,
  input TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_identity ON runs (identity, id);
CREATE TABLE IF NOT EXISTS batches (
  run_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  ids INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  last_status INTEGER,
  PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS members (
  cohort_scope TEXT NOT NULL,
  id_key BLOB NOT NULL,
  PRIMARY KEY (cohort_scope, id_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS member_changes (
  id INTEGER PRIMARY KEY,
  cohort_scope TEXT NOT NULL,
  removed INTEGER NOT NULL,
  id_keys BLOB NOT NULL
);
)sql";

// A change's identifier keys as one value: each key as a LEB128 length and its bytes. Keys are binary (type,
// label and value), so no separator byte is safe.
std::string pack_keys(const std::vector<std::string>& keys) {
    std::size_t size = 0;
    for (const std::string& key : keys) size += key.size() + 5;
    std::string out;
    out.reserve(size);
    for (const std::string& key : keys) {
        std::uint64_t n = key.size();
        do {
            const auto low = static_cast<unsigned char>(n & 0x7f);
            n >>= 7;
            out.push_back(static_cast<char>(n != 0 ? (low | 0x80) : low));
        } while (n != 0);
        out += key;
    }
    return out;
}

// The inverse of pack_keys; a truncated value (which SQLite's atomic commits rule out) throws rather than
// applying part of a change.
template <typename Each>
void unpack_keys(std::string_view packed, const Each& each) {
    std::size_t at = 0;
    while (at < packed.size()) {
        std::uint64_t n = 0;
        int shift = 0;
        for (;;) {
            if (at >= packed.size() || shift > 63) throw std::runtime_error("state database: a damaged member change");
            const auto byte = static_cast<unsigned char>(packed[at++]);
            n |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            shift += 7;
            if ((byte & 0x80) == 0) break;
        }
        if (n > packed.size() - at) throw std::runtime_error("state database: a damaged member change");
        each(packed.substr(at, static_cast<std::size_t>(n)));
        at += static_cast<std::size_t>(n);
    }
}

}  // namespace

std::variant<std::unique_ptr<StateStore>, std::string> StateStore::open(const std::string& path) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    // Create the file with mode 0600 before SQLite does: it may hold cohort membership (personal data).
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return "cannot open the state database '" + path + "'";
    ::close(fd);
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
        SQLITE_OK) {
        std::string message = "cannot open the state database '" + path + "': " + sqlite3_errmsg(db);
        sqlite3_close(db);
        return message;
    }
    sqlite3_busy_timeout(db, 10'000);
    std::unique_ptr<StateStore> store(new StateStore(db));
    try {
        // The layout's version, so that a binary never misreads a file a newer one wrote (one that, say, keeps
        // members somewhere it does not look). Files from before the version was kept read as 0: the same layout.
        const std::int64_t found = [&] {
            Statement version(db, "PRAGMA user_version");  // finished before the schema changes the journal mode
            version.step();
            return version.integer(0);
        }();
        if (found > kSchemaVersion)
            return "the state database '" + path + "' was written by a newer tdbraze (layout " + std::to_string(found) +
                   ", this one knows " + std::to_string(kSchemaVersion) +
                   "); use that version, or give this one another --state file";
        store->exec(kSchema);
        if (found < kSchemaVersion) store->exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
    } catch (const std::exception& e) {
        return std::string(e.what()) + " ('" + path + "')";
    }
    return store;
}

StateStore::StateStore(sqlite3* db) : db_(db) {}
StateStore::~StateStore() {
    for (auto& [sql, stmt] : prepared_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
}

// SQLite's C API keeps no cache of prepared statements (its Tcl binding has one), and parsing the few
// statements a batch runs (its planned row, its confirmation and the transaction around it) again for every
// batch was 7% of a sync's CPU, on cores it shares with the connections. Each is prepared once per store.
sqlite3_stmt* StateStore::prepared(const char* sql) {
    auto [at, added] = prepared_.try_emplace(sql, nullptr);
    if (added && sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &at->second, nullptr) != SQLITE_OK) {
        prepared_.erase(at);
        throw std::runtime_error(std::string("state database: ") + sqlite3_errmsg(db_));
    }
    return at->second;
}

void StateStore::in_transaction(const std::function<void()>& body) {
    Statement(prepared("BEGIN IMMEDIATE")).step();
    try {
        body();
        Statement(prepared("COMMIT")).step();
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

void StateStore::exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw std::runtime_error("state database: " + message);
    }
}

std::optional<RunRecord> StateStore::latest_run(const std::string& identity) {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "SELECT r.id, r.status, r.started_at, COALESCE(r.finished_at, ''),"
                " (SELECT COUNT(*) FROM batches b WHERE b.run_id = r.id AND b.kind <> 'name'),"
                " (SELECT COUNT(*) FROM batches b WHERE b.run_id = r.id AND b.kind <> 'name' AND b.status = 'confirmed')"
                " FROM runs r WHERE r.identity = ? ORDER BY r.id DESC LIMIT 1");
    s.bind(1, identity);
    if (!s.step()) return std::nullopt;
    RunRecord r;
    r.id = s.integer(0);
    r.identity = identity;
    r.status = s.text(1);
    r.started_at = s.text(2);
    r.finished_at = s.text(3);
    r.planned = s.integer(4);
    r.confirmed = s.integer(5);
    return r;
}

std::int64_t StateStore::begin_run(const std::string& identity, const std::string& scope, const std::string& operation,
                                   const std::string& input, const std::string& now) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "INSERT INTO runs (identity, cohort_scope, operation, input, status, started_at)"
                     " VALUES (?, ?, ?, ?, 'running', ?)");
    s.bind(1, identity).bind(2, scope).bind(3, operation).bind(4, input).bind(5, now);
    s.step();
    return sqlite3_last_insert_rowid(db_);
}

void StateStore::finish_run(std::int64_t run, const std::string& status, const std::string& now) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?");
    s.bind(1, status).bind(2, now).bind(3, run);
    s.step();
}

void StateStore::mark_running(std::int64_t run) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?");
    s.bind(1, run);
    s.step();
}

std::unordered_map<std::int64_t, std::string> StateStore::confirmed_batches(std::int64_t run) {
    std::lock_guard lock(mutex_);
    std::unordered_map<std::int64_t, std::string> out;
    Statement s(db_, "SELECT seq, body_hash FROM batches WHERE run_id = ? AND status = 'confirmed'");
    s.bind(1, run);
    while (s.step()) out.emplace(s.integer(0), s.text(1));
    return out;
}

void StateStore::record_planned(std::int64_t run, const std::vector<PlannedBatch>& batches) {
    std::lock_guard lock(mutex_);
    // One transaction for the batches planned together: a commit each was a WAL write and its locks per batch.
    in_transaction([&] {
        for (const PlannedBatch& b : batches) {
            Statement s(prepared("INSERT OR IGNORE INTO batches (run_id, seq, kind, body_hash, ids) VALUES (?, ?, ?, ?, ?)"));
            s.bind(1, run).bind(2, b.seq).bind(3, b.kind).bind(4, b.body_hash).bind(5, b.ids);
            s.step();
        }
    });
}

void StateStore::record_attempt(std::int64_t run, std::int64_t seq, long status) {
    std::lock_guard lock(mutex_);
    Statement s(prepared("UPDATE batches SET attempts = attempts + 1, last_status = ? WHERE run_id = ? AND seq = ?"));
    s.bind(1, static_cast<std::int64_t>(status)).bind(2, run).bind(3, seq);
    s.step();
}

void StateStore::confirm(std::int64_t run, std::int64_t seq, const std::string& scope,
                         const std::vector<std::string>& keys, bool removed, std::optional<long> status) {
    std::lock_guard lock(mutex_);
    in_transaction([&] {
        log_change(scope, keys, removed);
        if (status) {
            Statement attempt(prepared("UPDATE batches SET attempts = attempts + 1, last_status = ? WHERE run_id = ? AND seq = ?"));
            attempt.bind(1, static_cast<std::int64_t>(*status)).bind(2, run).bind(3, seq);
            attempt.step();
        }
        Statement batch(prepared("UPDATE batches SET status = 'confirmed' WHERE run_id = ? AND seq = ?"));
        batch.bind(1, run).bind(2, seq);
        batch.step();
    });
}

// A confirmation appends the batch's keys as one row instead of inserting each into the members B-tree: a
// thousand random keys in a million-member tree dirtied about a thousand pages per batch, all rewritten to the
// WAL and checkpointed back, which made recording cost ten times what sending did. The row commits in the same
// transaction as the batch's status, so a batch is confirmed if and only if its change is stored. The members
// table catches up (fold_changes) before anyone reads it.
void StateStore::log_change(const std::string& scope, const std::vector<std::string>& keys, bool removed) {
    if (keys.empty()) return;
    Statement change(prepared("INSERT INTO member_changes (cohort_scope, removed, id_keys) VALUES (?, ?, ?)"));
    change.bind(1, scope).bind(2, static_cast<std::int64_t>(removed ? 1 : 0)).bind_blob(3, pack_keys(keys));
    change.step();
}

void StateStore::fold_changes() {
    // Asked of the file rather than remembered: another process may share it.
    if (!Statement(prepared("SELECT 1 FROM member_changes LIMIT 1")).step()) return;
    // Folding writes keys all over the members B-tree; with SQLite's default 2 MB cache each of them reads and
    // writes its page through the kernel again. 64 MiB holds the tree of about a million members (some 60
    // bytes each with the scope). Only for the fold: the confirmations only append, and a cache that large
    // would fill with their pages, which are never read again, and stay in the process's memory.
    exec("PRAGMA cache_size = -65536");
    struct RestoreCache {
        StateStore& store;
        ~RestoreCache() { sqlite3_exec(store.db_, "PRAGMA cache_size = -2000", nullptr, nullptr, nullptr); }
    } restore{*this};
    in_transaction([&] {
        Statement add(db_, "INSERT OR IGNORE INTO members (cohort_scope, id_key) VALUES (?, ?)");
        Statement remove(db_, "DELETE FROM members WHERE cohort_scope = ? AND id_key = ?");
        // In the order they were confirmed: a key added by one batch and removed by a later one must end removed.
        Statement changes(db_, "SELECT id, cohort_scope, removed, id_keys FROM member_changes ORDER BY id");
        std::int64_t last = 0;
        while (changes.step()) {
            last = changes.integer(0);
            const std::string scope = changes.text(1);
            Statement& member = changes.integer(2) != 0 ? remove : add;
            unpack_keys(changes.blob(3), [&](std::string_view key) {
                member.bind(1, scope).bind_blob(2, key);
                member.step();
                member.reset();
            });
        }
        // Only the rows applied above: the store's lock keeps this connection's confirmations out, and BEGIN
        // IMMEDIATE keeps out another process sharing the file.
        Statement done(db_, "DELETE FROM member_changes WHERE id <= ?");
        done.bind(1, last);
        done.step();
    });
}

void StateStore::apply_members(const std::string& scope, const std::vector<std::string>& keys, bool removed) {
    std::lock_guard lock(mutex_);
    in_transaction([&] { log_change(scope, keys, removed); });
}

bool StateStore::named(const std::string& scope, const std::string& name_hash) {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT 1 FROM batches b JOIN runs r ON r.id = b.run_id WHERE r.cohort_scope = ? AND"
                     " b.kind = 'name' AND b.body_hash = ? AND b.status = 'confirmed' LIMIT 1");
    s.bind(1, scope).bind(2, name_hash);
    return s.step();
}

void StateStore::mark_failed(std::int64_t run, std::int64_t seq) {
    std::lock_guard lock(mutex_);
    Statement s(prepared("UPDATE batches SET status = 'failed' WHERE run_id = ? AND seq = ?"));
    s.bind(1, run).bind(2, seq);
    s.step();
}

bool StateStore::is_member(const std::string& scope, std::string_view key) {
    std::lock_guard lock(mutex_);
    fold_changes();
    Statement s(prepared("SELECT 1 FROM members WHERE cohort_scope = ? AND id_key = ?"));
    s.bind(1, scope).bind_blob(2, key);
    return s.step();
}

std::vector<bool> StateStore::members_among(const std::string& scope, const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    fold_changes();
    std::vector<bool> out;
    out.reserve(keys.size());
    Statement s(prepared("SELECT 1 FROM members WHERE cohort_scope = ? AND id_key = ?"));
    for (const std::string& key : keys) {
        s.bind(1, scope).bind_blob(2, key);
        out.push_back(s.step());
        s.reset();
    }
    return out;
}

std::int64_t StateStore::member_count(const std::string& scope) {
    std::lock_guard lock(mutex_);
    fold_changes();
    Statement s(db_, "SELECT COUNT(*) FROM members WHERE cohort_scope = ?");
    s.bind(1, scope);
    s.step();
    return s.integer(0);
}

void StateStore::begin_desired() {
    std::lock_guard lock(mutex_);
    // A temporary table: it lives as long as this connection and is never written to the state file. No long
    // transaction around the inserts: the workers' confirmations share this connection.
    exec("CREATE TEMP TABLE IF NOT EXISTS desired (id_key BLOB PRIMARY KEY) WITHOUT ROWID; DELETE FROM desired;");
}

void StateStore::add_desired(const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    // One short transaction per batch, under the lock that also keeps the workers' confirmations out of it:
    // a million single-row transactions (and statements) were most of a mirror's time.
    in_transaction([&] {
        Statement s(prepared("INSERT OR IGNORE INTO desired (id_key) VALUES (?)"));
        for (const std::string& key : keys) {
            s.bind_blob(1, key);
            s.step();
            s.reset();
        }
    });
}

void StateStore::for_each_departed(const std::string& scope, const std::function<void(std::string_view)>& each) {
    // Page by page, without holding the lock while `each` runs: it may wait for sending threads that need
    // the store to record their confirmations.
    std::string after;
    bool first = true;
    for (;;) {
        std::vector<std::string> page;
        {
            std::lock_guard lock(mutex_);
            fold_changes();
            Statement s(db_, "SELECT id_key FROM members WHERE cohort_scope = ? AND id_key > ? AND id_key NOT IN"
                             " (SELECT id_key FROM desired) ORDER BY id_key LIMIT 1000");
            s.bind(1, scope).bind_blob(2, first ? std::string_view("", 0) : std::string_view(after));
            while (s.step()) page.emplace_back(s.blob(0));
        }
        if (page.empty()) return;
        for (const std::string& key : page) each(key);
        after = page.back();
        first = false;
    }
}

}  // namespace tdbraze::sync
