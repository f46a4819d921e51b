// A folder of the test process's own for the files a test writes, removed with all it holds when the process
// exits. ctest runs each test case as a process of its own: folders left behind (a sync test's holds a 180 MB
// table) once filled 18 GB of a developer's /tmp.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

namespace tdbraze::test {

namespace scratch_detail {

// A test may take the owner's permissions away from a file or folder (to provoke "Permission denied"):
// they are given back first, or the folder could not be emptied.
inline void make_removable(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::file_status status = it->symlink_status(ec);
        if (ec) continue;
        if (fs::is_directory(status)) make_removable(it->path());
        else if (!fs::is_symlink(status)) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
}

struct Folders {
    const pid_t owner = ::getpid();
    std::mutex mutex;  // a test's threads may ask at once
    std::map<std::string, std::filesystem::path> by_kind;
    ~Folders() {
        if (::getpid() != owner) return;  // a forked child that exits must not take its parent's files
        for (const auto& [kind, dir] : by_kind) {
            make_removable(dir);
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    }
};

}  // namespace scratch_detail

// `<temp>/tdbraze-<kind>-test-<pid>`, made on first use; one per kind, so that the helpers of different test
// files never share a file name.
inline const std::filesystem::path& scratch_dir(const std::string& kind) {
    static scratch_detail::Folders folders;
    const std::lock_guard lock(folders.mutex);
    auto [at, made] = folders.by_kind.try_emplace(kind);
    if (made) {
        at->second =
            std::filesystem::temp_directory_path() / ("tdbraze-" + kind + "-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(at->second);
    }
    return at->second;
}

}  // namespace tdbraze::test
