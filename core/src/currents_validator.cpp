// The streaming side of Currents validation: finds the events in the input, whatever its shape (envelope,
// bare array, bare event, JSON Lines of either), hands each one to EventChecker, and turns byte offsets into
// line:column. Only the value being parsed is kept in memory, so memory does not grow with the input.
#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>

#include "currents_event_checks.hpp"
#include "json_tape.hpp"
#include "not_text.hpp"
#include "text_position.hpp"
#include "tdbraze/currents.hpp"

namespace tdbraze::currents {
namespace {

using json::Kind;
using json::ParseResult;
using json::ParseStatus;

using Cursor = TextPosition;

// Whether `c` can begin a JSON value.
bool starts_json_value(char c) { return std::string_view("{[\"-0123456789tfn").find(c) != std::string_view::npos; }

std::string syntax_hint(const std::string& message) {
    if (message.find("after member of object") != std::string::npos)
        return "a ',' is missing between two members, or a '}' is missing";
    if (message.find("after element of array") != std::string::npos)
        return "a ',' is missing between two elements, or a ']' is missing";
    if (message.find("trailing comma") != std::string::npos) return "remove the last ','";
    if (message.find("end of input") != std::string::npos)
        return "the input was cut off: check that the whole body was captured";
    if (message.find("UTF-8") != std::string::npos) return "re-export the data as UTF-8";
    return "fix the JSON at this place; nothing after a syntax error can be checked";
}

constexpr std::size_t kFeedSlice = 1 << 20;

}  // namespace

struct Validator::Impl final : DiagnosticSink {
    enum class State { Top, ObjectMembers, Elements, SkipLine, Done };

    struct PendingMember {
        std::string key;
        std::size_t key_offset;  // relative to top_start
    };

    struct PendingDiagnostic {
        Diagnostic diagnostic;
        std::size_t offset;
    };

    Options options;
    Report report;
    EventChecker checker{options, *this, report.summary};
    json::Tape tape;

    std::string buf;  // the window: input not yet consumed, from the start of the value being parsed
    std::size_t pos = 0;  // next byte to look at, in buf
    std::uint64_t discarded = 0;  // bytes dropped from the front of the window so far
    Cursor base;  // position of buf[0]
    Cursor cursor;  // a position in buf that later diagnostics are resolved from
    bool eof = false;
    bool bom_checked = false;
    bool head_checked = false;  // the input is text that may be JSON (check_head)
    State state = State::Top;

    // The top-level value being read.
    std::size_t top_start = 0;
    std::uint64_t top_start_absolute = 0;  // survives compaction, for the size of the body
    Cursor top_cursor;
    std::uint64_t top_values = 0;
    bool top_is_array = false;
    bool top_decided = false;  // an object's "events" array was found (it is an envelope)
    bool first_member = true;
    std::vector<PendingMember> pending_members;  // members met before "events"
    // The elements of an events array (or of a bare array).
    std::string element_prefix;
    std::uint64_t element_index = 0;
    bool first_element = true;
    Cursor events_cursor;
    std::optional<Diagnostic> bare_event;  // error for a lone bare event; dropped if more values follow
    std::vector<PendingDiagnostic> event_diagnostics;  // of the event being checked, sorted before release
    bool in_event = false;
    std::uint64_t events_seen = 0;
    std::function<void(const EventText&)> on_event;

    // A part that starts at a line (LineStart): what it assumed there, and what telling whether that held needs.
    std::optional<LineStart> assumed;  // nothing: the beginning of the input
    PartOpening opening;  // of this part

    Impl(Options o, std::string source) : options(o) { report.source = std::move(source); }
    Impl(Options o, std::string source, LineStart start) : Impl(o, std::move(source)) {
        assumed = start;
        discarded = start.offset;
        base = cursor = Cursor{0, start.line, 0};
        bom_checked = head_checked = true;
        // "At least two": then no value here is the input's first (a lone bare event) and a syntax error is
        // taken as a broken line of JSON Lines, as after the second value.
        top_values = 2;
    }

