#include "input_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "error.hpp"
#include "work_ahead.hpp"

namespace tdbraze::files {
namespace {

// Why a reading thread: perf of `validate cohort` on a table already in the page cache put a fifth of the
// time in the kernel copying the file into our buffer. On the second core that copy overlaps the work on
// the previous piece. One piece ahead: with the one being read and the caller's, three buffers, so that
// neither side waits for the other at a piece's boundary.
struct Piece {
    std::vector<char> bytes;
    std::size_t size = 0;
};

// Reads `file` to its end in pieces of kInputPieceBytes, calling on_read (if any) with each on the thread.
int read_pieces(std::FILE* file, const std::function<void(std::string_view)>& on_read,
                const WorkAhead<Piece>::HandOver& hand_over) {
    for (bool last = false; !last;) {
        int error = 0;
        const bool going = hand_over([&](Piece& piece) {
            piece.bytes.resize(kInputPieceBytes);
            piece.size = std::fread(piece.bytes.data(), 1, piece.bytes.size(), file);
            last = piece.size < piece.bytes.size();
            if (last && std::ferror(file)) error = errno != 0 ? errno : EIO;
            if (on_read && piece.size > 0) on_read(std::string_view(piece.bytes.data(), piece.size));
        });
        if (!going) return 0;
        if (error != 0) return error;
    }
    return 0;
}

}  // namespace

std::variant<InputFile, std::string> open_input(const std::string& path) {
    if (path == "-") return InputFile(stdin, [](std::FILE*) { return 0; });
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        return "cannot read '" + path + "': it is a directory; give a file";
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (const int error = errno; file == nullptr) return "cannot open '" + path + "': " + system_reason(error);
    return InputFile(file, &std::fclose);
}

std::optional<std::string> read_in_chunks(const std::string& path,
                                          const std::function<void(std::string_view)>& on_chunk,
                                          const std::function<void(std::string_view)>& on_read) {
    auto opened = open_input(path);
    if (auto* message = std::get_if<std::string>(&opened)) return *message;
    std::FILE* const file = std::get<InputFile>(opened).get();
    WorkAhead<Piece> pieces(1, [&](const auto& hand_over) { return read_pieces(file, on_read, hand_over); });
    while (const Piece* piece = pieces.next())
        if (piece->size > 0) on_chunk(std::string_view(piece->bytes.data(), piece->size));
    if (const int error = pieces.error(); error != 0) return "cannot read '" + path + "': " + system_reason(error);
    return std::nullopt;
}

int read_range(std::FILE* file, std::uint64_t offset, std::uint64_t length, std::size_t piece_bytes,
               const std::function<void(std::string_view)>& on_chunk) {
    std::vector<char> piece(static_cast<std::size_t>(std::min<std::uint64_t>(piece_bytes, length)));
    const int fd = ::fileno(file);
    for (std::uint64_t done = 0; done < length;) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), length - done));
        const ssize_t got = ::pread(fd, piece.data(), want, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return errno != 0 ? errno : EIO;
        if (got == 0) return 0;
        on_chunk(std::string_view(piece.data(), static_cast<std::size_t>(got)));
        done += static_cast<std::uint64_t>(got);
    }
    return 0;
}

}  // namespace tdbraze::files
