/* deskpool-guest agent: serves the OSWorld in-VM protocol on port 5000, a
 * Chrome-DevTools-like HTTP endpoint on port 9222 and a VLC HTTP interface
 * stand-in on port 8080 for the Deskpool test guest, and draws the desktop on
 * the VM's screen.
 * Every connection is handled in its own forked process; shared desktop state
 * lives in files (see state.h). */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cdp_routes.h"
#include "config.h"
#include "display.h"
#include "http.h"
#include "osworld_routes.h"
#include "state.h"
#include "vlc_routes.h"

#define MAX_CONCURRENT_CONNECTIONS 64
#define LISTENERS 3

typedef void (*connection_handler)(int fd, const struct http_request *req);

struct listener {
    int port;
    int fd;
    connection_handler handle;
};

static volatile sig_atomic_t active_children;
static volatile pid_t display_pid = -1;

static void reap_children(int sig)
{
    (void)sig;
    int saved = errno;
    pid_t pid;
    while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
        if (pid == display_pid)
            display_pid = -1; /* not a connection */
        else if (active_children > 0)
            active_children--;
    }
    errno = saved;
}

static int open_listener(const char *bind_address, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, bind_address, &addr.sin_addr) != 1 ||
        bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 64) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Runs in the forked child: one request, one response, then exit. */
static void serve_connection(int fd, connection_handler handle)
{
    struct http_request req;
    int status = http_read_request(fd, &req);
    if (status == 0) {
        handle(fd, &req);
    } else if (status > 0) {
        char message[96];
        snprintf(message, sizeof message, "%s", http_status_text(status));
        http_send_json_error(fd, status, message);
    }
    http_request_free(&req);
    http_finish_connection(fd);
}

static void accept_one(const struct listener *l, const struct listener *all, size_t count)
{
    int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (active_children >= MAX_CONCURRENT_CONNECTIONS) {
        http_send_json_error(fd, 503, "too many concurrent requests");
        close(fd);
        return;
    }
    sigset_t block, previous;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &previous);
    pid_t pid = fork();
    if (pid == 0) {
        for (size_t i = 0; i < count; i++)
            close(all[i].fd);
        signal(SIGCHLD, SIG_DFL);
        sigprocmask(SIG_SETMASK, &previous, NULL);
        serve_connection(fd, l->handle);
        _exit(0);
    }
    if (pid > 0)
        active_children++;
    sigprocmask(SIG_SETMASK, &previous, NULL);
    if (pid < 0)
        http_send_json_error(fd, 503, "cannot fork a request handler");
    close(fd);
}

/* Prints the readiness line on the console (the serial port in the guest), or
 * on stderr when running without one. */
static void announce(const char *console, const char *message)
{
    int fd = console ? open(console, O_WRONLY | O_NOCTTY | O_CLOEXEC) : -1;
    if (fd < 0) {
        fprintf(stderr, "%s\n", message);
        return;
    }
    dprintf(fd, "%s\n", message);
    close(fd);
}

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--bind ADDR] [--osworld-port N] [--cdp-port N] [--vlc-port N] [--state-dir DIR]\n"
            "          [--screen WxH] [--cmdline FILE] [--console DEV] [--display vga|none]\n"
            "defaults: --bind 0.0.0.0 --osworld-port 5000 --cdp-port 9222 --vlc-port 8080 --display none\n"
            "          --state-dir /var/lib/deskpool-guest --cmdline /proc/cmdline --console /dev/console\n",
            argv0);
}

static void apply_cmdline_file(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    char line[4096];
    if (fgets(line, sizeof line, f))
        config_apply_kernel_cmdline(line);
    fclose(f);
}

int main(int argc, char **argv)
{
    const char *bind_address = "0.0.0.0";
    const char *cmdline = "/proc/cmdline";
    const char *console = "/dev/console";
    const char *screen = NULL;
    bool draw_on_vga = false;
    int osworld_port = 5000, cdp_port = 9222, vlc_port = 8080;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            usage(argv[0]);
            return 0;
        }
        if (!value) {
            usage(argv[0]);
            return 2;
        }
        i++;
        if (strcmp(opt, "--bind") == 0)
            bind_address = value;
        else if (strcmp(opt, "--osworld-port") == 0)
            osworld_port = atoi(value);
        else if (strcmp(opt, "--cdp-port") == 0)
            cdp_port = atoi(value);
        else if (strcmp(opt, "--vlc-port") == 0)
            vlc_port = atoi(value);
        else if (strcmp(opt, "--state-dir") == 0)
            snprintf(g_config.state_dir, sizeof g_config.state_dir, "%s", value);
        else if (strcmp(opt, "--screen") == 0)
            screen = value;
        else if (strcmp(opt, "--cmdline") == 0)
            cmdline = value;
        else if (strcmp(opt, "--console") == 0)
            console = strcmp(value, "none") == 0 ? NULL : value;
        else if (strcmp(opt, "--display") == 0 && (strcmp(value, "vga") == 0 || strcmp(value, "none") == 0))
            draw_on_vga = strcmp(value, "vga") == 0;
        else {
            usage(argv[0]);
            return 2;
        }
    }
    apply_cmdline_file(cmdline);
    if (screen &&
        config_parse_screen(screen, &g_config.screen_width, &g_config.screen_height) != 0) {
        fprintf(stderr, AGENT_NAME ": invalid --screen %s\n", screen);
        return 2;
    }
    if (!getenv("HOME"))
        setenv("HOME", "/root", 1);
    if (!getenv("PATH"))
        setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
    if (chdir(getenv("HOME")) != 0 && chdir("/") != 0)
        return 1;
    umask(022);

    if (!state_init()) {
        fprintf(stderr, AGENT_NAME ": cannot initialise state in %s: %s\n", g_config.state_dir, strerror(errno));
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = reap_children;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (draw_on_vga) {
        sigset_t block, previous;
        sigemptyset(&block);
        sigaddset(&block, SIGCHLD);
        sigprocmask(SIG_BLOCK, &block, &previous);
        display_pid = display_start();
        sigprocmask(SIG_SETMASK, &previous, NULL);
    }

    struct listener listeners[LISTENERS] = {
        { osworld_port, -1, osworld_handle },
        { cdp_port, -1, cdp_handle },
        { vlc_port, -1, vlc_handle },
    };
    for (size_t i = 0; i < LISTENERS; i++) {
        listeners[i].fd = open_listener(bind_address, listeners[i].port);
        if (listeners[i].fd < 0) {
            fprintf(stderr, AGENT_NAME ": cannot listen on %s:%d: %s\n", bind_address, listeners[i].port,
                    strerror(errno));
            return 1;
        }
    }
    char ready[160];
    snprintf(ready, sizeof ready, AGENT_NAME ": agent listening on :%d, :%d and :%d (screen %dx%d)", osworld_port,
             cdp_port, vlc_port, g_config.screen_width, g_config.screen_height);
    announce(console, ready);

    for (;;) {
        struct pollfd fds[LISTENERS];
        for (size_t i = 0; i < LISTENERS; i++)
            fds[i] = (struct pollfd){ listeners[i].fd, POLLIN, 0 };
        int n = poll(fds, LISTENERS, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror(AGENT_NAME ": poll");
            return 1;
        }
        for (size_t i = 0; i < LISTENERS; i++) {
            if (fds[i].revents & POLLIN)
                accept_one(&listeners[i], listeners, LISTENERS);
        }
    }
}
