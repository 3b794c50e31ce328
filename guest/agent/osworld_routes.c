#include "osworld_routes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accessibility.h"
#include "commands.h"
#include "config.h"
#include "desktop_render.h"
#include "handler_common.h"
#include "process.h"
#include "router.h"
#include "state.h"

#define WALLPAPER_HASH_MAX_BYTES (16u << 20)
#define TERMINAL_LINES STATE_RECENT_EVENTS

/* ---- /execute, /setup/execute ------------------------------------------------------ */

static void handle_execute(int fd, const struct http_request *req)
{
    struct json_value *body = handler_json_body(fd, req);
    if (!body)
        return;
    struct command_outcome outcome;
    command_execute(body, &outcome);
    if (outcome.http_status != 200) {
        http_send_json_error(fd, outcome.http_status, buffer_cstr(&outcome.message));
    } else {
        struct buffer json = BUFFER_INIT;
        command_result_json(&outcome, "success", &json);
        buffer_append_char(&json, '}');
        http_send_json(fd, 200, &json);
        buffer_free(&json);
    }
    command_outcome_free(&outcome);
    json_free(body);
}

/* ---- /setup/launch ---------------------------------------------------------------------- */

struct window_request {
    const char *title;
    const char *app_class;
    const char *event;
};

static bool add_window(struct desktop_state *st, void *opaque)
{
    const struct window_request *w = opaque;
    state_add_window(st, w->title, w->app_class);
    state_log_event("%s", w->event);
    return true;
}

/* Records a new (active) window; the events log gets `event`. */
static bool record_window(const char *title, const char *app_class, const char *event)
{
    struct window_request w = { title, app_class, event };
    return state_update(add_window, &w);
}

static void handle_launch(int fd, const struct http_request *req)
{
    struct json_value *body = handler_json_body(fd, req);
    if (!body)
        return;
    bool shell = json_get_bool(body, "shell", false);
    struct argv_list argv, words;
    argv_init(&words);
    struct buffer error = BUFFER_INIT, text = BUFFER_INIT, event = BUFFER_INIT;
    if (!handler_command_argv(body, true, &argv, &error)) {
        http_send_json_error(fd, 400, buffer_cstr(&error));
        goto out;
    }
    /* The program that names the window: argv[0], or the shell script's first word. */
    const char *program = argv.items[0];
    if (shell) {
        if (!shell_split(argv.items[2], &words) || words.count == 0) {
            http_send_json_error(fd, 400, "cannot determine the program of the shell command");
            goto out;
        }
        program = words.items[0];
    }
    if (!shell && !process_find_executable(program)) {
        handler_errno_message(&error, ENOENT, program);
        http_send_json_error(fd, 500, buffer_cstr(&error));
        goto out;
    }
    int err = process_spawn_detached(argv.items);
    if (err) {
        handler_errno_message(&error, err, program);
        http_send_json_error(fd, 500, buffer_cstr(&error));
        goto out;
    }
    char title[STATE_TITLE_MAX];
    handler_basename(program, title, sizeof title);
    if (shell) {
        buffer_append_str(&text, argv.items[2]);
    } else {
        argv_join(&argv, &text);
    }
    buffer_printf(&event, "launch %s", buffer_cstr(&text));
    if (!record_window(title, title, buffer_cstr(&event))) {
        http_send_json_error(fd, 500, "could not save the desktop state");
        goto out;
    }
    buffer_append_str(&text, " launched successfully");
    http_send_text(fd, 200, buffer_cstr(&text));
out:
    argv_free(&argv);
    argv_free(&words);
    buffer_free(&error);
    buffer_free(&text);
    buffer_free(&event);
    json_free(body);
}

/* ---- observation endpoints -------------------------------------------------------------- */

static void handle_screenshot(int fd, const struct http_request *req)
{
    (void)req;
    struct buffer png = BUFFER_INIT;
    if (desktop_screenshot_png(&png))
        http_send(fd, 200, "image/png", png.data, png.len);
    else
        http_send_json_error(fd, 500, "could not render the screenshot");
    buffer_free(&png);
}

static void handle_platform(int fd, const struct http_request *req)
{
    (void)req;
    http_send(fd, 200, "text/plain; charset=utf-8", "Linux", 5);
}

static void handle_cursor_position(int fd, const struct http_request *req)
{
    (void)req;
    struct desktop_state st;
    if (!state_snapshot(&st, NULL)) {
        http_send_json_error(fd, 500, "could not read the desktop state");
        return;
    }
    struct buffer json = BUFFER_INIT;
    buffer_printf(&json, "[%d, %d]", st.cursor_x, st.cursor_y);
    http_send_json(fd, 200, &json);
    buffer_free(&json);
}

static void handle_screen_size(int fd, const struct http_request *req)
{
    (void)req;
    struct buffer json = BUFFER_INIT;
    buffer_printf(&json, "{\"width\": %d, \"height\": %d}", g_config.screen_width, g_config.screen_height);
    http_send_json(fd, 200, &json);
    buffer_free(&json);
}

