// Planning: the exact request bodies, batching by 1000 ids and 4 MB, order, operations, streaming output.
#include <catch2/catch.hpp>

#include <set>

#include "cohort_support.hpp"
#include "tdbraze/id_set.hpp"

using namespace tdbraze;
using namespace tdbraze::cohort;
using nlohmann::json;
using test::membership_bodies;
using test::plan_table;
using test::settings;

namespace {

// The example table of Braze's Treasure Data cohort page, and what each of its three queries returns.
const std::string kUserQuery = "user_ids\nTDCohort1\nTDCohort2\nTDCohort3\nTDCohort4\n";
const std::string kDeviceQuery =
    "device_ids\n2a81c6b0-0001-4f6e-9d41-7c1e5b3a9f01\n2a81c6b0-0002-4f6e-9d41-7c1e5b3a9f02\n"
    "2a81c6b0-0003-4f6e-9d41-7c1e5b3a9f03\n2a81c6b0-0004-4f6e-9d41-7c1e5b3a9f04\n";
const std::string kAliasQuery =
    "email\ntdcohort1@example.com\ntdcohort2@example.com\ntdcohort3@example.com\ntdcohort4@example.com\n";

std::string ids_table(const std::string& column, int n, const std::string& prefix = "id-") {
    std::string t = column + "\n";
    for (int i = 0; i < n; ++i) t += prefix + std::to_string(i) + "\n";
    return t;
}

}  // namespace

TEST_CASE("the naming call comes first with name and created_at") {
    Settings s = settings();
    s.cohort_name = "Spring buyers";
    const Plan p = plan_table(kUserQuery, s);
    REQUIRE(p.requests.size() == 2);
    CHECK(p.requests[0].path == "/partners/treasuredata/cohorts");
    CHECK(p.requests[0].body ==
          R"({"partner_api_key":"<partner_api_key>","client_secret":"<client_secret>","cohort_id":"cohort-1",)"
          R"("name":"Spring buyers","created_at":"2025-11-24T09:30:00Z"})");
    CHECK(json::parse(plan_table(kUserQuery).requests[0].body)["name"] == "cohort-1");  // defaults to the id
}

TEST_CASE("Braze's Treasure Data example: four ids per type, one request each") {
    const Plan users = plan_table(kUserQuery);
    CHECK(users.report.ok());
    CHECK(users.report.diagnostics.empty());
    CHECK(users.report.summary.user_ids == 4);
    CHECK(users.report.summary.requests == 1);
    REQUIRE(users.requests.size() == 2);
    CHECK(users.requests[1].path == "/partners/treasuredata/cohorts/users");
    CHECK(
        users.requests[1].body ==
        R"({"partner_api_key":"<partner_api_key>","client_secret":"<client_secret>","cohort_id":"cohort-1",)"
        R"("cohort_changes":[{"user_ids":["TDCohort1","TDCohort2","TDCohort3","TDCohort4"],"should_remove":false}]})");

    const Plan devices = plan_table(kDeviceQuery);
    CHECK(devices.report.summary.device_ids == 4);
    CHECK(membership_bodies(devices).at(0)["cohort_changes"][0]["device_ids"].size() == 4);

    const Plan aliases = plan_table(kAliasQuery, settings({"email"}));
    CHECK(aliases.report.summary.aliases == 4);
    CHECK(aliases.report.summary.requests == 1);
    const json change = membership_bodies(aliases).at(0)["cohort_changes"][0];
    CHECK(change["aliases"][0] == json{{"alias_name", "tdcohort1@example.com"}, {"alias_label", "email"}});
    CHECK(change["aliases"].size() == 4);
    CHECK_FALSE(change.contains("user_ids"));
}

TEST_CASE("remove sets should_remove and the partner segment is a setting") {
    Settings s = settings();
    s.operation = Operation::Remove;
    s.partner = "td-eu";
    const Plan p = plan_table(kUserQuery, s);
    CHECK(p.requests[1].path == "/partners/td-eu/cohorts/users");
    CHECK(membership_bodies(p)[0]["cohort_changes"][0]["should_remove"] == true);
}

