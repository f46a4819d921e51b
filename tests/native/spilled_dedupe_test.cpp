// The on-disk duplicate check (native/sync/spilled_dedupe) must plan exactly what the in-memory one plans:
// the same report, the same requests, byte for byte.
#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "spilled_dedupe.hpp"
#include "tdbraze/cohort.hpp"
#include "cohort_support.hpp"
#include "tdbraze/report_json.hpp"

using namespace tdbraze;

namespace {

// The settings of the cohort tests, with an alias column.
cohort::Settings alias_settings() { return test::settings({"email"}); }

// Feeds `table` in small chunks, as the sync does with a file.
cohort::Plan run(cohort::Planner& p, const std::string& table) {
    cohort::Plan out;
    for (std::size_t i = 0; i < table.size(); i += 4093) {
        p.feed(std::string_view(table).substr(i, 4093));
        for (auto& r : p.take_requests()) out.requests.push_back(std::move(r));
    }
    out.report = p.finish();
    for (auto& r : p.take_requests()) out.requests.push_back(std::move(r));
    return out;
}

// The rows of `table` read in pieces of `piece` bytes, handed over as files::read_table_rows does: what
// SpilledDedupe::rehearse reads.
std::optional<std::string> read_rows(const cohort::Settings& settings, std::string_view table, std::size_t piece,
                                     const std::function<void(const cohort::RowBatch&)>& on_rows) {
    cohort::RowReader reader(cohort::TableFormat::Auto, settings);
    cohort::RowBatch rows;
    for (std::size_t i = 0; i < table.size(); i += piece) {
        reader.read(table.substr(i, piece), rows);
        on_rows(rows);
    }
    reader.finish(rows);
    on_rows(rows);
    return std::nullopt;
}

using Keep = sync::SpilledDedupe::Keep;

// The duplicate check of `table` on disk, rehearsed from its rows read in pieces of `piece` bytes.
std::unique_ptr<sync::SpilledDedupe> rehearsed(const cohort::Settings& settings, const std::string& table,
                                               std::size_t piece = 4093, Keep keep = Keep::Answers) {
    auto check = sync::SpilledDedupe::rehearse(
        settings, {}, "t", [&](const auto& on_rows) { return read_rows(settings, table, piece, on_rows); }, keep);
    INFO((check ? std::string() : check.error().message));
    REQUIRE(check.has_value());
    return std::move(*check);
}

// Everything the duplicate answers decide: repeats within and across rows, the same text as user and
// device id in both orders, alias values differing only by case or spaces, an oversized value twice (an
// error the first time only), empty cells, and enough distinct ids to fill every partition.
std::string tricky_table(int rows = 30000) {
    std::string t = "user_ids,device_ids,email\n";
    for (int i = 0; i < rows; ++i) {
        const std::string u = "u" + std::to_string(i % 21000);
        const std::string d = i % 5 == 0 ? "u" + std::to_string(i % 9000) : "d" + std::to_string(i % 17000);
        const std::string e =
            i % 7 == 0 ? "  Mail" + std::to_string(i % 300) + "@X.org " : "mail" + std::to_string(i % 400) + "@x.org";
        t += (i % 11 == 0 ? "" : u) + "," + (i % 13 == 0 ? "" : d) + ",\"" + e + "\"\n";
    }
    const std::string huge(cohort::kMaxBodyBytes + 10, 'h');
    t += huge + ",d-after-huge,\n" + huge + ",,\n";
    return t;
}

}  // namespace

TEST_CASE("spilled dedupe: the same report and requests as the in-memory check") {
    const std::string table = tricky_table();
    cohort::Planner in_memory(alias_settings(), {}, "t");
    const cohort::Plan expected = run(in_memory, table);
    REQUIRE(expected.report.summary.duplicates > 0);
    REQUIRE(expected.report.summary.errors == 1);  // the oversized value, once

    const auto spilled = rehearsed(alias_settings(), table);
    CHECK(spilled->questions() > 60000);

    for (int pass = 0; pass < 2; ++pass) {  // a mirror sync replays twice
        INFO("replay " << pass);
        cohort::Planner replayed(alias_settings(), {}, "t", nullptr, spilled->replayer());
        const cohort::Plan got = run(replayed, table);
        CHECK(spilled->replay_matched());
        CHECK(to_json(got.report) == to_json(expected.report));
        REQUIRE(got.requests.size() == expected.requests.size());
        for (std::size_t i = 0; i < got.requests.size(); ++i) {
            CHECK(got.requests[i].body == expected.requests[i].body);
            CHECK(got.requests[i].keys == expected.requests[i].keys);
        }
    }
}

