// SeamSearch: where a part of a large input may begin, for validating it in parts (natively on threads, in the
// page on two Workers).
#include <cstring>

#include "tdbraze/currents.hpp"

namespace tdbraze::currents {
namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool opens(char c) { return c == '{' || c == '['; }
bool closes(char c) { return c == '}' || c == ']'; }

// The last byte of d[from, to) that is not blank, if any.
void note_last(const char* d, std::size_t from, std::size_t to, char& closing) {
    for (std::size_t j = to; j > from; --j)
        if (!blank(d[j - 1])) {
            closing = d[j - 1];
            return;
        }
}

}  // namespace

SeamSearch::SeamSearch(std::uint64_t from) : at_(from), limit_(from + kMaxValueBytes + 1) {}

std::optional<std::uint64_t> SeamSearch::feed(std::string_view piece) {
    const std::uint64_t base = at_;
    at_ += piece.size();
    if (base < limit_ && piece.size() > limit_ - base) piece = piece.substr(0, static_cast<std::size_t>(limit_ - base));
    if (found_ || base >= limit_ || piece.empty()) return found_;
    const char* d = piece.data();
    const std::size_t n = piece.size();
    if (line_start_ && opens(d[0]) && closes(closing_)) return found_ = base;
    std::size_t segment = 0;  // where the current line's bytes in this piece begin
    while (const void* nl = std::memchr(d + segment, '\n', n - segment)) {
        const auto p = static_cast<std::size_t>(static_cast<const char*>(nl) - d);
        note_last(d, segment, p, closing_);
        if (p + 1 < n && opens(d[p + 1]) && closes(closing_)) return found_ = base + p + 1;
        segment = p + 1;
    }
    note_last(d, segment, n, closing_);
    line_start_ = d[n - 1] == '\n';
    return found_;
}

}  // namespace tdbraze::currents
