/* A TCP echo server for a listener preopened with `waot-run --tcplisten`:
 * finds the listening socket among the descriptors, checks the error cases
 * of the socket calls, accepts one connection, echoes everything it
 * receives until the peer shuts down its side, and reports the byte count.
 * WASI only: preview 1 cannot create sockets, so there is no native twin. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <wasi/api.h>

static const char *name(int e) {
    switch (e) {
    case 0: return "ok";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOTCONN: return "ENOTCONN";
    case EINVAL: return "EINVAL";
    case EAGAIN: return "EAGAIN";
    default: return strerror(e);
    }
}

static void report(const char *what, int result) {
    printf("%s: %s\n", what, result < 0 ? name(errno) : "ok");
}

int main(void) {
    int listener = -1;
    for (int fd = 3; fd < 64; fd++) {
        __wasi_fdstat_t st;
        if (__wasi_fd_fdstat_get(fd, &st) == 0 && st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM) {
            listener = fd;
            break;
        }
    }
    if (listener < 0) {
        printf("no listening socket\n");
        return 1;
    }
    printf("listener found after the preopened directories: %s\n",
           listener == 4 ? "yes" : "no");

    char buf[256];
    struct sockaddr addr;
    socklen_t len = sizeof addr;
    report("recv on stdin", (int)recv(0, buf, sizeof buf, 0));
    report("send on a closed descriptor", (int)send(99, "x", 1, 0));
    report("accept on a directory", accept(3, &addr, &len));
    report("shutdown on the listener", shutdown(listener, SHUT_RDWR));
    report("recv on the listener", (int)recv(listener, buf, sizeof buf, 0));

    struct pollfd p = {.fd = listener, .events = POLLIN};
    int ready = poll(&p, 1, 20000);
    printf("poll on the listener: %s\n", ready == 1 && (p.revents & POLLIN) ? "readable" : "timed out");

    int conn = accept(listener, &addr, &len);
    report("accept", conn);
    if (conn < 0)
        return 1;
    /* Handshake: the peer sends "ping" and waits for "pong". readv with a
     * second buffer must return the 4 bytes, not wait to fill more. */
    char ping[4], spare[64];
    struct iovec iov[2] = {{ping, sizeof ping}, {spare, sizeof spare}};
    ssize_t got = readv(conn, iov, 2);
    printf("readv of the handshake: %zd bytes, %s\n", got,
           got == 4 && memcmp(ping, "ping", 4) == 0 ? "ping" : "unexpected");
    send(conn, "pong", 4, 0);
    long total = 0;
    for (;;) {
        ssize_t n = recv(conn, buf, sizeof buf, 0);
        if (n < 0) {
            report("recv", -1);
            return 1;
        }
        if (n == 0)
            break;
        for (ssize_t done = 0; done < n;) {
            ssize_t m = send(conn, buf + done, n - done, 0);
            if (m < 0) {
                report("send", -1);
                return 1;
            }
            done += m;
        }
        total += n;
    }
    report("shutdown", shutdown(conn, SHUT_WR));
    report("close", close(conn));
    report("recv after close", (int)recv(conn, buf, sizeof buf, 0));
    printf("echoed %ld bytes\n", total);
    return 0;
}
