// Users and cohort membership of the emulated Braze workspace (see cohort_state.hpp).
#include "cohort_state.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

namespace tdbraze::emulator {

namespace {

using nlohmann::json;

// Keys of open-world users say which identifier made them, so that the three kinds never collide. The alias
// key carries the label's length because a label may contain any character.
std::string open_world_key(char kind, std::string_view id) { return std::string{kind, ':'}.append(id); }

std::string alias_key(const Alias& alias) {
    return "a:" + std::to_string(alias.label.size()) + ":" + alias.label + alias.name;
}

// The identifiers of a cohort's view, gathered from its members in any order.
struct ViewIdentifiers {
    std::set<std::string> user_ids, device_ids;
    std::set<Alias> aliases;

    // A directory user's identifier number `via` (Resolved::via).
    void add(const User& user, std::uint32_t via) {
        if (via == 0) {
            if (user.external_id) user_ids.insert(*user.external_id);
        } else if (via - 1 < user.device_ids.size()) {
            device_ids.insert(user.device_ids[via - 1]);
        } else if (const std::size_t a = via - 1 - user.device_ids.size(); a < user.aliases.size()) {
            aliases.insert(user.aliases[a]);
        }
    }
    // An open-world member, from its key (open_world_key or alias_key).
    void add(std::string_view key) {
        const std::string_view text = key.substr(2);
        if (key[0] == 'e') user_ids.emplace(text);
        else if (key[0] == 'd') device_ids.emplace(text);
        else if (const std::size_t colon = text.find(':'); colon != std::string_view::npos) {
            const std::size_t label_size = std::stoul(std::string(text.substr(0, colon)));
            const std::string_view rest = text.substr(colon + 1);
            aliases.insert(Alias{std::string(rest.substr(0, label_size)), std::string(rest.substr(label_size))});
        }
    }
};

// Where `id` is in `ids`: the user has it, as the directory's map said.
template <typename T>
std::uint32_t position(const std::vector<T>& ids, const T& id) {
    return static_cast<std::uint32_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
}

// One line of a users file, or why it is not a user.
Parsed<User> read_user(const json& line) {
    if (!line.is_object()) return Parsed<User>::failure("a user must be a JSON object");
    User user;
    if (const auto it = line.find("external_id"); it != line.end() && !it->is_null()) {
        if (!it->is_string() || it->get_ref<const std::string&>().empty())
            return Parsed<User>::failure("\"external_id\" must be a non-empty string");
        user.external_id = it->get<std::string>();
    }
    if (const auto it = line.find("device_ids"); it != line.end()) {
        if (!it->is_array()) return Parsed<User>::failure("\"device_ids\" must be an array of strings");
        for (const json& id : *it) {
            if (!id.is_string() || id.get_ref<const std::string&>().empty())
                return Parsed<User>::failure("\"device_ids\" must hold non-empty strings");
            user.device_ids.push_back(id.get<std::string>());
        }
    }
    if (const auto it = line.find("aliases"); it != line.end()) {
        if (!it->is_array()) return Parsed<User>::failure("\"aliases\" must be an array of objects");
        for (const json& alias : *it) {
            const auto label = alias.is_object() ? alias.find("alias_label") : alias.end();
            const auto name = alias.is_object() ? alias.find("alias_name") : alias.end();
            if (!alias.is_object() || label == alias.end() || name == alias.end() || !label->is_string() ||
                !name->is_string())
                return Parsed<User>::failure("each alias needs string \"alias_label\" and \"alias_name\"");
            user.aliases.push_back(Alias{label->get<std::string>(), name->get<std::string>()});
        }
    }
    if (!user.external_id && user.device_ids.empty() && user.aliases.empty())
        return Parsed<User>::failure("a user needs an external_id, a device id or an alias");
    return Parsed<User>::success(std::move(user));
}

}  // namespace

UserDirectory UserDirectory::open_world() {
    UserDirectory directory;
    directory.open_world_ = true;
    return directory;
}

Parsed<UserDirectory> UserDirectory::from_json_lines(std::string_view text) {
    UserDirectory directory;
    std::size_t line_number = 0;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        ++line_number;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;

        const auto where = "line " + std::to_string(line_number) + ": ";
        const json value = json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (value.is_discarded()) return Parsed<UserDirectory>::failure(where + "not JSON");
        Parsed<User> user = read_user(value);
        if (!user.ok()) return Parsed<UserDirectory>::failure(where + user.error);
        if (auto taken = directory.add(std::move(*user.value)))
            return Parsed<UserDirectory>::failure(where + *taken + " already belongs to another user");
    }
    return Parsed<UserDirectory>::success(std::move(directory));
}

UserDirectory UserDirectory::from_users(std::vector<User> users) {
    UserDirectory directory;
    for (User& user : users) directory.add(std::move(user));
    return directory;
}

