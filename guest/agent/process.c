#define _GNU_SOURCE /* pipe2 */

#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void argv_init(struct argv_list *argv)
{
    argv->count = 0;
    argv->items[0] = NULL;
}

bool argv_push(struct argv_list *argv, const char *arg)
{
    if (argv->count == PROCESS_MAX_ARGS)
        return false;
    char *copy = strdup(arg);
    if (!copy) {
        fputs("deskpool-guest: out of memory\n", stderr);
        exit(70);
    }
    argv->items[argv->count++] = copy;
    argv->items[argv->count] = NULL;
    return true;
}

void argv_free(struct argv_list *argv)
{
    for (size_t i = 0; i < argv->count; i++)
        free(argv->items[i]);
    argv_init(argv);
}

void argv_join(const struct argv_list *argv, struct buffer *out)
{
    for (size_t i = 0; i < argv->count; i++) {
        if (i)
            buffer_append_char(out, ' ');
        buffer_append_str(out, argv->items[i]);
    }
}

bool shell_split(const char *text, struct argv_list *out)
{
    argv_init(out);
    struct buffer word = BUFFER_INIT;
    bool in_word = false;
    bool ok = true;
    const char *p = text;
    while (ok) {
        char c = *p;
        if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
            if (in_word) {
                ok = argv_push(out, buffer_cstr(&word));
                buffer_clear(&word);
                in_word = false;
            }
            if (c == '\0')
                break;
            p++;
            continue;
        }
        in_word = true;
        if (c == '\'') {
            const char *close = strchr(p + 1, '\'');
            if (!close) {
                ok = false;
                break;
            }
            buffer_append(&word, p + 1, (size_t)(close - p - 1));
            p = close + 1;
        } else if (c == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1] && strchr("$`\"\\\n", p[1])) {
                    if (p[1] != '\n')
                        buffer_append_char(&word, p[1]);
                    p += 2;
                } else {
                    buffer_append_char(&word, *p++);
                }
            }
            if (*p != '"') {
                ok = false;
                break;
            }
            p++;
        } else if (c == '\\') {
            if (p[1] == '\0') {
                ok = false;
                break;
            }
            if (p[1] != '\n')
                buffer_append_char(&word, p[1]);
            p += 2;
        } else {
            buffer_append_char(&word, c);
            p++;
        }
    }
    buffer_free(&word);
    if (!ok)
        argv_free(out);
    return ok;
}

char *expand_home(const char *path)
{
    const char *home = getenv("HOME");
    struct buffer out = BUFFER_INIT;
    if (home && (strcmp(path, "~") == 0 || strncmp(path, "~/", 2) == 0)) {
        buffer_append_str(&out, home);
        buffer_append_str(&out, path + 1);
    } else {
        buffer_append_str(&out, path);
    }
    return out.data;
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Prepares the child side and execs; never returns. Reports exec failure
 * through `error_fd` (close-on-exec, so success closes it silently). */
static void exec_child(char *const argv[], int out_fd, int err_fd, int error_fd, const char *cwd)
{
    setpgid(0, 0);
    if (cwd && chdir(cwd) != 0) {
        int e = errno;
        if (write(error_fd, &e, sizeof e) < 0) {
            /* nothing more we can do */
        }
        _exit(127);
    }
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        if (out_fd < 0)
            out_fd = null_fd;
        if (err_fd < 0)
            err_fd = null_fd;
    }
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execvp(argv[0], argv);
    int e = errno;
    if (write(error_fd, &e, sizeof e) < 0) {
        /* nothing more we can do */
    }
    _exit(127);
}

/* Waits for the exec report: 0 when the program started, else its errno. */
static int read_exec_error(int error_fd)
{
    int e = 0;
    ssize_t n;
    do {
        n = read(error_fd, &e, sizeof e);
    } while (n < 0 && errno == EINTR);
    close(error_fd);
    return n == (ssize_t)sizeof e ? e : 0;
}

static void capture(int fd, struct buffer *into, bool *open_flag, bool *truncated)
{
    char chunk[16384];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        *open_flag = false;
        return;
    }
    size_t room = into->len < PROCESS_MAX_OUTPUT ? PROCESS_MAX_OUTPUT - into->len : 0;
    size_t take = (size_t)n < room ? (size_t)n : room;
    if (take < (size_t)n)
        *truncated = true;
    buffer_append(into, chunk, take);
}

void process_run(char *const argv[], double timeout_seconds, struct process_result *r)
{
    process_run_with(argv, timeout_seconds, NULL, r);
}

void process_run_with(char *const argv[], double timeout_seconds, const struct process_options *options,
                      struct process_result *r)
{
    const char *cwd = options ? options->cwd : NULL;
    bool merge = options && options->merge_stderr;
    memset(r, 0, sizeof *r);
    buffer_init(&r->out);
    buffer_init(&r->err);
    buffer_cstr(&r->out);
    buffer_cstr(&r->err);