    // DiagnosticSink: called by EventChecker with offsets into buf.
    void add(Severity severity, std::string_view code, std::string message, std::string hint, std::string pointer,
             std::size_t offset) override {
        Diagnostic d;
        d.severity = (options.strict && severity == Severity::Warning) ? Severity::Error : severity;
        d.code = std::string(code);
        d.message = std::move(message);
        d.hint = std::move(hint);
        d.pointer = std::move(pointer);
        if (in_event) {
            event_diagnostics.push_back({std::move(d), offset});
            return;
        }
        const Cursor at = resolve(offset);
        d.line = at.line;
        d.column = at.column + 1;
        record(std::move(d));
    }

    void record(Diagnostic d) {
        switch (d.severity) {
            case Severity::Error: ++report.summary.errors; break;
            case Severity::Warning: ++report.summary.warnings; break;
            case Severity::Info: ++report.summary.infos; break;
        }
        if (report.diagnostics.size() < options.max_diagnostics) report.diagnostics.push_back(std::move(d));
        else ++report.diagnostics_omitted;
    }

    // Line and column of a byte of the window. Positions are worked out only when a finding needs one; the
    // cursor moves forward with them, so a window is scanned about once.
    Cursor resolve(std::size_t offset) {
        if (offset >= cursor.offset) {
            advance(cursor, buf, offset);
            return cursor;
        }
        Cursor c = base;
        advance(c, buf, offset);
        return c;
    }

    void add_at(Severity severity, std::string_view code, std::string message, std::string hint, std::string pointer,
                const Cursor& at) {
        Diagnostic d;
        d.severity = (options.strict && severity == Severity::Warning) ? Severity::Error : severity;
        d.code = std::string(code);
        d.message = std::move(message);
        d.hint = std::move(hint);
        d.pointer = std::move(pointer);
        d.line = at.line;
        d.column = at.column + 1;
        record(std::move(d));
    }

    void check_event(std::uint32_t index, const std::string& pointer) {
        in_event = true;
        checker.check(tape, index, pointer);
        in_event = false;
        if (on_event) {
            EventText event;
            event.number = events_seen;
            event.json = tape.raw_value(tape.nodes[index]);
            event.has_external_user_id = checker.last_event_has_external_user_id();
            event.has_errors =
                std::any_of(event_diagnostics.begin(), event_diagnostics.end(),
                            [](const PendingDiagnostic& p) { return p.diagnostic.severity == Severity::Error; });
            on_event(event);
        }
        ++events_seen;
        std::stable_sort(event_diagnostics.begin(), event_diagnostics.end(),
                         [](const PendingDiagnostic& a, const PendingDiagnostic& b) { return a.offset < b.offset; });
        for (auto& p : event_diagnostics) {
            const Cursor at = resolve(p.offset);
            p.diagnostic.line = at.line;
            p.diagnostic.column = at.column + 1;
            record(std::move(p.diagnostic));
        }
        event_diagnostics.clear();
    }

    void syntax_error(std::size_t offset, const std::string& message) {
        const Cursor at = resolve(offset);
        const bool json_lines = top_values >= 2 || at.line == top_cursor.line;
        std::size_t line_start = offset;
        while (line_start > 0 && buf[line_start - 1] != '\n') --line_start;
        // Nothing but spaces before the error on its line. The window may begin in the middle of a line (what came
        // before was consumed): then the line did not start here.
        bool at_line_start = line_start > 0 || base.column == 0;
        for (std::size_t i = line_start; i < offset && at_line_start; ++i)
            at_line_start = buf[i] == ' ' || buf[i] == '\t';
        if (json_lines && at.line > top_cursor.line && at_line_start) {
            // A line of JSON Lines that is cut off: the parser only notices on the next line. Say so, and go on
            // from the start of the line where the next value begins.
            add(Severity::Error, "json-syntax", message,
                std::string(kValueStartsOnLine) + std::to_string(top_cursor.line) +
                    " is not complete: in JSON Lines each line holds one whole value",
                "", offset);
            pos = line_start;
            state = State::Top;
            return;
        }
        add(Severity::Error, "json-syntax", message, syntax_hint(message), "", offset);
        // In JSON Lines a broken line does not hide the next ones; anywhere else the rest is unreadable.
        if (json_lines && !eof_reached_at(offset)) {
            pos = offset;
            state = State::SkipLine;
        } else {
            state = State::Done;
        }
    }
    bool eof_reached_at(std::size_t offset) const { return eof && offset >= buf.size(); }

