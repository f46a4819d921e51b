#include "sync_engine.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "clock.hpp"
#include "hashing.hpp"
#include "input_file.hpp"
#include "rate_limiter.hpp"
#include "spilled_dedupe.hpp"
#include "state_store.hpp"
#include "table_rows.hpp"
#include "tdbraze/id_set.hpp"
#include "temp_file.hpp"

namespace tdbraze::sync {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

constexpr const char* kFileChanged =
    "the table changed while it was being read (its passes differ); nothing was sent. Run again once the file is complete";
// The same found while sending: what was sent came from the part of the table that was checked.
constexpr const char* kFileChangedWhileSending =
    "the table changed while it was being read (its passes differ); only batches from the part read before the change "
    "were sent. Run again once the file is complete";

// Requests read from a temporary file are queued this many at a time (as the duplicate check's plan hands them
// over), so that the state file records them in one transaction rather than one each.
constexpr std::size_t kPlannedTogether = 32;

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

struct Batch {
    std::int64_t seq = 0;
    BatchKind kind = BatchKind::Add;
    cohort::PlannedRequest request;
};

// The first pass's requests, kept for the second in an unlinked temporary file (mode 0600, gone when the
// process ends, however it ends): planning the table again cost as much CPU as checking it, and needed a
// second set of every distinct id. It also makes what is sent exactly what was checked, even if the file
// changes in between.
class RequestSpill {
public:
    RequestSpill() : file_(files::open_unnamed_temp_file()) {}
    ~RequestSpill() {
        if (file_ != nullptr) std::fclose(file_);
    }
    RequestSpill(const RequestSpill&) = delete;
    RequestSpill& operator=(const RequestSpill&) = delete;
    bool ok() const { return file_ != nullptr && !failed_; }

    void write(const cohort::PlannedRequest& r) {
        put(r.method);
        put(r.path);
        put(r.body);
        put_number(r.ids);
        put_number(r.keys.size());
        for (const std::string& key : r.keys) put(key);
    }
    // Switches from writing to reading; false when anything could not be written.
    bool rewind() {
        if (!ok() || std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) failed_ = true;
        return ok();
    }
    // The next request in the order written; false at the end or on a read error (then ok() is false).
    bool read(cohort::PlannedRequest& r) {
        std::uint64_t count = 0;
        if (!ok() || !get(r.method)) return false;
        if (!get(r.path) || !get(r.body) || !get_number(r.ids) || !get_number(count)) return fail();
        r.keys.assign(static_cast<std::size_t>(count), std::string());
        for (std::string& key : r.keys)
            if (!get(key)) return fail();
        return true;
    }

private:
    bool fail() {
        failed_ = true;
        return false;
    }
    void put_number(std::uint64_t n) {
        if (file_ != nullptr && std::fwrite(&n, sizeof n, 1, file_) != 1) failed_ = true;
    }
    void put(const std::string& s) {
        put_number(s.size());
        if (file_ != nullptr && !s.empty() && std::fwrite(s.data(), 1, s.size(), file_) != s.size()) failed_ = true;
    }
    bool get_number(std::uint64_t& n) { return std::fread(&n, sizeof n, 1, file_) == 1; }
    bool get(std::string& s) {
        std::uint64_t n = 0;
        if (!get_number(n)) return false;
        s.resize(static_cast<std::size_t>(n));
        return n == 0 || std::fread(s.data(), 1, s.size(), file_) == s.size();
    }

    std::FILE* file_;
    bool failed_ = false;
};

class Engine {
public:
    Engine(const SyncOptions& o, const secrets::Credentials& c, SyncObserver& obs, const std::atomic<bool>& cancel)
        : options_(o), credentials_(c), observer_(obs), user_cancel_(cancel), limiter_(o.requests_per_hour, o.settings.threads) {
        redactor_.add(c.partner_api_key);
        redactor_.add(c.client_secret);
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
            progress_.check_bytes_total = ec ? 0 : static_cast<std::uint64_t>(size);
        }
        if (dedupe_on_disk(options_.dedupe, options_.input_path)) {
            // Pass 0, for a large table: the planner's duplicate questions go to disk and are answered there,
            // so that no pass holds every distinct id in memory. The hash of each piece of the file is kept
            // for the streamed send pass, which must only ever plan what this pass checked.
            dedupe_ = std::make_unique<SpilledDedupe>();
            // The send plans from pass 0's own file (SpilledDedupe::plan) rather than a second read.
            if (!options_.dry_run && options_.mode != Mode::Mirror) dedupe_->keep_first_occurrences();
            // On the reading thread, beside the planner's.
            const auto hash_piece = [&](std::string_view chunk) {
                table_hash_.add(chunk);
                piece_hashes_.push_back(hash_bytes(chunk));
            };
            if (auto error = dedupe_->rehearse(settings_, options_.read, input_name(), [&](const auto& on_rows) {
                    return files::read_table_rows(
                        options_.input_path, cohort::RowReader(options_.read.format, settings_),
                        [&](const cohort::RowBatch& rows, std::size_t bytes) {
                            on_rows(rows);
                            checked(bytes);
                        },
                        hash_piece);
                }))
                return refuse(Error{ErrorCode::InputUnreadable, *error});
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
            planned = dedupe_->report() ? dedupe_->report()->summary.requests
                                        : (ids + settings_.max_ids_per_request - 1) / std::max(1, settings_.max_ids_per_request);
        }
        summary_.check_seconds = seconds_between(started_, Clock::now());
        if (options_.mode != Mode::Mirror) {
            // For a streamed send of a table with very large identifiers, the batches are an estimate until the
            // table is planned (a body's 4 MB limit can cut a batch short of the maximum); the identifiers are exact.
            progress_.batches_total = planned;
            progress_.ids_total = ids;
            progress_.totals_final = true;
        }

