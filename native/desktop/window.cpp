#include "window.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include <GLFW/glfw3.h>  // includes the system's GL/gl.h: OpenGL 1.1 calls (viewport, clear, read pixels)
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl2.h>
#include <imgui_impl_opengl3.h>
#include <stb_image_write.h>  // Debian's libstb-dev: the implementation is in libstb

namespace tdbraze::desktop {
namespace {

void on_glfw_error(int code, const char* description) {
    std::fprintf(stderr, "tdbraze-desktop: GLFW error %d: %s\n", code, description);
}

GLFWwindow* create(const WindowOptions& o, bool gl3) {
    glfwDefaultWindowHints();
    glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);  // a 1280x800 window stays usable on a high-DPI screen
    if (gl3) {
        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 2);
        glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
        glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    }
    return glfwCreateWindow(o.width, o.height, "tdbraze desktop", nullptr, nullptr);
}

void on_drop(GLFWwindow* w, int count, const char** paths) {
    auto* self = static_cast<std::vector<std::string>*>(glfwGetWindowUserPointer(w));
    for (int i = 0; i < count; ++i) self->emplace_back(paths[i]);
}

}  // namespace

Window::Window(const WindowOptions& options) {
    glfwSetErrorCallback(&on_glfw_error);
    if (!glfwInit()) {
        error_ = "cannot initialise GLFW (no display? on a server run it under xvfb-run -a)";
        return;
    }
    if (!options.force_gl2) {
        // A failed attempt is expected on drivers without OpenGL 3.2: not worth an error line.
        glfwSetErrorCallback(nullptr);
        window_ = create(options, true);
        glfwSetErrorCallback(&on_glfw_error);
        gl3_ = window_ != nullptr;
    }
    if (window_ == nullptr) window_ = create(options, false);
    if (window_ == nullptr) {
        error_ = "cannot open a window with an OpenGL context";
        glfwTerminate();
        return;
    }
    glfwMakeContextCurrent(window_);
    glfwSwapInterval(1);
    float sx = 1, sy = 1;
    glfwGetWindowContentScale(window_, &sx, &sy);
    scale_ = std::clamp(std::max(sx, sy), 1.0f, 4.0f);

    glfwSetWindowUserPointer(window_, &dropped_);
    glfwSetDropCallback(window_, &on_drop);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ini_path_ = options.ini_path;
    ImGui::GetIO().IniFilename = ini_path_.empty() ? nullptr : ini_path_.c_str();
    // Tab, the arrows, Space and Enter reach and press every control; the shortcuts (shortcuts.hpp) the main ones.
    ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
    ImGui_ImplGlfw_InitForOpenGL(window_, true);
    if (gl3_) ImGui_ImplOpenGL3_Init("#version 150");
    else ImGui_ImplOpenGL2_Init();
}

Window::~Window() {
    if (window_ == nullptr) return;
    if (gl3_) ImGui_ImplOpenGL3_Shutdown();
    else ImGui_ImplOpenGL2_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window_);
    glfwTerminate();
}

bool Window::should_close() const { return glfwWindowShouldClose(window_) != 0; }

void Window::begin_frame(double timeout_seconds) {
    if (timeout_seconds > 0) glfwWaitEventsTimeout(timeout_seconds);
    else glfwPollEvents();
    if (gl3_) ImGui_ImplOpenGL3_NewFrame();
    else ImGui_ImplOpenGL2_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
}

void Window::render() {
    ImGui::Render();
    int width = 0, height = 0;
    glfwGetFramebufferSize(window_, &width, &height);
    glViewport(0, 0, width, height);
    const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
    glClearColor(bg.x, bg.y, bg.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    if (gl3_) ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    else ImGui_ImplOpenGL2_RenderDrawData(ImGui::GetDrawData());
}

void Window::present() { glfwSwapBuffers(window_); }

std::vector<std::string> Window::take_dropped_files() { return std::exchange(dropped_, {}); }

std::optional<std::string> Window::save_png(const std::string& path) const {
    int width = 0, height = 0;
    glfwGetFramebufferSize(window_, &width, &height);
    if (width <= 0 || height <= 0) return "the window has no pixels to save";
    const auto row_bytes = static_cast<std::size_t>(width) * 4;
    std::vector<unsigned char> pixels(row_bytes * static_cast<std::size_t>(height));
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    // OpenGL's rows go bottom up, PNG's top down.
    std::vector<unsigned char> flipped(pixels.size());
    for (int y = 0; y < height; ++y)
        std::copy_n(pixels.data() + static_cast<std::size_t>(height - 1 - y) * row_bytes, row_bytes,
                    flipped.data() + static_cast<std::size_t>(y) * row_bytes);
    for (std::size_t i = 3; i < flipped.size(); i += 4) flipped[i] = 255;  // the window is opaque
    if (stbi_write_png(path.c_str(), width, height, 4, flipped.data(), static_cast<int>(row_bytes)) == 0)
        return "cannot write '" + path + "'";
    return std::nullopt;
}

}  // namespace tdbraze::desktop
