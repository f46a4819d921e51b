// A Currents payload delivered to a receiver (currents_delivery.hpp).
#include "currents_delivery.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "clock.hpp"
#include "credentials.hpp"
#include "hashing.hpp"
#include "input_file.hpp"
#include "rate_limiter.hpp"
#include "state_store.hpp"
#include "sync_engine.hpp"
#include "td_postback.hpp"
#include "tdbraze/currents_batches.hpp"
#include "tdbraze/id_set.hpp"

namespace tdbraze::sync {
namespace {

using Clock = std::chrono::steady_clock;

// Thrown from inside the second pass's reading when the delivery stops: reading the rest would send nothing.
struct StopReading {};

constexpr const char* kPayloadChanged =
    "the payload changed while it was being read (its two passes differ); only batches from the part read before "
    "the change were sent. Run again once the file is complete";

std::string plural(std::uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

class Delivery {
public:
    Delivery(const std::string& path, const std::string& source, const DeliveryOptions& options,
             DeliveryObserver& observer, std::stop_token user_stop)
        : path_(path), source_(source), o_(options), observer_(observer), user_stop_(std::move(user_stop), [this] {
              stop_.request_stop();
          }) {}

    DeliverySummary run() {
        if (!prepare_target()) return summary_;
        if (!check_input()) return summary_;
        if (!open_state()) return summary_;
        send_input();
        return finish();
    }

private:
    // ---- before sending ---------------------------------------------------------------------------------

    bool refuse(Error error, Outcome outcome = Outcome::Refused) {
        summary_.outcome = outcome;
        error.message = redactor_.redact(error.message);
        summary_.message = error.message;
        summary_.error = std::move(error);
        return false;
    }

    bool prepare_target() {
        redactor_.add(o_.bearer_token);
        redactor_.add(o_.td_write_key);
        if (auto bad = transport::check_url(o_.url)) return refuse(Error{ErrorCode::Usage, *bad});
        headers_ = {"Braze-Currents-Version: 1"};
        if (!o_.bearer_token.empty()) headers_.push_back("Authorization: Bearer " + o_.bearer_token);
        if (o_.receiver == currents::Receiver::TdPostback) {
            auto target = parse_postback_url(o_.url);
            if (!target) return refuse(target.error());
            if (!target->write_key_in_url.empty())
                return refuse(Error{ErrorCode::Usage,
                                    "the URL carries a td_write_key parameter; URLs end up in logs, so tdbraze sends "
                                    "the key only as a header: remove it from the URL and set TDBRAZE_TD_WRITE_KEY"});
            if (o_.td_write_key.empty())
                return refuse(Error{ErrorCode::Usage,
                                    "Treasure Data's Postback API needs a write key: set TDBRAZE_TD_WRITE_KEY (or "
                                    "td_write_key in a credentials file with mode 0600, --config FILE)"});
            headers_.push_back("X-TD-Write-Key: " + o_.td_write_key);
            limits_.max_body_bytes = currents::kTdPostbackMaxBodyBytes;
        }
        limits_.max_events = std::clamp<std::size_t>(o_.batch_size, 1, currents::kMaxEventsPerBatch);
        return true;
    }

    bool skipped(const currents::EventText& e) const {
        return o_.receiver == currents::Receiver::TdPostback && !e.has_external_user_id;
    }

    // The first pass: the report, the batches the second pass will cut (how many, which are too large) and the
    // hash of the bytes (the payload's identity).
    bool check_input() {
        currents::Options options;
        options.now_epoch_seconds = o_.now_epoch_seconds;
        options.receiver = o_.receiver;
        currents::Validator validator(options, source_);
        currents::BatchBuilder builder(limits_);
        validator.on_event([&](const currents::EventText& e) {
            if (skipped(e)) {
                ++summary_.skipped;
                return;
            }
            auto added = builder.add(e.json);
            if (!added.added) ++summary_.too_large;
            else ++plan_.events_to_send;
            if (added.completed) ++plan_.batches_total;
        });
        StableHasher hash;
        std::uint64_t read = 0;
        tell([&] { observer_.on_pass("checking", file_size()); });
        const auto failed = files::read_in_chunks(
            path_,
            [&](std::string_view chunk) {
                validator.feed(chunk);
                read += chunk.size();
                tell([&] { observer_.on_read(read); });
            },
            [&](std::string_view chunk) {
                hash.add(chunk);
                piece_hashes_.push_back(hash_bytes(chunk));
            });
        if (failed) return refuse(Error{ErrorCode::InputUnreadable, *failed});
        if (builder.finish()) ++plan_.batches_total;
        const currents::Report report = validator.finish();
        content_hash_ = hash.value();
        summary_.events = report.summary.events;
        summary_.batches = plan_.batches_total;
        tell([&] { observer_.on_checked(report, plan_); });
        for (const Diagnostic& d : report.diagnostics)
            if (d.code == "json-syntax")
                return refuse(
                    Error{ErrorCode::Usage, source_ + ":" + std::to_string(d.line) + ":" + std::to_string(d.column) +
                                                ": the payload is not JSON from here on (" + d.message +
                                                "); nothing was sent. Fix it, or cut the file before it"},
                    Outcome::InvalidTable);
        return true;
    }

    std::uint64_t file_size() const {
        std::error_code ec;
        const auto size = std::filesystem::file_size(path_, ec);
        return ec ? 0 : size;
    }

    bool open_state() {
        if (!o_.keep_state) return true;
        auto opened = StateStore::open(o_.state_path.empty() ? default_state_path() : o_.state_path);
        if (!opened) return refuse(opened.error());
        store_ = std::move(*opened);
        PartsHash identity;
        identity.add("currents");
        identity.add(hex64(content_hash_));
        identity.add(currents::to_string(o_.receiver));
        identity.add(o_.url);
        identity.add(std::to_string(limits_.max_events));
        identity.add(std::to_string(limits_.max_body_bytes));
        scope_ = "currents " + o_.url;
        const std::string id = hex64(identity.value());
        const auto found = store_->latest_run(id);
        if (!found) return refuse(found.error());
        const std::optional<RunRecord>& latest = *found;
        if (latest && latest->live)
            return refuse(Error{ErrorCode::StateLocked,
                                "another delivery of this payload to this receiver is running "
                                "(run " +
                                    std::to_string(latest->id) + ", process " + latest->owner +
                                    "); wait for it to finish"});
        if (latest && !o_.force) {
            if (latest->status == RunStatus::Completed) {
                summary_.run_id = latest->id;
                summary_.outcome = Outcome::NothingToDo;
                summary_.message = "this payload was already delivered to " + o_.url + " (run " +
                                   std::to_string(latest->id) + ", finished " + latest->finished_at +
                                   "); nothing sent. Use --force to send it again";
                return false;
            }
            if (!o_.resume)
                return refuse(
                    Error{ErrorCode::Usage, "an unfinished delivery of this payload to this receiver exists (run " +
                                                std::to_string(latest->id) + ", " + std::to_string(latest->confirmed) +
                                                " batches confirmed): pass --resume to continue it, or --force to send "
                                                "everything again"});
        }
        if (latest && o_.resume && !o_.force && latest->status != RunStatus::Completed) {
            run_id_ = latest->id;
            if (auto marked = store_->mark_running(run_id_); !marked) return refuse(marked.error());
            auto confirmed = store_->confirmed_batches(run_id_);
            if (!confirmed) return refuse(confirmed.error());
            confirmed_ = std::move(*confirmed);
            log("resuming run " + std::to_string(run_id_) + ": " + plural(confirmed_.size(), "batch", "batches") +
                " confirmed before; those are not sent again");
        } else {
            if (o_.resume && !o_.force) log("no unfinished delivery of this payload to resume: starting a new run");
            auto begun = store_->begin_run(id, scope_, Mode::Currents, source_, utc_now_iso8601());
            if (!begun) return refuse(begun.error());
            run_id_ = *begun;
        }
        summary_.run_id = run_id_;
        if (auto total = store_->record_planned_total(run_id_, static_cast<std::int64_t>(plan_.batches_total)); !total)
            return refuse(total.error());
        return true;
    }

    // ---- sending ------------------------------------------------------------------------------------------

    void send_input() {
        if (o_.requests_per_second > 0)
            limiter_ = std::make_unique<RateLimiter>(o_.requests_per_second * 3600.0, o_.threads);
        const int threads = std::max(1, o_.threads);
        queue_limit_ = static_cast<std::size_t>(threads) * 2;
        for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });

        currents::Options options;
        options.now_epoch_seconds = o_.now_epoch_seconds;
        options.receiver = o_.receiver;
        options.max_diagnostics = 0;
        currents::Validator validator(options, source_);
        currents::BatchBuilder builder(limits_);
        validator.on_event([&](const currents::EventText& e) {
            if (skipped(e)) return;
            auto added = builder.add(e.json);
            if (added.completed) queue_batch(std::move(*added.completed));
        });
        std::uint64_t read = 0;
        tell([&] { observer_.on_pass("sending", file_size()); });
        try {
            std::size_t piece = 0;
            const auto failed = files::read_in_chunks(path_, [&](std::string_view chunk) {
                if (stop_.stop_requested()) throw StopReading{};
                // Only what the check read is sent: a piece that differs stops the run before any of its events
                // is queued (a log being appended to, a file copied in while the delivery runs).
                if (piece >= piece_hashes_.size() || piece_hashes_[piece++] != hash_bytes(chunk)) {
                    stop_with(Error{ErrorCode::TableChanged, kPayloadChanged});
                    throw StopReading{};
                }
                validator.feed(chunk);
                read += chunk.size();
                tell([&] { observer_.on_read(read); });
            });
            if (failed) stop_with(Error{ErrorCode::InputUnreadable, *failed});
            else if (piece != piece_hashes_.size()) stop_with(Error{ErrorCode::TableChanged, kPayloadChanged});
            else if (auto last = builder.finish()) queue_batch(std::move(*last));
        } catch (const StopReading&) {}
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        changed_.notify_all();
        for (auto& w : workers_) w.join();
        workers_.clear();
    }