TEST_CASE("at most 1000 identifiers per request, counting every type") {
    std::string table = "user_ids,device_ids,email\n";
    for (int i = 0; i < 1000; ++i)
        table += "u" + std::to_string(i) + ",d" + std::to_string(i) + ",e" + std::to_string(i) + "@x.org\n";
    const Plan p = plan_table(table, settings({"email"}));
    const auto bodies = membership_bodies(p);
    REQUIRE(bodies.size() == 3);
    std::size_t total = 0;
    for (const json& b : bodies) {
        const json& c = b["cohort_changes"][0];
        const std::size_t n = c.value("user_ids", json::array()).size() + c.value("device_ids", json::array()).size() +
                              c.value("aliases", json::array()).size();
        CHECK(n <= 1000);
        total += n;
    }
    CHECK(total == 3000);
    CHECK(p.report.summary.requests == 3);
    // Input order, first occurrence wins: the first request starts with the first row's ids.
    CHECK(bodies[0]["cohort_changes"][0]["user_ids"][0] == "u0");
    CHECK(bodies[0]["cohort_changes"][0]["device_ids"][0] == "d0");
    CHECK(bodies[2]["cohort_changes"][0]["aliases"].back()["alias_name"] == "e999@x.org");
}

TEST_CASE("a smaller max_ids_per_request splits sooner") {
    Settings s = settings();
    s.max_ids_per_request = 3;
    const Plan p = plan_table(ids_table("user_ids", 10), s);
    const auto bodies = membership_bodies(p);
    REQUIRE(bodies.size() == 4);
    CHECK(bodies[3]["cohort_changes"][0]["user_ids"] == json::array({"id-9"}));
}

TEST_CASE("no body exceeds 4 MB") {
    std::string table = "user_ids\n";
    const std::string pad(500, 'p');
    for (int i = 0; i < 9000; ++i) table += pad + std::to_string(i) + "\n";  // ~4.5 MB of ids in 9 requests by count
    const Plan p = plan_table(table);
    for (const auto& r : p.requests) CHECK(r.body.size() <= kMaxBodyBytes);
    CHECK(p.report.summary.user_ids == 9000);
    const Plan huge = plan_table("user_ids\n" + std::string(kMaxBodyBytes, 'h') + "\nu2\n");
    CHECK(test::cohort_with_code(huge.report, "identifier-too-large").size() == 1);
    CHECK(huge.report.summary.user_ids == 1);
}

TEST_CASE("duplicates are sent once and the same text in another type is another identifier") {
    const Plan p = plan_table("user_ids,device_ids\na,b\na,\nb,a\n");
    CHECK(p.report.summary.user_ids == 2);
    CHECK(p.report.summary.device_ids == 2);
    CHECK(p.report.summary.duplicates == 1);
    const json c = membership_bodies(p).at(0)["cohort_changes"][0];
    CHECK(c["user_ids"] == json::array({"a", "b"}));
    CHECK(c["device_ids"] == json::array({"b", "a"}));
}

TEST_CASE("identifiers are escaped as JSON in the bodies") {
    const Plan p = plan_table("{\"user_ids\":\"quote\\\" back\\\\ \\u3042\"}\n");
    REQUIRE(p.report.ok());
    CHECK(membership_bodies(p).at(0)["cohort_changes"][0]["user_ids"][0] == "quote\" back\\ \xE3\x81\x82");
}

