#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

#define EVENTS_LOG_MAX_BYTES (256 * 1024)
#define EVENTS_LOG_KEEP_BYTES (64 * 1024)
#define DEFAULT_WALLPAPER_RGB 0x5E2750u /* aubergine */

static void state_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", g_config.state_dir, name);
}

static int lock_state(int operation)
{
    char path[512];
    state_path(path, sizeof path, "lock");
    /* Read-only: flock needs no write access, and closing a file opened for writing is an IN_CLOSE_WRITE
     * event, which would wake the display's watch of this directory on every look at the state, for ever. */
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    while (flock(fd, operation) != 0) {
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

static void unlock_state(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

/* ---- serialisation --------------------------------------------------------- */

/* Field encoding: bytes that would break the space-separated line format are
 * percent-escaped; the empty string is written as "-". */
static void write_field(FILE *f, const char *s, size_t len)
{
    fputc(' ', f);
    if (len == 0) {
        fputc('-', f);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == '%' || c == 0x7F || (c == '-' && len == 1))
            fprintf(f, "%%%02X", c);
        else
            fputc(c, f);
    }
}

static void write_string_field(FILE *f, const char *s)
{
    write_field(f, s, strlen(s));
}

/* Decodes one field from *cursor into out (size bytes incl. NUL); advances the
 * cursor. Over-long values are truncated. Returns the decoded length. */
static size_t read_field(char **cursor, char *out, size_t size)
{
    char *p = *cursor;
    while (*p == ' ')
        p++;
    size_t n = 0;
    if (p[0] == '-' && (p[1] == ' ' || p[1] == '\0' || p[1] == '\n')) {
        p++;
    } else {
        while (*p && *p != ' ' && *p != '\n') {
            char c = *p++;
            if (c == '%' && p[0] && p[1]) {
                char hex[3] = { p[0], p[1], '\0' };
                c = (char)strtol(hex, NULL, 16);
                p += 2;
            }
            if (n + 1 < size && c != '\0')
                out[n++] = c;
        }
    }
    if (size)
        out[n] = '\0';
    *cursor = p;
    return n;
}

static void default_state(struct desktop_state *st)
{
    memset(st, 0, sizeof *st);
    st->cursor_x = g_config.screen_width / 2;
    st->cursor_y = g_config.screen_height / 2;
    st->wallpaper_rgb = DEFAULT_WALLPAPER_RGB;
    st->next_window_id = 1;
    state_random_id(st->browser_id);
}

static bool load_state(struct desktop_state *st)
{
    char path[512];
    state_path(path, sizeof path, "state");
    default_state(st);
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT;
    static char line[4 * STATE_TYPED_MAX]; /* escaped typed text is the longest line */
    while (fgets(line, sizeof line, f)) {
        char *cursor = line;
        char key[32];
        read_field(&cursor, key, sizeof key);
        if (strcmp(key, "version") == 0) {
            st->version = strtoul(cursor, NULL, 10);
        } else if (strcmp(key, "cursor") == 0) {
            sscanf(cursor, "%d %d", &st->cursor_x, &st->cursor_y);
        } else if (strcmp(key, "wallpaper") == 0) {
            char rgb[16];
            read_field(&cursor, rgb, sizeof rgb);
            st->wallpaper_rgb = (unsigned)strtoul(rgb, NULL, 16) & 0xFFFFFFu;
            read_field(&cursor, st->wallpaper_path, sizeof st->wallpaper_path);
        } else if (strcmp(key, "browser_id") == 0) {
            read_field(&cursor, st->browser_id, sizeof st->browser_id);
        } else if (strcmp(key, "next_window_id") == 0) {
            st->next_window_id = (unsigned)strtoul(cursor, NULL, 10);
        } else if (strcmp(key, "window") == 0 && st->window_count < STATE_MAX_WINDOWS) {
            struct desktop_window *w = &st->windows[st->window_count++];
            char id[16];
            read_field(&cursor, id, sizeof id);
            w->id = (unsigned)strtoul(id, NULL, 10);
            read_field(&cursor, w->app_class, sizeof w->app_class);
            read_field(&cursor, w->title, sizeof w->title);
        } else if (strcmp(key, "tab") == 0 && st->tab_count < STATE_MAX_TABS) {
            struct browser_tab *t = &st->tabs[st->tab_count++];
            read_field(&cursor, t->id, sizeof t->id);
            read_field(&cursor, t->url, sizeof t->url);
            read_field(&cursor, t->title, sizeof t->title);
        } else if (strcmp(key, "typed") == 0) {
            st->typed_len = read_field(&cursor, st->typed, sizeof st->typed);
        }
    }
    fclose(f);
    return true;
}

static bool save_state(const struct desktop_state *st)
{
    char path[512], tmp[560];
    state_path(path, sizeof path, "state");
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "we");
    if (!f)
        return false;
    fprintf(f, "version %lu\n", st->version);
    fprintf(f, "cursor %d %d\n", st->cursor_x, st->cursor_y);
    fprintf(f, "wallpaper %06X", st->wallpaper_rgb & 0xFFFFFFu);
    write_string_field(f, st->wallpaper_path);
    fputs("\nbrowser_id", f);
    write_string_field(f, st->browser_id);
    fprintf(f, "\nnext_window_id %u\n", st->next_window_id);
    for (size_t i = 0; i < st->window_count; i++) {
        fprintf(f, "window %u", st->windows[i].id);
        write_string_field(f, st->windows[i].app_class);
        write_string_field(f, st->windows[i].title);
        fputc('\n', f);
    }
    for (size_t i = 0; i < st->tab_count; i++) {
        fputs("tab", f);
        write_string_field(f, st->tabs[i].id);
        write_string_field(f, st->tabs[i].url);
        write_string_field(f, st->tabs[i].title);
        fputc('\n', f);
    }
    fputs("typed", f);
    write_field(f, st->typed, st->typed_len);
    fputc('\n', f);
    bool ok = fflush(f) == 0 && !ferror(f);
    ok = (fclose(f) == 0) && ok;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok)
        unlink(tmp);
    return ok;
}

