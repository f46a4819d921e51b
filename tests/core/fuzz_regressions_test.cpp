// Inputs the fuzzers (tests/fuzz) once broke, kept as tests: the report must not depend on how the input is
// cut into chunks.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tdbraze/cohort.hpp"
#include "tdbraze/currents.hpp"
#include "tdbraze/report_json.hpp"

namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string currents_report(const std::string& input, std::size_t chunk) {
    tdbraze::currents::Options o;
    o.now_epoch_seconds = 1764000000;
    tdbraze::currents::Validator v(o, "fuzz");
    for (std::size_t i = 0; i < input.size(); i += chunk) v.feed(std::string_view(input).substr(i, chunk));
    return tdbraze::to_json(v.finish());
}

std::string cohort_report(const std::string& input, std::size_t chunk) {
    tdbraze::cohort::Settings s;
    s.cohort_id = "fuzz";
    s.created_at = "2025-11-24T09:30:00Z";
    s.alias_columns = {"email"};
    s.max_ids_per_request = 1 + static_cast<unsigned char>(input[0]) % 7;
    tdbraze::cohort::ReadOptions o;
    o.format = static_cast<tdbraze::cohort::TableFormat>(static_cast<unsigned char>(input[0]) % 5);
    tdbraze::cohort::Planner p(s, o, "fuzz");
    const std::string_view table = std::string_view(input).substr(1);
    for (std::size_t i = 0; i < table.size(); i += chunk) p.feed(table.substr(i, chunk));
    return tdbraze::to_json(p.finish());
}

}  // namespace

TEST_CASE("fuzz regressions give the same report for every chunk size") {
    const auto dir = std::filesystem::path(TDBRAZE_FIXTURES) / ".." / "fuzz" / "regressions";
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string input = slurp(entry.path());
        const std::string name = entry.path().filename().string();
        INFO(name);
        ++files;
        const bool currents = name.rfind("currents-", 0) == 0;
        const std::string whole =
            currents ? currents_report(input, input.size() + 1) : cohort_report(input, input.size());
        for (std::size_t chunk = 1; chunk < 64; ++chunk)
            CHECK((currents ? currents_report(input, chunk) : cohort_report(input, chunk)) == whole);
    }
    CHECK(files >= 3);
}
