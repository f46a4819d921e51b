// A real small or read-only disk for the tests of the machine's faults: a tmpfs mounted at a folder and
// unmounted when done. Mounting needs root (CI runs as root); elsewhere `mounted` is false, and the test
// says so and returns.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

namespace tdbraze::test {

struct SmallDisk {
    std::filesystem::path dir;
    bool mounted = false;
    // `options` as mount takes them: "size=160k", "size=1m,ro".
    SmallDisk(std::filesystem::path folder, const std::string& options) : dir(std::move(folder)) {
        std::filesystem::create_directories(dir);
        mounted =
            ::geteuid() == 0 &&
            std::system(("mount -t tmpfs -o " + options + " tmpfs " + dir.string() + " 2>/dev/null").c_str()) == 0;
    }
    void remount(const std::string& options) const {
        REQUIRE(std::system(("mount -o remount," + options + " " + dir.string()).c_str()) == 0);
    }
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;
    ~SmallDisk() {
        if (mounted) [[maybe_unused]]
            const int rc = std::system(("umount " + dir.string()).c_str());
    }
};

}  // namespace tdbraze::test
