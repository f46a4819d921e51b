// Output the user asked for (native/files/output_file.hpp): every byte in order, whatever the pieces' sizes
// and however many threads stream into it. Its failures on a full disk are tested through the CLI
// (tests/cli/cli_test.cpp), on a real small disk.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "output_file.hpp"
#include "scratch_dir.hpp"
#include "small_disk.hpp"

namespace fs = std::filesystem;
using tdbraze::files::OutputFile;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("output file: pieces small and large arrive whole and in order, past the buffer's size") {
    const fs::path path = tdbraze::test::scratch_dir("output") / "pieces.txt";
    auto created = OutputFile::create(path);
    REQUIRE(created.has_value());
    OutputFile& out = **created;
    std::string expected;
    std::vector<std::string> owned;
    // Sizes around the 64 KiB buffer: pieces that fit it, fill it exactly, and pass it alone.
    for (const std::size_t size : {0, 1, 7, 4096, 65535, 65536, 65537, 3, 200000, 12}) {
        owned.push_back(std::string(size, static_cast<char>('a' + owned.size())));
        expected += owned.back();
    }
    std::vector<std::string_view> pieces(owned.begin(), owned.end());
    out.write(pieces);
    std::ostream stream(&out);
    stream << " and text " << 42 << '\n';
    expected += " and text 42\n";
    out.write(pieces);
    for (const std::string& piece : owned) expected += piece;
    REQUIRE(out.finish().has_value());
    CHECK_FALSE(out.failed());
    CHECK(slurp(path) == expected);
}

TEST_CASE("output file: lines streamed from several threads at once arrive whole") {
    const fs::path path = tdbraze::test::scratch_dir("output") / "threads.txt";
    auto created = OutputFile::create(path);
    REQUIRE(created.has_value());
    OutputFile& out = **created;
    constexpr int kThreads = 4, kLines = 5000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            std::ostream stream(&out);
            const std::string line = "thread " + std::to_string(t) + " " + std::string(100, 'x') + "\n";
            for (int i = 0; i < kLines; ++i) stream << line;  // one piece per line: each arrives whole
        });
    for (std::thread& t : threads) t.join();
    REQUIRE(out.finish().has_value());
    std::istringstream lines(slurp(path));
    int count = 0;
    for (std::string line; std::getline(lines, line); ++count)
        REQUIRE(line == "thread " + line.substr(7, 1) + " " + std::string(100, 'x'));
    CHECK(count == kThreads * kLines);
}

TEST_CASE("output file: a file that cannot be made is an error naming it and the OS's reason") {
    const fs::path path = tdbraze::test::scratch_dir("output") / "no-such-folder" / "x.txt";
    auto created = OutputFile::create(path);
    REQUIRE_FALSE(created.has_value());
    CHECK(created.error().code == tdbraze::ErrorCode::OutputUnwritable);
    CHECK(created.error().message == "cannot write '" + path.string() + "': No such file or directory");
}

TEST_CASE("output file: a file replaced on a full disk keeps its old text whole, and the error says why") {
    tdbraze::test::SmallDisk disk(tdbraze::test::scratch_dir("output") / "full-disk", "size=16k");
    if (!disk.mounted) {
        WARN("not root or no mount: the full-disk case needs a small tmpfs");
        return;
    }
    const fs::path path = disk.dir / "settings.json";
    REQUIRE(tdbraze::files::replace_file(path, "{\"old\":true}\n", 0600).has_value());
    CHECK((fs::status(path).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
    std::ofstream(disk.dir / "filler", std::ios::binary) << std::string(12 * 1024, 'x');
    const auto replaced = tdbraze::files::replace_file(path, std::string(8 * 1024, 'n'), 0600);
    REQUIRE_FALSE(replaced.has_value());
    CHECK(replaced.error().code == tdbraze::ErrorCode::OutputUnwritable);
    CHECK(replaced.error().message == "cannot write '" + path.string() + ".tmp': No space left on device");
    CHECK(slurp(path) == "{\"old\":true}\n");
    CHECK_FALSE(fs::exists(path.string() + ".tmp"));
    fs::remove(disk.dir / "filler");
    REQUIRE(tdbraze::files::replace_file(path, std::string(8 * 1024, 'n'), 0600).has_value());
    CHECK(slurp(path) == std::string(8 * 1024, 'n'));
}
