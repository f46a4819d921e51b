// One piece of work on its own thread, with a cancel flag the work may watch and a result the UI thread
// picks up when it is ready. The UI thread never waits for the work: take_result() returns nothing until
// the work has finished.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <thread>
#include <utility>

namespace tdbraze::desktop {

template <class Result>
class BackgroundTask {
public:
    using Work = std::function<Result(const std::atomic<bool>& cancel)>;

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
        cancel_ = false;
        finished_ = false;
        result_.reset();
        thread_ = std::thread([this, work = std::move(work)] {
            result_ = work(cancel_);
            finished_ = true;  // after the result: whoever sees `finished_` may take it
        });
    }

    bool running() const { return thread_.joinable() && !finished_.load(); }
    void cancel() { cancel_ = true; }

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
    std::thread thread_;
    std::atomic<bool> cancel_{false};
    std::atomic<bool> finished_{false};
    std::optional<Result> result_;  // written by the thread before `finished_`, read after join()
};

}  // namespace tdbraze::desktop
