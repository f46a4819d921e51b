// Every diagnostic code the core can emit is documented in docs/ under a heading of its own.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tdbraze/diagnostic_codes.hpp"

TEST_CASE("every registered diagnostic code has a section in docs") {
    std::string docs;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(TDBRAZE_FIXTURES) + "/../../docs")) {
        if (entry.path().extension() != ".md") continue;
        std::ifstream in(entry.path());
        std::ostringstream s;
        s << in.rdbuf();
        docs += s.str();
    }
    REQUIRE(!docs.empty());
    for (const tdbraze::DiagnosticCode& code : tdbraze::diagnostic_codes()) {
        INFO(code.code);
        CHECK(docs.find("### `" + std::string(code.code) + "`\n") != std::string::npos);
    }
}
