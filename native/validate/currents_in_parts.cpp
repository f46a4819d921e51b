#include "currents_in_parts.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <latch>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include "input_file.hpp"

namespace tdbraze::validate {
namespace {

// Each part holds a piece and the validator's window (at most one value plus a piece): small pieces keep
// memory flat however many threads run.
constexpr std::size_t kPartPieceBytes = 256 * 1024;
constexpr std::size_t kSeamSearchPiece = 64 * 1024;

std::variant<CurrentsResult, std::string> in_sequence(const std::string& path, const currents::Options& options) {
    currents::Validator validator(options, path);
    if (auto error = files::read_in_chunks(path, [&](std::string_view chunk) { validator.feed(chunk); })) return *error;
    return CurrentsResult{validator.finish()};
}

std::string read_error(const std::string& path, int error) {
    return "cannot read '" + path + "': " + std::strerror(error);
}

// The start of the first line that begins at or after `from` and before `limit`; nothing when there is none. A
// line longer than a value can be is not looked through: the validator stops at such a line anyway.
std::optional<std::uint64_t> line_start_after(std::FILE* file, std::uint64_t from, std::uint64_t limit, int& error) {
    limit = std::min(limit, from + currents::kMaxValueBytes + 1);
    for (std::uint64_t at = from; at < limit && error == 0;) {
        std::optional<std::uint64_t> found;
        std::uint64_t read = 0;
        const std::uint64_t want = std::min<std::uint64_t>(kSeamSearchPiece, limit - at);
        error = files::read_range(file, at, want, kSeamSearchPiece, [&](std::string_view piece) {
            if (const void* nl = std::memchr(piece.data(), '\n', piece.size()); nl != nullptr && !found)
                found = at + read + static_cast<std::uint64_t>(static_cast<const char*>(nl) - piece.data()) + 1;
            read += piece.size();
        });
        if (found) return found < limit ? found : std::nullopt;
        if (read == 0) break;
        at += read;
    }
    return std::nullopt;
}

struct Part {
    currents::LineStart start;
    std::uint64_t end = 0;
    std::uint64_t newlines = 0;
    std::optional<currents::Validator> validator;
    int error = 0;
    std::exception_ptr failure;
};

}  // namespace

std::variant<CurrentsResult, std::string> validate_currents(const std::string& path, const currents::Options& options,
                                                            unsigned threads) {
    if (threads <= 1 || path == "-") return in_sequence(path, options);
    auto opened = files::open_input(path);
    if (std::holds_alternative<std::string>(opened)) return in_sequence(path, options);  // its message, as always
    std::FILE* const file = std::get<files::InputFile>(opened).get();
    struct stat st {};
    if (::fstat(::fileno(file), &st) != 0 || !S_ISREG(st.st_mode)) return in_sequence(path, options);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const std::uint64_t wanted = std::min<std::uint64_t>(threads, size / kMinPartBytes);
    if (wanted <= 1) return in_sequence(path, options);

    std::vector<Part> parts(1);
    int error = 0;
    for (std::uint64_t k = 1; k < wanted && error == 0; ++k) {
        const std::uint64_t guess = std::max(k * (size / wanted), parts.back().start.offset + 1);
        if (const auto seam = line_start_after(file, guess, size, error)) parts.emplace_back().start.offset = *seam;
    }
    if (error != 0) return read_error(path, error);
    for (std::size_t k = 0; k < parts.size(); ++k)
        parts[k].end = k + 1 < parts.size() ? parts[k + 1].start.offset : size;
    if (parts.size() == 1) return in_sequence(path, options);

    // Each part needs the line it begins on: the parts before it count their lines first, all at once.
    std::latch counted(static_cast<std::ptrdiff_t>(parts.size()));
    auto work = [&](std::size_t k) {
        Part& part = parts[k];
        try {
            if (k + 1 < parts.size())
                part.error = files::read_range(
                    file, part.start.offset, part.end - part.start.offset, kPartPieceBytes,
                    [&](std::string_view piece) {
                        part.newlines += static_cast<std::uint64_t>(std::count(piece.begin(), piece.end(), '\n'));
                    });
        } catch (...) {
            part.failure = std::current_exception();
        }
        counted.arrive_and_wait();
        try {
            for (std::size_t j = 0; j <= k; ++j)
                if (parts[j].error != 0 || parts[j].failure) return;  // the line is not known: nothing to do
            std::uint64_t line = 1;
            for (std::size_t j = 0; j < k; ++j) line += parts[j].newlines;
            part.start.line = line;
            currents::Validator v =
                k == 0 ? currents::Validator(options, path) : currents::Validator(options, path, part.start);
            part.error = files::read_range(file, part.start.offset, part.end - part.start.offset, kPartPieceBytes,
                                           [&](std::string_view piece) { v.feed(piece); });
            part.validator = std::move(v);
        } catch (...) {
            part.failure = std::current_exception();
        }
    };
    {
        std::vector<std::jthread> helpers;
        for (std::size_t k = 1; k < parts.size(); ++k) {
            try {
                helpers.emplace_back(work, k);
            } catch (const std::system_error&) {
                // No thread for it (a process limit): it is validated in sequence below, and the parts after
                // it, whose line is not known then, fail their hand-over and are too. Nobody waits for it.
                counted.count_down();
            }
        }
        work(0);
    }
    for (const Part& part : parts) {
        if (part.failure) std::rethrow_exception(part.failure);
        if (part.error != 0) return read_error(path, part.error);
    }

    currents::PartsJoiner joiner(std::move(*parts[0].validator));
    for (std::size_t k = 1; k < parts.size(); ++k) {
        Part& part = parts[k];
        if (part.validator && joiner.add(std::move(*part.validator))) continue;
        error = files::read_range(file, part.start.offset, part.end - part.start.offset, kPartPieceBytes,
                                  [&](std::string_view piece) { joiner.current().feed(piece); });
        if (error != 0) return read_error(path, error);
    }
    std::optional<currents::Report> report = joiner.finish();
    if (!report) return in_sequence(path, options);
    return CurrentsResult{std::move(*report), parts.size(), joiner.parts_taken()};
}

}  // namespace tdbraze::validate
