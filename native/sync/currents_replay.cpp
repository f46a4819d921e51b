#include "currents_replay.hpp"

#include <chrono>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "clock.hpp"
#include "credentials.hpp"

namespace tdbraze::sync {
namespace {

using nlohmann::json;

void collect(const json& value, std::vector<std::string>& out) {
    if (value.is_object() && value.contains("events") && value["events"].is_array()) {
        for (const json& e : value["events"]) out.push_back(e.dump(-1, ' ', false, json::error_handler_t::replace));
    } else if (value.is_array()) {
        for (const json& e : value) out.push_back(e.dump(-1, ' ', false, json::error_handler_t::replace));
    } else if (value.is_object()) {
        out.push_back(value.dump(-1, ' ', false, json::error_handler_t::replace));
    }
}

std::string join_events(const std::vector<std::string>& events, std::size_t begin, std::size_t end) {
    std::string body = "{\"events\":[";
    for (std::size_t i = begin; i < end; ++i) {
        if (i > begin) body += ',';
        body += events[i];
    }
    return body + "]}";
}

}  // namespace

std::variant<std::vector<std::string>, std::string> read_currents_events(const std::string& path) {
    std::stringstream text;
    if (path == "-") {
        text << std::cin.rdbuf();
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) return "cannot open '" + path + "': " + std::strerror(errno);
        text << in.rdbuf();
    }
    const std::string all = text.str();
    std::vector<std::string> events;
    json whole = json::parse(all, nullptr, false);
    if (!whole.is_discarded()) {
        collect(whole, events);
        return events;
    }
    // JSON Lines: each line is an envelope or an event.
    std::istringstream lines(all);
    std::string line;
    std::size_t number = 0;
    while (std::getline(lines, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        json value = json::parse(line, nullptr, false);
        if (value.is_discarded())
            return "line " + std::to_string(number) + " of '" + path +
                   "' is not JSON; run tdbraze validate currents on it to see where";
        collect(value, events);
    }
    return events;
}

ReplaySummary replay_currents(const std::vector<std::string>& events, const ReplayOptions& o,
                              const std::function<void(const std::string&)>& log, std::stop_token stop) {
    ReplaySummary summary;
    summary.events = events.size();
    secrets::Redactor redactor;
    redactor.add(o.bearer_token);
    if (auto bad = transport::check_url(o.url)) {
        summary.outcome = Outcome::Refused;
        summary.error = Error{ErrorCode::Usage, *bad};
        summary.message = *bad;
        return summary;
    }
    std::vector<std::string> headers{"Braze-Currents-Version: 1"};
    if (!o.bearer_token.empty()) headers.push_back("Authorization: Bearer " + o.bearer_token);
    transport::HttpClient client(o.http);
    std::mt19937_64 random(std::random_device{}());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    bool stopped = false;
    bool answered = false;  // the receiver answered a request of this replay
    const auto give_up = [&](Error error) {
        stopped = true;
        summary.outcome = Outcome::Failed;
        summary.message = error.message = redactor.redact(error.message);
        summary.error = std::move(error);
    };

    // Sends events [begin, end) as one request, retrying as Braze does; recurses for 400 and 413.
    std::function<void(std::size_t, std::size_t, bool)> send = [&](std::size_t begin, std::size_t end, bool single) {
        const std::string body = join_events(events, begin, end);
        for (int attempt = 0;; ++attempt) {
            if (stop.stop_requested() || stopped) return;
            const transport::HttpResponse r = client.post(o.url, body, headers);
            ++summary.requests;
            if (auto error = unreachable(r, answered, o.url)) return give_up(std::move(*error));
            answered = answered || r.failure == transport::TransportFailure::None;
            const Verdict v = classify(r.status, !r.network_error.empty());
            if (v == Verdict::Done) {
                summary.accepted += end - begin;
                return;
            }
            if (r.status == 400) {
                if (single || end - begin == 1) {
                    ++summary.dropped;  // Braze drops an event that fails on its own
                    log("event " + std::to_string(begin) + " refused (400) and dropped: " + redactor.redact(r.body));
                    return;
                }
                log("batch of " + std::to_string(end - begin) + " events refused (400): re-sending one by one");
                for (std::size_t i = begin; i < end; ++i) send(i, i + 1, true);
                return;
            }
            if (v == Verdict::Split && end - begin > 1) {
                const std::size_t mid = begin + (end - begin) / 2;
                log("batch of " + std::to_string(end - begin) + " events too large (413): splitting");
                send(begin, mid, single);
                send(mid, end, single);
                return;
            }
            if (v == Verdict::Stop || v == Verdict::Split) {
                return give_up(Error{ErrorCode::ReceiverRefused,
                                     "the receiver answered " + std::to_string(r.status) +
                                         (r.status == 401 || r.status == 403 ? ": check the bearer token" : "") +
                                         "; Braze would not re-send this batch. " + r.body});
            }
            if (attempt + 1 >= o.backoff.max_attempts) {
                return give_up(
                    Error{ErrorCode::RetriesExhausted,
                          "gave up after " + std::to_string(attempt + 1) + " attempts (" +
                              (r.network_error.empty() ? "HTTP " + std::to_string(r.status) : r.network_error) + ")"});
            }
            auto delay = backoff_delay(o.backoff, attempt, unit(random));
            if (auto asked = server_delay(r.status, r.retry_after_seconds, r.rate_limit_reset, epoch_ms_now()))
                delay = std::max(delay, *asked);
            ++summary.retries;
            log((r.network_error.empty() ? "HTTP " + std::to_string(r.status) : "network error: " + r.network_error) +
                "; retrying in " + std::to_string(delay.count()) + " ms");
            sleep_unless_stopped(stop, delay);
        }
    };
    for (std::size_t begin = 0; begin < events.size() && !stopped && !stop.stop_requested(); begin += o.batch_size)
        send(begin, std::min(events.size(), begin + o.batch_size), false);
    if (stopped) return summary;
    const std::string counts = std::to_string(summary.accepted) + " of " + std::to_string(summary.events) +
                               " events accepted in " + std::to_string(summary.requests) + " requests";
    if (stop.stop_requested()) {
        summary.outcome = Outcome::Interrupted;
        summary.message = "interrupted: " + counts;
    } else if (summary.dropped > 0) {
        summary.error = Error{ErrorCode::ReceiverRefused,
                              counts + "; the receiver refused " + std::to_string(summary.dropped) +
                                  " events one by one (400), and they were dropped as Braze drops them"};
        summary.message = summary.error->message;
    } else {
        summary.outcome = Outcome::Completed;
        summary.message = counts;
    }
    return summary;
}

}  // namespace tdbraze::sync