    // True when the window has a byte at pos after skipping whitespace. At the end of input, reports `missing`.
    bool have_byte(const char* missing) {
        while (pos < buf.size() && json::is_json_space(buf[pos])) ++pos;
        if (pos < buf.size()) return true;
        if (eof) syntax_error(pos, std::string("unexpected end of input: ") + missing);
        return false;
    }

    // Parses one whole value at pos. Ok: tape holds it. Incomplete: pos is restored to `restart`.
    bool parse_here(std::size_t restart) {
        const ParseResult r = json::parse_value(buf, pos, eof, tape);
        if (r.status == ParseStatus::Ok && r.end - pos > kMaxValueBytes) {
            too_large(pos);  // the same finding as when the window outgrows the limit, whatever the chunking
            return false;
        }
        if (r.status == ParseStatus::Ok) return true;
        if (r.status == ParseStatus::Incomplete) pos = restart;
        else syntax_error(r.end, r.message);
        return false;
    }

    void begin_top_value() {
        ++top_values;
        if (top_values == 2) bare_event.reset();  // JSON Lines: one event per line is how TD stores them
        top_start = pos;
        top_start_absolute = discarded + pos;
        advance(cursor, buf, pos);
        top_cursor = cursor;
        checker.set_value_line(top_cursor.line);
        top_decided = false;
        first_member = true;
        pending_members.clear();
    }

    // Step functions: each consumes one piece of input or returns false (waiting for more, or done).
    bool step_top() {
        if (!bom_checked) {
            if (buf.size() - pos < 3 && !eof) return false;
            bom_checked = true;
            if (buf.compare(pos, 3, "\xEF\xBB\xBF") == 0) pos += 3;  // an encoding marker (RFC 8259 allows ignoring it)
        }
        while (pos < buf.size() && json::is_json_space(buf[pos])) ++pos;
        if (pos >= buf.size()) {
            if (eof) state = State::Done;
            return false;
        }
        if (!head_checked) {
            // Only an input that does not start like JSON waits for its head: JSON's events flow at once.
            if (!starts_json_value(buf[pos])) {
                if (buf.size() - pos < kNotTextHeadBytes && !eof) return false;
                if (!check_head()) return false;
            }
            head_checked = true;
        }
        const char c = buf[pos];
        if (c == '{') {
            begin_top_value();
            ++pos;
            state = State::ObjectMembers;
            return true;
        }
        if (c == '[') {
            begin_top_value();
            add_at(Severity::Error, "bare-array", "the input is a bare array of events, not an envelope",
                   "Braze POSTs {\"events\": [...]}; wrap the array: {\"events\": " + std::string(1, '[') + "...]}", "",
                   top_cursor);
            start_payload();
            ++pos;
            start_elements("");
            return true;
        }
        const std::size_t start = pos;
        advance(cursor, buf, pos);
        top_cursor = cursor;  // so that a syntax error in this value knows where the value began
        if (!parse_here(start)) return false;
        begin_top_value();
        add_at(Severity::Error, "envelope-not-object",
               "the input is " + kind_phrase(tape.root().kind) + ", not a JSON object",
               "a Currents body is {\"events\": [event, ...]}; an empty body or {\"events\": []} is a no-op", "",
               top_cursor);
        pos = tape.root().end;
        state = State::Top;
        return true;
    }