TEST_CASE("a quote, a backslash or a control character anywhere in values of every length up to 24 bytes") {
    // The planner looks at each value eight bytes at a time (its last eight again) and tells the batcher when
    // nothing needs escaping; the bodies must hold every value exactly, and only values with a control
    // character are refused.
    for (const char special : {'"', '\\', '\x01', '\x7F'}) {
        std::string table = "user_ids\n";
        std::vector<std::string> sent;
        std::size_t refused = 0;
        for (std::size_t size = 1; size <= 24; ++size) {
            for (std::size_t at = 0; at <= size; ++at) {  // at == size: none
                std::string value(size, 'v');
                value[size - 1] = static_cast<char>('a' + size % 26);
                if (at < size) value[at] = special;
                value += "-" + std::to_string(size) + "-" + std::to_string(at);  // distinct
                if (at < size && (special == '\x01' || special == '\x7F')) ++refused;
                else sent.push_back(value);
                json cell = value;
                table += cell.dump() + "\n";
            }
        }
        // As JSON Lines: a CSV field cannot hold every byte without its own quoting rules getting in the way.
        std::string lines;
        for (std::size_t from = table.find('\n') + 1; from < table.size();) {
            const std::size_t end = table.find('\n', from);
            lines += "{\"user_ids\":" + table.substr(from, end - from) + "}\n";
            from = end + 1;
        }
        const Plan p = plan_table(lines);
        INFO("special byte " << static_cast<int>(static_cast<unsigned char>(special)));
        CHECK(p.report.summary.errors == refused);
        std::vector<std::string> in_bodies;
        for (const json& body : membership_bodies(p))
            for (const json& id : body["cohort_changes"][0]["user_ids"]) in_bodies.push_back(id.get<std::string>());
        CHECK(in_bodies == sent);
    }
}

TEST_CASE("requests stream out while the table is read") {
    Planner planner(settings(), {}, "stream");
    const std::string table = ids_table("user_ids", 5000);
    std::size_t seen = 0;
    planner.feed(std::string_view(table).substr(0, table.size() / 2));
    seen += planner.take_requests().size();
    CHECK(seen >= 2);  // the naming call and at least one full request before the end
    planner.feed(std::string_view(table).substr(table.size() / 2));
    seen += planner.take_requests().size();
    const Report r = planner.finish();
    seen += planner.take_requests().size();
    CHECK(seen == 6);
    CHECK(r.summary.requests == 5);
}

TEST_CASE("the plan does not depend on chunk boundaries") {
    for (const std::string& table : {
             std::string(
                 "\xEF\xBB\xBFuser_ids,email,junk\r\n\"u,1\",A@x.org,\"a\nb\"\r\nu2, b@x.org ,\r\nu2,a@X.org,z\r\n"),
             std::string("{\"user_ids\":\"u1\",\"email\":\"a@x\"}\n{\"device_ids\": "
                         "oops}\n{\"user_ids\":\"u2\"\n{\"user_ids\":\"u3\"}\n"),
         }) {
        const Plan whole = plan_table(table, settings({"email"}));
        for (std::size_t chunk = 1; chunk < 12; ++chunk) {
            Planner planner(settings({"email"}), {}, "table");
            std::vector<PlannedRequest> requests;
            for (std::size_t i = 0; i < table.size(); i += chunk) {
                planner.feed(std::string_view(table).substr(i, chunk));
                for (auto& r : planner.take_requests()) requests.push_back(r);
            }
            const Report report = planner.finish();
            for (auto& r : planner.take_requests()) requests.push_back(r);
            INFO("chunk " << chunk);
            CHECK(to_json(report) == to_json(whole.report));
            REQUIRE(requests.size() == whole.requests.size());
            for (std::size_t i = 0; i < requests.size(); ++i) CHECK(requests[i].body == whole.requests[i].body);
        }
    }
}

