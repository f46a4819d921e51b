#include "script.hpp"

#include <cstdio>
#include <cctype>
#include <filesystem>

#include <GLFW/glfw3.h>  // key codes: Dear ImGui 1.86 indexes keys by the backend's codes

namespace tdbraze::desktop {
namespace {

// Frames to draw after a change before a screenshot: Dear ImGui sizes some things (tables, auto-fit
// columns, tab bars) from the previous frame.
constexpr int kSettleFrames = 4;

std::string join(const std::string& dir, const char* file) { return (std::filesystem::path(dir) / file).string(); }

struct KeyPress {
    bool ctrl = false, shift = false;
    int key = -1;
};

// "ctrl+shift+enter" as key codes; key -1 when it names no key.
KeyPress parse_keys(const std::string& text) {
    KeyPress k;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t plus = text.find('+', start);
        const std::string part = text.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
        if (part == "ctrl") k.ctrl = true;
        else if (part == "shift") k.shift = true;
        else if (part == "enter") k.key = GLFW_KEY_ENTER;
        else if (part == "esc") k.key = GLFW_KEY_ESCAPE;
        else if (part == "tab") k.key = GLFW_KEY_TAB;
        else if (part == "space") k.key = GLFW_KEY_SPACE;
        else if (part == "down") k.key = GLFW_KEY_DOWN;
        else if (part == "up") k.key = GLFW_KEY_UP;
        else if (part.size() == 1 && std::isalnum(static_cast<unsigned char>(part[0])))
            k.key = std::toupper(static_cast<unsigned char>(part[0]));  // GLFW's letter and digit codes are ASCII
        else return KeyPress{};
        if (plus == std::string::npos) break;
        start = plus + 1;
    }
    return k;
}

// Holds the keys down (true) or lets them go, as the GLFW backend's key callback would.
void set_keys(const KeyPress& k, bool down) {
    ImGuiIO& io = ImGui::GetIO();
    io.KeysDown[GLFW_KEY_LEFT_CONTROL] = down && k.ctrl;
    io.KeysDown[GLFW_KEY_LEFT_SHIFT] = down && k.shift;
    io.KeyCtrl = down && k.ctrl;
    io.KeyShift = down && k.shift;
    // The merged flags too: Dear ImGui checks at the end of the frame that they agree with the fields.
    io.KeyMods = (io.KeyCtrl ? ImGuiKeyModFlags_Ctrl : 0) | (io.KeyShift ? ImGuiKeyModFlags_Shift : 0);
    io.KeysDown[k.key] = down;
}

}  // namespace

void prefill(ViewModel& vm, const Prefill& p) {
    if (!p.endpoint.empty()) vm.set_endpoint(p.endpoint);
    if (!p.partner.empty()) vm.connection.partner = p.partner;
    if (!p.cohort_id.empty()) vm.cohort.cohort_id = p.cohort_id;
    if (!p.cohort_name.empty()) vm.cohort.cohort_name = p.cohort_name;
    if (const auto mode = sync::from_string<sync::Mode>(p.operation)) vm.cohort.mode = *mode;
    if (p.threads > 0) vm.cohort.threads = p.threads;
    if (!p.table.empty()) vm.open_table(p.table);
    for (const std::string& column : p.alias_columns)  // after opening: they are picked from its header
        if (!vm.has_alias_column(column)) vm.toggle_alias_column(column);
    if (!p.currents.empty()) vm.open_currents(p.currents);
    if (p.panel) vm.panel = *p.panel;
}

// ---- Script ---------------------------------------------------------------------------------------------

void Script::add(std::string what, Step step) { steps_.push_back({std::move(what), std::move(step)}); }

void Script::screenshot(std::string path) {
    if (path.empty()) return;
    add("screenshot " + path, [this, path] {
        if (taken_ == path) {
            taken_.clear();
            return true;
        }
        if (pending_ != path) {
            pending_ = path;
            settle_frames_ = kSettleFrames;
        }
        return false;
    });
}

void Script::snapshot(std::string path) { snapshot_ = std::move(path); }

void Script::fail(std::string why) {
    if (failure_.empty()) failure_ = std::move(why);
    std::fprintf(stderr, "tdbraze-desktop: script failed: %s\n", failure_.c_str());
}

void Script::before_frame() {
    if (finished()) return;
    const auto now = Clock::now();
    if (!started_) started_ = now;
    if (std::chrono::duration<double>(now - *started_).count() > timeout_seconds_) {
        fail("timed out after " + std::to_string(static_cast<int>(timeout_seconds_)) +
             " s at: " + steps_[current_].what);
        return;
    }
    Entry& entry = steps_[current_];
    if (!announced_) {
        std::printf("tdbraze-desktop: %s\n", entry.what.c_str());
        std::fflush(stdout);
        announced_ = true;
    }
    if (entry.step()) {
        ++current_;
        announced_ = false;
    }
}

void Script::after_render(const Window& window) {
    auto save = [&](const std::string& path) {
        std::error_code ec;
        const auto dir = std::filesystem::path(path).parent_path();
        if (!dir.empty()) std::filesystem::create_directories(dir, ec);
        if (auto error = window.save_png(path)) fail(*error);
        else saved_.push_back(path);
    };
    if (!snapshot_.empty()) save(std::exchange(snapshot_, std::string()));
    if (!pending_.empty() && --settle_frames_ <= 0) {
        save(pending_);
        taken_ = std::exchange(pending_, std::string());
    }
}

