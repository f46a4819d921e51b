// Validation in parts (what `validate currents --threads N` does on a file, here without threads): whatever
// the seams, the report is the one validate() gives, byte for byte; and JSON Lines of batches really are
// validated part by part, not again in sequence.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "support.hpp"
#include "tdbraze/report_json.hpp"

using namespace tdbraze;
using tdbraze::test::envelope;
using tdbraze::test::event;

namespace {

const std::string kCustom = event("users.behaviors.CustomEvent", R"({"name":"n"})");

std::string custom(const std::string& id, const std::string& time = "1732456800") {
    return event("users.behaviors.CustomEvent", R"({"name":"n"})", id, time);
}

std::string lines(const std::vector<std::string>& each) {
    std::string out;
    for (const std::string& line : each) out += line + "\n";
    return out;
}

std::string with_crlf(const std::string& text) {
    std::string out;
    for (const char c : text) out += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return out;
}

// Offsets where lines begin (after each '\n'), the end included when the input ends with one.
std::vector<std::size_t> line_starts(const std::string& text) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] == '\n') out.push_back(i + 1);
    return out;
}

struct Named {
    std::string name;
    std::string text;
};

std::vector<Named> inputs() {
    const std::string batches = test::read_fixture("currents/batches.jsonl");
    const std::string valid_envelopes = lines({
        envelope({custom("a-1"), custom("a-2")}),
        envelope({custom("b-1")}),
        envelope({custom("a-1"), custom("c-1"), custom("c-1")}),  // the same id as line 1: a new batch
        envelope({event("users.messages.email.Open", R"({"email_address":"a@example.com"})", "d-1")}),
        envelope({custom("e-1")}),
    });
    const std::string broken_envelopes = lines({
        envelope({custom("a-1"), event("no.such.Type", "{}", "a-2")}),
        R"({"events":[{"event_type":"users.behaviors.CustomEvent","id":7,"time":"x","user":{},"properties":{}}]})",
        R"({"meta":1,"events":[{"event_type": oops}], "tail": 2})",  // a syntax error mid-line
        R"({"events":[{"event_type":"users.behaviors.CustomEvent","id":"é\u00e9","time":1732456800000,"user":{"user_id":"x"},"properties":{"name":"\ud800"}}]})",
        R"({"timezone":"UTC","events":[]})",
        envelope({custom("z-1"), "42", custom("z-1")}),
        "{\"events\":[" + custom("cut") + ",",  // cut off: the value goes on over the next line
        "  " + custom("cut-2") + "]}",
        R"({"events": "nope"})",
        R"({"no": "events"})",
        "42",
        "[" + custom("bare-array") + "]",
        envelope({custom("last")}),
    });
    const std::string bare_events = lines({
        custom("x-1"),
        custom("x-2"),
        custom("x-1"),  // a duplicate of line 1: bare events share one id set
        envelope({custom("x-2")}),
        custom("x-2"),  // after a batch: compared with that batch's ids
        custom("x-3"),
        R"({"no": "events"})",
        custom("x-3"),
        custom("x-4", "1"),
    });
    const std::string envelope_then_bare = lines({
        envelope({custom("y-1"), custom("y-2")}),
        envelope({custom("y-3")}),
        R"({"meta": 1})",
        "17",
        custom("y-3"),  // the batch two lines up still holds its ids
        envelope({custom("y-3")}),
    });
    std::vector<Named> out = {
        {"batches.jsonl", batches},
        {"valid envelopes", valid_envelopes},
        {"broken envelopes", broken_envelopes},
        {"bare events with duplicate ids", bare_events},
        {"an envelope's ids reach bare events", envelope_then_bare},
        {"one bare event", custom("alone") + "\n"},
        {"a bare event then batches", lines({custom("first"), envelope({custom("first")}), envelope({kCustom})})},
        {"pretty-printed",
         test::read_fixture("currents/problems.json") + test::read_fixture("currents/valid-batch.json")},
        {"pretty then lines", test::read_fixture("currents/valid-batch.json") + "\n" + valid_envelopes},
        {"CRLF", with_crlf(broken_envelopes)},
        {"BOM", "\xEF\xBB\xBF" + valid_envelopes},
        {"BOM mid-input", valid_envelopes + "\xEF\xBB\xBF" + valid_envelopes},
        {"blank lines",
         "\n\n" + lines({envelope({kCustom}), "", "   ", envelope({kCustom}), "\t", envelope({kCustom})}) + "\n"},
        {"no newline at the end", valid_envelopes + envelope({custom("end")})},
        {"escaped newline in a string",
         lines({envelope({kCustom}), envelope({kCustom}),
                envelope({event("users.behaviors.CustomEvent", R"({"name":"a\nb"})")}), envelope({kCustom})})},
        {"not JSON", "PK\x03\x04\x14\x00\x00\x00\n\x08\x00binary\n\x01\x02\n" + valid_envelopes},
        {"text, not JSON", "id,event_type\n1,users.behaviors.CustomEvent\n2,x\n3,y\n"},
        {"a syntax error that ends it", lines({envelope({kCustom}), envelope({kCustom}), "{\"events\":[}", ""}) +
                                            "{\"events\":[" + custom("a") + "\n"},
        {"only blank lines", "\n  \n\n"},
    };
    return out;
}

