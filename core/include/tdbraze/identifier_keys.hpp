// Identifier keys: one identifier (a user id, a device id or an alias) as a single string unique across the
// three types, and a request's keys packed in one buffer.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tdbraze::cohort {

enum class IdentifierType : std::uint8_t { UserId, DeviceId, Alias };

// "u" + value, "d" + value, "a" + label + NUL + value. Used for de-duplication and for the confirmed
// membership a sync keeps.
std::string identifier_key(IdentifierType type, std::string_view alias_label, std::string_view value);

struct IdentifierParts {
    IdentifierType type;
    std::string_view alias_label;
    std::string_view value;
};
IdentifierParts split_identifier_key(std::string_view key);  // views into `key`

// The keys of a request's identifiers, in body order, in one buffer: each key's length as a LEB128 varint
// (varint.hpp), then its bytes; the state file keeps a confirmed request's keys in this form. A thousand
// strings a request, made by the planner and freed by the sender, cost a sync more than the sending did.
class IdentifierKeys {
public:
    IdentifierKeys() = default;
    IdentifierKeys(std::initializer_list<std::string_view> keys);
    // Keys packed as packed() gives them; nothing when they are damaged (a length past the end).
    static std::optional<IdentifierKeys> from_packed(std::string packed);

    std::size_t size() const { return starts_.size(); }
    bool empty() const { return starts_.empty(); }
    std::string_view operator[](std::size_t i) const;
    const std::string& packed() const { return bytes_; }
    std::vector<std::string> to_strings() const;

    void push_back(std::string_view key);
    // identifier_key(type, alias_label, value), written in place.
    void push_back(IdentifierType type, std::string_view alias_label, std::string_view value);
    // `more`'s keys after these.
    void append(const IdentifierKeys& more);
    void clear();

    friend bool operator==(const IdentifierKeys& a, const IdentifierKeys& b) { return a.bytes_ == b.bytes_; }

private:
    std::string bytes_;
    // Where each key's length begins in bytes_: a request's keys are a few MB at most (its body's limit).
    std::vector<std::uint32_t> starts_;
};

}  // namespace tdbraze::cohort
