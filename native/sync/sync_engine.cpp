#include "sync_engine.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "clock.hpp"
#include "hashing.hpp"
#include "input_file.hpp"
#include "plan_sources.hpp"
#include "run_monitor.hpp"
#include "sender.hpp"
#include "spilled_dedupe.hpp"
#include "state_store.hpp"
#include "table_rows.hpp"
#include "tdbraze/id_set.hpp"

namespace tdbraze::sync {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

constexpr const char* kFileChanged =
    "the table changed while it was being read (its passes differ); nothing was sent. Run again once the file is "
    "complete";


class Engine {
public:
    Engine(const SyncOptions& o, const secrets::Credentials& c, SyncObserver& observer, std::stop_token user_stop)
        : options_(o), credentials_(c), monitor_(observer, redactor_for(c)), user_stop_(std::move(user_stop)) {
        endpoint_ = options_.endpoint;
        while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
        settings_ = options_.settings;
        if (settings_.cohort_name.empty()) settings_.cohort_name = settings_.cohort_id;
        settings_.operation = options_.mode == Mode::Remove ? cohort::Operation::Remove : cohort::Operation::Add;
        scope_ = endpoint_ + "|" + settings_.partner + "|" + settings_.cohort_id;
    }

    SyncSummary run() {
        if (auto bad = transport::check_url(endpoint_)) return refuse(Error{ErrorCode::Usage, *bad});
        // The whole table is checked before anything is sent, so that a bad row at the end cannot leave a
        // half-done sync behind. It also gives the totals for the progress display.
        {
            std::error_code ec;
            const auto size = std::filesystem::file_size(options_.input_path, ec);
            monitor_.update(
                [&](SyncProgress& p, SyncSummary&) { p.check_bytes_total = ec ? 0 : static_cast<std::uint64_t>(size); },
                false);
        }
        if (dedupe_on_disk(options_.dedupe, options_.input_path)) {
            // Pass 0, for a large table: the planner's duplicate questions go to disk and are answered there,
            // so that no pass holds every distinct id in memory. The hash of each piece of the file is kept
            // for the streamed send pass, which must only ever plan what this pass checked.
            // The send plans from pass 0's own file (SpilledDedupe::planning) rather than a second read.
            const auto keep = !options_.dry_run && options_.mode != Mode::Mirror ? SpilledDedupe::Keep::FirstOccurrences
                                                                                 : SpilledDedupe::Keep::Answers;
            // On the reading thread, beside the planner's.
            const auto hash_piece = [&](std::string_view chunk) {
                table_hash_.add(chunk);
                piece_hashes_.push_back(hash_bytes(chunk));
            };
            auto rehearsed = SpilledDedupe::rehearse(
                settings_, options_.read, input_name(),
                [&](const auto& on_rows) {
                    return files::read_table_rows(
                        options_.input_path, cohort::RowReader(options_.read.format, settings_),
                        [&](const cohort::RowBatch& rows, std::size_t bytes) {
                            on_rows(rows);
                            checked(bytes);
                        },
                        hash_piece);
                },
                keep);
            if (!rehearsed) return refuse(rehearsed.error());
            dedupe_ = std::move(*rehearsed);
        }
        // A table checked on disk that pass 0 found no error in has none: its batches can be planned while they
        // are sent, from pass 0's own file (plan_checked) or, for identifiers of kilobytes, a second read
        // (plan_streamed), so sending starts a whole read of the table sooner. Any other table is planned to a
        // temporary file first, and its report decides whether anything is sent.
        streamed_ = dedupe_ && dedupe_->rehearsal_errors() == 0 && !options_.dry_run && options_.mode != Mode::Mirror;
        std::uint64_t planned = 0, ids = 0;
        if (!streamed_) {
            auto checked = check_table();
            if (checked) return std::move(*checked);
            planned = planned_;
            ids = ids_planned_;
        } else {
            ids = dedupe_->first_occurrences();
            planned = dedupe_->report()
                          ? dedupe_->report()->summary.requests
                          : (ids + settings_.max_ids_per_request - 1) / std::max(1, settings_.max_ids_per_request);
        }
        const double check_seconds = seconds_between(started_, Clock::now());
        monitor_.update(
            [&](SyncProgress& p, SyncSummary& s) {
                s.check_seconds = check_seconds;
                if (options_.mode == Mode::Mirror) return;
                // For a streamed send of a table with very large identifiers, the batches are an estimate until the
                // table is planned (a body's 4 MB limit can cut a batch short of the maximum); the identifiers are
                // exact.
                p.batches_total = planned;
                p.ids_total = ids;
                p.totals_final = true;
            },
            false);

        auto opened = StateStore::open(options_.state_path.empty() ? default_state_path() : options_.state_path);
        if (!opened) return refuse(opened.error());
        store_ = std::move(*opened);

        PartsHash identity;
        identity.add(hex64(table_hash_.value()));
        identity.add(to_string(options_.mode));
        identity.add(scope_);
        identity.add(settings_.cohort_name);
        for (const auto& a : settings_.alias_columns) identity.add(a);
        // A changed mapping sends other identifiers from the same table: another run. None adds nothing, so
        // the runs of exports without one keep their identity.
        for (const auto& m : settings_.mapping) identity.add("map " + cohort::to_string(m));
        identity.add(std::to_string(settings_.max_ids_per_request));
        identity.add(options_.read.trim ? "trim" : "");
        const std::string id = hex64(identity.value());

        // A run of this very table in progress: with --wait, its end decides what is left (often nothing).
        const auto found = claim_cohort([&]() -> Result<std::optional<RunRecord>> {
            auto latest = store_->latest_run(id);
            if (latest && *latest && (*latest)->live)
                return fail(ErrorCode::StateLocked, "run " + std::to_string((*latest)->id) + " (process " +
                                                        (*latest)->owner + ") of this table is in progress");
            return latest;
        });
        if (!found) return refuse(found.error());
        const std::optional<RunRecord>& latest = *found;
        const bool mirror = options_.mode == Mode::Mirror;
        if (latest && !mirror && !options_.force) {
            if (latest->status == RunStatus::Completed) {
                if (streamed_)
                    planned = static_cast<std::uint64_t>(latest->planned);  // not planned again: what the run planned
                return finish_early(Outcome::NothingToDo,
                                    "this table was already synced completely (run " + std::to_string(latest->id) +
                                        ", finished " + latest->finished_at +
                                        "); nothing sent. Use --force to send it again",
                                    planned, planned, latest->id);
            }
            if (!options_.resume)
                return refuse(Error{ErrorCode::Usage, "an unfinished run of this table exists (run " +
                                                          std::to_string(latest->id) + ", " +
                                                          confirmed_phrase(*latest) +
                                                          "): pass --resume to continue it, or --force to start over"});
        }
        if (options_.dry_run)
            return finish_early(Outcome::Completed,
                                "dry run: " + std::to_string(planned) + " membership requests with " +
                                    std::to_string(ids) + " identifiers would be sent to " + endpoint_ +
                                    (mirror ? " before subtracting confirmed members" : ""),
                                planned, 0, 0);
        const bool unfinished = latest && latest->status != RunStatus::Completed;
        if (unfinished && options_.resume && !options_.force && !mirror) {
            run_id_ = latest->id;
            if (auto marked = claim_cohort([&] { return store_->mark_running(run_id_); }); !marked)
                return refuse(marked.error());
            auto confirmed = store_->confirmed_batches(run_id_);
            if (!confirmed) return refuse(confirmed.error());
            confirmed_ = std::move(*confirmed);
            info("resuming run " + std::to_string(run_id_) + ": " + confirmed_phrase(*latest) +
                 "; those are not sent again");
        } else {
            if (unfinished && options_.resume && !options_.force) {
                // A mirror's plan is the table against the membership confirmed so far, which the interrupted
                // run's confirmations are part of: a new run of the same table sends exactly what is left.
                info("resuming mirror run " + std::to_string(latest->id) + " (" + confirmed_phrase(*latest) +
                     ") as a new run: the members it confirmed are kept, so only the changes not confirmed yet are "
                     "sent");
                if (auto marked = store_->mark_interrupted(latest->id, utc_now_iso8601()); !marked)
                    return refuse(marked.error());
            } else if (options_.resume && !options_.force) {
                info(
                    "no unfinished run of this table to resume (a table changed since its run began is another "
                    "table): starting a new run");
            }
            auto begun = claim_cohort(
                [&] { return store_->begin_run(id, scope_, options_.mode, input_name(), utc_now_iso8601()); });
            if (!begun) return refuse(begun.error());
            run_id_ = *begun;
        }
        monitor_.update([&](SyncProgress& p, SyncSummary& s) {
            s.run_id = run_id_;
            p.table_checked = true;
        });

        sender_ =
            std::make_unique<Sender>(SenderSettings{endpoint_, scope_, settings_, credentials_, options_.http,
                                                    options_.backoff, options_.requests_per_hour, settings_.threads},
                                     *store_, run_id_, monitor_, user_stop_);
        PlanContext context{settings_, options_.read, options_.input_path, input_name(),
                            scope_,    dedupe_.get(), piece_hashes_,       *store_,
                            monitor_,  *sender_};
        const std::unique_ptr<PlanSource> source = mirror                             ? mirror_plan(context)
                                                   : streamed_ && dedupe_->planning() ? checked_plan(context)
                                                   : streamed_                        ? streamed_plan(context)
                                                               : spilled_plan(context, std::move(spill_));
        const bool planned_ok = source->produce([&](std::vector<Batch>&& group) { return enqueue(std::move(group)); });
        sender_->finish();
        if (planned_ok && !sender_->stopping())
            sender_->record(
                store_->record_planned_total(run_id_, static_cast<std::int64_t>(monitor_.summary().planned)));
        return finish_run(planned_ok);
    }

private:
    static secrets::Redactor redactor_for(const secrets::Credentials& c) {
        secrets::Redactor r;
        r.add(c.partner_api_key);
        r.add(c.client_secret);
        return r;
    }

