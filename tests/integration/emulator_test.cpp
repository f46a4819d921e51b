// The Braze emulator (native/emulator): its pure parts directly, then the server in-process on a free port,
// spoken to over real HTTP with httplib::Client, and finally `tdbraze emulate` as a child process.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "braze_emulator.hpp"
#include "currents_receiver.hpp"
#include "scratch_dir.hpp"
#include "support.hpp"
#include "tdbraze/cohort.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace emu = tdbraze::emulator;
using json = nlohmann::json;

// Set explicitly so that the tests do not depend on the TDBRAZE_EMULATOR_* variables of whoever runs them.
const std::string kKey = "test-partner-key";
const std::string kSecret = "test-client-secret";
const std::string kNaming = "/partners/treasuredata/cohorts";
const std::string kMembership = "/partners/treasuredata/cohorts/users";

emu::EmulatorConfig test_config() {
    emu::EmulatorConfig config;
    config.partner.partner_api_key = kKey;
    config.partner.client_secret = kSecret;
    return config;
}

json credentials() { return {{"partner_api_key", kKey}, {"client_secret", kSecret}}; }

json naming(const std::string& cohort_id, const std::string& name = "Spring sale",
            const std::string& created_at = "2025-11-24T09:30:00Z") {
    json body = credentials();
    body["cohort_id"] = cohort_id;
    body["name"] = name;
    body["created_at"] = created_at;
    return body;
}

json alias(const std::string& label, const std::string& name) { return {{"alias_label", label}, {"alias_name", name}}; }

json change(const std::vector<std::string>& user_ids, const std::vector<std::string>& device_ids = {},
            const std::vector<json>& aliases = {}, bool remove = false) {
    json c = {{"user_ids", user_ids}, {"device_ids", device_ids}, {"aliases", json(aliases)}};
    if (remove) c["should_remove"] = true;
    return c;
}

// Any value as cohort_changes, for bodies Braze must refuse.
json membership_with(const std::string& cohort_id, const json& cohort_changes) {
    json body = credentials();
    body["cohort_id"] = cohort_id;
    body["cohort_changes"] = cohort_changes;
    return body;
}

// A vector, not a json: `json x = {one_object}` may copy the object instead of making an array of it.
json membership(const std::string& cohort_id, const std::vector<json>& changes) {
    return membership_with(cohort_id, json(changes));
}

int started(emu::BrazeEmulator& emulator) {
    const int port = emulator.start();
    INFO(emulator.error());
    REQUIRE(port > 0);
    return port;
}

// An emulator serving on 127.0.0.1 and a client of it.
struct Running {
    explicit Running(emu::EmulatorConfig config = test_config())
        : emulator(std::move(config)), client("127.0.0.1", started(emulator)) {
        client.set_read_timeout(10, 0);
    }

    httplib::Result post(const std::string& path, const json& body) {
        return client.Post(path.c_str(), body.dump(), "application/json");
    }
    httplib::Result post_text(const std::string& path, const std::string& body) {
        return client.Post(path.c_str(), body, "application/json");
    }
    json get(const std::string& path) {
        const httplib::Result r = client.Get(path.c_str());
        REQUIRE(r);
        return json::parse(r->body);
    }
    json members(const std::string& cohort_id) { return get("/_emulator/cohorts/" + cohort_id)["members"]; }

    emu::BrazeEmulator emulator;
    httplib::Client client;
};

std::string message_of(const httplib::Result& r) { return json::parse(r->body).at("message").get<std::string>(); }

// Checks status and Braze's message of an answer.
void check_answer(const httplib::Result& r, int status, std::string_view message) {
    REQUIRE(r);
    CHECK(r->status == status);
    CHECK(message_of(r) == message);
}

}  // namespace

// ---- the pure parts ------------------------------------------------------------------------------------

TEST_CASE("emulator: fault specs parse, and bad ones say which entry is wrong", "[emulator]") {
    const auto spec = emu::parse_fault_spec(
        "429=0.05,500=0.05,502=0.02,503=0.03,423=0.01,latency_ms=20,latency_jitter_ms=30,drop_before=0.02,"
        "drop_after=0.02");
    REQUIRE(spec.ok());
    CHECK(spec.value->statuses.at(429) == Approx(0.05));
    CHECK(spec.value->statuses.at(423) == Approx(0.01));
    CHECK(spec.value->drop_before == Approx(0.02));
    CHECK(spec.value->drop_after == Approx(0.02));
    CHECK(spec.value->latency_ms == 20);
    CHECK(spec.value->latency_jitter_ms == 30);
    CHECK(emu::parse_fault_spec("").value->empty());

    CHECK_THAT(emu::parse_fault_spec("500=2").error, Catch::Contains("\"500=2\"") && Catch::Contains("probability"));
    CHECK_THAT(emu::parse_fault_spec("200=0.1").error, Catch::Contains("unknown fault"));
    CHECK_THAT(emu::parse_fault_spec("drop=0.1").error, Catch::Contains("unknown fault"));
    CHECK_THAT(emu::parse_fault_spec("latency_ms=-1").error, Catch::Contains("milliseconds"));
    CHECK_THAT(emu::parse_fault_spec("503").error, Catch::Contains("NAME=VALUE"));
    CHECK_THAT(emu::parse_fault_spec("503=0.1,503=0.2").error, Catch::Contains("twice"));
    CHECK_THAT(emu::parse_fault_spec("500=0.6,drop_after=0.6").error, Catch::Contains("more than 1"));
    CHECK(emu::parse_fault_spec("500=0.1,502=0.2,drop_after=0.7").ok());
}

