#include "state_store.hpp"

#include <cerrno>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include "error.hpp"
#include "tdbraze/varint.hpp"

namespace tdbraze::sync {
namespace {

// A failed SQLite call inside the store. Thrown only between a statement and StateStore::guarded, which
// turns it into an Error: no caller of the store sees an exception.
struct SqliteFailure : std::runtime_error {
    SqliteFailure(sqlite3* db, int result)
        : std::runtime_error(db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(result)),
          code(db != nullptr ? sqlite3_extended_errcode(db) : result),
          system_errno(db != nullptr ? sqlite3_system_errno(db) : 0) {}
    SqliteFailure(int result, std::string message) : std::runtime_error(std::move(message)), code(result) {}
    int code;  // SQLite's extended result code
    int system_errno = 0;  // the OS's errno of the last failed system call, when SQLite made one
};

// Which of the state file's failures this is: the user's remedy differs for each.
ErrorCode classify(int code, int system_errno) {
    if (system_errno == ENOSPC || system_errno == EDQUOT) return ErrorCode::StateDiskFull;
    if (system_errno == EROFS || system_errno == EACCES || system_errno == EPERM) return ErrorCode::StateReadOnly;
    switch (code & 0xff) {
        case SQLITE_FULL: return ErrorCode::StateDiskFull;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_CANTOPEN: return ErrorCode::StateReadOnly;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB: return ErrorCode::StateCorrupt;
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return ErrorCode::StateLocked;
        default: return ErrorCode::StateFailed;
    }
}

// What the user can do about each, said once here.
std::string_view remedy(ErrorCode code) {
    switch (code) {
        case ErrorCode::StateDiskFull: return "make room on its disk, or give --state a file on another one";
        case ErrorCode::StateReadOnly:
            return "make it and its folder writable, or give --state a file on a writable disk";
        case ErrorCode::StateCorrupt:
            return "move it aside and run again: a new state file starts from nothing (adds and removes are safe to "
                   "send again; a mirror cannot remove members only the old file knew of)";
        case ErrorCode::StateLocked:
            return "another tdbraze process is using it: wait for it to finish, or give --state another file";
        default: return "check the file and its disk";
    }
}

Error state_error(const std::string& path, int code, int system_errno, const std::string& detail) {
    const ErrorCode ec = classify(code, system_errno);
    std::string message = "state database '" + path + "': " + std::string(describe(ec)) + " (" + detail;
    if (const std::string words = system_reason(system_errno);
        system_errno != 0 && detail.find(words) == std::string::npos)
        message += ": " + words;
    return Error{ec, message + "); " + std::string(remedy(ec))};
}

// A prepared statement: one of its own, finalized when done, or one of the store's cache, reset when done
// (its bindings cleared and any read it holds ended) for the next user.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) {
        if (const int rc = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); rc != SQLITE_OK)
            throw SqliteFailure(db, rc);
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
        throw SqliteFailure(sqlite3_db_handle(stmt_), rc);
    }
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    std::string text(int col) const {
        const auto* p = sqlite3_column_text(stmt_, col);
        return p ? std::string(reinterpret_cast<const char*>(p),
                               static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
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
  finished_at TEXT,
  owner TEXT,
  planned_total INTEGER
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

// A change's identifier keys are kept as one value, as cohort::IdentifierKeys packs them: each key as a
// varint length and its bytes (keys are binary: type, label and value, so no separator byte is safe). Read
// back here key by key; a truncated value (which SQLite's atomic commits rule out) throws rather than
// applying part of a change.
template <typename Each>
void unpack_keys(std::string_view packed, const Each& each) {
    const char* at = packed.data();
    const char* const end = at + packed.size();
    while (at < end) {
        std::uint64_t n = 0;
        if (!get_varint(at, end, n) || n > static_cast<std::uint64_t>(end - at))
            throw SqliteFailure(SQLITE_CORRUPT, "a damaged member change");
        each(std::string_view(at, static_cast<std::size_t>(n)));
        at += n;
    }
}


// Columns added after files were first written: an older tdbraze ignores them, so the layout's version
// stays; a file without them gets them when it is opened.
constexpr const char* kAddedRunColumns[][2] = {{"owner", "TEXT"}, {"planned_total", "INTEGER"}};

// Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. With the pid it names one
// process, even after the pid is reused.
std::string process_start(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')');  // the command's name, in parentheses, may hold spaces
    if (close == std::string::npos) return {};
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {}
    return field;
}

std::string host_name() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) return "localhost";
    return host;
}

}  // namespace

