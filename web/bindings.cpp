// JavaScript bindings of the core. They only convert between JS values and the core's types: every rule
// lives in core/, so the page and the native CLI give byte-identical reports.
#include <emscripten/bind.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tdbraze/cohort.hpp"
#include "tdbraze/currents.hpp"
#include "tdbraze/currents_sql.hpp"
#include "tdbraze/report_json.hpp"
#include "tdbraze/sql_check.hpp"

namespace {

// A chunk from JavaScript: a Uint8Array (or Buffer) is copied into `buffer` with one TypedArray.set, a
// native memcpy; embind's own std::string conversion copies typed arrays one byte at a time in JavaScript,
// which cost more than validating them. Strings (pasted text) take embind's UTF-8 conversion.
std::string_view chunk_bytes(const emscripten::val& chunk, std::string& buffer) {
    if (chunk.typeOf().as<std::string>() == "string") {
        buffer = chunk.as<std::string>();
        return buffer;
    }
    const auto n = chunk["length"].as<std::size_t>();
    buffer.resize(n);
    emscripten::val heap(emscripten::typed_memory_view(n, reinterpret_cast<unsigned char*>(buffer.data())));
    heap.call<void>("set", chunk);
    return buffer;
}

// receiver: "http" or "td-postback" (the page's receiver choice); any other name is read as "http".
tdbraze::currents::Options currents_options(double now_epoch_seconds, bool strict, double max_diagnostics,
                                            const std::string& receiver) {
    tdbraze::currents::Options options;
    options.receiver = tdbraze::currents::receiver_from_string(receiver).value_or(tdbraze::currents::Receiver::Http);
    options.now_epoch_seconds = static_cast<std::int64_t>(now_epoch_seconds);
    options.strict = strict;
    options.max_diagnostics = static_cast<std::uint64_t>(max_diagnostics);
    return options;
}

// Whole input at once: returns the JSON report (the same bytes as `tdbraze validate currents --format json`).
std::string validate_currents(const std::string& input, const std::string& source, double now_epoch_seconds,
                              bool strict, double max_diagnostics, const std::string& receiver) {
    return tdbraze::to_json(tdbraze::currents::validate(
        input, currents_options(now_epoch_seconds, strict, max_diagnostics, receiver), source));
}

// Chunked validation for the Worker: feed pieces, read progress, finish for the report. A large file is
// validated in two parts at once, the second by another Worker's session made with `offset` (see joinLast).
class CurrentsSession {
public:
    CurrentsSession(const std::string& source, double now_epoch_seconds, bool strict, double max_diagnostics,
                    const std::string& receiver)
        : validator_(currents_options(now_epoch_seconds, strict, max_diagnostics, receiver), source) {}
    // The part from `offset` on, its lines counted from 1 (PartsJoiner::add_last moves them).
    CurrentsSession(const std::string& source, double now_epoch_seconds, bool strict, double max_diagnostics,
                    const std::string& receiver, double offset)
        : validator_(currents_options(now_epoch_seconds, strict, max_diagnostics, receiver), source,
                     tdbraze::currents::LineStart{static_cast<std::uint64_t>(offset), 1}) {}
    void feed(const emscripten::val& chunk) { validator_.feed(chunk_bytes(chunk, buffer_)); }
    double bytesConsumed() const { return static_cast<double>(validator_.bytes_consumed()); }
    std::string finish() { return tdbraze::to_json(validator_.finish()); }
    // Of a part's session: {payloadStarted, idsBeforeUsed}, which joinLast needs with its report.
    emscripten::val opening() const {
        const tdbraze::currents::PartOpening o = validator_.opening();
        emscripten::val out = emscripten::val::object();
        out.set("payloadStarted", o.payload_started);
        out.set("idsBeforeUsed", o.ids_before_used);
        return out;
    }
    // This session was fed exactly up to `offset`; the part from there was validated by a part session, which
    // gave `opening` and `report` (its finish()). Returns {outcome, report}: "joined" with the report of both;
    // "feed" when that part does not continue this one, or its report cannot be read (feed it here, then
    // finish()); "again" when the two reports cannot be joined exactly (validate the whole input in a new
    // session).
    emscripten::val joinLast(double offset, const emscripten::val& opening, const std::string& report) {
        emscripten::val out = emscripten::val::object();
        out.set("outcome", std::string("feed"));
        std::optional<tdbraze::currents::Report> later = tdbraze::currents_report_from_json(report);
        if (!later) return out;  // not from a part session: this one validates the part itself
        const tdbraze::currents::PartOpening part{opening["payloadStarted"].as<bool>(),
                                                  opening["idsBeforeUsed"].as<bool>()};
        tdbraze::currents::PartsJoiner joiner(std::move(validator_));
        if (!joiner.add_last(static_cast<std::uint64_t>(offset), part, std::move(*later))) {
            validator_ = std::move(joiner.current());
            return out;
        }
        std::optional<tdbraze::currents::Report> both = joiner.finish();
        out.set("outcome", std::string(both ? "joined" : "again"));
        if (both) out.set("report", tdbraze::to_json(*both));
        return out;
    }

private:
    tdbraze::currents::Validator validator_;
    std::string buffer_;
};

// Where a large input may be cut in two (currents::SeamSearch), fed the bytes from `from` on: the seam's
// offset, or -1 while there is none; done() once no more bytes are needed.
class SeamSearch {
public:
    explicit SeamSearch(double from) : search_(static_cast<std::uint64_t>(from)) {}
    double feed(const emscripten::val& chunk) {
        const auto found = search_.feed(chunk_bytes(chunk, buffer_));
        return found ? static_cast<double>(*found) : -1;
    }