        auto opened = StateStore::open(options_.state_path.empty() ? default_state_path() : options_.state_path);
        if (!opened) return refuse(opened.error());
        store_ = std::move(*opened);

        PartsHash identity;
        identity.add(hex64(table_hash_.value()));
        identity.add(to_string(options_.mode));
        identity.add(scope_);
        identity.add(settings_.cohort_name);
        for (const auto& a : settings_.alias_columns) identity.add(a);
        identity.add(std::to_string(settings_.max_ids_per_request));
        identity.add(options_.read.trim ? "trim" : "");
        const std::string id = hex64(identity.value());

        const auto found = store_->latest_run(id);
        if (!found) return refuse(found.error());
        const std::optional<RunRecord>& latest = *found;
        const bool mirror = options_.mode == Mode::Mirror;
        if (latest && latest->live)
            return refuse(Error{ErrorCode::StateLocked,
                                "another sync of this table is running (run " + std::to_string(latest->id) +
                                    ", process " + latest->owner + "); wait for it to finish"});
        if (latest && !mirror && !options_.force) {
            if (latest->status == RunStatus::Completed) {
                summary_.outcome = Outcome::NothingToDo;
                if (streamed_) planned = static_cast<std::uint64_t>(latest->planned);  // not planned again: what the run planned
                summary_.skipped = planned;
                summary_.planned = planned;
                summary_.run_id = latest->id;
                summary_.message = "this table was already synced completely (run " + std::to_string(latest->id) +
                                   ", finished " + latest->finished_at + "); nothing sent. Use --force to send it again";
                return summary_;
            }
            if (!options_.resume)
                return refuse(Error{ErrorCode::Usage, "an unfinished run of this table exists (run " +
                                                          std::to_string(latest->id) + ", " + confirmed_phrase(*latest) +
                                                          "): pass --resume to continue it, or --force to start over"});
        }
        if (options_.dry_run) {
            summary_.outcome = Outcome::Completed;
            summary_.planned = planned;
            summary_.message = "dry run: " + std::to_string(planned) + " membership requests with " +
                               std::to_string(ids) + " identifiers would be sent to " + endpoint_ +
                               (mirror ? " before subtracting confirmed members" : "");
            return summary_;
        }
        const bool unfinished = latest && latest->status != RunStatus::Completed;
        if (unfinished && options_.resume && !options_.force && !mirror) {
            run_id_ = latest->id;
            if (auto marked = store_->mark_running(run_id_); !marked) return refuse(marked.error());
            auto confirmed = store_->confirmed_batches(run_id_);
            if (!confirmed) return refuse(confirmed.error());
            confirmed_ = std::move(*confirmed);
            emit(SyncEvent::Kind::Info, "resuming run " + std::to_string(run_id_) + ": " + confirmed_phrase(*latest) +
                                            "; those are not sent again");
        } else {
            if (unfinished && options_.resume && !options_.force) {
                // A mirror's plan is the table against the membership confirmed so far, which the interrupted
                // run's confirmations are part of: a new run of the same table sends exactly what is left.
                emit(SyncEvent::Kind::Info, "resuming mirror run " + std::to_string(latest->id) + " (" +
                                                confirmed_phrase(*latest) +
                                                ") as a new run: the members it confirmed are kept, so only the "
                                                "changes not confirmed yet are sent");
                if (auto marked = store_->mark_interrupted(latest->id, utc_now_iso8601()); !marked)
                    return refuse(marked.error());
            } else if (options_.resume && !options_.force) {
                emit(SyncEvent::Kind::Info, "no unfinished run of this table to resume (a table changed since its run "
                                            "began is another table): starting a new run");
            }
            auto begun = store_->begin_run(id, scope_, options_.mode, input_name(), utc_now_iso8601());
            if (!begun) return refuse(begun.error());
            run_id_ = *begun;
        }
        summary_.run_id = run_id_;