// ---- The scripts ----------------------------------------------------------------------------------------

void add_autorun_steps(Script& s, ViewModel& vm, UiState& ui, const AutorunOptions& o) {
    const std::string& dir = o.screenshot_dir;
    auto shot = [&](const char* file) {
        if (!dir.empty()) s.screenshot(join(dir, file));
    };

    s.add("fill in the forms and open the table", [&vm, &s, o] {
        if (o.prefill.table.empty()) {
            s.fail("--autorun needs --open TABLE");
            return false;
        }
        Prefill p = o.prefill;
        p.currents.clear();  // opened later, on its own panel
        p.panel = Panel::Connection;
        prefill(vm, p);
        vm.force_resend = o.force;
        if (!vm.table().loaded()) s.fail(vm.status);
        return true;
    });
    s.add("press Test connection", [&vm] {
        vm.test_connection();
        return true;
    });
    s.add("wait for the connection test", [&vm] {
        if (vm.connection_test().state != TaskState::Done) return false;
        std::printf("tdbraze-desktop: %s\n", vm.connection_test().result.message.c_str());
        return true;
    });
    shot("desktop-connection.png");

    s.add("show the Cohort panel and wait for the table's check", [&vm] {
        vm.panel = Panel::Cohort;
        return vm.analysis_current();
    });
    shot("desktop-cohort.png");
    s.add("show the planned requests", [&ui] {
        ui.pick_requests_tab = true;
        return true;
    });
    shot("desktop-requests.png");

    s.add("press Sync", [&vm, &ui, &s] {
        ui.pick_requests_tab = false;
        vm.start_sync();  // what the Sync button and Ctrl+Enter call
        if (vm.sync_view().phase == SyncView::Phase::Idle) s.fail("the sync did not start: " + vm.status);
        return true;
    });
    s.add("wait for the sync to finish", [&vm, &s, dir, mid = false]() mutable {
        const SyncView& view = vm.sync_view();
        const auto& p = view.progress;
        if (!mid && !dir.empty() && view.phase == SyncView::Phase::Running && p.ids_total > 0 &&
            p.ids_done * 2 >= p.ids_total && view.requests_per_second.count() >= 3) {
            s.snapshot(join(dir, "desktop-sync-running.png"));  // only when the sync lasts long enough
            mid = true;
        }
        return view.phase == SyncView::Phase::Finished;
    });
    shot("desktop-sync.png");

    if (!o.prefill.currents.empty()) {
        s.add("open the Currents payload", [&vm, o] {
            vm.panel = Panel::Currents;
            vm.open_currents(o.prefill.currents);
            return true;
        });
        s.add("wait for the payload's check", [&vm] { return vm.currents_view().validation == TaskState::Done; });
        if (!o.replay_url.empty()) {
            s.add("press Replay", [&vm, o] {
                vm.currents.replay_url = o.replay_url;
                vm.start_replay();
                return true;
            });
            s.add("wait for the replay", [&vm] { return vm.currents_view().replay == TaskState::Done; });
        }
    } else {
        s.add("show the Currents panel", [&vm] {
            vm.panel = Panel::Currents;
            return true;
        });
    }
    shot("desktop-currents.png");

    s.add("report", [&vm, &s, o] {
        const SyncView& view = vm.sync_view();
        const bool synced = view.completed();
        std::printf("tdbraze-desktop: sync %s: %s\n",
                    view.summary ? std::string(sync::to_string(view.summary->outcome)).c_str() : "not run",
                    view.summary ? view.summary->message.c_str() : "");
        bool replayed = true;
        if (!o.replay_url.empty()) {
            const auto& r = vm.currents_view().replay_summary;
            replayed = r && r->ok();
            std::printf("tdbraze-desktop: replay %s: %s\n",
                        r ? std::string(sync::to_string(r->outcome)).c_str() : "not run", r ? r->message.c_str() : "");
        }
        s.set_exit_code(synced && replayed ? 0 : 1);
        return true;
    });
}

void add_screenshot_steps(Script& s, ViewModel& vm, const Prefill& p, const std::vector<std::string>& keys,
                          const std::string& path) {
    s.add("fill in the forms", [&vm, p] {
        Prefill q = p;
        if (!q.panel)
            q.panel = !q.currents.empty() ? Panel::Currents : !q.table.empty() ? Panel::Cohort : Panel::Connection;
        prefill(vm, q);
        return true;
    });
    const auto idle = [&vm] { return !vm.busy() && (!vm.table().loaded() || vm.analysis_current()); };
    s.add("wait until nothing runs", idle);
    for (const std::string& text : keys) {
        const KeyPress k = parse_keys(text);
        // Down from the end of this frame to the start of the one after next: the next frame, whose NewFrame
        // sees the press, draws the app with the keys and modifiers held, as a person's key press would.
        s.add("press " + text, [&s, k, text] {
            if (k.key < 0) s.fail("--keys: no such key: " + text);
            else set_keys(k, true);
            return true;
        });
        s.add("hold " + text, [] { return true; });
        s.add("release " + text, [k] {
            if (k.key >= 0) set_keys(k, false);
            return true;
        });
    }
    if (!keys.empty()) s.add("wait until nothing runs", idle);
    s.add("report", [&vm] {
        std::printf("tdbraze-desktop: panel: %s\n", std::string(panel_name(vm.panel)).c_str());
        std::printf("tdbraze-desktop: status: %s\n", vm.status.c_str());
        return true;
    });
    s.screenshot(path);
}

}  // namespace tdbraze::desktop
