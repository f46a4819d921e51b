// The progress line of `validate cohort` and `plan cohort` on a terminal (native/cli/read_progress).
#include <catch2/catch.hpp>

#include <sstream>

#include "read_progress.hpp"

using tdbraze::cli::progress_line;
using tdbraze::cli::ReadProgress;

TEST_CASE("read progress: the line says the pass, the share of the file and the speed") {
    CHECK(progress_line("checking", "t.csv", 412'300'000, 867'100'000, 2.0) ==
          "checking t.csv: 412.3 of 867.1 MB (48%), 206.2 MB/s");
    CHECK(progress_line("planning", "standard input", 5'000'000, 0, 0.5) ==
          "planning standard input: 5.0 MB, 10.0 MB/s");
    CHECK(progress_line("checking", "t.csv", 10, 100, 0) == "checking t.csv: 0.0 of 0.0 MB (10%)");  // no speed yet
    CHECK(progress_line("checking", "t.csv", 200, 100, 1).find("(100%)") != std::string::npos);  // a file that grew
}

TEST_CASE("read progress: quiet at first, then at most ten lines a second, and cleared") {
    using namespace std::chrono_literals;
    const auto t0 = ReadProgress::Clock::time_point{} + 1h;
    std::ostringstream out;
    {
        ReadProgress p(out, true, "t.csv", 1'000'000, t0);
        p.start_pass("checking", t0);
        p.add(100'000, t0 + 100ms);
        p.say("finding the repeats in");
        CHECK(out.str().empty());  // a short run shows nothing at all
        p.add(100'000, t0 + 400ms);
        CHECK(out.str() == "\r\x1b[2Kchecking t.csv: 0.2 of 1.0 MB (20%), 0.5 MB/s");
        p.add(100'000, t0 + 450ms);  // too soon after the last line
        CHECK(out.str().find("30%") == std::string::npos);
        p.add(100'000, t0 + 600ms);
        CHECK(out.str().find("(40%)") != std::string::npos);
        p.say("finding the repeats in");
        CHECK(out.str().substr(out.str().size() - 28) == "finding the repeats in t.csv");
        p.start_pass("planning", t0 + 700ms);
        p.add(500'000, t0 + 1000ms);
        CHECK(out.str().find("planning t.csv: 0.5 of 1.0 MB (50%)") != std::string::npos);
    }
    CHECK(out.str().substr(out.str().size() - 5) == "\r\x1b[2K");  // gone when done
    std::ostringstream piped;
    {
        ReadProgress p(piped, false, "t.csv", 1'000'000, t0);
        p.add(1'000'000, t0 + 5s);
        p.say("finding the repeats in");
    }
    CHECK(piped.str().empty());  // not a terminal: nothing
}