TEST_CASE("spilled dedupe: a replay of another table is noticed") {
    const auto spilled = rehearsed(alias_settings(), "user_ids\na\nb\nc\n");
    cohort::Planner longer(alias_settings(), {}, "t", nullptr, spilled->replayer());
    run(longer, "user_ids\na\nb\nc\nd\n");
    CHECK_FALSE(spilled->replay_matched());
    cohort::Planner shorter(alias_settings(), {}, "t", nullptr, spilled->replayer());
    run(shorter, "user_ids\na\n");
    CHECK_FALSE(spilled->replay_matched());
    cohort::Planner reordered(alias_settings(), {}, "t", nullptr, spilled->replayer());
    run(reordered, "user_ids\nc\nb\na\n");  // as many questions, about other keys in turn
    CHECK_FALSE(spilled->replay_matched());
    cohort::Planner same(alias_settings(), {}, "t", nullptr, spilled->replayer());
    run(same, "user_ids,ignored\na,1\nb,2\nc,3\n");  // an ignored column does not change the answers
    CHECK(spilled->replay_matched());
}

TEST_CASE("spilled dedupe: the first read and the answers' counts make the whole report") {
    // Without the oversized values the counts are enough: validate reads the table once. With them, which
    // identifiers are sent could decide where requests split, so a second read makes the report.
    const std::string tricky = tricky_table();
    const std::string table = tricky.substr(0, tricky.find("hhhh"));
    const std::string json_rows =
        "[{\"user_ids\":\"a\"},{\"user_ids\":\"a\",\"device_ids\":\"a\"},\n{\"email\":\"X\"},"
        "{\"email\":\" x\"},{\"device_ids\":\"b\"},{\"user_ids\":\"b\"}]";
    for (const std::string* t : {&table, &json_rows}) {
        cohort::Planner in_memory(alias_settings(), {}, "t");
        const cohort::Report expected = run(in_memory, *t).report;
        REQUIRE(expected.summary.duplicates > 0);
        const auto spilled = rehearsed(alias_settings(), *t);
        REQUIRE(spilled->report().has_value());
        CHECK(to_json(*spilled->report()) == to_json(expected));
        CHECK(spilled->rehearsal_errors() == 0);
    }
    const auto spilled = rehearsed(alias_settings(), tricky, 1 << 20);
    CHECK_FALSE(spilled->report().has_value());
    CHECK(spilled->rehearsal_errors() == 2);  // the rehearsal's own count: the oversized value at each repeat
}

TEST_CASE("spilled dedupe: the first answer of each kind keeps its row and line, far into an uneven table") {
    // The places of questions are kept apart from their records (one byte for most): rows without
    // identifiers, values spanning lines, several rows on a line, and first answers past the first few marks
    // of 16,384 questions must still give each finding its own row and line.
    std::string csv = "user_ids,device_ids,email,note\n";
    std::string json = "[";
    for (int i = 0; i < 24000; ++i) {
        const std::string u = "u" + std::to_string(i), d = "d" + std::to_string(i);
        const std::string e = "mail" + std::to_string(i) + "@x.org";
        switch (i % 4) {
            case 0: csv += u + ",," + e + ",\"a\nb\nc\"\n"; break;  // a note over three lines
            case 1: csv += ",,,\n"; break;  // no identifier: no question
            case 2: csv += u + "," + d + "," + e + ",\n"; break;
            default: csv += "\"" + u + "\",,,\n"; break;
        }
        json += (i > 0 ? (i % 3 == 0 ? ",\n" : ",") : "") + std::string("{\"user_ids\":\"") + u + "\"" +
                (i % 2 == 0 ? ",\"device_ids\":\"" + d + "\"" : std::string()) + ",\"email\":\"" + e + "\"}";
    }
    // The first repeat of each kind, after all that.
    csv += "u8,,,\n,u12,,\n,,\"  MAIL16@X.org \",\nu4,d6,,\n";
    json +=
        ",{\"user_ids\":\"u8\"},\n{\"device_ids\":\"u12\"},{\"email\":\"  MAIL16@X.org \"},{\"device_ids\":\"d6\"}]";
    for (const std::string* t : {&csv, &json}) {
        INFO((t == &csv ? "CSV" : "JSON"));
        cohort::Planner in_memory(alias_settings(), {}, "t");
        const cohort::Report expected = run(in_memory, *t).report;
        std::size_t far = 0;
        for (const Diagnostic& d : expected.diagnostics)
            if (d.code == "duplicate-identifier" || d.code == "user-and-device-same-value" ||
                d.code == "alias-case-drift")
                far += d.row > 20000 ? 1 : 0;
        REQUIRE(far >= 3);
        const auto spilled = rehearsed(alias_settings(), *t);
        REQUIRE(spilled->questions() > 2 * 16384);
        REQUIRE(spilled->report().has_value());
        CHECK(to_json(*spilled->report()) == to_json(expected));
    }
}

