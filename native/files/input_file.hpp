// Reading an input (a file or standard input) in chunks, with errors as values. Every native command that
// reads a table or a payload goes through here.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tdbraze::files {

// The size of the pieces read_in_chunks hands over (the last may be shorter).
inline constexpr std::size_t kInputPieceBytes = 1 << 20;

// An input opened for reading: closed when it goes, unless it is standard input.
using InputFile = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;
// `path` opened ("-" is standard input), or a message naming the file and the reason.
std::variant<InputFile, std::string> open_input(const std::string& path);

// Calls on_chunk for each piece of `path` ("-" is standard input), in order, on the calling thread. The next
// piece is read on a second thread meanwhile. Pieces have a fixed size except the last, so the same file
// gives the same pieces every time. Returns an error message naming the file and the reason, or nothing on
// success. An exception from on_chunk stops the reading and is passed on.
//
// on_read, when given, also sees each piece, first, on the reading thread: for work that needs only the bytes
// (a hash of the file), so that it runs beside on_chunk's instead of before it. Everything it did is visible
// to the caller once read_in_chunks returns.
std::optional<std::string> read_in_chunks(const std::string& path,
                                          const std::function<void(std::string_view)>& on_chunk,
                                          const std::function<void(std::string_view)>& on_read = nullptr);

// Calls on_chunk for the bytes [offset, offset + length) of `file` in order, in pieces of at most
// `piece_bytes`, on the calling thread and with no reading thread: for callers that read parts of one file on
// threads of their own (positioned reads, so they do not share a file position). Stops early at the end of
// the file. Returns 0, or the errno of the read that failed.
int read_range(std::FILE* file, std::uint64_t offset, std::uint64_t length, std::size_t piece_bytes,
               const std::function<void(std::string_view)>& on_chunk);

}  // namespace tdbraze::files
