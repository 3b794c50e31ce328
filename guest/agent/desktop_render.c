#include "desktop_render.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "png.h"

#define COLOR_TOP_BAR 0x1E1E24u
#define COLOR_TOP_BAR_TEXT 0xE6E6E6u
#define COLOR_WINDOW_BODY 0xF4F4F4u
#define COLOR_WINDOW_BORDER 0x3C3C3Cu
#define COLOR_WINDOW_TEXT 0x202020u
#define COLOR_TITLE_ACTIVE 0x3584E4u
#define COLOR_TITLE_INACTIVE 0x8E8E8Eu
#define COLOR_TITLE_TEXT 0xFFFFFFu
#define COLOR_TAB_STRIP 0xDEE1E6u
#define COLOR_TAB_ACTIVE 0xFFFFFFu
#define COLOR_ADDRESS_BAR 0xF1F3F4u
#define COLOR_PANEL 0x15151Cu
#define COLOR_PANEL_TITLE 0xFFC861u
#define COLOR_PANEL_TEXT 0xE8E8E8u

#define PANEL_TEXT_LINES 6
#define CASCADE_SLOTS 8

struct layout {
    int scale;
    int char_w;
    int char_h;
    int pad;
};

static size_t chars_fitting(const struct layout *l, int width)
{
    return width > 0 ? (size_t)(width / l->char_w) : 0;
}

static void draw_line(struct canvas *c, const struct layout *l, int x, int y, int width, uint32_t rgb,
                      const char *text)
{
    canvas_draw_text(c, x, y, l->scale, rgb, text, strlen(text), chars_fitting(l, width));
}

static void draw_top_bar(struct canvas *c, const struct layout *l, const struct desktop_state *st)
{
    int h = l->char_h + 2 * l->pad;
    canvas_fill_rect(c, 0, 0, c->width, h, COLOR_TOP_BAR);
    draw_line(c, l, 2 * l->pad, l->pad + l->scale, c->width / 2, COLOR_TOP_BAR_TEXT,
              "Activities   Deskpool test desktop");
    char right[96];
    snprintf(right, sizeof right, "state #%lu   %dx%d", st->version, c->width, c->height);
    int right_w = (int)strlen(right) * l->char_w;
    draw_line(c, l, c->width - right_w - 2 * l->pad, l->pad + l->scale, right_w, COLOR_TOP_BAR_TEXT, right);
}

/* Draws a window frame with a title bar; returns the y of the client area. */
static int draw_frame(struct canvas *c, const struct layout *l, int x, int y, int w, int h, const char *title,
                      bool active)
{
    int title_h = l->char_h + 2 * l->pad;
    canvas_fill_rect(c, x, y, w, h, COLOR_WINDOW_BODY);
    canvas_fill_rect(c, x, y, w, title_h, active ? COLOR_TITLE_ACTIVE : COLOR_TITLE_INACTIVE);
    canvas_frame_rect(c, x, y, w, h, l->scale, COLOR_WINDOW_BORDER);
    draw_line(c, l, x + 2 * l->pad, y + l->pad + l->scale, w - 4 * l->pad - 3 * l->char_w, COLOR_TITLE_TEXT,
              title);
    /* A close button "x" at the right of the title bar. */
    draw_line(c, l, x + w - 2 * l->char_w, y + l->pad + l->scale, l->char_w, COLOR_TITLE_TEXT, "x");
    return y + title_h + l->pad;
}

static void draw_browser(struct canvas *c, const struct layout *l, const struct desktop_state *st, int x, int y,
                         int w, int h)
{
    const struct browser_tab *active = &st->tabs[st->tab_count - 1];
    char title[STATE_TITLE_MAX + 32];
    snprintf(title, sizeof title, "%s - Chromium", active->title);
    int client_y = draw_frame(c, l, x, y, w, h, title, st->window_count == 0);
    int strip_h = l->char_h + 2 * l->pad;
    canvas_fill_rect(c, x + l->scale, client_y - l->pad, w - 2 * l->scale, strip_h, COLOR_TAB_STRIP);
    /* Tabs share the strip width equally, most recent on the right. */
    int tab_w = (w - 2 * l->pad) / (int)st->tab_count;
    if (tab_w > 28 * l->char_w)
        tab_w = 28 * l->char_w;
    for (size_t i = 0; i < st->tab_count; i++) {
        int tx = x + l->pad + (int)i * tab_w;
        bool is_active = i + 1 == st->tab_count;
        if (is_active)
            canvas_fill_rect(c, tx, client_y - l->pad, tab_w, strip_h, COLOR_TAB_ACTIVE);
        canvas_frame_rect(c, tx, client_y - l->pad, tab_w, strip_h, 1, COLOR_TITLE_INACTIVE);
        draw_line(c, l, tx + l->pad, client_y, tab_w - 2 * l->pad, COLOR_WINDOW_TEXT, st->tabs[i].title);
    }
    int bar_y = client_y - l->pad + strip_h + l->pad;
    canvas_fill_rect(c, x + l->pad, bar_y, w - 2 * l->pad, l->char_h + 2 * l->pad, COLOR_ADDRESS_BAR);
    draw_line(c, l, x + 2 * l->pad, bar_y + l->pad + l->scale, w - 4 * l->pad, COLOR_WINDOW_TEXT, active->url);
    char count[64];
    snprintf(count, sizeof count, "%zu tab%s open", st->tab_count, st->tab_count == 1 ? "" : "s");
    draw_line(c, l, x + 2 * l->pad, bar_y + 2 * l->char_h + l->pad, w - 4 * l->pad, COLOR_WINDOW_TEXT, count);
}

