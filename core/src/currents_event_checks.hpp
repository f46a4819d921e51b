// The checks of one Currents event against the catalogue: the severity policy of docs/currents.md.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <map>
#include <vector>

#include "json_tape.hpp"
#include "tdbraze/catalogue.hpp"
#include "tdbraze/currents.hpp"

namespace tdbraze::currents {

// Where findings go. `offset` is a byte offset into the tape's text; the sink turns it into line:column.
class DiagnosticSink {
public:
    virtual void add(Severity severity, std::string_view code, std::string message, std::string hint,
                     std::string pointer, std::size_t offset) = 0;

protected:
    ~DiagnosticSink() = default;
};

// What a JSON object that is meant to be an event looks like.
enum class EventShape {
    Event,  // has at least one of the five envelope members
    CloudStorageRecord,  // the flat Avro-JSON record of Currents' cloud-storage connectors
    NotAnEvent,  // an object with none of an event's members
};
EventShape classify_object(const json::Tape& tape, std::uint32_t index);

// RFC 6901: "~" -> "~0", "/" -> "~1".
std::string json_pointer_append(std::string_view pointer, std::string_view token);

class EventChecker {
public:
    EventChecker(const Options& options, DiagnosticSink& sink, Summary& summary);

    // Checks the value tape.nodes[index] as one event found at `pointer`.
    void check(const json::Tape& tape, std::uint32_t index, std::string_view pointer);

    // Duplicate ids are looked for within one payload (one request body): call this when one begins.
    void start_payload() {
        ids_.clear();
        id_limit_reported_ = false;
    }

    // The line the current top-level value (a batch, or a bare event) starts on, to say where an id was first seen.
    void set_value_line(std::uint64_t line) { value_line_ = line; }

    // Whether the event checked last names its user's external id: Braze sends Treasure Data only those.
    bool last_event_has_external_user_id() const { return has_external_user_id_; }

    // Writes the event type counts into the summary (kept per catalogue index until then: no lookup by name).
    void flush_counts();

private:
    void check_event_type(const json::Tape& t, const json::Node* node, std::string_view pointer,
                          std::uint32_t event_begin, const EventSpec*& spec);
    void check_id(const json::Tape& t, const json::Node* node, std::string_view pointer, std::uint32_t event_begin);
    void check_time(const json::Tape& t, const json::Node* node, std::string_view pointer, std::uint32_t event_begin);
    void check_td_time_window(std::int64_t seconds, std::string_view raw, const std::string& pointer, std::uint32_t at);
    void find_external_user_id(const json::Tape& t, const json::Node& user, std::string_view pointer);
    void check_fields(const json::Tape& t, const json::Node& object, std::span<const FieldSpec> fields,
                      std::span<const FieldSpec> extra, std::string_view event_pointer, std::string_view section,
                      std::string_view event_name);
    void check_string_format(const json::Tape& t, const json::Node& value, std::string_view section,
                             std::string_view field, std::string_view event_pointer);
    void check_lone_surrogates(const json::Tape& t, std::uint32_t index, std::string_view pointer);
    void count_event_type(std::string_view name, const EventSpec* spec);
    std::string_view decoded(const json::Tape& t, const json::Node& n);

    const Options& options_;
    DiagnosticSink& sink_;
    Summary& summary_;
    std::vector<std::uint8_t> seen_;  // per catalogue field of the object being checked: 1 seen, 2 non-null
    std::string scratch_;
    struct FirstSighting {
        std::uint64_t line;  // line of the top-level value (the batch, or the bare event)
        std::string pointer;  // the event within it
    };
    // hash_bytes of an id -> where it was first seen, for one payload. Why not std::unordered_map: a node
    // allocated and freed per event (a payload is mostly 100 events, cleared after each), and a pointer chase
    // per lookup in a big envelope. Here: open addressing over a power-of-two array, and a clear that costs
    // what was used, not what a big payload before it grew the table to.
    class PayloadIds {
    public:
        const FirstSighting* find(std::uint64_t hash) const;
        void insert(std::uint64_t hash, FirstSighting sighting);  // the hash must not be there yet
        std::size_t size() const { return entries_.size(); }
        void clear();

    private:
        struct Slot {
            std::uint64_t hash = 0;
            std::uint32_t entry = 0;  // index in entries_ + 1; 0: empty
        };
        struct Entry {
            std::uint64_t hash;
            std::size_t slot;  // where it is, so that clear() goes straight to it
            FirstSighting sighting;
        };
        std::size_t slot_of(std::uint64_t hash) const;  // its slot, or the empty one where it would go
        void place(std::size_t entry);
        std::vector<Slot> slots_;
        std::vector<Entry> entries_;
    };
    PayloadIds ids_;
    std::uint64_t value_line_ = 1;
    bool id_limit_reported_ = false;
    bool has_external_user_id_ = false;
    std::vector<std::uint64_t> known_counts_;  // by index in event_catalogue()
    std::map<std::string, std::uint64_t> unknown_counts_;  // at most kMaxUnknownEventTypes names
};

// Most distinct ids remembered per payload for the duplicate check (bounded memory on huge inputs).
inline constexpr std::size_t kMaxTrackedIds = 200000;
// Most distinct unknown event types counted by name in the summary; the rest are summed under one key.
inline constexpr std::uint64_t kMaxUnknownEventTypes = 1000;
inline constexpr std::string_view kOtherEventTypes = "(other unknown types)";
// The words before a line number in the messages that name another line: duplicate-id's "... by the event on
// line N" or "... by POINTER (line N)", and a cut-off value's hint "the value that starts on line N is not
// complete". Where a part's lines are moved (PartsJoiner::add_last), the numbers are found after them.
inline constexpr std::string_view kOnLine = " on line ";
inline constexpr std::string_view kInLine = " (line ";
inline constexpr std::string_view kValueStartsOnLine = "the value that starts on line ";

}  // namespace tdbraze::currents
