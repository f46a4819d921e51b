#include "report_sarif.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "hashing.hpp"
#include "tdbraze/diagnostic_codes.hpp"
#include "tdbraze/version.hpp"

namespace tdbraze::cli {
namespace {

using ordered = nlohmann::ordered_json;

const char* sarif_level(Severity s) {
    switch (s) {
        case Severity::Error: return "error";
        case Severity::Warning: return "warning";
        case Severity::Info: return "note";
    }
    return "none";
}

// SARIF's rule name is an identifier in PascalCase by custom: "near-miss-column" is "NearMissColumn".
std::string rule_name(std::string_view code) {
    std::string name;
    bool upper = true;
    for (char c : code) {
        if (c == '-') {
            upper = true;
            continue;
        }
        name += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
        upper = false;
    }
    return name;
}

ordered rule_json(const DiagnosticCode& code) {
    ordered rule;
    rule["id"] = std::string(code.code);
    rule["name"] = rule_name(code.code);
    rule["shortDescription"] = ordered{{"text", std::string(code.title)}};
    rule["helpUri"] = std::string(kManualUri) + std::string(manual_page_of(code)) + '#' + std::string(code.code);
    rule["defaultConfiguration"] = ordered{{"level", sarif_level(code.severity)}};
    return rule;
}

ordered result_json(const Diagnostic& d, std::size_t rule_index, const std::string& uri) {
    ordered result;
    result["ruleId"] = d.code;
    result["ruleIndex"] = rule_index;
    result["level"] = sarif_level(d.severity);
    result["message"] = ordered{{"text", finding_text(d, false)}};
    ordered physical;
    physical["artifactLocation"] = ordered{{"uri", uri}};
    if (d.line != 0) {
        ordered region;
        region["startLine"] = d.line;
        if (d.column != 0) region["startColumn"] = d.column;
        physical["region"] = std::move(region);
    }
    result["locations"] = ordered::array({ordered{{"physicalLocation", std::move(physical)}}});
    result["partialFingerprints"] = ordered{{"tdbrazeFinding/v1", sarif_fingerprint(uri, d)}};
    ordered properties = ordered::object();
    if (!d.pointer.empty()) properties["pointer"] = d.pointer;
    if (d.row != 0) properties["row"] = d.row;
    if (!d.column_name.empty()) properties["field"] = d.column_name;
    if (!properties.empty()) result["properties"] = std::move(properties);
    return result;
}

}  // namespace

std::string sarif_uri(std::string_view path) {
    if (path == "-") return "stdin";
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string uri = path.starts_with('/') ? "file://" : "";
    for (const char ch : path) {
        const auto c = static_cast<unsigned char>(ch);
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
        if (unreserved) uri += ch;
        else uri += {'%', kHex[c >> 4], kHex[c & 0xF]};
    }
    return uri;
}

std::string sarif_fingerprint(std::string_view uri, const Diagnostic& d) {
    PartsHash hash;
    hash.add(d.code);
    hash.add(uri);
    hash.add(d.pointer);
    hash.add(std::to_string(d.row));
    hash.add(d.column_name);
    return hex64(hash.value());
}

std::string to_sarif(std::string_view kind, const std::vector<InputFindings>& inputs) {
    ordered rules = ordered::array();
    std::map<std::string, std::size_t, std::less<>> rule_index;
    const auto add_rule = [&](const DiagnosticCode& code) {
        rule_index.emplace(std::string(code.code), rules.size());
        rules.push_back(rule_json(code));
    };
    for (const DiagnosticCode* code : diagnostic_codes_of(kind)) add_rule(*code);

    ordered results = ordered::array();
    for (const InputFindings& input : inputs) {
        const std::string uri = sarif_uri(input.source);
        for (const Diagnostic& d : input.diagnostics) {
            // A code outside the kind's list still gets its rule, so that every ruleIndex points at one.
            if (!rule_index.contains(d.code)) {
                if (const DiagnosticCode* known = find_diagnostic_code(d.code)) add_rule(*known);
                else {
                    rule_index.emplace(d.code, rules.size());
                    rules.push_back(ordered{{"id", d.code}});
                }
            }
            results.push_back(result_json(d, rule_index.find(d.code)->second, uri));
        }
    }

    ordered driver;
    driver["name"] = "tdbraze";
    driver["version"] = kVersion;
    driver["semanticVersion"] = kVersion;
    driver["informationUri"] = kHomepage;
    driver["rules"] = std::move(rules);
    ordered run;
    run["tool"] = ordered{{"driver", std::move(driver)}};
    run["results"] = std::move(results);
    // The core counts columns in code points (diagnostic.hpp), not SARIF's default UTF-16 code units.
    run["columnKind"] = "unicodeCodePoints";
    ordered log;
    log["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
    log["version"] = "2.1.0";
    log["runs"] = ordered::array({std::move(run)});
    // Replace, not throw, on invalid UTF-8: a message may quote bytes of the input.
    return log.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tdbraze::cli
