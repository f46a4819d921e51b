#include "sender.hpp"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "clock.hpp"

namespace tdbraze::sync {
namespace {

using Clock = std::chrono::steady_clock;

// Fills the placeholders with the secrets, as JSON strings. Only here do secrets enter a body.
std::string with_secrets(const std::string& body, const secrets::Credentials& c) {
    const auto json_string = [](const std::string& s) {
        return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    std::string out = body;
    auto fill = [&](std::string_view placeholder, const std::string& secret) {
        const std::string quoted = "\"" + std::string(placeholder) + "\"";
        const std::size_t at = out.find(quoted);
        if (at != std::string::npos) out.replace(at, quoted.size(), json_string(secret));
    };
    fill(cohort::kPartnerApiKeyPlaceholder, c.partner_api_key);
    fill(cohort::kClientSecretPlaceholder, c.client_secret);
    return out;
}

}  // namespace

Sender::Sender(SenderSettings settings, StateStore& store, std::int64_t run, RunMonitor& monitor,
               std::stop_token user_stop)
    : settings_(std::move(settings)),
      store_(store),
      run_(run),
      monitor_(monitor),
      user_stop_(std::move(user_stop), std::function<void()>([this] { stop_.request_stop(); })),
      queue_limit_(static_cast<std::size_t>(std::max(2, settings_.threads * 2))),
      limiter_(settings_.requests_per_hour, settings_.threads) {
    for (int i = 0; i < settings_.threads; ++i) workers_.emplace_back([this, i] { work(i); });
}

Sender::~Sender() {
    stop_.request_stop();
    finish();
}

bool Sender::push(Batch batch) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, stop_.get_token(), [&] { return queue_.size() < queue_limit_; });
    if (stopping()) return false;
    queue_.push_back(std::move(batch));
    lock.unlock();
    queued_.notify_one();
    return true;
}

void Sender::name_confirmed_before() {
    {
        std::lock_guard lock(mutex_);
        name_ = Name::Confirmed;
    }
    named_.notify_all();
}

void Sender::finish() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    queued_.notify_all();
    for (auto& worker : workers_)
        if (worker.joinable()) worker.join();
}

void Sender::stop_with(Error error, std::int64_t seq, long status, int attempt) {
    error.message = monitor_.redact(error.message);
    {
        std::lock_guard lock(mutex_);
        if (error_) return;
        error_ = error;
    }
    stop_.request_stop();
    SyncEvent e;
    e.kind = SyncEvent::Kind::Error;
    e.message = error.message;
    e.seq = seq;
    e.status = status;
    e.attempt = attempt;
    e.stops_run = true;
    monitor_.event(std::move(e));
}

bool Sender::record(const Status& status) {
    if (status) return true;
    stop_with(status.error());
    return false;
}

std::optional<Error> Sender::error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

std::optional<Batch> Sender::next_batch() {
    std::unique_lock lock(mutex_);
    queued_.wait(lock, stop_.get_token(), [&] { return !queue_.empty() || closed_; });
    if (stopping() || queue_.empty()) return std::nullopt;
    Batch b = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    room_.notify_one();
    return b;
}

// The naming call must be confirmed before any membership change: the worker that takes it sends it alone,
// and the others wait here.
bool Sender::wait_for_name() {
    std::unique_lock lock(mutex_);
    named_.wait(lock, stop_.get_token(), [&] { return name_ != Name::Pending; });
    return name_ == Name::Confirmed && !stopping();
}

void Sender::work(int index) {
    transport::HttpClient client(settings_.http, &share_);
    std::mt19937_64 random(static_cast<std::uint64_t>(index) * 7919 + static_cast<std::uint64_t>(epoch_seconds_now()));
    while (auto batch = next_batch()) {
        if (batch->kind == BatchKind::Name) {
            const bool ok = send(client, random, *batch, batch->request);
            {
                std::lock_guard lock(mutex_);
                name_ = ok ? Name::Confirmed : Name::Failed;
            }
            named_.notify_all();
            if (!ok)
                stop_with(
                    Error{ErrorCode::RetriesExhausted, "the naming call failed, so no membership change was sent"});
            continue;
        }
        if (!wait_for_name()) return;
        if (!send(client, random, *batch, batch->request) && !stopping()) ++failed_;
    }
}