TEST_CASE("rows read apart from their checks give the same plan, in every format") {
    // What native/ does on two threads (files::read_table_rows): a RowReader splits each chunk into rows, a
    // planner checks them. Quoted line breaks, escapes, BOM, CRLF, a bad row, JSON members in a new order, a
    // nested value, a row too wide: every call of the reader's must reach the planner as it was made.
    const std::string tables[] = {
        "\xEF\xBB\xBFuser_ids,email,junk\r\n\"u,1\",A@x.org,\"a\nb\"\r\nu2, b@x.org ,\r\nu2,a@X.org,z\r\n"
        "\"say \"\"hi\"\"\",c@x.org,\nu3,\"d\n@x.org\",x\nu4,e@x.org,1,extra\n\xff\xfe,f@x.org,\nlast,g@x.org,",
        "user_ids\tdevice_ids\temail\nu1\td1\t\nu1\t\tA@x\n\td1\ta@x \n",
        "{\"user_ids\":\"u1\",\"email\":\"a@x\"}\n{\"device_ids\": oops}\n{\"user_ids\":\"u2\"\n{\"user_ids\":\"u3\"}\n"
        "{\"email\":\"A@x\",\"user_ids\":\"u\\u00e9\",\"device_ids\":[1]}\n{\"user_ids\":7,\"user_ids\":8}\n",
        "[{\"user_ids\":\"a\"},{\"device_ids\":\"a\",\"other\":{\"x\":1}},{\"email\":\"b@x\"},\n{\"user_ids\":null}]",
    };
    for (const std::string& table : tables) {
        const Settings s = settings({"email"});
        const Plan whole = plan_table(table, s);
        REQUIRE(whole.report.summary.rows > 0);
        for (std::size_t chunk :
             {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{64}, table.size()}) {
            Planner planner(s, {}, "table"), fed_bytes(s, {}, "table");
            RowReader reader(TableFormat::Auto, s);
            RowBatch rows;  // used again for every chunk, as native/ does
            std::vector<PlannedRequest> requests;
            for (std::size_t i = 0; i < table.size(); i += chunk) {
                reader.read(std::string_view(table).substr(i, chunk), rows);
                planner.feed_rows(rows);
                fed_bytes.feed(std::string_view(table).substr(i, chunk));
                CHECK(planner.bytes_consumed() == fed_bytes.bytes_consumed());  // what progress shows
                for (auto& r : planner.take_requests()) requests.push_back(r);
            }
            reader.finish(rows);
            planner.feed_rows(rows);
            const Report report = planner.finish();
            for (auto& r : planner.take_requests()) requests.push_back(r);
            INFO("chunk " << chunk << " of " << table.substr(0, 20));
            CHECK(to_json(report) == to_json(whole.report));
            REQUIRE(requests.size() == whole.requests.size());
            for (std::size_t i = 0; i < requests.size(); ++i) {
                CHECK(requests[i].body == whole.requests[i].body);
                CHECK(requests[i].keys == whole.requests[i].keys);
            }
        }
    }
}

TEST_CASE("a row batch of one whole table, read at once, plans it") {
    // Wide ignored columns around the identifier column, which a batch leaves out: the rows still count, the
    // identifiers are all there, and the batch of the input's end is empty when no row was left open.
    std::string table = "junk1,user_ids,junk2\n";
    for (int i = 0; i < 200; ++i)
        table += std::string(500, 'x') + ",u" + std::to_string(i) + "," + std::string(500, 'y') + "\n";
    RowReader reader(TableFormat::Auto, settings());
    RowBatch rows;
    reader.read(table, rows);
    CHECK(rows.rows() == 201);  // the header and 200 rows
    Planner planner(settings(), {}, "table");
    planner.feed_rows(rows);
    reader.finish(rows);
    CHECK(rows.rows() == 0);
    planner.feed_rows(rows);
    const Report report = planner.finish();
    CHECK(report.summary.user_ids == 200);
    CHECK(report.summary.rows == 200);
    CHECK(to_json(report) == to_json(plan_table(table, settings()).report));
}

TEST_CASE("hash_bytes: every byte of a key counts, at every length") {
    // A tail read wrongly would leave a byte out of the hash: then keys differing in it would always collide.
    // Changing any one byte of keys of 0 to 40 bytes changes the hash (a 64-bit collision by chance among
    // these few thousand is not to be expected).
    for (std::size_t length = 0; length <= 40; ++length) {
        std::string key(length, 'k');
        for (std::size_t i = 0; i < length; ++i) key[i] = static_cast<char>('a' + i % 26);
        const std::uint64_t h = hash_bytes(key);
        CHECK(hash_bytes(key) == h);  // a function of the bytes alone
        for (std::size_t at = 0; at < length; ++at)
            for (const char other : {'\0', 'Z', '\xff'}) {
                std::string changed = key;
                changed[at] = other;
                INFO("length " << length << ", byte " << at);
                CHECK(hash_bytes(changed) != h);
            }
        if (length > 0) CHECK(hash_bytes(key.substr(0, length - 1)) != h);  // a shorter key is another key
    }
}

