#include "curl_library.hpp"

#include <dlfcn.h>

namespace tdbraze::transport {
namespace {

// The soname of the libcurl tdbraze is built against (Debian's libcurl4, the OpenSSL flavour).
constexpr const char* kSoname = "libcurl.so.4";

struct Loaded {
    CurlLibrary library{};
    bool ok = false;
    std::string problem;
};

// Sets `slot` to `name`'s address in `handle`; false (with the problem) when the library lacks it.
template <typename Function>
bool find(void* handle, const char* name, Function& slot, std::string& problem) {
    slot = reinterpret_cast<Function>(::dlsym(handle, name));
    if (slot != nullptr) return true;
    problem = std::string("the libcurl found (") + kSoname + ") has no " + name +
              "; install a libcurl of version 7.88 or later (Debian: apt-get install libcurl4)";
    return false;
}

Loaded load() {
    Loaded loaded;
    // RTLD_LOCAL: its symbols stay out of the way of other libraries'; RTLD_NOW: a missing function is found
    // here, not in the middle of a sync.
    void* handle = ::dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = ::dlerror();
        loaded.problem = std::string("cannot load libcurl, which sending needs (") + (why != nullptr ? why : kSoname) +
                         "); install it (Debian: apt-get install libcurl4)";
        return loaded;
    }
    CurlLibrary& l = loaded.library;
    std::string& p = loaded.problem;
    loaded.ok =
        find(handle, "curl_global_init", l.global_init, p) &&
        find(handle, "curl_global_cleanup", l.global_cleanup, p) && find(handle, "curl_easy_init", l.easy_init, p) &&
        find(handle, "curl_easy_setopt", l.easy_setopt, p) && find(handle, "curl_easy_perform", l.easy_perform, p) &&
        find(handle, "curl_easy_getinfo", l.easy_getinfo, p) && find(handle, "curl_easy_cleanup", l.easy_cleanup, p) &&
        find(handle, "curl_easy_strerror", l.easy_strerror, p) &&
        find(handle, "curl_slist_append", l.slist_append, p) &&
        find(handle, "curl_slist_free_all", l.slist_free_all, p) && find(handle, "curl_share_init", l.share_init, p) &&
        find(handle, "curl_share_setopt", l.share_setopt, p) && find(handle, "curl_share_cleanup", l.share_cleanup, p);
    // The handle stays open for the process: libcurl's functions are called until it ends.
    return loaded;
}

const Loaded& loaded() {
    static const Loaded once = load();  // thread-safe: C++ initialises a local static once
    return once;
}

}  // namespace

const CurlLibrary* curl_library() { return loaded().ok ? &loaded().library : nullptr; }
std::string curl_library_problem() { return loaded().problem; }

}  // namespace tdbraze::transport