    // The summary of a run that sent: its outcome from how it stopped, recorded in the state file.
    SyncSummary finish_run(bool planned_ok) {
        const std::optional<Error> stopped = sender_->error();
        const std::uint64_t failed = sender_->failed_batches();
        const double sending_seconds = monitor_.sending_seconds();
        RunStatus status = RunStatus::Failed;
        monitor_.update(
            [&](SyncProgress& p, SyncSummary& s) {
                s.retried = p.retries;
                s.requests = p.requests;
                s.failed = failed;
                s.sending_seconds = sending_seconds;
                if (stopped) {
                    s.outcome = Outcome::Failed;
                    s.error = stopped;
                    s.message = stopped->message + std::string(resume_advice(stopped->code));
                } else if (sender_->cancelled_by_user()) {
                    s.outcome = Outcome::Interrupted;
                    s.message = "requests in flight were finished and recorded; run again with --resume";
                    status = RunStatus::Interrupted;
                } else if (!planned_ok || failed > 0) {
                    s.outcome = Outcome::Failed;
                    s.error = Error{ErrorCode::RetriesExhausted,
                                    std::to_string(failed) + " batches could not be confirmed after retries"};
                    s.message = s.error->message + "; run again with --resume to retry them";
                } else if (s.planned == 0 && options_.mode == Mode::Mirror) {
                    // What a scheduled mirror mostly finds: the cohort already is the table.
                    s.outcome = Outcome::NothingToDo;
                    s.message = "nothing to change: the cohort already matches the table; nothing sent";
                    status = RunStatus::Completed;
                } else {
                    s.outcome = Outcome::Completed;
                    s.message = "all " + std::to_string(s.planned) + " batches confirmed";
                    status = RunStatus::Completed;
                }
            },
            false);
        // The run's end could not be recorded when the state file is what failed: the next run finds it
        // unfinished, with no live process, and resumes it.
        if (!stopped || !is_state_error(stopped->code))
            if (auto finished = store_->finish_run(run_id_, status, utc_now_iso8601()); !finished)
                monitor_.update(
                    [&](SyncProgress&, SyncSummary& s) {
                        if (!s.ok()) return;
                        s.outcome = Outcome::Failed;
                        s.error = finished.error();
                        s.message = "every batch was confirmed, but the run's end could not be recorded: " +
                                    finished.error().message;
                    },
                    false);
        return monitor_.summary();
    }