/* ---- events log -------------------------------------------------------------- */

static void trim_events_log(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || sb.st_size <= EVENTS_LOG_MAX_BYTES)
        return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char *keep = malloc(EVENTS_LOG_KEEP_BYTES);
    ssize_t n = keep ? pread(fd, keep, EVENTS_LOG_KEEP_BYTES, sb.st_size - EVENTS_LOG_KEEP_BYTES) : -1;
    close(fd);
    if (n > 0) {
        char *start = memchr(keep, '\n', (size_t)n); /* drop the partial first line */
        start = start ? start + 1 : keep;
        char tmp[560];
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
        FILE *f = fopen(tmp, "we");
        if (f) {
            fwrite(start, 1, (size_t)(keep + n - start), f);
            if (fclose(f) == 0)
                rename(tmp, path);
            else
                unlink(tmp);
        }
    }
    free(keep);
}

void state_log_event(const char *fmt, ...)
{
    char line[STATE_EVENT_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    for (char *c = line; *c; c++) {
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    }
    char path[512];
    state_path(path, sizeof path, "events.log");
    FILE *f = fopen(path, "ae");
    if (!f)
        return;
    fprintf(f, "%s\n", line);
    fclose(f);
    trim_events_log(path);
}

static void read_recent_events(struct event_lines *events)
{
    events->count = 0;
    char path[512];
    state_path(path, sizeof path, "events.log");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    static char tail[STATE_RECENT_EVENTS * STATE_EVENT_LINE_MAX + 1];
    struct stat sb;
    off_t start = 0;
    if (fstat(fd, &sb) == 0 && sb.st_size > (off_t)(sizeof tail - 1))
        start = sb.st_size - (off_t)(sizeof tail - 1);
    ssize_t n = pread(fd, tail, sizeof tail - 1, start);
    close(fd);
    if (n <= 0)
        return;
    tail[n] = '\0';
    char *p = tail;
    if (start > 0) { /* skip the partial first line */
        char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : p + n;
    }
    /* Collect line starts, then keep the last STATE_RECENT_EVENTS. */
    char *starts[STATE_RECENT_EVENTS * 2 + 2];
    size_t total = 0;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (total == sizeof starts / sizeof starts[0]) {
            memmove(starts, starts + STATE_RECENT_EVENTS, (total - STATE_RECENT_EVENTS) * sizeof starts[0]);
            total -= STATE_RECENT_EVENTS;
        }
        starts[total++] = p;
        if (!nl)
            break;
        p = nl + 1;
    }
    size_t first = total > STATE_RECENT_EVENTS ? total - STATE_RECENT_EVENTS : 0;
    for (size_t i = first; i < total; i++)
        snprintf(events->lines[events->count++], STATE_EVENT_LINE_MAX, "%s", starts[i]);
}

/* ---- public API -------------------------------------------------------------- */