    // A compressed or binary file is one finding, not a syntax error on each of its "lines". Asked only when
    // the input does not start like JSON: a JSON text with a bad byte in it is reported where the byte is, and
    // what follows is still checked. False when the input is not text (checking stops).
    bool check_head() {
        const std::string_view head = std::string_view(buf).substr(pos, kNotTextHeadBytes);
        const std::optional<NotText> not_text = recognise_not_text(head, eof && pos + head.size() == buf.size());
        if (!not_text) return true;
        advance(cursor, buf, pos);
        add_at(Severity::Error, "json-syntax", "the input is not JSON text: " + not_text->what + "; nothing is checked",
               not_text->hint, "", cursor);
        state = State::Done;
        return false;
    }

    void start_payload() {
        checker.start_payload();
        opening.payload_started = true;
    }

    void start_elements(std::string prefix) {
        element_prefix = std::move(prefix);
        element_index = 0;
        first_element = true;
        state = State::Elements;
    }

    bool step_object_member() {
        const std::size_t restart = pos;
        const bool was_first = first_member;
        auto wait = [&] {  // the member is cut off: try again from its start when more input arrives
            if (state != State::Done && state != State::SkipLine) {
                pos = restart;
                first_member = was_first;
            }
            return false;
        };
        if (!have_byte("expected a member or '}'")) return wait();
        if (buf[pos] == '}') {
            ++pos;
            finish_top_object();
            return true;
        }
        if (!first_member) {
            if (buf[pos] != ',') {
                syntax_error(pos, "expected ',' or '}' after member of object");
                return false;
            }
            ++pos;
            if (!have_byte("expected a member name")) return wait();
            if (buf[pos] == '}') {
                syntax_error(pos, "trailing comma before '}'");
                return false;
            }
        }
        if (buf[pos] != '"') {
            syntax_error(pos, "expected a member name in double quotes");
            return false;
        }
        const std::size_t key_pos = pos;
        if (!parse_here(restart)) return wait();
        const std::string key = tape.string_value(tape.root());
        pos = tape.root().end;
        if (!have_byte("expected ':' after member name")) return wait();
        if (buf[pos] != ':') {
            syntax_error(pos, "expected ':' after member name");
            return false;
        }
        ++pos;
        if (!have_byte("expected a value")) return wait();
        first_member = false;
        if (key == "events" && !top_decided && buf[pos] == '[') {
            decide_envelope();
            advance(cursor, buf, pos);
            events_cursor = cursor;
            ++pos;
            start_payload();
            start_elements("/events");
            return true;
        }
        const std::size_t value_pos = pos;
        if (!parse_here(restart)) return wait();
        pos = tape.root().end;
        if (key == "events") {
            if (top_decided)
                add(Severity::Warning, "duplicate-key", "a second \"events\" member; it is not checked",
                    "receivers keep only one of the two (which one depends on the parser); merge them", "/events",
                    key_pos);
            else
                add(Severity::Error, "events-not-array",
                    "\"events\" must be an array, got " + kind_phrase(tape.root().kind),
                    "write \"events\": [event, ...]", "/events", value_pos);
            decide_envelope();
            return true;
        }
        if (top_decided) unknown_envelope_member(key, key_pos);
        else pending_members.push_back({key, key_pos - top_start});
        return true;
    }

    void unknown_envelope_member(const std::string& key, std::size_t offset) {
        add(Severity::Warning, "unknown-envelope-member", "unknown member \"" + key + "\" next to \"events\"",
            key == "timezone" ? "timezone belongs in each event's user object (user.timezone)"
                              : "Braze's body has only \"events\"; receivers ignore other members",
            json_pointer_append("", key), offset);
    }

    void decide_envelope() {
        top_decided = true;
        for (const PendingMember& m : pending_members) unknown_envelope_member(m.key, top_start + m.key_offset);
        pending_members.clear();
    }

