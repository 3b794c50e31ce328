/* POST /setup/ballast {"mb": N}: fills N MiB of the guest's RAM with random data, so that benchmarks see what
 * saving, loading and forking cost at a realistic memory footprint (OSWorld's desktop holds 2-4 GB). The data is
 * a file in the state directory, which lives in the RAM-backed root file system; a new call replaces it, and
 * {"mb": 0} frees it. The bytes come from a xorshift generator (software emulation makes /dev/urandom slow), seeded
 * per call, so neither compression nor page sharing across VMs shrinks them. */
#include "osworld_routes.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "handler_common.h"

#define BALLAST_MAX_MB 65536
#define CHUNK_WORDS (1024 * 1024 / sizeof(uint64_t))

static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Writes `mb` MiB to `path`; returns 0 or an errno value. */
static int fill(const char *path, long mb)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t state = ((uint64_t)now.tv_sec << 32) ^ (uint64_t)now.tv_nsec ^ ((uint64_t)getpid() << 16) ^ 0x9E3779B97F4A7C15ULL;
    uint64_t *chunk = malloc(CHUNK_WORDS * sizeof(uint64_t));
    if (!chunk) {
        close(fd);
        return ENOMEM;
    }
    int err = 0;
    for (long i = 0; i < mb && !err; i++) {
        for (size_t w = 0; w < CHUNK_WORDS; w++)
            chunk[w] = next_random(&state);
        const char *p = (const char *)chunk;
        size_t left = CHUNK_WORDS * sizeof(uint64_t);
        while (left > 0) {
            ssize_t n = write(fd, p, left);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                err = errno;
                break;
            }
            p += n;
            left -= (size_t)n;
        }
    }
    free(chunk);
    if (close(fd) != 0 && !err)
        err = errno;
    return err;
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

    char path[320];
    snprintf(path, sizeof path, "%s/ballast", g_config.state_dir);
    unlink(path); /* the old ballast's memory is free before the new one is written */
    int err = count > 0 ? fill(path, count) : 0;
    if (err) {
        unlink(path);
        struct buffer message = BUFFER_INIT;
        buffer_printf(&message, "could not write %ld MiB of ballast: %s", count, strerror(err));
        http_send_json_error(fd, 500, buffer_cstr(&message));
        buffer_free(&message);
        return;
    }
    struct buffer out = BUFFER_INIT;
    buffer_printf(&out, "{\"status\": \"success\", \"mb\": %ld}", count);
    http_send_json(fd, 200, &out);
    buffer_free(&out);
}
