// The SARIF 2.1.0 report: one log, one run, for all inputs of an invocation, with a rule for every code the
// check can emit (docs/ci.md describes it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "input_findings.hpp"

namespace tdbraze::cli {

// The log as one line of JSON, no trailing newline. `kind` is the check's, as diagnostic_codes_of takes it.
std::string to_sarif(std::string_view kind, const std::vector<InputFindings>& inputs);

// An input's path as an artifact URI: "stdin" for "-", a relative path stays relative, an absolute one becomes
// file://; every byte but an unreserved character or '/' is percent-encoded (so "a b:c" is "a%20b%3Ac").
std::string sarif_uri(std::string_view path);

// The result's partialFingerprints value: a stable hash of its code, file and place (pointer, row, column).
std::string sarif_fingerprint(std::string_view uri, const Diagnostic& d);

}  // namespace tdbraze::cli