static void draw_windows(struct canvas *c, const struct layout *l, const struct desktop_state *st, int top,
                         int bottom)
{
    int area_h = bottom - top;
    int w = c->width * 2 / 5;
    int h = area_h * 3 / 5;
    int step = 7 * l->pad;
    for (size_t i = 0; i < st->window_count; i++) {
        const struct desktop_window *win = &st->windows[i];
        int slot = (int)(win->id % CASCADE_SLOTS);
        int x = 4 * l->pad + slot * step;
        int y = top + slot * step;
        bool active = i + 1 == st->window_count;
        int client_y = draw_frame(c, l, x, y, w, h, win->title, active);
        char line[STATE_CLASS_MAX + 64];
        snprintf(line, sizeof line, "application: %s", win->app_class);
        draw_line(c, l, x + 2 * l->pad, client_y + l->pad, w - 4 * l->pad, COLOR_WINDOW_TEXT, line);
        snprintf(line, sizeof line, "window #%u%s", win->id, active ? " (active)" : "");
        draw_line(c, l, x + 2 * l->pad, client_y + l->pad + l->char_h, w - 4 * l->pad, COLOR_WINDOW_TEXT, line);
    }
}

struct text_span {
    size_t start;
    size_t len;
};

/* Appends a visual line, keeping only the last PANEL_TEXT_LINES. */
static void push_span(struct text_span *spans, size_t *count, size_t start, size_t len)
{
    if (*count == PANEL_TEXT_LINES) {
        memmove(spans, spans + 1, (PANEL_TEXT_LINES - 1) * sizeof spans[0]);
        (*count)--;
    }
    spans[*count].start = start;
    spans[*count].len = len;
    (*count)++;
}

/* Draws the tail of the typed text, wrapped to the panel width, with a caret. */
static void draw_typed_text(struct canvas *c, const struct layout *l, const struct desktop_state *st, int x,
                            int y, int w)
{
    size_t cols = chars_fitting(l, w);
    if (cols < 2)
        return;
    size_t width = cols - 1; /* room for the caret */
    struct text_span spans[PANEL_TEXT_LINES];
    size_t count = 0, start = 0, glyphs = 0;
    for (size_t i = 0;; i++) {
        bool at_end = i == st->typed_len;
        unsigned char ch = at_end ? 0 : (unsigned char)st->typed[i];
        bool is_glyph = !at_end && ch != '\n' && (ch & 0xC0) != 0x80;
        if (is_glyph && glyphs == width) {
            push_span(spans, &count, start, i - start);
            start = i;
            glyphs = 0;
        }
        if (at_end || ch == '\n') {
            push_span(spans, &count, start, i - start);
            if (at_end)
                break;
            start = i + 1;
            glyphs = 0;
            continue;
        }
        if (is_glyph)
            glyphs++;
    }
    for (size_t i = 0; i < count; i++) {
        char line[STATE_TYPED_MAX + 2];
        size_t n = 0;
        for (size_t k = 0; k < spans[i].len; k++) {
            char ch = st->typed[spans[i].start + k];
            line[n++] = ch == '\t' ? ' ' : ch;
        }
        if (i + 1 == count)
            line[n++] = '_';
        canvas_draw_text(c, x, y + (int)i * l->char_h, l->scale, COLOR_PANEL_TEXT, line, n, cols);
    }
}

static void draw_panels(struct canvas *c, const struct layout *l, const struct desktop_state *st,
                        const struct event_lines *events, int top)
{
    int h = c->height - top - 2 * l->pad;
    int left_w = c->width * 11 / 20 - 3 * l->pad;
    int right_x = 4 * l->pad + left_w;
    int right_w = c->width - right_x - 2 * l->pad;
    canvas_fill_rect(c, 2 * l->pad, top, left_w, h, COLOR_PANEL);
    canvas_fill_rect(c, right_x, top, right_w, h, COLOR_PANEL);

    char heading[64];
    snprintf(heading, sizeof heading, "Typed text (%zu bytes)", st->typed_len);
    draw_line(c, l, 4 * l->pad, top + l->pad, left_w - 4 * l->pad, COLOR_PANEL_TITLE, heading);
    draw_typed_text(c, l, st, 4 * l->pad, top + l->pad + l->char_h + l->pad, left_w - 4 * l->pad);

    char cursor[96];
    snprintf(cursor, sizeof cursor, "Input events   pointer at (%d, %d)", st->cursor_x, st->cursor_y);
    draw_line(c, l, right_x + 2 * l->pad, top + l->pad, right_w - 4 * l->pad, COLOR_PANEL_TITLE, cursor);
    size_t shown = events->count < PANEL_TEXT_LINES ? events->count : PANEL_TEXT_LINES;
    for (size_t i = 0; i < shown; i++) {
        const char *line = events->lines[events->count - shown + i];
        draw_line(c, l, right_x + 2 * l->pad, top + l->pad + (int)(i + 1) * l->char_h + l->pad,
                  right_w - 4 * l->pad, COLOR_PANEL_TEXT, line);
    }
}

