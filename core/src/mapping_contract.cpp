#include "mapping_contract.hpp"

#include <algorithm>
#include <iterator>

namespace tdbraze::cohort {

std::string_view intended_identifier(std::string_view name) {
    std::string n;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name.substr(i, 3) == "\xEF\xBB\xBF") {
            i += 2;
            continue;
        }
        const char c = name[i];
        if (c == '_' || c == '-' || c == ' ' || c == '\t' || c == '"' || c == '`') continue;
        n += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    static constexpr std::string_view kUser[] = {"userids",        "userid",          "externalid",     "externalids",
                                                 "externaluserid", "externaluserids", "brazeexternalid"};
    static constexpr std::string_view kDevice[] = {"deviceids", "deviceid", "brazedeviceid"};
    if (std::find(std::begin(kUser), std::end(kUser), n) != std::end(kUser)) return kUserIds;
    if (std::find(std::begin(kDevice), std::end(kDevice), n) != std::end(kDevice)) return kDeviceIds;
    return {};
}

std::string sql_identifier(std::string_view name) {
    const bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9') &&
                       std::all_of(name.begin(), name.end(),
                                   [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
    if (plain) return std::string(name);
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace tdbraze::cohort
