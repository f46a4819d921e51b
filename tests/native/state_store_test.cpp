// The sync's state file: confirmed batches and the confirmed membership, which confirmations append to a
// change log and readers fold into the members table (native/sync/state_store.cpp).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "small_disk.hpp"
#include "scratch_dir.hpp"
#include "state_store.hpp"

using namespace tdbraze::sync;
namespace fs = std::filesystem;

namespace {

fs::path fresh_path(const std::string& name) {
    const fs::path p = tdbraze::test::scratch_dir("state") / name;
    fs::remove(p);
    fs::remove(p.string() + "-wal");
    fs::remove(p.string() + "-shm");
    return p;
}

// The value of a store operation that must succeed.
template <typename T>
T ok(tdbraze::Result<T> result) {
    INFO((result ? std::string() : result.error().message));
    REQUIRE(result.has_value());
    return std::move(*result);
}
void ok(const tdbraze::Status& status) {
    INFO((status ? std::string() : status.error().message));
    REQUIRE(status.has_value());
}

std::unique_ptr<StateStore> open_store(const fs::path& p) { return ok(StateStore::open(p.string())); }

tdbraze::cohort::IdentifierKeys keys(const std::string& prefix, int from, int to) {
    tdbraze::cohort::IdentifierKeys out;
    for (int i = from; i < to; ++i) out.push_back("u" + prefix + std::to_string(i));
    return out;
}

}  // namespace

TEST_CASE("state store: confirmed changes are applied in the order they were confirmed") {
    const fs::path path = fresh_path("order.db");
    auto store = open_store(path);
    const std::int64_t run = ok(store->begin_run("identity", "scope", Mode::Mirror, "t.csv", "2026-11-30T00:00:00Z"));
    ok(store->record_planned(
        run, {{1, BatchKind::Add, "h1", 3}, {2, BatchKind::Remove, "h2", 1}, {3, BatchKind::Add, "h3", 1}}));
    ok(store->confirm(run, 1, "scope", keys("", 0, 3), false, 201));
    ok(store->confirm(run, 2, "scope", {"u1"}, true));  // removed after it was added: ends removed
    ok(store->confirm(run, 3, "scope", {"u2"}, false));  // added twice: one member
    ok(store->apply_members("other-scope", {"u1"}, false));
    CHECK(*store->is_member("scope", "u0"));
    CHECK_FALSE(*store->is_member("scope", "u1"));
    CHECK(*store->is_member("scope", "u2"));
    CHECK(*store->member_count("scope") == 2);
    CHECK(*store->is_member("other-scope", "u1"));  // scopes (endpoint, partner, cohort) are kept apart
    const auto confirmed = ok(store->confirmed_batches(run));
    CHECK(confirmed.size() == 3);
    CHECK(confirmed.at(2) == "h2");

    // Changes confirmed after a fold are folded on the next read, again in order.
    ok(store->apply_members("scope", {"u1", "u5"}, false));
    ok(store->apply_members("scope", {"u5"}, true));
    CHECK(*store->is_member("scope", "u1"));
    CHECK_FALSE(*store->is_member("scope", "u5"));
    CHECK(*store->member_count("scope") == 3);
}

TEST_CASE("state store: batches planned together are all recorded, and only confirmed ones are listed as such") {
    auto store = open_store(fresh_path("planned.db"));
    const std::int64_t run = ok(store->begin_run("identity", "scope", Mode::Add, "t.csv", "2026-11-30T00:00:00Z"));
    ok(store->record_planned(run, {{0, BatchKind::Name, "n", 0}}));
    ok(store->record_planned(
        run, {{1, BatchKind::Add, "h1", 2}, {2, BatchKind::Add, "h2", 2}, {3, BatchKind::Add, "h3", 1}}));
    ok(store->record_planned(
        run, {{1, BatchKind::Add, "other", 2}}));  // planned again (a resumed run): the first record stays
    ok(store->confirm(run, 1, "scope", keys("", 0, 2), false, 201));
    ok(store->confirm(run, 2, "scope", keys("", 2, 4), false, 201));
    ok(store->record_attempt(run, 3, 503));
    ok(store->mark_failed(run, 3));
    const auto latest = ok(store->latest_run("identity"));
    REQUIRE(latest);
    CHECK(latest->planned == 3);  // the naming call is not a membership batch
    CHECK(latest->confirmed == 2);
    const auto confirmed = ok(store->confirmed_batches(run));
    REQUIRE(confirmed.size() == 2);
    CHECK(confirmed.at(1) == "h1");
    CHECK(confirmed.at(2) == "h2");
    CHECK(*store->member_count("scope") == 4);
}

