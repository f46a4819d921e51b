// The sending stage of a sync: planned batches go into a bounded queue, and worker threads send them under
// the shared rate limit, retry what may succeed later, split what is too large, and record every
// confirmation in the state file before counting it. The first error that ends the run stops every worker
// (requests in flight finish); so does the user's stop.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "credentials.hpp"
#include "error.hpp"
#include "http_client.hpp"
#include "rate_limiter.hpp"
#include "retry_policy.hpp"
#include "run_monitor.hpp"
#include "state_store.hpp"
#include "sync_types.hpp"
#include "tdbraze/cohort.hpp"

namespace tdbraze::sync {

// One request of the plan: its place in the plan (0 is the naming call), its kind and its body.
struct Batch {
    std::int64_t seq = 0;
    BatchKind kind = BatchKind::Add;
    cohort::PlannedRequest request;
};

struct SenderSettings {
    std::string endpoint;  // without a trailing slash
    std::string cohort_scope;  // endpoint, partner and cohort: whose membership a confirmation changes
    cohort::Settings cohort;  // for splitting a batch Braze found too large
    secrets::Credentials credentials;
    transport::HttpOptions http;
    BackoffPolicy backoff;
    double requests_per_hour = 250'000;
    int threads = 4;
};

class Sender {
public:
    // Starts the workers at once; they wait for batches. `user_stop` is the caller's Ctrl-C or Cancel.
    Sender(SenderSettings settings, StateStore& store, std::int64_t run, RunMonitor& monitor,
           std::stop_token user_stop);
    // Stops and joins the workers if finish() was not called.
    ~Sender();
    Sender(const Sender&) = delete;
    Sender& operator=(const Sender&) = delete;

    // Queues a batch, waiting while the queue is full (planning never runs far ahead of sending). False once
    // the run is stopping.
    bool push(Batch batch);
    // The naming call was confirmed by an earlier run: membership batches need not wait for one.
    void name_confirmed_before();
    // No more batches: sends what is queued, then joins the workers.
    void finish();

    // Ends the run with this error (the first one wins): nothing new is sent; requests in flight finish. The
    // observer is told, as the run's last event.
    void stop_with(Error error, std::int64_t seq = -1, long status = 0, int attempt = 0);
    // Records a write to the state file; a failed one stops the run. True when it was written.
    bool record(const Status& status);

    bool stopping() const { return stop_.stop_requested(); }
    bool cancelled_by_user() const { return stopping() && !error(); }
    std::optional<Error> error() const;
    std::uint64_t failed_batches() const { return failed_.load(); }

private:
    void work(int index);
    std::optional<Batch> next_batch();
    bool wait_for_name();
    bool send(transport::HttpClient& client, std::mt19937_64& random, const Batch& batch,
              const cohort::PlannedRequest& request, bool part = false);
    bool send_halves(transport::HttpClient& client, std::mt19937_64& random, const Batch& batch,
                     const cohort::PlannedRequest& request);

    const SenderSettings settings_;
    StateStore& store_;
    const std::int64_t run_;
    RunMonitor& monitor_;
    std::stop_source stop_;
    std::stop_callback<std::function<void()>> user_stop_;

    mutable std::mutex mutex_;  // the queue, the naming call's state and the error
    // One for each thing waited for, each notifying only who can go on: with one for all, every batch queued
    // or taken woke all sixteen workers to find nothing for most of them (a sync's context switches doubled).
    std::condition_variable_any queued_;  // workers wait for a batch, or closed_
    std::condition_variable_any room_;  // push() waits for room in the queue
    std::condition_variable_any named_;  // membership batches wait for the naming call's answer
    std::deque<Batch> queue_;
    std::size_t queue_limit_;
    bool closed_ = false;
    enum class Name { Pending, Confirmed, Failed } name_ = Name::Pending;
    std::optional<Error> error_;

    RateLimiter limiter_;
    transport::ConnectionShare share_;
    std::atomic<bool> answered_{false};  // the receiver answered a request of this run
    std::atomic<std::uint64_t> failed_{0};
    std::vector<std::jthread> workers_;  // last: started once everything above is made
};

}  // namespace tdbraze::sync