    int out_pipe[2], err_pipe[2], error_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        r->outcome = PROCESS_SPAWN_FAILED;
        r->spawn_errno = errno;
        return;
    }
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        r->outcome = PROCESS_SPAWN_FAILED;
        r->spawn_errno = errno;
        close(out_pipe[0]);
        close(out_pipe[1]);
        return;
    }
    if (pipe2(error_pipe, O_CLOEXEC) != 0) {
        r->outcome = PROCESS_SPAWN_FAILED;
        r->spawn_errno = errno;
        close(out_pipe[0]);
        close(out_pipe[1]);
        close(err_pipe[0]);
        close(err_pipe[1]);
        return;
    }
    pid_t pid = fork();
    if (pid == 0)
        exec_child(argv, out_pipe[1], merge ? out_pipe[1] : err_pipe[1], error_pipe[1], cwd);
    close(out_pipe[1]);
    close(err_pipe[1]);
    close(error_pipe[1]);
    if (pid < 0) {
        r->outcome = PROCESS_SPAWN_FAILED;
        r->spawn_errno = errno;
        close(out_pipe[0]);
        close(err_pipe[0]);
        close(error_pipe[0]);
        return;
    }
    setpgid(pid, pid); /* also done by the child; whichever runs first wins */
    int exec_errno = read_exec_error(error_pipe[0]);
    if (exec_errno) {
        waitpid(pid, NULL, 0);
        close(out_pipe[0]);
        close(err_pipe[0]);
        r->outcome = PROCESS_SPAWN_FAILED;
        r->spawn_errno = exec_errno;
        return;
    }

    double deadline = monotonic_seconds() + timeout_seconds;
    bool out_open = true, err_open = true, timed_out = false;
    while (out_open || err_open) {
        double remaining = deadline - monotonic_seconds();
        if (remaining <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd fds[2] = {
            { out_open ? out_pipe[0] : -1, POLLIN, 0 },
            { err_open ? err_pipe[0] : -1, POLLIN, 0 },
        };
        int wait_ms = remaining > 3600 ? 3600 * 1000 : (int)(remaining * 1000) + 1;
        int ready = poll(fds, 2, wait_ms);
        if (ready < 0 && errno != EINTR)
            break;
        if (ready <= 0)
            continue;
        if (fds[0].revents)
            capture(out_pipe[0], &r->out, &out_open, &r->truncated);
        if (fds[1].revents)
            capture(err_pipe[0], &r->err, &err_open, &r->truncated);
    }
    close(out_pipe[0]);
    close(err_pipe[0]);

    int status = 0;
    if (!timed_out) {
        /* Output closed; the process may still be running (e.g. it detached its
         * stdio). Wait for it within the remaining time. */
        for (;;) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid)
                break;
            if (w < 0 && errno != EINTR) {
                status = 0;
                break;
            }
            if (monotonic_seconds() >= deadline) {
                timed_out = true;
                break;
            }
            struct timespec pause = { 0, 10 * 1000 * 1000 };
            nanosleep(&pause, NULL);
        }
    }
    if (timed_out) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        r->outcome = PROCESS_TIMED_OUT;
        r->returncode = -SIGKILL;
        return;
    }
    r->outcome = PROCESS_EXITED;
    if (WIFEXITED(status))
        r->returncode = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        r->returncode = -WTERMSIG(status);
}

void process_result_free(struct process_result *r)
{
    buffer_free(&r->out);
    buffer_free(&r->err);
}

int process_spawn_detached(char *const argv[])
{
    int error_pipe[2];
    if (pipe2(error_pipe, O_CLOEXEC) != 0)
        return errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(error_pipe[0]);
        close(error_pipe[1]);
        return e;
    }
    if (pid == 0) {
        /* Intermediate child: start a new session and fork the real program so
         * it is re-parented to init, which reaps it. */
        close(error_pipe[0]);
        setsid();
        pid_t grandchild = fork();
        if (grandchild < 0) {
            int e = errno;
            if (write(error_pipe[1], &e, sizeof e) < 0) {
                /* ignored */
            }
            _exit(1);
        }
        if (grandchild == 0)
            exec_child(argv, -1, -1, error_pipe[1], NULL);
        _exit(0);
    }
    close(error_pipe[1]);
    int exec_errno = read_exec_error(error_pipe[0]);
    waitpid(pid, NULL, 0);
    return exec_errno;
}

bool process_find_executable(const char *name)
{
    if (!*name)
        return false;
    if (strchr(name, '/')) {
        struct stat sb;
        return stat(name, &sb) == 0 && S_ISREG(sb.st_mode) && access(name, X_OK) == 0;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
    while (*path) {
        size_t n = strcspn(path, ":");
        char candidate[1024];
        if (n > 0 && n + strlen(name) + 2 < sizeof candidate) {
            snprintf(candidate, sizeof candidate, "%.*s/%s", (int)n, path, name);
            struct stat sb;
            if (stat(candidate, &sb) == 0 && S_ISREG(sb.st_mode) && access(candidate, X_OK) == 0)
                return true;
        }
        path += n;
        if (*path == ':')
            path++;
    }
    return false;
}