std::vector<currents::Options> option_sets() {
    std::vector<currents::Options> out;
    currents::Options base;
    base.now_epoch_seconds = test::kNow;
    out.push_back(base);
    currents::Options strict = base;
    strict.strict = true;
    out.push_back(strict);
    currents::Options td = base;
    td.receiver = currents::Receiver::TdPostback;
    out.push_back(td);
    for (const std::uint64_t most : {0, 1, 3}) {
        currents::Options few = base;
        few.max_diagnostics = most;
        out.push_back(few);
    }
    return out;
}

}  // namespace

TEST_CASE("in parts: two and three parts at every line give validate()'s report") {
    for (const Named& input : inputs()) {
        const std::vector<std::size_t> starts = line_starts(input.text);
        for (const currents::Options& options : option_sets()) {
            const std::string whole = to_json(currents::validate(input.text, options, "parts"));
            for (std::size_t i = 0; i < starts.size(); ++i) {
                const std::size_t one[] = {starts[i]};
                INFO(input.name << ", seam at " << starts[i] << ", max " << options.max_diagnostics);
                REQUIRE(to_json(currents::validate_in_parts(input.text, one, options, "parts").report) == whole);
                // The page's way: the second part's lines counted from 1 in another instance, then moved.
                REQUIRE(to_json(currents::validate_in_parts(input.text, one, options, "parts",
                                                            currents::PartsWay::Elsewhere)
                                    .report) == whole);
                for (std::size_t j = i + 1; j < starts.size(); ++j) {
                    const std::size_t two[] = {starts[i], starts[j]};
                    INFO("and at " << starts[j]);
                    REQUIRE(to_json(currents::validate_in_parts(input.text, two, options, "parts").report) == whole);
                }
            }
            // A part at every line at once.
            REQUIRE(to_json(currents::validate_in_parts(input.text, starts, options, "parts").report) == whole);
        }
    }
}

TEST_CASE("in parts: JSON Lines of batches are joined part by part, without validating again") {
    std::vector<std::string> each;
    for (int i = 0; i < 40; ++i)
        each.push_back(envelope({custom("id-" + std::to_string(i)), i % 7 == 0 ? R"({"broken":1})" : kCustom}));
    const std::string text = lines(each);
    const std::vector<std::size_t> starts = line_starts(text);
    currents::Options options;
    options.now_epoch_seconds = test::kNow;
    options.max_diagnostics = 5;  // the cut falls in a later part
    const std::vector<std::size_t> seams = {starts[9], starts[19], starts[29]};
    const currents::PartsReport parts = currents::validate_in_parts(text, seams, options, "parts");
    CHECK(parts.parts_taken == 3);
    CHECK(to_json(parts.report) == to_json(currents::validate(text, options, "parts")));
    CHECK(parts.report.diagnostics_omitted > 0);
}

