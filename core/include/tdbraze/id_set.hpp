// tdbraze/id_set.hpp: a set of byte strings that stores each one once, compactly: the distinct identifiers of
// a cohort table (the planner's in-memory duplicate check, and native/sync's on-disk one, partition by partition).
//
// Why not std::unordered_set<std::string>: with ten million identifiers its nodes and string headers cost
// about 80 bytes per entry before the identifier itself. Here an entry costs its bytes plus a length
// prefix in an arena of fixed-size blocks, and 8 bytes of open-addressing slot (at most 7/8 full).
// Comparisons are exact: a hash collision never drops an identifier.
//
// Keys start with a one-byte namespace (identifier_key's type letter: 'u', 'd', 'a'). The hash leaves it
// out, so the same text under two namespaces lands in the same stretch of slots, and asking "is this user
// id also a device id?" right after inserting it costs no second cache miss.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace tdbraze {

// A fast 64-bit hash of any bytes: eight at a time, then murmur3's finaliser. Good and fast, not stable
// across builds: never store it. IdSet hashes keys with it; the sync checks each piece of a table it reads
// again with it.
std::uint64_t hash_bytes(std::string_view bytes);

class IdSet {
public:
    // Adds `key`; returns false when it was already there.
    bool insert(std::string_view key);
    bool contains(std::string_view key) const;

    // The same in steps, for callers that look up many keys at once: a lookup of a new key waits on one
    // miss to memory (a random slot), and prefetching the slots of a few dozen keys before inserting them
    // lets those misses overlap instead of queueing.
    static std::uint64_t hash(std::string_view key);
    void make_room(std::size_t more);  // no growth during the next `more` inserts
    void prefetch(std::uint64_t key_hash) const;  // a hint: nothing changes if it is wrong or stale
    bool insert(std::string_view key, std::uint64_t key_hash);
    bool contains(std::string_view key, std::uint64_t key_hash) const;
    // insert(), and for a new user or device id ('u' or 'd' first) whether the same text is there under the
    // other of the two: the duplicate check asks that of every new one. Both share the hash, and so the run of
    // slots this insert probes anyway, where a second lookup would probe it again.
    bool insert(std::string_view key, std::uint64_t key_hash, bool& other_type);

    // Empties the set but keeps its slots, and its arena while that is one block: a set filled again and again with
    // about as many keys (the on-disk check's parts, one after another) then neither grows nor asks the
    // system for fresh, zeroed memory each time.
    void clear();

    std::size_t size() const { return size_; }
    // Bytes held: slots plus arena blocks (what the planner's memory goal is measured against).
    std::size_t memory_bytes() const;

private:
    std::string_view stored(std::uint64_t position) const;
    std::size_t home_slot(std::uint64_t h) const;
    // The slot of `key`, or the empty one where it would go (`found` says which). With a `twin` (a first byte
    // other than the key's, 0 for none), also sets twin_seen when the same text under that first byte was met
    // on the way: it shares the key's hash, and so its run of slots.
    std::size_t find_slot(std::string_view key, std::uint64_t h, bool& found, char twin, bool& twin_seen) const;
    bool insert(std::string_view key, std::uint64_t h, char twin, bool& twin_seen);
    std::uint64_t append(std::string_view key);
    void add_block(std::size_t bytes);
    void grow();

    // The slot array, zeroed. Large ones ask for transparent huge pages (see allocate_slots).
    struct SlotArray {
        std::uint64_t* data = nullptr;
        std::size_t size = 0;
        SlotArray() = default;
        explicit SlotArray(std::size_t n);
        SlotArray(SlotArray&& o) noexcept : data(o.data), size(o.size) { o.data = nullptr, o.size = 0; }
        SlotArray& operator=(SlotArray&& o) noexcept;
        ~SlotArray();
        std::uint64_t& operator[](std::size_t i) { return data[i]; }
        std::uint64_t operator[](std::size_t i) const { return data[i]; }
    };
    // Slot: 0 = empty; else the top kTagBits of the key's hash above (arena position + 1).
    SlotArray slots_;
    unsigned slot_bits_ = 0;  // slots_.size == 1 << slot_bits_
    // Arena blocks never move once written, so growing the arena never holds two copies of it (a doubling
    // std::string briefly needs three times the ids' bytes). A key longer than a block gets a block of its own.
    std::vector<std::unique_ptr<char[]>> blocks_;
    std::size_t last_capacity_ = 0;  // bytes in blocks_.back()
    std::size_t used_in_last_ = 0;  // of which used
    std::size_t block_bytes_ = 0;  // in all blocks
    std::size_t size_ = 0;
};

}  // namespace tdbraze
