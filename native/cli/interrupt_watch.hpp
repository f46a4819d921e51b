// Ctrl-C and SIGTERM as a stop request, for the commands that send (sync cohort, send currents).
#pragma once

#include <csignal>
#include <stop_token>
#include <thread>

#include <pthread.h>

#include <unistd.h>

namespace tdbraze::cli {

// Ctrl-C and SIGTERM as a stop request: a thread of its own waits for them (sigwait), so the stop is
// requested from an ordinary thread and wakes every wait of the sync at once, with nothing polling. Made
// before the sync starts its threads, which inherit the blocked signals.
class InterruptWatch {
public:
    InterruptWatch() {
        sigemptyset(&signals_);
        sigaddset(&signals_, SIGINT);
        sigaddset(&signals_, SIGTERM);
        sigaddset(&signals_, SIGUSR1);  // the watch's own end
        ::pthread_sigmask(SIG_BLOCK, &signals_, &before_);
        thread_ = std::thread([this] { watch(); });
    }
    ~InterruptWatch() {
        ::pthread_kill(thread_.native_handle(), SIGUSR1);
        thread_.join();
        ::pthread_sigmask(SIG_SETMASK, &before_, nullptr);
    }
    InterruptWatch(const InterruptWatch&) = delete;
    InterruptWatch& operator=(const InterruptWatch&) = delete;
    std::stop_token token() const { return stop_.get_token(); }

private:
    void watch() {
        for (;;) {
            int signal = 0;
            if (::sigwait(&signals_, &signal) != 0 || signal == SIGUSR1) return;
            if (stop_.stop_requested()) ::_exit(130);  // a second Ctrl-C: leave now
            const char note[] = "\ntdbraze: stopping after the requests in flight (Ctrl-C again to quit at once)\n";
            [[maybe_unused]] auto n = ::write(STDERR_FILENO, note, sizeof note - 1);
            stop_.request_stop();
        }
    }

    sigset_t signals_{}, before_{};
    std::stop_source stop_;
    std::thread thread_;
};

}  // namespace tdbraze::cli
