#include "hashing.hpp"

#include <cstdio>
#include <new>

#include <xxhash.h>

namespace tdbraze {

std::uint64_t stable_hash(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

struct StableHasher::State {
    XXH3_state_t* xxh = XXH3_createState();
    ~State() { XXH3_freeState(xxh); }
};

StableHasher::StableHasher() : state_(std::make_unique<State>()) {
    if (state_->xxh == nullptr || XXH3_64bits_reset(state_->xxh) != XXH_OK) throw std::bad_alloc();
}
StableHasher::~StableHasher() = default;
void StableHasher::add(std::string_view bytes) { XXH3_64bits_update(state_->xxh, bytes.data(), bytes.size()); }
std::uint64_t StableHasher::value() const { return XXH3_64bits_digest(state_->xxh); }

void PartsHash::add(std::string_view part) {
    for (const unsigned char c : part) {
        h_ ^= c;
        h_ *= 1099511628211ull;
    }
    h_ ^= 0xff;
    h_ *= 1099511628211ull;
}

std::string hex64(std::uint64_t value) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
    return buf;
}

}  // namespace tdbraze
