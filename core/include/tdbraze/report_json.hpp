// The machine-readable report: one JSON object per input, the shape documented in docs/currents.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tdbraze/cohort.hpp"
#include "tdbraze/currents.hpp"
#include "tdbraze/sql_check.hpp"

namespace tdbraze {

// One line of JSON, no trailing newline. Identical bytes from the native and the WebAssembly build.
std::string to_json(const currents::Report& report);
std::string to_json(const cohort::Report& report);
std::string to_json(const sql::Report& report);

// A Currents report again from to_json's text, which to_json gives back byte for byte; nothing when the text is
// not such a report. For the page, whose second Worker hands its part's report over as text.
std::optional<currents::Report> currents_report_from_json(std::string_view json);

// One planned request as a JSON Lines record: {"method":"POST","path":...,"body":{...}}.
std::string to_json_line(const cohort::PlannedRequest& request);
// The same record in three parts, so that a large body is written from where it lies instead of copied:
// json_line_head(request), then request.body, then kJsonLineTail.
std::string json_line_head(const cohort::PlannedRequest& request);
inline constexpr std::string_view kJsonLineTail = "}";

// The entry that stands for diagnostics left out of a report by Options::max_diagnostics.
Diagnostic omitted_diagnostic(std::uint64_t count);

}  // namespace tdbraze