bool state_init(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s", g_config.state_dir);
    for (char *p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return false;
    int lock = lock_state(LOCK_EX);
    if (lock < 0)
        return false;
    state_path(path, sizeof path, "state");
    bool ok = true;
    if (access(path, F_OK) != 0) {
        struct desktop_state *st = malloc(sizeof *st);
        ok = st && (default_state(st), save_state(st));
        free(st);
    }
    unlock_state(lock);
    return ok;
}

bool state_update(state_mutator mutate, void *ctx)
{
    struct desktop_state *st = malloc(sizeof *st);
    if (!st)
        return false;
    int lock = lock_state(LOCK_EX);
    bool ok = lock >= 0 && load_state(st);
    if (ok) {
        ok = mutate(st, ctx);
        if (ok) {
            st->version++;
            ok = save_state(st);
        }
    }
    unlock_state(lock);
    free(st);
    return ok;
}

bool state_snapshot(struct desktop_state *state, struct event_lines *events)
{
    int lock = lock_state(LOCK_SH);
    if (lock < 0)
        return false;
    bool ok = load_state(state);
    if (events)
        read_recent_events(events);
    unlock_state(lock);
    return ok;
}

void state_add_window(struct desktop_state *st, const char *title, const char *app_class)
{
    if (st->window_count == STATE_MAX_WINDOWS)
        state_remove_window(st, 0); /* the bottom-most window makes room */
    struct desktop_window *w = &st->windows[st->window_count++];
    memset(w, 0, sizeof *w);
    w->id = st->next_window_id++;
    snprintf(w->title, sizeof w->title, "%s", title);
    snprintf(w->app_class, sizeof w->app_class, "%s", app_class);
}

static bool matches(const char *candidate, const char *name, bool strict)
{
    if (strict)
        return strcmp(candidate, name) == 0;
    size_t n = strlen(name);
    for (const char *p = candidate; *p; p++) {
        if (strncasecmp(p, name, n) == 0)
            return true;
    }
    return n == 0;
}

int state_find_window(const struct desktop_state *st, const char *name, bool strict, bool by_class)
{
    for (size_t i = st->window_count; i > 0; i--) {
        const struct desktop_window *w = &st->windows[i - 1];
        if (matches(by_class ? w->app_class : w->title, name, strict))
            return (int)(i - 1);
    }
    return -1;
}

void state_raise_window(struct desktop_state *st, size_t index)
{
    if (index >= st->window_count)
        return;
    struct desktop_window w = st->windows[index];
    memmove(&st->windows[index], &st->windows[index + 1], (st->window_count - index - 1) * sizeof w);
    st->windows[st->window_count - 1] = w;
}

void state_remove_window(struct desktop_state *st, size_t index)
{
    if (index >= st->window_count)
        return;
    memmove(&st->windows[index], &st->windows[index + 1],
            (st->window_count - index - 1) * sizeof st->windows[0]);
    st->window_count--;
}

void state_add_tab(struct desktop_state *st, const struct browser_tab *tab)
{
    if (st->tab_count == STATE_MAX_TABS)
        state_remove_tab(st, 0);
    st->tabs[st->tab_count++] = *tab;
}

int state_find_tab(const struct desktop_state *st, const char *id)
{
    for (size_t i = 0; i < st->tab_count; i++) {
        if (strcmp(st->tabs[i].id, id) == 0)
            return (int)i;
    }
    return -1;
}

void state_remove_tab(struct desktop_state *st, size_t index)
{
    if (index >= st->tab_count)
        return;
    memmove(&st->tabs[index], &st->tabs[index + 1], (st->tab_count - index - 1) * sizeof st->tabs[0]);
    st->tab_count--;
}

void state_type_text(struct desktop_state *st, const char *text, size_t len)
{
    if (len >= STATE_TYPED_MAX) {
        text += len - STATE_TYPED_MAX;
        len = STATE_TYPED_MAX;
    }
    if (st->typed_len + len > STATE_TYPED_MAX) {
        size_t drop = st->typed_len + len - STATE_TYPED_MAX;
        memmove(st->typed, st->typed + drop, st->typed_len - drop);
        st->typed_len -= drop;
    }
    memcpy(st->typed + st->typed_len, text, len);
    st->typed_len += len;
    st->typed[st->typed_len] = '\0';
}

void state_type_backspace(struct desktop_state *st)
{
    if (st->typed_len == 0)
        return;
    /* Remove one UTF-8 character, not just one byte. */
    size_t n = st->typed_len - 1;
    while (n > 0 && ((unsigned char)st->typed[n] & 0xC0) == 0x80)
        n--;
    st->typed_len = n;
    st->typed[n] = '\0';
}

void state_random_id(char out[STATE_ID_LEN + 1])
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char bytes[STATE_ID_LEN / 2];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, bytes, sizeof bytes) : -1;
    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)sizeof bytes) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned long seed = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16);
        for (size_t i = 0; i < sizeof bytes; i++) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            bytes[i] = (unsigned char)(seed >> 56);
        }
    }
    for (size_t i = 0; i < sizeof bytes; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[STATE_ID_LEN] = '\0';
}

int state_watch_open(void)
{
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd >= 0 && inotify_add_watch(fd, g_config.state_dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

void state_watch_wait(int watch, int timeout_ms)
{
    if (watch < 0) {
        usleep(200 * 1000);
        return;
    }
    struct pollfd p = { watch, POLLIN, 0 };
    if (poll(&p, 1, timeout_ms) > 0) {
        char events[4096];
        while (read(watch, events, sizeof events) > 0) {
        }
    }
}
