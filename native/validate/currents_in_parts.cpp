#include "currents_in_parts.hpp"

#include <algorithm>
#include <exception>
#include <latch>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include "error.hpp"
#include "input_file.hpp"
#include "tdbraze/text.hpp"

namespace tdbraze::validate {
namespace {

// Each part holds a piece and the validator's window (at most one value plus a piece): small pieces keep
// memory flat however many threads run.
constexpr std::size_t kPartPieceBytes = 256 * 1024;
constexpr std::size_t kSeamSearchPiece = 64 * 1024;

std::variant<CurrentsResult, std::string> in_sequence(const std::string& path, const currents::Options& options,
                                                      const std::function<void(std::uint64_t)>& on_read) {
    currents::Validator validator(options, path);
    const auto feed = [&](std::string_view chunk) {
        validator.feed(chunk);
        if (on_read) on_read(chunk.size());
    };
    if (auto error = files::read_in_chunks(path, feed)) return *error;
    return CurrentsResult{validator.finish()};
}

std::string read_error(const std::string& path, int error) {
    return "cannot read '" + path + "': " + system_reason(error);
}

// The first seam (currents::SeamSearch) after `from` and before `limit` (the file's size), if any.
std::optional<std::uint64_t> seam_after(std::FILE* file, std::uint64_t from, std::uint64_t limit, int& error) {
    currents::SeamSearch search(from);
    std::optional<std::uint64_t> found;
    for (std::uint64_t at = from; at < limit && error == 0 && !search.done();) {
        std::uint64_t read = 0;
        const std::uint64_t want = std::min<std::uint64_t>(kSeamSearchPiece, limit - at);
        error = files::read_range(file, at, want, kSeamSearchPiece, [&](std::string_view piece) {
            read += piece.size();
            found = search.feed(piece);
        });
        if (read == 0) break;
        at += read;
    }
    return found;
}

// Counting a part's line breaks (a positioned read and a vectorized count) against validating it: measured on
// 100 MB of JSON Lines, about a tenth.
constexpr double kCountingShare = 0.1;

struct Part {
    currents::LineStart start;
    std::uint64_t end = 0;
    // Counted by the next part's thread, before it validates its own part.
    std::uint64_t newlines = 0;
    bool newlines_known = false;
    int count_error = 0;
    std::exception_ptr count_failure;

    std::optional<currents::Validator> validator;
    int error = 0;
    std::exception_ptr failure;
};

}  // namespace

std::variant<CurrentsResult, std::string> validate_currents(const std::string& path, const currents::Options& options,
                                                            unsigned threads,
                                                            const std::function<void(std::uint64_t)>& on_read) {
    if (threads <= 1 || path == "-") return in_sequence(path, options, on_read);
    auto opened = files::open_input(path);
    if (std::holds_alternative<std::string>(opened))
        return in_sequence(path, options, on_read);  // its message, as always
    std::FILE* const file = std::get<files::InputFile>(opened).get();
    struct stat st {};
    if (::fstat(::fileno(file), &st) != 0 || !S_ISREG(st.st_mode)) return in_sequence(path, options, on_read);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const std::uint64_t wanted = std::min<std::uint64_t>(threads, size / kMinPartBytes);
    if (wanted <= 1) return in_sequence(path, options, on_read);

    // Each part but the first has to know the line it begins on before it is validated: its thread first counts
    // the line breaks of the part before its own (all of them at once), while the first part, whose line is 1,
    // is validated at once. So that all finish together the first part is larger, by what counting costs.
    const double share = 1.0 / (static_cast<double>(wanted) + kCountingShare);  // of each part after the first
    std::vector<Part> parts(1);
    int error = 0;
    for (std::uint64_t k = 1; k < wanted && error == 0; ++k) {
        const auto at = static_cast<std::uint64_t>(static_cast<double>(size) *
                                                   ((1 + kCountingShare) * share + static_cast<double>(k - 1) * share));
        const std::uint64_t guess = std::max(at, parts.back().start.offset + 1);
        const auto seam = seam_after(file, guess, size, error);
        // No seam that far on: not JSON Lines here (a pretty-printed envelope), so most likely nowhere. Looking
        // on would read up to a value's size again for each thread that is left.
        if (!seam) break;
        parts.emplace_back().start.offset = *seam;
    }
    if (error != 0) return read_error(path, error);
    for (std::size_t k = 0; k < parts.size(); ++k)
        parts[k].end = k + 1 < parts.size() ? parts[k + 1].start.offset : size;
    if (parts.size() == 1) return in_sequence(path, options, on_read);

    std::latch counted(static_cast<std::ptrdiff_t>(parts.size() - 1));  // the threads of the parts after the first
    auto work = [&](std::size_t k) {
        Part& part = parts[k];
        if (k > 0) {
            Part& before = parts[k - 1];
            try {
                before.count_error =
                    files::read_range(file, before.start.offset, before.end - before.start.offset, kPartPieceBytes,
                                      [&](std::string_view piece) { before.newlines += count_line_breaks(piece); });
                before.newlines_known = before.count_error == 0;
            } catch (...) {
                before.count_failure = std::current_exception();
            }
            counted.arrive_and_wait();
        }
        try {
            for (std::size_t j = 0; j < k; ++j)
                if (!parts[j].newlines_known) return;  // the line is not known: validated in sequence instead
            std::uint64_t line = 1;
            for (std::size_t j = 0; j < k; ++j) line += parts[j].newlines;
            part.start.line = line;
            currents::Validator v =
                k == 0 ? currents::Validator(options, path) : currents::Validator(options, path, part.start);
            part.error = files::read_range(file, part.start.offset, part.end - part.start.offset, kPartPieceBytes,
                                           [&](std::string_view piece) {
                                               v.feed(piece);
                                               if (on_read) on_read(piece.size());
                                           });
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
                // No thread for it (a process limit): its part is validated in sequence below, and so are the
                // parts after it, whose line is not known then. Nobody waits for its count.
                counted.count_down();
            }
        }
        work(0);
    }
    for (const Part& part : parts) {
        if (part.failure) std::rethrow_exception(part.failure);
        if (part.count_failure) std::rethrow_exception(part.count_failure);
        if (part.error != 0) return read_error(path, part.error);
        if (part.count_error != 0) return read_error(path, part.count_error);
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
    if (!report) return in_sequence(path, options, nullptr);  // read again: not counted again
    return CurrentsResult{std::move(*report), parts.size(), joiner.parts_taken()};
}

}  // namespace tdbraze::validate