TEST_CASE("spilled dedupe: plan() makes the requests from the kept first occurrences, without a second read") {
    const std::string tricky = tricky_table(80000);  // over 200,000 questions: the merge takes several windows
    const std::string table = tricky.substr(0, tricky.find("hhhh"));
    const std::string json_rows =
        "[{\"user_ids\":\"a\"},{\"user_ids\":\"a\",\"device_ids\":\"a\"},\n{\"email\":\"X\"},"
        "{\"email\":\" x\"},{\"device_ids\":\"b\"},{\"user_ids\":\"b\"},{\"user_ids\":7}]";
    cohort::Settings small = alias_settings();
    small.max_ids_per_request = 7;  // many requests
    small.operation = cohort::Operation::Remove;
    const std::string no_rows = "user_ids\n";
    cohort::Settings broken = alias_settings();
    broken.cohort_id.clear();  // a settings error: nothing is planned at all
    struct Case {
        const char* name;
        const std::string* table;
        cohort::Settings settings;
    };
    const Case cases[] = {{"csv", &table, alias_settings()},
                          {"csv, 7 ids a request, remove", &table, small},
                          {"json rows", &json_rows, alias_settings()},
                          {"a settings error", &json_rows, broken},
                          {"no rows", &no_rows, alias_settings()}};
    for (const Case& c : cases) {
        INFO(c.name);
        cohort::Planner in_memory(c.settings, {}, "t");
        const cohort::Plan expected = run(in_memory, *c.table);
        const auto spilled = rehearsed(c.settings, *c.table, 4093, Keep::FirstOccurrences);
        auto planning = spilled->planning();
        REQUIRE(planning.has_value());
        if (c.table == &table) CHECK(spilled->questions() > 3 * 65536);
        CHECK(to_json(*spilled->report()) == to_json(expected.report));
        // plan() again and again: with and without keys, on one thread and on three (stretches planned side
        // by side must still come out in table order).
        for (const auto output : {cohort::BatchOutput::BodiesAndKeys, cohort::BatchOutput::Bodies})
            for (const unsigned threads : {1u, 3u}) {
                INFO("threads " << threads);
                std::vector<cohort::PlannedRequest> got;
                const auto planned = planning->plan(
                    c.settings, output,
                    [&](std::vector<cohort::PlannedRequest>&& batch) {
                        for (auto& r : batch) got.push_back(std::move(r));
                        return true;
                    },
                    threads);
                REQUIRE(planned.has_value());
                REQUIRE(got.size() == expected.requests.size());
                for (std::size_t i = 0; i < got.size(); ++i) {
                    CHECK(got[i].path == expected.requests[i].path);
                    CHECK(got[i].body == expected.requests[i].body);
                    if (output == cohort::BatchOutput::BodiesAndKeys) CHECK(got[i].keys == expected.requests[i].keys);
                    else CHECK(got[i].keys.empty());
                }
            }
    }
}

TEST_CASE("spilled dedupe: plan() stops when its sink says so, and calls it no more") {
    const std::string tricky = tricky_table(80000);
    const std::string table = tricky.substr(0, tricky.find("hhhh"));
    cohort::Settings s = alias_settings();
    s.max_ids_per_request = 100;  // a stretch is 327 requests; the table's 37,000 identifiers make two
    const auto spilled = rehearsed(s, table, 4093, Keep::FirstOccurrences);
    auto planning = spilled->planning();
    REQUIRE(planning.has_value());
    for (const unsigned threads : {1u, 2u}) {
        int calls = 0;
        std::size_t requests = 0;
        const auto planned = planning->plan(
            s, cohort::BatchOutput::Bodies,
            [&](std::vector<cohort::PlannedRequest>&& batch) {
                requests += batch.size();
                return ++calls < 2;  // the naming call, then stop after the first stretch (of two or more)
            },
            threads);
        CHECK(planned.has_value());
        CHECK(calls == 2);
        CHECK(requests == 1 + 327);
        // A sink that throws: the exception comes out, and the workers are stopped and waited for.
        CHECK_THROWS_AS(planning->plan(
                            s, cohort::BatchOutput::Bodies,
                            [&](std::vector<cohort::PlannedRequest>&& batch) {
                                if (batch.size() > 1) throw std::runtime_error("disk full");
                                return true;
                            },
                            threads),
                        std::runtime_error);
    }
}

TEST_CASE("spilled dedupe: plan() is not offered when the first read cannot say how requests split") {
    const auto oversized = rehearsed(alias_settings(), tricky_table(), 1 << 20, Keep::FirstOccurrences);
    CHECK_FALSE(oversized->report().has_value());
    CHECK_FALSE(oversized->planning().has_value());

    const auto not_kept = rehearsed(alias_settings(), "user_ids\na\n", 1 << 20, Keep::Answers);
    CHECK(not_kept->report().has_value());
    CHECK_FALSE(not_kept->planning().has_value());
}
