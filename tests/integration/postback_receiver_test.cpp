// The emulator's stand-in for Treasure Data's Postback API: the pure decision (receive_postback) directly,
// then POST /postback/v3/event/{database}/{table} over real HTTP on 127.0.0.1 with httplib::Client.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "braze_emulator.hpp"
#include "postback_receiver.hpp"
#include "support.hpp"
#include "tdbraze/currents.hpp"

namespace {

namespace emu = tdbraze::emulator;
using json = nlohmann::json;
using Outcome = emu::PostbackVerdict::Outcome;

constexpr std::uint64_t kLimit = tdbraze::currents::kTdPostbackMaxBodyBytes;
const std::string kWriteKey = "test-write-key";
const std::string kPath = "/postback/v3/event/braze_db/currents_events";
constexpr std::int64_t kNow = tdbraze::test::kNow;

emu::PostbackVerdict decide(std::string_view body, std::string_view header_key = "k", std::string_view query_key = "",
                            const std::optional<std::string>& expected = std::nullopt, std::string_view database = "db",
                            std::string_view table = "tbl") {
    return emu::receive_postback({database, table, header_key, query_key, body, false}, expected, kNow);
}

std::string message_of(const std::string& body) { return json::parse(body).at("message").get<std::string>(); }

// A JSON object of exactly `size` bytes: {"events":[],"pad":"xx...x"}.
std::string object_of_size(std::uint64_t size) {
    const std::string head = R"({"events":[],"pad":")";
    const std::string tail = "\"}";
    return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

std::int64_t now_seconds() {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

int started(emu::BrazeEmulator& emulator) {
    const int port = emulator.start();
    INFO(emulator.error());
    REQUIRE(port > 0);
    return port;
}

emu::EmulatorConfig keyed_config() {
    emu::EmulatorConfig config;
    config.td_write_key = kWriteKey;
    return config;
}

// An emulator on 127.0.0.1 that expects kWriteKey, and a client of it.
struct Running {
    explicit Running(emu::EmulatorConfig config = keyed_config())
        : emulator(std::move(config)), client("127.0.0.1", started(emulator)) {
        client.set_read_timeout(10, 0);
    }

    httplib::Result post(const std::string& body, const std::string& path = kPath,
                         const std::optional<std::string>& header_key = kWriteKey) {
        httplib::Headers headers;
        if (header_key) headers.emplace("X-TD-Write-Key", *header_key);
        return client.Post(path.c_str(), headers, body, "application/json");
    }
    json get(const std::string& path) {
        const httplib::Result r = client.Get(path.c_str());
        REQUIRE(r);
        REQUIRE(r->status == 200);
        return json::parse(r->body);
    }
    json rows(const std::string& database = "braze_db", const std::string& table = "currents_events") {
        return get("/_emulator/postback/" + database + "/" + table)["rows"];
    }

    emu::BrazeEmulator emulator;
    httplib::Client client;
};

void check_answer(const httplib::Result& r, int status, const std::string& message_part) {
    REQUIRE(r);
    CHECK(r->status == status);
    CHECK_THAT(message_of(r->body), Catch::Contains(message_part));
}

}  // namespace

// ---- the pure decision ---------------------------------------------------------------------------------

TEST_CASE("emulator postback: a body becomes one row: members as columns, nested values as JSON text, a time",
          "[emulator][postback]") {
    const auto stored = decide(R"({"events":[{"id":"a","n":1.5},{"id":"b"}],"s":"x","n":null,"b":true,"o":{"k":[]}})");
    REQUIRE(stored.outcome == Outcome::Stored);
    CHECK(stored.status == 200);
    CHECK(json::parse(stored.body) == json::object());
    // Byte for byte: the body's order, nested values as their compact text, the ingestion time added last.
    CHECK(stored.row == R"({"events":"[{\"id\":\"a\",\"n\":1.5},{\"id\":\"b\"}]","s":"x","n":null,"b":true,)"
                        R"("o":"{\"k\":[]}","time":)" +
                            std::to_string(kNow) + "}");

    // A numeric time is the row's; anything else there is replaced by the ingestion time, in its place.
    CHECK(decide(R"({"time":1732456800,"a":1})").row == R"({"time":1732456800,"a":1})");
    CHECK(decide(R"({"time":"yesterday","a":1})").row == R"({"time":)" + std::to_string(kNow) + R"(,"a":1})");
    CHECK(decide(R"({"time":[1]})").row == R"({"time":)" + std::to_string(kNow) + "}");
    CHECK(decide("{}").row == R"({"time":)" + std::to_string(kNow) + "}");
    // A repeated member counts once, in its first place, with its last value (as the JSON parser reads it).
    CHECK(decide(R"({"a":1,"b":2,"a":3})").row == R"({"a":3,"b":2,"time":)" + std::to_string(kNow) + "}");
    // Text stays UTF-8 and the row is valid JSON whose events column parses back to the array sent.
    const std::string body = tdbraze::test::read_fixture("currents/valid-batch.json");
    const std::string row_text = decide(body).row;
    CHECK(row_text.capacity() < row_text.size() + 64);  // kept until a reset: no spare capacity
    const json row = json::parse(row_text);
    CHECK(row["events"] == json::parse(body)["events"].dump());
    CHECK(json::parse(row["events"].get<std::string>()) == json::parse(body)["events"]);
    CHECK(json::parse(decide(R"({"name":"Café ☕"})").row)["name"] == "Café ☕");
}

TEST_CASE("emulator postback: the write key: missing or wrong is 403, the header wins over the parameter",
          "[emulator][postback]") {
    const std::optional<std::string> expected = std::string("right");
    const std::string body = R"({"a":1})";
    CHECK(decide(body, "", "", expected).status == 403);
    CHECK(decide(body, "wrong", "", expected).status == 403);
    CHECK(decide(body, "righ", "", expected).status == 403);
    CHECK(decide(body, "right", "", expected).status == 200);
    CHECK(decide(body, "", "right", expected).status == 200);
    CHECK(decide(body, "right", "wrong", expected).status == 200);
    CHECK(decide(body, "wrong", "right", expected).status == 403);  // the header's key is the one checked
    const auto refused = decide(body, "", "", expected);
    CHECK(refused.outcome == Outcome::Forbidden);
    CHECK(refused.row.empty());
    CHECK_THAT(message_of(refused.body), Catch::Contains("write key"));

    // No key configured: any key will do, but there must be one.
    CHECK(decide(body, "anything").status == 200);
    CHECK(decide(body, "", "anything").status == 200);
    CHECK(decide(body, "", "").status == 403);
    // The key is checked before anything else: no name or body problem is revealed without it.
    CHECK(decide("not json", "", "", expected, "bad-db", "").status == 403);
    CHECK(emu::receive_postback({"db", "t", "", "", "", true}, expected, kNow).status == 403);
}

TEST_CASE("emulator postback: names are letters, digits and _, bodies are JSON objects of at most 1,048,064 bytes",
          "[emulator][postback]") {
    CHECK(emu::is_td_name("braze_currents_2025"));
    CHECK(emu::is_td_name("A"));
    CHECK_FALSE(emu::is_td_name(""));
    CHECK_FALSE(emu::is_td_name("braze-db"));
    CHECK_FALSE(emu::is_td_name("braze.db"));
    CHECK_FALSE(emu::is_td_name("caf\xc3\xa9"));
    CHECK_FALSE(emu::is_td_name(std::string("a\0b", 3)));

    const auto bad_db = decide("{}", "k", "", std::nullopt, "my-db", "t");
    CHECK(bad_db.status == 400);
    CHECK(bad_db.outcome == Outcome::BadRequest);
    CHECK_THAT(message_of(bad_db.body), Catch::StartsWith("Invalid database name"));
    const auto bad_table = decide("{}", "k", "", std::nullopt, "db", "");
    CHECK(bad_table.status == 400);
    CHECK_THAT(message_of(bad_table.body), Catch::StartsWith("Invalid table name"));

    CHECK(decide(object_of_size(kLimit)).status == 200);
    const auto too_large = decide(object_of_size(kLimit + 1));
    CHECK(too_large.status == 413);
    CHECK(too_large.outcome == Outcome::TooLarge);
    CHECK(emu::receive_postback({"db", "t", "k", "", "", true}, std::nullopt, kNow).status == 413);

    for (const std::string body : {"", "{", "[]", R"([{"a":1}])", "\"text\"", "1", "null", "{} {}"}) {
        INFO(body);
        const auto refused = decide(body);
        CHECK(refused.status == 400);
        CHECK(refused.outcome == Outcome::BadRequest);
        CHECK(refused.row.empty());
    }
    CHECK(message_of(decide("[]").body) == "The request body must be a JSON object");
    CHECK(message_of(decide("{").body) == "The request body is not valid JSON");
    // A megabyte of '[' is refused at the 129th level, not built; 128 levels (the core's limit) are fine.
    const auto deep = decide(R"({"a":)" + std::string(kLimit - 10, '['));
    CHECK(deep.status == 400);
    CHECK(message_of(deep.body) == "The request body nests more than 128 levels deep");
    const auto levels = [](int n) { return R"({"a":)" + std::string(n - 1, '[') + std::string(n - 1, ']') + "}"; };
    CHECK(decide(levels(128)).status == 200);
    CHECK(decide(levels(129)).status == 400);
}

TEST_CASE("emulator postback: a body of ninety thousand members is stored in good time", "[emulator][postback]") {
    // The columns keep the body's order without an ordered map's linear lookups (quadratic: 13 s here).
    std::string body = "{";
    for (int i = 0; i < 90'000; ++i) body += (i ? ",\"c" : "\"c") + std::to_string(i) + "\":0";
    body += "}";
    REQUIRE(body.size() < kLimit);
    const auto t0 = std::chrono::steady_clock::now();
    const auto stored = decide(body);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    REQUIRE(stored.status == 200);
    CHECK(stored.row.rfind(R"({"c0":0,"c1":0,)", 0) == 0);
}

// ---- over HTTP -----------------------------------------------------------------------------------------

TEST_CASE("emulator postback: a Currents batch is stored as one row of database.table", "[emulator][postback]") {
    Running r;
    const std::string batch = tdbraze::test::read_fixture("currents/valid-batch.json");
    const std::int64_t before = now_seconds();
    const httplib::Result ok = r.post(batch);
    const std::int64_t after = now_seconds();
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(json::parse(ok->body) == json::object());
    CHECK(ok->get_header_value("Content-Type") == "application/json");

    const json rows = r.rows();
    REQUIRE(rows.size() == 1);
    const json& row = rows[0];
    CHECK(row.size() == 2);
    CHECK(row["events"] == json::parse(batch)["events"].dump());  // the array's compact text
    REQUIRE(row["time"].is_number_integer());
    CHECK(row["time"].get<std::int64_t>() >= before);
    CHECK(row["time"].get<std::int64_t>() <= after);

    // Another table of the same database is another table; the in-process view agrees with the hook.
    REQUIRE(r.post(R"({"events":[],"time":1732456800})", "/postback/v3/event/braze_db/other")->status == 200);
    CHECK(r.rows("braze_db", "other") == json::array({{{"events", "[]"}, {"time", 1732456800}}}));
    const std::vector<std::string> in_process = r.emulator.postback_rows("braze_db", "currents_events");
    REQUIRE(in_process.size() == 1);
    CHECK(json::parse(in_process[0]) == row);
    CHECK(r.emulator.postback_rows("braze_db", "never").empty());
    CHECK(r.rows("braze_db", "never") == json::array());
    CHECK(r.get("/_emulator/postback") == json{{"tables", {{"braze_db.currents_events", 1}, {"braze_db.other", 1}}}});
    const json stats = r.get("/_emulator/stats");
    CHECK(stats["by_path"][kPath] == 1);
    CHECK(stats["by_status"]["200"] == 2);
}

TEST_CASE("emulator postback: the write key over HTTP: header or td_write_key parameter, header first",
          "[emulator][postback]") {
    Running r;
    const std::string body = R"({"events":[]})";
    check_answer(r.post(body, kPath, std::nullopt), 403, "write key");
    check_answer(r.post(body, kPath, std::string("wrong")), 403, "write key");
    check_answer(r.post(body, kPath, std::string("")), 403, "write key");
    CHECK(r.post(body, kPath + "?td_write_key=" + kWriteKey, std::nullopt)->status == 200);
    check_answer(r.post(body, kPath + "?td_write_key=wrong", std::nullopt), 403, "write key");
    // Both: the header decides, whichever of the two is right.
    CHECK(r.post(body, kPath + "?td_write_key=wrong", kWriteKey)->status == 200);
    check_answer(r.post(body, kPath + "?td_write_key=" + kWriteKey, std::string("wrong")), 403, "write key");
    CHECK(r.rows().size() == 2);

    // Without a configured key any key is taken, none is not.
    Running any_key{emu::EmulatorConfig{}};
    CHECK(any_key.post(body, kPath, std::string("whatever"))->status == 200);
    CHECK(any_key.post(body, kPath + "?td_write_key=x", std::nullopt)->status == 200);
    check_answer(any_key.post(body, kPath, std::nullopt), 403, "write key");
    CHECK(any_key.rows().size() == 2);
}

TEST_CASE("emulator postback: the write key comes from TDBRAZE_EMULATOR_TD_WRITE_KEY", "[emulator][postback]") {
    const char* previous = std::getenv(emu::kTdWriteKeyVariable);
    const std::optional<std::string> saved = previous ? std::optional<std::string>(previous) : std::nullopt;
    emu::EmulatorConfig config;
    ::setenv(emu::kTdWriteKeyVariable, "from-env", 1);
    emu::read_secrets_from_environment(config);
    CHECK(config.td_write_key == std::string("from-env"));
    emu::EmulatorConfig untouched;
    ::setenv(emu::kTdWriteKeyVariable, "", 1);  // empty counts as unset
    emu::read_secrets_from_environment(untouched);
    CHECK(untouched.td_write_key == std::nullopt);
    if (saved) ::setenv(emu::kTdWriteKeyVariable, saved->c_str(), 1);
    else ::unsetenv(emu::kTdWriteKeyVariable);
}

TEST_CASE("emulator postback: bad names 400, non-objects 400, the limit exactly at 1,048,064 bytes",
          "[emulator][postback]") {
    Running r;
    check_answer(r.post("{}", "/postback/v3/event/braze-db/t"), 400, "Invalid database name");
    check_answer(r.post("{}", "/postback/v3/event/db/t.x"), 400, "Invalid table name");
    check_answer(r.post("{}", "/postback/v3/event//t"), 400, "Invalid database name");
    check_answer(r.post("{}", "/postback/v3/event/db/"), 400, "Invalid table name");
    // Names are read URL-decoded: an escaped character is judged as itself.
    check_answer(r.post("{}", "/postback/v3/event/db/t%2Dx"), 400, "Invalid table name");
    check_answer(r.post("{}", "/postback/v3/event/caf%C3%A9/t"), 400, "Invalid database name");
    CHECK(r.post("{}", "/postback/v3/event/%41/t")->status == 200);
    // A third segment, escaped or not, is no endpoint.
    for (const std::string path : {"/postback/v3/event/db/t/x", "/postback/v3/event/db/t%2Fx"}) {
        const httplib::Result deeper = r.post("{}", path);
        REQUIRE(deeper);
        CHECK(deeper->status == 404);
    }

    check_answer(r.post("[]"), 400, "must be a JSON object");
    check_answer(r.post("{\"a\":"), 400, "not valid JSON");
    check_answer(r.post(""), 400, "not valid JSON");

    const std::string exact = object_of_size(kLimit);
    REQUIRE(exact.size() == 1'048'064);
    const httplib::Result fits = r.post(exact);
    REQUIRE(fits);
    CHECK(fits->status == 200);
    check_answer(r.post(object_of_size(kLimit + 1)), 413, "larger than 1,048,064 bytes");
    check_answer(r.post(object_of_size(4 * kLimit)), 413, "larger than 1,048,064 bytes");

    const json rows = r.rows();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["pad"].get<std::string>().size() == exact.size() - 22);
    CHECK(r.get("/_emulator/postback")["tables"] == json{{"A.t", 1}, {"braze_db.currents_events", 1}});
}

TEST_CASE("emulator postback: injected faults answer instead, and what they answer for is not stored",
          "[emulator][postback]") {
    emu::EmulatorConfig config = keyed_config();
    config.faults = *emu::parse_fault_spec("500=0.2,502=0.1,503=0.2,429=0.1").value;
    config.seed = 3;
    Running r(std::move(config));
    std::set<int> statuses;
    std::vector<int> stored_ids;
    for (int i = 0; i < 60; ++i) {
        const httplib::Result a = r.post(json{{"events", json::array()}, {"n", i}}.dump());
        REQUIRE(a);
        statuses.insert(a->status);
        if (a->status == 200) stored_ids.push_back(i);
    }
    CHECK(statuses == std::set<int>{200, 429, 500, 502, 503});
    std::vector<int> rows_ids;
    for (const json& row : r.rows()) rows_ids.push_back(row["n"].get<int>());
    CHECK(rows_ids == stored_ids);  // exactly the requests answered 200, in order
    CHECK(r.get("/_emulator/stats")["requests_total"] == 60);

    // The same seed after a reset: the same faults for the same requests, and no rows left from before.
    REQUIRE(r.client.Post("/_emulator/reset"));
    CHECK(r.rows() == json::array());
    CHECK(r.emulator.postback_rows("braze_db", "currents_events").empty());
    CHECK(r.get("/_emulator/postback")["tables"] == json::object());
    std::vector<int> again;
    for (int i = 0; i < 60; ++i)
        if (r.post(json{{"events", json::array()}, {"n", i}}.dump())->status == 200) again.push_back(i);
    CHECK(again == stored_ids);
}

TEST_CASE("emulator postback: drop_after stores the row and loses the answer, drop_before stores nothing",
          "[emulator][postback]") {
    emu::EmulatorConfig after = keyed_config();
    after.faults = *emu::parse_fault_spec("drop_after=1").value;
    Running a(std::move(after));
    const httplib::Result lost = a.post(R"({"events":[]})");
    REQUIRE_FALSE(lost);
    CHECK(lost.error() == httplib::Error::Read);
    CHECK(a.rows().size() == 1);  // stored: a sender that re-sends makes a duplicate row, as at Treasure Data
    CHECK(a.emulator.stats().dropped_after == 1);

    emu::EmulatorConfig before = keyed_config();
    before.faults = *emu::parse_fault_spec("drop_before=1").value;
    Running b(std::move(before));
    REQUIRE_FALSE(b.post(R"({"events":[]})"));
    CHECK(b.rows() == json::array());
    CHECK(b.emulator.stats().dropped_before == 1);
}

TEST_CASE("emulator postback: the rate limit applies with a window of its own, apart from the partner API's",
          "[emulator][postback]") {
    emu::EmulatorConfig config = keyed_config();
    config.rate_limit = {2, 3600};
    Running r(std::move(config));
    for (int i = 0; i < 2; ++i) {
        const httplib::Result a = r.post("{}");
        REQUIRE(a);
        CHECK(a->status == 200);
        CHECK(a->get_header_value("X-RateLimit-Limit") == "2");
        CHECK(a->get_header_value("X-RateLimit-Remaining") == std::to_string(1 - i));
    }
    const httplib::Result refused = r.post("{}");
    REQUIRE(refused);
    CHECK(refused->status == 429);
    CHECK_FALSE(refused->get_header_value("X-RateLimit-Reset").empty());
    CHECK(r.rows().size() == 2);  // the refused body stored nothing
    CHECK(r.get("/_emulator/stats")["rate_limited"] == 1);
    // The partner API's window is untouched: its first request is the first of its own two.
    httplib::Headers auth = {{"Authorization", "Bearer x"}};
    const httplib::Result partner = r.client.Post("/partners/treasuredata/cohorts", auth, "{}", "application/json");
    REQUIRE(partner);
    CHECK(partner->status != 429);
    CHECK(partner->get_header_value("X-RateLimit-Remaining") == "1");
}