TEST_CASE("state store: what one connection confirmed, another reads after reopening, and the file is private") {
    const fs::path path = fresh_path("shared.db");
    {
        auto writer = open_store(path);
        const std::int64_t run = ok(writer->begin_run("identity", "scope", Mode::Add, "t.csv", "2026-11-30T00:00:00Z"));
        ok(writer->record_planned(run, {{0, BatchKind::Name, "n", 0}}));
        ok(writer->confirm(run, 0, "scope", {}, false));
        for (int b = 0; b < 20; ++b) {
            ok(writer->record_planned(run, {{b + 1, BatchKind::Add, "h" + std::to_string(b), 50}}));
            ok(writer->confirm(run, b + 1, "scope", keys("", b * 50, b * 50 + 50), false));
        }
        // Closed without any read: the changes are still only in the log.
    }
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto reader = open_store(path);
    CHECK(*reader->member_count("scope") == 1000);
    const auto latest = ok(reader->latest_run("identity"));
    REQUIRE(latest.has_value());
    CHECK(latest->planned == 20);  // membership batches: the naming call is not one
    CHECK(latest->confirmed == 20);

    // Mirror: the confirmed members missing from the desired set, each once, across pages of a thousand.
    ok(reader->begin_desired());
    std::vector<std::string> desired;
    for (int i = 0; i < 1000; i += 3) desired.push_back("u" + std::to_string(i));
    ok(reader->add_desired(desired));
    ok(reader->add_desired({"u0", "u-not-a-member"}));  // again, and one that never was: no harm
    CHECK(*reader->members_among("scope", {"u5", "u-not-a-member", "u999", "u1000"}) ==
          std::vector<bool>{true, false, true, false});
    std::set<std::string> departed;
    std::size_t calls = 0;
    ok(reader->for_each_departed("scope", [&](std::string_view k) {
        departed.emplace(k);
        ++calls;
    }));
    CHECK(calls == departed.size());
    CHECK(departed.size() == 1000 - 334);
    CHECK(departed.count("u1") == 1);
    CHECK(departed.count("u3") == 0);
}

TEST_CASE("state store: a file written by a newer layout is refused, not misread") {
    const fs::path path = fresh_path("newer.db");
    ok(open_store(path)->apply_members("scope", {"u1"}, false));
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    int version = -1;
    sqlite3_exec(
        db, "PRAGMA user_version",
        [](void* out, int, char** v, char**) {
            *static_cast<int*>(out) = std::atoi(v[0]);
            return 0;
        },
        &version, nullptr);
    CHECK(version == 1);  // written on creation
    REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    auto opened = StateStore::open(path.string());
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().code == tdbraze::ErrorCode::StateNewerLayout);
    CHECK(opened.error().message.find("newer tdbraze") != std::string::npos);
}

using tdbraze::test::SmallDisk;

