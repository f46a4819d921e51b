// The Braze instances a workspace can live on, with their REST endpoints (Braze's "API and SDK endpoints"
// page). Anything else (a new instance, a proxy, the local emulator) is a custom URL.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace tdbraze::desktop {

struct BrazeInstance {
    std::string_view name;  // as the Braze dashboard shows it, e.g. "US-03"
    std::string_view rest_endpoint;  // e.g. "https://rest.iad-03.braze.com"
};

std::span<const BrazeInstance> braze_instances();

// The instance whose REST endpoint is `url` (trailing slashes and letter case ignored), if any.
std::optional<std::size_t> find_instance(std::string_view url);

}  // namespace tdbraze::desktop
