// Planner::finish_with: a read answered "not seen" throughout, plus the real answers by the count, must give
// the report a read with the answers one by one gives, byte for byte; and say so when counts are not enough.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "cohort_support.hpp"
#include "json_text.hpp"

using namespace tdbraze;
using test::AnswersCountedLater;

namespace {

struct Case {
    const char* name;
    std::string table;
    cohort::Settings settings;
    cohort::ReadOptions options;
};

// Fed in small pieces, as a file is.
void feed(cohort::Planner& p, const std::string& table) {
    for (std::size_t i = 0; i < table.size(); i += 37) p.feed(std::string_view(table).substr(i, 37));
}

std::string repeats_table() {
    std::string t = "user_ids,device_ids,email,ignored\n";
    for (int i = 0; i < 3000; ++i) {
        const std::string u = i % 10 == 0 ? "" : "u" + std::to_string(i % 1700);
        const std::string d = i % 4 == 0 ? "u" + std::to_string(i % 900) : "d" + std::to_string(i % 2100);
        const std::string e =
            i % 6 == 0 ? " Mail" + std::to_string(i % 50) + "@X.org" : "mail" + std::to_string(i % 80) + "@x.org";
        t += u + "," + d + ",\"" + e + "\"," + std::to_string(i) + "\n";
    }
    return t;
}

}  // namespace

TEST_CASE("cohort: finish_with gives the report of a read that had the answers") {
    cohort::ReadOptions counting;
    counting.plan_requests = false;
    cohort::ReadOptions trimmed = counting;
    trimmed.trim = true;
    cohort::Settings small_requests = test::settings({"email"});
    small_requests.max_ids_per_request = 7;
    cohort::Settings no_cohort = test::settings();
    no_cohort.cohort_id.clear();
    const Case cases[] = {
        {"repeats of every kind", repeats_table(), test::settings({"email"}), counting},
        {"trimmed, small requests", repeats_table(), small_requests, trimmed},
        {"bodies written", repeats_table(), test::settings({"email"}), {}},
        {"errors among repeats", "user_ids,device_ids\na,b\n\"a\x01\",b\na,a\nb,\"x\ny\"\nc\nb,a\n[1],a\n",
         test::settings(), counting},
        {"JSON rows, several on a line",
         "[{\"user_ids\":\"a\",\"device_ids\":\"a\"},{\"user_ids\":\"a\"},\n{\"device_ids\":\"a\"}, "
         "{\"user_ids\":7},{\"user_ids\":\"7\"},{\"email\":\"X\"},{\"email\":\"x \"}]",
         test::settings({"email"}), counting},
        {"JSON Lines with a broken line",
         "{\"user_ids\":\"a\"}\n{\"user_ids\":\n{\"user_ids\":\"a\"}\n{\"device_ids\":\"a\"}", test::settings(),
         counting},
        {"settings with an error", "user_ids\na\na\nb\n", no_cohort, counting},
        {"no repeats at all", "user_ids\na\nb\nc\n", test::settings(), counting},
        {"empty table", "", test::settings(), counting},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        cohort::Planner with_answers(c.settings, c.options, "t");
        feed(with_answers, c.table);
        const cohort::Report expected = with_answers.finish();

        AnswersCountedLater later;
        cohort::Planner first_read(c.settings, c.options, "t", nullptr, later);
        feed(first_read, c.table);
        first_read.finish_input();  // every question asked before they are counted
        const std::size_t asked = later.questions();
        const auto counts = later.counts();
        const std::optional<cohort::Report> got = first_read.finish_with(counts);
        CHECK(later.questions() == asked);
        REQUIRE(got.has_value());
        CHECK(to_json(*got) == to_json(expected));
    }
    // The cases above do exercise every answer.
    AnswersCountedLater later;
    cohort::Planner first_read(test::settings({"email"}), counting, "t", nullptr, later);
    feed(first_read, repeats_table());
    first_read.finish_input();
    const auto counts = later.counts();
    for (auto answer : {cohort::Answer::Duplicate, cohort::Answer::OtherType, cohort::Answer::AliasSpelling})
        CHECK(std::any_of(counts.begin(), counts.end(),
                          [&](const cohort::AnswerCount& a) { return a.answer == answer; }));
}