/* Where things go on a WIDTHxHEIGHT screen. */
struct screen_areas {
    struct layout l;
    int panel_top;
    int area_top;
    int area_bottom;
    int browser_x;
    int browser_w;
    int window_w;
    int window_h;
};

static void screen_areas(int width, int height, struct screen_areas *a)
{
    a->l.scale = width >= 1024 && height >= 600 ? 2 : 1;
    a->l.char_w = canvas_char_width(a->l.scale);
    a->l.char_h = canvas_char_height(a->l.scale);
    a->l.pad = 3 * a->l.scale;
    int panel_h = (PANEL_TEXT_LINES + 1) * a->l.char_h + 4 * a->l.pad;
    a->panel_top = height - panel_h - 2 * a->l.pad;
    a->area_top = a->l.char_h + 2 * a->l.pad + 4 * a->l.pad;
    a->area_bottom = a->panel_top - 4 * a->l.pad;
    a->browser_x = width * 9 / 20;
    a->browser_w = width - a->browser_x - 4 * a->l.pad;
    a->window_w = width * 2 / 5;
    a->window_h = (a->area_bottom - a->area_top) * 3 / 5;
}

void desktop_render(struct canvas *c, const struct desktop_state *st, const struct event_lines *events)
{
    struct screen_areas a;
    screen_areas(c->width, c->height, &a);

    canvas_fill_rect(c, 0, 0, c->width, c->height, st->wallpaper_rgb);
    draw_top_bar(c, &a.l, st);
    if (st->tab_count > 0)
        draw_browser(c, &a.l, st, a.browser_x, a.area_top, a.browser_w, a.area_bottom - a.area_top);
    draw_windows(c, &a.l, st, a.area_top, a.area_bottom);
    draw_panels(c, &a.l, st, events, a.panel_top);
    canvas_draw_pointer(c, st->cursor_x, st->cursor_y, a.l.scale);
}

bool desktop_window_size(const struct desktop_state *st, const char *app_class, int *width, int *height)
{
    struct screen_areas a;
    screen_areas(g_config.screen_width, g_config.screen_height, &a);
    for (size_t i = st->window_count; i-- > 0;) {
        if (strcasecmp(st->windows[i].app_class, app_class) == 0) {
            *width = a.window_w;
            *height = a.window_h;
            return true;
        }
    }
    if (st->tab_count > 0 && (strcasecmp(app_class, "chromium") == 0 || strcasecmp(app_class, "google-chrome") == 0)) {
        *width = a.browser_w;
        *height = a.area_bottom - a.area_top;
        return true;
    }
    return false;
}

/* ---- cached screenshot ---------------------------------------------------- */

/* The cache file holds one line with the cache key followed by the PNG bytes;
 * it is replaced atomically, so key and image always belong together. */
static void cache_path(char *out, size_t size)
{
    snprintf(out, size, "%s/screenshot.cache", g_config.state_dir);
}

static void cache_key(char *out, size_t size, const struct desktop_state *st)
{
    snprintf(out, size, "deskpool-screenshot v1 %lu %dx%d\n", st->version, g_config.screen_width,
             g_config.screen_height);
}

static bool load_cached(const char *path, const char *key, struct buffer *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat sb;
    size_t key_len = strlen(key);
    bool ok = fstat(fd, &sb) == 0 && sb.st_size > (off_t)key_len && sb.st_size < (64 << 20);
    if (ok) {
        size_t start = out->len;
        size_t size = (size_t)sb.st_size;
        buffer_reserve(out, size);
        ssize_t n = pread(fd, out->data + start, size, 0);
        ok = n == (ssize_t)size && memcmp(out->data + start, key, key_len) == 0;
        if (ok) {
            memmove(out->data + start, out->data + start + key_len, size - key_len);
            out->len = start + size - key_len;
        }
    }
    close(fd);
    return ok;
}

static void store_cached(const char *path, const char *key, const void *png, size_t len)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "we");
    if (!f)
        return;
    fputs(key, f);
    fwrite(png, 1, len, f);
    bool ok = !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}

bool desktop_screenshot_png(struct buffer *out)
{
    static struct desktop_state st;
    static struct event_lines events;
    if (!state_snapshot(&st, &events))
        return false;
    char path[512], key[128];
    cache_path(path, sizeof path);
    cache_key(key, sizeof key, &st);
    size_t start = out->len;
    if (load_cached(path, key, out))
        return true;
    out->len = start;

    struct canvas c;
    if (!canvas_init(&c, g_config.screen_width, g_config.screen_height))
        return false;
    desktop_render(&c, &st, &events);
    bool ok = png_encode(&c, 1, out);
    canvas_free(&c);
    if (ok)
        store_cached(path, key, out->data + start, out->len - start);
    return ok;
}