TEST_CASE("id set: exact membership through growth") {
    IdSet set;
    for (int i = 0; i < 100000; ++i) CHECK(set.insert("id-" + std::to_string(i)));
    CHECK(set.size() == 100000);
    for (int i = 0; i < 100000; i += 997) CHECK_FALSE(set.insert("id-" + std::to_string(i)));
    CHECK(set.contains("id-99999"));
    CHECK_FALSE(set.contains("id-100000"));
    CHECK(set.insert(""));
    CHECK_FALSE(set.insert(""));
    CHECK(set.insert(std::string(300, 'x')));  // a length prefix over one byte
    CHECK(set.contains(std::string(300, 'x')));
}

TEST_CASE("id set: keys across arena blocks, keys longer than a block, and namespaces") {
    IdSet set;
    // 400,000 keys of 24 bytes fill a few 4 MiB arena blocks; every key must still be found afterwards.
    auto key = [](int i) {
        std::string k = "u" + std::to_string(i);
        k.resize(24, '.');
        return k;
    };
    for (int i = 0; i < 400000; ++i) REQUIRE(set.insert(key(i)));
    const std::string huge(5 * 1024 * 1024, 'h');  // longer than a block: a block of its own
    CHECK(set.insert(huge));
    CHECK(set.insert("u-after-the-huge-one"));
    for (int i = 0; i < 400000; i += 7) REQUIRE_FALSE(set.insert(key(i)));
    CHECK_FALSE(set.insert(huge));
    CHECK(set.contains("u-after-the-huge-one"));
    CHECK(set.size() == 400002);
    // The namespace byte is not hashed, but it is compared: the same text as another type is another key.
    CHECK(set.insert("d0"));
    CHECK(set.insert("u0"));
    CHECK_FALSE(set.insert("d0"));
    CHECK(set.contains("u0"));
    CHECK_FALSE(set.contains("a0"));
    CHECK(set.memory_bytes() >= huge.size() + 400000 * 25);
}

TEST_CASE("id set: cleared, it holds nothing and takes keys again") {
    IdSet set;
    for (int round = 0; round < 3; ++round) {
        INFO("round " << round);
        const int n = round == 1 ? 300000 : 5000;  // the middle round spills into a second arena block
        for (int i = 0; i < n; ++i) REQUIRE(set.insert("k" + std::to_string(round) + "-" + std::to_string(i)));
        CHECK(set.size() == static_cast<std::size_t>(n));
        CHECK_FALSE(set.insert("k" + std::to_string(round) + "-7"));
        const std::size_t held = set.memory_bytes();
        set.clear();
        CHECK(set.size() == 0);
        CHECK(set.memory_bytes() <= held);
        CHECK_FALSE(set.contains("k" + std::to_string(round) + "-7"));
        CHECK(set.insert("k" + std::to_string(round) + "-7"));
        set.clear();
    }
}

TEST_CASE("id set: an insert tells whether the other of user and device id came first, as contains() does") {
    IdSet set;
    std::set<std::string, std::less<>> seen;
    // Short and long texts, many sharing a hash with their twin, through several growths of the slots.
    for (int i = 0; i < 60000; ++i) {
        const char type = "uda"[(i * 7) % 3];
        const int n = (i * 7919) % 20000;
        std::string key(1, type);
        if (type == 'a') key += "email";
        key += n % 5 == 0 ? std::string(n % 40, 'x') + std::to_string(n) : std::to_string(n);
        INFO(key);
        bool other_type = true;
        const bool added = set.insert(key, IdSet::hash(key), other_type);
        CHECK(added == seen.insert(key).second);
        std::string twin = key;
        if (type != 'a') twin[0] = type == 'u' ? 'd' : 'u';
        CHECK(other_type == (added && type != 'a' && seen.count(twin) != 0));
    }
    CHECK(set.size() == seen.size());
}