TEST_CASE("emulator: a seed makes fault decisions repeat, in the proportions asked for", "[emulator]") {
    const emu::FaultSpec spec =
        *emu::parse_fault_spec("503=0.2,drop_before=0.1,drop_after=0.1,latency_jitter_ms=5").value;
    emu::FaultInjector a(spec, 42), b(spec, 42);
    using Kind = emu::FaultDecision::Kind;
    const auto draw = [](emu::FaultInjector& injector, int n) {
        std::vector<std::pair<Kind, long>> decisions;
        for (int i = 0; i < n; ++i) {
            const emu::FaultDecision d = injector.decide();
            decisions.emplace_back(d.kind, static_cast<long>(d.delay.count()));
        }
        return decisions;
    };
    const auto first = draw(a, 4000);
    CHECK(first == draw(b, 4000));
    std::map<Kind, int> seen;
    long longest = 0;
    for (const auto& [kind, delay] : first) {
        ++seen[kind];
        longest = std::max(longest, delay);
    }
    CHECK(longest == 5);  // latency_jitter_ms: 0 to 5 inclusive
    CHECK(seen[Kind::Status] == Approx(800).margin(120));
    CHECK(seen[Kind::DropBefore] == Approx(400).margin(90));
    CHECK(seen[Kind::DropAfter] == Approx(400).margin(90));

    a.reseed();
    emu::FaultInjector c(spec, 42);
    CHECK(draw(a, 100) == draw(c, 100));
}

TEST_CASE("emulator: ISO-8601 times of the naming call", "[emulator]") {
    for (const char* good :
         {"2025-11-24", "2025-11-24T09:30Z", "2025-11-24T09:30:00Z", "2025-11-24T09:30:00.123Z",
          "2025-11-24T09:30:00+09:00", "2025-11-24T09:30:00-0500", "2024-02-29T00:00:00", "2016-12-31T23:59:60Z"}) {
        INFO(good);
        CHECK(emu::is_iso8601_time(good));
    }
    for (const char* bad : {"", "yesterday", "2025-13-01", "2025-02-29T00:00:00Z", "2025-11-24 09:30:00",
                            "2025-11-24T24:00:00Z", "2025-11-24T09:30:00.Z", "2025-11-24T09:30:00+9", "1732456800"}) {
        INFO(bad);
        CHECK_FALSE(emu::is_iso8601_time(bad));
    }
}

