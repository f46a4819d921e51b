// A thread that makes items ahead of the caller that uses them, a few at a time: the reading threads of
// read_in_chunks (pieces of a file) and read_table_rows (batches of a table's rows) are both one of these.
//
// Why not a library queue: what both need beyond a queue is the thread's whole life in one object, the
// producer told to stop when the caller leaves early (an exception included) and waited for, its exception
// handed to the caller, and items recycled so that memory stays at `ahead` + 2 of them.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "batch_thread.hpp"

namespace tdbraze::files {

template <typename Item>
class WorkAhead {
public:
    // Fills an item (a recycled one, or a new Item{}) and queues it for the caller, after waiting while `ahead`
    // are queued. False, without filling, once the caller is gone: the producer should return.
    using HandOver = std::function<bool(const std::function<void(Item&)>& fill)>;

    // `produce` runs on a new thread: it hands items over in order and returns 0, or the errno that ended
    // the input early.
    WorkAhead(std::size_t ahead, std::function<int(const HandOver&)> produce)
        : ahead_(ahead), produce_(std::move(produce)) {
        thread_ = std::thread([this] { run(); });
    }
    // Also when the caller leaves on an exception: the producer is told to stop and waited for.
    ~WorkAhead() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        room_.notify_all();
        thread_.join();
    }
    WorkAhead(const WorkAhead&) = delete;
    WorkAhead& operator=(const WorkAhead&) = delete;

    // The next item, valid until the next call; nullptr once the producer returned and all were taken (then
    // error() is what it returned). What the producer threw is thrown here instead.
    const Item* next() {
        std::unique_lock lock(mutex_);
        if (held_) spare_.push_back(std::move(held_));
        filled_.wait(lock, [&] { return !ready_.empty() || finished_; });
        if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
        if (ready_.empty()) return nullptr;
        held_ = std::move(ready_.front());
        ready_.pop_front();
        lock.unlock();
        room_.notify_one();
        return held_.get();
    }

    int error() const {
        std::lock_guard lock(mutex_);
        return error_;
    }

private:
    bool hand_over(const std::function<void(Item&)>& fill) {
        std::unique_ptr<Item> item;
        {
            std::unique_lock lock(mutex_);
            room_.wait(lock, [&] { return ready_.size() < ahead_ || stop_; });
            if (stop_) return false;
            if (!spare_.empty()) {
                item = std::move(spare_.back());
                spare_.pop_back();
            }
        }
        if (!item) item = std::make_unique<Item>();
        fill(*item);
        {
            std::lock_guard lock(mutex_);
            ready_.push_back(std::move(item));
        }
        filled_.notify_one();
        return true;
    }

    void run() {
        schedule_as_batch_work();  // native/common/batch_thread.hpp says why
        int error = 0;
        try {
            error = produce_([this](const std::function<void(Item&)>& fill) { return hand_over(fill); });
        } catch (...) {  // nothing may leave a thread: the caller gets it from next()
            std::lock_guard lock(mutex_);
            failure_ = std::current_exception();
        }
        {
            std::lock_guard lock(mutex_);
            finished_ = true;
            error_ = error;
        }
        filled_.notify_one();
    }

    const std::size_t ahead_;
    std::function<int(const HandOver&)> produce_;
    mutable std::mutex mutex_;
    // One for each side, notified after unlocking: a notify under the lock, or of both sides at once, woke a
    // thread only for it to wait on the mutex (a sixth of a large check's context switches, in perf's trace,
    // were the reading thread waiting there).
    std::condition_variable room_;  // the producer waits for room in ready_, or stop_
    std::condition_variable filled_;  // the caller waits for an item, or finished_
    std::deque<std::unique_ptr<Item>> ready_;
    std::vector<std::unique_ptr<Item>> spare_;
    std::unique_ptr<Item> held_;  // the caller's, between two next() calls
    bool finished_ = false;
    bool stop_ = false;
    int error_ = 0;
    std::exception_ptr failure_;
    std::thread thread_;  // last: started once everything above is made
};

}  // namespace tdbraze::files