        {
            std::lock_guard lock(observer_mutex_);
            progress_.table_checked = true;
            observer_.on_progress(progress_);
        }
        start_workers();
        const bool planned_ok = mirror                               ? plan_mirror()
                                : streamed_ && dedupe_->can_plan() ? plan_checked()
                                : streamed_                        ? plan_streamed()
                                                                   : plan_table();
        close_queue();
        for (auto& t : workers_) t.join();
        if (planned_ok && !stopping()) record(store_->record_planned_total(run_id_, static_cast<std::int64_t>(summary_.planned)));

        summary_.retried = progress_.retries;
        summary_.requests = progress_.requests;
        if (progress_.requests > 0) summary_.sending_seconds = seconds_between(first_request_, last_answer_);
        const bool cancelled = user_cancel_.load() && !stop_error_;
        RunStatus status = RunStatus::Failed;
        if (stop_error_) {
            summary_.outcome = Outcome::Failed;
            summary_.error = stop_error_;
            summary_.message = stop_error_->message;
            if (resumable(stop_error_->code)) summary_.message += "; once that is fixed, run again with --resume";
        } else if (cancelled) {
            summary_.outcome = Outcome::Interrupted;
            summary_.message = "interrupted: requests in flight were finished and recorded; run again with --resume";
            status = RunStatus::Interrupted;
        } else if (!planned_ok || summary_.failed > 0) {
            summary_.outcome = Outcome::Failed;
            summary_.error = Error{ErrorCode::RetriesExhausted,
                                   std::to_string(summary_.failed) + " batches could not be confirmed after retries"};
            summary_.message = summary_.error->message + "; run again with --resume to retry them";
        } else {
            summary_.outcome = Outcome::Completed;
            summary_.message = "all " + std::to_string(summary_.planned) + " batches confirmed";
            status = RunStatus::Completed;
        }
        // The run's end could not be recorded when the state file is what failed: the next run finds it
        // unfinished, with no live process, and resumes it.
        if (!stop_error_ || !is_state_error(stop_error_->code))
            if (auto finished = store_->finish_run(run_id_, status, utc_now_iso8601()); !finished && summary_.ok()) {
                summary_.outcome = Outcome::Failed;
                summary_.error = finished.error();
                summary_.message = "every batch was confirmed, but the run's end could not be recorded: " +
                                   finished.error().message;
            }
        return summary_;
    }

private:
    SyncSummary refuse(Error error) {
        error.message = redactor_.redact(error.message);
        summary_.outcome = Outcome::Refused;
        summary_.message = error.message;
        summary_.error = std::move(error);
        return summary_;
    }

    std::string input_name() const { return options_.input_name.empty() ? options_.input_path : options_.input_name; }

    // "87 of 464 batches confirmed", or "87 batches confirmed" for a run stopped before it had planned them all.
    static std::string confirmed_phrase(const RunRecord& run) {
        return std::to_string(run.confirmed) +
               (run.planned_total ? " of " + std::to_string(*run.planned_total) : std::string()) + " batches confirmed";
    }

    static bool is_state_error(ErrorCode code) {
        return code == ErrorCode::StateDiskFull || code == ErrorCode::StateReadOnly || code == ErrorCode::StateCorrupt ||
               code == ErrorCode::StateLocked || code == ErrorCode::StateFailed;
    }