TEST_CASE("in parts: a guess that does not hold is validated again, not trusted") {
    currents::Options options;
    options.now_epoch_seconds = test::kNow;
    const std::string pretty = test::read_fixture("currents/valid-batch.json");
    const std::string bare = lines({custom("b-1"), custom("b-2"), custom("b-1"), custom("b-3")});
    for (const std::string& text : {pretty + pretty, bare}) {
        const std::vector<std::size_t> starts = line_starts(text);
        const currents::PartsReport parts = currents::validate_in_parts(text, starts, options, "parts");
        CHECK(to_json(parts.report) == to_json(currents::validate(text, options, "parts")));
        CHECK(parts.parts_taken < starts.size());
    }
    // A seam in the middle of a line is not a seam.
    const std::string text = lines({envelope({kCustom}), envelope({kCustom}), envelope({kCustom})});
    const std::size_t mid[] = {5, text.find('\n') + 3};
    CHECK(currents::validate_in_parts(text, mid, options, "parts").parts_taken == 0);
}

TEST_CASE("in parts: more unknown event types than the summary names are validated again in one piece") {
    // 1,200 distinct unknown types: the summary names the first 1,000 in input order, which parts cannot tell.
    std::vector<std::string> each;
    for (int i = 0; i < 1200; ++i)
        each.push_back(envelope({event("custom.type." + std::to_string(i), "{}", "id-" + std::to_string(i))}));
    const std::string text = lines(each);
    const std::vector<std::size_t> starts = line_starts(text);
    currents::Options options;
    options.now_epoch_seconds = test::kNow;
    for (const std::size_t at : {std::size_t{10}, std::size_t{600}, std::size_t{1100}}) {
        const std::size_t seam[] = {starts[at]};
        INFO("seam after line " << at + 1);
        CHECK(to_json(currents::validate_in_parts(text, seam, options, "parts").report) ==
              to_json(currents::validate(text, options, "parts")));
    }
}

TEST_CASE("in parts elsewhere: a batch's part is taken, and its lines and the lines its messages name are moved") {
    const std::string text =
        lines({envelope({custom("a-1")}), envelope({custom("a-1")}), envelope({custom("a-1")}),
               envelope({custom("b-1"), custom("b-1")}), "{\"events\":[" + custom("cut") + ",", envelope({kCustom})});
    const std::vector<std::size_t> starts = line_starts(text);
    currents::Options options;
    options.now_epoch_seconds = test::kNow;
    const std::size_t seam[] = {starts[2]};
    const currents::PartsReport parts =
        currents::validate_in_parts(text, seam, options, "parts", currents::PartsWay::Elsewhere);
    CHECK(parts.parts_taken == 1);
    const auto with_code = [&](std::string_view code) {
        const auto& all = parts.report.diagnostics;
        const auto it = std::find_if(all.begin(), all.end(), [&](const Diagnostic& d) { return d.code == code; });
        REQUIRE(it != all.end());
        return *it;
    };
    const Diagnostic duplicate = with_code("duplicate-id");
    CHECK(duplicate.line == 4);
    CHECK_THAT(duplicate.message, Catch::EndsWith("/events/0 (line 4)"));
    const Diagnostic cut = with_code("json-syntax");
    CHECK(cut.line == 7);  // the next line is an object, which the array takes: the end of input says it
    CHECK_THAT(cut.hint, Catch::StartsWith("the value that starts on line 5 is not complete"));
    CHECK(to_json(parts.report) == to_json(currents::validate(text, options, "parts")));
}

