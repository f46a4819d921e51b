// Cohort tables: the mapping contract (which columns are sent and how), the checks of the table, and the
// planning of the exact partner requests. Rows arrive from TableReader; requests leave as soon as they fill.
#include <algorithm>
#include <map>
#include <utility>

#include "tdbraze/id_set.hpp"
#include "json_text.hpp"
#include "mapping_contract.hpp"
#include "suggest.hpp"
#include "row_batch.hpp"
#include "table_reader.hpp"
#include "word_bytes.hpp"
#include "tdbraze/cohort.hpp"

namespace tdbraze::cohort {

std::string_view to_string(Operation op) { return op == Operation::Remove ? "remove" : "add"; }

std::string_view to_string(TableFormat format) {
    switch (format) {
        case TableFormat::Auto: return "auto";
        case TableFormat::Csv: return "csv";
        case TableFormat::Tsv: return "tsv";
        case TableFormat::JsonArray: return "json";
        case TableFormat::JsonLines: return "jsonl";
    }
    return "?";
}

std::optional<TableFormat> table_format_from_string(std::string_view name) {
    for (const TableFormat f :
         {TableFormat::Auto, TableFormat::Csv, TableFormat::Tsv, TableFormat::JsonArray, TableFormat::JsonLines})
        if (to_string(f) == name) return f;
    return std::nullopt;
}

namespace {


enum class Role : std::uint8_t { Ignored, UserIds, DeviceIds, Alias };

struct Column {
    std::string name;
    Role role = Role::Ignored;
    std::string alias_label;  // Role::Alias: the label its cells are sent under (its name, unless mapped)
    bool duplicate = false;
    std::uint64_t line = 0;  // where the column first appeared
    std::uint64_t values = 0;  // non-empty cells
};

Diagnostic table_diagnostic(Severity severity, std::string code, std::string message, std::string hint,
                            std::uint64_t row, std::uint64_t line, std::string column_name) {
    Diagnostic d;
    d.severity = severity;
    d.code = std::move(code);
    d.message = std::move(message);
    d.hint = std::move(hint);
    d.row = row;
    d.line = line;
    d.column_name = std::move(column_name);
    return d;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    // Nearly every value has nothing around it to trim: its two ends say so.
    if (!s.empty() && !is_blank(s.front()) && s.front() != '\xC2' && !is_blank(s.back()) && s.back() != '\xA0')
        return s;
    for (;;) {
        if (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
        else if (s.size() >= 2 && s[0] == '\xC2' && s[1] == '\xA0') s.remove_prefix(2);  // U+00A0, no-break space
        else break;
    }
    for (;;) {
        if (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
        else if (s.size() >= 2 && s[s.size() - 2] == '\xC2' && s.back() == '\xA0') s.remove_suffix(2);
        else break;
    }
    return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "123.0", "1.0E7", "1E+07": what spreadsheets and float columns make of numeric ids.
bool looks_float_formatted(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const std::size_t int_begin = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == int_begin) return false;
    bool fraction_zero = true, has_fraction = false;
    if (i < s.size() && s[i] == '.') {
        has_fraction = true;
        ++i;
        const std::size_t frac_begin = i;
        while (i < s.size() && is_digit(s[i])) {
            if (s[i] != '0') fraction_zero = false;
            ++i;
        }
        if (i == frac_begin) return false;
    }
    if (i == s.size()) return has_fraction && fraction_zero;  // 123.0
    if (s[i] != 'e' && s[i] != 'E') return false;
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const std::size_t exp_begin = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i == s.size() && i > exp_begin;  // 1.0E7
}

// An identifier's bytes as the checks and the request bodies see them: none that JSON escapes (nearly always),
// a '"' or '\\' that it escapes, or a control character, which no identifier holds. Every identifier is
// looked at, a word at a time.
enum class ValueBytes : std::uint8_t { Plain, Escaped, Control };

ValueBytes value_bytes(std::string_view s) {
    using namespace word_bytes;
    std::uint64_t control = 0, escaped = 0;
    for_each_word(s, 'a', [&](std::uint64_t w) {
        control |= bytes_below(w, 0x20) | bytes_equal(w, 0x7F);
        escaped |= json_escape_bytes(w);  // what ValueEscapes::None promises the batcher there is none of
    });
    return control != 0 ? ValueBytes::Control : escaped != 0 ? ValueBytes::Escaped : ValueBytes::Plain;
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string shown_value(std::string_view v) {
    std::string out = "\"";
    std::size_t n = 0;
    for (char c : v) {
        if (++n > 40) {
            out += "...";
            break;
        }
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20) out += u == '\n' ? "\\n" : u == '\t' ? "\\t" : u == '\r' ? "\\r" : "?";
        else out += c;
    }
    return out + "\"";
}

std::string counted(std::uint64_t n, const std::string& noun) {
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// The findings counted rather than listed, by code. In the codes' alphabetical order: the report lists
// them in this order (before sorting by row), as it did when they were keyed by their text.
enum class TallyCode : std::uint8_t {
    AliasCaseDrift,
    DuplicateIdentifier,
    EmptyCell,
    FloatFormattedId,
    LongIdentifier,
    Trimmed,
    UserAndDeviceId,
    UserAndDeviceSameValue,
    Whitespace,
};
constexpr std::string_view kTallyCodes[] = {"alias-case-drift",   "duplicate-identifier",
                                            "empty-cell",         "float-formatted-id",
                                            "long-identifier",    "trimmed",
                                            "user-and-device-id", "user-and-device-same-value",
                                            "whitespace"};

// A finding about many cells, reported once per column with a count and the first place it was seen.
struct Tally {
    std::uint64_t count = 0;
    std::uint64_t row = 0;
    std::uint64_t line = 0;
    std::string example;
};

}  // namespace

// YYYY-MM-DDTHH:MM:SS[.fraction]Z: the form Braze's created_at takes, in UTC.
bool is_iso8601_utc(std::string_view t) {
    auto digits = [&](std::size_t at, std::size_t n) {
        if (at + n > t.size()) return false;
        for (std::size_t i = at; i < at + n; ++i)
            if (!is_digit(t[i])) return false;
        return true;
    };
    if (!(digits(0, 4) && t.size() > 19 && t[4] == '-' && digits(5, 2) && t[7] == '-' && digits(8, 2) && t[10] == 'T' &&
          digits(11, 2) && t[13] == ':' && digits(14, 2) && t[16] == ':' && digits(17, 2)))
        return false;
    const int month = (t[5] - '0') * 10 + (t[6] - '0'), day = (t[8] - '0') * 10 + (t[9] - '0');
    const int hour = (t[11] - '0') * 10 + (t[12] - '0'), minute = (t[14] - '0') * 10 + (t[15] - '0');
    const int second = (t[17] - '0') * 10 + (t[18] - '0');
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return false;
    std::size_t i = 19;
    if (t[i] == '.') {
        ++i;
        const std::size_t start = i;
        while (i < t.size() && is_digit(t[i])) ++i;
        if (i == start) return false;
    }
    return i + 1 == t.size() && t[i] == 'Z';
}

std::vector<Diagnostic> check_settings(const Settings& s) {
    std::vector<Diagnostic> out;
    auto error = [&](std::string code, std::string message, std::string hint) {
        out.push_back(
            table_diagnostic(Severity::Error, std::move(code), std::move(message), std::move(hint), 0, 0, ""));
    };
    if (s.cohort_id.empty())
        error("missing-cohort-id", "the cohort id is missing",
              "give the Cohort ID of the Treasure Data export (--cohort-id); Braze shows the cohort under it");
    if (s.threads < 1 || s.threads > kMaxThreads)
        error("invalid-setting", "thread count " + std::to_string(s.threads) + " is out of range",
              "use 1 to " + std::to_string(kMaxThreads) + " concurrent calls (Treasure Data's default is 4)");
    if (s.max_ids_per_request < 1 || s.max_ids_per_request > kMaxIdsPerRequest)
        error("invalid-setting",
              "maximum ids per request " + std::to_string(s.max_ids_per_request) + " is out of range",
              "Braze accepts 1 to 1000 identifiers per request");
    if (s.partner.empty() || s.partner.find('/') != std::string::npos)
        error("invalid-setting", "partner name " + shown_value(s.partner) + " cannot be a URL path segment",
              "use the partner segment of the endpoint path, treasuredata by default");
    if (!is_iso8601_utc(s.created_at))
        error("invalid-setting", "created_at " + shown_value(s.created_at) + " is not an ISO-8601 time in UTC",
              "write YYYY-MM-DDTHH:MM:SSZ, e.g. 2025-11-24T09:30:00Z (fractions of a second are allowed)");
    for (const std::string& alias : s.alias_columns) {
        if (alias == kUserIds || alias == kDeviceIds)
            error("alias-column-reserved", "the alias column cannot be \"" + alias + "\"",
                  "\"" + alias + "\" is already sent as " + alias + "; pick the column that holds alias names");
        else if (alias.empty())
            error("invalid-setting", "an alias column name is empty", "name the column that holds alias values");
    }
    for (Diagnostic& d : check_mapping(s)) out.push_back(std::move(d));
    return out;
}

// The default SeenBefore: every distinct identifier in memory.
class SeenInMemory final : public SeenBefore {
public:
    Seen see(std::string_view key, std::string_view alias_spelling) override {
        return see_hashed(key, IdSet::hash(key), alias_spelling,
                          alias_spelling.empty() ? 0 : IdSet::hash(alias_spelling));
    }

    // Ten million new ids are ten million misses to memory, one each (the other type's slot is the same
    // one: IdSet leaves the type byte out of the hash). Asked one by one they queue up, a row's parsing
    // apart; prefetched together for a batch, they overlap.
    void see_all(std::span<const Question> questions, std::span<Seen> answers) override {
        const std::size_t n = questions.size();
        hashes_.resize(n);
        spelling_hashes_.resize(n);
        ids_.make_room(n);
        alias_spellings_.make_room(n);
        for (std::size_t i = 0; i < n; ++i) {
            hashes_[i] = IdSet::hash(questions[i].key);
            ids_.prefetch(hashes_[i]);
            spelling_hashes_[i] = 0;
            if (!questions[i].alias_spelling.empty()) {
                spelling_hashes_[i] = IdSet::hash(questions[i].alias_spelling);
                alias_spellings_.prefetch(spelling_hashes_[i]);
            }
        }
        for (std::size_t i = 0; i < n; ++i)
            answers[i] = see_hashed(questions[i].key, hashes_[i], questions[i].alias_spelling, spelling_hashes_[i]);
    }

private:
    Seen see_hashed(std::string_view key, std::uint64_t h, std::string_view alias_spelling, std::uint64_t spelling_h) {
        Seen seen;
        bool other_type = false;
        if (!ids_.insert(key, h, other_type)) {
            seen.duplicate = true;
            return seen;
        }
        seen.other_type = other_type;
        if (key[0] != 'u' && key[0] != 'd') seen.alias_spelling = !alias_spellings_.insert(alias_spelling, spelling_h);
        return seen;
    }

    IdSet ids_;
    IdSet alias_spellings_;
    std::vector<std::uint64_t> hashes_, spelling_hashes_;
};

bool is_identifier_column(std::string_view name, const Settings& settings) {
    return output_of(name, settings).has_value();
}

namespace {

Role role_of(Target target) {
    switch (target) {
        case Target::UserIds: return Role::UserIds;
        case Target::DeviceIds: return Role::DeviceIds;
        case Target::Alias: return Role::Alias;
    }
    return Role::Ignored;
}

}  // namespace

struct Planner::Impl final : TableSink {
    Settings settings;
    ReadOptions options;
    Report report;
    TableReader reader;
    // Fed by feed_rows() instead: the rows' reader is the caller's, and these are what it last knew.
    bool fed_rows = false;
    TableFormat rows_format = TableFormat::Auto;
    char rows_delimiter = ',';
    std::uint64_t rows_consumed = 0;
    bool settings_ok = true;

    std::vector<Column> columns;
    std::vector<std::size_t> identifier_columns;  // indexes into columns, in header order
    std::vector<Diagnostic> row_errors;  // at most max_diagnostics, then counted only
    std::map<std::pair<TallyCode, std::size_t>, Tally> tallies;  // (code, column) -> tally
    SeenInMemory seen_in_memory;
    SeenBefore* seen;  // seen_in_memory unless the caller brought its own
    // Identifiers wait here, a few dozen at a time, for SeenBefore to answer them together (see_all); then
    // settle() finishes each in table order. Anything else recorded settles them first, so the report and the
    // plan come out exactly as if each had been answered at once.
    struct Waiting {
        std::size_t column;  // index into columns
        std::uint64_t row, line;
        std::size_t key_at, key_size, spelling_at, spelling_size, value_at;  // into waiting_text
        ValueEscapes escapes;  // of the value
    };
    static constexpr std::size_t kBatch = 48;
    std::vector<Waiting> waiting;
    std::string waiting_text;
    std::vector<SeenBefore::Question> questions;
    std::vector<Seen> answers;
    bool settling = false;

    RequestBatcher batcher;
    std::uint64_t requests_taken = 0;  // batcher.requests() when finish_identifier last took its requests
    IdentifierSink sink;  // when set, identifiers go here instead of into requests
    std::vector<PlannedRequest> ready;

    Impl(Settings s, ReadOptions o, std::string source, IdentifierSink identifier_sink, SeenBefore* seen_before)
        : settings(std::move(s)),
          options(o),
          reader(o.format, *this),
          seen(seen_before != nullptr ? seen_before : &seen_in_memory),
          batcher(settings, settings.operation),
          sink(std::move(identifier_sink)) {
        report.source = std::move(source);
        report.mapping = settings.mapping;
        if (settings.cohort_name.empty()) settings.cohort_name = settings.cohort_id;
        batcher = RequestBatcher(settings, settings.operation,
                                 options.plan_requests ? BatchOutput::BodiesAndKeys : BatchOutput::Count);
        for (Diagnostic& d : check_settings(settings)) record(std::move(d));
        settings_ok = report.summary.errors == 0;
        if (settings_ok && !sink) ready.push_back(batcher.naming_request());
    }

    void record(Diagnostic d) {
        settle();  // the waiting identifiers' own findings come before this one, as the table has them
        switch (d.severity) {
            case Severity::Error: ++report.summary.errors; break;
            case Severity::Warning: ++report.summary.warnings; break;
            case Severity::Info: ++report.summary.infos; break;
        }
        if (row_errors.size() < options.max_diagnostics) row_errors.push_back(std::move(d));
        else ++report.diagnostics_omitted;
    }

    void tally(TallyCode code, std::size_t column, std::uint64_t row, std::uint64_t line, std::string_view example) {
        Tally& t = tallies[{code, column}];
        if (t.count++ == 0) {
            t.row = row;
            t.line = line;
            t.example = shown_value(example);
        }
    }

    // TableSink
    void on_columns(std::span<const std::string> names, std::size_t first_new, std::uint64_t line) override {
        if (first_new == 0 && delimiter() == ';')
            record(table_diagnostic(Severity::Info, "semicolon-delimiter",
                                    "the fields are separated by ';', not ','; the table is read so",
                                    "nothing to do; a spreadsheet in a locale with a decimal comma writes ';'. "
                                    "Treasure Data's own exports use ','",
                                    0, line, ""));
        for (std::size_t i = first_new; i < names.size(); ++i) {
            Column c;
            c.name = names[i];
            c.line = line;
            for (std::size_t j = 0; j < columns.size(); ++j)
                if (columns[j].name == c.name) c.duplicate = true;
            const std::optional<ColumnMapping> output = c.duplicate ? std::nullopt : output_of(c.name, settings);
            if (output) {
                // Two columns sent as one output (one of them by a mapping, or two mappings): only the first
                // is sent, as with two columns of one name.
                const auto taken = std::find_if(columns.begin(), columns.end(), [&](const Column& o) {
                    return o.role == role_of(output->target) &&
                           (o.role != Role::Alias || o.alias_label == output->alias_label);
                });
                if (taken != columns.end()) {
                    record(table_diagnostic(Severity::Error, "map-target-taken",
                                            "the columns \"" + taken->name + "\" and \"" + c.name +
                                                "\" are both sent as " + target_text(*output),
                                            "give each output one column: drop the mapping, or leave one of them "
                                            "out of the query; only the first one is sent",
                                            0, line, c.name));
                } else {
                    c.role = role_of(output->target);
                    c.alias_label = output->alias_label;
                }
            }
            if (c.duplicate) {
                const bool sent = output_of(c.name, settings).has_value();
                // Two columns with the name of an identifier column: which one is sent is a guess. Twins among
                // ignored columns are harmless.
                record(table_diagnostic(sent ? Severity::Error : Severity::Warning, "duplicate-column",
                                        "column " + shown_value(c.name) + " appears more than once in the header",
                                        sent ? "give each output column its own name (SELECT ... AS other_name); only "
                                               "the first one is used"
                                             : "the column is not sent, so this is harmless; a trailing delimiter on "
                                               "the header line makes empty names",
                                        0, line, c.name));
            }
            columns.push_back(std::move(c));
            if (columns.back().role != Role::Ignored) identifier_columns.push_back(columns.size() - 1);
        }
    }

    void on_row_error(std::string_view code, std::string message, std::string hint, std::uint64_t row,
                      std::uint64_t line) override {
        record(
            table_diagnostic(Severity::Error, std::string(code), std::move(message), std::move(hint), row, line, ""));
        if (row > report.summary.rows) report.summary.rows = row;
    }

    void on_row(const RowView& row) override {
        report.summary.rows = row.row;
        bool has_user = false, has_device = false;
        for (std::size_t index : identifier_columns) {
            Column& column = columns[index];
            const Cell cell = index < row.cells.size() ? row.cells[index] : Cell{};
            const std::uint64_t line = cell.line != 0 ? cell.line : row.line;
            const std::string_view core = trim(cell.text);  // spaces and tabs around a value are whitespace, not data
            if (cell.kind == CellKind::Absent || cell.kind == CellKind::Null ||
                (cell.kind == CellKind::Text && is_empty_cell(core))) {
                ++report.summary.skipped;
                tally(TallyCode::EmptyCell, index, row.row, line, cell.text);
                continue;
            }
            if (cell.kind == CellKind::Nested || cell.kind == CellKind::Boolean) {
                const bool boolean = cell.kind == CellKind::Boolean;
                record(table_diagnostic(
                    Severity::Error, "nested-value",
                    "the value " + shown_value(cell.text) + " in " + column.name + " is " +
                        (boolean                    ? "a boolean"
                         : cell.text.front() == '[' ? "a list"
                                                    : "an object") +
                        ", not an identifier",
                    "select one string (or number) per row; unnest lists with CROSS JOIN UNNEST; the cell is not sent",
                    row.row, line, column.name));
                continue;
            }
            if (cell.kind == CellKind::LoneSurrogate) {
                record(table_diagnostic(
                    Severity::Error, "invalid-utf8",
                    "the " + column.name + " value " + shown_value(cell.text) +
                        " holds a \\u escape of half a UTF-16 surrogate pair: no character, and no UTF-8 form",
                    "a value cut in the middle of an emoji looks like this; fix it in the query; the cell is not sent",
                    row.row, line, column.name));
                continue;
            }
            std::string_view value = cell.text;
            const ValueBytes bytes = value_bytes(core);
            if (bytes == ValueBytes::Control) {
                const bool newline =
                    core.find('\n') != std::string_view::npos || core.find('\r') != std::string_view::npos;
                record(table_diagnostic(Severity::Error, "control-character",
                                        std::string(newline ? "an embedded line break" : "a control character") +
                                            " in " + column.name + " value " + shown_value(value),
                                        "identifiers never contain control characters; clean the value in the query "
                                        "(regexp_replace); the cell is not sent",
                                        row.row, line, column.name));
                continue;
            }
            if (core.size() != value.size()) {
                if (options.trim) {
                    value = core;
                    tally(TallyCode::Trimmed, index, row.row, line, cell.text);
                } else {
                    tally(TallyCode::Whitespace, index, row.row, line, value);
                }
            }
            if (value.size() > kLongIdBytes) tally(TallyCode::LongIdentifier, index, row.row, line, value);
            if (looks_float_formatted(value)) tally(TallyCode::FloatFormattedId, index, row.row, line, value);
            ++column.values;
            if (column.role == Role::UserIds) has_user = true;
            if (column.role == Role::DeviceIds) has_device = true;
            // Spaces and tabs around it are kept when not trimmed, and a tab is escaped.
            add_identifier(
                index, column, value, row.row, line,
                bytes == ValueBytes::Plain && value.size() == core.size() ? ValueEscapes::None : ValueEscapes::Unknown);
        }
        if (has_user && has_device)
            tally(TallyCode::UserAndDeviceId, identifier_columns.front(), row.row, row.line, "");
    }

    void add_identifier(std::size_t index, const Column& column, std::string_view value, std::uint64_t row,
                        std::uint64_t line, ValueEscapes escapes) {
        // Keys are namespaced by identifier type (and alias label): the same text is a different identifier
        // as a user id, a device id or an alias of another label.
        Waiting w{index, row, line, waiting_text.size(), 0, 0, 0, 0, escapes};
        waiting_text += column.role == Role::UserIds ? 'u' : column.role == Role::DeviceIds ? 'd' : 'a';
        if (column.role == Role::Alias) {
            waiting_text += column.alias_label;
            waiting_text += '\0';
        }
        w.value_at = waiting_text.size();
        waiting_text += value;
        w.key_size = waiting_text.size() - w.key_at;
        w.spelling_at = waiting_text.size();
        if (column.role == Role::Alias) {
            // Lower-cased and trimmed: alias values that differ only so are probably one person twice.
            waiting_text += 'a';
            waiting_text += column.alias_label;
            waiting_text += '\0';
            waiting_text += lower_ascii(trim(value));
        }
        w.spelling_size = waiting_text.size() - w.spelling_at;
        waiting.push_back(w);
        if (waiting.size() >= kBatch) settle();
    }

    // Asks SeenBefore about every waiting identifier at once, then finishes each in order.
    void settle() {
        if (waiting.empty() || settling) return;
        settling = true;
        const std::string_view text = waiting_text;
        questions.clear();
        for (const Waiting& w : waiting)
            questions.push_back(
                {text.substr(w.key_at, w.key_size), text.substr(w.spelling_at, w.spelling_size), w.row, w.line});
        answers.assign(waiting.size(), Seen{});
        seen->see_all(questions, answers);
        for (std::size_t i = 0; i < waiting.size(); ++i) {
            const Waiting& w = waiting[i];
            finish_identifier(w.column, columns[w.column], text.substr(w.value_at, w.key_at + w.key_size - w.value_at),
                              w.row, w.line, w.escapes, answers[i]);
        }
        waiting.clear();
        waiting_text.clear();
        settling = false;
    }

    void finish_identifier(std::size_t index, const Column& column, std::string_view value, std::uint64_t row,
                           std::uint64_t line, ValueEscapes escapes, const Seen& before) {
        if (before.duplicate) {
            ++report.summary.duplicates;
            tally(TallyCode::DuplicateIdentifier, index, row, line, value);
            return;
        }
        if (before.other_type) tally(TallyCode::UserAndDeviceSameValue, index, row, line, value);
        if (before.alias_spelling) tally(TallyCode::AliasCaseDrift, index, row, line, value);
        const IdentifierType type = column.role == Role::UserIds     ? IdentifierType::UserId
                                    : column.role == Role::DeviceIds ? IdentifierType::DeviceId
                                                                     : IdentifierType::Alias;
        const std::string_view label =
            type == IdentifierType::Alias ? std::string_view(column.alias_label) : std::string_view();
        if (settings_ok && !sink && !batcher.add(type, label, value, escapes)) {
            record(table_diagnostic(
                Severity::Error, "identifier-too-large",
                "a " + std::to_string(value.size()) + "-byte value in " + column.name +
                    " does not fit in one request (Braze's limit is 4 MB, 4,000,000 bytes, per body)",
                "this is not an identifier; fix the query; the cell is not sent", row, line, column.name));
            return;
        }
        if (sink) sink(type, label, value);
        ++(type == IdentifierType::UserId     ? report.summary.user_ids
           : type == IdentifierType::DeviceId ? report.summary.device_ids
                                              : report.summary.aliases);
        // Only when one was finished: a call and an empty vector for every identifier cost a few percent of a check.
        if (batcher.requests() != requests_taken) {
            requests_taken = batcher.requests();
            for (PlannedRequest& r : batcher.take()) ready.push_back(std::move(r));
        }
    }

    void header_findings(std::vector<Diagnostic>& out) const {
        const std::uint64_t header_line = columns.empty() ? 1 : columns.front().line;
        bool any_identifier = false;
        std::vector<std::string> ignored;
        std::vector<std::string> near_misses;
        for (const Column& c : columns) {
            if (c.role != Role::Ignored) any_identifier = true;
            if (c.role != Role::Ignored || c.duplicate) continue;
            const std::string_view intended = intended_identifier(c.name);
            const Role intended_role = intended == kUserIds ? Role::UserIds : Role::DeviceIds;
            const bool present = std::any_of(columns.begin(), columns.end(), [&](const Column& o) {
                return o.name == intended || o.role == intended_role;
            });
            if (!intended.empty() && !present) {
                std::string why = c.name.find("\xEF\xBB\xBF") != std::string::npos ? " (it holds a byte order mark)"
                                  : c.name != trim(c.name)                         ? " (it has spaces around it)"
                                  : lower_ascii(c.name) == intended                ? " (the case differs)"
                                                                                   : "";
                out.push_back(table_diagnostic(
                    Severity::Warning, "near-miss-column",
                    "column \"" + c.name + "\" is not \"" + std::string(intended) + "\"" + why +
                        "; Treasure Data matches column names exactly, so it is not sent",
                    "map it: " + map_option(c.name, intended) + " (or rename it in the query: SELECT " +
                        sql_identifier(c.name) + " AS " + std::string(intended) + ")",
                    0, c.line, c.name));
                near_misses.push_back(c.name);
                continue;
            }
            ignored.push_back(c.name);
        }
        for (const std::string& alias : settings.alias_columns) {
            const auto it =
                std::find_if(columns.begin(), columns.end(), [&](const Column& c) { return c.name == alias; });
            if (alias == kUserIds || alias == kDeviceIds || alias.empty()) continue;  // a settings error already
            if (it == columns.end()) {
                const std::string_view near =
                    closest_name(alias, columns, [](const Column& c) { return std::string_view(c.name); });
                out.push_back(table_diagnostic(
                    Severity::Error, "alias-column-missing", "the alias column \"" + alias + "\" is not in the table",
                    near.empty() ? "add it to the query's SELECT, or change the alias column setting"
                                 : "did you mean \"" + std::string(near) + "\"? Names must match exactly",
                    0, header_line, alias));
            } else if (it->values == 0 && report.summary.rows > 0) {
                out.push_back(table_diagnostic(Severity::Warning, "alias-column-empty",
                                               "the alias column \"" + alias + "\" has no values",
                                               "no aliases are sent; check the query", 0, it->line, alias));
            }
        }
        for (const ColumnMapping& m : settings.mapping) {
            if (m.column.empty() || columns.empty()) continue;  // a settings error, or no header to look in
            const auto it =
                std::find_if(columns.begin(), columns.end(), [&](const Column& c) { return c.name == m.column; });
            if (it == columns.end()) {
                const std::string_view near =
                    closest_name(m.column, columns, [](const Column& c) { return std::string_view(c.name); });
                out.push_back(table_diagnostic(
                    Severity::Error, "map-column-missing",
                    "the mapped column \"" + m.column + "\" (" + map_option(m.column, target_text(m)) +
                        ") is not in the table",
                    near.empty() ? "map a column the table has, or add it to the query's SELECT"
                                 : "did you mean \"" + std::string(near) +
                                       "\"? Names must match exactly: " + map_option(near, target_text(m)),
                    0, header_line, m.column));
            } else if (it->role == Role::Alias && it->values == 0 && report.summary.rows > 0 &&
                       std::find(settings.alias_columns.begin(), settings.alias_columns.end(), m.column) ==
                           settings.alias_columns.end()) {
                out.push_back(table_diagnostic(Severity::Warning, "alias-column-empty",
                                               "the alias column \"" + m.column + "\" has no values",
                                               "no aliases are sent; check the query", 0, it->line, m.column));
            }
        }
        const bool json = format() == TableFormat::JsonArray || format() == TableFormat::JsonLines;
        if (columns.empty() && report.summary.errors > 0) {
            // Nothing readable, and the reason is already reported.
        } else if (columns.empty() && !(json && report.summary.rows == 0)) {
            out.push_back(
                table_diagnostic(Severity::Error, json ? "no-identifier-column" : "empty-table",
                                 json ? "the rows have no columns at all" : "the table is empty: no header, no rows",
                                 json ? "each row is an object such as {\"user_ids\": \"u-1\"}"
                                      : "export the query result with its header row",
                                 0, 0, ""));
        } else if (columns.empty()) {
            // A JSON result with zero rows: nothing to send, said below.
        } else if (!any_identifier) {
            std::string hint =
                "select at least one of user_ids (external ids), device_ids or the configured alias "
                "column, e.g. SELECT external_id AS user_ids FROM ...";
            if (!near_misses.empty())
                hint = "map the near miss: " + map_option(near_misses[0], intended_identifier(near_misses[0])) +
                       ", or rename it: SELECT " + sql_identifier(near_misses[0]) + " AS " +
                       std::string(intended_identifier(near_misses[0])) + " FROM ...";
            out.push_back(
                table_diagnostic(Severity::Error, "no-identifier-column",
                                 "no column is sent: the table has neither user_ids nor device_ids" +
                                     std::string(settings.alias_columns.empty() ? "" : " nor the alias column"),
                                 hint, 0, header_line, ""));
        }
        if (!ignored.empty()) {
            std::string list;
            for (const std::string& name : ignored)
                list += (list.empty() ? "" : ", ") + (name.empty() ? "(unnamed)" : name);
            out.push_back(table_diagnostic(Severity::Info, "ignored-columns", "columns not sent: " + list,
                                           "only user_ids, device_ids and the alias column are sent; the others "
                                           "are fine to keep",
                                           0, header_line, ""));
        }
    }

    Diagnostic tally_diagnostic(TallyCode tally_code, const Column& column, const Tally& t) const {
        const std::string_view code = kTallyCodes[static_cast<std::size_t>(tally_code)];
        const std::string where = " (first at row " + std::to_string(t.row) + ": " + t.example + ")";
        const std::string& col = column.name;
        auto d = [&](Severity s, std::string message, std::string hint) {
            return table_diagnostic(s, std::string(code), std::move(message), std::move(hint), t.row, t.line, col);
        };
        if (code == "empty-cell")
            return d(
                Severity::Info,
                counted(t.count, "empty cell") + " in " + col + " skipped (first at row " + std::to_string(t.row) + ")",
                "empty, blank, NULL and \\N cells are never sent; nothing to fix unless the column should be full");
        if (code == "whitespace")
            return d(Severity::Warning,
                     counted(t.count, "value") + " in " + col + (t.count == 1 ? " has" : " have") +
                         " leading or trailing whitespace" + where,
                     "Braze would look up the id with the spaces and miss; use --trim or trim() in the query");
        if (code == "trimmed")
            return d(Severity::Info,
                     counted(t.count, "value") + " in " + col + (t.count == 1 ? " was" : " were") +
                         " trimmed (--trim)" + where,
                     "leading and trailing whitespace was removed before sending");
        if (code == "long-identifier")
            return d(Severity::Warning,
                     counted(t.count, "value") + " in " + col + (t.count == 1 ? " is" : " are") +
                         " longer than 512 bytes" + where,
                     "identifiers this long are almost always a wrong column; check the query");
        if (code == "float-formatted-id")
            return d(Severity::Warning,
                     counted(t.count, "value") + " in " + col + (t.count == 1 ? " looks" : " look") +
                         " like a number damaged by float formatting" + where,
                     "cast the id to VARCHAR in the query (CAST(id AS VARCHAR)) before it becomes a double; 1.0E7 "
                     "and 123.0 match no Braze id");
        if (code == "duplicate-identifier")
            return d(Severity::Info, counted(t.count, "duplicate value") + " in " + col + " sent once" + where,
                     "duplicates are harmless here: each identifier is sent once (SELECT DISTINCT avoids them)");
        if (code == "user-and-device-same-value")
            return d(Severity::Warning,
                     counted(t.count, "value") + (t.count == 1 ? " appears" : " appear") +
                         " both as user_ids and device_ids" + where,
                     "an external id is not a device id; check which column the query maps to which");
        if (code == "user-and-device-id")
            return d(Severity::Warning,
                     counted(t.count, "row") + (t.count == 1 ? " carries" : " carry") +
                         " both user_ids and device_ids (first at row " + std::to_string(t.row) + ")",
                     "Braze ignores the device id of identified users; send device_ids only for anonymous users");
        if (code == "alias-case-drift")
            return d(Severity::Warning,
                     counted(t.count, "value") + " in " + col + (t.count == 1 ? " differs" : " differ") +
                         " from an earlier one only by case or whitespace" + where,
                     "aliases match exactly: normalise them in the query, e.g. lower(trim(" + col + "))");
        return d(Severity::Warning, counted(t.count, "finding"), "");
    }

    TableFormat format() const { return fed_rows ? rows_format : reader.format(); }
    char delimiter() const { return fed_rows ? rows_delimiter : reader.delimiter(); }
    // The end of the input, for the reader that has it.
    void finish_reading() {
        if (!fed_rows) reader.finish();
    }

    Report finish() {
        finish_reading();
        settle();
        batcher.flush();
        for (PlannedRequest& r : batcher.take()) ready.push_back(std::move(r));
        report.summary.requests = batcher.requests();
        return summarize();
    }

    // What finish_identifier() would have done with each answer, done by the count: the answers only ever
    // take an identifier out of the plan (a duplicate) or add a tally.
    std::optional<Report> finish_with(std::span<const AnswerCount> counts) {
        finish_reading();
        settle();
        if (sink) return std::nullopt;  // it was handed every identifier, duplicates too
        std::uint64_t duplicates[3] = {0, 0, 0};  // by IdentifierType
        std::vector<std::pair<std::size_t, const AnswerCount*>> found;
        for (const AnswerCount& a : counts) {
            if (a.count == 0) continue;
            const Role role = a.type == IdentifierType::UserId     ? Role::UserIds
                              : a.type == IdentifierType::DeviceId ? Role::DeviceIds
                                                                   : Role::Alias;
            const auto column = std::find_if(identifier_columns.begin(), identifier_columns.end(), [&](std::size_t i) {
                return columns[i].role == role && (role != Role::Alias || columns[i].alias_label == a.alias_label);
            });
            if (column == identifier_columns.end()) return std::nullopt;  // not this table's answers
            if (a.answer == Answer::Duplicate) duplicates[static_cast<int>(a.type)] += a.count;
            found.emplace_back(*column, &a);
        }
        std::uint64_t* sent[3] = {&report.summary.user_ids, &report.summary.device_ids, &report.summary.aliases};
        for (int t = 0; t < 3; ++t)
            if (duplicates[t] > *sent[t]) return std::nullopt;
        const std::uint64_t distinct = report.summary.user_ids + report.summary.device_ids + report.summary.aliases -
                                       duplicates[0] - duplicates[1] - duplicates[2];
        std::uint64_t requests = 0;
        if (settings_ok) {
            const std::optional<std::uint64_t> n = batcher.requests_for(distinct);
            if (!n) return std::nullopt;
            requests = *n;
        }
        for (int t = 0; t < 3; ++t) *sent[t] -= duplicates[t];
        report.summary.duplicates += duplicates[0] + duplicates[1] + duplicates[2];
        report.summary.requests = requests;
        for (const auto& [column, a] : found) {
            const TallyCode code = a->answer == Answer::Duplicate   ? TallyCode::DuplicateIdentifier
                                   : a->answer == Answer::OtherType ? TallyCode::UserAndDeviceSameValue
                                                                    : TallyCode::AliasCaseDrift;
            Tally& t = tallies[{code, column}];
            t.count += a->count;
            t.row = a->row;
            t.line = a->line;
            t.example = shown_value(a->value);
        }
        return summarize();
    }

    Report summarize() {
        std::vector<Diagnostic> found = std::move(row_errors);
        std::vector<Diagnostic> summary_findings;
        header_findings(summary_findings);
        for (const auto& [k, t] : tallies) summary_findings.push_back(tally_diagnostic(k.first, columns[k.second], t));
        const bool explained = std::any_of(summary_findings.begin(), summary_findings.end(),
                                           [](const Diagnostic& d) { return d.severity == Severity::Error; });
        if (settings_ok && !explained && report.summary.errors == 0 &&
            report.summary.user_ids + report.summary.device_ids + report.summary.aliases == 0)
            summary_findings.push_back(table_diagnostic(
                Severity::Info, "nothing-to-send", "no identifiers to " + std::string(to_string(settings.operation)),
                "the plan holds only the naming call", 0, 0, ""));
        for (Diagnostic& d : summary_findings) {
            switch (d.severity) {
                case Severity::Error: ++report.summary.errors; break;
                case Severity::Warning: ++report.summary.warnings; break;
                case Severity::Info: ++report.summary.infos; break;
            }
            found.push_back(std::move(d));
        }
        if (found.size() > options.max_diagnostics) {  // keep the most severe ones when not all fit
            std::stable_sort(found.begin(), found.end(),
                             [](const Diagnostic& a, const Diagnostic& b) { return a.severity < b.severity; });
            report.diagnostics_omitted += found.size() - options.max_diagnostics;
            found.resize(static_cast<std::size_t>(options.max_diagnostics));
        }
        std::stable_sort(found.begin(), found.end(), [](const Diagnostic& a, const Diagnostic& b) {
            return a.row != b.row ? a.row < b.row : a.line < b.line;
        });
        report.diagnostics = std::move(found);
        report.format = format();
        return std::move(report);
    }
};

Planner::Planner(Settings settings, ReadOptions options, std::string source, IdentifierSink sink)
    : impl_(std::make_unique<Impl>(std::move(settings), options, std::move(source), std::move(sink), nullptr)) {}
Planner::Planner(Settings settings, ReadOptions options, std::string source, IdentifierSink sink, SeenBefore& seen)
    : impl_(std::make_unique<Impl>(std::move(settings), options, std::move(source), std::move(sink), &seen)) {}
Planner::~Planner() = default;
Planner::Planner(Planner&&) noexcept = default;
Planner& Planner::operator=(Planner&&) noexcept = default;

void Planner::feed(std::string_view chunk) {
    impl_->reader.feed(chunk);
    impl_->settle();  // what this chunk planned is ready for take_requests()
    impl_->report.summary.requests = impl_->batcher.requests();
}
void Planner::feed_rows(const RowBatch& rows) {
    impl_->fed_rows = true;
    impl_->rows_delimiter = rows.impl_->delimiter;  // the header's, which on_columns reads during the replay
    rows.impl_->replay(*impl_);
    impl_->rows_format = rows.impl_->format;
    impl_->rows_consumed = rows.impl_->bytes_consumed;
    impl_->settle();
    impl_->report.summary.requests = impl_->batcher.requests();
}
std::vector<PlannedRequest> Planner::take_requests() { return std::exchange(impl_->ready, {}); }
Report Planner::finish() { return impl_->finish(); }
void Planner::finish_input() {
    impl_->finish_reading();
    impl_->settle();
}
std::optional<Report> Planner::finish_with(std::span<const AnswerCount> answers) { return impl_->finish_with(answers); }
std::uint64_t Planner::bytes_consumed() const {
    return impl_->fed_rows ? impl_->rows_consumed : impl_->reader.bytes_consumed();
}

Plan plan(std::string_view input, const Settings& settings, const ReadOptions& options, std::string source) {
    constexpr std::size_t kSlice = 1 << 20;
    Planner p(settings, options, std::move(source));
    Plan out;
    for (std::size_t i = 0; i < input.size(); i += kSlice) {
        p.feed(input.substr(i, kSlice));
        for (PlannedRequest& r : p.take_requests()) out.requests.push_back(std::move(r));
    }
    out.report = p.finish();
    for (PlannedRequest& r : p.take_requests()) out.requests.push_back(std::move(r));
    return out;
}

}  // namespace tdbraze::cohort
