// The sync's state file: confirmed batches and the confirmed membership, which confirmations append to a
// change log and readers fold into the members table (native/sync/state_store.cpp).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "state_store.hpp"

using namespace tdbraze::sync;
namespace fs = std::filesystem;

namespace {

fs::path fresh_path(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("tdbraze-state-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path p = dir / name;
    fs::remove(p);
    fs::remove(p.string() + "-wal");
    fs::remove(p.string() + "-shm");
    return p;
}

std::unique_ptr<StateStore> open_store(const fs::path& p) {
    auto opened = StateStore::open(p.string());
    REQUIRE(std::holds_alternative<std::unique_ptr<StateStore>>(opened));
    return std::move(std::get<std::unique_ptr<StateStore>>(opened));
}

std::vector<std::string> keys(const std::string& prefix, int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i) out.push_back("u" + prefix + std::to_string(i));
    return out;
}

}  // namespace

TEST_CASE("state store: confirmed changes are applied in the order they were confirmed") {
    const fs::path path = fresh_path("order.db");
    auto store = open_store(path);
    const std::int64_t run = store->begin_run("identity", "scope", "mirror", "t.csv", "2026-11-30T00:00:00Z");
    store->record_planned(run, {{1, "add", "h1", 3}, {2, "remove", "h2", 1}, {3, "add", "h3", 1}});
    store->confirm(run, 1, "scope", keys("", 0, 3), false, 201);
    store->confirm(run, 2, "scope", {"u1"}, true);   // removed after it was added: ends removed
    store->confirm(run, 3, "scope", {"u2"}, false);  // added twice: one member
    store->apply_members("other-scope", {"u1"}, false);
    CHECK(store->is_member("scope", "u0"));
    CHECK_FALSE(store->is_member("scope", "u1"));
    CHECK(store->is_member("scope", "u2"));
    CHECK(store->member_count("scope") == 2);
    CHECK(store->is_member("other-scope", "u1"));  // scopes (endpoint, partner, cohort) are kept apart
    const auto confirmed = store->confirmed_batches(run);
    CHECK(confirmed.size() == 3);
    CHECK(confirmed.at(2) == "h2");

    // Changes confirmed after a fold are folded on the next read, again in order.
    store->apply_members("scope", {"u1", "u5"}, false);
    store->apply_members("scope", {"u5"}, true);
    CHECK(store->is_member("scope", "u1"));
    CHECK_FALSE(store->is_member("scope", "u5"));
    CHECK(store->member_count("scope") == 3);
}

TEST_CASE("state store: batches planned together are all recorded, and only confirmed ones are listed as such") {
    auto store = open_store(fresh_path("planned.db"));
    const std::int64_t run = store->begin_run("identity", "scope", "add", "t.csv", "2026-11-30T00:00:00Z");
    store->record_planned(run, {{0, "name", "n", 0}});
    store->record_planned(run, {{1, "add", "h1", 2}, {2, "add", "h2", 2}, {3, "add", "h3", 1}});
    store->record_planned(run, {{1, "add", "other", 2}});  // planned again (a resumed run): the first record stays
    store->confirm(run, 1, "scope", keys("", 0, 2), false, 201);
    store->confirm(run, 2, "scope", keys("", 2, 4), false, 201);
    store->record_attempt(run, 3, 503);
    store->mark_failed(run, 3);
    const auto latest = store->latest_run("identity");
    REQUIRE(latest);
    CHECK(latest->planned == 3);  // the naming call is not a membership batch
    CHECK(latest->confirmed == 2);
    const auto confirmed = store->confirmed_batches(run);
    REQUIRE(confirmed.size() == 2);
    CHECK(confirmed.at(1) == "h1");
    CHECK(confirmed.at(2) == "h2");
    CHECK(store->member_count("scope") == 4);
}

TEST_CASE("state store: what one connection confirmed, another reads after reopening, and the file is private") {
    const fs::path path = fresh_path("shared.db");
    {
        auto writer = open_store(path);
        const std::int64_t run = writer->begin_run("identity", "scope", "add", "t.csv", "2026-11-30T00:00:00Z");
        writer->record_planned(run, {{0, "name", "n", 0}});
        writer->confirm(run, 0, "scope", {}, false);
        for (int b = 0; b < 20; ++b) {
            writer->record_planned(run, {{b + 1, "add", "h" + std::to_string(b), 50}});
            writer->confirm(run, b + 1, "scope", keys("", b * 50, b * 50 + 50), false);
        }
        // Closed without any read: the changes are still only in the log.
    }
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto reader = open_store(path);
    CHECK(reader->member_count("scope") == 1000);
    const auto latest = reader->latest_run("identity");
    REQUIRE(latest.has_value());
    CHECK(latest->planned == 20);  // membership batches: the naming call is not one
    CHECK(latest->confirmed == 20);

    // Mirror: the confirmed members missing from the desired set, each once, across pages of a thousand.
    reader->begin_desired();
    std::vector<std::string> desired;
    for (int i = 0; i < 1000; i += 3) desired.push_back("u" + std::to_string(i));
    reader->add_desired(desired);
    reader->add_desired({"u0", "u-not-a-member"});  // again, and one that never was: no harm
    CHECK(reader->members_among("scope", {"u5", "u-not-a-member", "u999", "u1000"}) ==
          std::vector<bool>{true, false, true, false});
    std::set<std::string> departed;
    std::size_t calls = 0;
    reader->for_each_departed("scope", [&](std::string_view k) {
        departed.emplace(k);
        ++calls;
    });
    CHECK(calls == departed.size());
    CHECK(departed.size() == 1000 - 334);
    CHECK(departed.count("u1") == 1);
    CHECK(departed.count("u3") == 0);
}

TEST_CASE("state store: a file written by a newer layout is refused, not misread") {
    const fs::path path = fresh_path("newer.db");
    open_store(path)->apply_members("scope", {"u1"}, false);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    int version = -1;
    sqlite3_exec(db, "PRAGMA user_version", [](void* out, int, char** v, char**) {
        *static_cast<int*>(out) = std::atoi(v[0]);
        return 0;
    }, &version, nullptr);
    CHECK(version == 1);  // written on creation
    REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    auto opened = StateStore::open(path.string());
    REQUIRE(std::holds_alternative<std::string>(opened));
    CHECK(std::get<std::string>(opened).find("newer tdbraze") != std::string::npos);
}
