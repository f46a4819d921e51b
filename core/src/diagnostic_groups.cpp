// Grouping repeated findings (tdbraze/diagnostic_groups.hpp).
#include "tdbraze/diagnostic_groups.hpp"

#include <algorithm>
#include <unordered_map>

namespace tdbraze {

std::string pointer_shape(const std::string& pointer) {
    std::string out;
    out.reserve(pointer.size());
    std::size_t i = 0;
    while (i < pointer.size()) {
        const std::size_t end = std::min(pointer.find('/', i + 1), pointer.size());
        const std::string_view token(pointer.data() + i + 1, end - i - 1);
        const bool index =
            !token.empty() && std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
        out += '/';
        if (index) out += '*';
        else out.append(token);
        i = end;
    }
    return out;
}

std::vector<DiagnosticGroup> group_diagnostics(const std::vector<Diagnostic>& diagnostics, std::size_t places_kept) {
    std::vector<DiagnosticGroup> groups;
    std::unordered_map<std::string, std::size_t> index;
    for (const Diagnostic& d : diagnostics) {
        const std::string shape = d.column_name.empty() ? pointer_shape(d.pointer) : d.column_name;
        const std::string key = d.code + '\n' + shape;
        auto [at, added] = index.try_emplace(key, groups.size());
        if (added) groups.push_back({d.code, d.severity, shape, 0, {}});
        DiagnosticGroup& g = groups[at->second];
        ++g.count;
        if (g.first.size() < places_kept) g.first.push_back(d);
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [](const DiagnosticGroup& a, const DiagnosticGroup& b) { return a.severity < b.severity; });
    return groups;
}

}  // namespace tdbraze
