#include "plan_sources.hpp"

#include <optional>
#include <string_view>

#include "input_file.hpp"
#include "tdbraze/id_set.hpp"

namespace tdbraze::sync {
namespace {

// Requests read from a temporary file are handed on this many at a time (as the duplicate check's plan hands
// them over), so that the state file records them in one transaction rather than one each.
constexpr std::size_t kPlannedTogether = 32;

// What the four sources share: numbering, the second read of the table, and the run's stop.
class SourceBase : public PlanSource {
protected:
    explicit SourceBase(PlanContext context) : c_(std::move(context)) {}

    bool stopping() const { return c_.sender.stopping(); }

    // Requests of the plan as the batches numbered from `seq_` on: the naming call (no identifiers) or
    // membership changes of the run's operation, handed to `take`. Leaves `requests` empty.
    bool take_planned(const TakeBatches& take, std::vector<cohort::PlannedRequest>&& requests) {
        std::vector<Batch> group;
        group.reserve(requests.size());
        std::uint64_t planned = 0;
        for (cohort::PlannedRequest& r : requests) {
            Batch b;
            b.seq = seq_++;
            b.kind = r.ids == 0                                           ? BatchKind::Name
                     : c_.settings.operation == cohort::Operation::Remove ? BatchKind::Remove
                                                                          : BatchKind::Add;
            b.request = std::move(r);
            if (b.kind != BatchKind::Name) ++planned;
            group.push_back(std::move(b));
        }
        requests.clear();
        c_.monitor.update([&](SyncProgress&, SyncSummary& s) { s.planned += planned; }, false);
        return take(std::move(group));
    }

    // The plan is complete: its totals are final.
    void planning_done() {
        c_.monitor.update([](SyncProgress& p, SyncSummary& s) {
            p.batches_total = s.planned;
            p.planning_done = true;
            p.totals_final = true;
        });
    }

    // Reads the table again. Each piece of the file must hash as it did when the table was checked before it
    // is passed on, so that a table changed since is never sent beyond the part that was checked. An error
    // message when it changed (the rest is not read) or cannot be read.
    std::optional<std::string> reread_checked_table(const std::function<void(std::string_view)>& on_piece) {
        std::size_t piece = 0;
        bool changed = false;
        auto error = files::read_in_chunks(c_.input_path, [&](std::string_view chunk) {
            if (stopping() || changed) return;
            changed = piece >= c_.piece_hashes.size() || c_.piece_hashes[piece++] != hash_bytes(chunk);
            if (!changed) on_piece(chunk);
        });
        if (!error && !stopping() && (changed || piece != c_.piece_hashes.size())) error = kFileChangedWhileSending;
        return error;
    }

    // A second read that could not be done, or found the table changed since its check.
    static Error reread_error(const std::string& message) {
        return Error{message == kFileChangedWhileSending ? ErrorCode::TableChanged : ErrorCode::InputUnreadable,
                     message};
    }

    PlanContext c_;
    std::int64_t seq_ = 0;
};

// The check's own plan, read back from its temporary file.
class SpilledPlan final : public SourceBase {
public:
    SpilledPlan(PlanContext context, std::unique_ptr<RequestSpill> spill)
        : SourceBase(std::move(context)), spill_(std::move(spill)) {}

    bool produce(const TakeBatches& take) override {
        std::vector<cohort::PlannedRequest> group;
        cohort::PlannedRequest r;
        // A few at a time, as the other plans hand them over: the state file records them in one transaction.
        bool taking = true;
        while (taking && !stopping() && spill_->read(r)) {
            group.push_back(std::move(r));
            r = cohort::PlannedRequest();
            if (group.size() >= kPlannedTogether) taking = take_planned(take, std::move(group));
        }
        if (taking) take_planned(take, std::move(group));
        if (!spill_->ok()) {
            c_.sender.stop_with(
                Error{ErrorCode::TempFile, "cannot read the planned requests back from their temporary file"});
            return false;
        }
        c_.monitor.update([](SyncProgress& p, SyncSummary&) { p.planning_done = true; }, false);
        return true;
    }

private:
    std::unique_ptr<RequestSpill> spill_;
};

// The requests made from the identifiers the check on disk kept: the table is not read again, so a file
// changed since cannot change what is sent.
class CheckedPlan final : public SourceBase {
public:
    explicit CheckedPlan(PlanContext context) : SourceBase(std::move(context)) {}

    bool produce(const TakeBatches& take) override {
        // One planning thread: sending sets the pace, and the other core serves the workers' connections.
        const Status planned = c_.dedupe->planning()->plan(
            c_.settings, cohort::BatchOutput::BodiesAndKeys,
            [&](auto&& requests) { return take_planned(take, std::move(requests)) && !stopping(); }, 1);
        if (stopping()) return true;
        if (!planned) {
            c_.sender.stop_with(planned.error());
            return false;
        }
        c_.monitor.report(*c_.dedupe->report());
        planning_done();
        return true;
    }
};

// A second read plans the table and hands batches on as it goes (when the first read alone could not say how
// requests split: an identifier of kilobytes); the run stops if the table changed since the check.
class StreamedPlan final : public SourceBase {
public:
    explicit StreamedPlan(PlanContext context) : SourceBase(std::move(context)) {}