    // The top-level object is complete and pos is after its '}'.
    void finish_top_object() {
        if (top_decided) {
            finish_payload();
            return;
        }
        // No "events" array: the object is a bare event, a cloud-storage record or an envelope missing its array.
        pos = top_start;
        const ParseResult r = json::parse_value(buf, pos, true, tape);
        pos = r.end;  // parsed before, member by member, so it is complete and valid
        const EventShape shape = classify_object(tape, 0);
        if (shape == EventShape::NotAnEvent) {
            add_at(Severity::Error, "missing-events", "the body has no \"events\" array",
                   "a Currents body is {\"events\": [event, ...]}; {\"events\": []} is a valid empty batch", "",
                   top_cursor);
        } else {
            if (shape == EventShape::Event && top_values == 1) {
                Diagnostic d;
                d.severity = Severity::Error;
                d.code = "bare-event";
                d.message = "the input is a single event without the envelope";
                d.hint = "Braze POSTs {\"events\": [event]}; wrap the event in an events array";
                d.line = top_cursor.line;
                d.column = top_cursor.column + 1;
                bare_event = std::move(d);
            }
            // Its id is looked up among those since the last batch began, which may be before this part.
            if (!opening.payload_started) opening.ids_before_used = true;
            check_event(0, "");
        }
        finish_payload();
    }

    void finish_payload() {
        const std::uint64_t bytes = discarded + pos - top_start_absolute;
        if (top_decided && bytes > kMaxRequestBytes)
            add_at(Severity::Warning, "request-too-large",
                   "this body is " + std::to_string(bytes) +
                       " bytes; Treasure Data's streaming ingestion takes at most " + std::to_string(kMaxRequestBytes) +
                       " bytes per request",
                   "Braze sends at most 100 events per request; split the batch", "", top_cursor);
        state = State::Top;
    }

    bool step_element() {
        const std::size_t restart = pos;
        auto wait = [&] {
            if (state != State::Done && state != State::SkipLine) pos = restart;
            return false;
        };
        if (!have_byte(first_element ? "expected an event or ']'" : "expected ',' or ']' after element of array"))
            return wait();
        if (buf[pos] == ']') {
            ++pos;
            finish_elements();
            return true;
        }
        if (!first_element) {
            if (buf[pos] != ',') {
                syntax_error(pos, "expected ',' or ']' after element of array");
                return false;
            }
            ++pos;
            if (!have_byte("expected an event")) return wait();
            if (buf[pos] == ']') {
                syntax_error(pos, "trailing comma before ']'");
                return false;
            }
        }
        if (!parse_here(restart)) return wait();
        check_event(0, element_prefix + "/" + std::to_string(element_index));
        ++element_index;
        first_element = false;
        pos = tape.root().end;
        return true;
    }

    void finish_elements() {
        if (element_prefix.empty()) {  // a bare array
            finish_payload();
            return;
        }
        if (element_index > kMaxEventsPerBatch)
            add_at(Severity::Warning, "batch-too-large",
                   "this batch has " + std::to_string(element_index) + " events; Braze sends at most " +
                       std::to_string(kMaxEventsPerBatch) + " per request",
                   "split it into requests of at most 100 events", "/events", events_cursor);
        state = State::ObjectMembers;
    }

    bool step_skip_line() {
        const void* nl = std::memchr(buf.data() + pos, '\n', buf.size() - pos);
        if (nl == nullptr) {
            pos = buf.size();
            if (eof) state = State::Done;
            return false;
        }
        pos = static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data()) + 1;
        state = State::Top;
        return true;
    }

    void run() {
        for (;;) {
            bool progressed = false;
            const State before = state;
            switch (state) {
                case State::Top: progressed = step_top(); break;
                case State::ObjectMembers: progressed = step_object_member(); break;
                case State::Elements: progressed = step_element(); break;
                case State::SkipLine: progressed = step_skip_line(); break;
                case State::Done: return;
            }
            // A step that stopped on a syntax error has moved to SkipLine or Done: go on from there.
            if (!progressed && state == before) return;
        }
    }

