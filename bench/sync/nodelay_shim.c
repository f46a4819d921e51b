/* An LD_PRELOAD shim that turns on TCP_NODELAY on every socket a server accepts. It lets the sync benchmark
 * measure what `tdbraze emulate` would serve if it set TCP_NODELAY itself (cpp-httplib leaves it off, and
 * a response written in two pieces then waits for the client's delayed ACK), without changing or rebuilding
 * the emulator. Only for that experiment (bench/sync/run.sh, EMULATOR_NODELAY=1).
 *
 * Built by bench/sync/run.sh: cc -O2 -shared -fPIC nodelay_shim.c -o nodelay_shim.so -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void nodelay(int fd) {
    if (fd >= 0) {
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* not TCP (a Unix socket): harmless */
    }
}

int accept(int socket, struct sockaddr* address, socklen_t* length) {
    static int (*real)(int, struct sockaddr*, socklen_t*);
    if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*))dlsym(RTLD_NEXT, "accept");
    int fd = real(socket, address, length);
    nodelay(fd);
    return fd;
}

int accept4(int socket, struct sockaddr* address, socklen_t* length, int flags) {
    static int (*real)(int, struct sockaddr*, socklen_t*, int);
    if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*, int))dlsym(RTLD_NEXT, "accept4");
    int fd = real(socket, address, length, flags);
    nodelay(fd);
    return fd;
}
