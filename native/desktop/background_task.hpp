// One piece of work on its own thread, with a stop token the work may watch (or pass on: the sync and the
// replay wake from their waits when it is requested) and a result the UI thread picks up when it is ready.
// The UI thread never waits for the work: take_result() returns nothing until the work has finished.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <stop_token>
#include <thread>
#include <utility>

namespace tdbraze::desktop {

template <class Result>
class BackgroundTask {
public:
    using Work = std::function<Result(std::stop_token stop)>;

    BackgroundTask() = default;
    ~BackgroundTask() {
        cancel();
        wait();
    }
    BackgroundTask(const BackgroundTask&) = delete;
    BackgroundTask& operator=(const BackgroundTask&) = delete;

    // Starts `work`. A previous run that was not taken is waited for and forgotten.
    void start(Work work) {
        wait();
        finished_ = false;
        result_.reset();
        thread_ = std::jthread([this, work = std::move(work)](std::stop_token stop) {
            result_ = work(std::move(stop));
            finished_ = true;  // after the result: whoever sees `finished_` may take it
        });
    }

    bool running() const { return thread_.joinable() && !finished_.load(); }
    void cancel() { thread_.request_stop(); }

    // The result, once, after the work has finished.
    std::optional<Result> take_result() {
        if (!thread_.joinable() || !finished_.load()) return std::nullopt;
        thread_.join();
        return std::exchange(result_, std::nullopt);
    }

    void wait() {
        if (thread_.joinable()) thread_.join();
    }

private:
    std::jthread thread_;
    std::atomic<bool> finished_{false};
    std::optional<Result> result_;  // written by the thread before `finished_`, read after join()
};

}  // namespace tdbraze::desktop
