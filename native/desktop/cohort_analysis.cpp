#include "cohort_analysis.hpp"

#include <cerrno>
#include <cstdio>
#include <variant>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "input_file.hpp"

namespace tdbraze::desktop {
namespace {

// ordered_json keeps the members in the order Braze receives them.
using Json = nlohmann::ordered_json;

void shorten(Json& value, std::size_t max_items) {
    if (value.is_array()) {
        const std::size_t n = value.size();
        if (n > max_items) {
            Json kept = Json::array();
            for (std::size_t i = 0; i < max_items; ++i) kept.push_back(std::move(value[i]));
            kept.push_back("... " + with_separators(n - max_items) + " more");
            value = std::move(kept);
        }
        for (Json& item : value) shorten(item, max_items);
    } else if (value.is_object()) {
        for (auto& item : value.items()) shorten(item.value(), max_items);
    }
}

}  // namespace

std::string with_separators(std::uint64_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string display_body(const std::string& body, std::size_t max_items) {
    Json value = Json::parse(body, nullptr, false);
    if (value.is_discarded()) return body;
    shorten(value, max_items);
    return value.dump(2, ' ', false, Json::error_handler_t::replace);
}

CohortAnalysis analyse_table(const std::string& path, const cohort::Settings& settings, const cohort::ReadOptions& read,
                             std::stop_token cancel, std::size_t keep) {
    CohortAnalysis a;
    a.path = path;
    auto opened = files::open_input(path);  // the CLI's messages: the OS's reason, a directory named as such
    if (const auto* message = std::get_if<std::string>(&opened)) {
        a.error = *message;
        return a;
    }
    std::FILE* const file = std::get<files::InputFile>(opened).get();
    cohort::Planner planner(settings, read, path);
    std::uint64_t membership_calls = 0;
    auto collect = [&](std::vector<cohort::PlannedRequest>&& requests) {
        for (auto& r : requests) {
            ++a.requests;
            if (r.ids > 0) ++membership_calls;
            if (a.first_requests.size() >= keep) continue;
            RequestPreview p;
            p.title = r.ids == 0 ? "naming call"
                                 : "membership call " + std::to_string(membership_calls) + " (" +
                                       with_separators(r.ids) + (r.ids == 1 ? " identifier)" : " identifiers)");
            p.method_and_path = r.method + " " + r.path;
            p.body = display_body(r.body);
            p.ids = r.ids;
            a.first_requests.push_back(std::move(p));
        }
    };
    std::vector<char> buffer(1 << 20);
    for (;;) {
        if (cancel.stop_requested()) {
            a.cancelled = true;
            return a;
        }
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file);
        if (n == 0) break;
        planner.feed(std::string_view(buffer.data(), n));
        collect(planner.take_requests());
    }
    if (const int error = errno; std::ferror(file) != 0) {
        a.error = "cannot read '" + path + "': " + system_reason(error);
        return a;
    }
    a.report = planner.finish();
    collect(planner.take_requests());
    return a;
}

}  // namespace tdbraze::desktop
