// The emulator's idea of a Braze workspace: which users exist (UserDirectory) and which of them each cohort
// holds (CohortBook). Pure data structures, no locking: BrazeEmulator guards them with its own mutex.
//
// Braze's rules (shared/spec/cohort-import.md, "Semantics") that live here:
// - an import never creates users: an identifier that matches no existing user changes nothing;
// - identified users (with an external id) match by external id or alias; anonymous users by device id;
//   a device id that belongs to an identified user is silently ignored;
// - should_remove takes the user out; applying the same change twice is the same as once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "parsed.hpp"
#include "partner_api.hpp"

namespace tdbraze::emulator {

// A user of the store, as one line of a --users file:
//   {"external_id": "u1", "device_ids": ["d1"], "aliases": [{"alias_label": "email", "alias_name": "a@x"}]}
// No external_id: an anonymous user.
struct User {
    std::optional<std::string> external_id;
    std::vector<std::string> device_ids;
    std::vector<Alias> aliases;
};

// What an identifier of a request found.
enum class Match : std::uint8_t {
    User,  // an existing user: `key` names it
    Unknown,  // nobody has it
    IgnoredDevice,  // a device id of an identified user: Braze ignores it
};

// Match::User says who. In a users file's directory: the user's index, and which of its identifiers matched
// (`via`: 0 its external id, then its device ids, then its aliases, in the file's order). In the open world
// the identifier is the user: `open_key` names it (its kind and text).
struct Resolved {
    Match match = Match::Unknown;
    std::uint64_t user = 0;
    std::uint32_t via = 0;
    std::string open_key;
};

class UserDirectory {
public:
    // Without a user file every identifier is an existing user: one identified user per external id, one
    // anonymous user per device id, one alias-only user per alias. Handy for demos; nothing is ever unknown.
    static UserDirectory open_world();
    // One user per line (blank lines skipped). Refuses identifiers claimed by two users: Braze could not
    // tell which one a request means. Errors name the 1-based line.
    static Parsed<UserDirectory> from_json_lines(std::string_view text);
    // For tests. A user with an identifier an earlier user has is left out.
    static UserDirectory from_users(std::vector<User> users);

    std::size_t size() const { return users_.size(); }  // 0 in the open world
    bool is_open_world() const { return open_world_; }
    // A user of the directory by index (Resolved::user).
    const User& user(std::uint64_t index) const { return users_[index]; }

    Resolved by_external_id(std::string_view id) const;
    Resolved by_device_id(std::string_view id) const;
    Resolved by_alias(const Alias& alias) const;

private:
    // Adds a user; returns the identifier that another user has already, if any.
    std::optional<std::string> add(User user);

    bool open_world_ = false;
    std::vector<User> users_;
    std::unordered_map<std::string, std::size_t> by_external_id_;
    std::unordered_map<std::string, std::size_t> by_device_id_;
    std::map<Alias, std::size_t> by_alias_;
};

// What one membership request did. Counts identifiers, except added/removed which count users.
struct ApplyOutcome {
    std::uint64_t added = 0;  // users that entered the cohort
    std::uint64_t removed = 0;  // users that left it
    std::uint64_t unknown = 0;  // identifiers that matched no user
    std::uint64_t ignored_device_ids = 0;  // device ids of identified users
};

// A cohort as the test hook shows it: membership expressed by the identifiers that matched each member.
struct CohortView {
    std::string cohort_id;
    std::optional<std::string> name;  // empty until a naming call
    std::optional<std::string> created_at;  // as the naming call sent it
    std::uint64_t members = 0;  // users in the cohort
    std::vector<std::string> user_ids;  // sorted
    std::vector<std::string> device_ids;  // sorted
    std::vector<Alias> aliases;  // sorted by label, then name
};

class CohortBook {
public:
    void name(const NamingRequest& request);
    // Changes are applied in request order, so when one identifier is both added and removed the later
    // change wins.
    ApplyOutcome apply(const MembershipRequest& request, const UserDirectory& users);

    // `users`: the directory the changes were applied with.
    std::optional<CohortView> view(const std::string& cohort_id, const UserDirectory& users) const;
    std::vector<std::string> cohort_ids() const;  // sorted
    void clear() { cohorts_.clear(); }

private:
    // A member is kept as the least that names it and the identifiers it came in by (a user may have come in
    // by several): kept as maps of strings, a member took about 310 bytes, and a session of large syncs holds
    // many million-member cohorts.
    struct Cohort {
        std::optional<std::string> name;
        std::optional<std::string> created_at;
        // A directory user's index -> bit `via` for each identifier it came in by (via < 64).
        std::unordered_map<std::uint64_t, std::uint64_t> users;
        // The rest of those identifiers, of a user with more than 64.
        std::map<std::uint64_t, std::set<std::uint32_t>> more_via;
        // Open-world members: each is the identifier it came in by (Resolved::open_key).
        std::unordered_set<std::string> open;
    };
    std::map<std::string, Cohort> cohorts_;
};

}  // namespace tdbraze::emulator
