#include "currents_event_checks.hpp"

#include <charconv>
#include <cstdio>

#include "suggest.hpp"
#include "tdbraze/id_set.hpp"
#include "value_formats.hpp"

namespace tdbraze::currents {
namespace {

using json::Kind;
using json::Node;
using json::Tape;

constexpr std::string_view kEnvelopeMembers[] = {"event_type", "id", "time", "user", "properties"};

// Avro's JSON encoding wraps a value of a union type in an object named after the branch.
bool is_avro_union_wrapper(const Tape& t, const Node& n) {
    if (n.kind != Kind::Object || n.count != 1) return false;
    const std::string_view k = t.raw_key(t.nodes[n.first_child]);
    return k == "string" || k == "long" || k == "int" || k == "double" || k == "float" || k == "boolean" ||
           k == "bytes";
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            out += '?';
            continue;
        }
        out += c;
    }
    out += '"';
    return out;
}

// A value as a person would recognise it in a message: strings quoted, long ones shortened.
std::string shown(const Tape& t, const Node& n) {
    std::string_view raw = t.raw_value(n);
    if (n.kind == Kind::Object) return "an object";
    if (n.kind == Kind::Array) return "an array";
    if (raw.size() > 60) {
        std::size_t cut = 57;
        while (cut > 0 && (static_cast<unsigned char>(raw[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
        return std::string(raw.substr(0, cut)) + "...";
    }
    return std::string(raw);
}

std::string type_phrase(JsonType type) {
    switch (type) {
        case JsonType::String: return "a string";
        case JsonType::Integer: return "an integer";
        case JsonType::Number: return "a number";
        case JsonType::Boolean: return "a boolean";
        case JsonType::Object: return "an object";
        case JsonType::StringArray: return "an array of strings";
    }
    return "?";
}

// The string fields whose value Braze writes as JSON text (an object serialised into the string).
bool holds_json_text(std::string_view key) {
    return key == "custom_attributes" || key == "tool_arguments" || key == "flow_response_json";
}

bool kind_matches(JsonType type, Kind kind) {
    switch (type) {
        case JsonType::String: return kind == Kind::String;
        case JsonType::Integer: return kind == Kind::Integer;
        case JsonType::Number: return kind == Kind::Integer || kind == Kind::Number;
        case JsonType::Boolean: return kind == Kind::Boolean;
        case JsonType::Object: return kind == Kind::Object;
        case JsonType::StringArray: return kind == Kind::Array;
    }
    return false;
}

// Proleptic Gregorian date of an epoch-seconds value, for messages ("2023-11-14").
std::string iso_date(std::int64_t seconds) {
    std::int64_t days = seconds / 86400;
    if (seconds % 86400 < 0) --days;
    // Civil-from-days arithmetic (H. Hinnant's public-domain algorithm): the <chrono> calendar types are missing
    // from the libc++ of Emscripten 3.1.6, and the core has no clock or time zone database anyway.
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const std::int64_t doe = days - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    std::int64_t y = yoe + era * 400;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) ++y;
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                  static_cast<long long>(d));
    return buf;
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// A member's name without allocating, unless it holds escapes (then decoded into `storage`).
std::string_view key_of(const Tape& t, const Node& member, std::string& storage) {
    if (!member.key_escaped) return t.raw_key(member);
    storage = t.key(member);
    return storage;
}

}  // namespace

std::string json_pointer_append(std::string_view pointer, std::string_view token) {
    std::string out(pointer);
    out += '/';
    for (char c : token) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

EventShape classify_object(const Tape& t, std::uint32_t index) {
    const Node& object = t.nodes[index];
    bool has_envelope_member = false, has_event_type = false, flat_user = false, wrapped = false;
    for (std::uint32_t c = object.first_child; c != 0; c = t.nodes[c].next) {
        const std::string_view key = t.raw_key(t.nodes[c]);
        for (std::string_view m : kEnvelopeMembers)
            if (key == m) has_envelope_member = true;
        if (key == "event_type") has_event_type = true;
        if (key == "user_id" || key == "external_user_id" || key == "device_id") flat_user = true;
        if (is_avro_union_wrapper(t, t.nodes[c])) wrapped = true;
    }
    if (!has_event_type && (flat_user || wrapped)) return EventShape::CloudStorageRecord;
    return has_envelope_member ? EventShape::Event : EventShape::NotAnEvent;
}

EventChecker::EventChecker(const Options& options, DiagnosticSink& sink, Summary& summary)
    : options_(options), sink_(sink), summary_(summary), known_counts_(event_catalogue().size(), 0) {}

std::string_view EventChecker::decoded(const Tape& t, const Node& n) {
    if (!n.escaped) return t.raw_string(n);
    scratch_ = json::decode_string(t.raw_string(n));
    return scratch_;
}

namespace {

// The JSON pointer of t.nodes[target] inside the value t.nodes[from], which is at `pointer`. Only called for a
// finding, so a walk from the top is cheap enough.
bool pointer_to(const Tape& t, std::uint32_t from, std::uint32_t target, std::string& pointer) {
    if (from == target) return true;
    const Node& n = t.nodes[from];
    std::uint32_t position = 0;
    const Node& goal = t.nodes[target];
    for (std::uint32_t c = n.first_child; c != 0; c = t.nodes[c].next, ++position) {
        const Node& child = t.nodes[c];
        if (c != target && (goal.begin < child.begin || goal.begin >= child.end)) continue;  // not in there
        const std::size_t mark = pointer.size();
        if (n.kind == Kind::Object) {
            std::string storage;
            pointer = json_pointer_append(pointer, key_of(t, child, storage));
        } else {
            pointer = json_pointer_append(pointer, std::to_string(position));
        }
        if (pointer_to(t, c, target, pointer)) return true;
        pointer.resize(mark);
    }
    return false;
}

}  // namespace

// Strings and keys with a \u escape of half a surrogate pair anywhere in the event. Nodes are in document
// order, so the event's are those from `index` that begin before it ends; only escaped ones are looked at.
void EventChecker::check_lone_surrogates(const Tape& t, std::uint32_t index, std::string_view pointer) {
    if (!t.has_unicode_escape) return;
    const std::uint32_t event_end = t.nodes[index].end;
    for (std::uint32_t i = index; i < t.nodes.size() && t.nodes[i].begin < event_end; ++i) {
        const Node& n = t.nodes[i];
        if (!n.escaped && !n.key_escaped) continue;
        std::size_t at = n.key_escaped ? json::find_lone_surrogate(t.raw_key(n)) : std::string_view::npos;
        const bool in_key = at != std::string_view::npos;
        const std::string_view raw = in_key                   ? t.raw_key(n)
                                     : n.kind == Kind::String ? t.raw_string(n)
                                                              : std::string_view();
        if (!in_key && n.escaped) at = json::find_lone_surrogate(raw);
        if (at == std::string_view::npos) continue;
        std::string where(pointer);
        pointer_to(t, index, i, where);
        const std::size_t offset = (in_key ? n.key_begin : n.begin + 1) + at;
        sink_.add(Severity::Warning, "lone-surrogate",
                  std::string(in_key ? "the key" : "the string") + " holds \"" + std::string(raw.substr(at, 6)) +
                      "\", half of a UTF-16 surrogate pair: no character on its own",
                  "a string cut in the middle of an emoji looks like this; receivers store U+FFFD in its place or "
                  "reject the event: fix the value where it is made",
                  where, offset);
    }
}

void EventChecker::count_event_type(std::string_view name, const EventSpec* spec) {
    if (spec != nullptr) {
        ++known_counts_[static_cast<std::size_t>(spec - event_catalogue().data())];
        return;
    }
    auto it = unknown_counts_.find(std::string(name));
    if (it != unknown_counts_.end()) ++it->second;
    else if (unknown_counts_.size() < kMaxUnknownEventTypes) unknown_counts_.emplace(std::string(name), 1);
    else ++unknown_counts_[std::string(kOtherEventTypes)];
}

void EventChecker::flush_counts() {
    const auto catalogue = event_catalogue();
    for (std::size_t i = 0; i < known_counts_.size(); ++i)
        if (known_counts_[i] != 0) summary_.event_types[std::string(catalogue[i].name)] += known_counts_[i];
    for (const auto& [name, count] : unknown_counts_) summary_.event_types[name] += count;
    std::fill(known_counts_.begin(), known_counts_.end(), 0);
    unknown_counts_.clear();
}

void EventChecker::check(const Tape& t, std::uint32_t index, std::string_view pointer) {
    has_external_user_id_ = false;
    const Node& event = t.nodes[index];
    ++summary_.events;
    if (event.kind != Kind::Object) {
        sink_.add(Severity::Error, "event-not-object", "an event must be a JSON object, got " + kind_phrase(event.kind),
                  "each element of \"events\" is one object with event_type, id, time, user and properties",
                  std::string(pointer), event.begin);
        return;
    }
    if (event.end - event.begin > kMaxEventBytes) {
        sink_.add(Severity::Warning, "event-too-large",
                  "this event is " + std::to_string(event.end - event.begin) + " bytes; Braze drops events over " +
                      std::to_string(kMaxEventBytes) + " bytes",
                  "look for an oversized property (custom_properties, a message body) and trim it at the source",
                  std::string(pointer), event.begin);
    }
    check_lone_surrogates(t, index, pointer);
    const EventShape shape = classify_object(t, index);
    if (shape == EventShape::CloudStorageRecord) {
        sink_.add(Severity::Error, "cloud-storage-shape",
                  "this looks like a Currents cloud-storage (Avro) record, not an HTTP connector event: it has no "
                  "event_type, keeps user fields at the top level and/or wraps values as {\"string\": ...}",
                  "HTTP events nest user fields under \"user\" and event fields under \"properties\" and name their "
                  "type in \"event_type\"; take the payload from the HTTP connector, or convert each record",
                  std::string(pointer), event.begin);
        return;
    }

    const Node* members[5] = {nullptr, nullptr, nullptr, nullptr, nullptr};
    for (std::uint32_t c = event.first_child; c != 0; c = t.nodes[c].next) {
        const Node& member = t.nodes[c];
        std::string key_storage;
        const std::string_view key = key_of(t, member, key_storage);
        std::size_t slot = 5;
        for (std::size_t i = 0; i < 5; ++i)
            if (key == kEnvelopeMembers[i]) slot = i;
        if (slot < 5) {
            if (members[slot] != nullptr)
                sink_.add(Severity::Warning, "duplicate-key",
                          "member \"" + std::string(key) + "\" appears twice in this event",
                          "receivers keep only one of them (which one depends on the parser); remove the other",
                          json_pointer_append(pointer, key), member.key_begin - 1);
            members[slot] = &member;
            continue;
        }
        std::string hint;
        if (key == "timezone" || key == "user_id" || key == "external_user_id" || key == "device_id")
            hint = "\"" + std::string(key) + "\" belongs inside \"user\": move it to user." + std::string(key);
        else {
            const std::string_view near = closest_name(key, kEnvelopeMembers, [](std::string_view s) { return s; });
            hint = near.empty() ? "an event has exactly five members (event_type, id, time, user, properties); "
                                  "receivers must tolerate new ones, so this is only a warning"
                                : "did you mean \"" + std::string(near) + "\"?";
        }
        sink_.add(Severity::Warning, "unknown-field",
                  "unknown member \"" + std::string(key) + "\" at the top level of the event", hint,
                  json_pointer_append(pointer, key), member.key_begin - 1);
    }

    const EventSpec* spec = nullptr;
    check_event_type(t, members[0], pointer, event.begin, spec);
    check_id(t, members[1], pointer, event.begin);
    check_time(t, members[2], pointer, event.begin);

    const std::string_view event_name = spec != nullptr ? spec->name : std::string_view();
    auto missing = [&](std::string_view member, const std::string& what) {
        sink_.add(Severity::Error, "missing-member", "event has no \"" + std::string(member) + "\"",
                  "every Currents event has " + what, std::string(pointer), event.begin);
    };
    auto wrong_type = [&](const Node& n, std::string_view member, const char* expected) {
        sink_.add(Severity::Error, "member-type",
                  "\"" + std::string(member) + "\" must be " + expected + ", got " + kind_phrase(n.kind),
                  std::string("Braze always sends \"") + std::string(member) + "\" as " + expected,
                  json_pointer_append(pointer, member), n.begin);
    };

    if (members[3] == nullptr) missing("user", "a \"user\" object with at least user_id");
    else if (members[3]->kind != Kind::Object) wrong_type(*members[3], "user", "an object");
    else {
        check_fields(t, *members[3], spec != nullptr ? spec->user : std::span<const FieldSpec>(), common_user_fields(),
                     pointer, "user", event_name);
        find_external_user_id(t, *members[3], pointer);
    }

    if (members[4] == nullptr) missing("properties", "a \"properties\" object (it may be empty: {})");
    else if (members[4]->kind != Kind::Object) wrong_type(*members[4], "properties", "an object");
    else if (spec != nullptr) check_fields(t, *members[4], spec->properties, {}, pointer, "properties", event_name);
}

void EventChecker::check_event_type(const Tape& t, const Node* node, std::string_view pointer,
                                    std::uint32_t event_begin, const EventSpec*& spec) {
    if (node == nullptr) {
        sink_.add(Severity::Error, "missing-member", "event has no \"event_type\"",
                  "every Currents event names its type, e.g. \"event_type\": \"users.messages.email.Open\"",
                  std::string(pointer), event_begin);
        return;
    }
    auto pointer_here = [&] { return json_pointer_append(pointer, "event_type"); };
    if (node->kind != Kind::String) {
        sink_.add(Severity::Error, "member-type", "\"event_type\" must be a string, got " + kind_phrase(node->kind),
                  "write the type as a string, e.g. \"users.messages.email.Open\"", pointer_here(), node->begin);
        return;
    }
    const std::string_view name = decoded(t, *node);
    spec = find_event(name);
    count_event_type(name, spec);
    if (spec == nullptr) {
        std::string suggestion;
        // Treasure Data's own example spells the channel prefix in the singular.
        if (name.substr(0, 14) == "users.message." &&
            find_event("users.messages." + std::string(name.substr(14))) != nullptr)
            suggestion = "users.messages." + std::string(name.substr(14));
        else suggestion = closest_name(name, event_catalogue(), [](const EventSpec& e) { return e.name; });
        sink_.add(
            Severity::Warning, "unknown-event-type", "unknown event type " + quoted(name),
            suggestion.empty()
                ? "not in tdbraze's catalogue of " + std::to_string(event_catalogue().size()) +
                      " types; Braze adds types over time and receivers must accept them, so only the "
                      "envelope and user were checked"
                : "did you mean \"" + suggestion + "\"? (of an unknown type only the envelope and user are checked)",
            pointer_here(), node->begin);
        return;
    }
    if (spec->retired)
        sink_.add(Severity::Info, "retired-event-type", "event type " + quoted(name) + " is retired",
                  "Braze no longer emits it; it is valid in old data", pointer_here(), node->begin);
    if (!spec->http)
        sink_.add(Severity::Warning, "not-sent-over-http",
                  "event type " + quoted(name) + " is only delivered to cloud-storage connectors, never over HTTP",
                  "this payload did not come from a Currents HTTP connector; check where it was taken from",
                  pointer_here(), node->begin);
}

void EventChecker::check_id(const Tape& t, const Node* node, std::string_view pointer, std::uint32_t event_begin) {
    if (node == nullptr) {
        sink_.add(Severity::Error, "missing-member", "event has no \"id\"",
                  "every Currents event has a unique string id; receivers de-duplicate on it", std::string(pointer),
                  event_begin);
        return;
    }
    if (node->kind != Kind::String) {
        sink_.add(Severity::Error, "member-type", "\"id\" must be a string, got " + kind_phrase(node->kind),
                  node->kind == Kind::Integer ? "quote it: \"id\": \"" + std::string(t.raw_value(*node)) + "\""
                                              : "Braze sends the id as a string (a UUID)",
                  json_pointer_append(pointer, "id"), node->begin);
        return;
    }
    const std::string_view id = decoded(t, *node);
    const std::uint64_t h = hash_bytes(id);
    if (const FirstSighting* seen = ids_.find(h); seen != nullptr) {
        const FirstSighting& first = *seen;
        const std::string where = first.pointer.empty()
                                      ? "the event" + std::string(kOnLine) + std::to_string(first.line)
                                      : first.pointer + std::string(kInLine) + std::to_string(first.line) + ")";
        sink_.add(Severity::Warning, "duplicate-id", "id " + quoted(id) + " was already used by " + where,
                  "Braze delivers at least once, so receivers de-duplicate on id; if these are different events, "
                  "their ids were not unique",
                  json_pointer_append(pointer, "id"), node->begin);
        return;
    }
    if (ids_.size() >= kMaxTrackedIds) {
        if (!id_limit_reported_)
            sink_.add(Severity::Info, "duplicate-check-limit",
                      "more than " + std::to_string(kMaxTrackedIds) +
                          " ids in one payload: later events are not checked for duplicate ids",
                      "split the input into request-sized batches (100 events) to check all of them",
                      json_pointer_append(pointer, "id"), node->begin);
        id_limit_reported_ = true;
        return;
    }
    ids_.insert(h, FirstSighting{value_line_, std::string(pointer)});
}

std::size_t EventChecker::PayloadIds::slot_of(std::uint64_t hash) const {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = static_cast<std::size_t>(hash) & mask;
    while (slots_[i].entry != 0 && slots_[i].hash != hash) i = (i + 1) & mask;
    return i;
}

const EventChecker::FirstSighting* EventChecker::PayloadIds::find(std::uint64_t hash) const {
    if (slots_.empty()) return nullptr;
    const Slot& slot = slots_[slot_of(hash)];
    return slot.entry == 0 ? nullptr : &entries_[slot.entry - 1].sighting;
}

void EventChecker::PayloadIds::place(std::size_t entry) {
    Entry& e = entries_[entry];
    e.slot = slot_of(e.hash);
    slots_[e.slot] = Slot{e.hash, static_cast<std::uint32_t>(entry + 1)};
}

void EventChecker::PayloadIds::insert(std::uint64_t hash, FirstSighting sighting) {
    entries_.push_back(Entry{hash, 0, std::move(sighting)});
    if (entries_.size() * 2 > slots_.size()) {  // at most half full: probes stay short
        slots_.assign(std::max<std::size_t>(256, slots_.size() * 2), Slot{});
        for (std::size_t i = 0; i < entries_.size(); ++i) place(i);
    } else {
        place(entries_.size() - 1);
    }
}

void EventChecker::PayloadIds::clear() {
    // Only the slots in use are emptied: a table grown by one big payload costs later small ones nothing.
    for (const Entry& e : entries_) slots_[e.slot] = Slot{};
    entries_.clear();
}

void EventChecker::check_time(const Tape& t, const Node* node, std::string_view pointer, std::uint32_t event_begin) {
    if (node == nullptr) {
        sink_.add(Severity::Error, "missing-member", "event has no \"time\"",
                  "every Currents event has \"time\": an integer of epoch seconds (UTC)", std::string(pointer),
                  event_begin);
        return;
    }
    auto here = [&] { return json_pointer_append(pointer, "time"); };
    if (node->kind != Kind::Integer) {
        std::string hint = "write epoch seconds as a JSON integer, e.g. \"time\": 1700000000";
        if (node->kind == Kind::String && all_digits(t.raw_string(*node)))
            hint = "remove the quotes: \"time\": " + std::string(t.raw_string(*node));
        else if (node->kind == Kind::String)
            hint = "convert the date to epoch seconds (an integer), e.g. \"time\": 1700000000";
        sink_.add(Severity::Error, "member-type",
                  "\"time\" must be an integer of epoch seconds, got " + kind_phrase(node->kind) +
                      (node->kind == Kind::String || node->kind == Kind::Number ? " " + shown(t, *node) : ""),
                  hint, here(), node->begin);
        return;
    }
    std::int64_t seconds = 0;
    const std::string_view raw = t.raw_value(*node);
    const auto parsed = std::from_chars(raw.data(), raw.data() + raw.size(), seconds);
    if (parsed.ec != std::errc()) {
        // Treasure Data's `time` column, like most receivers' timestamp columns, is a signed 64-bit integer:
        // such a row is refused or silently clamped, whatever the unit was meant to be.
        sink_.add(Severity::Error, "time-out-of-range",
                  "\"time\" " + std::string(raw.substr(0, 40)) + (raw.size() > 40 ? "..." : "") +
                      " does not fit a 64-bit integer (" + std::to_string(raw.size()) + " digits)",
                  "write epoch seconds, e.g. \"time\": 1700000000; look for a step that concatenated numbers", here(),
                  node->begin);
        return;
    }
    // Treasure Data's window is checked whatever else is wrong with the time: it counts the events lost.
    const bool outside_td_window = options_.receiver == Receiver::TdPostback && options_.now_epoch_seconds != 0 &&
                                   (seconds < options_.now_epoch_seconds - kTdPastWindowSeconds ||
                                    seconds > options_.now_epoch_seconds + kTdFutureWindowSeconds);
    if (outside_td_window) check_td_time_window(seconds, raw, here(), node->begin);
    if (seconds >= kMillisecondsThreshold) {
        std::string message = "\"time\" " + std::string(raw) + " looks like epoch milliseconds, not seconds";
        if (seconds / 1000 < kMillisecondsThreshold)
            message += " (as milliseconds it is " + iso_date(seconds / 1000) + ")";
        sink_.add(Severity::Warning, "time-in-milliseconds", message,
                  "Currents sends epoch seconds; divide by 1000 (properties.time_ms is the only millisecond field)",
                  here(), node->begin);
        return;
    }
    if (seconds < kEpoch2010) {
        sink_.add(Severity::Warning, "time-before-2010",
                  "\"time\" " + std::string(raw) + " is " + iso_date(seconds) + ", before Braze Currents existed",
                  "check the unit and the source of the timestamp (epoch seconds, UTC)", here(), node->begin);
        return;
    }
    if (!outside_td_window && options_.now_epoch_seconds != 0 && seconds > options_.now_epoch_seconds + 86400) {
        sink_.add(Severity::Warning, "time-in-future",
                  "\"time\" " + std::string(raw) + " is " + iso_date(seconds) + ", in the future",
                  "Braze's sample data uses future times; real events are never later than now", here(), node->begin);
    }
}

// Treasure Data drops such records without a word to the sender, so a replay of old captures loses them.
void EventChecker::check_td_time_window(std::int64_t seconds, std::string_view raw, const std::string& pointer,
                                        std::uint32_t at) {
    const std::int64_t now = options_.now_epoch_seconds;
    const bool past = seconds < now;
    // Unsigned: the distance between two 64-bit times may not fit a signed one.
    const std::uint64_t distance = past ? static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(seconds)
                                        : static_cast<std::uint64_t>(seconds) - static_cast<std::uint64_t>(now);
    // Tenths near the limits, so that "3.5 days after now" does not read as "3 days" against a 3-day window.
    const std::uint64_t days = distance / 86400;
    const std::string amount =
        days < 10 ? std::to_string(days) + "." + std::to_string(distance % 86400 * 10 / 86400) : std::to_string(days);
    const std::string date = seconds < kMillisecondsThreshold ? " is " + iso_date(seconds) + "," : " is";
    sink_.add(Severity::Warning, "td-time-window",
              "\"time\" " + std::string(raw) + date + " " + amount + " days " + (past ? "before" : "after") +
                  " now: Treasure Data ignores records more than " + (past ? "7 days older" : "3 days newer") +
                  " than their arrival",
              past ? "send only the last 7 days to the Postback API; load older captures with a bulk import "
                     "(or check --now)"
                   : "check the clock and unit of this time; Braze's sample data uses future times",
              pointer, at);
}

void EventChecker::find_external_user_id(const Tape& t, const Node& user, std::string_view pointer) {
    for (std::uint32_t c = user.first_child; c != 0; c = t.nodes[c].next) {
        const Node& value = t.nodes[c];
        std::string key_storage;
        if (key_of(t, value, key_storage) != "external_user_id") continue;
        has_external_user_id_ = value.kind == Kind::String && value.end - value.begin > 2;
        break;
    }
    if (options_.receiver != Receiver::TdPostback || has_external_user_id_) return;
    sink_.add(Severity::Warning, "td-no-external-user-id",
              "this event's user has no external_user_id: Braze does not send it to Treasure Data",
              "Braze's Treasure Data connector sends only events of users with an external id; tdbraze send "
              "currents skips it too. Set the user's external id in Braze to receive such events",
              json_pointer_append(pointer, "user"), user.begin);
}

void EventChecker::check_fields(const Tape& t, const Node& object, std::span<const FieldSpec> fields,
                                std::span<const FieldSpec> extra, std::string_view event_pointer,
                                std::string_view section, std::string_view event_name) {
    // Pointers are built only for findings: most fields have none, and building them costs an allocation.
    auto pointer_of = [&](std::string_view key) {
        return json_pointer_append(json_pointer_append(event_pointer, section), key);
    };
    seen_.assign(fields.size(), 0);
    std::size_t next_field = 0;
    for (std::uint32_t c = object.first_child; c != 0; c = t.nodes[c].next) {
        const Node& value = t.nodes[c];
        std::string key_storage;
        const std::string_view key = key_of(t, value, key_storage);
        const FieldSpec* spec = find_field_from(fields, key, next_field);
        if (spec != nullptr) {
            next_field = static_cast<std::size_t>(spec - fields.data()) + 1;
            std::uint8_t& seen = seen_[static_cast<std::size_t>(spec - fields.data())];
            if (seen != 0)
                sink_.add(Severity::Warning, "duplicate-key",
                          "field \"" + std::string(section) + "." + std::string(key) + "\" appears twice",
                          "receivers keep only one of them (which one depends on the parser); remove the other",
                          pointer_of(key), value.key_begin - 1);
            seen = value.kind == Kind::Null ? 1 : 2;
        } else if (!extra.empty()) {
            spec = find_field(extra, key);
        }
        if (spec == nullptr) {
            const std::string path = std::string(section) + "." + std::string(key);
            std::string_view near = closest_name(key, fields, [](const FieldSpec& f) { return f.name; });
            if (near.empty() && !extra.empty())
                near = closest_name(key, extra, [](const FieldSpec& f) { return f.name; });
            sink_.add(Severity::Warning, "unknown-field",
                      "unknown field \"" + path + "\"" + (event_name.empty() ? "" : " for " + std::string(event_name)),
                      near.empty() ? "Braze adds optional fields several times a year and receivers must tolerate "
                                     "them; check the name if you wrote this event yourself"
                                   : "did you mean \"" + std::string(near) + "\"?",
                      pointer_of(key), value.key_begin - 1);
            continue;
        }
        if (value.kind == Kind::Null) continue;  // null is "absent": the presence check below decides
        if (!kind_matches(spec->type, value.kind)) {
            const std::string path = std::string(section) + "." + std::string(key);
            std::string hint;
            if (key == "machine_open" && value.kind == Kind::Boolean)
                hint = "Braze sends machine_open as the string \"true\", not a boolean";
            else if (spec->type == JsonType::String &&
                     (value.kind == Kind::Integer || value.kind == Kind::Number || value.kind == Kind::Boolean))
                hint = "Braze sends " + std::string(key) + " as a string: quote the value";
            else if ((spec->type == JsonType::Number || spec->type == JsonType::Integer) && value.kind == Kind::String)
                hint = "write the number without quotes";
            else if (spec->type == JsonType::Integer && value.kind == Kind::Number)
                hint = "write a whole number without a fraction or exponent";
            else if (spec->type == JsonType::String && value.kind == Kind::Object)
                hint = holds_json_text(key)
                           ? "Braze sends " + std::string(key) + " as JSON text inside a string, not as an object"
                           : "Braze sends " + std::string(key) +
                                 " as a string; of the properties only custom_properties and "
                                 "purchase_properties are objects";
            else hint = "the catalogue declares " + path + " as " + std::string(to_string(spec->type));
            sink_.add(Severity::Error, "field-type",
                      "\"" + path + "\" must be " + type_phrase(spec->type) + ", got " + kind_phrase(value.kind) +
                          // A container is named by its kind alone ("got an array", never "an array an array").
                          (value.kind == Kind::Object || value.kind == Kind::Array ? "" : " " + shown(t, value)),
                      hint, pointer_of(key), value.begin);
            continue;
        }
        if (spec->type == JsonType::StringArray) {
            const std::string path = std::string(section) + "." + std::string(key);
            std::uint32_t i = 0;
            for (std::uint32_t e = value.first_child; e != 0; e = t.nodes[e].next, ++i) {
                if (t.nodes[e].kind == Kind::String) continue;
                sink_.add(Severity::Error, "field-type",
                          "\"" + path + "\" must be an array of strings; element " + std::to_string(i) + " is " +
                              kind_phrase(t.nodes[e].kind),
                          "quote every element", json_pointer_append(pointer_of(key), std::to_string(i)),
                          t.nodes[e].begin);
                break;
            }
        }
        if (value.kind == Kind::String) check_string_format(t, value, section, key, event_pointer);
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (seen_[i] == 2 || fields[i].presence == Presence::Optional) continue;
        const std::string path = std::string(section) + "." + std::string(fields[i].name);
        const std::string what = seen_[i] == 1 ? "is null" : "is missing";
        const std::string for_event = event_name.empty() ? std::string() : " for " + std::string(event_name);
        if (fields[i].presence == Presence::Required) {
            sink_.add(Severity::Error, "missing-required-field", "required field \"" + path + "\" " + what + for_event,
                      section == "user" && fields[i].name == "user_id"
                          ? "user.user_id is the Braze user id (24 hex characters); Braze always sends it for this "
                            "event type, so the event was changed on its way here"
                          : "Braze always sends " + path + for_event + "; the event was changed on its way here",
                      json_pointer_append(event_pointer, section), object.begin);
        } else {
            sink_.add(Severity::Warning, "missing-expected-field", "field \"" + path + "\" " + what + for_event,
                      "Braze normally sends it; receivers should not rely on it being there",
                      json_pointer_append(event_pointer, section), object.begin);
        }
    }
}

void EventChecker::check_string_format(const Tape& t, const Node& value, std::string_view section,
                                       std::string_view field, std::string_view event_pointer) {
    // Most fields have no format: that is settled by the name alone, before the value is looked at.
    const bool user = section == "user";
    const ValueFormat format = user ? ValueFormat::None : property_format(field);
    if (user ? field != "user_id" && field != "timezone" : format == ValueFormat::None) return;
    const std::string_view v = decoded(t, value);
    if (is_transformed_value(v)) return;
    auto warn = [&](std::string_view code, const std::string& expectation, std::string hint) {
        const std::string path = std::string(section) + "." + std::string(field);
        sink_.add(Severity::Warning, code, "\"" + path + "\" " + quoted(v) + " is not " + expectation, std::move(hint),
                  json_pointer_append(json_pointer_append(event_pointer, section), field), value.begin);
    };
    if (user) {
        if (field == "user_id" && !is_braze_user_id(v))
            warn("user-id-format", "a Braze user id (24 hexadecimal characters)",
                 "user_id is Braze's own id; your id belongs in external_user_id");
        else if (field == "timezone" && !is_iana_timezone(v))
            warn("timezone-format", "an IANA time zone name", "use a name such as \"America/New_York\" or \"UTC\"");
        return;
    }
    switch (format) {
        case ValueFormat::Uuid:
            if (!is_uuid(v)) warn("uuid-format", "a UUID", "Braze generates this id as a UUID; check its source");
            break;
        case ValueFormat::Phone:
            if (!is_e164_phone(v))
                warn("phone-format", "an E.164 phone number",
                     "E.164 is + then country code and number, e.g. +14155550100");
            break;
        case ValueFormat::Platform:
            if (!is_known_platform(v))
                warn("platform-value", "a known platform",
                     "platforms are lower case: ios, android, kindle, web, tvos, roku (also accepted: windows, "
                     "watchos, macos)");
            break;
        case ValueFormat::None: break;
    }
}

}  // namespace tdbraze::currents
