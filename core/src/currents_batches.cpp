// Request bodies from a stream of events (see tdbraze/currents_batches.hpp).
#include "tdbraze/currents_batches.hpp"

#include <cstring>

namespace tdbraze::currents {
namespace {

constexpr std::string_view kOpen = "{\"events\":[";
constexpr std::string_view kClose = "]}";

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

// Written here rather than by re-serializing a parsed value: the events are already valid JSON (the
// validator parsed them), and copying the bytes between the whitespace keeps every number and escape
// exactly as Braze wrote it.
void append_compact_json(std::string& out, std::string_view json) {
    std::size_t i = 0;
    while (i < json.size()) {
        const char c = json[i];
        if (is_space(c)) {
            ++i;
            continue;
        }
        if (c != '"') {
            out += c;
            ++i;
            continue;
        }
        std::size_t end = i + 1;  // to the closing quote, over escapes
        while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
        end = std::min(end + 1, json.size());
        out.append(json.substr(i, end - i));
        i = end;
    }
}

std::string EventBatch::part(std::size_t begin, std::size_t end) const {
    const std::size_t from = begin == 0 ? kOpen.size() : event_ends[begin - 1] + 1;  // after the ','
    const std::size_t to = event_ends[end - 1];
    std::string out(kOpen);
    out.append(body, from, to - from);
    out += kClose;
    return out;
}

BatchBuilder::BatchBuilder(BatchLimits limits) : limits_(limits) {
    if (limits_.max_events == 0) limits_.max_events = 1;
}

std::size_t BatchBuilder::single_body_bytes(std::size_t compact_event_bytes) {
    return kOpen.size() + compact_event_bytes + kClose.size();
}

BatchBuilder::Added BatchBuilder::add(std::string_view event_json) {
    Added result;
    event_.clear();
    append_compact_json(event_, event_json);
    const std::uint64_t number = events_added_++;
    if (limits_.max_body_bytes != 0 && single_body_bytes(event_.size()) > limits_.max_body_bytes) {
        result.added = false;
        return result;
    }
    // The body if this event joined the batch: "{"events":[" + events joined by ',' + "]}".
    const std::size_t with_event = current_.body.empty() ? single_body_bytes(event_.size())
                                                         : current_.body.size() + 1 + event_.size() + kClose.size();
    if (!current_.body.empty() && limits_.max_body_bytes != 0 && with_event > limits_.max_body_bytes)
        result.completed = take();
    if (current_.body.empty()) {
        current_.first_event = number;
        current_.body = kOpen;
    } else {
        current_.body += ',';
    }
    current_.body += event_;
    current_.event_ends.push_back(static_cast<std::uint32_t>(current_.body.size()));
    if (current_.events() >= limits_.max_events) {
        // Only one batch completes per event: the one it filled cannot also be the one it did not fit in,
        // since a batch it did not fit in was taken above and this one holds just the new event.
        if (!result.completed) result.completed = take();
    }
    return result;
}

std::optional<EventBatch> BatchBuilder::take() {
    if (current_.body.empty()) return std::nullopt;
    current_.body += kClose;
    current_.seq = next_seq_++;
    EventBatch done = std::move(current_);
    current_ = EventBatch{};
    return done;
}

std::optional<EventBatch> BatchBuilder::finish() { return take(); }

}  // namespace tdbraze::currents
