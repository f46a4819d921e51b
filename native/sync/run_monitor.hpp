// What a sync tells whoever watches it, kept in one place: its progress and summary under one lock, events
// redacted before anyone sees them. The planning thread and the sending threads all report through it.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <utility>

#include "credentials.hpp"
#include "sync_engine.hpp"

namespace tdbraze::sync {

class RunMonitor {
public:
    using Clock = std::chrono::steady_clock;

    RunMonitor(SyncObserver& observer, secrets::Redactor redactor)
        : observer_(observer), redactor_(std::move(redactor)) {}

    std::string redact(std::string_view text) const { return redactor_.redact(text); }

    // An event for the observer; its message is redacted first.
    void event(SyncEvent e) {
        e.message = redactor_.redact(e.message);
        std::lock_guard lock(mutex_);
        observer_.on_event(e);
    }

    // Changes the progress and the summary together (`change(progress, summary)`), then shows the observer
    // the progress unless `tell` is false.
    template <typename Change>
    void update(Change&& change, bool tell = true) {
        std::lock_guard lock(mutex_);
        change(progress_, summary_);
        if (tell) observer_.on_progress(progress_);
    }

    void report(const cohort::Report& report) {
        std::lock_guard lock(mutex_);
        observer_.on_report(report);
    }

    // A request went out at `started` and its answer (or failure) came back now.
    void request_answered(Clock::time_point started, long status, bool confirmed) {
        std::lock_guard lock(mutex_);
        if (progress_.requests == 0 || started < first_request_) first_request_ = started;
        last_answer_ = Clock::now();
        ++progress_.requests;
        if (status == 429) ++progress_.status_429;
        if (!confirmed) ++progress_.errors;
    }

    SyncProgress progress() const {
        std::lock_guard lock(mutex_);
        return progress_;
    }
    SyncSummary summary() const {
        std::lock_guard lock(mutex_);
        return summary_;
    }
    // From the first request to the last answer; 0 when nothing was sent.
    double sending_seconds() const {
        std::lock_guard lock(mutex_);
        return progress_.requests == 0 ? 0 : std::chrono::duration<double>(last_answer_ - first_request_).count();
    }

private:
    SyncObserver& observer_;
    const secrets::Redactor redactor_;
    mutable std::mutex mutex_;
    SyncProgress progress_;
    SyncSummary summary_;
    Clock::time_point first_request_{}, last_answer_{};
};

}  // namespace tdbraze::sync
