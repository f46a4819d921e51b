// Asking the OS why a listening address is refused, by binding a socket the way the server does.
#include "bind_failure.hpp"

#include <cerrno>
#include <cstring>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tdbraze::emulator {

std::string bind_failure_reason(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
        return "cannot resolve the address: " + std::string(::gai_strerror(rc));
    std::string reason;
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) {
            reason = std::strerror(errno);
            continue;
        }
        int yes = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        const bool bound = ::bind(fd, a->ai_addr, a->ai_addrlen) == 0;
        const int error = errno;
        ::close(fd);
        if (bound) {
            reason.clear();
            break;
        }
        reason = std::strerror(error);
    }
    ::freeaddrinfo(found);
    return reason;
}

}  // namespace tdbraze::emulator
