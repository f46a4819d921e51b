#include <catch2/catch.hpp>

#include "suggest.hpp"
#include "tdbraze/catalogue.hpp"

using namespace tdbraze;

TEST_CASE("edit distance ignores ASCII case") {
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("USER_IDS", "user_ids") == 0);
}

TEST_CASE("closest event type for common misspellings") {
    auto closest = [](std::string_view name) {
        return std::string(
            closest_name(name, currents::event_catalogue(), [](const currents::EventSpec& e) { return e.name; }));
    };
    CHECK(closest("users.messages.email.open") == "users.messages.email.Open");
    CHECK(closest("users.messages.emial.Open") == "users.messages.email.Open");
    CHECK(closest("users.behaviours.CustomEvent") == "users.behaviors.CustomEvent");
    CHECK(closest("users.messages.pushnotification.Opened") == "users.messages.pushnotification.Open");
    CHECK(closest("acme.internal.Thing").empty());  // nothing plausible: no suggestion
}
