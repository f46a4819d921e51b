// Reading tables: CSV by RFC 4180, TSV, JSON arrays and JSON Lines of rows, BOMs, bad rows, positions.
#include <catch2/catch.hpp>

#include "cohort_support.hpp"
#include "table_reader.hpp"
#include "tdbraze/table_preview.hpp"

using namespace tdbraze;
using namespace tdbraze::cohort;

namespace {

struct Collected : TableSink {
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::uint64_t> lines;
    std::vector<std::vector<std::uint64_t>> cell_lines;
    std::vector<std::string> errors;  // "code@row:line"
    void on_columns(std::span<const std::string> names, std::size_t first_new, std::uint64_t) override {
        for (std::size_t i = first_new; i < names.size(); ++i) columns.push_back(names[i]);
    }
    void on_row(const RowView& row) override {
        std::vector<std::string> cells;
        cell_lines.emplace_back();
        for (const Cell& c : row.cells) cell_lines.back().push_back(c.line);
        for (const Cell& c : row.cells)
            cells.push_back(c.kind == CellKind::Absent ? "<absent>"
                            : c.kind == CellKind::Null ? "<null>"
                                                       : std::string(c.text));
        rows.push_back(cells);
        lines.push_back(row.line);
    }
    void on_row_error(std::string_view code, std::string, std::string, std::uint64_t row, std::uint64_t line) override {
        errors.push_back(std::string(code) + "@" + std::to_string(row) + ":" + std::to_string(line));
    }
};

Collected read(const std::string& text, TableFormat format = TableFormat::Auto, std::size_t chunk = 1 << 20) {
    Collected c;
    TableReader reader(format, c);
    for (std::size_t i = 0; i < text.size(); i += chunk) reader.feed(std::string_view(text).substr(i, chunk));
    reader.finish();
    return c;
}

using Rows = std::vector<std::vector<std::string>>;
using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("csv: quoted fields, doubled quotes, embedded newlines, CRLF") {
    const std::string text = "user_ids,note\r\n\"a,1\",\"say \"\"hi\"\"\"\r\nb,\"two\r\nlines\"\r\nc,\r\n";
    const Collected c = read(text);
    CHECK(c.columns == Strings{"user_ids", "note"});
    CHECK(c.rows == Rows{{"a,1", "say \"hi\""}, {"b", "two\r\nlines"}, {"c", ""}});
    CHECK(c.lines == std::vector<std::uint64_t>{2, 3, 5});
    CHECK(c.errors.empty());
}

TEST_CASE("csv: the same rows whatever the chunk size") {
    const std::string text = "user_ids,device_ids\n\"q\"\"uote\",d1\n\"multi\nline\",\"\"\nlast,\"x\"";
    const Collected whole = read(text);
    REQUIRE(whole.rows.size() == 3);
    for (std::size_t chunk = 1; chunk < 9; ++chunk) {
        INFO("chunk " << chunk);
        const Collected c = read(text, TableFormat::Auto, chunk);
        CHECK(c.rows == whole.rows);
        CHECK(c.lines == whole.lines);
    }
}

// Rows of plain fields are split 16 bytes at a time (read_plain_row); every other record by the general
// reader. Shifting the rows by every amount puts each kind of record, and each special byte, at every place
// in a block and across the end of the buffer.
TEST_CASE("csv: every kind of record at every offset and chunk size") {
    for (std::size_t pad = 0; pad < 34; ++pad) {
        const std::string first = "u" + std::string(pad, 'x');
        const std::string text = "user_ids,device_ids,note\n" + first +
                                 ",d1,plain\n"
                                 "u2,\"quoted, comma\",n\n"
                                 "u3,d3,crlf\r\n"
                                 "u4,d\r4,lone cr\n"
                                 "u5,mid\"quote,n\n"
                                 "u6,\"two\nlines\",n\n"
                                 "u7,d7,caf\xC3\xA9 with a longer note than sixteen bytes\n"
                                 "u8,d8,bad\xFF\n"
                                 "u9,d9\n"
                                 "u10,d10,n,extra\n"
                                 "\n"
                                 "u12,,\r\n"
                                 "u13,d13,ends with cr\r\r\n"
                                 "u14,d14,last";
        const Rows rows{{first, "d1", "plain"},
                        {"u2", "quoted, comma", "n"},
                        {"u3", "d3", "crlf"},
                        {"u4", "d\r4", "lone cr"},
                        {"u5", "mid\"quote", "n"},
                        {"u6", "two\nlines", "n"},
                        {"u7", "d7", "caf\xC3\xA9 with a longer note than sixteen bytes"},
                        {"u12", "", ""},
                        {"u13", "d13", "ends with cr\r"},
                        {"u14", "d14", "last"}};
        const std::vector<std::uint64_t> lines{2, 3, 4, 5, 6, 7, 9, 14, 15, 16};
        const Strings errors{"invalid-utf8@8:10", "row-width@9:11", "row-width@10:12"};
        for (std::size_t chunk = 1; chunk <= text.size(); chunk += chunk < 40 ? 1 : 37) {
            INFO("pad " << pad << ", chunk " << chunk);
            const Collected c = read(text, TableFormat::Auto, chunk);
            CHECK(c.rows == rows);
            CHECK(c.lines == lines);
            CHECK(c.errors == errors);
            REQUIRE(c.cell_lines.size() == rows.size());
            CHECK(c.cell_lines[5] == std::vector<std::uint64_t>{7, 7, 8});
            CHECK(c.cell_lines[6] == std::vector<std::uint64_t>{9, 9, 9});
        }
    }
}

TEST_CASE("tsv is detected from the header, or chosen") {
    const Collected c = read("user_ids\tname\nu1\tAnn, Lee\n");
    CHECK(c.columns == Strings{"user_ids", "name"});
    CHECK(c.rows == Rows{{"u1", "Ann, Lee"}});
    const Collected forced = read("user_ids,name\nu1,x\n", TableFormat::Tsv);
    CHECK(forced.columns == Strings{"user_ids,name"});
}

TEST_CASE("a header delimited by semicolons alone is read so, detected or given as csv") {
    for (const TableFormat format : {TableFormat::Auto, TableFormat::Csv}) {
        const Collected c = read("user_ids;\"name; full\"\nu1;\"Ann, Lee\"\nu2;Bo\n", format);
        CHECK(c.columns == Strings{"user_ids", "name; full"});
        CHECK(c.rows == Rows{{"u1", "Ann, Lee"}, {"u2", "Bo"}});
        CHECK(c.errors.empty());
    }
    // A comma or a tab anywhere in the header outside quotes: the semicolons are part of the names.
    CHECK(read("user_ids,a;b\nu1,x\n").columns == Strings{"user_ids", "a;b"});
    CHECK(read("user_ids\ta;b\nu1\tx\n").columns == Strings{"user_ids", "a;b"});
    CHECK(read("\"a;b\"\nx\n").columns == Strings{"a;b"});  // quoted: no delimiter at all
    for (std::size_t chunk = 1; chunk < 6; ++chunk)
        CHECK(read("user_ids;x\nu1;a\n", TableFormat::Auto, chunk).rows == Rows{{"u1", "a"}});
}

TEST_CASE("a byte order mark is not part of the first column name") {
    CHECK(read("\xEF\xBB\xBFuser_ids\nu1\n").columns == Strings{"user_ids"});
    CHECK(read("\xEF\xBB\xBF[{\"user_ids\":\"u1\"}]").rows == Rows{{"u1"}});
}

TEST_CASE("bad rows are reported with their row and line, and skipped") {
    const Collected c = read("user_ids,x\nu1,1\nu2\n\"u3\"junk,3\nu\xFF,4\nu5,5\n");
    CHECK(c.rows == Rows{{"u1", "1"}, {"u5", "5"}});
    CHECK(c.errors == Strings{"row-width@2:3", "table-syntax@3:4", "invalid-utf8@4:5"});
}

TEST_CASE("json array of rows: columns appear as rows reveal them") {
    const Collected c =
        read("[\n {\"user_ids\":\"u1\",\"n\":1},\n {\"user_ids\":null,\"device_ids\":\"d\\u00e9\"},\n 7\n]");
    CHECK(c.columns == Strings{"user_ids", "n", "device_ids"});
    REQUIRE(c.rows.size() == 2);
    CHECK(c.rows[0] == Strings{"u1", "1"});
    CHECK(c.rows[1] == Strings{"<null>", "<absent>", "d\xC3\xA9"});
    CHECK(c.lines == std::vector<std::uint64_t>{2, 3});
    CHECK(c.errors == Strings{"row-not-object@3:4"});
}

TEST_CASE("json lines: a broken line does not stop the reading") {
    const Collected c = read("{\"user_ids\":\"u1\"}\n{\"user_ids\": oops}\n{\"user_ids\":\"u3\"}\n");
    CHECK(c.rows == Rows{{"u1"}, {"u3"}});
    CHECK(c.errors == Strings{"table-syntax@2:2"});
}

TEST_CASE("json array: a syntax error stops the reading where it is") {
    const Collected c = read("[{\"user_ids\":\"u1\"},{\"user_ids\":\"u2\"} {\"user_ids\":\"u3\"}]");
    CHECK(c.rows == Rows{{"u1"}, {"u2"}});
    CHECK(c.errors == Strings{"table-syntax@3:1"});
}

TEST_CASE("empty input has no columns and no rows") {
    CHECK(read("").columns.empty());
    CHECK(read("\n\n").rows.empty());
}

TEST_CASE("a row of millions of fields is counted, not stored") {
    // 2,000,001 tab-separated fields after a two-column header: the width error names the real count.
    std::string text = "user_ids\tx\na";
    for (int i = 0; i < 2'000'000; ++i) text += "\t";
    text += "\nb\tc\n";
    const Collected c = read(text, TableFormat::Auto, 4096);
    CHECK(c.errors == Strings{"row-width@1:2"});
    CHECK(c.rows == Rows{{"b", "c"}});
}

TEST_CASE("a header of more than 65536 columns stops the reading") {
    std::string text;
    for (int i = 0; i < 70'000; ++i) text += "c" + std::to_string(i) + ",";
    text += "user_ids\nu1\n";
    const Collected c = read(text);
    CHECK(c.errors == Strings{"row-too-large@0:1"});
    CHECK(c.columns.empty());
    CHECK(c.rows.empty());
}

TEST_CASE("table preview: a page of rows numbered as the planner numbers them, with the rows it skips") {
    using tdbraze::cohort::TablePreview;
    TablePreview csv(tdbraze::cohort::TableFormat::Auto, 2, 2);
    csv.feed("user_ids,email\nu1,a@x\nu2,\nu3,c@x\nu4,d@x\n");
    CHECK(csv.full());
    const auto& page = csv.page();
    CHECK(page.format == tdbraze::cohort::TableFormat::Csv);
    CHECK(page.columns == std::vector<std::string>{"user_ids", "email"});
    REQUIRE(page.rows.size() == 2);
    CHECK(page.rows[0].number == 2);
    CHECK(page.rows[0].line == 3);
    CHECK(page.rows[0].cells[1].blank);
    CHECK(page.rows[1].cells[0].text == "u3");
    CHECK(page.more_rows);

    TablePreview jsonl(tdbraze::cohort::TableFormat::Auto, 1, 10);
    jsonl.feed("{\"user_ids\":\"u1\"}\n{\"user_ids\": nope}\n{\"device_ids\":null}\n");
    jsonl.finish();
    const auto& rows = jsonl.page().rows;
    REQUIRE(rows.size() == 3);
    CHECK(rows[1].number == 2);
    CHECK_FALSE(rows[1].problem.empty());  // not sent: the grid says why
    CHECK(jsonl.page().columns == std::vector<std::string>{"user_ids", "device_ids"});
    CHECK(rows[2].cells[1].text == "null");
    CHECK(rows[2].cells[1].blank);
    CHECK_FALSE(jsonl.page().more_rows);
}