    bool done() const { return search_.done(); }

private:
    tdbraze::currents::SeamSearch search_;
    std::string buffer_;
};

// Settings as the page's form sends them: {"cohort_id":..., "cohort_name":..., "operation":"add|remove",
// "alias_columns":[...], "map":["External_ID=user_ids", "Mail=alias:email", ...], "partner":...,
// "threads":N, "max_ids_per_request":N, "created_at":ISO, "table_format":"auto|csv|tsv|json|jsonl",
// "trim":bool, "max_diagnostics":N}. Missing members keep defaults. "map" takes the text --map takes, parsed
// by the same function, so the page, the desktop and the command line cannot read a mapping differently.
struct CohortInputs {
    tdbraze::cohort::Settings settings;
    tdbraze::cohort::ReadOptions options;
    std::vector<std::string> map_errors;  // entries of "map" that are not mappings: the plan is refused
};

// The "map" member: each entry parsed, or its reason.
void read_mapping(const nlohmann::json& j, tdbraze::cohort::Settings& s, std::vector<std::string>& errors) {
    const auto map = j.find("map");
    if (map == j.end() || !map->is_array()) return;
    for (const auto& entry : *map) {
        auto parsed = tdbraze::cohort::parse_column_mapping(entry.is_string() ? entry.get<std::string>() : "");
        if (auto* m = std::get_if<tdbraze::cohort::ColumnMapping>(&parsed)) s.mapping.push_back(std::move(*m));
        else errors.push_back(std::get<std::string>(parsed));
    }
}

tdbraze::Diagnostic unreadable_mapping(const std::string& reason) {
    tdbraze::Diagnostic d;
    d.code = "invalid-setting";
    d.message = "a mapping cannot be read: " + reason;
    d.hint = "write COLUMN=TARGET, with TARGET user_ids, device_ids or alias:LABEL";
    return d;
}

// A mapping that cannot be read is a settings error: nothing is planned, as with any invalid setting.
tdbraze::cohort::Report refused_report(const std::string& source, const std::vector<std::string>& errors) {
    tdbraze::cohort::Report r;
    r.source = source;
    for (const std::string& e : errors) {
        r.diagnostics.push_back(unreadable_mapping(e));
        ++r.summary.errors;
    }
    return r;
}

CohortInputs cohort_inputs(const std::string& settings_json) {
    CohortInputs in;
    const auto j = nlohmann::json::parse(settings_json, nullptr, false);
    if (!j.is_object()) return in;
    auto& s = in.settings;
    s.cohort_id = j.value("cohort_id", "");
    s.cohort_name = j.value("cohort_name", "");
    s.operation =
        j.value("operation", "add") == "remove" ? tdbraze::cohort::Operation::Remove : tdbraze::cohort::Operation::Add;
    s.alias_columns = j.value("alias_columns", std::vector<std::string>{});
    read_mapping(j, s, in.map_errors);
    s.partner = j.value("partner", s.partner);
    s.threads = j.value("threads", s.threads);
    s.max_ids_per_request = j.value("max_ids_per_request", s.max_ids_per_request);
    s.created_at = j.value("created_at", "");
    const std::string format = j.value("table_format", "auto");
    in.options.format = tdbraze::cohort::table_format_from_string(format).value_or(tdbraze::cohort::TableFormat::Auto);
    in.options.trim = j.value("trim", false);
    in.options.max_diagnostics = j.value("max_diagnostics", in.options.max_diagnostics);
    return in;
}

// Returns {report: JSON text, requests: [JSON Lines record, ...]}: the same bytes as `tdbraze plan cohort`.
emscripten::val plan_cohort(const std::string& input, const std::string& source, const std::string& settings_json) {
    const CohortInputs in = cohort_inputs(settings_json);
    const tdbraze::cohort::Plan plan = in.map_errors.empty()
                                           ? tdbraze::cohort::plan(input, in.settings, in.options, source)
                                           : tdbraze::cohort::Plan{refused_report(source, in.map_errors), {}};
    emscripten::val requests = emscripten::val::array();
    for (const auto& r : plan.requests) requests.call<void>("push", tdbraze::to_json_line(r));
    emscripten::val out = emscripten::val::object();
    out.set("report", tdbraze::to_json(plan.report));
    out.set("requests", requests);
    return out;
}

// Chunked planning for the Worker: feed pieces of the table, take the requests completed so far (JSON Lines
// records, as planCohort returns them), finish for the report, then take the last requests.
class CohortSession {
public:
    CohortSession(const std::string& source, const std::string& settings_json)
        : planner_(make_planner(source, settings_json)),
          source_(source),
          map_errors_(cohort_inputs(settings_json).map_errors) {}
    void feed(const emscripten::val& chunk) {
        if (map_errors_.empty()) planner_.feed(chunk_bytes(chunk, buffer_));
    }
    double bytesConsumed() const { return static_cast<double>(planner_.bytes_consumed()); }
    emscripten::val takeRequests() {
        emscripten::val requests = emscripten::val::array();
        for (const auto& r : planner_.take_requests()) requests.call<void>("push", tdbraze::to_json_line(r));
        return requests;
    }
    std::string finish() {
        if (!map_errors_.empty()) {
            planner_.take_requests();  // the naming call of a plan that is refused
            return tdbraze::to_json(refused_report(source_, map_errors_));
        }
        return tdbraze::to_json(planner_.finish());
    }

private:
    static tdbraze::cohort::Planner make_planner(const std::string& source, const std::string& settings_json) {
        CohortInputs in = cohort_inputs(settings_json);
        return tdbraze::cohort::Planner(std::move(in.settings), in.options, source);
    }
    tdbraze::cohort::Planner planner_;
    std::string source_;
    std::vector<std::string> map_errors_;
    std::string buffer_;
};

// The SQL check: returns the JSON report of `tdbraze check sql --format json`. The settings are the alias
// columns as an array, or {"alias_columns":[...], "map":[...]} as planCohort takes them.
std::string check_sql(const std::string& query, const std::string& source, const std::string& settings_json) {
    const auto j = nlohmann::json::parse(settings_json, nullptr, false);
    tdbraze::cohort::Settings settings;
    std::vector<std::string> map_errors;
    const auto& aliases = j.is_object() ? j.value("alias_columns", nlohmann::json::array()) : j;
    if (aliases.is_array())
        for (const auto& a : aliases)
            if (a.is_string()) settings.alias_columns.push_back(a.get<std::string>());
    if (j.is_object()) read_mapping(j, settings, map_errors);
    tdbraze::sql::Report report = tdbraze::sql::check_select_for_export(query, settings, source);
    for (const std::string& e : map_errors) {  // the page's own editor cannot make these; said, not dropped
        report.diagnostics.insert(report.diagnostics.begin(), unreadable_mapping(e));
        ++report.errors;
    }
    return tdbraze::to_json(report);
}

// The SQL that flattens Treasure Data's Postback table into a view per event type (`tdbraze sql currents`), for
// the event types of a payload: names the catalogue does not know are left out (the report already flags them).
// Returns {"sql": TEXT, "views": N} or {"error": MESSAGE}.
std::string currents_sql(const std::string& dialect, const std::string& source_table,
                         const std::string& event_types_json, bool materialize) {
    tdbraze::currents::CurrentsSqlOptions options;
    options.dialect =
        tdbraze::currents::sql_dialect_from_string(dialect).value_or(tdbraze::currents::SqlDialect::Trino);
    options.source_table = source_table;
    options.materialize = materialize;
    const auto j = nlohmann::json::parse(event_types_json, nullptr, false);
    if (j.is_array())
        for (const auto& t : j)
            if (t.is_string() && tdbraze::currents::find_event(t.get<std::string>()) != nullptr)
                options.event_types.push_back(t.get<std::string>());
    if (options.event_types.empty()) return nlohmann::json{{"error", "no known event type in the payload"}}.dump();
    const auto result = tdbraze::currents::currents_sql(options);
    if (const auto* error = std::get_if<tdbraze::currents::CurrentsSqlError>(&result))
        return nlohmann::json{{"error", error->message}}.dump();
    const auto& sql = std::get<tdbraze::currents::CurrentsSql>(result);
    return nlohmann::json{{"sql", sql.text()}, {"views", sql.views.size()}}.dump();
}

}  // namespace

