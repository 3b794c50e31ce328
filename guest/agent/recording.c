#define _GNU_SOURCE
#include "recording.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "canvas.h"
#include "config.h"
#include "desktop_render.h"
#include "png.h"
#include "state.h"

#define FRAMES_PATH RECORDING_PATH ".frames"
#define MAX_FRAME_BYTES (96u << 20) /* guest RAM: later changes extend the last frame */
#define START_WAIT_MS 5000 /* the first frame is taken before the recorder announces itself */
#define STOP_WAIT_MS 15000
#define TIMESCALE 1000 /* sample times in milliseconds */

struct frame {
    uint32_t offset; /* in the frames file */
    uint32_t size;
    uint32_t at_ms;  /* since the start */
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void pid_path(char *out, size_t size)
{
    snprintf(out, size, "%s/recording.pid", g_config.state_dir);
}

/* The running recorder's pid, or 0. */
static pid_t recorder_pid(void)
{
    char path[512], text[32] = "";
    pid_path(path, sizeof path);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    bool read = fgets(text, sizeof text, f) != NULL;
    fclose(f);
    pid_t pid = read ? (pid_t)atol(text) : 0;
    return pid > 0 && kill(pid, 0) == 0 ? pid : 0;
}

/* ---- MP4 writing ------------------------------------------------------------------- */

static void be32(struct buffer *b, uint32_t v)
{
    unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                           (unsigned char)v };
    buffer_append(b, x, 4);
}

static void be16(struct buffer *b, uint16_t v)
{
    unsigned char x[2] = { (unsigned char)(v >> 8), (unsigned char)v };
    buffer_append(b, x, 2);
}

static void zeros(struct buffer *b, size_t n)
{
    static const char z[64];
    buffer_append(b, z, n);
}

/* Opens a box: size placeholder and type; returns where it starts. */
static size_t box_open(struct buffer *b, const char *type)
{
    size_t start = b->len;
    be32(b, 0);
    buffer_append(b, type, 4);
    return start;
}

static void box_close(struct buffer *b, size_t start)
{
    uint32_t size = (uint32_t)(b->len - start);
    unsigned char x[4] = { (unsigned char)(size >> 24), (unsigned char)(size >> 16), (unsigned char)(size >> 8),
                           (unsigned char)size };
    memcpy(b->data + start, x, 4);
}

static void full_box_header(struct buffer *b, uint8_t version, uint32_t flags)
{
    be32(b, (uint32_t)version << 24 | flags);
}

static void unity_matrix(struct buffer *b)
{
    static const uint32_t m[9] = { 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000 };
    for (int i = 0; i < 9; i++)
        be32(b, m[i]);
}

