// Delivering a Currents payload to a receiver the way Braze's HTTP connector sends it: batches of at most 100
// events with `Braze-Currents-Version: 1`, 429/5xx retried with backoff and jitter, a 400 answered by
// re-sending the batch one event at a time and dropping the events refused again, a 413 by halves,
// 401/403/404 ending the delivery. For Treasure Data's Postback API, bodies are cut below its size limit
// before sending, the write key goes in `X-TD-Write-Key`, and events Braze never sends it (users without an
// external id) are skipped.
//
// The input is read twice and never held whole: a first pass checks it (the report says what the receiver
// will get, before anything is sent) and fixes the plan's size and identity; the second pass cuts it into
// batches that sending threads take from a bounded queue. Each confirmed batch is recorded in the state file
// (the sync's), so a delivery that was killed resumes without re-sending what the receiver accepted.
#pragma once

#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>

#include "error.hpp"
#include "http_client.hpp"
#include "retry_policy.hpp"
#include "sync_types.hpp"
#include "tdbraze/currents.hpp"

namespace tdbraze::sync {

struct DeliveryOptions {
    std::string url;  // for td-postback without a td_write_key parameter (parse_postback_url strips it)
    currents::Receiver receiver = currents::Receiver::Http;
    std::string bearer_token;  // `Authorization: Bearer`; empty: none
    std::string td_write_key;  // `X-TD-Write-Key` (td-postback); required there
    std::size_t batch_size = 100;
    int threads = 4;
    double requests_per_second = 0;  // 0: no limit of tdbraze's own (the receiver's 429s still apply)
    std::int64_t now_epoch_seconds = 0;  // for the checks (Treasure Data's time window)
    bool keep_state = true;  // false: nothing is recorded and nothing resumes (the desktop's test replays)
    std::string state_path;  // default_state_path() when empty
    bool resume = false;  // continue the unfinished delivery of this payload to this receiver
    bool force = false;  // send again even though a delivery of this payload finished or is unfinished
    transport::HttpOptions http;
    BackoffPolicy backoff;
};

struct DeliveryProgress {
    std::uint64_t events_to_send = 0;  // known after the check
    std::uint64_t batches_total = 0;
    std::uint64_t events_accepted = 0;  // including those an earlier run of a resumed delivery confirmed
    std::uint64_t events_dropped = 0;
    std::uint64_t batches_done = 0;
    std::uint64_t requests = 0;
    std::uint64_t retries = 0;
};

// What a delivery tells whoever watches it. Calls come one at a time (the engine serialises them), from the
// calling thread or a sending thread.
class DeliveryObserver {
public:
    virtual ~DeliveryObserver() = default;
    // A pass over the input begins ("checking", "sending"); `total_bytes` is 0 when unknown.
    virtual void on_pass(std::string_view /*pass*/, std::uint64_t /*total_bytes*/) {}
    // Bytes of the input consumed in the current pass so far.
    virtual void on_read(std::uint64_t /*bytes*/) {}
    // The first pass's report (with the receiver's checks), before anything is sent.
    virtual void on_checked(const currents::Report& /*report*/, const DeliveryProgress& /*plan*/) {}
    virtual void on_progress(const DeliveryProgress& /*progress*/) {}
    // A retry, a split, a dropped event, a resume: one line, secrets redacted.
    virtual void on_log(const std::string& /*line*/) {}
};

struct DeliverySummary {
    std::uint64_t events = 0;  // events in the input
    std::uint64_t skipped = 0;  // not sent: Braze does not send them to this receiver (no external id)
    std::uint64_t too_large = 0;  // not sent: larger than the receiver's body limit on their own
    std::uint64_t accepted = 0;  // confirmed by the receiver (in this run or, resumed, an earlier one)
    std::uint64_t accepted_before = 0;  // of those, confirmed by an earlier run (not sent again)
    std::uint64_t dropped = 0;  // refused one by one (400) and dropped, as Braze drops them
    std::uint64_t requests = 0;
    std::uint64_t retries = 0;
    std::uint64_t batches = 0;
    std::int64_t run_id = 0;  // in the state file; 0 without one
    double seconds = 0;  // sending, first request to last answer
    // Completed: every event sent was accepted. NothingToDo: an earlier delivery of this payload finished.
    // Failed: some were dropped, or the delivery stopped (error says why). Interrupted: the user stopped it.
    // InvalidTable: the payload is not JSON past some point; nothing was sent. Refused: it could not start.
    Outcome outcome = Outcome::Failed;
    std::optional<Error> error;
    std::string message;
    bool ok() const { return outcome == Outcome::Completed || outcome == Outcome::NothingToDo; }
};

// `path` is a file (standard input is spooled to one by the caller); `source` names it in messages.
DeliverySummary deliver_currents(const std::string& path, const std::string& source, const DeliveryOptions& options,
                                 DeliveryObserver& observer, std::stop_token stop = {});

}  // namespace tdbraze::sync
