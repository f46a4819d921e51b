#include "braze_instances.hpp"

#include <array>
#include <cctype>

#include "tdbraze/text.hpp"

namespace tdbraze::desktop {
namespace {

constexpr std::array<BrazeInstance, 12> kInstances{{
    {"US-01", "https://rest.iad-01.braze.com"},
    {"US-02", "https://rest.iad-02.braze.com"},
    {"US-03", "https://rest.iad-03.braze.com"},
    {"US-04", "https://rest.iad-04.braze.com"},
    {"US-05", "https://rest.iad-05.braze.com"},
    {"US-06", "https://rest.iad-06.braze.com"},
    {"US-07", "https://rest.iad-07.braze.com"},
    {"US-08", "https://rest.iad-08.braze.com"},
    {"US-10", "https://rest.us-10.braze.com"},
    {"EU-01", "https://rest.fra-01.braze.eu"},
    {"EU-02", "https://rest.fra-02.braze.eu"},
    {"AU-01", "https://rest.au-01.braze.com"},
}};

bool same_url(std::string_view a, std::string_view b) {
    while (!a.empty() && a.back() == '/') a.remove_suffix(1);
    while (!b.empty() && b.back() == '/') b.remove_suffix(1);
    return ascii_iequals(a, b);
}

}  // namespace

std::span<const BrazeInstance> braze_instances() { return kInstances; }

std::optional<std::size_t> find_instance(std::string_view url) {
    for (std::size_t i = 0; i < kInstances.size(); ++i)
        if (same_url(kInstances[i].rest_endpoint, url)) return i;
    return std::nullopt;
}

}  // namespace tdbraze::desktop