    bool produce(const TakeBatches& take) override {
        cohort::Planner planner = make_planner(c_.settings, c_.read, c_.source_name, c_.dedupe, nullptr);
        const auto error = reread_checked_table([&](std::string_view chunk) {
            planner.feed(chunk);
            take_planned(take, planner.take_requests());
        });
        if (stopping()) return true;
        if (error) {
            c_.sender.stop_with(reread_error(*error));
            return false;
        }
        const cohort::Report report = planner.finish();
        c_.monitor.report(report);
        if (!report.ok() || !c_.dedupe->replay_matched()) {
            // Cannot happen for an unchanged table (see rehearsal_errors()); stopped rather than sent.
            c_.sender.stop_with(
                Error{ErrorCode::TableChanged,
                      report.ok() ? kFileChangedWhileSending
                                  : "the table's second read found errors its first did not; the rest was not sent"});
            return false;
        }
        take_planned(take, planner.take_requests());
        planning_done();
        return true;
    }
};

// Mirror: the table is the whole desired membership. Adds are its identifiers not yet confirmed in the
// cohort; removes are confirmed members that are no longer in it.
class MirrorPlan final : public SourceBase {
public:
    explicit MirrorPlan(PlanContext context) : SourceBase(std::move(context)) {}

    bool produce(const TakeBatches& take) override {
        cohort::RequestBatcher adds(c_.settings, cohort::Operation::Add);
        cohort::RequestBatcher removes(c_.settings, cohort::Operation::Remove);
        auto take_from = [&](cohort::RequestBatcher& batcher, BatchKind kind) {
            for (auto& r : batcher.take()) {
                Batch b;
                b.seq = seq_++;
                b.kind = kind;
                c_.monitor.update(
                    [&](SyncProgress& p, SyncSummary& s) {
                        p.batches_total += 1;
                        p.ids_total += r.ids;
                        ++s.planned;
                    },
                    false);
                b.request = std::move(r);
                std::vector<Batch> one;
                one.push_back(std::move(b));
                take(std::move(one));
            }
        };
        Batch naming;
        naming.seq = seq_++;
        naming.kind = BatchKind::Name;
        naming.request = adds.naming_request();
        std::vector<Batch> first;
        first.push_back(std::move(naming));
        take(std::move(first));

        if (!c_.sender.record(c_.store.begin_desired())) return false;
        // The table's identifiers go to the state store a batch at a time; those not confirmed yet are added,
        // in table order.
        std::vector<std::string> pending;
        auto settle = [&] {
            if (!c_.sender.record(c_.store.add_desired(pending))) return pending.clear();
            const auto member = c_.store.members_among(c_.cohort_scope, pending);
            if (!c_.sender.record(member.map([](const auto&) {}))) return pending.clear();
            for (std::size_t i = 0; i < pending.size(); ++i) {
                if ((*member)[i]) continue;
                const cohort::IdentifierParts p = cohort::split_identifier_key(pending[i]);
                adds.add(p.type, p.alias_label, p.value);
                take_from(adds, BatchKind::Add);
            }
            pending.clear();
        };
        cohort::Planner planner =
            make_planner(c_.settings, c_.read, c_.source_name, c_.dedupe,
                         [&](cohort::IdentifierType type, std::string_view label, std::string_view value) {
                             pending.push_back(cohort::identifier_key(type, label, value));
                             if (pending.size() >= 1000) settle();
                         });
        auto error = reread_checked_table([&](std::string_view chunk) { planner.feed(chunk); });
        if (stopping()) return true;
        planner.finish();
        settle();
        if (!error && c_.dedupe && !c_.dedupe->replay_matched()) error = kFileChangedWhileSending;
        if (error) {
            // The desired set is incomplete: members missing from it have not left, so no remove may be sent.
            c_.sender.stop_with(reread_error(*error));
            return false;
        }
        if (stopping()) return true;  // a failed write to the state file: the desired set is incomplete too
        adds.flush();
        take_from(adds, BatchKind::Add);
        const Status departed = c_.store.for_each_departed(c_.cohort_scope, [&](std::string_view key) {
            const cohort::IdentifierParts p = cohort::split_identifier_key(key);
            removes.add(p.type, p.alias_label, p.value);
            take_from(removes, BatchKind::Remove);
        });
        if (!c_.sender.record(departed)) return false;
        removes.flush();
        take_from(removes, BatchKind::Remove);
        c_.monitor.update([](SyncProgress& p, SyncSummary&) {
            p.planning_done = true;
            p.totals_final = true;
        });
        return true;
    }
};

}  // namespace

cohort::Planner make_planner(const cohort::Settings& settings, const cohort::ReadOptions& read,
                             const std::string& source_name, SpilledDedupe* dedupe, cohort::IdentifierSink sink) {
    if (dedupe != nullptr) return cohort::Planner(settings, read, source_name, std::move(sink), dedupe->replayer());
    return cohort::Planner(settings, read, source_name, std::move(sink));
}

std::unique_ptr<PlanSource> spilled_plan(PlanContext context, std::unique_ptr<RequestSpill> spill) {
    return std::make_unique<SpilledPlan>(std::move(context), std::move(spill));
}
std::unique_ptr<PlanSource> checked_plan(PlanContext context) {
    return std::make_unique<CheckedPlan>(std::move(context));
}
std::unique_ptr<PlanSource> streamed_plan(PlanContext context) {
    return std::make_unique<StreamedPlan>(std::move(context));
}
std::unique_ptr<PlanSource> mirror_plan(PlanContext context) {
    return std::make_unique<MirrorPlan>(std::move(context));
}

}  // namespace tdbraze::sync
