// The CI formats' writers (native/cli): SARIF URIs and fingerprints, GitHub's escaping, one annotation line per
// finding and the summary notice.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <sstream>

#include "report_github.hpp"
#include "report_sarif.hpp"
#include "tdbraze/diagnostic_codes.hpp"

using namespace tdbraze;
using namespace tdbraze::cli;

namespace {

Diagnostic finding(Severity s, std::string code, std::string message, std::uint64_t line, std::uint64_t column) {
    Diagnostic d;
    d.severity = s;
    d.code = std::move(code);
    d.message = std::move(message);
    d.line = line;
    d.column = column;
    return d;
}

}  // namespace

TEST_CASE("sarif: a path as a relative URI, stdin, absolute paths") {
    CHECK(sarif_uri("-") == "stdin");
    CHECK(sarif_uri("payloads/a.json") == "payloads/a.json");
    CHECK(sarif_uri("two words, a:b 100%.json") == "two%20words%2C%20a%3Ab%20100%25.json");
    CHECK(sarif_uri("/tmp/x y.csv") == "file:///tmp/x%20y.csv");
    CHECK(sarif_uri("caf\xc3\xa9.csv") == "caf%C3%A9.csv");
}

TEST_CASE("sarif: the fingerprint follows code, file and place, not the message or line") {
    Diagnostic a = finding(Severity::Error, "field-type", "one", 3, 4);
    a.pointer = "/events/0/id";
    Diagnostic b = a;
    b.message = "another wording";
    b.line = 9;
    CHECK(sarif_fingerprint("a.json", a) == sarif_fingerprint("a.json", b));
    CHECK(sarif_fingerprint("a.json", a).size() == 16);
    CHECK(sarif_fingerprint("b.json", a) != sarif_fingerprint("a.json", a));
    b.pointer = "/events/1/id";
    CHECK(sarif_fingerprint("a.json", a) != sarif_fingerprint("a.json", b));
    b = a;
    b.code = "missing-member";
    CHECK(sarif_fingerprint("a.json", a) != sarif_fingerprint("a.json", b));
}

TEST_CASE("sarif: rules are the kind's codes, with levels, regions and properties of results") {
    InputFindings in{"t.csv", {}, 1, 0, 1};
    Diagnostic row = finding(Severity::Error, "control-character", "a line break", 4, 0);
    row.row = 3;
    row.column_name = "user_ids";
    row.hint = "remove it";
    in.diagnostics.push_back(row);
    in.diagnostics.push_back(finding(Severity::Info, "ignored-columns", "not sent", 0, 0));
    const auto log = nlohmann::json::parse(to_sarif("cohort", {in}));
    const auto& run = log["runs"][0];
    CHECK(run["tool"]["driver"]["rules"].size() == diagnostic_codes_of("cohort").size());
    const auto& r0 = run["results"][0];
    CHECK(run["tool"]["driver"]["rules"][r0["ruleIndex"].get<std::size_t>()]["id"] == "control-character");
    CHECK(r0["level"] == "error");
    CHECK(r0["message"]["text"] == "a line break\nhint: remove it");
    CHECK(r0["locations"][0]["physicalLocation"]["region"] == nlohmann::json{{"startLine", 4}});
    CHECK(r0["properties"] == nlohmann::json{{"row", 3}, {"field", "user_ids"}});
    const auto& r1 = run["results"][1];
    CHECK(r1["level"] == "note");
    CHECK(r1["locations"][0]["physicalLocation"] == nlohmann::json{{"artifactLocation", {{"uri", "t.csv"}}}});
    CHECK(!r1.contains("properties"));
}

TEST_CASE("sarif: the SQL check's rules include the header codes it applies to output columns") {
    std::vector<std::string> ids;
    for (const DiagnosticCode* c : diagnostic_codes_of("sql")) ids.emplace_back(c->code);
    for (const char* code : {"sql-unreadable", "sql-unnamed-column", "sql-star-unresolved", "duplicate-column",
                             "near-miss-column", "alias-column-missing", "no-identifier-column", "ignored-columns"})
        CHECK(std::find(ids.begin(), ids.end(), code) != ids.end());
    CHECK(std::find(ids.begin(), ids.end(), "row-width") == ids.end());
    for (const DiagnosticCode* c : diagnostic_codes_of("currents")) CHECK(manual_page_of(*c) == "currents.md");
}

TEST_CASE("github: escaping of messages and property values") {
    CHECK(github_escape_message("100% a:b, c\r\nd") == "100%25 a:b, c%0D%0Ad");
    CHECK(github_escape_property("100% a:b, c\r\nd") == "100%25 a%3Ab%2C c%0D%0Ad");
}

TEST_CASE("github: one line per finding, positions when known, a summary notice") {
    InputFindings in{"dir/a:b, c%.json", {}, 1, 1, 1};
    Diagnostic e = finding(Severity::Error, "field-type", "\"id\" must be a string:\nnot 3", 2, 7);
    e.pointer = "/events/0/id";
    e.hint = "quote it, 100%";
    in.diagnostics.push_back(e);
    in.diagnostics.push_back(finding(Severity::Warning, "unknown-field", "w", 5, 0));
    in.diagnostics.push_back(finding(Severity::Info, "duplicate-check-limit", "i", 0, 0));
    std::ostringstream out;
    print_github_annotations(out, in);
    CHECK(out.str() ==
          "::error file=dir/a%3Ab%2C c%25.json,line=2,col=7,title=field-type::\"id\" must be a string:%0Anot 3 (at "
          "/events/0/id)%0Ahint: quote it, 100%25\n"
          "::warning file=dir/a%3Ab%2C c%25.json,line=5,title=unknown-field::w\n"
          "::notice file=dir/a%3Ab%2C c%25.json,title=duplicate-check-limit::i\n"
          "::notice::tdbraze: dir/a:b, c%25.json: 1 error, 1 warning, 1 note\n");
}

TEST_CASE("github: standard input has no file property") {
    InputFindings in{"-", {finding(Severity::Error, "json-syntax", "bad", 1, 2)}, 1, 0, 0};
    std::ostringstream out;
    print_github_annotations(out, in);
    CHECK(out.str() ==
          "::error title=json-syntax::bad\n::notice::tdbraze: standard input: 1 error, 0 warnings, 0 notes\n");
}