    // The summary of a run that ends before sending anything: nothing to do, or a dry run.
    SyncSummary finish_early(Outcome outcome, std::string message, std::uint64_t planned, std::uint64_t skipped,
                             std::int64_t run) {
        monitor_.update(
            [&](SyncProgress&, SyncSummary& s) {
                s.outcome = outcome;
                s.message = std::move(message);
                s.planned = planned;
                s.skipped = skipped;
                s.run_id = run;
            },
            false);
        return monitor_.summary();
    }

    SyncSummary refuse(Error error) {
        error.message = monitor_.redact(error.message);
        monitor_.update(
            [&](SyncProgress&, SyncSummary& s) {
                s.outcome = Outcome::Refused;
                s.message = error.message;
                s.error = std::move(error);
            },
            false);
        return monitor_.summary();
    }

    void info(const std::string& message) { monitor_.event(SyncEvent{SyncEvent::Kind::Info, message}); }

    // Runs `claim` (which reads or takes the cohort in the state file) again while another sync of the same
    // cohort holds it, for up to --wait; then its state-locked error says what to do.
    template <typename Claim>
    auto claim_cohort(Claim&& claim) -> decltype(claim()) {
        const auto deadline = std::chrono::steady_clock::now() + options_.wait_for_cohort;
        bool said = false;
        for (;;) {
            auto result = claim();
            if (result || result.error().code != ErrorCode::StateLocked) return result;
            if (std::chrono::steady_clock::now() >= deadline || user_stop_.stop_requested()) {
                result.error().message =
                    "another sync of this cohort is running: " + result.error().message +
                    (options_.wait_for_cohort.count() > 0
                         ? "; it did not end within --wait " + std::to_string(options_.wait_for_cohort.count()) + " s"
                         : "; wait for it to end, or pass --wait SECONDS");
                return result;
            }
            if (!said)
                info("waiting up to " + std::to_string(options_.wait_for_cohort.count()) +
                     " s for another sync of this cohort to end: " + result.error().message);
            said = true;
            sleep_unless_stopped(user_stop_, std::chrono::milliseconds(500));
        }
    }

