// Helpers shared by the tests: running the validator on text, finding diagnostics, reading fixtures.
#pragma once

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tdbraze/currents.hpp"

namespace tdbraze::test {

inline constexpr std::int64_t kNow = 1764000000;  // 2025-11-24: fixed, so results do not depend on the day

inline currents::Report validate(const std::string& text, currents::Options options = {}) {
    if (options.now_epoch_seconds == 0) options.now_epoch_seconds = kNow;
    return currents::validate(text, options, "test");
}

inline std::vector<Diagnostic> with_code(const currents::Report& r, const std::string& code) {
    std::vector<Diagnostic> out;
    std::copy_if(r.diagnostics.begin(), r.diagnostics.end(), std::back_inserter(out),
                 [&](const Diagnostic& d) { return d.code == code; });
    return out;
}

inline std::vector<std::string> codes(const currents::Report& r) {
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics) out.push_back(d.code);
    return out;
}

inline std::string read_fixture(const std::string& relative) {
    std::ifstream in(std::string(TDBRAZE_FIXTURES) + "/" + relative, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A well-formed event of the given type whose properties are filled in by the caller.
inline std::string event(const std::string& type, const std::string& properties = "{}",
                         const std::string& id = "4f3c2a10-7d8e-4b21-9c55-0a1b2c3d4e5f",
                         const std::string& time = "1732456800",
                         const std::string& user = R"({"user_id":"65a1f0c2e4b0a1b2c3d4e5f6"})") {
    return R"({"event_type":")" + type + R"(","id":")" + id + R"(","time":)" + time + R"(,"user":)" + user +
           R"(,"properties":)" + properties + "}";
}

inline std::string envelope(const std::vector<std::string>& events) {
    std::string out = R"({"events":[)";
    for (std::size_t i = 0; i < events.size(); ++i) out += (i ? "," : "") + events[i];
    return out + "]}";
}

}  // namespace tdbraze::test
