// Identifier keys one by one and packed in a request (tdbraze/identifier_keys.hpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tdbraze/identifier_keys.hpp"

using namespace tdbraze::cohort;

TEST_CASE("identifier keys: each type's key, and back to its parts") {
    CHECK(identifier_key(IdentifierType::UserId, "", "u1") == "uu1");
    CHECK(identifier_key(IdentifierType::DeviceId, "", "d1") == "dd1");
    const std::string alias = identifier_key(IdentifierType::Alias, "email", "a@x");
    CHECK(alias == std::string("aemail\0a@x", 10));
    const IdentifierParts parts = split_identifier_key(alias);
    CHECK(parts.type == IdentifierType::Alias);
    CHECK(parts.alias_label == "email");
    CHECK(parts.value == "a@x");
    CHECK(split_identifier_key("dd1").type == IdentifierType::DeviceId);
    CHECK(split_identifier_key("dd1").value == "d1");
}

TEST_CASE("identifier keys: packed in order, read back by index and from their packed form") {
    IdentifierKeys keys;
    CHECK(keys.empty());
    keys.push_back(IdentifierType::UserId, "", "u1");
    keys.push_back(IdentifierType::Alias, "email", "a@x");
    // A key longer than a one-byte length (127 bytes) takes a two-byte varint.
    const std::string long_value(300, 'v');
    keys.push_back(IdentifierType::DeviceId, "", long_value);
    keys.push_back(IdentifierType::DeviceId, "", "");
    REQUIRE(keys.size() == 4);
    CHECK(keys[0] == "uu1");
    CHECK(keys[1] == std::string_view("aemail\0a@x", 10));
    CHECK(keys[2] == "d" + long_value);
    CHECK(keys[3] == "d");
    // Each key as identifier_key makes it.
    CHECK(keys == IdentifierKeys{"uu1", std::string_view("aemail\0a@x", 10), "d" + long_value, "d"});
    // The packed form: each length as a varint, then the key.
    const std::string& packed = keys.packed();
    CHECK(packed.substr(0, 4) == std::string("\x03uu1", 4));
    CHECK(packed.size() == 4 + 11 + 2 + 301 + 2);

    const auto again = IdentifierKeys::from_packed(packed);
    REQUIRE(again);
    CHECK(*again == keys);
    CHECK(again->to_strings() == keys.to_strings());
    CHECK(again->size() == 4);
    CHECK((*again)[2] == "d" + long_value);
    // A length past the end, or a varint cut short, is damage, not keys.
    CHECK_FALSE(IdentifierKeys::from_packed(std::string("\x05uu1", 4)));
    CHECK_FALSE(IdentifierKeys::from_packed(std::string("\x80", 1)));
    CHECK(IdentifierKeys::from_packed("")->empty());
}

TEST_CASE("identifier keys: appended lists keep their order and their own indexes") {
    IdentifierKeys users{"uu1", "uu2"};
    const IdentifierKeys devices{"dd1"};
    const IdentifierKeys aliases{std::string_view("al\0n", 4)};
    users.append(devices);
    users.append(aliases);
    CHECK(users.to_strings() == std::vector<std::string>{"uu1", "uu2", "dd1", std::string("al\0n", 4)});
    CHECK(users[2] == "dd1");
    CHECK(users[3] == std::string_view("al\0n", 4));
    users.clear();
    CHECK(users.empty());
    CHECK(users.packed().empty());
}