std::string this_process_owner() {
    return host_name() + " " + std::to_string(::getpid()) + " " + process_start(::getpid());
}

bool owner_alive(const std::string& owner) {
    std::istringstream in(owner);
    std::string host, start;
    long pid = 0;
    if (!(in >> host >> pid >> start) || pid <= 0) return false;  // no owner recorded: an older tdbraze's run
    // Another machine's process cannot be seen from here: taken as alive rather than its run as abandoned.
    if (host != host_name()) return true;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
    return process_start(pid) == start;
}

// Checkpoints (copying the WAL's pages back into the database file, with an fsync before and after) run on a
// thread of their own, over a connection of their own. Left to SQLite, each ran inside whichever commit took
// the WAL past its limit, under the store's lock, so every sender waiting to record a confirmation waited for
// two fsyncs and the copying: with this machine's disk busy, a million-id sync's sending took 0.87-1.45 s
// against 0.72-0.80 s with the checkpoints on their own thread (the same when the disk is idle). A checkpoint
// that cannot run (a full or read-only disk) only lets the WAL grow: the commits, which meet the same fault,
// report it. (The first commit after a completed checkpoint still syncs the restarted WAL's header, once:
// SQLite's rule.)
class StateStore::Checkpointer {
public:
    // The checkpointer of the database at `path`, attached to `db`; null when no connection or thread is to
    // be had, and then SQLite's own checkpoints stay.
    static std::unique_ptr<Checkpointer> attach(sqlite3* db, const std::string& path) {
        sqlite3* own = nullptr;
        // A connection learns that the file is in WAL mode only by reading it; until then a checkpoint does
        // nothing.
        if (sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK ||
            sqlite3_exec(own, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
            sqlite3_close(own);
            return nullptr;
        }
        std::unique_ptr<Checkpointer> c(new Checkpointer(own));
        try {
            c->thread_ = std::thread([raw = c.get()] { raw->run(); });
        } catch (const std::system_error&) {
            return nullptr;
        }
        sqlite3_wal_hook(db, &Checkpointer::after_commit, c.get());  // replaces SQLite's automatic checkpoints
        return c;
    }
    ~Checkpointer() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wanted_.notify_one();
        if (thread_.joinable()) thread_.join();
        sqlite3_close(db_);
    }
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

private:
    // SQLite's own limit: past it, a checkpoint is due.
    static constexpr int kWalPages = 1000;

    explicit Checkpointer(sqlite3* db) : db_(db) {}
    // Called by SQLite after each commit of the store's connection (under its lock), with the WAL's size in
    // pages. One checkpoint per kWalPages written, as SQLite's own: asked after every commit past the limit,
    // each would sync the files again for a few pages.
    static int after_commit(void* self, sqlite3*, const char*, int pages) {
        auto* const c = static_cast<Checkpointer*>(self);
        if (pages < c->asked_at_) c->asked_at_ = 0;  // the WAL started over
        if (pages - c->asked_at_ >= kWalPages) {
            c->asked_at_ = pages;
            c->request();
        }
        return SQLITE_OK;
    }
    void request() {
        {
            std::lock_guard lock(mutex_);
            due_ = true;
        }
        wanted_.notify_one();
    }
    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            wanted_.wait(lock, [&] { return due_ || stop_; });
            if (stop_) return;
            due_ = false;
            lock.unlock();
            // PASSIVE waits for no reader or writer: it copies what it can, and commits go on meanwhile.
            sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
            lock.lock();
        }
    }

    sqlite3* const db_;
    int asked_at_ = 0;  // the WAL's pages when a checkpoint was last asked for; after_commit's alone
    std::mutex mutex_;
    std::condition_variable wanted_;
    bool due_ = false, stop_ = false;
    std::thread thread_;
};

