/* The guest's simulated desktop state, shared by all connection processes.
 *
 * The state lives in files under g_config.state_dir (in guest RAM): `state` holds
 * the desktop (cursor, windows, tabs, typed text, wallpaper, change counter) and
 * `events.log` one line per input event. Writers take an exclusive flock on
 * `lock`, readers a shared one; `state` is replaced atomically with rename(2). */
#ifndef DESKPOOL_STATE_H
#define DESKPOOL_STATE_H

#include <stdbool.h>
#include <stddef.h>

#define STATE_MAX_WINDOWS 24
#define STATE_MAX_TABS 24
#define STATE_TITLE_MAX 160
#define STATE_CLASS_MAX 64
#define STATE_URL_MAX 1024
#define STATE_ID_LEN 32
#define STATE_PATH_MAX 512
#define STATE_TYPED_MAX 4096
#define STATE_EVENT_LINE_MAX 240
#define STATE_RECENT_EVENTS 20

struct desktop_window {
    unsigned id;
    char title[STATE_TITLE_MAX];
    char app_class[STATE_CLASS_MAX];
};

struct browser_tab {
    char id[STATE_ID_LEN + 1];
    char title[STATE_TITLE_MAX];
    char url[STATE_URL_MAX];
};

struct desktop_state {
    unsigned long version;          /* bumped on every change */
    int cursor_x;
    int cursor_y;
    unsigned wallpaper_rgb;
    char wallpaper_path[STATE_PATH_MAX];
    char browser_id[STATE_ID_LEN + 1];
    unsigned next_window_id;
    size_t window_count;            /* z-order: the last window is the active one */
    struct desktop_window windows[STATE_MAX_WINDOWS];
    size_t tab_count;               /* the last tab is the active one */
    struct browser_tab tabs[STATE_MAX_TABS];
    size_t typed_len;
    char typed[STATE_TYPED_MAX + 1];
};

struct event_lines {
    size_t count;
    char lines[STATE_RECENT_EVENTS][STATE_EVENT_LINE_MAX];
};

/* Creates the state directory and the initial state when missing. */
bool state_init(void);

/* Runs `mutate` on the current state under the exclusive lock. When it returns
 * true the change counter is bumped and the state saved. Returns the mutator's
 * result, or false when the state could not be loaded or saved. */
typedef bool (*state_mutator)(struct desktop_state *state, void *ctx);
bool state_update(state_mutator mutate, void *ctx);

/* Reads a consistent snapshot of the state and (when `events` is not NULL) the
 * most recent event lines, oldest first. */
bool state_snapshot(struct desktop_state *state, struct event_lines *events);

/* Helpers for mutators (the caller holds the lock). */
void state_log_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void state_add_window(struct desktop_state *state, const char *title, const char *app_class);
/* Index of the most recently stacked window matching `name` (substring,
 * case-insensitive; or exact when `strict`), or -1. `by_class` matches the
 * application class instead of the title. */
int state_find_window(const struct desktop_state *state, const char *name, bool strict, bool by_class);
void state_raise_window(struct desktop_state *state, size_t index);
void state_remove_window(struct desktop_state *state, size_t index);
void state_add_tab(struct desktop_state *state, const struct browser_tab *tab);
int state_find_tab(const struct desktop_state *state, const char *id);
void state_remove_tab(struct desktop_state *state, size_t index);
void state_type_text(struct desktop_state *state, const char *text, size_t len);
void state_type_backspace(struct desktop_state *state);

/* Change notification for processes that follow the desktop (the display, the
 * recorder): an inotify descriptor on the state directory (-1 when inotify is
 * unavailable), and a wait until the state may have changed or `timeout_ms`
 * passed. The caller compares versions itself. */
int state_watch_open(void);
void state_watch_wait(int watch, int timeout_ms);

/* Fills `out` with 32 random upper-case hex digits (a Chrome-style target id). */
void state_random_id(char out[STATE_ID_LEN + 1]);

#endif
