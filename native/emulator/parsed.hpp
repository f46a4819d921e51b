// Parsed<T>: a value or the reason there is none. What the emulator's parsers (fault specs, user files)
// return instead of throwing, so that the command line can turn the reason into a usage error.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace tdbraze::emulator {

template <class T>
struct Parsed {
    std::optional<T> value;
    std::string error;  // set exactly when value is empty

    static Parsed success(T v) { return Parsed{std::move(v), {}}; }
    static Parsed failure(std::string why) { return Parsed{std::nullopt, std::move(why)}; }
    bool ok() const { return value.has_value(); }
};

}  // namespace tdbraze::emulator