TEST_CASE("cohort: finish_with says when counts are not enough") {
    cohort::ReadOptions counting;
    counting.plan_requests = false;
    SECTION("identifiers large enough that a body could fill before a request does") {
        // 1000 identifiers of 5,000 bytes are over 4 MB: which ones are sent decides where requests split.
        const std::string big(5000, 'b');
        const std::string table = "user_ids\n" + big + "1\n" + big + "2\n" + big + "1\n";
        AnswersCountedLater later;
        cohort::Planner first_read(test::settings(), counting, "t", nullptr, later);
        feed(first_read, table);
        first_read.finish_input();
        CHECK_FALSE(first_read.finish_with(later.counts()).has_value());
        const cohort::Report own = first_read.finish();  // the read's own report is still there
        CHECK(own.summary.user_ids == 3);
        CHECK(own.summary.duplicates == 0);
    }
    SECTION("answers about a column the table does not have") {
        AnswersCountedLater later;
        cohort::Planner first_read(test::settings(), counting, "t", nullptr, later);
        feed(first_read, "user_ids\na\na\n");
        std::vector<cohort::AnswerCount> counts = {
            {cohort::Answer::Duplicate, cohort::IdentifierType::DeviceId, "", 1, 2, 3, "a"}};
        CHECK_FALSE(first_read.finish_with(counts).has_value());
        CHECK(first_read.finish().summary.user_ids == 2);
    }
    SECTION("an identifier sink, which was handed every identifier") {
        AnswersCountedLater later;
        int handed = 0;
        cohort::Planner first_read(
            test::settings(), counting, "t",
            [&](cohort::IdentifierType, std::string_view, std::string_view) { ++handed; }, later);
        feed(first_read, "user_ids\na\na\n");
        CHECK_FALSE(first_read.finish_with(later.counts()).has_value());
        CHECK(handed == 2);
    }
}

TEST_CASE("cohort: RequestBatcher::requests_for") {
    cohort::Settings s = test::settings();
    s.max_ids_per_request = 3;
    cohort::RequestBatcher batcher(s, cohort::Operation::Add, cohort::BatchOutput::Count);
    CHECK(batcher.requests_for(0) == 0u);
    for (int i = 0; i < 5; ++i) REQUIRE(batcher.add(cohort::IdentifierType::UserId, "", "u" + std::to_string(i)));
    CHECK(batcher.requests_for(5) == 2u);
    CHECK(batcher.requests_for(6) == 2u);
    CHECK(batcher.requests_for(7) == 3u);
    // One identifier that could not be planned at all: the count no longer follows from the number.
    cohort::RequestBatcher refused(s, cohort::Operation::Add, cohort::BatchOutput::Count);
    CHECK_FALSE(refused.add(cohort::IdentifierType::UserId, "", std::string(cohort::kMaxBodyBytes, 'x')));
    CHECK_FALSE(refused.requests_for(1).has_value());
    // Three identifiers of 1.5 MB do not fit in one body: sizes decide.
    cohort::RequestBatcher large(s, cohort::Operation::Add, cohort::BatchOutput::Count);
    REQUIRE(large.add(cohort::IdentifierType::UserId, "", std::string(1'500'000, 'x')));
    CHECK_FALSE(large.requests_for(1).has_value());
}

namespace {

// The plain reading of JSON's string escaping (RFC 8259, section 7), a byte at a time: the reference the
// word-at-a-time writer is held to.
std::string escaped_byte_by_byte(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"') out += "\\\"";
        else if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (c == '\b') out += "\\b";
        else if (c == '\f') out += "\\f";
        else if (c < 0x20) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\u%04x", c);
            out += hex;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

}  // namespace

TEST_CASE("cohort: append_json_string escapes like the plain reading, and json_string_size is its size") {
    // Every byte value at every offset of strings of every length up to three words (the tail is tested as a
    // word of its own), and random strings heavy in the bytes that need escaping.
    for (std::size_t size = 1; size <= 24; ++size)
        for (int b = 0; b < 256; ++b)
            for (std::size_t at = 0; at < size; ++at) {
                std::string t(size, 'a');
                t[at] = static_cast<char>(b);
                std::string out;
                append_json_string(out, t);
                INFO("byte " << b << " at " << at << " of " << size);
                REQUIRE(out == escaped_byte_by_byte(t));
                REQUIRE(json_string_size(t) == out.size());
            }
    std::uint64_t x = 88172645463325252ull;
    const char alphabet[] = {'a', '"', '\\', '\n', '\x01', '\x1f', ' ', '\x7f', '\x80', '\xff', 'Z', '\t'};
    for (int round = 0; round < 2000; ++round) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        std::string t(static_cast<std::size_t>(x % 40), 'a');
        for (char& c : t) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            c = alphabet[x % sizeof(alphabet)];
        }
        std::string out;
        append_json_string(out, t);
        REQUIRE(out == escaped_byte_by_byte(t));
        REQUIRE(json_string_size(t) == out.size());
    }
}
