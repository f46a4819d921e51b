// A set of byte strings that stores each one once, compactly: the distinct identifiers of a cohort table.
//
// Why not std::unordered_set<std::string>: with ten million identifiers its nodes and string headers cost
// about 80 bytes per entry before the identifier itself. Here an entry costs its bytes plus a length
// prefix in one arena, and 8 bytes of open-addressing slot (at most 70% full). Comparisons are exact: a
// hash collision never drops an identifier.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tdbraze {

class IdSet {
public:
    // Adds `key`; returns false when it was already there.
    bool insert(std::string_view key);
    bool contains(std::string_view key) const;
    std::size_t size() const { return size_; }
    std::size_t memory_bytes() const { return arena_.capacity() + slots_.capacity() * sizeof(std::uint64_t); }

private:
    static std::uint64_t hash(std::string_view key);
    std::string_view stored(std::uint64_t offset) const;
    std::size_t find_slot(std::string_view key, std::uint64_t h, bool& found) const;
    void grow();

    // Slot: 0 = empty; else (arena offset + 1) in the low 40 bits, 24 bits of the hash above them.
    std::vector<std::uint64_t> slots_;
    std::string arena_;
    std::size_t size_ = 0;
};

}  // namespace tdbraze
