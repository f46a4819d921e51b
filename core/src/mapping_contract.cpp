#include "mapping_contract.hpp"

#include <algorithm>
#include <iterator>

#include "suggest.hpp"

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


std::string target_text(const ColumnMapping& m) {
    switch (m.target) {
        case Target::UserIds: return std::string(kUserIds);
        case Target::DeviceIds: return std::string(kDeviceIds);
        case Target::Alias: return "alias:" + m.alias_label;
    }
    return "?";
}

std::string to_string(const ColumnMapping& m) { return m.column + "=" + target_text(m); }

MappingParse parse_mapping_target(std::string_view column, std::string_view target) {
    ColumnMapping m;
    m.column = std::string(column);
    if (target == kUserIds) m.target = Target::UserIds;
    else if (target == kDeviceIds) m.target = Target::DeviceIds;
    else if (target.substr(0, 6) == "alias:" && target.size() > 6) {
        m.target = Target::Alias;
        m.alias_label = std::string(target.substr(6));
    } else if (target == "alias:") {
        return std::string("the alias label is empty: write alias:LABEL, e.g. alias:email");
    } else {
        static constexpr std::string_view kTargets[] = {kUserIds, kDeviceIds, "alias"};
        const std::string_view near = closest_name(target, kTargets, [](std::string_view t) { return t; });
        return "'" + std::string(target) + "' is not an output: give user_ids, device_ids or alias:LABEL" +
               (near.empty() ? "" : " (did you mean " + std::string(near == "alias" ? "alias:LABEL" : near) + "?)");
    }
    if (m.column.empty()) return std::string("the column name is empty: write COLUMN=" + target_text(m));
    return m;
}

MappingParse parse_column_mapping(std::string_view text) {
    std::string first_error;
    for (std::size_t eq = text.find('='); eq != std::string_view::npos; eq = text.find('=', eq + 1)) {
        MappingParse parsed = parse_mapping_target(text.substr(0, eq), text.substr(eq + 1));
        if (std::holds_alternative<ColumnMapping>(parsed)) return parsed;
        if (first_error.empty()) first_error = std::get<std::string>(parsed);
    }
    if (!first_error.empty()) return first_error;
    return "'" + std::string(text) + "' is not a mapping: write COLUMN=TARGET, e.g. External_ID=user_ids";
}

std::optional<ColumnMapping> output_of(std::string_view name, const Settings& settings) {
    // A name that is an output keeps it: a mapping to another output is map-contract-column, an error.
    if (std::optional<ColumnMapping> own = output_by_name(name, settings)) return own;
    for (const ColumnMapping& m : settings.mapping)
        if (m.column == name) return m;
    return std::nullopt;
}

std::optional<ColumnMapping> output_by_name(std::string_view name, const Settings& settings) {
    ColumnMapping by_name;
    by_name.column = std::string(name);
    if (name == kUserIds) return by_name;
    by_name.target = Target::DeviceIds;
    if (name == kDeviceIds) return by_name;
    if (std::find(settings.alias_columns.begin(), settings.alias_columns.end(), name) != settings.alias_columns.end()) {
        by_name.target = Target::Alias;
        by_name.alias_label = std::string(name);
        return by_name;
    }
    return std::nullopt;
}

bool same_output(const ColumnMapping& a, const ColumnMapping& b) {
    return a.target == b.target && (a.target != Target::Alias || a.alias_label == b.alias_label);
}

std::vector<Diagnostic> check_mapping(const Settings& settings) {
    std::vector<Diagnostic> out;
    auto error = [&](std::string code, std::string message, std::string hint, const std::string& column) {
        Diagnostic d;
        d.code = std::move(code);
        d.message = std::move(message);
        d.hint = std::move(hint);
        d.column_name = column;
        out.push_back(std::move(d));
    };
    // The outputs the settings give by themselves: each mapping, and each alias column not mapped.
    std::vector<ColumnMapping> outputs;
    for (std::size_t i = 0; i < settings.mapping.size(); ++i) {
        const ColumnMapping& m = settings.mapping[i];
        const std::string shown = "--map " + to_string(m);
        if (m.column.empty()) {
            error("invalid-setting", "a mapped column name is empty (" + shown + ")",
                  "name the table's column, e.g. --map External_ID=user_ids", m.column);
            continue;
        }
        if (m.target == Target::Alias && m.alias_label.empty()) {
            error("invalid-setting", "the alias label of the mapping of \"" + m.column + "\" is empty",
                  "give the label the aliases are sent under, e.g. --map " + m.column + "=alias:email", m.column);
            continue;
        }
        const auto earlier = std::find_if(settings.mapping.begin(), settings.mapping.begin() + static_cast<long>(i),
                                          [&](const ColumnMapping& o) { return o.column == m.column; });
        if (earlier != settings.mapping.begin() + static_cast<long>(i)) {
            error("invalid-setting", "the column \"" + m.column + "\" is mapped twice",
                  "map each column once: it is sent under one output name", m.column);
            continue;
        }
        // A column whose name is already an output (user_ids, device_ids, an alias column) keeps it: sent as
        // something else, the same table would mean one thing to Treasure Data and another to tdbraze.
        if (const auto own = output_by_name(m.column, settings); own && !same_output(*own, m)) {
            error("map-contract-column",
                  "the column \"" + m.column + "\" is already sent as " + target_text(*own) +
                      " by its name; it cannot be mapped to " + target_text(m),
                  own->target == Target::Alias
                      ? "drop " + shown + ", or take \"" + m.column + "\" out of the alias columns"
                      : "rename the column in the query (SELECT " + sql_identifier(m.column) +
                            " AS other_name), or drop " + shown,
                  m.column);
            continue;
        }
        outputs.push_back(m);
    }
    for (const std::string& alias : settings.alias_columns)
        if (std::none_of(settings.mapping.begin(), settings.mapping.end(),
                         [&](const ColumnMapping& m) { return m.column == alias; }))
            outputs.push_back(ColumnMapping{alias, Target::Alias, alias});
    for (std::size_t i = 0; i < outputs.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (same_output(outputs[i], outputs[j]) && outputs[i].column != outputs[j].column) {
                error("map-target-taken",
                      "the columns \"" + outputs[j].column + "\" and \"" + outputs[i].column + "\" are both sent as " +
                          target_text(outputs[i]),
                      "give each output one column: map one of them to another output, or drop its mapping",
                      outputs[i].column);
                break;
            }
    return out;
}

std::string map_option(std::string_view column, std::string_view target) {
    const std::string text = std::string(column) + "=" + std::string(target);
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
               c == '.' || c == '=' || c == ':' || c == '@' || c == '/';
    });
    if (plain) return "--map " + text;
    std::string out = "--map '";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace tdbraze::cohort