EMSCRIPTEN_BINDINGS(tdbraze) {
    emscripten::function("currentsSql", &currents_sql);
    emscripten::function("checkSql", &check_sql);
    emscripten::function("planCohort", &plan_cohort);
    emscripten::function("validateCurrents", &validate_currents);
    emscripten::class_<CurrentsSession>("CurrentsSession")
        .constructor<const std::string&, double, bool, double, const std::string&>()
        .constructor<const std::string&, double, bool, double, const std::string&, double>()
        .function("feed", &CurrentsSession::feed)
        .function("bytesConsumed", &CurrentsSession::bytesConsumed)
        .function("finish", &CurrentsSession::finish)
        .function("opening", &CurrentsSession::opening)
        .function("joinLast", &CurrentsSession::joinLast);
    emscripten::class_<SeamSearch>("SeamSearch")
        .constructor<double>()
        .function("feed", &SeamSearch::feed)
        .function("done", &SeamSearch::done);
    emscripten::class_<CohortSession>("CohortSession")
        .constructor<const std::string&, const std::string&>()
        .function("feed", &CohortSession::feed)
        .function("bytesConsumed", &CohortSession::bytesConsumed)
        .function("takeRequests", &CohortSession::takeRequests)
        .function("finish", &CohortSession::finish);
}
