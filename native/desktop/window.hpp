// The platform layer: a GLFW window with an OpenGL context, Dear ImGui's GLFW and OpenGL backends, dropped
// files, and screenshots. OpenGL 3.2 when the driver offers it, else OpenGL 2 (old drivers, some software
// renderers).
#pragma once

#include <optional>
#include <string>
#include <vector>

struct GLFWwindow;

namespace tdbraze::desktop {

struct WindowOptions {
    int width = 1280;  // in screen coordinates, before the monitor's content scale
    int height = 800;
    bool force_gl2 = false;
    std::string ini_path;  // Dear ImGui's layout file; empty: none
};

class Window {
public:
    // Opens the window and sets Dear ImGui up; error() says why when it could not.
    explicit Window(const WindowOptions& options);
    ~Window();
    Window(const Window&) = delete;
    Window& operator=(const Window&) = delete;

    const std::string& error() const { return error_; }

    bool should_close() const;
    float content_scale() const { return scale_; }
    const char* renderer() const { return gl3_ ? "OpenGL 3" : "OpenGL 2"; }

    // Waits for input (up to `timeout_seconds`; 0: just polls), then starts a Dear ImGui frame.
    void begin_frame(double timeout_seconds);
    // Renders the frame into the back buffer. Screenshots read that buffer, so take them before present().
    void render();
    void present();

    std::vector<std::string> take_dropped_files();
    // Writes the rendered frame as a PNG; the reason on failure.
    std::optional<std::string> save_png(const std::string& path) const;

private:
    std::string error_;
    GLFWwindow* window_ = nullptr;
    bool gl3_ = false;
    float scale_ = 1.0f;
    std::string ini_path_;  // Dear ImGui keeps a pointer to it
    std::vector<std::string> dropped_;
};

}  // namespace tdbraze::desktop