    void too_large(std::size_t offset) {
        add(Severity::Error, "value-too-large",
            "one value is larger than " + std::to_string(kMaxValueBytes) + " bytes; it and the rest are not checked",
            "Braze events are at most 900 KB: this is not a Currents payload, or a bracket or quote is missing", "",
            offset);
        state = State::Done;
    }

    // Drops consumed input from the front of the window, keeping what the current step still needs.
    void compact() {
        if (state == State::Done) {
            discarded += buf.size();
            buf.clear();
            pos = 0;
            base = cursor = Cursor{};
            return;
        }
        const bool whole_object_needed = state == State::ObjectMembers && !top_decided;
        const std::size_t keep = whole_object_needed ? top_start : pos;
        if (buf.size() - keep > kMaxValueBytes) {
            std::size_t start = keep;
            while (start < buf.size() && (json::is_json_space(buf[start]) || buf[start] == ',')) ++start;
            too_large(start);
            compact();
            return;
        }
        if (keep == 0 || keep < buf.size() / 2) return;
        if (cursor.offset <= keep) {
            advance(cursor, buf, keep);
        } else {
            cursor = base;
            advance(cursor, buf, keep);
        }
        base = cursor;
        base.offset = 0;
        cursor = base;
        buf.erase(0, keep);
        discarded += keep;
        pos -= keep;
        top_start = top_start >= keep ? top_start - keep : 0;
    }

    void feed(std::string_view chunk) {
        if (state == State::Done) {
            discarded += chunk.size();
            return;
        }
        buf.append(chunk.data(), chunk.size());
        run();
        compact();
    }

    Report finish() {
        eof = true;
        run();
        checker.flush_counts();
        if (bare_event) {
            ++report.summary.errors;
            report.diagnostics.insert(report.diagnostics.begin(), std::move(*bare_event));
            if (report.diagnostics.size() > options.max_diagnostics) {
                report.diagnostics.pop_back();
                ++report.diagnostics_omitted;
            }
        }
        return std::move(report);
    }

    // Whether a bare event after this point could find ids to compare its own with. Exact for every validator a
    // joiner keeps: a part is only kept when its ids are those the whole input has there (see hand_over).
    bool ids_may_be_left() const { return events_seen > 0; }

    // Whether a part that begins at `offset` and met `next` at its start continues this validator, fed exactly
    // up to there: then the line it begins.
    std::optional<std::uint64_t> continued_at(std::uint64_t offset, PartOpening next) const {
        if (eof) return std::nullopt;
        // Between two top-level values: everything fed was consumed (a value cut at the seam, a syntax error
        // that skips lines beyond it, a stop on an unreadable input all leave it in another state).
        if (state != State::Top || pos != buf.size() || !bom_checked || !head_checked || top_values < 2)
            return std::nullopt;
        if (discarded + pos != offset) return std::nullopt;
        Cursor at = cursor.offset <= pos ? cursor : base;
        advance(at, buf, pos);
        if (at.column != 0) return std::nullopt;
        // Ids left here are what the part should have started with: fine only if it began a batch (which
        // forgets them) before any bare event looked them up. Else it may need them later, when it is fed a
        // part itself.
        if (ids_may_be_left() && !(next.payload_started && !next.ids_before_used)) return std::nullopt;
        return at.line;
    }

    bool hand_over(Impl& next) {
        if (!next.assumed) return false;
        const auto line = continued_at(next.assumed->offset, next.opening);
        return line && *line == next.assumed->line;
    }
};

