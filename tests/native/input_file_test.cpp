// native/files/input_file: reading ahead on a second thread must hand over every byte in order, in the same
// pieces every time, and fail with the file's name.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "input_file.hpp"

using tdbraze::files::read_in_chunks;

namespace {

std::string temp_path(const char* name) {
    return std::string(std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp") + "/tdbraze-input-" +
           std::to_string(::getpid()) + "-" + name;
}

std::string pattern(std::size_t size) {
    std::string s(size, '\0');
    std::uint32_t x = 12345;
    for (char& c : s) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 24);
    }
    return s;
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
}

}  // namespace

TEST_CASE("read_in_chunks hands over every byte in order, in fixed pieces", "[files]") {
    alignas(std::atomic_ref<std::size_t>::required_alignment) std::size_t read_bytes = 0;
    // Sizes around the piece size (1 MiB) and around several of them, with the three buffers reused.
    const std::size_t mib = 1 << 20;
    const auto size = GENERATE_COPY(std::size_t{0}, std::size_t{1}, mib - 1, mib, mib + 1, 3 * mib, 7 * mib + 12345);
    const std::string content = pattern(size);
    const std::string path = temp_path("pieces");
    write_file(path, content);

    std::string got, read_first;
    std::vector<std::size_t> pieces;
    bool read_ahead = true;  // on_read saw each piece before on_chunk did
    const auto error = read_in_chunks(
        path,
        [&](std::string_view piece) {
            got.append(piece);
            pieces.push_back(piece.size());
            // on_read runs on another thread; only its bytes' count is read here, after it has moved on.
            read_ahead = read_ahead && std::atomic_ref(read_bytes).load() >= got.size();
        },
        [&](std::string_view piece) {
            read_first.append(piece);
            std::atomic_ref(read_bytes).fetch_add(piece.size());
        });
    std::remove(path.c_str());
    REQUIRE_FALSE(error);
    CHECK(got == content);
    CHECK(read_first == content);  // visible here: the reading thread has finished
    CHECK(read_ahead);
    CHECK(pieces.size() == (size + mib - 1) / mib);
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i) CHECK(pieces[i] == mib);
}

TEST_CASE("read_in_chunks passes an exception from the caller's work on and stops reading", "[files]") {
    const std::string path = temp_path("throw");
    write_file(path, pattern(5 << 20));
    int calls = 0;
    CHECK_THROWS_AS(read_in_chunks(path,
                                   [&](std::string_view) {
                                       if (++calls == 2) throw std::runtime_error("stop");
                                   }),
                    std::runtime_error);
    CHECK(calls == 2);
    // From the reading thread's work too: it reaches the caller, and nothing more is handed over.
    int chunks = 0;
    CHECK_THROWS_AS(read_in_chunks(
                        path, [&](std::string_view) { ++chunks; },
                        [&, pieces = 0](std::string_view) mutable {
                            if (++pieces == 3) throw std::runtime_error("stop");
                        }),
                    std::runtime_error);
    CHECK(chunks <= 2);
    std::remove(path.c_str());
}

TEST_CASE("read_in_chunks names the file it cannot read", "[files]") {
    const std::string missing = temp_path("missing");
    const auto error = read_in_chunks(missing, [](std::string_view) { FAIL("no piece expected"); });
    REQUIRE(error);
    CHECK(error->find("cannot open '" + missing + "'") != std::string::npos);

    const auto directory = read_in_chunks("/", [](std::string_view) { FAIL("no piece expected"); });
    REQUIRE(directory);
    CHECK(directory->find("it is a directory") != std::string::npos);
}
