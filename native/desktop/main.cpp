// tdbraze-desktop: the Dear ImGui + GLFW client. This file reads the command line, opens the window and runs
// the frame loop; the panels are in ui_*.cpp, the state and actions in view_model.hpp.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "desktop_settings.hpp"
#include "script.hpp"
#include "tdbraze/version.hpp"
#include "theme.hpp"
#include "ui.hpp"
#include "view_model.hpp"
#include "window.hpp"

using namespace tdbraze::desktop;

namespace {

// Ctrl-C or SIGTERM close the window the normal way: the sync is cancelled, the settings are saved.
volatile std::sig_atomic_t g_quit = 0;
extern "C" void on_quit_signal(int) { g_quit = 1; }

struct Arguments {
    Prefill prefill;
    std::string panel;
    std::string screenshot;
    std::vector<std::string> keys;  // --keys, pressed before the --screenshot
    bool autorun = false;
    AutorunOptions autorun_options;
    std::string size = "1280x800";
    bool gl2 = false;
    double timeout_seconds = 300;
};

bool parse_size(const std::string& text, WindowOptions& w) {
    return std::sscanf(text.c_str(), "%dx%d", &w.width, &w.height) == 2 && w.width >= 320 && w.height >= 240;
}

}  // namespace

int main(int argc, char** argv) {
    Arguments a;
    CLI::App cli("tdbraze-desktop " + std::string(tdbraze::kVersion) +
                 ": Braze <-> Treasure Data cohort syncs and Currents checks, in a window");
    cli.add_option("--open", a.prefill.table, "Open this cohort table");
    cli.add_option("--currents", a.prefill.currents, "Open (and validate) this Currents payload");
    cli.add_option("--endpoint", a.prefill.endpoint, "Braze REST endpoint, e.g. https://rest.iad-01.braze.com");
    cli.add_option("--partner", a.prefill.partner, "Partner segment of the path (default treasuredata)");
    cli.add_option("--cohort-id", a.prefill.cohort_id, "Cohort id");
    cli.add_option("--cohort-name", a.prefill.cohort_name, "Cohort name");
    cli.add_option("--operation", a.prefill.operation, "add, remove or mirror")
        ->check(CLI::IsMember({"add", "remove", "mirror"}));
    cli.add_option("--alias-column", a.prefill.alias_columns, "Alias column (repeatable)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    cli.add_option("--threads", a.prefill.threads, "Concurrent requests, 1..32")->check(CLI::Range(1, 32));
    cli.add_option("--panel", a.panel, "Panel to show: connection, cohort, sync or currents")
        ->check(CLI::IsMember({"connection", "cohort", "sync", "currents"}));
    cli.add_option("--screenshot", a.screenshot, "Render the given state, save this PNG and exit");
    cli.add_option("--keys", a.keys,
                   "--screenshot: press these keys first, one after the other (e.g. ctrl+3,ctrl+enter or down)")
        ->delimiter(',');
    cli.add_flag("--autorun", a.autorun,
                 "Test the connection, sync the --open table, check the --currents payload, then exit: 0 only when "
                 "the sync completed");
    cli.add_option("--screenshot-dir", a.autorun_options.screenshot_dir, "--autorun: save a PNG of every panel here");
    cli.add_option("--replay-url", a.autorun_options.replay_url,
                   "--autorun: replay the --currents payload to this URL");
    cli.add_flag("--force", a.autorun_options.force, "--autorun: send again even if the table was synced before");
    cli.add_option("--timeout", a.timeout_seconds, "--autorun, --screenshot: give up after this many seconds")
        ->check(CLI::PositiveNumber);
    cli.add_option("--size", a.size, "Window size WIDTHxHEIGHT (default 1280x800)");
    cli.add_flag("--gl2", a.gl2, "Use OpenGL 2 even when OpenGL 3 is available");
    cli.footer(
        "Keys come from TDBRAZE_PARTNER_API_KEY and TDBRAZE_CLIENT_SECRET, or the 0600 credentials file; "
        "they can be typed in the app. Settings (never keys): " +
        default_config_dir() + "/desktop.json.");
    CLI11_PARSE(cli, argc, argv);
    if (!a.panel.empty()) a.prefill.panel = panel_from_name(a.panel);

    // A scripted run starts from a clean slate and leaves none of the user's files changed.
    const bool scripted = a.autorun || !a.screenshot.empty();
    ViewModel::Options model_options;
    WindowOptions window_options;
    window_options.force_gl2 = a.gl2;
    if (!parse_size(a.size, window_options)) {
        std::fprintf(stderr, "tdbraze-desktop: --size wants WIDTHxHEIGHT, e.g. 1280x800\n");
        return 2;
    }
    if (!scripted) {
        std::error_code ec;
        std::filesystem::create_directories(default_config_dir(), ec);
        model_options.settings_path = default_config_dir() + "/desktop.json";
        window_options.ini_path = default_config_dir() + "/desktop-imgui.ini";  // window layout only
    }

    ViewModel vm(model_options);
    UiState ui;
    Window window(window_options);
    if (!window.error().empty()) {
        std::fprintf(stderr, "tdbraze-desktop: %s\n", window.error().c_str());
        return 2;
    }
    const Fonts fonts = load_fonts(window.content_scale());
    apply_style(window.content_scale());

    std::unique_ptr<Script> script;
    if (a.autorun) {
        script = std::make_unique<Script>(a.timeout_seconds);
        a.autorun_options.prefill = a.prefill;
        add_autorun_steps(*script, vm, ui, a.autorun_options);
    } else if (!a.screenshot.empty()) {
        script = std::make_unique<Script>(a.timeout_seconds);
        add_screenshot_steps(*script, vm, a.prefill, a.keys, a.screenshot);
    } else {
        prefill(vm, a.prefill);
    }
    if (scripted) std::printf("tdbraze-desktop: rendering with %s\n", window.renderer());

    // The frame loop. Frames are drawn continuously while something runs (progress, plots) and at most 60
    // times a second; when idle the loop sleeps until input arrives (or a quarter second passes).
    const auto frame_time = std::chrono::microseconds(16'667);
    auto next_frame = std::chrono::steady_clock::now();
    std::signal(SIGINT, &on_quit_signal);
    std::signal(SIGTERM, &on_quit_signal);
    while (!window.should_close() && !(script && script->finished()) && g_quit == 0) {
        const bool animate = script || vm.busy();
        window.begin_frame(animate ? 0.0 : 0.25);
        if (auto dropped = window.take_dropped_files(); !dropped.empty()) vm.drop_files(dropped);
        vm.update();
        if (script) script->before_frame();
        draw_app(vm, ui, fonts);
        window.render();
        if (script) script->after_render(window);
        window.present();
        next_frame += frame_time;
        const auto now = std::chrono::steady_clock::now();
        if (next_frame > now) std::this_thread::sleep_until(next_frame);
        else next_frame = now;
    }
    vm.save_settings();
    if (g_quit != 0) return 130;
    if (!script) return 0;
    for (const std::string& path : script->saved()) std::printf("tdbraze-desktop: saved %s\n", path.c_str());
    return script->exit_code();
}