TEST_CASE("in parts elsewhere: a part after bare events that may need their ids is not taken") {
    // Line 3's bare event may be a duplicate of line 1's: a part starting there cannot know.
    const std::string text = lines({custom("x-1"), custom("x-2"), custom("x-1"), custom("x-3")});
    currents::Options options;
    options.now_epoch_seconds = test::kNow;
    const std::size_t seam[] = {line_starts(text)[1]};
    const currents::PartsReport parts =
        currents::validate_in_parts(text, seam, options, "parts", currents::PartsWay::Elsewhere);
    CHECK(parts.parts_taken == 0);
    CHECK(to_json(parts.report) == to_json(currents::validate(text, options, "parts")));
}

TEST_CASE("seam search: the same seam whatever pieces the input comes in, and none in a pretty-printed envelope") {
    const std::string text = lines({"{\"events\": [", "  " + kCustom, "]}", envelope({kCustom}), envelope({kCustom})});
    const std::size_t expected = text.find("\n{") + 1;
    for (std::size_t from : {std::size_t{0}, std::size_t{3}}) {
        for (std::size_t piece = 1; piece <= text.size(); ++piece) {
            currents::SeamSearch search(from);
            std::optional<std::uint64_t> found;
            for (std::size_t at = from; at < text.size(); at += piece)
                found = search.feed(std::string_view(text).substr(at, piece));
            INFO("from " << from << ", pieces of " << piece);
            REQUIRE(found == std::optional<std::uint64_t>(expected));
        }
    }
    // Where the search starts is not a seam: what came before it is not known.
    currents::SeamSearch late(expected);
    CHECK(late.feed(std::string_view(text).substr(expected)) == text.rfind("\n{") + 1);
    // A line longer than a value can be is not looked through: a seam past it is not found, and the search
    // says it is done there.
    const std::string long_line = "{\"x\":\"" + std::string(currents::kMaxValueBytes, 'a') + "\"}\n";
    currents::SeamSearch far(0);
    CHECK_FALSE(far.feed(long_line.substr(0, 1000)));
    CHECK_FALSE(far.done());
    CHECK_FALSE(far.feed(long_line.substr(1000) + envelope({kCustom}) + "\n"));
    CHECK(far.done());
    currents::SeamSearch near(0);
    CHECK(near.feed("{}\n" + envelope({kCustom}) + "\n") == 3);
    CHECK(near.done());
    currents::SeamSearch pretty(0);
    CHECK_FALSE(pretty.feed(test::read_fixture("currents/valid-batch.json")));
    // Between two pretty-printed envelopes there is one, as between any two top-level values.
    CHECK(currents::SeamSearch(0).feed(test::read_fixture("currents/valid-batch.json") + "\n{}"));
}

TEST_CASE("in parts elsewhere: a report crosses to the other instance as its JSON text, and back byte for byte") {
    for (const Named& input : inputs()) {
        for (const currents::Options& options : option_sets()) {
            const std::string text = to_json(currents::validate(input.text, options, "parts \"x\"\n"));
            const std::optional<currents::Report> again = currents_report_from_json(text);
            INFO(input.name << ", max " << options.max_diagnostics);
            REQUIRE(again.has_value());
            CHECK(to_json(*again) == text);
        }
    }
    for (
        const char* not_a_report :
        {"", "{}", "[]", R"({"kind":"cohort","source":"x","summary":{},"diagnostics":[]})",
         R"({"kind":"currents","source":"x","summary":{"events":1,"errors":1,"warnings":0,"infos":0,"event_types":{}},"diagnostics":[]})",
         R"({"kind":"currents","source":"x","summary":{"events":-1,"errors":0,"warnings":0,"infos":0,"event_types":{}},"diagnostics":[]})"}) {
        INFO(not_a_report);
        CHECK_FALSE(currents_report_from_json(not_a_report).has_value());
    }
}
