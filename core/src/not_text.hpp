// Recognising, from its first bytes, an input that is not text at all (a compressed file, an Avro export,
// binary data), so that a reader says so once instead of reporting every line of it as a syntax error.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tdbraze {

// How many first bytes recognise_not_text wants to see (fewer only when the input is shorter).
inline constexpr std::size_t kNotTextHeadBytes = 512;

struct NotText {
    std::string what;  // "this looks like a gzip file", "byte 3 is a NUL byte": what the input is instead
    std::string hint;  // what to do about it
};

// Why `head`, the first bytes of an input, cannot be text, or nothing. `whole`: head is the entire input (a
// multi-byte character cut at its end is then invalid, not merely cut).
std::optional<NotText> recognise_not_text(std::string_view head, bool whole);

}  // namespace tdbraze
