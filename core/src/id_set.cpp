#include "id_set.hpp"

namespace tdbraze {
namespace {

constexpr std::uint64_t kOffsetBits = 40;
constexpr std::uint64_t kOffsetMask = (std::uint64_t{1} << kOffsetBits) - 1;

void put_length(std::string& arena, std::size_t n) {
    while (n >= 0x80) {
        arena += static_cast<char>((n & 0x7F) | 0x80);
        n >>= 7;
    }
    arena += static_cast<char>(n);
}

}  // namespace

std::uint64_t IdSet::hash(std::string_view key) {
    // FNV-1a, then a final mix so that the high bits (used as the tag) depend on every byte.
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : key) {
        h ^= c;
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

std::string_view IdSet::stored(std::uint64_t offset) const {
    std::size_t n = 0;
    int shift = 0;
    auto p = static_cast<std::size_t>(offset);
    for (;;) {
        const auto b = static_cast<unsigned char>(arena_[p++]);
        n |= static_cast<std::size_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) break;
        shift += 7;
    }
    return std::string_view(arena_).substr(p, n);
}

std::size_t IdSet::find_slot(std::string_view key, std::uint64_t h, bool& found) const {
    const std::size_t mask = slots_.size() - 1;
    const std::uint64_t tag = h >> kOffsetBits;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const std::uint64_t s = slots_[i];
        if (s == 0) {
            found = false;
            return i;
        }
        if ((s >> kOffsetBits) == tag && stored((s & kOffsetMask) - 1) == key) {
            found = true;
            return i;
        }
    }
}

bool IdSet::contains(std::string_view key) const {
    if (slots_.empty()) return false;
    bool found = false;
    find_slot(key, hash(key), found);
    return found;
}

bool IdSet::insert(std::string_view key) {
    if ((size_ + 1) * 10 > slots_.size() * 7) grow();
    const std::uint64_t h = hash(key);
    bool found = false;
    const std::size_t i = find_slot(key, h, found);
    if (found) return false;
    const std::uint64_t offset = arena_.size();
    put_length(arena_, key.size());
    arena_.append(key.data(), key.size());
    slots_[i] = ((h >> kOffsetBits) << kOffsetBits) | (offset + 1);
    ++size_;
    return true;
}

void IdSet::grow() {
    std::vector<std::uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
    const std::size_t mask = slots_.size() - 1;
    for (std::uint64_t s : old) {
        if (s == 0) continue;
        const std::uint64_t h = hash(stored((s & kOffsetMask) - 1));
        std::size_t i = h & mask;
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = s;
    }
}

}  // namespace tdbraze