static void write_moov(struct buffer *b, const struct frame *frames, size_t count, uint32_t duration,
                       uint32_t mdat_data_offset, uint32_t end_ms)
{
    int w = g_config.screen_width, h = g_config.screen_height;
    size_t moov = box_open(b, "moov");
    size_t mvhd = box_open(b, "mvhd");
    full_box_header(b, 0, 0);
    be32(b, 0);
    be32(b, 0);
    be32(b, TIMESCALE);
    be32(b, duration);
    be32(b, 0x00010000); /* rate 1.0 */
    be16(b, 0x0100);     /* volume 1.0 */
    zeros(b, 10);
    unity_matrix(b);
    zeros(b, 24);
    be32(b, 2); /* next track id */
    box_close(b, mvhd);

    size_t trak = box_open(b, "trak");
    size_t tkhd = box_open(b, "tkhd");
    full_box_header(b, 0, 3); /* enabled, in movie */
    be32(b, 0);
    be32(b, 0);
    be32(b, 1); /* track id */
    be32(b, 0);
    be32(b, duration);
    zeros(b, 8);
    be16(b, 0); /* layer */
    be16(b, 0); /* alternate group */
    be16(b, 0); /* volume: video */
    be16(b, 0);
    unity_matrix(b);
    be32(b, (uint32_t)w << 16);
    be32(b, (uint32_t)h << 16);
    box_close(b, tkhd);

    size_t mdia = box_open(b, "mdia");
    size_t mdhd = box_open(b, "mdhd");
    full_box_header(b, 0, 0);
    be32(b, 0);
    be32(b, 0);
    be32(b, TIMESCALE);
    be32(b, duration);
    be16(b, 0x55C4); /* language "und" */
    be16(b, 0);
    box_close(b, mdhd);
    size_t hdlr = box_open(b, "hdlr");
    full_box_header(b, 0, 0);
    be32(b, 0);
    buffer_append(b, "vide", 4);
    zeros(b, 12);
    buffer_append(b, "VideoHandler", 13); /* with its NUL */
    box_close(b, hdlr);

    size_t minf = box_open(b, "minf");
    size_t vmhd = box_open(b, "vmhd");
    full_box_header(b, 0, 1);
    zeros(b, 8);
    box_close(b, vmhd);
    size_t dinf = box_open(b, "dinf");
    size_t dref = box_open(b, "dref");
    full_box_header(b, 0, 0);
    be32(b, 1);
    size_t url = box_open(b, "url ");
    full_box_header(b, 0, 1); /* data in this file */
    box_close(b, url);
    box_close(b, dref);
    box_close(b, dinf);

    size_t stbl = box_open(b, "stbl");
    size_t stsd = box_open(b, "stsd");
    full_box_header(b, 0, 0);
    be32(b, 1);
    size_t png = box_open(b, "png ");
    zeros(b, 6);
    be16(b, 1); /* data reference index */
    zeros(b, 16);
    be16(b, (uint16_t)w);
    be16(b, (uint16_t)h);
    be32(b, 0x00480000); /* 72 dpi */
    be32(b, 0x00480000);
    be32(b, 0);
    be16(b, 1); /* frames per sample */
    static const char name[32] = "\x0b" "Deskpool PNG";
    buffer_append(b, name, 32);
    be16(b, 0x0018); /* depth: colour, no alpha */
    be16(b, 0xFFFF);
    box_close(b, png);
    box_close(b, stsd);

    size_t stts = box_open(b, "stts");
    full_box_header(b, 0, 0);
    be32(b, (uint32_t)count);
    for (size_t i = 0; i < count; i++) {
        uint32_t next = i + 1 < count ? frames[i + 1].at_ms : end_ms;
        uint32_t delta = next > frames[i].at_ms ? next - frames[i].at_ms : 1;
        be32(b, 1);
        be32(b, delta);
    }
    box_close(b, stts);
    size_t stsc = box_open(b, "stsc");
    full_box_header(b, 0, 0);
    be32(b, 1);
    be32(b, 1); /* first chunk */
    be32(b, 1); /* one sample per chunk */
    be32(b, 1);
    box_close(b, stsc);
    size_t stsz = box_open(b, "stsz");
    full_box_header(b, 0, 0);
    be32(b, 0);
    be32(b, (uint32_t)count);
    for (size_t i = 0; i < count; i++)
        be32(b, frames[i].size);
    box_close(b, stsz);
    size_t stco = box_open(b, "stco");
    full_box_header(b, 0, 0);
    be32(b, (uint32_t)count);
    for (size_t i = 0; i < count; i++)
        be32(b, mdat_data_offset + frames[i].offset);
    box_close(b, stco);
    box_close(b, stbl);
    box_close(b, minf);
    box_close(b, mdia);
    box_close(b, trak);
    box_close(b, moov);
}

static bool copy_frames(int in, int out, uint64_t total)
{
    char chunk[65536];
    if (lseek(in, 0, SEEK_SET) != 0)
        return false;
    while (total > 0) {
        ssize_t n = read(in, chunk, total < sizeof chunk ? (size_t)total : sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || write(out, chunk, (size_t)n) != n)
            return false;
        total -= (uint64_t)n;
    }
    return true;
}

/* ftyp, mdat with the frames, moov; written aside and renamed into place. */
static void write_mp4(int frames_fd, const struct frame *frames, size_t count, uint32_t end_ms)
{
    uint64_t data = count ? (uint64_t)frames[count - 1].offset + frames[count - 1].size : 0;
    struct buffer head = BUFFER_INIT, moov = BUFFER_INIT;
    size_t ftyp = box_open(&head, "ftyp");
    buffer_append(&head, "isom", 4);
    be32(&head, 0x200);
    buffer_append(&head, "isomiso2mp41", 12);
    box_close(&head, ftyp);
    be32(&head, (uint32_t)(data + 8));
    buffer_append(&head, "mdat", 4);
    write_moov(&moov, frames, count, end_ms, (uint32_t)head.len, end_ms);

    char tmp[] = RECORDING_PATH ".tmp";
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = out >= 0 && write(out, head.data, head.len) == (ssize_t)head.len &&
              copy_frames(frames_fd, out, data) && write(out, moov.data, moov.len) == (ssize_t)moov.len;
    if (out >= 0)
        ok = close(out) == 0 && ok;
    if (!ok || rename(tmp, RECORDING_PATH) != 0)
        unlink(tmp);
    buffer_free(&head);
    buffer_free(&moov);
}

