// native/validate: `validate currents` of a file in parts on threads gives the one-thread report, byte for
// byte; JSON Lines of batches are validated in parallel, other shapes fall back to validating in sequence.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <variant>

#include <unistd.h>

#include "currents_in_parts.hpp"
#include "support.hpp"
#include "tdbraze/report_json.hpp"

using namespace tdbraze;

namespace {

std::string temp_path(const char* name) {
    return std::string(std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp") + "/tdbraze-parts-" +
           std::to_string(::getpid()) + "-" + name;
}

// About `bytes` of JSON Lines: `make(i)` is line i (without its newline).
template <typename Make>
std::string json_lines(std::size_t bytes, Make make) {
    std::string out;
    for (std::size_t i = 0; out.size() < bytes; ++i) out += make(i) + "\n";
    return out;
}

std::string custom(std::size_t i, const std::string& name = "n") {
    return test::event("users.behaviors.CustomEvent", R"({"name":")" + name + R"("})", "id-" + std::to_string(i));
}

validate::CurrentsResult run(const std::string& path, const currents::Options& options, unsigned threads) {
    auto result = validate::validate_currents(path, options, threads);
    REQUIRE(std::holds_alternative<validate::CurrentsResult>(result));
    return std::get<validate::CurrentsResult>(std::move(result));
}

}  // namespace

TEST_CASE("in parts on threads: the report of every thread count is the one-thread report") {
    const std::string batches = json_lines(3 * validate::kMinPartBytes + 12345, [](std::size_t i) {
        std::vector<std::string> events;
        for (std::size_t e = 0; e < 20; ++e) events.push_back(custom(i * 20 + e));
        if (i % 97 == 0) events.push_back(R"({"event_type":"no.such.Type","id":"x"})");
        if (i % 131 == 0) return "{\"events\":[" + custom(i) + ", oops]}";
        return test::envelope(events);
    });
    const std::string bare = json_lines(2 * validate::kMinPartBytes + 100, [](std::size_t i) {
        return custom(i % 10000);  // ids repeat: duplicates across the parts
    });
    std::string crlf;  // Windows line breaks and blank lines between the batches: still cut between them
    for (std::size_t i = 0; crlf.size() < 2 * validate::kMinPartBytes + 100; ++i)
        crlf += test::envelope({custom(2 * i), custom(2 * i + 1)}) + "\r\n\r\n";
    std::string pretty;  // one envelope over many lines: no line looks like one of JSON Lines, so no cut
    pretty = "{\"events\": [\n";
    for (std::size_t i = 0; pretty.size() < 2 * validate::kMinPartBytes + 100; ++i) pretty += custom(i) + ",\n";
    pretty += custom(0) + "\n]}\n";

    struct Case {
        const char* name;
        const std::string& text;
        std::uint64_t parts;  // 0: more than one
        bool parallel;  // whether the parts after the first are expected to be used
    };
    for (const Case& c : {Case{"batches", batches, 0, true}, Case{"bare events", bare, 0, false},
                          Case{"crlf", crlf, 0, true}, Case{"pretty-printed", pretty, 1, false}}) {
        const std::string path = temp_path(c.name);
        std::ofstream(path, std::ios::binary) << c.text;
        currents::Options options;
        options.now_epoch_seconds = test::kNow;
        options.max_diagnostics = 40;
        const std::string one = to_json(run(path, options, 1).report);
        for (const unsigned threads : {2u, 3u, 4u}) {
            INFO(c.name << " on " << threads << " threads");
            const validate::CurrentsResult result = run(path, options, threads);
            CHECK(to_json(result.report) == one);
            if (c.parts == 0) CHECK(result.parts > 1);
            else CHECK(result.parts == c.parts);
            if (c.parallel) CHECK(result.parts_taken == result.parts - 1);
            else CHECK(result.parts_taken == 0);
        }
        std::remove(path.c_str());
    }
}

TEST_CASE("in parts on threads: small inputs, standard input and unreadable files stay in one piece") {
    const std::string path = temp_path("small");
    std::ofstream(path, std::ios::binary) << custom(1) << "\n" << custom(2) << "\n";
    currents::Options options;
    options.now_epoch_seconds = test::kNow;
    CHECK(run(path, options, 8).parts == 1);
    std::remove(path.c_str());
    const auto missing = validate::validate_currents(temp_path("missing"), options, 2);
    REQUIRE(std::holds_alternative<std::string>(missing));
    CHECK(std::get<std::string>(missing).find("cannot open") != std::string::npos);
}
