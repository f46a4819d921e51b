// Stable 64-bit hashes for what the state file keeps: a table's identity (XXH3 of its bytes, at memory
// speed), a request body's fingerprint, and a run's identity made of its parts. Stable means the same value
// from every build and machine, unlike tdbraze::hash_bytes (core), which is only for hash tables in memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace tdbraze {

// XXH3-64 (xxHash's specified hash) of `bytes`.
std::uint64_t stable_hash(std::string_view bytes);

// XXH3-64 of bytes given piece by piece: the same value as stable_hash of them all.
class StableHasher {
public:
    StableHasher();
    ~StableHasher();
    StableHasher(const StableHasher&) = delete;
    StableHasher& operator=(const StableHasher&) = delete;
    void add(std::string_view bytes);
    std::uint64_t value() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

// A run's identity from its parts, each ended by a separator so that ("ab", "c") and ("a", "bc") differ.
// FNV-1a: the parts are a few short strings, and identities already in users' state files were made so.
class PartsHash {
public:
    void add(std::string_view part);
    std::uint64_t value() const { return h_; }

private:
    std::uint64_t h_ = 1469598103934665603ull;
};

// Sixteen lowercase hex digits.
std::string hex64(std::uint64_t value);

}  // namespace tdbraze
