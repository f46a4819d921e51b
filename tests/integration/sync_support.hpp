// What the sync's integration tests share: the CLI run against the emulator over real HTTP on 127.0.0.1,
// tables of generated ids, and the emulator's view of a cohort.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "braze_emulator.hpp"
#include "scratch_dir.hpp"
#include "small_disk.hpp"

namespace tdbraze::test {

namespace fs = std::filesystem;
using tdbraze::emulator::BrazeEmulator;
using tdbraze::emulator::EmulatorConfig;

inline const char* kKey = "emulator-partner-key";
inline const char* kSecret = "emulator-client-secret";

struct Run {
    int code;
    std::string out, err;
};

inline std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The last line of a command's output: a sync's summary ends with its outcome.
inline std::string last_line(const std::string& out) {
    std::string text = out;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    const auto at = text.rfind('\n');
    return at == std::string::npos ? text : text.substr(at + 1);
}

inline fs::path work_dir() { return scratch_dir("sync"); }

// The CLI with the emulator's credentials in its environment (never on its command line).
// `environment`: more NAME=value words for the command's environment.
inline Run run_cli(const std::string& args, const std::string& environment = "") {
    const fs::path out = work_dir() / "out.txt", err = work_dir() / "err.txt";
    const std::string command = environment + " TDBRAZE_PARTNER_API_KEY=" + kKey + " TDBRAZE_CLIENT_SECRET=" + kSecret +
                                " " + TDBRAZE_CLI + " " + args + " >" + out.string() + " 2>" + err.string();
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

inline fs::path table(const std::string& name, const std::string& header, int from, int to,
                      const std::string& prefix = "u-") {
    const fs::path p = work_dir() / name;
    std::ofstream f(p);
    f << header << "\n";
    for (int i = from; i < to; ++i) f << prefix << i << "\n";
    return p;
}

// User ids u-0 .. u-(n-1), each seventh followed by a repeat of an earlier one, so that what is sent depends
// on the duplicate check's answers. `email`: an empty email column too (the caller may append alias rows).
inline fs::path table_with_repeats(const std::string& name, int n, bool email = false) {
    const fs::path p = work_dir() / name;
    std::ofstream f(p);
    const std::string end = email ? ",\n" : "\n";
    f << (email ? "user_ids,email\n" : "user_ids\n");
    for (int i = 0; i < n; ++i) f << "u-" << i << end << (i % 7 == 0 ? "u-" + std::to_string(i / 2) + end : "");
    return p;
}

// A file where a state database is expected that is not one: text long enough to be read as a header.
inline fs::path damaged_database(const std::string& name) {
    const fs::path p = work_dir() / name;
    std::ofstream f(p, std::ios::binary);
    for (int i = 0; i < 64; ++i) f << "not a database, only some text that is long enough to be read as a header. ";
    return p;
}

inline std::set<std::string> expected_ids(int from, int to, const std::string& prefix = "u-") {
    std::set<std::string> s;
    for (int i = from; i < to; ++i) s.insert(prefix + std::to_string(i));
    return s;
}

inline std::set<std::string> members(const BrazeEmulator& e, const std::string& cohort) {
    const auto view = e.cohort(cohort);
    if (!view) return {};
    return {view->user_ids.begin(), view->user_ids.end()};
}

struct Emulator {
    BrazeEmulator server;
    std::string url;
    explicit Emulator(EmulatorConfig config = {}) : server(std::move(config)) {
        REQUIRE(server.start() > 0);
        url = server.url();
    }
};

inline std::string sync_args(const fs::path& input, const std::string& url, const std::string& cohort,
                             const fs::path& state) {
    return "sync cohort " + input.string() + " --endpoint " + url + " --cohort-id " + cohort + " --state " +
           state.string() + " --retry-base-ms 10 --retry-cap-ms 200";
}

// Starts the CLI with the emulator's credentials, its stdout to `out` and stderr to `err`, and returns at once:
// for tests that kill it mid-run.
inline pid_t spawn_cli(const std::string& args, const fs::path& out, const fs::path& err) {
    const pid_t child = ::fork();
    if (child == 0) {
        ::setenv("TDBRAZE_PARTNER_API_KEY", kKey, 1);
        ::setenv("TDBRAZE_CLIENT_SECRET", kSecret, 1);
        if (std::freopen(out.c_str(), "w", stdout) == nullptr || std::freopen(err.c_str(), "w", stderr) == nullptr)
            ::_exit(126);
        ::execl("/bin/sh", "sh", "-c", (std::string("exec ") + TDBRAZE_CLI + " " + args).c_str(), nullptr);
        ::_exit(127);
    }
    return child;
}

// After a run that was stopped part way (killed, or its state file failed) and a resume: the cohort holds
// exactly ids from..to, every one of the `batches` arrived, and the only batches sent twice are those in
// flight when the first run stopped (at most one per thread).
inline void check_resumed_exactly(const Emulator& emu, const std::string& cohort, int from, int to,
                                  std::uint64_t batches, std::uint64_t threads) {
    CHECK(members(emu.server, cohort) == expected_ids(from, to));
    const auto stats = emu.server.stats();
    CHECK(stats.membership_applied == batches + stats.duplicate_applied);
    CHECK(stats.duplicate_applied <= threads);
}

}  // namespace tdbraze::test