    // A failed write to the state file stops the run: what was confirmed but could not be recorded is sent
    // again by the resume, which for a membership change is harmless.
    bool record(const Status& status) {
        if (status) return true;
        stop_with(status.error());
        return false;
    }

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
            cohort::Planner checker = make_planner(nullptr, read);
            auto count = [&] {
                for (const auto& r : checker.take_requests()) {
                    if (spill) spill_->write(r);
                    if (r.ids > 0) {
                        ++planned_;
                        ids_planned_ += r.ids;
                    }
                }
            };
            {
                std::lock_guard lock(observer_mutex_);
                progress_.check_bytes_read = 0;  // a table checked on disk with an error: read again for its report
            }
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
        if (dedupe_ && !made_by_pass_0 && !dedupe_->replay_matched()) return refuse(Error{ErrorCode::TableChanged, kFileChanged});
        observer_.on_report(report);
        if (!report.ok()) {
            summary_.outcome = Outcome::InvalidTable;
            summary_.message = "the table has " + std::to_string(report.summary.errors) +
                               " errors; nothing was sent. Fix them (tdbraze validate cohort shows them all) and run again";
            return summary_;
        }
        if (spill && !spill_->rewind())
            return refuse(Error{ErrorCode::TempFile, "cannot write the planned requests to a temporary file in $TMPDIR "
                                                     "(else /tmp): is it missing or full?"});
        return std::nullopt;
    }

    void emit(SyncEvent::Kind kind, std::string message, std::int64_t seq = -1, long status = 0, int attempt = 0,
              std::int64_t ids = 0, double ms = 0, bool stops_run = false) {
        SyncEvent e;
        e.kind = kind;
        e.message = redactor_.redact(message);
        e.seq = seq;
        e.status = status;
        e.attempt = attempt;
        e.ids = ids;
        e.elapsed_ms = ms;
        e.stops_run = stops_run;
        std::lock_guard lock(observer_mutex_);
        observer_.on_event(e);
    }

    // Another piece of the table read by the check before sending.
    void checked(std::size_t bytes) {
        std::lock_guard lock(observer_mutex_);
        progress_.check_bytes_read += bytes;
        observer_.on_progress(progress_);
    }

    void report_progress() {
        std::lock_guard lock(observer_mutex_);
        observer_.on_progress(progress_);
    }

    bool stopping() const { return user_cancel_.load() || stop_.load(); }

    // Send pass for add and remove: the first pass's plan (the same as `tdbraze plan cohort`), batch by batch
    // into the queue.
    bool plan_table() {
        std::int64_t seq = 0;
        std::vector<cohort::PlannedRequest> group;
        cohort::PlannedRequest r;
        // A few at a time, as the other plans hand them over: the state file records them in one transaction.
        while (!stopping() && spill_->read(r)) {
            group.push_back(std::move(r));
            r = cohort::PlannedRequest();
            if (group.size() >= kPlannedTogether) enqueue_planned(seq, std::move(group));
        }
        enqueue_planned(seq, std::move(group));
        {
            std::lock_guard lock(observer_mutex_);
            progress_.planning_done = true;
        }
        if (!spill_->ok()) {
            stop_with(Error{ErrorCode::TempFile, "cannot read the planned requests back from their temporary file"});
            return false;
        }
        spill_.reset();
        return true;
    }

    // Requests of the plan (the same as `tdbraze plan cohort`'s) as the batches numbered from `seq` on: the
    // naming call (no identifiers) or membership changes of the run's operation. Leaves `requests` empty.
    void enqueue_planned(std::int64_t& seq, std::vector<cohort::PlannedRequest>&& requests) {
        std::vector<Batch> group;
        group.reserve(requests.size());
        for (cohort::PlannedRequest& r : requests) {
            Batch b;
            b.seq = seq++;
            b.kind = r.ids == 0                                        ? BatchKind::Name
                     : settings_.operation == cohort::Operation::Remove ? BatchKind::Remove
                                                                        : BatchKind::Add;
            b.request = std::move(r);
            if (b.kind != BatchKind::Name) ++summary_.planned;
            group.push_back(std::move(b));
        }
        requests.clear();
        enqueue(std::move(group));
    }

    // Reads the table again for sending. Each piece of the file must hash as it did when the table was checked
    // before it is passed on, so that a table changed since is never sent beyond the part that was checked.
    // An error message when it changed (the rest is not read) or cannot be read.
    std::optional<std::string> reread_checked_table(const std::function<void(std::string_view)>& on_piece) {
        std::size_t piece = 0;
        bool changed = false;
        auto error = files::read_in_chunks(options_.input_path, [&](std::string_view chunk) {
            if (stopping() || changed) return;
            changed = piece >= piece_hashes_.size() || piece_hashes_[piece++] != hash_bytes(chunk);
            if (!changed) on_piece(chunk);
        });
        if (!error && !stopping() && (changed || piece != piece_hashes_.size())) error = kFileChangedWhileSending;
        return error;
    }

    // Send pass for add and remove of a table pass 0 found no error in and could plan from its own file: the
    // requests are made from the identifiers pass 0 checked, so the table is not read again and a file
    // changed since cannot change what is sent.
    bool plan_checked() {
        std::int64_t seq = 0;
        // One planning thread: sending sets the pace, and the other core serves the workers' connections.
        const auto error = dedupe_->plan(
            settings_, cohort::BatchOutput::BodiesAndKeys,
            [&](auto&& requests) {
                enqueue_planned(seq, std::move(requests));
                return !stopping();
            },
            1);
        if (stopping()) return true;
        if (error) {
            stop_with(Error{ErrorCode::TempFile, *error});
            return false;
        }
        {
            std::lock_guard lock(observer_mutex_);
            observer_.on_report(*dedupe_->report());
            progress_.batches_total = summary_.planned;
            progress_.planning_done = true;
        }
        return true;
    }

    // Send pass for add and remove of a table pass 0 found no error in, when the first read alone could not
    // say how requests split (an identifier of kilobytes): the second read plans the table and feeds the
    // queue as it goes; the run stops if the table changed since pass 0.
    bool plan_streamed() {
        std::int64_t seq = 0;
        cohort::Planner planner = make_planner(nullptr);
        auto enqueue_all = [&] { enqueue_planned(seq, planner.take_requests()); };
        const auto error = reread_checked_table([&](std::string_view chunk) {
            planner.feed(chunk);
            enqueue_all();
        });
        if (stopping()) return true;
        if (error) {
            stop_with(table_read_error(*error));
            return false;
        }
        const cohort::Report report = planner.finish();
        {
            std::lock_guard lock(observer_mutex_);
            observer_.on_report(report);
        }
        if (!report.ok() || !dedupe_->replay_matched()) {
            // Cannot happen for an unchanged table (see rehearsal_errors()); stopped rather than sent.
            stop_with(Error{ErrorCode::TableChanged,
                            report.ok() ? kFileChangedWhileSending
                                        : "the table's second read found errors its first did not; the rest was not sent"});
            return false;
        }
        enqueue_all();
        {
            std::lock_guard lock(observer_mutex_);
            progress_.batches_total = summary_.planned;
            progress_.planning_done = true;
        }
        return true;
    }

    // Mirror: the table is the whole desired membership. Adds are its identifiers not yet confirmed in the
    // cohort; removes are confirmed members that are no longer in it.
    bool plan_mirror() {
        cohort::RequestBatcher adds(settings_, cohort::Operation::Add);
        cohort::RequestBatcher removes(settings_, cohort::Operation::Remove);
        std::int64_t seq = 0;
        auto enqueue_from = [&](cohort::RequestBatcher& batcher, BatchKind kind) {
            for (auto& r : batcher.take()) {
                Batch b;
                b.seq = seq++;
                b.kind = kind;
                {
                    std::lock_guard lock(observer_mutex_);
                    progress_.batches_total += 1;
                    progress_.ids_total += r.ids;
                }
                b.request = std::move(r);
                ++summary_.planned;
                enqueue(std::move(b));
            }
        };
        Batch naming;
        naming.seq = seq++;
        naming.kind = BatchKind::Name;
        naming.request = adds.naming_request();
        enqueue(std::move(naming));

        if (!record(store_->begin_desired())) return false;
        // The table's identifiers go to the state store a batch at a time; those not confirmed yet are added,
        // in table order.
        std::vector<std::string> pending;
        auto settle = [&] {
            if (!record(store_->add_desired(pending))) return pending.clear();
            const auto member = store_->members_among(scope_, pending);
            if (!record(member.map([](const auto&) {}))) return pending.clear();
            for (std::size_t i = 0; i < pending.size(); ++i) {
                if ((*member)[i]) continue;
                const cohort::IdentifierParts p = cohort::split_identifier_key(pending[i]);
                adds.add(p.type, p.alias_label, p.value);
                enqueue_from(adds, BatchKind::Add);
            }
            pending.clear();
        };
        cohort::Planner planner = make_planner([&](cohort::IdentifierType type, std::string_view label, std::string_view value) {
            pending.push_back(cohort::identifier_key(type, label, value));
            if (pending.size() >= 1000) settle();
        });
        auto error = reread_checked_table([&](std::string_view chunk) { planner.feed(chunk); });
        if (stopping()) return true;
        planner.finish();
        settle();
        if (!error && dedupe_ && !dedupe_->replay_matched()) error = kFileChangedWhileSending;
        if (error) {
            // The desired set is incomplete: members missing from it have not left, so no remove may be sent.
            stop_with(table_read_error(*error));
            return false;
        }
        if (stopping()) return true;  // a failed write to the state file: the desired set is incomplete too
        adds.flush();
        enqueue_from(adds, BatchKind::Add);
        const Status departed = store_->for_each_departed(scope_, [&](std::string_view key) {
            const cohort::IdentifierParts p = cohort::split_identifier_key(key);
            removes.add(p.type, p.alias_label, p.value);
            enqueue_from(removes, BatchKind::Remove);
        });
        if (!record(departed)) return false;
        removes.flush();
        enqueue_from(removes, BatchKind::Remove);
        {
            std::lock_guard lock(observer_mutex_);
            progress_.planning_done = true;
            progress_.totals_final = true;
        }
        return true;
    }

    // A planner over the table with the run's duplicate check: on disk when pass 0 ran, else in memory.
    cohort::Planner make_planner(cohort::IdentifierSink sink) { return make_planner(std::move(sink), options_.read); }
    cohort::Planner make_planner(cohort::IdentifierSink sink, const cohort::ReadOptions& read) {
        if (dedupe_) return cohort::Planner(settings_, read, input_name(), std::move(sink), dedupe_->replayer());
        return cohort::Planner(settings_, read, input_name(), std::move(sink));
    }

    // Batches planned together: recorded in the state file in one transaction, then queued in order. Batches
    // a resumed run already confirmed, and a naming call Braze already has, are skipped.
    void enqueue(std::vector<Batch> group) {
        std::vector<StateStore::PlannedBatch> planned;
        std::vector<Batch> to_send;
        for (Batch& b : group) {
            // A naming call is identified by the name alone: its created_at changes every run, and Braze needs
            // the call again only when the name changes.
            std::string hash = hex64(b.kind == BatchKind::Name ? stable_hash("name:" + settings_.cohort_name) : stable_hash(b.request.body));
            bool named = false;
            if (b.kind == BatchKind::Name) {
                const auto found = store_->named(scope_, hash);
                if (!record(found.map([](bool) {}))) return;
                named = *found;
            }
            if (named) {
                std::lock_guard lock(name_mutex_);
                name_state_ = 1;
                name_done_.notify_all();
                continue;
            }
            const auto done = confirmed_.find(b.seq);
            if (done != confirmed_.end() && done->second == hash) {
                if (b.kind != BatchKind::Name) {
                    ++summary_.skipped;
                    std::lock_guard lock(observer_mutex_);
                    ++progress_.batches_done;
                    progress_.ids_done += b.request.ids;
                }
                continue;
            }
            planned.push_back({b.seq, b.kind, std::move(hash), static_cast<std::int64_t>(b.request.ids)});
            to_send.push_back(std::move(b));
        }
        if (!planned.empty() && !record(store_->record_planned(run_id_, planned))) return;
        for (Batch& b : to_send) {
            std::unique_lock lock(queue_mutex_);
            // A bounded queue: planning never runs far ahead of sending, so memory stays small for any table.
            queue_space_.wait(lock, [&] { return queue_.size() < queue_limit_ || stopping(); });
            if (stopping()) return;
            queue_.push_back(std::move(b));
            queue_ready_.notify_one();
        }
    }
    void enqueue(Batch b) {
        std::vector<Batch> one;
        one.push_back(std::move(b));
        enqueue(std::move(one));
    }

    void close_queue() {
        std::lock_guard lock(queue_mutex_);
        queue_closed_ = true;
        queue_ready_.notify_all();
    }

    std::optional<Batch> next_batch() {
        std::unique_lock lock(queue_mutex_);
        queue_ready_.wait(lock, [&] { return !queue_.empty() || queue_closed_ || stopping(); });
        if (stopping() || queue_.empty()) return std::nullopt;
        Batch b = std::move(queue_.front());
        queue_.pop_front();
        queue_space_.notify_one();
        return b;
    }

    void start_workers() {
        queue_limit_ = static_cast<std::size_t>(std::max(2, settings_.threads * 2));
        // The naming call must be confirmed before any membership change, so the first worker sends it alone
        // and the others wait for it.
        for (int i = 0; i < settings_.threads; ++i) workers_.emplace_back([this, i] { worker(i); });
    }

    void worker(int index) {
        transport::HttpClient client(options_.http, &share_);
        std::mt19937_64 random(static_cast<std::uint64_t>(index) * 7919 + static_cast<std::uint64_t>(epoch_seconds_now()));
        while (auto batch = next_batch()) {
            if (batch->kind == BatchKind::Name) {
                const bool ok = send(client, random, *batch, batch->request);
                std::lock_guard lock(name_mutex_);
                name_state_ = ok ? 1 : -1;
                name_done_.notify_all();
                if (!ok) stop_with(Error{ErrorCode::RetriesExhausted, "the naming call failed, so no membership change was sent"});
                continue;
            }
            {
                std::unique_lock lock(name_mutex_);
                name_done_.wait(lock, [&] { return name_state_ != 0 || stopping(); });
                if (name_state_ != 1) return;
            }
            if (!send(client, random, *batch, batch->request)) {
                if (!stopping()) {
                    std::lock_guard lock(observer_mutex_);
                    ++summary_.failed;
                }
            }
        }
        std::lock_guard lock(name_mutex_);
        name_done_.notify_all();
    }

    // Sends one batch until it is confirmed, split, given up or the run stops. True when confirmed.
    bool send(transport::HttpClient& client, std::mt19937_64& random, const Batch& batch,
              const cohort::PlannedRequest& request, bool part = false) {
        const std::string url = endpoint_ + request.path;
        const std::string body = with_secrets(request.body, credentials_);
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        for (int attempt = 0;; ++attempt) {
            if (!limiter_.acquire(stop_or_cancel_)) return false;
            if (stopping()) return false;
            const auto started = Clock::now();
            const transport::HttpResponse response = client.post(url, body, {});
            const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
            const Verdict verdict = classify(response.status, !response.network_error.empty());
            // A confirming attempt is recorded with the confirmation: one commit per batch fewer.
            if (verdict != Verdict::Done || part)
                if (!record(store_->record_attempt(run_id_, batch.seq, response.status))) return false;
            if (auto error = unreachable(response, answered_.load(), endpoint_)) {
                stop_with(std::move(*error));
                return false;
            }
            if (response.failure == transport::TransportFailure::None) answered_.store(true);
            {
                std::lock_guard lock(observer_mutex_);
                if (progress_.requests == 0 || started < first_request_) first_request_ = started;
                last_answer_ = Clock::now();
                ++progress_.requests;
                if (response.status == 429) ++progress_.status_429;
                if (verdict != Verdict::Done) ++progress_.errors;
            }
            if (verdict == Verdict::Done) {
                // The server's window is spent: everyone waits for its reset instead of drawing 429s.
                if (auto wait = window_spent_delay(response.rate_limit_remaining, response.rate_limit_reset, epoch_ms_now()))
                    limiter_.pause_until(Clock::now() + *wait);
                // A half of a split batch changes the membership; the batch itself is confirmed with its last half.
                const bool removed = batch.kind == BatchKind::Remove;
                if (!record(part ? store_->apply_members(scope_, request.keys, removed)
                                 : store_->confirm(run_id_, batch.seq, scope_, request.keys, removed, response.status)))
                    return false;
                {
                    std::lock_guard lock(observer_mutex_);
                    if (batch.kind != BatchKind::Name) {
                        if (!part) {
                            ++summary_.sent;
                            ++progress_.batches_done;
                        }
                        progress_.ids_done += request.ids;
                        summary_.ids_sent += request.ids;
                        (removed ? summary_.removes : summary_.adds) += request.ids;
                    }
                }
                emit(SyncEvent::Kind::Sent, std::string(to_string(batch.kind)) + " batch " + std::to_string(batch.seq) + " confirmed",
                     batch.seq, response.status, attempt + 1, static_cast<std::int64_t>(request.ids), ms);
                report_progress();
                return true;
            }
            const std::string what = response.network_error.empty()
                                         ? "HTTP " + std::to_string(response.status)
                                         : "network error: " + response.network_error;
            if (verdict == Verdict::Split && request.keys.size() > 1) {
                emit(SyncEvent::Kind::Retry, "batch " + std::to_string(batch.seq) + " too large (413): splitting it",
                     batch.seq, response.status, attempt + 1);
                return send_halves(client, random, batch, request);
            }
            if (verdict == Verdict::Stop || verdict == Verdict::Split) {
                stop_with(Error{ErrorCode::ReceiverRefused,
                                explain_stop(response.status, redactor_.redact(response.body), endpoint_)},
                          batch.seq, response.status, attempt + 1);
                return false;
            }
            if (attempt + 1 >= options_.backoff.max_attempts) {
                record(store_->mark_failed(run_id_, batch.seq));
                emit(SyncEvent::Kind::Error,
                     "batch " + std::to_string(batch.seq) + " gave up after " + std::to_string(attempt + 1) +
                         " attempts (" + what + ")",
                     batch.seq, response.status, attempt + 1);
                return false;
            }
            std::chrono::milliseconds delay = backoff_delay(options_.backoff, attempt, unit(random));
            if (auto asked = server_delay(response.status, response.retry_after_seconds, response.rate_limit_reset,
                                          epoch_ms_now())) {
                delay = std::max(delay, *asked);
                if (response.status == 429) limiter_.pause_until(Clock::now() + *asked);
            }
            {
                std::lock_guard lock(observer_mutex_);
                ++progress_.retries;
            }
            emit(SyncEvent::Kind::Retry,
                 "batch " + std::to_string(batch.seq) + ": " + what + "; retrying in " +
                     std::to_string(delay.count()) + " ms",
                 batch.seq, response.status, attempt + 1, 0, ms);
            report_progress();
            if (!sleep_unless_stopped(delay)) return false;
        }
    }

    bool send_halves(transport::HttpClient& client, std::mt19937_64& random, const Batch& batch,
                     const cohort::PlannedRequest& request) {
        const std::size_t half = request.keys.size() / 2;
        for (int part = 0; part < 2; ++part) {
            cohort::Settings s = settings_;
            s.max_ids_per_request = static_cast<int>(request.keys.size());
            cohort::RequestBatcher batcher(s, batch.kind == BatchKind::Remove ? cohort::Operation::Remove : cohort::Operation::Add);
            const std::size_t begin = part == 0 ? 0 : half, end = part == 0 ? half : request.keys.size();
            for (std::size_t i = begin; i < end; ++i) {
                const auto p = cohort::split_identifier_key(request.keys[i]);
                batcher.add(p.type, p.alias_label, p.value);
            }
            batcher.flush();
            for (const auto& piece : batcher.take())
                if (!send(client, random, batch, piece, true)) return false;
        }
        if (!record(store_->confirm(run_id_, batch.seq, scope_, {}, batch.kind == BatchKind::Remove))) return false;
        std::lock_guard lock(observer_mutex_);
        ++summary_.sent;
        ++progress_.batches_done;
        return true;
    }

    bool sleep_unless_stopped(std::chrono::milliseconds delay) {
        const auto until = Clock::now() + delay;
        while (Clock::now() < until) {
            if (stopping()) return false;
            std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(50)));
        }
        return !stopping();
    }

    // Stops the run with this error (the first one stopping it wins): nothing new is sent, requests in
    // flight finish. The error is also told to the observer, as the run's last event.
    void stop_with(Error error, std::int64_t seq = -1, long status = 0, int attempt = 0) {
        error.message = redactor_.redact(error.message);
        {
            std::lock_guard lock(observer_mutex_);
            if (stop_error_) return;
            stop_error_ = error;
            stop_.store(true);
            stop_or_cancel_.store(true);
        }
        queue_ready_.notify_all();
        queue_space_.notify_all();
        emit(SyncEvent::Kind::Error, error.message, seq, status, attempt, 0, 0, true);
    }

    // A table that could not be read again for sending, or that changed since its check.
    static Error table_read_error(const std::string& message) {
        return Error{message == kFileChangedWhileSending ? ErrorCode::TableChanged : ErrorCode::InputUnreadable, message};
    }

    const SyncOptions& options_;
    const secrets::Credentials& credentials_;
    SyncObserver& observer_;
    const std::atomic<bool>& user_cancel_;
    secrets::Redactor redactor_;
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

    transport::ConnectionShare share_;
    RateLimiter limiter_;
    std::vector<std::thread> workers_;
    std::mutex queue_mutex_;
    std::condition_variable queue_ready_, queue_space_;
    std::deque<Batch> queue_;
    std::size_t queue_limit_ = 8;
    bool queue_closed_ = false;

    std::mutex name_mutex_;
    std::condition_variable name_done_;
    int name_state_ = 0;  // 0 pending, 1 confirmed, -1 failed

    std::atomic<bool> stop_{false};
    std::atomic<bool> stop_or_cancel_{false};
    std::optional<Error> stop_error_;  // under observer_mutex_
    std::atomic<bool> answered_{false};  // the receiver answered a request of this run
    std::mutex observer_mutex_;
    SyncProgress progress_;
    SyncSummary summary_;
    const Clock::time_point started_ = Clock::now();
    Clock::time_point first_request_{}, last_answer_{};  // of any request: under observer_mutex_

public:
    // The user's Ctrl-C also releases threads waiting for a rate-limit token.
    void watch_cancel() {
        if (user_cancel_.load()) {
            stop_or_cancel_.store(true);
            queue_ready_.notify_all();
            queue_space_.notify_all();
            name_done_.notify_all();
        }
    }
};

}  // namespace

std::string default_state_path() {
    if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg != '\0')
        return std::string(xdg) + "/tdbraze/state.db";
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/.local/state/tdbraze/state.db";
}

SyncSummary run_sync(const SyncOptions& options, const secrets::Credentials& credentials, SyncObserver& observer,
                     const std::atomic<bool>& cancel) {
    Engine engine(options, credentials, observer, cancel);
    std::atomic<bool> finished{false};
    // Turns a Ctrl-C (which only sets `cancel`) into wake-ups of waiting threads.
    std::thread watcher([&] {
        while (!finished.load()) {
            engine.watch_cancel();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
    SyncSummary summary = engine.run();
    finished.store(true);
    watcher.join();
    return summary;
}

}  // namespace tdbraze::sync
