/* POST /setup/ballast {"mb": N}: fills N MiB of the guest's RAM with random data, so that benchmarks see what
 * saving, loading and forking cost at a realistic memory footprint (OSWorld's desktop holds 2-4 GB). A detached
 * process holds the memory (anonymous pages, so no file system size limit applies); a new call replaces it, and
 * {"mb": 0} frees it. The bytes come from a xorshift generator (software emulation makes /dev/urandom slow),
 * seeded per call, so neither compression nor page sharing across VMs shrinks them. The answer comes once the
 * memory is filled. */
#include "osworld_routes.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "handler_common.h"

#define BALLAST_MAX_MB 65536
#define WORDS_PER_MB (1024 * 1024 / sizeof(uint64_t))

static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void pid_file(char *out, size_t size)
{
    snprintf(out, size, "%s/ballast.pid", g_config.state_dir);
}

/* Ends the process holding the previous ballast, if any, and waits until its memory is free. */
static void release_previous(void)
{
    char path[320];
    pid_file(path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    long pid = 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    unlink(path);
    if (pid <= 1 || kill((pid_t)pid, SIGKILL) != 0)
        return;
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/%ld", pid);
    struct stat st;
    for (int i = 0; i < 500 && stat(proc, &st) == 0; i++)
        usleep(10000);
}

/* The holder: fills the memory, reports on `report` (0, or an errno value), then sleeps until killed. */
static void hold(long mb, int report)
{
    int result = 0;
    uint64_t *memory = malloc((size_t)mb * WORDS_PER_MB * sizeof(uint64_t));
    if (!memory) {
        result = ENOMEM;
    } else {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        uint64_t state = ((uint64_t)now.tv_sec << 32) ^ (uint64_t)now.tv_nsec ^ ((uint64_t)getpid() << 16)
                         ^ 0x9E3779B97F4A7C15ULL;
        for (size_t w = 0; w < (size_t)mb * WORDS_PER_MB; w++)
            memory[w] = next_random(&state);
    }
    if (write(report, &result, sizeof result) < 0 || result != 0)
        _exit(1);
    close(report);
    for (;;)
        pause();
}

/* Starts a detached holder of `mb` MiB; returns 0 once it filled them, or an errno value. */
static int start_holder(long mb)
{
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        return errno;
    pid_t first = fork();
    if (first < 0) {
        int err = errno;
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        return err;
    }
    if (first == 0) {
        /* Detach twice, so the holder belongs to init and outlives this connection's process. */
        close(pipe_fds[0]);
        setsid();
        pid_t holder = fork();
        if (holder != 0)
            _exit(holder < 0 ? 1 : 0);
        for (int fd = 0; fd < 1024; fd++) {
            if (fd != pipe_fds[1])
                close(fd);
        }
        char path[320];
        pid_file(path, sizeof path);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "%ld\n", (long)getpid());
            fclose(f);
        }
        hold(mb, pipe_fds[1]);
    }
    close(pipe_fds[1]);
    waitpid(first, NULL, 0);
    int result = EIO;
    ssize_t n;
    do {
        n = read(pipe_fds[0], &result, sizeof result);
    } while (n < 0 && errno == EINTR);
    close(pipe_fds[0]);
    return n == (ssize_t)sizeof result ? result : EIO;
}

void handle_ballast(int fd, const struct http_request *req)
{
    struct json_value *body = handler_json_body(fd, req);
    if (!body)
        return;
    const struct json_value *mb = json_get(body, "mb");
    if (!mb || mb->type != JSON_NUMBER || mb->number != floor(mb->number) || mb->number < 0
        || mb->number > BALLAST_MAX_MB) {
        char message[96];
        snprintf(message, sizeof message, "'mb' must be a whole number of MiB from 0 to %d", BALLAST_MAX_MB);
        http_send_json_error(fd, 400, message);
        json_free(body);
        return;
    }
    long count = (long)mb->number;
    json_free(body);

    release_previous();
    int err = count > 0 ? start_holder(count) : 0;
    if (err) {
        release_previous();
        struct buffer message = BUFFER_INIT;
        buffer_printf(&message, "could not fill %ld MiB with ballast: %s", count, strerror(err));
        http_send_json_error(fd, 500, buffer_cstr(&message));
        buffer_free(&message);
        return;
    }
    struct buffer out = BUFFER_INIT;
    buffer_printf(&out, "{\"status\": \"success\", \"mb\": %ld}", count);
    http_send_json(fd, 200, &out);
    buffer_free(&out);
}