static void handle_terminal(int fd, const struct http_request *req)
{
    (void)req;
    struct desktop_state st;
    struct event_lines events;
    if (!state_snapshot(&st, &events)) {
        http_send_json_error(fd, 500, "could not read the desktop state");
        return;
    }
    struct buffer output = BUFFER_INIT, json = BUFFER_INIT;
    for (size_t i = 0; i < events.count; i++) {
        if (i)
            buffer_append_char(&output, '\n');
        buffer_append_str(&output, events.lines[i]);
    }
    buffer_append_str(&json, "{\"output\": ");
    json_write_string(&json, buffer_cstr(&output), output.len);
    buffer_append_str(&json, ", \"status\": \"success\"}");
    http_send_json(fd, 200, &json);
    buffer_free(&output);
    buffer_free(&json);
}

static void handle_accessibility(int fd, const struct http_request *req)
{
    (void)req;
    struct desktop_state st;
    if (!state_snapshot(&st, NULL)) {
        http_send_json_error(fd, 500, "could not read the desktop state");
        return;
    }
    struct buffer xml = BUFFER_INIT, json = BUFFER_INIT;
    accessibility_tree_xml(&st, &xml);
    buffer_append_str(&json, "{\"AT\": ");
    json_write_string(&json, buffer_cstr(&xml), xml.len);
    buffer_append_str(&json, "}");
    http_send_json(fd, 200, &json);
    buffer_free(&xml);
    buffer_free(&json);
}

/* ---- windows ---------------------------------------------------------------------------- */

static void handle_open_file(int fd, const struct http_request *req)
{
    struct json_value *body = handler_json_body(fd, req);
    if (!body)
        return;
    const char *path = json_get_string(body, "path");
    if (!path || !*path) {
        http_send_text(fd, 400, "Path not supplied!");
        json_free(body);
        return;
    }
    char *expanded = expand_home(path);
    struct buffer message = BUFFER_INIT;
    char title[STATE_TITLE_MAX];
    handler_basename(expanded, title, sizeof title);
    buffer_printf(&message, "open %s", expanded);
    struct stat sb;
    bool ok;
    if (stat(expanded, &sb) == 0) {
        ok = record_window(title, "xdg-open", buffer_cstr(&message));
    } else if (process_find_executable(path)) {
        /* Not a file: like OSWorld, treat it as an application to start. */
        char *const argv[] = { (char *)path, NULL };
        int err = process_spawn_detached(argv);
        ok = err == 0 && record_window(path, title, buffer_cstr(&message));
    } else {
        buffer_clear(&message);
        buffer_printf(&message, "Application/file not found: %s", path);
        http_send_text(fd, 404, buffer_cstr(&message));
        goto out;
    }
    if (ok)
        http_send_text(fd, 200, "File opened and window activated successfully");
    else
        http_send_text(fd, 500, "Failed to open the file");
out:
    free(expanded);
    buffer_free(&message);
    json_free(body);
}

struct window_match {
    const char *name;
    bool strict;
    bool by_class;
    bool close;
    bool found;
};

static bool apply_window_match(struct desktop_state *st, void *opaque)
{
    struct window_match *m = opaque;
    int index = state_find_window(st, m->name, m->strict, m->by_class);
    m->found = index >= 0;
    if (!m->found)
        return false;
    char title[STATE_TITLE_MAX];
    snprintf(title, sizeof title, "%s", st->windows[index].title);
    if (m->close)
        state_remove_window(st, (size_t)index);
    else
        state_raise_window(st, (size_t)index);
    state_log_event("%s %s", m->close ? "close" : "activate", title);
    return true;
}

static void window_command(int fd, const struct http_request *req, bool close)
{
    struct json_value *body = handler_json_body(fd, req);
    if (!body)
        return;
    const char *name = json_get_string(body, "window_name");
    if (!name || !*name) {
        http_send_text(fd, 400, "window_name required");
        json_free(body);
        return;
    }
    struct window_match m = { name, json_get_bool(body, "strict", false), json_get_bool(body, "by_class", false),
                              close, false };
    bool saved = state_update(apply_window_match, &m);
    struct buffer message = BUFFER_INIT;
    if (!m.found) {
        buffer_printf(&message, "Window %s not found (empty results)", name);
        http_send_text(fd, 404, buffer_cstr(&message));
    } else if (!saved) {
        http_send_text(fd, 500, "could not save the desktop state");
    } else {
        /* The real server's texts, period included. */
        buffer_append_str(&message, close ? "Window closed successfully." : "Window activated successfully");
        http_send_text(fd, 200, buffer_cstr(&message));
    }
    buffer_free(&message);
    json_free(body);
}

static void handle_activate_window(int fd, const struct http_request *req)
{
    window_command(fd, req, false);
}