    std::string input_name() const { return options_.input_name.empty() ? options_.input_path : options_.input_name; }

    // "87 of 464 batches confirmed", or "87 batches confirmed" for a run stopped before it had planned them all.
    static std::string confirmed_phrase(const RunRecord& run) {
        return std::to_string(run.confirmed) +
               (run.planned_total ? " of " + std::to_string(*run.planned_total) : std::string()) + " batches confirmed";
    }

    bool stopping() const { return sender_->stopping(); }
    void stop_with(Error error) { sender_->stop_with(std::move(error)); }
    bool record(const Status& status) { return sender_->record(status); }

    // Pass 1 of an add or remove (and a dry run's only pass with pass 0): plans the whole table into a
    // temporary file, reports on it, and refuses a table with errors. Sets planned_ and ids_planned_; a summary
    // when the run ends here.
    std::optional<SyncSummary> check_table() {
        const bool spill = !options_.dry_run && options_.mode != Mode::Mirror;
        if (spill) spill_ = std::make_unique<RequestSpill>();
        cohort::Report report;
        const bool made_by_pass_0 = !spill && dedupe_ && dedupe_->report();
        if (made_by_pass_0) {
            // Only the report and the counts are wanted, and pass 0 made them (SpilledDedupe::report): no read.
            report = *dedupe_->report();
            planned_ = report.summary.requests;
            ids_planned_ = report.summary.user_ids + report.summary.device_ids + report.summary.aliases;
        } else {
            // Scoped so that its set of every distinct id is freed before the second pass builds its own: a real
            // send otherwise held two such sets at its peak. Without a plan to keep (a dry run, mirror), the
            // requests are only counted, not written.
            cohort::ReadOptions read = options_.read;
            read.plan_requests = spill;
            cohort::Planner checker = make_planner(settings_, read, input_name(), dedupe_.get(), nullptr);
            auto count = [&] {
                for (const auto& r : checker.take_requests()) {
                    if (spill) spill_->write(r);
                    if (r.ids > 0) {
                        ++planned_;
                        ids_planned_ += r.ids;
                    }
                }
            };
            // A table checked on disk with an error is read again for its report.
            monitor_.update([](SyncProgress& p, SyncSummary&) { p.check_bytes_read = 0; }, false);
            const auto hash_piece = [&](std::string_view piece) {  // on the reading thread
                if (dedupe_) return;  // pass 0 hashed it
                table_hash_.add(piece);
                piece_hashes_.push_back(hash_bytes(piece));
            };
            if (auto error = files::read_table_rows(
                    options_.input_path, cohort::RowReader(read.format, settings_),
                    [&](const cohort::RowBatch& rows, std::size_t bytes) {
                        checker.feed_rows(rows);
                        count();
                        checked(bytes);
                    },
                    hash_piece))
                return refuse(Error{ErrorCode::InputUnreadable, *error});
            report = checker.finish();
            count();
            if (!spill) {
                planned_ = report.summary.requests;
                ids_planned_ = report.summary.user_ids + report.summary.device_ids + report.summary.aliases;
            }
        }
        if (dedupe_ && !made_by_pass_0 && !dedupe_->replay_matched())
            return refuse(Error{ErrorCode::TableChanged, kFileChanged});
        monitor_.report(report);
        if (!report.ok())
            return finish_early(
                Outcome::InvalidTable,
                "the table has " + std::to_string(report.summary.errors) +
                    " errors; nothing was sent. Fix them (tdbraze validate cohort shows them all) and run again",
                0, 0, 0);
        if (spill && !spill_->rewind())
            return refuse(Error{ErrorCode::TempFile,
                                "cannot write the planned requests to a temporary file in $TMPDIR "
                                "(else /tmp): " +
                                    files::temp_file_reason(spill_->error())});
        return std::nullopt;
    }

