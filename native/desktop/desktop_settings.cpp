#include "desktop_settings.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "output_file.hpp"
#include "sync_types.hpp"

namespace tdbraze::desktop {
namespace {

using nlohmann::json;

void read_string(const json& j, const char* key, std::string& out) {
    if (const auto it = j.find(key); it != j.end() && it->is_string()) out = it->get<std::string>();
}

}  // namespace

std::string default_config_dir() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0')
        return std::string(xdg) + "/tdbraze";
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/.config/tdbraze";
}

DesktopSettings load_settings(const std::string& path) {
    DesktopSettings s;
    std::ifstream in(path, std::ios::binary);
    if (!in) return s;
    std::stringstream text;
    text << in.rdbuf();
    const json j = json::parse(text.str(), nullptr, false);
    if (!j.is_object()) return s;
    read_string(j, "endpoint", s.endpoint);
    read_string(j, "partner", s.partner);
    read_string(j, "last_table", s.last_table);
    read_string(j, "cohort_id", s.cohort_id);
    read_string(j, "cohort_name", s.cohort_name);
    read_string(j, "operation", s.operation);
    if (!sync::from_string<sync::Mode>(s.operation)) s.operation = "add";
    if (const auto it = j.find("alias_columns"); it != j.end() && it->is_array())
        for (const json& column : *it)
            if (column.is_string()) s.alias_columns.push_back(column.get<std::string>());
    if (const auto it = j.find("mapping"); it != j.end() && it->is_array())
        for (const json& m : *it)
            if (m.is_string()) s.mapping.push_back(m.get<std::string>());
    if (const auto it = j.find("threads"); it != j.end() && it->is_number_integer())
        s.threads = static_cast<int>(it->get<long long>());
    read_string(j, "currents_path", s.currents_path);
    read_string(j, "replay_url", s.replay_url);
    return s;
}

std::optional<std::string> save_settings(const std::string& path, const DesktopSettings& s) {
    const json j{{"endpoint", s.endpoint},           {"partner", s.partner},         {"last_table", s.last_table},
                 {"cohort_id", s.cohort_id},         {"cohort_name", s.cohort_name}, {"operation", s.operation},
                 {"alias_columns", s.alias_columns}, {"threads", s.threads},         {"currents_path", s.currents_path},
                 {"replay_url", s.replay_url},       {"mapping", s.mapping}};
    std::error_code ec;
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    // A crash or a full disk while saving keeps the old settings.
    if (const Status saved =
            files::replace_file(path, j.dump(2, ' ', false, json::error_handler_t::replace) + '\n', 0644);
        !saved)
        return saved.error().message;
    return std::nullopt;
}

}  // namespace tdbraze::desktop
