#include "tdbraze/report_json.hpp"

#include <nlohmann/json.hpp>

namespace tdbraze {

std::string_view to_string(Severity severity) {
    switch (severity) {
        case Severity::Error: return "error";
        case Severity::Warning: return "warning";
        case Severity::Info: return "info";
    }
    return "?";
}

std::optional<Severity> severity_from_string(std::string_view name) {
    for (const Severity s : {Severity::Error, Severity::Warning, Severity::Info})
        if (name == to_string(s)) return s;
    return std::nullopt;
}

namespace {

using ordered = nlohmann::ordered_json;

// Where a diagnostic points, by kind of input: a JSON document, a table, a query.
enum class Place { Document, Table, Query };

ordered diagnostic_json(const Diagnostic& d, Place place) {
    ordered j;
    j["severity"] = std::string(to_string(d.severity));
    j["code"] = d.code;
    j["message"] = d.message;
    j["hint"] = d.hint;
    if (place == Place::Document) j["pointer"] = d.pointer;
    if (place == Place::Table) j["row"] = d.row;
    j["line"] = d.line;
    if (place != Place::Table) j["column"] = d.column;
    if (place != Place::Document) j["column_name"] = d.column_name;
    return j;
}

ordered diagnostics_json(const std::vector<Diagnostic>& list, std::uint64_t omitted, Place place) {
    ordered out = ordered::array();
    for (const Diagnostic& d : list) out.push_back(diagnostic_json(d, place));
    if (omitted > 0) out.push_back(diagnostic_json(omitted_diagnostic(omitted), place));
    return out;
}

// Replace, not throw, on invalid UTF-8: a file name given on the command line may hold any bytes.
std::string dump(const ordered& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

std::string to_json(const cohort::Report& report) {
    ordered j;
    j["tool"] = "tdbraze";
    j["kind"] = "cohort";
    j["source"] = report.source;
    ordered mapping = ordered::array();
    for (const cohort::ColumnMapping& m : report.mapping)
        mapping.push_back(ordered{{"column", m.column}, {"target", cohort::target_text(m)}});
    j["mapping"] = std::move(mapping);
    j["ok"] = report.ok();
    const auto& s = report.summary;
    ordered summary;
    summary["rows"] = s.rows;
    summary["user_ids"] = s.user_ids;
    summary["device_ids"] = s.device_ids;
    summary["aliases"] = s.aliases;
    summary["duplicates"] = s.duplicates;
    summary["skipped"] = s.skipped;
    summary["requests"] = s.requests;
    summary["errors"] = s.errors;
    summary["warnings"] = s.warnings;
    summary["infos"] = s.infos;
    j["summary"] = std::move(summary);
    j["diagnostics"] = diagnostics_json(report.diagnostics, report.diagnostics_omitted, Place::Table);
    return dump(j);
}

std::string to_json(const sql::Report& report) {
    ordered j;
    j["tool"] = "tdbraze";
    j["kind"] = "sql";
    j["source"] = report.source;
    j["ok"] = report.ok();
    ordered summary;
    ordered columns = ordered::array();
    for (const auto& c : report.columns) columns.push_back(ordered{{"name", c.name}, {"sent_as", c.sent_as}});
    summary["columns"] = std::move(columns);
    summary["complete"] = report.complete;
    summary["errors"] = report.errors;
    summary["warnings"] = report.warnings;
    summary["infos"] = report.infos;
    j["summary"] = std::move(summary);
    j["diagnostics"] = diagnostics_json(report.diagnostics, 0, Place::Query);
    return dump(j);
}

std::string json_line_head(const cohort::PlannedRequest& request) {
    return "{\"method\":" + dump(ordered(request.method)) + ",\"path\":" + dump(ordered(request.path)) + ",\"body\":";
}

std::string to_json_line(const cohort::PlannedRequest& request) {
    // The body is already JSON text; it is embedded as is so that its bytes are exactly what is sent.
    std::string out = json_line_head(request);
    out += request.body;
    out += kJsonLineTail;
    return out;
}

std::string to_json(const currents::Report& report) {
    ordered j;
    j["tool"] = "tdbraze";
    j["kind"] = "currents";
    j["source"] = report.source;
    j["ok"] = report.ok();
    ordered summary;
    summary["events"] = report.summary.events;
    summary["errors"] = report.summary.errors;
    summary["warnings"] = report.summary.warnings;
    summary["infos"] = report.summary.infos;
    summary["event_types"] = ordered::object();
    for (const auto& [type, count] : report.summary.event_types) summary["event_types"][type] = count;
    j["summary"] = std::move(summary);
    j["diagnostics"] = diagnostics_json(report.diagnostics, report.diagnostics_omitted, Place::Document);
    return dump(j);
}

std::optional<currents::Report> currents_report_from_json(std::string_view json) {
    const auto j = nlohmann::json::parse(json, nullptr, false);
    const auto is = [](const nlohmann::json& o, const char* key, auto check) {
        return o.is_object() && o.contains(key) && (o[key].*check)();
    };
    using J = nlohmann::json;
    if (!is(j, "kind", &J::is_string) || j["kind"] != "currents" || !is(j, "source", &J::is_string) ||
        !is(j, "summary", &J::is_object) || !is(j, "diagnostics", &J::is_array))
        return std::nullopt;
    currents::Report r;
    r.source = j["source"].get<std::string>();
    const J& summary = j["summary"];
    for (const char* key : {"events", "errors", "warnings", "infos"})
        if (!is(summary, key, &J::is_number_unsigned)) return std::nullopt;
    r.summary.events = summary["events"].get<std::uint64_t>();
    r.summary.errors = summary["errors"].get<std::uint64_t>();
    r.summary.warnings = summary["warnings"].get<std::uint64_t>();
    r.summary.infos = summary["infos"].get<std::uint64_t>();
    if (!is(summary, "event_types", &J::is_object)) return std::nullopt;
    for (const auto& [type, count] : summary["event_types"].items()) {
        if (!count.is_number_unsigned()) return std::nullopt;
        r.summary.event_types[type] = count.get<std::uint64_t>();
    }
    for (const J& d : j["diagnostics"]) {
        for (const char* key : {"severity", "code", "message", "hint", "pointer"})
            if (!is(d, key, &J::is_string)) return std::nullopt;
        if (!is(d, "line", &J::is_number_unsigned) || !is(d, "column", &J::is_number_unsigned)) return std::nullopt;
        const std::optional<Severity> severity = severity_from_string(d["severity"].get<std::string>());
        if (!severity) return std::nullopt;
        Diagnostic& out = r.diagnostics.emplace_back();
        out.severity = *severity;
        out.code = d["code"].get<std::string>();
        out.message = d["message"].get<std::string>();
        out.hint = d["hint"].get<std::string>();
        out.pointer = d["pointer"].get<std::string>();
        out.line = d["line"].get<std::uint64_t>();
        out.column = d["column"].get<std::uint64_t>();
    }
    // Every finding is counted in the summary; those not listed stand as one entry at the end.
    const std::uint64_t found = r.summary.errors + r.summary.warnings + r.summary.infos;
    if (found > r.diagnostics.size()) {
        if (r.diagnostics.empty() || r.diagnostics.back().code != omitted_diagnostic(0).code) return std::nullopt;
        r.diagnostics.pop_back();
        r.diagnostics_omitted = found - r.diagnostics.size();
    }
    return r;
}

Diagnostic omitted_diagnostic(std::uint64_t count) {
    Diagnostic d;
    d.severity = Severity::Info;
    d.code = "diagnostics-omitted";
    d.message = std::to_string(count) + (count == 1 ? " more diagnostic is" : " more diagnostics are") +
                " counted in the summary but not listed";
    d.hint = "raise --max-diagnostics to list more";
    return d;
}

}  // namespace tdbraze