    // Another piece of the table read by the check before sending.
    void checked(std::size_t bytes) {
        monitor_.update([&](SyncProgress& p, SyncSummary&) { p.check_bytes_read += bytes; });
    }

    // Batches planned together: recorded in the state file in one transaction, then queued in order. Batches
    // a resumed run already confirmed, and a naming call Braze already has, are skipped.
    bool enqueue(std::vector<Batch> group) {
        std::vector<StateStore::PlannedBatch> planned;
        std::vector<Batch> to_send;
        for (Batch& b : group) {
            // A naming call is identified by the name alone: its created_at changes every run, and Braze needs
            // the call again only when the name changes.
            std::string hash = hex64(b.kind == BatchKind::Name ? stable_hash("name:" + settings_.cohort_name)
                                                               : stable_hash(b.request.body));
            bool named = false;
            if (b.kind == BatchKind::Name) {
                const auto found = store_->named(scope_, hash);
                if (!record(found.map([](bool) {}))) return false;
                named = *found;
            }
            if (named) {
                sender_->name_confirmed_before();
                continue;
            }
            const auto done = confirmed_.find(b.seq);
            if (done != confirmed_.end() && done->second == hash) {
                if (b.kind != BatchKind::Name)
                    monitor_.update(
                        [&](SyncProgress& p, SyncSummary& s) {
                            ++s.skipped;
                            ++p.batches_done;
                            p.ids_done += b.request.ids;
                        },
                        false);
                continue;
            }
            planned.push_back({b.seq, b.kind, std::move(hash), static_cast<std::int64_t>(b.request.ids)});
            to_send.push_back(std::move(b));
        }
        if (!planned.empty() && !record(store_->record_planned(run_id_, planned))) return false;
        for (Batch& b : to_send)
            if (!sender_->push(std::move(b))) return false;
        return true;
    }


    const SyncOptions& options_;
    const secrets::Credentials& credentials_;
    RunMonitor monitor_;
    std::stop_token user_stop_;
    std::string endpoint_;
    cohort::Settings settings_;
    std::string scope_;
    std::unique_ptr<StateStore> store_;
    std::unique_ptr<RequestSpill> spill_;
    std::unique_ptr<SpilledDedupe> dedupe_;  // a large table's duplicate check (pass 0), else null
    // The checking pass's hashes: of the whole table (its identity), and of each piece of the file, which a
    // later read must match piece by piece (hash_bytes, which is faster and never stored).
    StableHasher table_hash_;
    std::vector<std::uint64_t> piece_hashes_;
    bool streamed_ = false;  // the send pass plans the table as it sends (plan_streamed)
    std::uint64_t planned_ = 0, ids_planned_ = 0;  // by check_table
    std::int64_t run_id_ = 0;
    std::unordered_map<std::int64_t, std::string> confirmed_;
    std::unique_ptr<Sender> sender_;  // once the run is begun
    const Clock::time_point started_ = Clock::now();
};

}  // namespace

std::string default_state_path() {
    if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg != '\0')
        return std::string(xdg) + "/tdbraze/state.db";
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/.local/state/tdbraze/state.db";
}

SyncSummary run_sync(const SyncOptions& options, const secrets::Credentials& credentials, SyncObserver& observer,
                     std::stop_token stop) {
    return Engine(options, credentials, observer, std::move(stop)).run();
}

}  // namespace tdbraze::sync