static void handle_close_window(int fd, const struct http_request *req)
{
    window_command(fd, req, true);
}

/* ---- wallpaper ----------------------------------------------------------------------------- */

struct wallpaper_change {
    const char *path;
    unsigned rgb;
};

static bool apply_wallpaper(struct desktop_state *st, void *opaque)
{
    const struct wallpaper_change *w = opaque;
    st->wallpaper_rgb = w->rgb;
    snprintf(st->wallpaper_path, sizeof st->wallpaper_path, "%s", w->path);
    state_log_event("wallpaper %s #%06X", w->path, w->rgb);
    return true;
}

/* FNV-1a over the file's first bytes, folded into a mid-brightness colour so the
 * overlaid text stays readable. */
static bool wallpaper_colour(const char *path, unsigned *rgb, int *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err = errno;
        return false;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        *err = errno;
        close(fd);
        return false;
    }
    if (!S_ISREG(sb.st_mode)) {
        *err = S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
        close(fd);
        return false;
    }
    unsigned hash = 2166136261u;
    unsigned char chunk[65536];
    size_t total = 0;
    ssize_t n;
    while (total < WALLPAPER_HASH_MAX_BYTES && (n = read(fd, chunk, sizeof chunk)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            hash = (hash ^ chunk[i]) * 16777619u;
        total += (size_t)n;
    }
    close(fd);
    unsigned r = 0x30 + ((hash >> 16) & 0xFF) / 2;
    unsigned g = 0x30 + ((hash >> 8) & 0xFF) / 2;
    unsigned b = 0x30 + (hash & 0xFF) / 2;
    *rgb = (r << 16) | (g << 8) | b;
    return true;
}

static void handle_change_wallpaper(int fd, const struct http_request *req)
{
    struct json_value *body = handler_json_body(fd, req);
    if (!body)
        return;
    const char *path = json_get_string(body, "path");
    if (!path || !*path) {
        http_send_text(fd, 400, "Path not supplied!");
        json_free(body);
        return;
    }
    char *expanded = expand_home(path);
    struct buffer message = BUFFER_INIT;
    struct wallpaper_change change = { expanded, 0 };
    int err = 0;
    if (access(expanded, F_OK) != 0) {
        buffer_printf(&message, "File not found: %s", expanded);
        http_send_text(fd, 404, buffer_cstr(&message));
    } else if (!wallpaper_colour(expanded, &change.rgb, &err)) {
        buffer_append_str(&message, "Failed to change wallpaper. Error: ");
        handler_errno_message(&message, err, expanded);
        http_send_text(fd, 500, buffer_cstr(&message));
    } else if (!state_update(apply_wallpaper, &change)) {
        http_send_text(fd, 500, "Failed to change wallpaper. Error: could not save the desktop state");
    } else {
        http_send_text(fd, 200, "Wallpaper changed successfully");
    }
    buffer_free(&message);
    free(expanded);
    json_free(body);
}

/* ---- routing -------------------------------------------------------------------------------- */

static const struct route osworld_routes[] = {
    { "POST", "/execute", false, handle_execute },
    { "POST", "/setup/execute", false, handle_execute },
    { "POST", "/setup/launch", false, handle_launch },
    { "GET", "/screenshot", false, handle_screenshot },
    { "GET", "/platform", false, handle_platform },
    { "GET", "/cursor_position", false, handle_cursor_position },
    { "GET POST", "/screen_size", false, handle_screen_size },
    { "GET", "/terminal", false, handle_terminal },
    { "GET", "/accessibility", false, handle_accessibility },
    { "POST", "/file", false, handle_file },
    { "POST", "/setup/upload", false, handle_upload },
    { "POST", "/list_directory", false, handle_list_directory },
    { "POST", "/desktop_path", false, handle_desktop_path },
    { "POST", "/setup/open_file", false, handle_open_file },
    { "POST", "/setup/activate_window", false, handle_activate_window },
    { "POST", "/setup/close_window", false, handle_close_window },
    { "POST", "/setup/change_wallpaper", false, handle_change_wallpaper },
    { "POST", "/setup/download_file", false, handle_download_file },
    { "POST", "/execute_with_verification", false, handle_execute_with_verification },
    { "POST", "/setup/execute_with_verification", false, handle_execute_with_verification },
    { "POST", "/run_python", false, handle_run_python },
    { "POST", "/run_bash_script", false, handle_run_bash_script },
    { "POST", "/wallpaper", false, handle_wallpaper },
    { "POST", "/window_size", false, handle_window_size },
    { "POST", "/start_recording", false, handle_start_recording },
    { "POST", "/end_recording", false, handle_end_recording },
    { "POST", "/setup/ballast", false, handle_ballast },
};

void osworld_handle(int fd, const struct http_request *req)
{
    router_dispatch(fd, req, osworld_routes, sizeof osworld_routes / sizeof osworld_routes[0]);
}
