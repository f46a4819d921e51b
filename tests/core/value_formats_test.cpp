// The checks of identifier formats (a UUID, a Braze user id), which look at 16 bytes at a time on x86-64:
// every byte value at every position gives the answer of the rule read character by character.
#include <catch2/catch.hpp>

#include <string>

#include "value_formats.hpp"

using namespace tdbraze::currents;

namespace {

bool hex(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool uuid_by_rule(const std::string& v) {
    if (v.size() != 36) return false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? v[i] != '-' : !hex(static_cast<unsigned char>(v[i]))) return false;
    }
    return true;
}

bool user_id_by_rule(const std::string& v) {
    if (v.size() != 24) return false;
    for (const char c : v)
        if (!hex(static_cast<unsigned char>(c))) return false;
    return true;
}

}  // namespace

TEST_CASE("is_uuid and is_braze_user_id: every byte at every position") {
    const std::string uuid = "0b6f2d3e-5a4c-4E8F-8d7a-112233445566";
    const std::string user_id = "65a1f0c2e4b0A1B2c3d4e5f6";
    REQUIRE(is_uuid(uuid));
    REQUIRE(is_braze_user_id(user_id));
    std::size_t wrong = 0, tried = 0;
    for (std::size_t at = 0; at < uuid.size(); ++at)
        for (int b = 0; b < 256; ++b, ++tried) {
            std::string v = uuid;
            v[at] = static_cast<char>(b);
            if (is_uuid(v) != uuid_by_rule(v)) ++wrong;
            if (at < user_id.size()) {
                std::string u = user_id;
                u[at] = static_cast<char>(b);
                if (is_braze_user_id(u) != user_id_by_rule(u)) ++wrong;
            }
        }
    CHECK(wrong == 0);
    CHECK(tried == 36 * 256);
    for (std::size_t n = 0; n < 40; ++n) {  // other lengths, made of the right characters
        CHECK_FALSE(is_uuid(std::string(n, 'a')));  // no dashes
        CHECK(is_braze_user_id(std::string(n, 'a')) == (n == 24));
    }
    CHECK_FALSE(is_uuid("0b6f2d3e05a4c-4e8f-8d7a-112233445566"));  // a dash where a digit belongs and back
    CHECK_FALSE(is_uuid("0b6f2d3e-5a4c-4e8f-8d7a-11223344556-"));
}