std::optional<std::string> UserDirectory::add(User user) {
    const std::size_t index = users_.size();
    if (user.external_id && by_external_id_.count(*user.external_id))
        return "external_id \"" + *user.external_id + "\"";
    for (const std::string& id : user.device_ids)
        if (by_device_id_.count(id)) return "device id \"" + id + "\"";
    for (const Alias& alias : user.aliases)
        if (by_alias_.count(alias)) return "alias " + alias.label + "=\"" + alias.name + "\"";

    if (user.external_id) by_external_id_.emplace(*user.external_id, index);
    for (const std::string& id : user.device_ids) by_device_id_.emplace(id, index);
    for (const Alias& alias : user.aliases) by_alias_.emplace(alias, index);
    users_.push_back(std::move(user));
    return std::nullopt;
}

// No Braze user has an empty identifier, in the open world either.
Resolved UserDirectory::by_external_id(std::string_view id) const {
    if (id.empty()) return {};
    if (open_world_) return {Match::User, 0, 0, open_world_key('e', id)};
    const auto it = by_external_id_.find(std::string(id));
    if (it == by_external_id_.end()) return {};
    return {Match::User, it->second, 0, {}};
}

Resolved UserDirectory::by_device_id(std::string_view id) const {
    if (id.empty()) return {};
    // In the open world nobody is known to own the device, so it stands for an anonymous user.
    if (open_world_) return {Match::User, 0, 0, open_world_key('d', id)};
    const auto it = by_device_id_.find(std::string(id));
    if (it == by_device_id_.end()) return {};
    const User& user = users_[it->second];
    if (user.external_id) return {Match::IgnoredDevice, 0, 0, {}};
    return {Match::User, it->second, 1 + position(user.device_ids, std::string(id)), {}};
}

Resolved UserDirectory::by_alias(const Alias& alias) const {
    if (alias.label.empty() || alias.name.empty()) return {};
    if (open_world_) return {Match::User, 0, 0, alias_key(alias)};
    const auto it = by_alias_.find(alias);
    // Aliases identify identified users only; an anonymous user is reached by its device id.
    if (it == by_alias_.end() || !users_[it->second].external_id) return {};
    const User& user = users_[it->second];
    return {Match::User,
            it->second,
            static_cast<std::uint32_t>(1 + user.device_ids.size()) + position(user.aliases, alias),
            {}};
}

void CohortBook::name(const NamingRequest& request) {
    Cohort& cohort = cohorts_[request.cohort_id];
    cohort.name = request.name;
    cohort.created_at = request.created_at;
}

ApplyOutcome CohortBook::apply(const MembershipRequest& request, const UserDirectory& users) {
    ApplyOutcome outcome;
    // A membership call for a cohort never named still makes the cohort: Braze documents no error for it.
    Cohort& cohort = cohorts_[request.cohort_id];

    const auto change_one = [&](const Resolved& found, bool remove) {
        if (found.match == Match::Unknown) {
            ++outcome.unknown;
            return;
        }
        if (found.match == Match::IgnoredDevice) {
            ++outcome.ignored_device_ids;
            return;
        }
        if (users.is_open_world()) {
            if (remove) outcome.removed += cohort.open.erase(found.open_key);
            else if (cohort.open.insert(found.open_key).second) ++outcome.added;
            return;
        }
        if (remove) {
            outcome.removed += cohort.users.erase(found.user);
            cohort.more_via.erase(found.user);
            return;
        }
        const auto [member, entered] = cohort.users.try_emplace(found.user, 0);
        if (entered) ++outcome.added;
        if (found.via < 64) member->second |= std::uint64_t{1} << found.via;
        else cohort.more_via[found.user].insert(found.via);
    };

    for (const CohortChange& change : request.changes) {
        for (const std::string& id : change.user_ids) change_one(users.by_external_id(id), change.remove);
        for (const std::string& id : change.device_ids) change_one(users.by_device_id(id), change.remove);
        for (const Alias& alias : change.aliases) change_one(users.by_alias(alias), change.remove);
    }
    return outcome;
}

std::optional<CohortView> CohortBook::view(const std::string& cohort_id, const UserDirectory& users) const {
    const auto it = cohorts_.find(cohort_id);
    if (it == cohorts_.end()) return std::nullopt;
    const Cohort& cohort = it->second;

    ViewIdentifiers ids;
    for (const auto& [index, bits] : cohort.users)
        for (std::uint32_t via = 0; via < 64; ++via)
            if ((bits >> via) & 1) ids.add(users.user(index), via);
    for (const auto& [index, vias] : cohort.more_via)
        for (const std::uint32_t via : vias) ids.add(users.user(index), via);
    for (const std::string& key : cohort.open) ids.add(key);
    return CohortView{cohort_id,
                      cohort.name,
                      cohort.created_at,
                      cohort.users.size() + cohort.open.size(),
                      {ids.user_ids.begin(), ids.user_ids.end()},
                      {ids.device_ids.begin(), ids.device_ids.end()},
                      {ids.aliases.begin(), ids.aliases.end()}};
}

std::vector<std::string> CohortBook::cohort_ids() const {
    std::vector<std::string> ids;
    for (const auto& [id, cohort] : cohorts_) ids.push_back(id);
    return ids;
}

}  // namespace tdbraze::emulator