TEST_CASE("planned requests carry the keys of their identifiers in body order") {
    const Plan p = plan_table("user_ids,device_ids,email\nu1,d1,a@x.org\n", settings({"email"}));
    REQUIRE(p.requests.size() == 2);
    CHECK(p.requests[0].keys.empty());
    CHECK(p.requests[1].keys.to_strings() ==
          std::vector<std::string>{"uu1", "dd1", std::string("aemail\0a@x.org", 14)});
    const IdentifierParts alias = split_identifier_key(p.requests[1].keys[2]);
    CHECK(alias.type == IdentifierType::Alias);
    CHECK(alias.alias_label == "email");
    CHECK(alias.value == "a@x.org");
    CHECK(split_identifier_key("dd1").type == IdentifierType::DeviceId);
}

TEST_CASE("with an identifier sink the table's distinct identifiers are handed over, not planned") {
    std::vector<std::string> seen;
    Planner planner(settings({"email"}), {}, "t",
                    [&](IdentifierType type, std::string_view label, std::string_view value) {
                        seen.push_back(identifier_key(type, label, value));
                    });
    planner.feed("user_ids,email\nu1,a@x.org\nu1,b@x.org\n");
    const Report r = planner.finish();
    CHECK(planner.take_requests().empty());
    CHECK(seen ==
          std::vector<std::string>{"uu1", std::string("aemail\0a@x.org", 14), std::string("aemail\0b@x.org", 14)});
    CHECK(r.summary.user_ids == 1);
    CHECK(r.summary.duplicates == 1);
}

TEST_CASE("the batcher packs explicit identifiers the same way") {
    RequestBatcher batcher(settings(), Operation::Remove);
    for (int i = 0; i < 2500; ++i) REQUIRE(batcher.add(IdentifierType::UserId, {}, "u" + std::to_string(i)));
    batcher.flush();
    const auto requests = batcher.take();
    REQUIRE(requests.size() == 3);
    CHECK(requests[2].ids == 500);
    CHECK(json::parse(requests[0].body)["cohort_changes"][0]["should_remove"] == true);
    CHECK_FALSE(batcher.add(IdentifierType::UserId, {}, std::string(kMaxBodyBytes, 'x')));
}

TEST_CASE("counting requests without writing them gives the same report as planning them") {
    // Many ids of varied length so the 1000-id limit and the byte arithmetic both decide where requests end.
    std::string table = "user_ids,device_ids,email\n";
    for (int i = 0; i < 5000; ++i)
        table += "u" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 40), 'x') + ",d" +
                 std::to_string(i % 3000) + ",e" + std::to_string(i % 1700) + "@x.org\n";
    for (int max_ids : {1000, 7}) {
        Settings s = settings({"email"});
        s.max_ids_per_request = max_ids;
        ReadOptions counting;
        counting.plan_requests = false;
        const Plan planned = plan(table, s, ReadOptions{}, "t");
        const Plan counted = plan(table, s, counting, "t");
        INFO("max ids " << max_ids);
        CHECK(planned.report.summary.requests == planned.requests.size() - 1);  // the naming call on top
        CHECK(to_json(counted.report) == to_json(planned.report));
        REQUIRE(counted.requests.size() == 1);
        CHECK(counted.requests[0].body == planned.requests[0].body);  // the naming call is still there
    }
}

TEST_CASE("identifiers answered in batches keep the table's order of findings") {
    // The planner asks about identifiers a few dozen at a time; a finding recorded in between (here a
    // control character) must still come after the earlier rows' own findings (here oversized values), which
    // decides which ones are kept when not all fit.
    const std::string huge(kMaxBodyBytes + 1, 'h');
    const std::string table = "user_ids\n" + huge + "\n\"bad\x01one\"\n" + huge + "x\n\"bad\x02two\"\nfine\n";
    ReadOptions o;
    o.max_diagnostics = 2;
    Planner planner(settings(), o, "t");
    planner.feed(table);  // in one piece: every row is read before the batch is answered
    const Report r = planner.finish();
    REQUIRE(r.diagnostics.size() == 2);
    CHECK(r.diagnostics[0].code == "identifier-too-large");
    CHECK(r.diagnostics[0].row == 1);
    CHECK(r.diagnostics[1].code == "control-character");
    CHECK(r.diagnostics[1].row == 2);
    CHECK(r.summary.errors == 4);
    CHECK(r.summary.user_ids == 1);
}