TEST_CASE("emulator: the fixed-window rate limit counts and resets", "[emulator]") {
    emu::FixedWindowLimiter limiter({2, 10});
    const std::int64_t t0 = 1'764'000'000'000;
    auto d = limiter.take(t0);
    CHECK((d.allowed && d.limit == 2 && d.remaining == 1 && d.reset_epoch_seconds == 1'764'000'010));
    d = limiter.take(t0 + 500);
    CHECK((d.allowed && d.remaining == 0));
    d = limiter.take(t0 + 9999);
    CHECK((!d.allowed && d.remaining == 0 && d.reset_epoch_seconds == 1'764'000'010));
    d = limiter.take(t0 + 10'000);
    CHECK((d.allowed && d.remaining == 1 && d.reset_epoch_seconds == 1'764'000'020));
    CHECK(emu::FixedWindowLimiter({}).take(t0).limit == 0);  // unlimited

    // Opened between two seconds, a window ends on the whole second before its length is up, and announces
    // exactly that second: a client that waits for it finds the next window open, and loses no time.
    emu::FixedWindowLimiter per_second({3, 1});
    d = per_second.take(t0 + 250);
    CHECK((d.allowed && d.remaining == 2 && d.reset_epoch_seconds == 1'764'000'001));
    CHECK(per_second.take(t0 + 600).allowed);
    CHECK(per_second.take(t0 + 999).allowed);
    d = per_second.take(t0 + 999);
    CHECK((!d.allowed && d.reset_epoch_seconds == 1'764'000'001));
    d = per_second.take(t0 + 1'000);  // the announced second: open again
    CHECK((d.allowed && d.remaining == 2 && d.reset_epoch_seconds == 1'764'000'002));
}

TEST_CASE("emulator: users files are read strictly", "[emulator]") {
    const auto users = emu::UserDirectory::from_json_lines(
        R"({"external_id": "u1", "device_ids": ["d1"], "aliases": [{"alias_label":"email","alias_name":"a@x"}]})"
        "\n\n"
        R"({"device_ids": ["d2"]})"
        "\n");
    REQUIRE(users.ok());
    CHECK(users.value->size() == 2);
    CHECK(users.value->by_external_id("u1").match == emu::Match::User);
    CHECK(users.value->by_device_id("d1").match == emu::Match::IgnoredDevice);
    CHECK(users.value->by_device_id("d2").match == emu::Match::User);
    CHECK(users.value->by_alias({"email", "a@x"}).user == users.value->by_external_id("u1").user);
    CHECK(users.value->by_external_id("nobody").match == emu::Match::Unknown);

    CHECK(emu::UserDirectory::from_json_lines("{\"external_id\":\"u1\"}\nnot json\n").error == "line 2: not JSON");
    CHECK_THAT(emu::UserDirectory::from_json_lines("{\"external_id\":\"u1\"}\n{\"external_id\":\"u1\"}").error,
               Catch::StartsWith("line 2: external_id \"u1\" already belongs"));
    CHECK_THAT(emu::UserDirectory::from_json_lines("{}").error, Catch::Contains("needs an external_id"));
    CHECK_THAT(emu::UserDirectory::from_json_lines("{\"device_ids\":\"d1\"}").error, Catch::Contains("device_ids"));
}

TEST_CASE("emulator: a port in use is an error, not a shared port", "[emulator]") {
    emu::BrazeEmulator first(test_config());
    emu::EmulatorConfig config = test_config();
    config.port = started(first);
    emu::BrazeEmulator second(std::move(config));
    CHECK(second.start() == -1);
    CHECK_THAT(second.error(), Catch::StartsWith("cannot listen on 127.0.0.1:"));
    CHECK_THAT(second.error(), Catch::EndsWith(": Address already in use"));  // the OS's reason
    CHECK(second.port() == -1);
}

// ---- the partner endpoints over HTTP -------------------------------------------------------------------

TEST_CASE("emulator: naming and membership calls change the cohort", "[emulator]") {
    Running r;
    check_answer(r.post(kNaming, naming("spring-sale", "Spring sale")), 200, "success");
    check_answer(
        r.post(kMembership, membership("spring-sale", {change({"u2", "u1"}, {"d1"}, {alias("email", "a@x")})})), 200,
        "success");

    const json cohort = r.get("/_emulator/cohorts/spring-sale");
    CHECK(cohort["cohort_id"] == "spring-sale");
    CHECK(cohort["name"] == "Spring sale");
    CHECK(cohort["created_at"] == "2025-11-24T09:30:00Z");
    CHECK(cohort["member_count"] == 4);
    CHECK(cohort["members"]["user_ids"] == json({"u1", "u2"}));
    CHECK(cohort["members"]["device_ids"] == json({"d1"}));
    CHECK(cohort["members"]["aliases"] == json::array({alias("email", "a@x")}));

    check_answer(r.post(kMembership, membership("spring-sale", {change({"u1"}, {}, {}, true)})), 200, "success");
    CHECK(r.members("spring-sale")["user_ids"] == json({"u2"}));
    check_answer(r.post(kNaming, naming("spring-sale", "Renamed")), 200, "success");
    CHECK(r.get("/_emulator/cohorts/spring-sale")["name"] == "Renamed");
    CHECK(r.get("/_emulator/cohorts")["cohorts"] == json({"spring-sale"}));

    // The in-process view agrees with the hook.
    const auto view = r.emulator.cohort("spring-sale");
    REQUIRE(view);
    CHECK(view->user_ids == std::vector<std::string>{"u2"});

    const json stats = r.get("/_emulator/stats");
    CHECK(stats["requests_total"] == 4);
    CHECK(stats["by_status"] == json({{"200", 4}}));
    CHECK(stats["by_path"][kNaming] == 2);
    CHECK(stats["by_path"][kMembership] == 2);
    CHECK(stats["naming_applied"] == 2);
    CHECK(stats["membership_applied"] == 2);
    CHECK(stats["members_added"] == 4);
    CHECK(stats["members_removed"] == 1);
}

TEST_CASE("emulator: membership for a cohort never named is kept, without a name", "[emulator]") {
    Running r;
    check_answer(r.post(kMembership, membership("unnamed", {change({"u1"})})), 200, "success");
    const json cohort = r.get("/_emulator/cohorts/unnamed");
    CHECK(cohort["name"].is_null());
    CHECK(cohort["members"]["user_ids"] == json({"u1"}));
    const httplib::Result missing = r.client.Get("/_emulator/cohorts/nothing-here");
    REQUIRE(missing);
    CHECK(missing->status == 404);
}

TEST_CASE("emulator: Braze's documented 400 messages", "[emulator]") {
    Running r;
    const std::string changes_message(emu::message::kInvalidCohortChanges);

    SECTION("cohort_id") {
        for (const json& id : {json(), json(""), json(42), json::array()}) {
            json body = membership("x", {});
            if (id.is_null()) body.erase("cohort_id");
            else body["cohort_id"] = id;
            check_answer(r.post(kMembership, body), 400, "`cohort_id` must be a valid string");
            json name_body = naming("x");
            name_body["cohort_id"] = id;
            check_answer(r.post(kNaming, name_body), 400, "`cohort_id` must be a valid string");
        }
    }
    SECTION("cohort_changes") {
        for (const json& changes :
             {json(), json({{"user_ids", {"u1"}}}), json::array({"u1"}), json::array({json::object()}),
              json::array({{{"user_ids", "u1"}}}), json::array({{{"user_ids", {1, 2}}}}),
              json::array({{{"device_ids", {nullptr}}}}), json::array({{{"aliases", {{"alias_name", "a"}}}}}),
              json::array({{{"aliases", {"email:a@x"}}}}),
              json::array({{{"user_ids", {"u1"}}, {"should_remove", "yes"}}}),
              json::array({{{"should_remove", true}}})}) {
            INFO(changes.dump());
            json body = membership_with("c", changes);
            if (changes.is_null()) body.erase("cohort_changes");
            check_answer(r.post(kMembership, body), 400, changes_message);
        }
        CHECK(changes_message ==
              "`cohort_changes` must be an array of objects each with key `user_ids` and/or `device_ids` mapping to "
              "an array of strings, or an `aliases` object");
        // Legal: empty arrays, one identifier type, no changes at all, unknown keys.
        for (const json& changes : {json::array(), json::array({{{"user_ids", json::array()}}}),
                                    json::array({{{"aliases", {alias("email", "a@x")}}, {"extra", 1}}})}) {
            INFO(changes.dump());
            check_answer(r.post(kMembership, membership_with("c", changes)), 200, "success");
        }
    }
    SECTION("name") {
        for (const json& name : {json(), json(""), json(7)}) {
            json body = naming("c");
            if (name.is_null()) body.erase("name");
            else body["name"] = name;
            check_answer(r.post(kNaming, body), 400, "`name` must be a non-empty string");
        }
    }
    SECTION("created_at") {
        for (const json& created_at : {json(), json("last tuesday"), json(1732456800), json("2025-02-30T00:00:00Z")}) {
            json body = naming("c");
            if (created_at.is_null()) body.erase("created_at");
            else body["created_at"] = created_at;
            check_answer(r.post(kNaming, body), 400, "`created_at` must be a valid time as an ISO-8601 string");
        }
    }
    SECTION("not JSON, or not an object") {
        for (const std::string body : {"", "not json", "{\"cohort_id\":\"c\"", "{\"cohort_id\":1e999}"}) {
            INFO(body);
            check_answer(r.post_text(kMembership, body), 400, emu::message::kNotJson);
        }
        for (const std::string body : {"[]", "\"text\"", "12"}) {
            INFO(body);
            check_answer(r.post_text(kMembership, body), 400, emu::message::kNotJsonObject);
        }
    }
    // Nothing invalid reached a cohort.
    CHECK(r.get("/_emulator/stats")["membership_applied"] <= 3);
}

TEST_CASE("emulator: a body nested thousands deep is refused early, not built", "[emulator]") {
    const emu::PartnerSettings settings{"treasuredata", "k", "s"};
    const std::string deep =
        R"({"partner_api_key":"k","client_secret":"s","cohort_id":"c","cohort_changes":)" + std::string(3'000'000, '[');
    const auto answer = emu::check_membership_request(deep, "treasuredata", settings);
    REQUIRE(std::holds_alternative<emu::Rejection>(answer));
    CHECK(std::get<emu::Rejection>(answer).status == 400);
    CHECK(std::get<emu::Rejection>(answer).message == emu::message::kTooDeep);
    // Four levels, as Braze's own bodies have, are fine.
    const std::string fine = R"({"partner_api_key":"k","client_secret":"s","cohort_id":"c",)"
                             R"("cohort_changes":[{"aliases":[{"alias_label":"email","alias_name":"a@x"}]}]})";
    CHECK(
        std::holds_alternative<emu::MembershipRequest>(emu::check_membership_request(fine, "treasuredata", settings)));
}

TEST_CASE("emulator: Braze's 401s, checked before the body", "[emulator]") {
    Running r;
    json body = membership_with("c", "not even an array");

    body["partner_api_key"] = "wrong";
    check_answer(r.post(kMembership, body), 401, "Invalid Partner API key");
    body.erase("partner_api_key");
    check_answer(r.post(kMembership, body), 401, "Invalid Partner API key");

    body["partner_api_key"] = kKey;
    body["client_secret"] = "wrong";
    check_answer(r.post(kMembership, body), 401, "Invalid client secret");
    body["client_secret"] = kSecret + "x";
    check_answer(r.post(kNaming, body), 401, "Invalid client secret");

    // A partner this customer has not enabled: Braze echoes the client secret (clients must redact it).
    check_answer(r.post("/partners/segment/cohorts/users", membership("c", {})), 401,
                 "Partner not enabled for client with client secret: " + kSecret);
    check_answer(r.post("/partners/segment/cohorts", naming("c")), 401,
                 "Partner not enabled for client with client secret: " + kSecret);
}

TEST_CASE("emulator: unknown paths and methods are 404 with a JSON message", "[emulator]") {
    Running r;
    for (const std::string path : {"/partners/treasuredata/cohort", "/partners/treasuredata/cohorts/users/x",
                                   "/users/track", "/partners//cohorts"}) {
        INFO(path);
        check_answer(r.post(path, membership("c", {})), 404, "Not found");
    }
    const httplib::Result get = r.client.Get(kMembership.c_str());
    check_answer(get, 404, "Not found");
    const json stats = r.get("/_emulator/stats");
    CHECK(stats["by_status"]["404"] == 5);
    CHECK(stats["by_path"]["/users/track"] == 1);
}

TEST_CASE("emulator: at most 1,000 identifiers per request, summed over all changes", "[emulator]") {
    Running r;
    const auto ids = [](const std::string& prefix, int n) {
        std::vector<std::string> out;
        for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
        return out;
    };
    std::vector<json> aliases;
    for (int i = 0; i < 200; ++i) aliases.push_back(alias("email", std::to_string(i) + "@x"));
    json exactly = json::array({change(ids("u", 500), ids("d", 300)), change({}, {}, aliases)});
    check_answer(r.post(kMembership, membership_with("big", exactly)), 200, "success");
    CHECK(r.get("/_emulator/cohorts/big")["member_count"] == 1000);

    exactly.push_back(change({"one-more"}, {}, {}, true));
    check_answer(r.post(kMembership, membership_with("big", exactly)), 400,
                 "Only 1,000 `user_ids`, `device_ids`, and `aliases` are allowed per request");
    CHECK(r.get("/_emulator/cohorts/big")["member_count"] == 1000);
}

TEST_CASE("emulator: bodies over 4 MB are refused with 413", "[emulator]") {
    Running r;
    // 4,000,000 bytes exactly is fine (a valid body padded with spaces); one more is not.
    std::string body = membership("c", {change({"u1"})}).dump();
    body.append(emu::kMaxBodyBytes - body.size(), ' ');
    check_answer(r.post_text(kMembership, body), 200, "success");
    body.push_back(' ');
    check_answer(r.post_text(kMembership, body), 413, "The request body is larger than 4 MB");
    // The connection after a 413 still works.
    check_answer(r.post(kNaming, naming("c")), 200, "success");
}

TEST_CASE("emulator: the rate limit answers 429 and every partner answer carries the headers", "[emulator]") {
    emu::EmulatorConfig config = test_config();
    config.rate_limit = {3, 60};
    Running r(std::move(config));
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();

    std::vector<httplib::Result> answers;
    answers.push_back(r.post(kNaming, naming("c")));
    answers.push_back(r.post(kMembership, membership("", {})));  // a 400 counts too
    answers.push_back(r.post(kMembership, membership("c", {change({"u1"})})));
    answers.push_back(r.post(kMembership, membership("c", {change({"u2"})})));
    REQUIRE(answers.size() == 4);
    const std::vector<int> statuses = {200, 400, 200, 429};
    for (std::size_t i = 0; i < answers.size(); ++i) {
        const httplib::Result& a = answers[i];
        REQUIRE(a);
        CHECK(a->status == statuses[i]);
        CHECK(a->get_header_value("X-RateLimit-Limit") == "3");
        CHECK(a->get_header_value("X-RateLimit-Remaining") == std::to_string(i < 3 ? 2 - i : 0));
        const long long reset = std::stoll(a->get_header_value("X-RateLimit-Reset"));
        CHECK(reset >= now + 59);
        CHECK(reset <= now + 62);
    }
    CHECK(message_of(answers[3]) == "Rate limit exceeded");
    CHECK(r.members("c")["user_ids"] == json({"u1"}));  // the limited change was not applied
    const json stats = r.get("/_emulator/stats");
    CHECK(stats["rate_limited"] == 1);
    CHECK(stats["by_status"]["429"] == 1);

    // Without a limit there are no headers; the hooks never have them.
    Running unlimited;
    const httplib::Result a = unlimited.post(kNaming, naming("c"));
    REQUIRE(a);
    CHECK_FALSE(a->has_header("X-RateLimit-Limit"));
    const httplib::Result hook = r.client.Get("/_emulator/stats");
    REQUIRE(hook);
    CHECK_FALSE(hook->has_header("X-RateLimit-Limit"));
}

TEST_CASE("emulator: only users of the store ever enter a cohort", "[emulator]") {
    emu::EmulatorConfig config = test_config();
    config.users =
        *emu::UserDirectory::from_json_lines(
             R"({"external_id": "u1", "device_ids": ["d1"], "aliases": [{"alias_label":"email","alias_name":"a@x"}]})"
             "\n"
             R"({"device_ids": ["d2"]})"
             "\n"
             R"({"device_ids": ["d3"], "aliases": [{"alias_label":"email","alias_name":"anon@x"}]})"
             "\n"
             R"({"external_id": "u4"})")
             .value;
    Running r(std::move(config));

    check_answer(r.post(kMembership, membership("c", {change({"u1", "ghost"}, {"d1", "d2", "d9"},
                                                             {alias("email", "a@x"), alias("email", "nobody@x"),
                                                              alias("email", "anon@x")})})),
                 200, "success");
    json members = r.members("c");
    CHECK(members["user_ids"] == json({"u1"}));  // ghost: no such user, never created
    CHECK(members["device_ids"] == json({"d2"}));  // d1 belongs to u1 (identified): ignored
    CHECK(members["aliases"] == json::array({alias("email", "a@x")}));  // anon@x: an anonymous user's alias
    CHECK(r.get("/_emulator/cohorts/c")["member_count"] == 2);  // u1 (two ways) and the d2 user
    json stats = r.get("/_emulator/stats");
    CHECK(stats["unknown_identifiers"] == 4);  // ghost, d9, nobody@x, anon@x
    CHECK(stats["ignored_device_ids"] == 1);
    CHECK(stats["members_added"] == 2);

    // Removing by any identifier of a member takes the user out, with every identifier it came in by.
    check_answer(r.post(kMembership, membership("c", {change({}, {"d1"}, {alias("email", "a@x")}, true)})), 200,
                 "success");
    members = r.members("c");
    CHECK(members["user_ids"] == json::array());
    CHECK(members["aliases"] == json::array());
    CHECK(members["device_ids"] == json({"d2"}));

    // Within one request the later change wins.
    check_answer(r.post(kMembership, membership("c", {change({"u4"}), change({"u4"}, {}, {}, true),
                                                      change({}, {"d2"}, {}, true), change({}, {"d2"})})),
                 200, "success");
    members = r.members("c");
    CHECK(members["user_ids"] == json::array());
    CHECK(members["device_ids"] == json({"d2"}));
}

TEST_CASE("emulator: a member keeps every identifier it came in by, however many its user has", "[emulator]") {
    // An anonymous user with 70 devices and an identified one with 70 aliases: identifiers past the 64th of a
    // user are kept apart from the first 64.
    std::vector<emu::User> users(2);
    for (int i = 0; i < 70; ++i) users[0].device_ids.push_back("dev-" + std::to_string(i));
    users[1].external_id = "u1";
    for (int i = 0; i < 70; ++i) users[1].aliases.push_back({"label:" + std::to_string(i), "name"});
    const emu::UserDirectory directory = emu::UserDirectory::from_users(std::move(users));
    CHECK(directory.by_device_id("dev-69").via == 70);
    CHECK(directory.by_alias({"label:69", "name"}).via == 1 + 69);  // after its external id; it has no devices

    emu::CohortBook book;
    emu::MembershipRequest add{"c", {{{"u1"}, {"dev-2", "dev-69"}, {{"label:0", "name"}, {"label:69", "name"}}}}, 6};
    const emu::ApplyOutcome added = book.apply(add, directory);
    CHECK(added.added == 2);
    auto view = book.view("c", directory);
    REQUIRE(view);
    CHECK(view->members == 2);
    CHECK(view->user_ids == std::vector<std::string>{"u1"});
    CHECK(view->device_ids == std::vector<std::string>{"dev-2", "dev-69"});
    CHECK(view->aliases == std::vector<emu::Alias>{{"label:0", "name"}, {"label:69", "name"}});

    // Removed by an identifier it did not come in by: the user leaves, with all of them.
    emu::MembershipRequest remove{"c", {{{}, {"dev-40"}, {}, true}, {{}, {}, {{"label:68", "name"}}, true}}, 2};
    CHECK(book.apply(remove, directory).removed == 2);
    view = book.view("c", directory);
    REQUIRE(view);
    CHECK(view->members == 0);
    CHECK(view->device_ids.empty());
    CHECK(view->aliases.empty());
    CHECK(view->user_ids.empty());

    // In the open world the identifier is the member: an alias's label may hold the separator.
    const emu::UserDirectory everyone = emu::UserDirectory::open_world();
    emu::MembershipRequest open{"o", {{{"u:1"}, {"d:1"}, {{"a:b:c", "n:1"}}}}, 3};
    CHECK(book.apply(open, everyone).added == 3);
    view = book.view("o", everyone);
    REQUIRE(view);
    CHECK(view->members == 3);
    CHECK(view->user_ids == std::vector<std::string>{"u:1"});
    CHECK(view->device_ids == std::vector<std::string>{"d:1"});
    CHECK(view->aliases == std::vector<emu::Alias>{{"a:b:c", "n:1"}});
}

TEST_CASE("emulator: the same change twice is applied once, and duplicate_applied counts it", "[emulator]") {
    Running r;
    const json body = membership("c", {change({"u1", "u2"})});
    check_answer(r.post(kMembership, body), 200, "success");
    CHECK(r.get("/_emulator/stats")["duplicate_applied"] == 0);
    check_answer(r.post(kMembership, body), 200, "success");
    check_answer(r.post(kMembership, membership("c", {change({"u2", "u1"})})), 200, "success");  // other bytes

    const json stats = r.get("/_emulator/stats");
    CHECK(stats["duplicate_applied"] == 1);
    CHECK(stats["membership_applied"] == 3);
    CHECK(stats["members_added"] == 2);
    CHECK(r.members("c")["user_ids"] == json({"u1", "u2"}));
    CHECK(r.emulator.stats().duplicate_applied == 1);
}

TEST_CASE("emulator: concurrent clients: every change is applied and counted once", "[emulator]") {
    Running r;
    const int port = r.emulator.port();
    std::atomic<int> failures{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t)
        clients.emplace_back([&, t] {
            httplib::Client client("127.0.0.1", port);
            for (int i = 0; i < 25; ++i) {
                const json body = membership("c", {change({std::to_string(t) + "-" + std::to_string(i)})});
                const httplib::Result res = client.Post(kMembership.c_str(), body.dump(), "application/json");
                if (!res || res->status != 200) ++failures;
            }
        });
    for (std::thread& client : clients) client.join();
    CHECK(failures == 0);
    CHECK(r.get("/_emulator/cohorts/c")["member_count"] == 100);
    const json stats = r.get("/_emulator/stats");
    CHECK(stats["requests_total"] == 100);
    CHECK(stats["by_status"]["200"] == 100);
    CHECK(stats["members_added"] == 100);
    CHECK(stats["duplicate_applied"] == 0);
}

TEST_CASE("emulator: drop_after applies the change, then the client sees an error and no response", "[emulator]") {
    emu::EmulatorConfig config = test_config();
    config.faults = *emu::parse_fault_spec("drop_after=1").value;
    config.seed = 7;
    Running r(std::move(config));

    const json body = membership("c", {change({"u1"})});
    const httplib::Result first = r.post(kMembership, body);
    REQUIRE_FALSE(first);
    CHECK(first.error() == httplib::Error::Read);
    CHECK(r.members("c")["user_ids"] == json({"u1"}));

    // The client cannot tell and sends again: applied again, and counted as a duplicate.
    REQUIRE_FALSE(r.post(kMembership, body));
    const json stats = r.get("/_emulator/stats");
    CHECK(stats["membership_applied"] == 2);
    CHECK(stats["duplicate_applied"] == 1);
    CHECK(stats["faults"]["drop_after"] == 2);
    CHECK(stats["by_status"].empty());  // nothing was answered
    CHECK(stats["requests_total"] == 2);
}

TEST_CASE("emulator: drop_before closes the connection and applies nothing", "[emulator]") {
    emu::EmulatorConfig config = test_config();
    config.faults = *emu::parse_fault_spec("drop_before=1").value;
    Running r(std::move(config));

    const httplib::Result naming_result = r.post(kNaming, naming("c"));
    REQUIRE_FALSE(naming_result);
    const httplib::Result result = r.post(kMembership, membership("c", {change({"u1"})}));
    REQUIRE_FALSE(result);
    CHECK(result.error() == httplib::Error::Read);
    const httplib::Result missing = r.client.Get("/_emulator/cohorts/c");
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK(r.emulator.stats().dropped_before == 2);
}

TEST_CASE("emulator: injected statuses answer instead of Braze, with latency", "[emulator]") {
    emu::EmulatorConfig config = test_config();
    config.faults = *emu::parse_fault_spec("423=1,latency_ms=30").value;
    Running r(std::move(config));
    const auto t0 = std::chrono::steady_clock::now();
    check_answer(r.post(kMembership, membership("c", {change({"u1"})})), 423, "Resource locked");
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(30));
    CHECK(r.emulator.cohort("c") == std::nullopt);
    CHECK(r.emulator.stats().injected_statuses.at(423) == 1);

    emu::EmulatorConfig mixed = test_config();
    mixed.faults = *emu::parse_fault_spec("500=0.25,502=0.25,503=0.25").value;
    mixed.seed = 1;
    Running m(std::move(mixed));
    std::set<int> statuses;
    for (int i = 0; i < 40; ++i) {
        const httplib::Result a = m.post(kNaming, naming("c"));
        REQUIRE(a);
        statuses.insert(a->status);
    }
    CHECK(statuses == std::set<int>{200, 500, 502, 503});
}

TEST_CASE("emulator: reset forgets cohorts and counters, not users", "[emulator]") {
    emu::EmulatorConfig config = test_config();
    config.users = emu::UserDirectory::from_users({emu::User{"u1", {}, {}}});
    Running r(std::move(config));
    const json body = membership("c", {change({"u1", "u2"})});
    check_answer(r.post(kMembership, body), 200, "success");
    const httplib::Result reset = r.client.Post("/_emulator/reset");
    REQUIRE(reset);
    CHECK(reset->status == 200);
    CHECK(r.get("/_emulator/cohorts")["cohorts"] == json::array());
    CHECK(r.get("/_emulator/stats")["requests_total"] == 0);

    check_answer(r.post(kMembership, body), 200, "success");
    CHECK(r.members("c")["user_ids"] == json({"u1"}));
    CHECK(r.get("/_emulator/stats")["duplicate_applied"] == 0);
}

// ---- the Currents receiver -----------------------------------------------------------------------------

TEST_CASE("emulator: Currents batches are validated, counted, and their event ids kept", "[emulator]") {
    Running r;
    const std::string valid = tdbraze::test::read_fixture("currents/valid-batch.json");
    const httplib::Result ok = r.post_text("/currents", valid);
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(message_of(ok) == "success");
    REQUIRE(r.post_text("/currents", valid));  // a redelivery
    check_answer(r.post_text("/currents", R"({"events":[]})"), 200, "success");
    check_answer(r.post_text("/currents", ""), 200, "success");

    const httplib::Result bad = r.post_text("/currents", R"({"events":[{"event_type":"users.messages.email.Open"}]})");
    REQUIRE(bad);
    CHECK(bad->status == 400);
    const json answer = json::parse(bad->body);
    CHECK(answer["message"] == "The payload has 4 errors");
    CHECK(answer["report"]["summary"]["errors"] == 4);
    CHECK(answer["report"]["diagnostics"][0]["code"].is_string());
    const httplib::Result not_json = r.post_text("/currents", "{");
    REQUIRE(not_json);
    CHECK(not_json->status == 400);

    std::string big = R"({"events":[]})";
    big.append(emu::kMaxCurrentsBodyBytes, ' ');
    check_answer(r.post_text("/currents", big), 413, "The request body is larger than 1 MiB: split the batch");

    const json counters = r.get("/_emulator/currents");
    CHECK(counters["batches_accepted"] == 4);
    CHECK(counters["batches_rejected"] == 2);
    CHECK(counters["events_accepted"] == 6);
    CHECK(counters["events_rejected"] == 1);
    CHECK(counters["too_large"] == 1);
    CHECK(counters["duplicate_event_ids"] == 3);
    std::vector<std::string> ids;
    const json parsed = json::parse(valid);
    for (const json& e : parsed["events"]) ids.push_back(e["id"]);
    const std::vector<std::string> once = ids;
    ids.insert(ids.end(), once.begin(), once.end());
    CHECK(counters["event_ids"] == json(ids));
    CHECK(r.get("/_emulator/stats")["by_path"]["/currents"] == 7);
}

TEST_CASE("emulator: a Currents token makes the bearer header necessary", "[emulator]") {
    emu::EmulatorConfig config = test_config();
    config.currents_token = "currents-token";
    Running r(std::move(config));
    const std::string batch = R"({"events":[]})";

    check_answer(r.post_text("/currents", batch), 401, "Missing or wrong bearer token");
    r.client.set_default_headers({{"Authorization", "Bearer wrong"}});
    check_answer(r.post_text("/currents", batch), 401, "Missing or wrong bearer token");
    r.client.set_default_headers({{"Authorization", "Bearer currents-token"}});
    check_answer(r.post_text("/currents", batch), 200, "success");
    r.client.set_default_headers({{"Authorization", "bearer currents-token"}});  // the scheme is case-blind
    check_answer(r.post_text("/currents", batch), 200, "success");
    CHECK(r.emulator.currents_stats().unauthorized == 2);

    // The pure decision agrees: the token is checked before anything else.
    CHECK(emu::receive_currents({"{", false, ""}, std::string("t"), 0).status == 401);
    CHECK(emu::receive_currents({"", true, "Bearer t"}, std::string("t"), 0).status == 413);
}

TEST_CASE("emulator: faults reach the Currents receiver too", "[emulator]") {
    emu::EmulatorConfig config = test_config();
    config.faults = *emu::parse_fault_spec("drop_after=1").value;
    Running r(std::move(config));
    REQUIRE_FALSE(r.post_text("/currents", tdbraze::test::read_fixture("currents/valid-batch.json")));
    CHECK(r.get("/_emulator/currents")["events_accepted"] == 3);  // accepted, but the answer was lost
}

// ---- TLS and the command line --------------------------------------------------------------------------

namespace {

fs::path scratch() { return tdbraze::test::scratch_dir("emulator"); }

// `tdbraze emulate ARGS...` with stdout on a pipe. Extra environment entries go on top of ours.
struct Child {
    pid_t pid = -1;
    FILE* out = nullptr;

    Child(std::vector<std::string> args, const std::vector<std::string>& extra_env) {
        args.insert(args.begin(), {TDBRAZE_CLI, "emulate"});
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::vector<std::string> env_strings(extra_env);
        for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
        std::vector<char*> envp;
        for (std::string& e : env_strings) envp.push_back(e.data());
        envp.push_back(nullptr);

        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        posix_spawn_file_actions_addclose(&actions, fds[1]);
        const int spawned = posix_spawn(&pid, TDBRAZE_CLI, &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        ::close(fds[1]);
        REQUIRE(spawned == 0);
        out = ::fdopen(fds[0], "r");
    }
    ~Child() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (out != nullptr) std::fclose(out);
    }
    std::string line() {
        char buffer[512] = {};
        if (std::fgets(buffer, sizeof buffer, out) == nullptr) return {};
        return buffer;
    }
    int stop(int signal) {
        ::kill(pid, signal);
        int status = 0;
        ::waitpid(pid, &status, 0);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
};

}  // namespace

// The length of the listening socket's queue, as the kernel reports it (ss's Send-Q of a listening socket:
// Linux offers no getsockopt for it). -1 when ss cannot say.
long listen_backlog(int port) {
    const std::string command = "ss -Hltn 'sport = :" + std::to_string(port) + "' 2>/dev/null";
    std::FILE* ss = ::popen(command.c_str(), "r");
    if (ss == nullptr) return -1;
    char state[32] = {};
    long recv_q = -1, send_q = -1;
    const int got = std::fscanf(ss, "%31s %ld %ld", state, &recv_q, &send_q);
    ::pclose(ss);
    return got == 3 && std::string(state) == "LISTEN" ? send_q : -1;
}

long read_somaxconn() {
    std::ifstream in("/proc/sys/net/core/somaxconn");
    long n = 0;
    in >> n;
    return n;
}

TEST_CASE("emulator: sixteen threads connecting at once all fit in its listening queue", "[emulator]") {
    // cpp-httplib (a compiled library in Debian) listens with a queue of 5: handshakes beyond it were dropped
    // and their clients stalled a second before trying again.
    Running r;
    const long backlog = listen_backlog(r.emulator.port());
    INFO("ss (iproute2, installed by scripts/setup.sh) must list the emulator's socket");
    REQUIRE(backlog != -1);
    CHECK(backlog == std::min(1024L, read_somaxconn()));
    CHECK(backlog >= tdbraze::cohort::kMaxThreads);
}

TEST_CASE("emulator: tdbraze emulate prints its address, takes secrets from the environment, stops on a signal",
          "[emulator]") {
    const fs::path users = scratch() / "users.jsonl";
    std::ofstream(users) << R"({"external_id":"u1"})" << '\n';
    Child child({"--port", "0", "--users", users.string(), "--rate-limit", "100"},
                {"TDBRAZE_EMULATOR_PARTNER_API_KEY=env-key", "TDBRAZE_EMULATOR_CLIENT_SECRET=env-secret"});
    const std::string line = child.line();
    const std::string prefix = "tdbraze emulator listening on http://127.0.0.1:";
    REQUIRE_THAT(line, Catch::StartsWith(prefix) && Catch::EndsWith("\n"));
    const int port = std::stoi(line.substr(prefix.size()));

    httplib::Client client("127.0.0.1", port);
    json body = {{"partner_api_key", "env-key"},
                 {"client_secret", "env-secret"},
                 {"cohort_id", "c"},
                 {"cohort_changes", {change({"u1", "u2"})}}};
    const httplib::Result ok = client.Post(kMembership.c_str(), body.dump(), "application/json");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(ok->get_header_value("X-RateLimit-Limit") == "100");
    body["client_secret"] = kSecret;  // the built-in default no longer works
    const httplib::Result refused = client.Post(kMembership.c_str(), body.dump(), "application/json");
    REQUIRE(refused);
    CHECK(refused->status == 401);
    const httplib::Result members = client.Get("/_emulator/cohorts/c");
    REQUIRE(members);
    CHECK(json::parse(members->body)["members"]["user_ids"] == json({"u1"}));

    CHECK(child.stop(SIGTERM) == 0);
    // One line, and never a secret.
    CHECK(child.line().empty());
}

TEST_CASE("emulator: tdbraze emulate refuses bad options with exit status 2", "[emulator]") {
    const auto status_of = [](const std::string& args) {
        const std::string command = std::string(TDBRAZE_CLI) + " emulate " + args + " >/dev/null 2>&1";
        const int status = std::system(command.c_str());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    };
    CHECK(status_of("--faults 503=2") == 2);
    CHECK(status_of("--users /nonexistent/users.jsonl") == 2);
    const fs::path bad_users = scratch() / "bad-users.jsonl";
    std::ofstream(bad_users) << "{\"external_id\": 5}\n";
    CHECK(status_of("--users " + bad_users.string()) == 2);
    CHECK(status_of("--tls-cert " + bad_users.string()) == 2);  // needs --tls-key
    CHECK(status_of("--port 70000") == 2);
}

TEST_CASE("emulator: serves HTTPS with a certificate and key", "[emulator]") {
    const fs::path cert = scratch() / "cert.pem", key = scratch() / "key.pem";
    const std::string make_cert = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " +
                                  key.string() + " -out " + cert.string() + " >/dev/null 2>&1";
    if (std::system(make_cert.c_str()) != 0) {
        WARN("openssl is not available: HTTPS not tested");
        return;
    }
    emu::EmulatorConfig config = test_config();
    config.tls_cert_file = cert.string();
    config.tls_key_file = key.string();
    emu::BrazeEmulator emulator(std::move(config));
    const int port = started(emulator);
    CHECK(emulator.url() == "https://127.0.0.1:" + std::to_string(port));

    httplib::SSLClient client("127.0.0.1", port);
    client.enable_server_certificate_verification(false);  // self-signed, made a moment ago
    const httplib::Result r = client.Post(kNaming.c_str(), naming("c").dump(), "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(emulator.cohort("c").has_value());

    emu::EmulatorConfig broken = test_config();
    broken.tls_cert_file = key.string();  // not a certificate
    broken.tls_key_file = key.string();
    emu::BrazeEmulator refused(std::move(broken));
    CHECK(refused.start() == -1);
    CHECK_THAT(refused.error(), Catch::Contains("cannot load the TLS certificate"));
}
