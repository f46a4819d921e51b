// Users and cohort membership of the emulated Braze workspace (see cohort_state.hpp).
#include "cohort_state.hpp"

#include <nlohmann/json.hpp>

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

std::string stored_key(std::size_t index) { return "#" + std::to_string(index); }

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
    if (open_world_) return {Match::User, open_world_key('e', id)};
    const auto it = by_external_id_.find(std::string(id));
    if (it == by_external_id_.end()) return {};
    return {Match::User, stored_key(it->second)};
}

Resolved UserDirectory::by_device_id(std::string_view id) const {
    if (id.empty()) return {};
    // In the open world nobody is known to own the device, so it stands for an anonymous user.
    if (open_world_) return {Match::User, open_world_key('d', id)};
    const auto it = by_device_id_.find(std::string(id));
    if (it == by_device_id_.end()) return {};
    if (users_[it->second].external_id) return {Match::IgnoredDevice, {}};
    return {Match::User, stored_key(it->second)};
}

Resolved UserDirectory::by_alias(const Alias& alias) const {
    if (alias.label.empty() || alias.name.empty()) return {};
    if (open_world_) return {Match::User, alias_key(alias)};
    const auto it = by_alias_.find(alias);
    // Aliases identify identified users only; an anonymous user is reached by its device id.
    if (it == by_alias_.end() || !users_[it->second].external_id) return {};
    return {Match::User, stored_key(it->second)};
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

    const auto change_one = [&](const Resolved& found, bool remove, auto&& remember) {
        if (found.match == Match::Unknown) {
            ++outcome.unknown;
            return;
        }
        if (found.match == Match::IgnoredDevice) {
            ++outcome.ignored_device_ids;
            return;
        }
        if (remove) {
            outcome.removed += cohort.members.erase(found.key);
            return;
        }
        const auto [member, entered] = cohort.members.try_emplace(found.key);
        if (entered) ++outcome.added;
        remember(member->second);
    };

    for (const CohortChange& change : request.changes) {
        for (const std::string& id : change.user_ids)
            change_one(users.by_external_id(id), change.remove, [&](MatchedBy& m) { m.user_ids.insert(id); });
        for (const std::string& id : change.device_ids)
            change_one(users.by_device_id(id), change.remove, [&](MatchedBy& m) { m.device_ids.insert(id); });
        for (const Alias& alias : change.aliases)
            change_one(users.by_alias(alias), change.remove, [&](MatchedBy& m) { m.aliases.insert(alias); });
    }
    return outcome;
}

std::optional<CohortView> CohortBook::view(const std::string& cohort_id) const {
    const auto it = cohorts_.find(cohort_id);
    if (it == cohorts_.end()) return std::nullopt;
    const Cohort& cohort = it->second;

    std::set<std::string> user_ids, device_ids;
    std::set<Alias> aliases;
    for (const auto& [key, matched] : cohort.members) {
        user_ids.insert(matched.user_ids.begin(), matched.user_ids.end());
        device_ids.insert(matched.device_ids.begin(), matched.device_ids.end());
        aliases.insert(matched.aliases.begin(), matched.aliases.end());
    }
    return CohortView{cohort_id,
                      cohort.name,
                      cohort.created_at,
                      cohort.members.size(),
                      {user_ids.begin(), user_ids.end()},
                      {device_ids.begin(), device_ids.end()},
                      {aliases.begin(), aliases.end()}};
}

std::vector<std::string> CohortBook::cohort_ids() const {
    std::vector<std::string> ids;
    for (const auto& [id, cohort] : cohorts_) ids.push_back(id);
    return ids;
}

}  // namespace tdbraze::emulator
