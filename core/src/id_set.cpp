#include "tdbraze/id_set.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

#if defined(__linux__) && !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#endif

namespace tdbraze {
namespace {

// A slot: the top kTagBits of the hash, then (arena position + 1) in the low kPositionBits.
constexpr unsigned kTagBits = 28;
constexpr unsigned kPositionBits = 64 - kTagBits;
constexpr std::uint64_t kPositionMask = (std::uint64_t{1} << kPositionBits) - 1;
// Arena positions are (block << kBlockBits) | offset: 4 MiB blocks, at most 2^(36-22) = 16,384 of them (64 GiB).
constexpr unsigned kBlockBits = 22;
constexpr std::size_t kBlockBytes = std::size_t{1} << kBlockBits;
constexpr std::size_t kMaxBlocks = std::size_t{1} << (kPositionBits - kBlockBits);
constexpr std::size_t kFirstBlockBytes = 64 * 1024;  // small tables (the web page's) stay small
constexpr unsigned kFirstSlotBits = 10;

std::size_t length_prefix_bytes(std::size_t n) {
    std::size_t bytes = 1;
    while (n >= 0x80) {
        n >>= 7;
        ++bytes;
    }
    return bytes;
}

std::uint64_t load64(const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}

std::uint32_t load32(const char* p) {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
}

// The namespace byte first: a user id and a device id of the same text share a hash (and so a tag), and
// telling them apart should not cost a call to memcmp.
bool same_key(std::string_view stored, std::string_view key) {
    return stored.size() == key.size() &&
           (key.empty() ||
            (stored[0] == key[0] && std::memcmp(stored.data() + 1, key.data() + 1, key.size() - 1) == 0));
}

}  // namespace

std::uint64_t hash_bytes(std::string_view bytes) {
    const char* p = bytes.data();
    std::size_t n = bytes.size();
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
    for (; n >= 8; n -= 8, p += 8) {
        h ^= load64(p) * 0x87C37B91114253D5ull;
        h = (h << 31 | h >> 33) * 0x4CF5AD432745937Full;
    }
    if (n > 0) {
        // The last 1 to 7 bytes in one or two loads, never a copy a byte at a time into a word on the stack:
        // loading that word back cannot be forwarded from the byte stores and stalled, which was two thirds of
        // this function. A key of 8 bytes or more re-reads its last 8 bytes and keeps the new ones; a shorter
        // one is read in overlapping pieces, which for a given length still cover every byte once at least.
        std::uint64_t tail;
        if (bytes.size() >= 8) {
            tail = load64(p + n - 8) >> (64 - 8 * n);
        } else if (n >= 4) {
            tail = std::uint64_t{load32(p)} | std::uint64_t{load32(p + n - 4)} << 32;
        } else {
            const auto byte = [&](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
            tail = byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16;
        }
        h ^= tail * 0x87C37B91114253D5ull;
        h = (h << 31 | h >> 33) * 0x4CF5AD432745937Full;
    }
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

std::uint64_t IdSet::hash(std::string_view key) {
    // The namespace byte is left out on purpose (see the header). Nothing about the order of slots is ever
    // shown, so the hash need not be stable across builds.
    if (!key.empty()) key.remove_prefix(1);
    return hash_bytes(key);
}

std::size_t IdSet::memory_bytes() const { return slots_.size * sizeof(std::uint64_t) + block_bytes_; }

// Every insert of a new identifier lands on a random slot. With 4 KiB pages each such access also misses
// the TLB once the table passes a few megabytes, so on Linux a large table asks for 2 MiB pages
// (transparent huge pages are usually "madvise" only). This is the core's one platform call: an
// allocation hint, no I/O, and nothing changes but speed where it is not honoured.
IdSet::SlotArray::SlotArray(std::size_t n) : size(n) {
#if defined(__linux__) && !defined(__EMSCRIPTEN__)
    const std::size_t bytes = n * sizeof(std::uint64_t);
    constexpr std::size_t kHugePage = std::size_t{2} << 20;
    if (bytes >= kHugePage) {
        data = static_cast<std::uint64_t*>(std::aligned_alloc(kHugePage, bytes));
        if (data == nullptr) throw std::bad_alloc();
        madvise(data, bytes, MADV_HUGEPAGE);
        std::memset(data, 0, bytes);
        return;
    }
#endif
    data = static_cast<std::uint64_t*>(std::calloc(n, sizeof(std::uint64_t)));
    if (data == nullptr) throw std::bad_alloc();
}

IdSet::SlotArray& IdSet::SlotArray::operator=(SlotArray&& o) noexcept {
    std::swap(data, o.data);
    std::swap(size, o.size);
    return *this;
}

IdSet::SlotArray::~SlotArray() { std::free(data); }

std::string_view IdSet::stored(std::uint64_t position) const {
    const char* p = blocks_[static_cast<std::size_t>(position >> kBlockBits)].get() +
                    static_cast<std::size_t>(position & (kBlockBytes - 1));
    std::size_t n = 0;
    for (int shift = 0;; shift += 7) {
        const auto b = static_cast<unsigned char>(*p++);
        n |= static_cast<std::size_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) break;
    }
    return {p, n};
}

// The slot index is the hash's top bits, so slots stay sorted by hash: growing the table re-places
// entries from their tags alone, without reading (and missing the cache on) a single key.
std::size_t IdSet::home_slot(std::uint64_t h) const { return static_cast<std::size_t>(h >> (64 - slot_bits_)); }

std::size_t IdSet::find_slot(std::string_view key, std::uint64_t h, bool& found, char twin, bool& twin_seen) const {
    const std::size_t mask = slots_.size - 1;
    const std::uint64_t tag = h >> kPositionBits;
    // Linear probing without removals: every key of this home slot lies between it and the first empty slot,
    // the key's twin too, as the first byte is not hashed.
    for (std::size_t i = home_slot(h);; i = (i + 1) & mask) {
        const std::uint64_t s = slots_[i];
        if (s == 0) {
            found = false;
            return i;
        }
        if ((s >> kPositionBits) != tag) continue;
        const std::string_view k = stored((s & kPositionMask) - 1);
        if (same_key(k, key)) {
            found = true;
            return i;
        }
        if (twin != 0 && k.size() == key.size() && k[0] == twin &&
            std::memcmp(k.data() + 1, key.data() + 1, key.size() - 1) == 0)
            twin_seen = true;
    }
}

bool IdSet::contains(std::string_view key) const { return contains(key, hash(key)); }

bool IdSet::contains(std::string_view key, std::uint64_t h) const {
    if (slots_.size == 0) return false;
    bool found = false, twin_seen = false;
    find_slot(key, h, found, 0, twin_seen);
    return found;
}

bool IdSet::insert(std::string_view key) { return insert(key, hash(key)); }

void IdSet::make_room(std::size_t more) {
    // Grow at 3/4 full: linear probing's misses stay within a cache line or two up to there.
    while ((size_ + more) * 4 > slots_.size * 3) grow();
}

void IdSet::prefetch(std::uint64_t h) const {
    if (slots_.size != 0) __builtin_prefetch(&slots_.data[home_slot(h)]);
}

bool IdSet::insert(std::string_view key, std::uint64_t h) {
    bool twin_seen = false;
    return insert(key, h, 0, twin_seen);
}

bool IdSet::insert(std::string_view key, std::uint64_t h, bool& other_type) {
    other_type = false;
    const char twin = key.empty() ? 0 : key[0] == 'u' ? 'd' : key[0] == 'd' ? 'u' : 0;
    return insert(key, h, twin, other_type);
}

bool IdSet::insert(std::string_view key, std::uint64_t h, char twin, bool& twin_seen) {
    make_room(1);
    bool found = false;
    const std::size_t i = find_slot(key, h, found, twin, twin_seen);
    if (found) return false;
    slots_[i] = ((h >> kPositionBits) << kPositionBits) | (append(key) + 1);
    ++size_;
    return true;
}

std::uint64_t IdSet::append(std::string_view key) {
    const std::size_t need = length_prefix_bytes(key.size()) + key.size();
    if (blocks_.empty()) {
        add_block(need > kFirstBlockBytes ? need : kFirstBlockBytes);
    } else if (used_in_last_ + need > last_capacity_) {
        if (blocks_.size() == 1 && last_capacity_ < kBlockBytes && used_in_last_ + need <= kBlockBytes) {
            // The first block grows by copying up to a full block: positions in it are offsets, so they hold.
            std::size_t bigger = last_capacity_;
            while (bigger < used_in_last_ + need) bigger *= 2;
            if (bigger > kBlockBytes) bigger = kBlockBytes;
            auto block = std::make_unique<char[]>(bigger);
            std::memcpy(block.get(), blocks_[0].get(), used_in_last_);
            blocks_[0] = std::move(block);
            block_bytes_ += bigger - last_capacity_;
            last_capacity_ = bigger;
        } else {
            // A key longer than a block gets a block of its own, at offset 0, so its position still fits.
            add_block(need > kBlockBytes ? need : kBlockBytes);
        }
    }
    char* p = blocks_.back().get() + used_in_last_;
    std::size_t n = key.size();
    while (n >= 0x80) {
        *p++ = static_cast<char>((n & 0x7F) | 0x80);
        n >>= 7;
    }
    *p++ = static_cast<char>(n);
    if (!key.empty()) std::memcpy(p, key.data(), key.size());
    const std::uint64_t position = (static_cast<std::uint64_t>(blocks_.size() - 1) << kBlockBits) | used_in_last_;
    used_in_last_ += need;
    return position;
}

void IdSet::clear() {
    if (slots_.size != 0) std::memset(slots_.data, 0, slots_.size * sizeof(std::uint64_t));
    if (blocks_.size() > 1) {  // only a lone block is kept: block sizes are not recorded
        blocks_.clear();
        block_bytes_ = last_capacity_ = 0;
    }
    used_in_last_ = 0;
    size_ = 0;
}

void IdSet::add_block(std::size_t bytes) {
    if (blocks_.size() == kMaxBlocks) throw std::length_error("tdbraze::IdSet: more than 64 GiB of identifiers");
    blocks_.push_back(std::make_unique<char[]>(bytes));
    block_bytes_ += bytes;
    last_capacity_ = bytes;
    used_in_last_ = 0;
}

void IdSet::grow() {
    slot_bits_ = slots_.size == 0 ? kFirstSlotBits : slot_bits_ + 1;
    SlotArray old = std::exchange(slots_, SlotArray(std::size_t{1} << slot_bits_));
    const std::size_t mask = slots_.size - 1;
    for (std::size_t k = 0; k < old.size; ++k) {
        const std::uint64_t s = old[k];
        if (s == 0) continue;
        // The tag holds the hash's top kTagBits: enough to place the entry in tables of up to 2^28 slots.
        const std::uint64_t h =
            slot_bits_ <= kTagBits ? (s >> kPositionBits) << kPositionBits : hash(stored((s & kPositionMask) - 1));
        std::size_t i = home_slot(h);
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = s;
    }
}

}  // namespace tdbraze