namespace {

// The summary counts unknown event types by name up to kMaxUnknownEventTypes names, in the order they appear;
// once two parts name more between them, which ones the whole input would count by name is not known here.
bool unknown_types_joinable(const std::map<std::string, std::uint64_t>& event_types) {
    std::uint64_t unknown = 0;
    for (const auto& entry : event_types) {
        if (entry.first == kOtherEventTypes) return false;
        if (find_event(entry.first) == nullptr) ++unknown;
    }
    return unknown <= kMaxUnknownEventTypes;
}

// The report of two consecutive parts, as one validator of both gives it.
std::optional<Report> join_reports(Report earlier, Report later, std::uint64_t max_diagnostics) {
    Summary& s = earlier.summary;
    s.events += later.summary.events;
    s.errors += later.summary.errors;
    s.warnings += later.summary.warnings;
    s.infos += later.summary.infos;
    for (const auto& [name, count] : later.summary.event_types) s.event_types[name] += count;
    if (!unknown_types_joinable(s.event_types)) return std::nullopt;
    // Each part lists its first max_diagnostics: enough to fill the list of both in order.
    std::size_t listed = 0;
    for (; listed < later.diagnostics.size() && earlier.diagnostics.size() < max_diagnostics; ++listed)
        earlier.diagnostics.push_back(std::move(later.diagnostics[listed]));
    earlier.diagnostics_omitted += later.diagnostics_omitted + (later.diagnostics.size() - listed);
    return earlier;
}

// The number that starts at digits_begin in the text of a message that names a line (kOnLine, kInLine,
// kValueStartsOnLine), moved by `lines_before`.
std::string moved_line_number(std::string text, std::size_t digits_begin, std::uint64_t lines_before) {
    std::size_t digits_end = digits_begin;
    while (digits_end < text.size() && text[digits_end] >= '0' && text[digits_end] <= '9') ++digits_end;
    if (digits_end == digits_begin) return text;
    const std::uint64_t line = std::stoull(text.substr(digits_begin, digits_end - digits_begin)) + lines_before;
    return text.replace(digits_begin, digits_end - digits_begin, std::to_string(line));
}

std::size_t number_after_last(const std::string& text, std::string_view words) {
    const std::size_t at = text.rfind(words);
    return at == std::string::npos ? std::string::npos : at + words.size();
}

// The report of a part whose lines were counted from 1, as if they had been counted from 1 + lines_before.
Report moved_down(Report report, std::uint64_t lines_before) {
    for (Diagnostic& d : report.diagnostics) {
        if (d.line != 0) d.line += lines_before;
        if (d.code == "duplicate-id") {
            std::size_t at = number_after_last(d.message, kInLine);
            if (at == std::string::npos || !d.message.ends_with(')')) at = number_after_last(d.message, kOnLine);
            if (at != std::string::npos) d.message = moved_line_number(std::move(d.message), at, lines_before);
        } else if (d.code == "json-syntax" && d.hint.starts_with(kValueStartsOnLine)) {
            d.hint = moved_line_number(std::move(d.hint), kValueStartsOnLine.size(), lines_before);
        }
    }
    return report;
}

}  // namespace

Validator::Validator(Options options, std::string source) : impl_(std::make_unique<Impl>(options, std::move(source))) {}
Validator::Validator(Options options, std::string source, LineStart start)
    : impl_(std::make_unique<Impl>(options, std::move(source), start)) {}
Validator::~Validator() = default;
Validator::Validator(Validator&&) noexcept = default;
Validator& Validator::operator=(Validator&&) noexcept = default;

void Validator::on_event(std::function<void(const EventText&)> observer) { impl_->on_event = std::move(observer); }
void Validator::feed(std::string_view chunk) { impl_->feed(chunk); }
Report Validator::finish() { return impl_->finish(); }
std::uint64_t Validator::bytes_consumed() const { return impl_->discarded + impl_->pos; }
std::size_t Validator::buffered_bytes() const { return impl_->buf.size(); }
bool Validator::hand_over(Validator& next) { return impl_->hand_over(*next.impl_); }

PartsJoiner::PartsJoiner(Validator first) : current_(std::move(first)) {}

