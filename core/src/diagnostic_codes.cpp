#include "tdbraze/diagnostic_codes.hpp"

#include <algorithm>
#include <iterator>

namespace tdbraze {
namespace {

constexpr DiagnosticCode kCodes[] = {
    // Currents: the body
    {"json-syntax", "currents", Severity::Error, "the input is not valid JSON"},
    {"envelope-not-object", "currents", Severity::Error, "the body is not a JSON object"},
    {"missing-events", "currents", Severity::Error, "the body has no \"events\" array"},
    {"events-not-array", "currents", Severity::Error, "\"events\" is not an array"},
    {"bare-array", "currents", Severity::Error, "a bare array of events without the envelope"},
    {"bare-event", "currents", Severity::Error, "a single event without the envelope"},
    {"unknown-envelope-member", "currents", Severity::Warning, "a member next to \"events\""},
    {"value-too-large", "currents", Severity::Error, "a single value too large to check"},
    {"batch-too-large", "currents", Severity::Warning, "more than 100 events in one batch"},
    {"request-too-large", "currents", Severity::Warning, "a body over Treasure Data's 1 MiB request limit"},
    {"duplicate-check-limit", "currents", Severity::Info, "too many ids to look for duplicates"},
    // Currents: one event
    {"event-not-object", "currents", Severity::Error, "an event that is not a JSON object"},
    {"cloud-storage-shape", "currents", Severity::Error, "a cloud-storage (Avro) record, not an HTTP event"},
    {"missing-member", "currents", Severity::Error, "event_type, id, time, user or properties is missing"},
    {"member-type", "currents", Severity::Error, "event_type, id, time, user or properties has the wrong type"},
    {"event-too-large", "currents", Severity::Warning, "an event over Braze's 900 KiB limit"},
    {"unknown-event-type", "currents", Severity::Warning, "an event type not in the catalogue"},
    {"retired-event-type", "currents", Severity::Info, "an event type Braze no longer emits"},
    {"not-sent-over-http", "currents", Severity::Warning, "an event type only cloud-storage connectors get"},
    {"duplicate-id", "currents", Severity::Warning, "an id used by an earlier event"},
    {"duplicate-key", "currents", Severity::Warning, "the same member twice in one object"},
    {"time-in-milliseconds", "currents", Severity::Warning, "time in epoch milliseconds instead of seconds"},
    {"time-out-of-range", "currents", Severity::Error, "time does not fit a 64-bit integer"},
    {"time-before-2010", "currents", Severity::Warning, "a time before Currents existed"},
    {"time-in-future", "currents", Severity::Warning, "a time in the future"},
    {"td-time-window", "currents", Severity::Warning, "Treasure Data would ignore this event's time"},
    {"td-no-external-user-id", "currents", Severity::Warning,
     "Braze sends Treasure Data no event without an external_user_id"},
    // Currents: fields
    {"field-type", "currents", Severity::Error, "a known field with the wrong JSON type"},
    {"missing-required-field", "currents", Severity::Error, "a field Braze always sends is missing"},
    {"missing-expected-field", "currents", Severity::Warning, "a field Braze normally sends is missing"},
    {"unknown-field", "currents", Severity::Warning, "a field not in the catalogue"},
    {"user-id-format", "currents", Severity::Warning, "user.user_id is not a Braze id"},
    {"timezone-format", "currents", Severity::Warning, "user.timezone is not an IANA zone name"},
    {"uuid-format", "currents", Severity::Warning, "a Braze UUID field that is not a UUID"},
    {"phone-format", "currents", Severity::Warning, "a phone number not in E.164 form"},
    {"platform-value", "currents", Severity::Warning, "an unknown platform name"},
    {"lone-surrogate", "currents", Severity::Warning, "a \\u escape of half a UTF-16 surrogate pair"},
    // Cohort tables: settings
    {"missing-cohort-id", "cohort", Severity::Error, "the cohort id setting is missing"},
    {"invalid-setting", "cohort", Severity::Error, "a setting is out of range"},
    {"alias-column-reserved", "cohort", Severity::Error, "the alias column is user_ids or device_ids"},
    {"map-contract-column", "cohort", Severity::Error, "a column sent by its name mapped to another output"},
    {"map-target-taken", "cohort", Severity::Error, "two columns sent as one output"},
    // Cohort tables: the header
    {"empty-table", "cohort", Severity::Error, "no header and no rows"},
    {"no-identifier-column", "cohort", Severity::Error, "no column that is sent"},
    {"near-miss-column", "cohort", Severity::Warning, "a column name close to user_ids or device_ids"},
    {"duplicate-column", "cohort", Severity::Error, "the same column name twice"},
    {"alias-column-missing", "cohort", Severity::Error, "the configured alias column is not in the table"},
    {"alias-column-empty", "cohort", Severity::Warning, "the alias column has no values"},
    {"map-column-missing", "cohort", Severity::Error, "a mapped column is not in the table"},
    {"ignored-columns", "cohort", Severity::Info, "columns that are not sent"},
    // Cohort tables: rows
    {"invalid-utf8", "cohort", Severity::Error, "a row or an identifier that is not UTF-8"},
    {"table-syntax", "cohort", Severity::Error, "a row that cannot be read (quoting, JSON syntax)"},
    {"row-width", "cohort", Severity::Error, "a row with more or fewer fields than the header"},
    {"semicolon-delimiter", "cohort", Severity::Info, "a CSV table delimited by ';' (read as such)"},
    {"row-not-object", "cohort", Severity::Error, "a JSON row that is not an object"},
    {"row-too-large", "cohort", Severity::Error, "a row too large to read"},
    // Cohort tables: values
    {"empty-cell", "cohort", Severity::Info, "empty, blank, NULL or \\N cells skipped"},
    {"whitespace", "cohort", Severity::Warning, "identifiers with leading or trailing whitespace"},
    {"trimmed", "cohort", Severity::Info, "identifiers trimmed by --trim"},
    {"control-character", "cohort", Severity::Error, "a control character or line break in an identifier"},
    {"nested-value", "cohort", Severity::Error, "an object, list or boolean where an identifier belongs"},
    {"long-identifier", "cohort", Severity::Warning, "identifiers over 512 bytes"},
    {"identifier-too-large", "cohort", Severity::Error, "a value too large for any request"},
    {"float-formatted-id", "cohort", Severity::Warning, "numeric ids damaged by float formatting"},
    {"duplicate-identifier", "cohort", Severity::Info, "identifiers seen before, sent once"},
    {"user-and-device-same-value", "cohort", Severity::Warning, "the same value as user id and device id"},
    {"user-and-device-id", "cohort", Severity::Warning, "rows with both user_ids and device_ids"},
    {"alias-case-drift", "cohort", Severity::Warning, "alias values differing only by case or whitespace"},
    {"nothing-to-send", "cohort", Severity::Info, "no identifiers in the table"},
    // The SQL check (the header codes above apply to its output columns too)
    {"sql-unreadable", "sql", Severity::Error, "the query's output columns cannot be told"},
    {"sql-unnamed-column", "sql", Severity::Warning, "an expression without a name (_col0, ...)"},
    {"sql-star-unresolved", "sql", Severity::Warning, "a * over a table: some columns unknown"},
    // Every report
    {"diagnostics-omitted", "report", Severity::Info, "more diagnostics than --max-diagnostics"},
};

// The header codes the SQL check also emits, judging the query's output columns as a table's header.
constexpr std::string_view kSqlHeaderCodes[] = {"duplicate-column", "near-miss-column", "alias-column-missing",
                                                "no-identifier-column", "ignored-columns"};

}  // namespace

std::span<const DiagnosticCode> diagnostic_codes() { return kCodes; }

const DiagnosticCode* find_diagnostic_code(std::string_view code) {
    auto it =
        std::find_if(std::begin(kCodes), std::end(kCodes), [&](const DiagnosticCode& c) { return c.code == code; });
    return it == std::end(kCodes) ? nullptr : &*it;
}

std::vector<const DiagnosticCode*> diagnostic_codes_of(std::string_view kind) {
    std::vector<const DiagnosticCode*> out;
    for (const DiagnosticCode& c : kCodes) {
        const bool header_code_of_sql =
            kind == "sql" &&
            std::find(std::begin(kSqlHeaderCodes), std::end(kSqlHeaderCodes), c.code) != std::end(kSqlHeaderCodes);
        // The SQL check's report lists every finding: it has no --max-diagnostics, so no report-wide code.
        const bool report_wide = c.kind == "report" && kind != "sql";
        if (c.kind == kind || header_code_of_sql || report_wide) out.push_back(&c);
    }
    return out;
}

std::string_view manual_page_of(const DiagnosticCode& code) {
    return code.kind == "cohort" || code.kind == "sql" ? "cohort.md" : "currents.md";
}

}  // namespace tdbraze