bool Sender::send(transport::HttpClient& client, std::mt19937_64& random, const Batch& batch,
                  const cohort::PlannedRequest& request, bool part) {
    const std::string url = settings_.endpoint + request.path;
    const std::string body = with_secrets(request.body, settings_.credentials);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int attempt = 0;; ++attempt) {
        if (!limiter_.acquire(stop_.get_token())) return false;
        const auto started = Clock::now();
        const transport::HttpResponse response = client.post(url, body, {});
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
        const Verdict verdict = classify(response.status, !response.network_error.empty());
        // A confirming attempt is recorded with the confirmation: one commit per batch fewer.
        if (verdict != Verdict::Done || part)
            if (!record(store_.record_attempt(run_, batch.seq, response.status))) return false;
        if (auto error = unreachable(response, answered_.load(), settings_.endpoint)) {
            stop_with(std::move(*error));
            return false;
        }
        if (response.failure == transport::TransportFailure::None) answered_.store(true);
        monitor_.request_answered(started, response.status, verdict == Verdict::Done);
        if (verdict == Verdict::Done) {
            // The server's window is spent: everyone waits for its reset instead of drawing 429s.
            if (auto wait =
                    window_spent_delay(response.rate_limit_remaining, response.rate_limit_reset, epoch_ms_now()))
                limiter_.pause_until(Clock::now() + *wait);
            // A half of a split batch changes the membership; the batch itself is confirmed with its last half.
            const bool removed = batch.kind == BatchKind::Remove;
            if (!record(part ? store_.apply_members(settings_.cohort_scope, request.keys, removed)
                             : store_.confirm(run_, batch.seq, settings_.cohort_scope, request.keys, removed,
                                              response.status)))
                return false;
            monitor_.update(
                [&](SyncProgress& p, SyncSummary& s) {
                    if (batch.kind == BatchKind::Name) return;
                    if (!part) {
                        ++s.sent;
                        ++p.batches_done;
                    }
                    p.ids_done += request.ids;
                    s.ids_sent += request.ids;
                    (removed ? s.removes : s.adds) += request.ids;
                },
                false);
            SyncEvent e;
            e.kind = SyncEvent::Kind::Sent;
            e.message = std::string(to_string(batch.kind)) + " batch " + std::to_string(batch.seq) + " confirmed";
            e.seq = batch.seq;
            e.status = response.status;
            e.attempt = attempt + 1;
            e.ids = static_cast<std::int64_t>(request.ids);
            e.elapsed_ms = ms;
            monitor_.event(std::move(e));
            monitor_.update([](SyncProgress&, SyncSummary&) {});
            return true;
        }
        const std::string what = response.network_error.empty() ? "HTTP " + std::to_string(response.status)
                                                                : "network error: " + response.network_error;
        if (verdict == Verdict::Split && request.keys.size() > 1) {
            monitor_.event(SyncEvent{SyncEvent::Kind::Retry,
                                     "batch " + std::to_string(batch.seq) + " too large (413): splitting it", batch.seq,
                                     response.status, attempt + 1});
            return send_halves(client, random, batch, request);
        }
        if (verdict == Verdict::Stop || verdict == Verdict::Split) {
            stop_with(Error{ErrorCode::ReceiverRefused,
                            explain_stop(response.status, monitor_.redact(response.body), settings_.endpoint)},
                      batch.seq, response.status, attempt + 1);
            return false;
        }
        if (attempt + 1 >= settings_.backoff.max_attempts) {
            record(store_.mark_failed(run_, batch.seq));
            monitor_.event(SyncEvent{SyncEvent::Kind::Error,
                                     "batch " + std::to_string(batch.seq) + " gave up after " +
                                         std::to_string(attempt + 1) + " attempts (" + what + ")",
                                     batch.seq, response.status, attempt + 1});
            return false;
        }
        std::chrono::milliseconds delay = backoff_delay(settings_.backoff, attempt, unit(random));
        if (auto asked = server_delay(response.status, response.retry_after_seconds, response.rate_limit_reset,
                                      epoch_ms_now())) {
            delay = std::max(delay, *asked);
            if (response.status == 429) limiter_.pause_until(Clock::now() + *asked);
        }
        monitor_.update([](SyncProgress& p, SyncSummary&) { ++p.retries; }, false);
        SyncEvent e{SyncEvent::Kind::Retry,
                    "batch " + std::to_string(batch.seq) + ": " + what + "; retrying in " +
                        std::to_string(delay.count()) + " ms",
                    batch.seq, response.status, attempt + 1};
        e.elapsed_ms = ms;
        monitor_.event(std::move(e));
        monitor_.update([](SyncProgress&, SyncSummary&) {});
        if (!sleep_unless_stopped(stop_.get_token(), delay)) return false;
    }
}

bool Sender::send_halves(transport::HttpClient& client, std::mt19937_64& random, const Batch& batch,
                         const cohort::PlannedRequest& request) {
    const std::size_t half = request.keys.size() / 2;
    for (int part = 0; part < 2; ++part) {
        cohort::Settings s = settings_.cohort;
        s.max_ids_per_request = static_cast<int>(request.keys.size());
        cohort::RequestBatcher batcher(
            s, batch.kind == BatchKind::Remove ? cohort::Operation::Remove : cohort::Operation::Add);
        const std::size_t begin = part == 0 ? 0 : half, end = part == 0 ? half : request.keys.size();
        for (std::size_t i = begin; i < end; ++i) {
            const auto p = cohort::split_identifier_key(request.keys[i]);
            batcher.add(p.type, p.alias_label, p.value);
        }
        batcher.flush();
        for (const auto& piece : batcher.take())
            if (!send(client, random, batch, piece, true)) return false;
    }
    if (!record(store_.confirm(run_, batch.seq, settings_.cohort_scope, {}, batch.kind == BatchKind::Remove)))
        return false;
    monitor_.update(
        [](SyncProgress& p, SyncSummary& s) {
            ++s.sent;
            ++p.batches_done;
        },
        false);
    return true;
}

}  // namespace tdbraze::sync