void PartsJoiner::join_current() {
    Report done = current_.finish();
    if (!joined_) {
        joined_ = std::move(done);
    } else if (joinable_) {
        std::optional<Report> both =
            join_reports(std::move(*joined_), std::move(done), current_.impl_->options.max_diagnostics);
        joinable_ = both.has_value();
        if (both) joined_ = std::move(*both);
    }
    ++parts_taken_;
}

bool PartsJoiner::add(Validator next) {
    if (last_ || !current_.hand_over(next)) return false;
    join_current();
    current_ = std::move(next);
    return true;
}

bool PartsJoiner::add_last(std::uint64_t offset, PartOpening opening, Report later) {
    if (last_) return false;
    const std::optional<std::uint64_t> line = current_.impl_->continued_at(offset, opening);
    if (!line) return false;
    join_current();
    last_ = moved_down(std::move(later), *line - 1);
    return true;
}

Validator& PartsJoiner::current() { return current_; }

std::optional<Report> PartsJoiner::finish() {
    const std::uint64_t max_diagnostics = current_.impl_->options.max_diagnostics;
    Report last = last_ ? std::move(*last_) : current_.finish();
    if (!joined_) return last;
    if (!joinable_) return std::nullopt;
    return join_reports(std::move(*joined_), std::move(last), max_diagnostics);
}

PartOpening Validator::opening() const { return impl_->opening; }

Report validate(std::string_view input, const Options& options, std::string source) {
    Validator v(options, std::move(source));
    for (std::size_t i = 0; i < input.size(); i += kFeedSlice) v.feed(input.substr(i, kFeedSlice));
    return v.finish();
}

PartsReport validate_in_parts(std::string_view input, std::span<const std::size_t> seams, const Options& options,
                              std::string source, PartsWay way) {
    std::vector<std::size_t> offsets = {0};  // where each part begins
    std::vector<LineStart> starts(1);
    for (const std::size_t seam : seams) {
        if (seam <= offsets.back() || seam > input.size() || input[seam - 1] != '\n') continue;
        const std::string_view between = input.substr(offsets.back(), seam - offsets.back());
        starts.push_back({seam, starts.back().line + count_line_breaks(between)});
        offsets.push_back(seam);
    }
    auto feed_part = [&](Validator& v, std::size_t k) {
        const std::size_t end = k + 1 < offsets.size() ? offsets[k + 1] : input.size();
        for (std::size_t i = offsets[k]; i < end; i += kFeedSlice)
            v.feed(input.substr(i, std::min(kFeedSlice, end - i)));
    };
    Validator first(options, source);
    feed_part(first, 0);
    PartsJoiner joiner(std::move(first));
    if (way == PartsWay::Elsewhere && starts.size() > 1) {
        offsets.resize(2);
        Validator later(options, source, LineStart{offsets[1], 1});
        feed_part(later, 1);
        const PartOpening opening = later.opening();
        if (!joiner.add_last(offsets[1], opening, later.finish())) feed_part(joiner.current(), 1);
    } else {
        for (std::size_t k = 1; k < starts.size(); ++k) {
            Validator next(options, source, starts[k]);
            feed_part(next, k);
            if (!joiner.add(std::move(next))) feed_part(joiner.current(), k);
        }
    }
    std::optional<Report> report = joiner.finish();
    if (!report) return {validate(input, options, std::move(source)), 0};
    return {std::move(*report), joiner.parts_taken()};
}

}  // namespace tdbraze::currents

namespace tdbraze::currents {

std::string_view to_string(Receiver receiver) {
    switch (receiver) {
        case Receiver::Http: return "http";
        case Receiver::TdPostback: return "td-postback";
    }
    return "http";
}

std::optional<Receiver> receiver_from_string(std::string_view name) {
    for (const Receiver r : {Receiver::Http, Receiver::TdPostback})
        if (name == to_string(r)) return r;
    return std::nullopt;
}

}  // namespace tdbraze::currents