/* ---- the recorder process ------------------------------------------------------------- */

static bool announce(void);

/* Captures a frame now and on every change until asked to stop; announces itself once the first frame (the
 * desktop as recording starts) is taken, so a change right after /start_recording is a frame of its own. */
static void record(void)
{
    static struct desktop_state st;
    static struct event_lines events;
    int frames_fd = open(FRAMES_PATH, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    struct canvas c;
    if (frames_fd < 0 || !canvas_init(&c, g_config.screen_width, g_config.screen_height))
        return;
    struct frame *frames = NULL;
    size_t count = 0, cap = 0;
    uint64_t written = 0, start = now_ms();
    unsigned long version = 0;
    int watch = state_watch_open();
    bool announced = false;
    while (!stop_requested) {
        if (state_snapshot(&st, &events) && (count == 0 || st.version != version) && written < MAX_FRAME_BYTES) {
            struct buffer png = BUFFER_INIT;
            desktop_render(&c, &st, &events);
            if (png_encode(&c, 1, &png) && write(frames_fd, png.data, png.len) == (ssize_t)png.len) {
                if (count == cap) {
                    cap = cap ? cap * 2 : 64;
                    struct frame *grown = realloc(frames, cap * sizeof *frames);
                    if (!grown)
                        break;
                    frames = grown;
                }
                frames[count++] = (struct frame){ (uint32_t)written, (uint32_t)png.len, (uint32_t)(now_ms() - start) };
                written += png.len;
                version = st.version;
            }
            buffer_free(&png);
        }
        if (!announced) {
            if (!announce())
                break;
            announced = true;
        }
        state_watch_wait(watch, 1000);
    }
    write_mp4(frames_fd, frames, count, (uint32_t)(now_ms() - start));
    close(frames_fd);
    unlink(FRAMES_PATH);
    free(frames);
    canvas_free(&c);
}

/* Runs in a grandchild of the connection process, in its own session, so it
 * outlives the request; it announces itself in the pid file. */
static void recorder_main(void)
{
    setsid();
    for (int fd = 3; fd < 1024; fd++)
        close(fd); /* above all the client's socket, or its connection would stay open */
    prctl(PR_SET_NAME, "deskpool-record");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGCHLD, SIG_DFL);
    record();
    char path[512];
    pid_path(path, sizeof path);
    unlink(path); /* last: tells /end_recording the file is complete */
    _exit(0);
}

/* Writes the pid file that /start_recording waits for and /end_recording signals. */
static bool announce(void)
{
    char path[512], tmp[520];
    pid_path(path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return false;
    fprintf(f, "%ld\n", (long)getpid());
    return fclose(f) == 0 && rename(tmp, path) == 0;
}

int recording_start(struct buffer *message)
{
    if (recorder_pid()) {
        buffer_append_str(message, "Recording is already in progress.");
        return 400;
    }
    if (unlink(RECORDING_PATH) != 0 && errno != ENOENT) {
        buffer_printf(message, "Failed to remove old recording file: [Errno %d] %s: '%s'", errno, strerror(errno),
                      RECORDING_PATH);
        return 500;
    }
    char path[512];
    pid_path(path, sizeof path);
    unlink(path);
    pid_t child = fork();
    if (child == 0) {
        if (fork() == 0)
            recorder_main();
        _exit(0);
    }
    if (child < 0) {
        buffer_printf(message, "Failed to start recording. Error: %s", strerror(errno));
        return 500;
    }
    waitpid(child, NULL, 0);
    for (int waited = 0; waited < START_WAIT_MS; waited += 10) {
        if (recorder_pid())
            return 200;
        usleep(10 * 1000);
    }
    buffer_append_str(message, "Failed to start recording. The recorder did not start.");
    return 500;
}

int recording_stop(struct buffer *message)
{
    pid_t pid = recorder_pid();
    if (!pid) {
        buffer_append_str(message, "No recording in progress to stop.");
        return 400;
    }
    char path[512];
    pid_path(path, sizeof path);
    kill(pid, SIGINT);
    for (int waited = 0; waited < STOP_WAIT_MS; waited += 10) {
        if (access(path, F_OK) != 0) {
            struct stat sb;
            if (stat(RECORDING_PATH, &sb) == 0 && sb.st_size > 0)
                return 200;
            buffer_append_str(message, "Recording failed. The output file is missing or empty.");
            return 500;
        }
        usleep(10 * 1000);
    }
    kill(pid, SIGKILL);
    unlink(path);
    buffer_append_str(message, "Recording process was unresponsive and had to be killed. Stderr: ");
    return 500;
}