    void queue_batch(currents::EventBatch batch) {
        if (stop_.stop_requested()) throw StopReading{};
        const std::string body_hash = hex64(stable_hash(batch.body));
        if (const auto done = confirmed_.find(static_cast<std::int64_t>(batch.seq)); done != confirmed_.end()) {
            if (done->second != body_hash) {
                stop_with(Error{ErrorCode::TableChanged,
                                "batch " + std::to_string(batch.seq) + " differs from the one run " +
                                    std::to_string(run_id_) +
                                    " confirmed; the payload or the options changed. Use --force to send it anew"});
                throw StopReading{};
            }
            accepted_before_ += batch.events();
            batch_done();
            return;
        }
        if (store_) {
            if (!record(store_->record_planned(run_id_, {{static_cast<std::int64_t>(batch.seq), BatchKind::Events,
                                                          body_hash, static_cast<std::int64_t>(batch.events())}})))
                throw StopReading{};
        }
        std::unique_lock lock(mutex_);
        changed_.wait(lock, stop_.get_token(), [&] { return queue_.size() < queue_limit_; });
        if (stop_.stop_requested()) throw StopReading{};
        queue_.push_back(std::move(batch));
        lock.unlock();
        changed_.notify_all();
    }

    std::optional<currents::EventBatch> next_batch() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, stop_.get_token(), [&] { return !queue_.empty() || closed_; });
        if (stop_.stop_requested() || queue_.empty()) return std::nullopt;
        currents::EventBatch batch = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        changed_.notify_all();
        return batch;
    }

    void work() {
        transport::HttpClient client(o_.http, &share_);
        std::mt19937_64 random(std::random_device{}());
        while (auto batch = next_batch()) {
            long status = 0;
            if (!send_range(client, random, *batch, 0, batch->events(), false, status)) return;
            if (store_ &&
                !record(store_->confirm(run_id_, static_cast<std::int64_t>(batch->seq), scope_, {}, false, status)))
                return;
            batch_done();
        }
    }

    bool record(const Status& written) {
        if (written) return true;
        stop_with(written.error());
        return false;
    }

    // Sends events [begin, end) of the batch as one request, retrying as Braze does; a 400 re-sends them one by
    // one, a 413 in halves. False when the delivery stops.
    bool send_range(transport::HttpClient& client, std::mt19937_64& random, const currents::EventBatch& batch,
                    std::size_t begin, std::size_t end, bool single, long& confirmed_status) {
        const std::string body = begin == 0 && end == batch.events() ? batch.body : batch.part(begin, end);
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        for (int attempt = 0;; ++attempt) {
            if (stop_.stop_requested()) return false;
            if (limiter_ && !limiter_->acquire(stop_.get_token())) return false;
            std::call_once(first_request_once_, [this] { first_request_ = Clock::now(); });
            const transport::HttpResponse r = client.post(o_.url, body, headers_);
            ++requests_;
            if (auto error = unreachable(r, answered_.load(), o_.url)) return stop_with(std::move(*error));
            if (r.failure == transport::TransportFailure::None) answered_ = true;
            const Verdict v = classify(r.status, !r.network_error.empty());
            if (v == Verdict::Done) {
                accepted_ += end - begin;
                confirmed_status = r.status;
                return true;
            }
            if (r.status == 400) {
                if (single || end - begin == 1) {
                    ++dropped_;
                    log("event " + std::to_string(batch.first_event + begin) +
                        " refused (400) and dropped, as Braze drops it: " + redactor_.redact(r.body));
                    confirmed_status = r.status;
                    return true;
                }
                log("batch " + std::to_string(batch.seq) + " of " + plural(end - begin, "event", "events") +
                    " refused (400): re-sending its events one by one");
                for (std::size_t i = begin; i < end; ++i)
                    if (!send_range(client, random, batch, i, i + 1, true, confirmed_status)) return false;
                return true;
            }
            if (v == Verdict::Split && end - begin > 1) {
                const std::size_t mid = begin + (end - begin) / 2;
                log("batch " + std::to_string(batch.seq) + " of " + plural(end - begin, "event", "events") +
                    " too large (413): sending it in halves");
                return send_range(client, random, batch, begin, mid, single, confirmed_status) &&
                       send_range(client, random, batch, mid, end, single, confirmed_status);
            }
            if (v == Verdict::Stop || v == Verdict::Split) {
                std::string why = "the receiver answered " + std::to_string(r.status);
                if (r.status == 401 || r.status == 403)
                    why += o_.receiver == currents::Receiver::TdPostback
                               ? ": check the write key (TDBRAZE_TD_WRITE_KEY)"
                               : ": check the bearer token";
                if (r.status == 404) why += ": check the URL";
                return stop_with(Error{ErrorCode::ReceiverRefused,
                                       why + "; Braze would not re-send this batch. " + redactor_.redact(r.body)});
            }
            if (attempt + 1 >= o_.backoff.max_attempts)
                return stop_with(
                    Error{ErrorCode::RetriesExhausted,
                          "gave up on batch " + std::to_string(batch.seq) + " after " + std::to_string(attempt + 1) +
                              " attempts (" +
                              (r.network_error.empty() ? "HTTP " + std::to_string(r.status) : r.network_error) +
                              "); --resume sends what is left"});
            auto delay = backoff_delay(o_.backoff, attempt, unit(random));
            if (auto asked = server_delay(r.status, r.retry_after_seconds, r.rate_limit_reset, epoch_ms_now())) {
                delay = std::max(delay, *asked);
                if (limiter_ && r.status == 429) limiter_->pause_until(Clock::now() + *asked);
            }
            ++retries_;
            log((r.network_error.empty() ? "HTTP " + std::to_string(r.status) : "network error: " + r.network_error) +
                " for batch " + std::to_string(batch.seq) + "; retrying in " + std::to_string(delay.count()) + " ms");
            if (!sleep_unless_stopped(stop_.get_token(), delay)) return false;
        }
    }

    // Ends the delivery with this error (the first one wins); requests in flight finish. Returns false, for
    // `return stop_with(...)` in send_range.
    bool stop_with(Error error) {
        {
            std::lock_guard lock(mutex_);
            if (!error_) {
                error.message = redactor_.redact(error.message);
                error_ = std::move(error);
            }
        }
        stop_.request_stop();
        changed_.notify_all();
        return false;
    }

    void batch_done() {
        DeliveryProgress p;
        {
            std::lock_guard lock(mutex_);
            ++batches_done_;
            p = progress_locked();
        }
        tell([&] { observer_.on_progress(p); });
    }

    DeliveryProgress progress_locked() const {
        DeliveryProgress p = plan_;
        p.events_accepted = accepted_ + accepted_before_;
        p.events_dropped = dropped_;
        p.batches_done = batches_done_;
        p.requests = requests_;
        p.retries = retries_;
        return p;
    }

    void log(const std::string& line) {
        const std::string safe = redactor_.redact(line);
        tell([&] { observer_.on_log(safe); });
    }

    template <typename Call>
    void tell(Call&& call) {
        std::lock_guard lock(observer_mutex_);
        call();
    }

    // ---- the end ------------------------------------------------------------------------------------------

    DeliverySummary finish() {
        const bool user_stopped = stop_.stop_requested() && !error_;
        summary_.accepted = accepted_ + accepted_before_;
        summary_.accepted_before = accepted_before_;
        summary_.dropped = dropped_;
        summary_.requests = requests_;
        summary_.retries = retries_;
        if (requests_ > 0) summary_.seconds = std::chrono::duration<double>(Clock::now() - first_request_).count();
        const std::uint64_t sent_or_tried = plan_.events_to_send;
        std::string counts = std::to_string(summary_.accepted) + " of " + plural(sent_or_tried, "event", "events") +
                             " accepted in " + plural(requests_, "request", "requests");
        if (accepted_before_ > 0)
            counts +=
                " (" + std::to_string(accepted_before_) + " confirmed by run " + std::to_string(run_id_) + " before)";
        if (summary_.skipped > 0)
            counts += "; " + plural(summary_.skipped, "event", "events") +
                      " without external_user_id skipped, as Braze does not send them to Treasure Data";
        if (summary_.too_large > 0)
            counts += "; " + plural(summary_.too_large, "event", "events") +
                      " larger than the receiver's request limit on their own not sent";
        RunStatus status = RunStatus::Completed;
        if (error_) {
            summary_.outcome = Outcome::Failed;
            summary_.error = error_;
            summary_.message = error_->message + " (" + counts + ")" + std::string(resume_advice(error_->code));
            status = RunStatus::Failed;
        } else if (user_stopped) {
            summary_.outcome = Outcome::Interrupted;
            summary_.message = "interrupted: " + counts + "; --resume sends the rest";
            status = RunStatus::Interrupted;
        } else if (dropped_ > 0) {
            summary_.outcome = Outcome::Failed;
            summary_.error = Error{ErrorCode::ReceiverRefused,
                                   counts + "; the receiver refused " + plural(dropped_, "event", "events") +
                                       " one by one (400), and they were dropped as Braze drops them"};
            summary_.message = summary_.error->message;
        } else {
            summary_.outcome = Outcome::Completed;
            summary_.message = counts;
        }
        if (store_) {
            if (auto finished = store_->finish_run(run_id_, status, utc_now_iso8601()); !finished && !summary_.error) {
                summary_.outcome = Outcome::Failed;
                summary_.error = finished.error();
                summary_.message = finished.error().message;
            }
        }
        return summary_;
    }

    const std::string& path_;
    const std::string& source_;
    const DeliveryOptions& o_;
    DeliveryObserver& observer_;
    std::stop_source stop_;
    std::stop_callback<std::function<void()>> user_stop_;

    secrets::Redactor redactor_;
    std::vector<std::string> headers_;
    currents::BatchLimits limits_;
    DeliveryProgress plan_;
    DeliverySummary summary_;
    std::uint64_t content_hash_ = 0;
    std::vector<std::uint64_t> piece_hashes_;  // of each piece the check read: the sending read must match

    std::unique_ptr<StateStore> store_;
    std::string scope_;
    std::int64_t run_id_ = 0;
    std::unordered_map<std::int64_t, std::string> confirmed_;

    std::mutex mutex_;  // the queue, the error and the counts' snapshot
    std::mutex observer_mutex_;
    std::condition_variable_any changed_;
    std::deque<currents::EventBatch> queue_;
    std::size_t queue_limit_ = 8;
    bool closed_ = false;
    std::optional<Error> error_;

    std::unique_ptr<RateLimiter> limiter_;
    transport::ConnectionShare share_;
    std::atomic<bool> answered_{false};
    std::atomic<std::uint64_t> accepted_{0}, accepted_before_{0}, dropped_{0}, requests_{0}, retries_{0},
        batches_done_{0};
    std::once_flag first_request_once_;
    Clock::time_point first_request_{};
    std::vector<std::jthread> workers_;
};

}  // namespace

DeliverySummary deliver_currents(const std::string& path, const std::string& source, const DeliveryOptions& options,
                                 DeliveryObserver& observer, std::stop_token stop) {
    Delivery delivery(path, source, options, observer, std::move(stop));
    return delivery.run();
}

}  // namespace tdbraze::sync
