// `tdbraze web`: serves the built validator page (static files) on 127.0.0.1 for local use.
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>

#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind_failure.hpp"
#include "commands.hpp"
#include "error.hpp"
#include "web_csp.inc"  // kWebContentSecurityPolicy, generated from web/csp.txt

namespace tdbraze::cli {
namespace {

httplib::Server* g_server = nullptr;

extern "C" void stop_web_server(int) {
    if (g_server != nullptr) g_server->stop();
}

// The site as the binary finds it from where it is: in a build tree (build/native/bin -> build/wasm/site),
// then installed (bin -> share/tdbraze/site, wherever the prefix is), unless told otherwise.
std::string default_site_dir() {
    if (const char* env = std::getenv("TDBRAZE_SITE"); env != nullptr && *env != '\0') return env;
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        for (const auto& candidate : {exe.parent_path() / ".." / ".." / "wasm" / "site",
                                      exe.parent_path() / ".." / "share" / "tdbraze" / "site"})
            if (std::filesystem::exists(candidate / "index.html", ec))
                return std::filesystem::weakly_canonical(candidate).string();
    }
    return "build/wasm/site";
}

// Why `root` cannot be served, in the OS's words, or nothing.
std::string site_problem(const std::string& root) {
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) {
        const int error = errno;
        return "--root: cannot open '" + root + "': " + system_reason(error);
    }
    if (!S_ISDIR(st.st_mode)) return "--root: '" + root + "' is not a folder; give the folder of the built site";
    const std::string index = (std::filesystem::path(root) / "index.html").string();
    if (::access(index.c_str(), R_OK) == 0) return {};
    const int error = errno;
    if (error == ENOENT)
        return "no site in '" + root +
               "' (no index.html): build it with scripts/build.sh (the WebAssembly build), "
               "or pass --root";
    return "cannot read '" + index + "': " + system_reason(error);
}

}  // namespace

std::function<int()> add_web(CLI::App& app) {
    struct Args {
        int port = 8080;
        std::string bind = "127.0.0.1";
        std::string root;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = app.add_subcommand("web", "Serve the validator page locally (everything runs in the browser)");
    cmd->add_option("--port", args->port, "Port (default 8080; 0 picks a free one)")->check(CLI::Range(0, 65535));
    cmd->add_option("--bind", args->bind, "Address to listen on (default 127.0.0.1)");
    cmd->add_option("--root", args->root,
                    "Folder of the built site (default: build/wasm/site of this build tree, or ../share/tdbraze/site "
                    "next to this binary)");
    return [args] {
        const std::string root = args->root.empty() ? default_site_dir() : args->root;
        if (const std::string problem = site_problem(root); !problem.empty()) {
            std::cerr << "tdbraze: " << problem << '\n';
            return kExitUsage;
        }
        httplib::Server server;
        server.set_mount_point("/", root);
        server.set_file_extension_and_mimetype_mapping("wasm", "application/wasm");
        server.set_file_extension_and_mimetype_mapping("mjs", "text/javascript");
        server.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
            // The policy the page declares in its <meta> tag (one source: web/csp.txt), also for the Worker's
            // script, which a <meta> policy does not cover: nothing may connect anywhere but here.
            res.set_header("Content-Security-Policy", kWebContentSecurityPolicy);
            res.set_header("X-Content-Type-Options", "nosniff");
        });
        const int port = args->port == 0 ? server.bind_to_any_port(args->bind) : args->port;
        if (args->port != 0 && !server.bind_to_port(args->bind, port)) {
            const std::string reason = emulator::bind_failure_reason(args->bind, port);
            std::cerr << "tdbraze: cannot listen on " << args->bind << ":" << port << (reason.empty() ? "" : ": ")
                      << reason << '\n';
            return kExitUsage;
        }
        if (port < 0) {
            std::cerr << "tdbraze: cannot listen on " << args->bind << '\n';
            return kExitUsage;
        }
        std::cout << "tdbraze web: serving " << root << " on http://" << args->bind << ":" << port << "/" << std::endl;
        g_server = &server;
        std::signal(SIGINT, &stop_web_server);
        std::signal(SIGTERM, &stop_web_server);
        server.listen_after_bind();
        g_server = nullptr;
        return kExitOk;
    };
}

}  // namespace tdbraze::cli