template <typename Body>
auto StateStore::guarded(Body&& body) -> Result<decltype(body())> {
    try {
        if constexpr (std::is_void_v<decltype(body())>) {
            body();
            return {};
        } else {
            return body();
        }
    } catch (const SqliteFailure& e) {
        return tl::unexpected(state_error(path_, e.code, e.system_errno, e.what()));
    } catch (const std::bad_alloc&) {
        return fail(ErrorCode::StateFailed, "state database '" + path_ + "': out of memory");
    }
}

Result<std::unique_ptr<StateStore>> StateStore::open(const std::string& path) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    // Create the file with mode 0600 before SQLite does: it may hold cohort membership (personal data).
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        const int system_errno = errno;
        return tl::unexpected(state_error(path, SQLITE_CANTOPEN, system_errno, "cannot open it"));
    }
    ::close(fd);
    sqlite3* db = nullptr;
    if (const int rc = sqlite3_open_v2(path.c_str(), &db,
                                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
        rc != SQLITE_OK) {
        Error error = state_error(path, sqlite3_extended_errcode(db), sqlite3_system_errno(db), sqlite3_errmsg(db));
        sqlite3_close(db);
        return tl::unexpected(std::move(error));
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 10'000);
    std::unique_ptr<StateStore> store(new StateStore(db, path));
    std::optional<std::int64_t> newer;
    auto opened = store->guarded([&] {
        // The layout's version, so that a binary never misreads a file a newer one wrote (one that, say, keeps
        // members somewhere it does not look). Files from before the version was kept read as 0: the same layout.
        const std::int64_t found = [&] {
            Statement version(db, "PRAGMA user_version");  // finished before the schema changes the journal mode
            version.step();
            return version.integer(0);
        }();
        if (found > kSchemaVersion) {
            newer = found;
            return;
        }
        store->exec(kSchema);
        for (const auto& [column, type] : kAddedRunColumns) {
            Statement has(db, "SELECT 1 FROM pragma_table_info('runs') WHERE name = ?");
            has.bind(1, std::string_view(column));
            if (!has.step()) store->exec(("ALTER TABLE runs ADD COLUMN " + std::string(column) + " " + type).c_str());
        }
        if (found < kSchemaVersion) store->exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
    });
    if (!opened) return tl::unexpected(opened.error());
    if (!newer) store->checkpointer_ = Checkpointer::attach(db, path);
    if (newer)
        return fail(ErrorCode::StateNewerLayout,
                    "the state database '" + path + "' was written by a newer tdbraze (layout " +
                        std::to_string(*newer) + ", this one knows " + std::to_string(kSchemaVersion) +
                        "); use that version, or give this one another --state file");
    return store;
}

StateStore::StateStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
StateStore::~StateStore() {
    checkpointer_.reset();  // first, so that the store's connection is the last and takes the WAL away
    for (auto& [sql, stmt] : prepared_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
}

// SQLite's C API keeps no cache of prepared statements (its Tcl binding has one), and parsing the few
// statements a batch runs (its planned row, its confirmation and the transaction around it) again for every
// batch was 7% of a sync's CPU, on cores it shares with the connections. Each is prepared once per store.
sqlite3_stmt* StateStore::prepared(const char* sql) {
    auto [at, added] = prepared_.try_emplace(sql, nullptr);
    if (added) {
        if (const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &at->second, nullptr);
            rc != SQLITE_OK) {
            prepared_.erase(at);
            throw SqliteFailure(db_, rc);
        }
    }
    return at->second;
}

void StateStore::in_transaction(const std::function<void()>& body) {
    Statement(prepared("BEGIN IMMEDIATE")).step();
    try {
        body();
        Statement(prepared("COMMIT")).step();
    } catch (...) {
        // SQLite rolls a transaction back by itself on some failures (a full disk among them); a ROLLBACK
        // then would fail and hide the failure that matters.
        if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

void StateStore::exec(const char* sql) {
    char* error = nullptr;
    if (const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error); rc != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        SqliteFailure failure(sqlite3_extended_errcode(db_), message);
        failure.system_errno = sqlite3_system_errno(db_);
        throw failure;
    }
}

// The columns newest_run reads, of the runs a WHERE clause selects.
constexpr std::string_view kRunColumns =
    "SELECT r.id, r.status, r.started_at, COALESCE(r.finished_at, ''), COALESCE(r.owner, ''), r.planned_total,"
    " (SELECT COUNT(*) FROM batches b WHERE b.run_id = r.id AND b.kind <> 'name'),"
    " (SELECT COUNT(*) FROM batches b WHERE b.run_id = r.id AND b.kind <> 'name' AND b.status = 'confirmed'),"
    " r.identity FROM runs r ";

Result<std::optional<RunRecord>> StateStore::latest_run(const std::string& identity) {
    return newest_run("WHERE r.identity = ? ORDER BY r.id DESC LIMIT 1", identity);
}

Result<std::optional<RunRecord>> StateStore::latest_run_of_input(const std::string& input) {
    return newest_run("WHERE r.input = ? ORDER BY r.id DESC LIMIT 1", input);
}

Result<std::optional<RunRecord>> StateStore::newest_run(const char* where, const std::string& value) {
    std::lock_guard lock(mutex_);
    return guarded([&]() -> std::optional<RunRecord> {
        Statement s(db_, (std::string(kRunColumns) + where).c_str());
        s.bind(1, value);
        if (!s.step()) return std::nullopt;
        RunRecord r;
        r.id = s.integer(0);
        r.identity = s.text(8);
        r.status = from_string<RunStatus>(s.text(1)).value_or(RunStatus::Interrupted);
        r.started_at = s.text(2);
        r.finished_at = s.text(3);
        r.owner = s.text(4);
        if (!s.is_null(5)) r.planned_total = s.integer(5);
        r.planned = s.integer(6);
        r.confirmed = s.integer(7);
        if (r.status == RunStatus::Running) {
            r.live = owner_alive(r.owner);
            if (!r.live) {
                // Its process is gone (killed, crashed, the machine restarted): say so in the file too.
                Statement mark(db_,
                               "UPDATE runs SET status = 'interrupted', finished_at ="
                               " strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ? AND status = 'running'");
                mark.bind(1, r.id);
                mark.step();
                r.status = RunStatus::Interrupted;
            }
        }
        return r;
    });
}

namespace {

// Thrown inside a claim's transaction when a live run holds the scope.
struct ScopeHeld {
    std::int64_t run;
    std::string owner;
};

Error scope_held(const ScopeHeld& held) {
    return Error{ErrorCode::StateLocked, "run " + std::to_string(held.run) + " (process " + held.owner +
                                             ") is in progress for the same cohort or receiver"};
}

}  // namespace

// The check and the claim are one write transaction (BEGIN IMMEDIATE takes SQLite's write lock), so of two
// processes starting at once exactly one gets the scope; the other sees its run, live.
void StateStore::check_scope_free(const std::string& scope, std::int64_t except) {
    Statement running(
        prepared("SELECT id, COALESCE(owner, '') FROM runs WHERE cohort_scope = ? AND status = 'running'"
                 " AND id <> ?"));
    running.bind(1, scope).bind(2, except);
    std::vector<std::int64_t> gone;
    while (running.step()) {
        const std::string owner = running.text(1);
        if (owner_alive(owner)) throw ScopeHeld{running.integer(0), owner};
        gone.push_back(running.integer(0));
    }
    running.reset();
    for (const std::int64_t run : gone) {
        Statement mark(
            prepared("UPDATE runs SET status = 'interrupted', finished_at ="
                     " strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ? AND status = 'running'"));
        mark.bind(1, run);
        mark.step();
        mark.reset();
    }
}

Result<std::int64_t> StateStore::begin_run(const std::string& identity, const std::string& scope, Mode mode,
                                           const std::string& input, const std::string& now) {
    std::lock_guard lock(mutex_);
    try {
        return guarded([&] {
            std::int64_t id = 0;
            in_transaction([&] {
                check_scope_free(scope, 0);
                Statement s(db_,
                            "INSERT INTO runs (identity, cohort_scope, operation, input, status, started_at, owner)"
                            " VALUES (?, ?, ?, ?, 'running', ?, ?)");
                s.bind(1, identity)
                    .bind(2, scope)
                    .bind(3, to_string(mode))
                    .bind(4, input)
                    .bind(5, now)
                    .bind(6, this_process_owner());
                s.step();
                id = static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
            });
            return id;
        });
    } catch (const ScopeHeld& held) {
        return tl::unexpected(scope_held(held));
    }
}

Status StateStore::finish_run(std::int64_t run, RunStatus status, const std::string& now) {
    std::lock_guard lock(mutex_);
    return guarded([&] {
        Statement s(db_, "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?");
        s.bind(1, to_string(status)).bind(2, now).bind(3, run);
        s.step();
    });
}

Status StateStore::mark_running(std::int64_t run) {
    std::lock_guard lock(mutex_);
    try {
        return guarded([&] {
            in_transaction([&] {
                std::string scope;
                {
                    Statement find(db_, "SELECT cohort_scope FROM runs WHERE id = ?");
                    find.bind(1, run);
                    if (find.step()) scope = find.text(0);
                }
                check_scope_free(scope, run);
                Statement s(db_, "UPDATE runs SET status = 'running', finished_at = NULL, owner = ? WHERE id = ?");
                s.bind(1, this_process_owner()).bind(2, run);
                s.step();
            });
        });
    } catch (const ScopeHeld& held) {
        return tl::unexpected(scope_held(held));
    }
}

Status StateStore::mark_interrupted(std::int64_t run, const std::string& now) {
    return finish_run(run, RunStatus::Interrupted, now);
}

Status StateStore::record_planned_total(std::int64_t run, std::int64_t batches) {
    std::lock_guard lock(mutex_);
    return guarded([&] {
        Statement s(db_, "UPDATE runs SET planned_total = ? WHERE id = ?");
        s.bind(1, batches).bind(2, run);
        s.step();
    });
}

Result<std::unordered_map<std::int64_t, std::string>> StateStore::confirmed_batches(std::int64_t run) {
    std::lock_guard lock(mutex_);
    return guarded([&] {
        std::unordered_map<std::int64_t, std::string> out;
        Statement s(db_, "SELECT seq, body_hash FROM batches WHERE run_id = ? AND status = 'confirmed'");
        s.bind(1, run);
        while (s.step()) out.emplace(s.integer(0), s.text(1));
        return out;
    });
}

Status StateStore::record_planned(std::int64_t run, const std::vector<PlannedBatch>& batches) {
    std::lock_guard lock(mutex_);
    return guarded([&] {
        // One transaction for the batches planned together: a commit each was a WAL write and its locks per batch.
        in_transaction([&] {
            for (const PlannedBatch& b : batches) {
                Statement s(prepared(
                    "INSERT OR IGNORE INTO batches (run_id, seq, kind, body_hash, ids) VALUES (?, ?, ?, ?, ?)"));
                s.bind(1, run).bind(2, b.seq).bind(3, to_string(b.kind)).bind(4, b.body_hash).bind(5, b.ids);
                s.step();
            }
        });
    });
}

Status StateStore::record_attempt(std::int64_t run, std::int64_t seq, long status) {
    std::lock_guard lock(mutex_);
    return guarded([&] {
        Statement s(
            prepared("UPDATE batches SET attempts = attempts + 1, last_status = ? WHERE run_id = ? AND seq = ?"));
        s.bind(1, static_cast<std::int64_t>(status)).bind(2, run).bind(3, seq);
        s.step();
    });
}

Status StateStore::confirm(std::int64_t run, std::int64_t seq, const std::string& scope,
                           const cohort::IdentifierKeys& keys, bool removed, std::optional<long> status) {
    std::lock_guard lock(mutex_);
    return guarded([&] {
        in_transaction([&] {
            log_change(scope, keys, removed);
            if (status) {
                Statement attempt(prepared(
                    "UPDATE batches SET attempts = attempts + 1, last_status = ? WHERE run_id = ? AND seq = ?"));
                attempt.bind(1, static_cast<std::int64_t>(*status)).bind(2, run).bind(3, seq);
                attempt.step();
            }
            Statement batch(prepared("UPDATE batches SET status = 'confirmed' WHERE run_id = ? AND seq = ?"));
            batch.bind(1, run).bind(2, seq);
            batch.step();
        });
    });
}

// A confirmation appends the batch's keys as one row instead of inserting each into the members B-tree: a
// thousand random keys in a million-member tree dirtied about a thousand pages per batch, all rewritten to the
// WAL and checkpointed back, which made recording cost ten times what sending did. The row commits in the same
// transaction as the batch's status, so a batch is confirmed if and only if its change is stored. The members
// table catches up (fold_changes) before anyone reads it.
void StateStore::log_change(const std::string& scope, const cohort::IdentifierKeys& keys, bool removed) {
    if (keys.empty()) return;
    Statement change(prepared("INSERT INTO member_changes (cohort_scope, removed, id_keys) VALUES (?, ?, ?)"));
    change.bind(1, scope).bind(2, static_cast<std::int64_t>(removed ? 1 : 0)).bind_blob(3, keys.packed());
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

Status StateStore::apply_members(const std::string& scope, const cohort::IdentifierKeys& keys, bool removed) {
    std::lock_guard lock(mutex_);
    return guarded([&] { in_transaction([&] { log_change(scope, keys, removed); }); });
}

Result<bool> StateStore::named(const std::string& scope, const std::string& name_hash) {
    std::lock_guard lock(mutex_);
    return guarded([&] {
        Statement s(db_,
                    "SELECT 1 FROM batches b JOIN runs r ON r.id = b.run_id WHERE r.cohort_scope = ? AND"
                    " b.kind = 'name' AND b.body_hash = ? AND b.status = 'confirmed' LIMIT 1");
        s.bind(1, scope).bind(2, name_hash);
        return s.step();
    });
}

Status StateStore::mark_failed(std::int64_t run, std::int64_t seq) {
    std::lock_guard lock(mutex_);
    return guarded([&] {
        Statement s(prepared("UPDATE batches SET status = 'failed' WHERE run_id = ? AND seq = ?"));
        s.bind(1, run).bind(2, seq);
        s.step();
    });
}

Result<bool> StateStore::is_member(const std::string& scope, std::string_view key) {
    std::lock_guard lock(mutex_);
    return guarded([&] {
        fold_changes();
        Statement s(prepared("SELECT 1 FROM members WHERE cohort_scope = ? AND id_key = ?"));
        s.bind(1, scope).bind_blob(2, key);
        return s.step();
    });
}

Result<std::vector<bool>> StateStore::members_among(const std::string& scope, const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    return guarded([&] {
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
    });
}

Result<std::int64_t> StateStore::member_count(const std::string& scope) {
    std::lock_guard lock(mutex_);
    return guarded([&] {
        fold_changes();
        Statement s(db_, "SELECT COUNT(*) FROM members WHERE cohort_scope = ?");
        s.bind(1, scope);
        s.step();
        return s.integer(0);
    });
}

Status StateStore::begin_desired() {
    std::lock_guard lock(mutex_);
    // A temporary table: it lives as long as this connection and is never written to the state file. No long
    // transaction around the inserts: the workers' confirmations share this connection.
    return guarded([&] {
        exec("CREATE TEMP TABLE IF NOT EXISTS desired (id_key BLOB PRIMARY KEY) WITHOUT ROWID; DELETE FROM desired;");
    });
}

Status StateStore::add_desired(const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    // One short transaction per batch, under the lock that also keeps the workers' confirmations out of it:
    // a million single-row transactions (and statements) were most of a mirror's time.
    return guarded([&] {
        in_transaction([&] {
            Statement s(prepared("INSERT OR IGNORE INTO desired (id_key) VALUES (?)"));
            for (const std::string& key : keys) {
                s.bind_blob(1, key);
                s.step();
                s.reset();
            }
        });
    });
}

Status StateStore::for_each_departed(const std::string& scope, const std::function<void(std::string_view)>& each) {
    // Page by page, without holding the lock while `each` runs: it may wait for sending threads that need
    // the store to record their confirmations.
    std::string after;
    bool first = true;
    for (;;) {
        std::vector<std::string> page;
        {
            std::lock_guard lock(mutex_);
            auto read = guarded([&] {
                fold_changes();
                Statement s(db_,
                            "SELECT id_key FROM members WHERE cohort_scope = ? AND id_key > ? AND id_key NOT IN"
                            " (SELECT id_key FROM desired) ORDER BY id_key LIMIT 1000");
                s.bind(1, scope).bind_blob(2, first ? std::string_view("", 0) : std::string_view(after));
                while (s.step()) page.emplace_back(s.blob(0));
            });
            if (!read) return read;
        }
        if (page.empty()) return {};
        for (const std::string& key : page) each(key);
        after = page.back();
        first = false;
    }
}

}  // namespace tdbraze::sync