TEST_CASE("state store: a full disk is an error that names the file and says so, and the file stays usable") {
    SmallDisk disk(fresh_path("full-disk"), "size=160k");
    if (!disk.mounted) {
        WARN("not root or no mount: the full-disk test needs a small tmpfs");
        return;
    }
    const fs::path path = disk.dir / "state.db";
    auto store = open_store(path);
    const std::int64_t run = ok(store->begin_run("identity", "scope", Mode::Add, "t.csv", "2026-11-30T00:00:00Z"));
    tdbraze::Status failed;
    int confirmed = 0;
    for (int b = 1; b < 10'000 && failed; ++b) {
        failed = store->record_planned(run, {{b, BatchKind::Add, "h" + std::to_string(b), 100}});
        if (failed) failed = store->confirm(run, b, "scope", keys("-" + std::to_string(b) + "-", 0, 100), false, 201);
        if (failed) ++confirmed;
    }
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().code == tdbraze::ErrorCode::StateDiskFull);
    CHECK(failed.error().message.find(path.string()) != std::string::npos);
    CHECK(failed.error().message.find("disk is full") != std::string::npos);
    CHECK(confirmed > 0);
    // Room made: the same store goes on, and every batch confirmed before the failure is still there.
    disk.remount("size=16m");
    ok(store->record_planned(run, {{100'000, BatchKind::Add, "after", 1}}));
    ok(store->confirm(run, 100'000, "scope", {"u-after"}, false, 201));
    CHECK(ok(store->confirmed_batches(run)).size() == static_cast<std::size_t>(confirmed) + 1);
    CHECK(*store->member_count("scope") == confirmed * 100 + 1);
}

TEST_CASE("state store: a read-only disk and a damaged file are refused with what they are") {
    SmallDisk disk(fresh_path("read-only"), "size=1m");
    if (disk.mounted) {
        disk.remount("ro");
        auto opened = StateStore::open((disk.dir / "state.db").string());
        REQUIRE_FALSE(opened.has_value());
        CHECK(opened.error().code == tdbraze::ErrorCode::StateReadOnly);
        CHECK(opened.error().message.find("read-only") != std::string::npos);
    } else {
        WARN("not root or no mount: the read-only disk case needs a tmpfs");
    }
    const fs::path damaged = fresh_path("damaged.db");
    {
        std::ofstream f(damaged, std::ios::binary);
        for (int i = 0; i < 64; ++i) f << "this is not a SQLite database, but it is long enough to look like one ";
    }
    auto opened = StateStore::open(damaged.string());
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().code == tdbraze::ErrorCode::StateCorrupt);
    CHECK(opened.error().message.find(damaged.string()) != std::string::npos);
    CHECK(opened.error().message.find("move it aside") != std::string::npos);
}

TEST_CASE("state store: a running run whose process is gone is read as interrupted, and this process's is live") {
    const fs::path path = fresh_path("owner.db");
    const pid_t child = ::fork();
    if (child == 0) {
        auto opened = StateStore::open(path.string());
        const bool begun = opened && (*opened)->begin_run("gone", "scope", Mode::Add, "t.csv", "2026-11-30T00:00:00Z");
        ::_exit(begun ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WEXITSTATUS(status) == 0);
    auto store = open_store(path);
    const auto gone = ok(store->latest_run("gone"));
    REQUIRE(gone);
    CHECK(gone->status == RunStatus::Interrupted);
    CHECK_FALSE(gone->live);
    CHECK(ok(store->latest_run("gone"))->status == RunStatus::Interrupted);  // and so marked in the file

    const std::int64_t mine = ok(store->begin_run("mine", "scope", Mode::Add, "t.csv", "2026-11-30T00:00:00Z"));
    const auto live = ok(store->latest_run("mine"));
    REQUIRE(live);
    CHECK(live->status == RunStatus::Running);
    CHECK(live->live);
    CHECK_FALSE(live->planned_total.has_value());
    ok(store->record_planned_total(mine, 464));
    CHECK(ok(store->latest_run("mine"))->planned_total == 464);
}

TEST_CASE("state store: a running run holds its cohort: a second run of it is refused until the first ends") {
    const fs::path path = fresh_path("scope-lock.db");
    auto first = open_store(path);
    auto second = open_store(path);  // another connection, as another process would have
    const std::int64_t run = ok(first->begin_run("table-a", "cohort", Mode::Mirror, "a.csv", "2026-12-04T00:00:00Z"));
    const auto refused = second->begin_run("table-b", "cohort", Mode::Mirror, "b.csv", "2026-12-04T00:00:01Z");
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == tdbraze::ErrorCode::StateLocked);
    CHECK(refused.error().message.find("run " + std::to_string(run)) != std::string::npos);
    // Another cohort is free; the held one is free again once its run ends.
    CHECK(second->begin_run("table-b", "other cohort", Mode::Add, "b.csv", "2026-12-04T00:00:02Z").has_value());
    ok(first->finish_run(run, RunStatus::Completed, "2026-12-04T00:01:00Z"));
    const std::int64_t next = ok(second->begin_run("table-b", "cohort", Mode::Mirror, "b.csv", "2026-12-04T00:01:01Z"));
    // A resume is a claim too.
    ok(second->finish_run(next, RunStatus::Interrupted, "2026-12-04T00:01:02Z"));
    const std::int64_t third = ok(first->begin_run("table-c", "cohort", Mode::Add, "c.csv", "2026-12-04T00:01:03Z"));
    CHECK(second->mark_running(next).error().code == tdbraze::ErrorCode::StateLocked);
    ok(first->finish_run(third, RunStatus::Completed, "2026-12-04T00:01:04Z"));
    ok(second->mark_running(next));
}

TEST_CASE("state store: a run whose process is gone holds nothing, and is marked interrupted when claimed") {
    const fs::path path = fresh_path("scope-dead.db");
    auto store = open_store(path);
    const std::int64_t dead = ok(store->begin_run("table-a", "cohort", Mode::Mirror, "a.csv", "2026-12-04T00:00:00Z"));
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        // This machine, a process id that cannot be running (above the kernel's pid_max).
        const std::string host = this_process_owner().substr(0, this_process_owner().find(' '));
        const std::string sql = "UPDATE runs SET owner = '" + host + " 99999999 1' WHERE id = " + std::to_string(dead);
        REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    auto other = open_store(path);
    CHECK(other->begin_run("table-b", "cohort", Mode::Mirror, "b.csv", "2026-12-04T00:00:01Z").has_value());
    const auto latest = ok(other->latest_run("table-a"));
    REQUIRE(latest.has_value());
    CHECK(latest->status == RunStatus::Interrupted);
}

namespace {

// SQLite's default VFS with each file's xSync (an fsync) counted by the thread that asks for it; everything else
// passes through. Registered as the default while it lives, so the store's connections use it unknowingly.
class SyncCountingVfs {
public:
    SyncCountingVfs() : real_(sqlite3_vfs_find(nullptr)) {
        instance_ = this;
        vfs_ = *real_;
        vfs_.zName = "tdbraze-test-sync-counter";
        vfs_.szOsFile = static_cast<int>(sizeof(sqlite3_file)) + real_->szOsFile;
        vfs_.xOpen = &open;
        methods_ = sqlite3_io_methods{};
        REQUIRE(sqlite3_vfs_register(&vfs_, 1) == SQLITE_OK);
    }
    ~SyncCountingVfs() {
        sqlite3_vfs_register(real_, 1);
        sqlite3_vfs_unregister(&vfs_);
        instance_ = nullptr;
    }
    SyncCountingVfs(const SyncCountingVfs&) = delete;
    SyncCountingVfs& operator=(const SyncCountingVfs&) = delete;

    int syncs_on(std::thread::id thread) {
        std::lock_guard lock(mutex_);
        return by_thread_.count(thread) ? by_thread_[thread] : 0;
    }
    int syncs() {
        std::lock_guard lock(mutex_);
        int n = 0;
        for (const auto& [thread, count] : by_thread_) n += count;
        return n;
    }

private:
    // The real VFS's file lies right after the sqlite3_file this VFS hands to SQLite.
    static sqlite3_file* inner(sqlite3_file* f) { return reinterpret_cast<sqlite3_file*>(f + 1); }
    static const sqlite3_io_methods& real(sqlite3_file* f) { return *inner(f)->pMethods; }

    static int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
        SyncCountingVfs& self = *instance_;
        file->pMethods = nullptr;
        const int rc = self.real_->xOpen(self.real_, name, inner(file), flags, out_flags);
        if (rc != SQLITE_OK || inner(file)->pMethods == nullptr) return rc;
        if (self.methods_.iVersion == 0) self.methods_ = forwarding(*inner(file)->pMethods);
        file->pMethods = &self.methods_;
        return rc;
    }
    static sqlite3_io_methods forwarding(const sqlite3_io_methods& r) {
        sqlite3_io_methods m{};
        m.iVersion = r.iVersion;
        m.xClose = [](sqlite3_file* f) { return real(f).xClose(inner(f)); };
        m.xRead = [](sqlite3_file* f, void* p, int n, sqlite3_int64 at) { return real(f).xRead(inner(f), p, n, at); };
        m.xWrite = [](sqlite3_file* f, const void* p, int n, sqlite3_int64 at) {
            return real(f).xWrite(inner(f), p, n, at);
        };
        m.xTruncate = [](sqlite3_file* f, sqlite3_int64 size) { return real(f).xTruncate(inner(f), size); };
        m.xSync = [](sqlite3_file* f, int flags) {
            {
                std::lock_guard lock(instance_->mutex_);
                ++instance_->by_thread_[std::this_thread::get_id()];
            }
            return real(f).xSync(inner(f), flags);
        };
        m.xFileSize = [](sqlite3_file* f, sqlite3_int64* size) { return real(f).xFileSize(inner(f), size); };
        m.xLock = [](sqlite3_file* f, int level) { return real(f).xLock(inner(f), level); };
        m.xUnlock = [](sqlite3_file* f, int level) { return real(f).xUnlock(inner(f), level); };
        m.xCheckReservedLock = [](sqlite3_file* f, int* out) { return real(f).xCheckReservedLock(inner(f), out); };
        m.xFileControl = [](sqlite3_file* f, int op, void* arg) { return real(f).xFileControl(inner(f), op, arg); };
        m.xSectorSize = [](sqlite3_file* f) { return real(f).xSectorSize(inner(f)); };
        m.xDeviceCharacteristics = [](sqlite3_file* f) { return real(f).xDeviceCharacteristics(inner(f)); };
        m.xShmMap = [](sqlite3_file* f, int page, int size, int extend, void volatile** p) {
            return real(f).xShmMap(inner(f), page, size, extend, p);
        };
        m.xShmLock = [](sqlite3_file* f, int at, int n, int flags) { return real(f).xShmLock(inner(f), at, n, flags); };
        m.xShmBarrier = [](sqlite3_file* f) { real(f).xShmBarrier(inner(f)); };
        m.xShmUnmap = [](sqlite3_file* f, int remove) { return real(f).xShmUnmap(inner(f), remove); };
        m.xFetch = [](sqlite3_file* f, sqlite3_int64 at, int n, void** p) {
            return real(f).xFetch(inner(f), at, n, p);
        };
        m.xUnfetch = [](sqlite3_file* f, sqlite3_int64 at, void* p) { return real(f).xUnfetch(inner(f), at, p); };
        return m;
    }

    static inline SyncCountingVfs* instance_ = nullptr;
    sqlite3_vfs* const real_;
    sqlite3_vfs vfs_{};
    sqlite3_io_methods methods_{};
    std::mutex mutex_;
    std::map<std::thread::id, int> by_thread_;
};

}  // namespace

TEST_CASE("state store: a confirmation never waits for a checkpoint's fsyncs: the store's own thread makes them") {
    SyncCountingVfs vfs;
    const fs::path path = fresh_path("checkpoints.db");
    auto store = open_store(path);
    const std::int64_t run = ok(store->begin_run("identity", "scope", Mode::Add, "t.csv", "2026-11-30T00:00:00Z"));
    // About 12 MB of keys: the WAL passes SQLite's limit of 1000 pages a few times over.
    constexpr int kBatches = 400;
    std::vector<StateStore::PlannedBatch> planned;
    for (int b = 1; b <= kBatches; ++b) planned.push_back({b, BatchKind::Add, "h" + std::to_string(b), 1000});
    ok(store->record_planned(run, planned));
    const std::string padding(16, 'x');
    const int before = vfs.syncs_on(std::this_thread::get_id());  // making the file syncs it, as it should
    for (int b = 1; b <= kBatches; ++b)
        ok(store->confirm(run, b, "scope", keys(padding + std::to_string(b) + "-", 0, 1000), false, 201));
    const int committing = vfs.syncs_on(std::this_thread::get_id()) - before;
    // The checkpoints were made meanwhile, or are being made, on the store's own thread: each syncs the WAL and
    // then the database. The commit after a completed one syncs the restarted WAL's header once (SQLite's
    // rule), so the committing thread makes at most half as many; left to SQLite, it made them all.
    const auto others = [&] { return vfs.syncs() - vfs.syncs_on(std::this_thread::get_id()); };
    for (int waited = 0; others() < std::max(2, 2 * committing) && waited < 200; ++waited)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    INFO("syncs on the committing thread: " << committing << ", on others: " << others());
    CHECK(others() >= 2);
    CHECK(2 * committing <= others());
    CHECK(fs::file_size(path) > 4'000'000);  // the WAL's pages copied back while the store was open
    store.reset();
    CHECK(ok(open_store(path)->confirmed_batches(run)).size() == kBatches);
}
