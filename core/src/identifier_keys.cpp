// Identifier keys, one by one and packed (tdbraze/identifier_keys.hpp).
#include "tdbraze/identifier_keys.hpp"

#include "tdbraze/varint.hpp"

namespace tdbraze::cohort {
namespace {

char type_byte(IdentifierType type) {
    return type == IdentifierType::UserId ? 'u' : type == IdentifierType::DeviceId ? 'd' : 'a';
}

}  // namespace

std::string identifier_key(IdentifierType type, std::string_view alias_label, std::string_view value) {
    std::string key;
    key.reserve(value.size() + alias_label.size() + 2);
    key += type_byte(type);
    if (type == IdentifierType::Alias) {
        key += alias_label;
        key += '\0';
    }
    key += value;
    return key;
}

IdentifierParts split_identifier_key(std::string_view key) {
    if (!key.empty() && key[0] == 'a') {
        const std::size_t nul = key.find('\0');
        return {IdentifierType::Alias, key.substr(1, nul - 1), key.substr(nul + 1)};
    }
    return {!key.empty() && key[0] == 'd' ? IdentifierType::DeviceId : IdentifierType::UserId, {}, key.substr(1)};
}

IdentifierKeys::IdentifierKeys(std::initializer_list<std::string_view> keys) {
    for (const std::string_view key : keys) push_back(key);
}

std::optional<IdentifierKeys> IdentifierKeys::from_packed(std::string packed) {
    IdentifierKeys keys;
    keys.bytes_ = std::move(packed);
    const char* const begin = keys.bytes_.data();
    const char* const end = begin + keys.bytes_.size();
    for (const char* at = begin; at < end;) {
        keys.starts_.push_back(static_cast<std::uint32_t>(at - begin));
        std::uint64_t n = 0;
        if (!get_varint(at, end, n) || n > static_cast<std::uint64_t>(end - at)) return std::nullopt;
        at += n;
    }
    return keys;
}

std::string_view IdentifierKeys::operator[](std::size_t i) const {
    const char* at = bytes_.data() + starts_[i];
    std::uint64_t n = 0;
    get_varint(at, bytes_.data() + bytes_.size(), n);  // written by push_back or checked by from_packed
    return std::string_view(at, static_cast<std::size_t>(n));
}

std::vector<std::string> IdentifierKeys::to_strings() const {
    std::vector<std::string> out;
    out.reserve(size());
    for (std::size_t i = 0; i < size(); ++i) out.emplace_back((*this)[i]);
    return out;
}

void IdentifierKeys::push_back(std::string_view key) {
    starts_.push_back(static_cast<std::uint32_t>(bytes_.size()));
    put_varint(bytes_, key.size());
    bytes_ += key;
}

void IdentifierKeys::push_back(IdentifierType type, std::string_view alias_label, std::string_view value) {
    starts_.push_back(static_cast<std::uint32_t>(bytes_.size()));
    const bool alias = type == IdentifierType::Alias;
    put_varint(bytes_, 1 + (alias ? alias_label.size() + 1 : 0) + value.size());
    bytes_ += type_byte(type);
    if (alias) {
        bytes_ += alias_label;
        bytes_ += '\0';
    }
    bytes_ += value;
}

void IdentifierKeys::append(const IdentifierKeys& more) {
    const auto offset = static_cast<std::uint32_t>(bytes_.size());
    starts_.reserve(starts_.size() + more.starts_.size());
    for (const std::uint32_t start : more.starts_) starts_.push_back(offset + start);
    bytes_ += more.bytes_;
}

void IdentifierKeys::clear() {
    bytes_.clear();
    starts_.clear();
}

}  // namespace tdbraze::cohort
