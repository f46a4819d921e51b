// native/files/table_rows: a table split into rows on the reading thread must plan exactly as the bytes fed
// to a planner do, report every byte for progress, show on_read the same pieces as read_in_chunks, and stop
// cleanly (no hang, no lost exception) when the caller's work throws.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "input_file.hpp"
#include "table_rows.hpp"
#include "cohort_support.hpp"
#include "tdbraze/report_json.hpp"

using namespace tdbraze;

namespace {

std::string temp_path(const char* name) {
    return std::string(std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp") + "/tdbraze-rows-" +
           std::to_string(::getpid()) + "-" + name;
}

// The settings of the cohort tests, with an alias column.
cohort::Settings alias_settings() { return test::settings({"email"}); }

// Rows long and short, quoted line breaks falling across slice and piece boundaries, an unclosed quote (an
// error that swallows the rows up to the next quote), and repeats.
std::string table(std::size_t rows) {
    std::string t = "user_ids,email,junk\n";
    for (std::size_t i = 0; i < rows; ++i) {
        t += "u" + std::to_string(i % 70000) + ",";
        t += i % 5 == 0 ? "\"m" + std::to_string(i) + "\n@x.org\"" : "M" + std::to_string(i % 9000) + "@x.org";
        t += i % 3 == 0 ? "," + std::string(i % 200, 'j') + "\n" : ",\n";
        if (i == rows / 2) t += "broken,\"row\n";  // an unclosed quote swallows what follows up to the next quote
    }
    return t;
}

}  // namespace

TEST_CASE("read_table_rows plans as the bytes fed whole do, and counts every byte", "[files]") {
    const std::string content = table(GENERATE(std::size_t{0}, std::size_t{10}, std::size_t{150000}));
    const std::string path = temp_path("plan.csv");
    std::ofstream(path, std::ios::binary) << content;

    cohort::Planner whole(alias_settings(), {}, path);
    whole.feed(content);
    const cohort::Report expected = whole.finish();

    cohort::Planner planner(alias_settings(), {}, path);
    std::size_t bytes = 0, calls = 0;
    const auto error = files::read_table_rows(path, cohort::RowReader(cohort::TableFormat::Auto, alias_settings()),
                                              [&](const cohort::RowBatch& rows, std::size_t n) {
                                                  planner.feed_rows(rows);
                                                  bytes += n;
                                                  ++calls;
                                              });
    REQUIRE_FALSE(error.has_value());
    CHECK(bytes == content.size());
    CHECK(calls >= content.size() / (256 * 1024));  // in slices, not whole pieces
    CHECK(to_json(planner.finish()) == to_json(expected));
    std::remove(path.c_str());
}

TEST_CASE("read_table_rows hands long rows over in larger slices, and short rows in small ones", "[files]") {
    // A batch costs memory per row besides its bytes: slices of short rows stay small.
    const std::size_t row_bytes = GENERATE(std::size_t{2}, std::size_t{100});
    std::string content = "user_ids\n";
    for (std::size_t i = 0; content.size() < (4u << 20); ++i) {
        std::string id = "u" + std::to_string(i);
        id.resize(row_bytes - 1, 'x');
        content += id + "\n";
    }
    const std::string path = temp_path("slices.csv");
    std::ofstream(path, std::ios::binary) << content;
    std::size_t largest = 0, most_rows = 0;
    REQUIRE_FALSE(files::read_table_rows(path, cohort::RowReader(cohort::TableFormat::Auto, alias_settings()),
                                         [&](const cohort::RowBatch& rows, std::size_t n) {
                                             largest = std::max(largest, n);
                                             most_rows = std::max(most_rows, rows.rows());
                                         })
                      .has_value());
    INFO("rows of " << row_bytes << " bytes");
    CHECK(largest <= 256 * 1024);
    if (row_bytes == 2) {
        CHECK(largest <= 64 * 1024);
    } else {
        CHECK(largest > 64 * 1024);
        CHECK(most_rows <= 4096 + 1);  // the slice's rows, and one cut by the slice before
    }
    std::remove(path.c_str());
}

TEST_CASE("read_table_rows shows on_read the pieces read_in_chunks gives", "[files]") {
    const std::string content = table(120000);  // several MiB
    const std::string path = temp_path("pieces.csv");
    std::ofstream(path, std::ios::binary) << content;
    std::vector<std::string> chunks, seen;
    REQUIRE_FALSE(files::read_in_chunks(path, [&](std::string_view c) { chunks.emplace_back(c); }).has_value());
    REQUIRE(chunks.size() > 2);
    REQUIRE_FALSE(files::read_table_rows(
                      path, cohort::RowReader(cohort::TableFormat::Auto, alias_settings()),
                      [](const cohort::RowBatch&, std::size_t) {},
                      [&](std::string_view piece) { seen.emplace_back(piece); })
                      .has_value());
    CHECK(seen == chunks);
    std::remove(path.c_str());
}

TEST_CASE("read_table_rows passes on an exception from the caller's work and stops reading", "[files]") {
    const std::string content = table(150000);
    const std::string path = temp_path("throw.csv");
    std::ofstream(path, std::ios::binary) << content;
    std::size_t calls = 0;
    CHECK_THROWS_AS(files::read_table_rows(path, cohort::RowReader(cohort::TableFormat::Auto, alias_settings()),
                                           [&](const cohort::RowBatch&, std::size_t) {
                                               if (++calls == 3) throw std::runtime_error("stop");
                                           }),
                    std::runtime_error);
    CHECK(calls == 3);
    // From on_read (the reading thread) too.
    CHECK_THROWS_AS(
        files::read_table_rows(
            path, cohort::RowReader(cohort::TableFormat::Auto, alias_settings()),
            [](const cohort::RowBatch&, std::size_t) {}, [](std::string_view) { throw std::runtime_error("x"); }),
        std::runtime_error);
    std::remove(path.c_str());
}

TEST_CASE("read_table_rows names the file it cannot read, as read_in_chunks does", "[files]") {
    const std::string missing = temp_path("missing.csv");
    const auto on_rows = [](const cohort::RowBatch&, std::size_t) {};
    const auto error =
        files::read_table_rows(missing, cohort::RowReader(cohort::TableFormat::Auto, alias_settings()), on_rows);
    REQUIRE(error.has_value());
    CHECK(*error == *files::read_in_chunks(missing, [](std::string_view) {}));
    CHECK(error->find(missing) != std::string::npos);
    const auto directory =
        files::read_table_rows("/tmp", cohort::RowReader(cohort::TableFormat::Auto, alias_settings()), on_rows);
    REQUIRE(directory.has_value());
    CHECK(directory->find("it is a directory") != std::string::npos);
}
