// Secrets come from the environment or a private file, never leak through the redactor.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "credentials.hpp"
#include "scratch_dir.hpp"
#include "small_disk.hpp"

using namespace tdbraze::secrets;
namespace fs = std::filesystem;

namespace {

struct CleanEnvironment {
    CleanEnvironment() {
        ::unsetenv(kPartnerKeyVariable);
        ::unsetenv(kClientSecretVariable);
    }
    ~CleanEnvironment() {
        ::unsetenv(kPartnerKeyVariable);
        ::unsetenv(kClientSecretVariable);
    }
};

fs::path temp_file(const std::string& name, const std::string& text, mode_t mode) {
    const fs::path p = tdbraze::test::scratch_dir("credentials") / name;
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
}

}  // namespace

TEST_CASE("credentials from the environment") {
    CleanEnvironment env;
    ::setenv(kPartnerKeyVariable, "pk-from-env", 1);
    ::setenv(kClientSecretVariable, "cs-from-env", 1);
    auto c = load_credentials(std::nullopt);
    REQUIRE(std::holds_alternative<Credentials>(c));
    CHECK(std::get<Credentials>(c).partner_api_key == "pk-from-env");
}

TEST_CASE("credentials file: 0600 accepted, readable by others refused with the fix") {
    CleanEnvironment env;
    const std::string json = R"({"partner_api_key":"pk-file","client_secret":"cs-file"})";
    const auto ok = temp_file("ok.json", json, 0600);
    auto c = load_credentials(ok.string());
    REQUIRE(std::holds_alternative<Credentials>(c));
    CHECK(std::get<Credentials>(c).client_secret == "cs-file");
    const auto open = temp_file("open.json", json, 0644);
    auto refused = load_credentials(open.string());
    REQUIRE(std::holds_alternative<std::string>(refused));
    CHECK(std::get<std::string>(refused).find("chmod 600") != std::string::npos);
    CHECK(std::get<std::string>(refused).find("cs-file") == std::string::npos);
    fs::remove(ok);
    fs::remove(open);
}

TEST_CASE("no credentials: a message that says where to put them") {
    CleanEnvironment env;
    auto c = load_credentials("/nonexistent/tdbraze/credentials.json");
    REQUIRE(std::holds_alternative<std::string>(c));
    auto d = load_credentials(std::nullopt);
    if (std::holds_alternative<std::string>(d))
        CHECK(std::get<std::string>(d).find(kClientSecretVariable) != std::string::npos);
}

TEST_CASE("saved credentials are private from the start") {
    const fs::path p = tdbraze::test::scratch_dir("credentials") / "saved.json";
    REQUIRE_FALSE(save_credentials(p.string(), {"pk", "cs-secret"}).has_value());
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    fs::remove(p);
}

TEST_CASE("saving credentials on a full disk keeps the keys saved before") {
    tdbraze::test::SmallDisk disk(tdbraze::test::scratch_dir("credentials") / "full-disk", "size=16k");
    if (!disk.mounted) {
        WARN("not root or no mount: the full-disk case needs a small tmpfs");
        return;
    }
    CleanEnvironment env;
    const fs::path p = disk.dir / "credentials.json";
    REQUIRE_FALSE(save_credentials(p.string(), {"pk-old", "cs-old-secret"}).has_value());
    std::ofstream(disk.dir / "filler", std::ios::binary) << std::string(12 * 1024, 'x');
    const auto failed = save_credentials(p.string(), {"pk-new", std::string(8 * 1024, 's')});
    REQUIRE(failed.has_value());
    CHECK(failed->find("No space left on device") != std::string::npos);
    auto kept = load_credentials(p.string());
    REQUIRE(std::holds_alternative<Credentials>(kept));
    CHECK(std::get<Credentials>(kept).partner_api_key == "pk-old");
}

TEST_CASE("the redactor removes secrets in plain and JSON-escaped form") {
    Redactor r;
    r.add("s3cr\"et-key");
    r.add("abc");  // too short to redact safely: ignored
    CHECK(r.redact("401 Partner not enabled for client with client secret: s3cr\"et-key") ==
          "401 Partner not enabled for client with client secret: <redacted>");
    CHECK(r.redact(R"({"client_secret":"s3cr\"et-key"})") == R"({"client_secret":"<redacted>"})");
    CHECK(r.redact("abc stays") == "abc stays");
}

TEST_CASE("credentials: a process holding secrets writes no core dump", "[secrets]") {
#if defined(__SANITIZE_ADDRESS__)
    SUCCEED("not under AddressSanitizer: its leak check needs the process to stay dumpable");
#else
    // In a child, so that this test process stays debuggable.
    const pid_t child = ::fork();
    if (child == 0) {
        // Dumpable again first: earlier tests in the same process may have loaded credentials.
        ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
        const bool before = ::prctl(PR_GET_DUMPABLE) == 1;
        tdbraze::secrets::keep_secrets_out_of_core_dumps();
        ::_exit(before && ::prctl(PR_GET_DUMPABLE) == 0 ? 0 : 1);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
#endif
}
