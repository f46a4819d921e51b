// The work-ahead thread under read_in_chunks and read_table_rows (native/files/work_ahead.hpp): items in
// order, a bounded number ahead and recycled, the producer's errno and exception handed to the caller, and a
// caller that leaves early never left waiting.
#include <catch2/catch.hpp>

#include <sched.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <vector>

#include "work_ahead.hpp"

using tdbraze::files::WorkAhead;

namespace {

struct Item {
    int value = -1;
    int id = 0;  // which allocation this is: counts how many items were ever made
};

}  // namespace

TEST_CASE("work ahead: items arrive in order, at most `ahead` are made ahead, and they are recycled") {
    std::atomic<int> made{0};
    std::atomic<int> most_ahead{0};
    std::atomic<int> handed{0}, taken{0};
    std::vector<int> seen;
    std::set<const Item*> addresses;
    {
        WorkAhead<Item> work(3, [&](const auto& hand_over) {
            for (int i = 0; i < 1000; ++i) {
                const bool more = hand_over([&](Item& item) {
                    if (item.value < 0) item.id = ++made;
                    item.value = i;
                });
                if (!more) return 0;
                const int ahead = ++handed - taken.load();
                if (ahead > most_ahead) most_ahead = ahead;
            }
            return 0;
        });
        while (const Item* item = work.next()) {
            ++taken;
            seen.push_back(item->value);
            addresses.insert(item);
        }
        CHECK(work.error() == 0);
    }
    REQUIRE(seen.size() == 1000);
    for (int i = 0; i < 1000; ++i) CHECK(seen[static_cast<std::size_t>(i)] == i);
    // Three queued, one being filled and the caller's own: never more items than that, whatever the length.
    CHECK(made.load() <= 3 + 2);
    CHECK(addresses.size() <= 3 + 2);
    CHECK(most_ahead.load() <= 3 + 1);
}

TEST_CASE("work ahead: the producer's errno is the caller's error() after the items it made") {
    WorkAhead<Item> work(2, [](const auto& hand_over) {
        for (int i = 0; i < 5; ++i) hand_over([&](Item& item) { item.value = i; });
        return 5;  // EIO: the input ended early
    });
    int count = 0;
    while (work.next() != nullptr) ++count;
    CHECK(count == 5);
    CHECK(work.error() == 5);
}

TEST_CASE("work ahead: what the producer throws is thrown to the caller, never out of its thread") {
    WorkAhead<Item> work(2, [](const auto& hand_over) -> int {
        hand_over([](Item& item) { item.value = 1; });
        throw std::runtime_error("the disk went away");
    });
    CHECK_THROWS_WITH(
        [&] {
            while (work.next() != nullptr) {}
        }(),
        "the disk went away");
}

TEST_CASE("work ahead: a caller that leaves early stops the producer, which is waited for") {
    std::atomic<bool> told_to_stop{false};
    std::atomic<int> produced{0};
    {
        WorkAhead<Item> work(2, [&](const auto& hand_over) {
            for (;;) {  // endless: only the caller leaving ends it
                if (!hand_over([&](Item& item) { item.value = ++produced; })) {
                    told_to_stop = true;
                    return 0;
                }
            }
        });
        REQUIRE(work.next() != nullptr);
        REQUIRE(work.next() != nullptr);
    }  // the destructor must return: the producer is told to stop and joined
    CHECK(told_to_stop.load());
    CHECK(produced.load() <= 2 + 2 + 1);
}

TEST_CASE("work ahead: the producer runs as batch work, the caller's thread as it was") {
    const int callers_policy = sched_getscheduler(0);
    std::atomic<int> producers_policy{-2};
    WorkAhead<Item> work(2, [&](const auto& hand_over) {
        producers_policy = sched_getscheduler(0);  // of the calling thread, on Linux
        hand_over([](Item& item) { item.value = 1; });
        return 0;
    });
    while (work.next() != nullptr) {}
    CHECK(producers_policy.load() == SCHED_BATCH);
    CHECK(sched_getscheduler(0) == callers_policy);
}
