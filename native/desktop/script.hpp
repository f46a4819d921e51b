// --autorun and --screenshot: the app drives itself through the same view-model actions its buttons call,
// one step per frame, and saves screenshots on the way. The tests use it, and it makes docs/desktop-*.png.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ui.hpp"
#include "view_model.hpp"
#include "window.hpp"

namespace tdbraze::desktop {

// What the command line asks to fill in, as a person would type it.
struct Prefill {
    std::string table;
    std::string currents;
    std::string endpoint;
    std::string partner;
    std::string cohort_id;
    std::string cohort_name;
    std::string operation;  // add, remove, mirror; empty: as it is
    std::vector<std::string> alias_columns;
    int threads = 0;  // 0: as it is
    std::optional<Panel> panel;
};

// Fills the forms and opens the files: what the fields and the Open buttons do.
void prefill(ViewModel& vm, const Prefill& p);

class Script {
public:
    using Step = std::function<bool()>;  // called once per frame until it returns true

    explicit Script(double timeout_seconds) : timeout_seconds_(timeout_seconds) {}

    void add(std::string what, Step step);
    void screenshot(std::string path);  // a step: lets the layout settle, then saves the window
    void snapshot(std::string path);  // saves the next frame, without waiting for it
    void fail(std::string why);

    void before_frame();  // runs the current step
    void after_render(const Window& window);  // saves the screenshot that is due
    bool finished() const { return current_ >= steps_.size() || !failure_.empty(); }
    int exit_code() const { return failure_.empty() ? exit_code_ : 1; }
    void set_exit_code(int code) { exit_code_ = code; }
    std::vector<std::string> saved() const { return saved_; }

private:
    struct Entry {
        std::string what;
        Step step;
    };
    std::vector<Entry> steps_;
    std::size_t current_ = 0;
    bool announced_ = false;
    double timeout_seconds_;
    std::optional<Clock::time_point> started_;
    std::string failure_;
    int exit_code_ = 0;
    std::string pending_;  // the screenshot a step waits for
    int settle_frames_ = 0;
    std::string taken_;  // the screenshot just saved
    std::string snapshot_;  // the screenshot of the next frame
    std::vector<std::string> saved_;
};

struct AutorunOptions {
    Prefill prefill;
    std::string screenshot_dir;  // empty: no screenshots
    std::string replay_url;  // replay the --currents payload there too
    bool force = false;  // send again even if the table was synced before
};

// Tests the connection, checks the table, syncs it, checks (and replays) a Currents payload, with a
// screenshot of every panel. Exit code 0 only when the sync completed (and the replay, when asked, too).
void add_autorun_steps(Script& script, ViewModel& vm, UiState& ui, const AutorunOptions& options);

// Fills the forms, waits until nothing runs, presses `keys` (each such as "ctrl+3", "ctrl+shift+enter",
// "down": through Dear ImGui's input, as the keyboard would), prints the panel and the status, and saves one
// screenshot.
void add_screenshot_steps(Script& script, ViewModel& vm, const Prefill& prefill, const std::vector<std::string>& keys,
                          const std::string& path);

}  // namespace tdbraze::desktop
