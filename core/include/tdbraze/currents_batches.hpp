// Cutting a stream of Currents events into request bodies the way Braze sends them: {"events":[...]} with at
// most 100 events, and, for a receiver with a size limit (Treasure Data's Postback API), at most that many
// bytes, so that a body is split before it is sent rather than after a 413.
//
//   BatchBuilder b({.max_events = 100, .max_body_bytes = kTdPostbackMaxBodyBytes});
//   validator.on_event([&](const EventText& e) { if (auto batch = b.add(e.json).completed) send(*batch); });
//   ... if (auto last = b.finish()) send(*last);
//
// Events are written compact (whitespace outside strings dropped): a pretty-printed capture is not what Braze
// sends, and its indentation would count against the size limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tdbraze/currents.hpp"

namespace tdbraze::currents {

struct BatchLimits {
    std::size_t max_events = kMaxEventsPerBatch;
    std::size_t max_body_bytes = 0;  // 0: no limit
};

// One request body and the events in it.
struct EventBatch {
    std::uint64_t seq = 0;  // 0, 1, 2, ... in the order the batches were completed
    std::uint64_t first_event = 0;  // the number of its first event among those added
    std::string body;
    std::vector<std::uint32_t> event_ends;  // where each event ends in body (one past its last byte)

    std::size_t events() const { return event_ends.size(); }
    // The body of events [begin, end) of this batch alone (for re-sending part of it).
    std::string part(std::size_t begin, std::size_t end) const;
};

class BatchBuilder {
public:
    explicit BatchBuilder(BatchLimits limits);

    struct Added {
        bool added = true;  // false: the event alone is larger than max_body_bytes; it is in no batch
        std::optional<EventBatch> completed;  // the batch this event did not fit in, or that it filled
    };
    // `event_json` is one JSON value that has passed the validator's parse (EventText::json).
    Added add(std::string_view event_json);
    // The last batch, if any event is waiting.
    std::optional<EventBatch> finish();

    // The size of the body holding only this compact event.
    static std::size_t single_body_bytes(std::size_t compact_event_bytes);

private:
    std::optional<EventBatch> take();

    BatchLimits limits_;
    EventBatch current_;
    std::string event_;  // the event being added, compact
    std::uint64_t next_seq_ = 0;
    std::uint64_t events_added_ = 0;
};

// Appends `valid_json` without the whitespace outside its strings.
void append_compact_json(std::string& out, std::string_view valid_json);

}  // namespace tdbraze::currents
