/* Port 5000: /wallpaper, /window_size, /start_recording and /end_recording,
 * shaped as OSWorld's in-VM server answers them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canvas.h"
#include "config.h"
#include "desktop_render.h"
#include "form.h"
#include "handler_common.h"
#include "osworld_routes.h"
#include "png.h"
#include "recording.h"
#include "state.h"

/* The HTML page Flask (Werkzeug) sends for abort() and unhandled errors. */
static void send_flask_error(int fd, int status, const char *title, const char *description)
{
    struct buffer html = BUFFER_INIT;
    buffer_printf(&html, "<!doctype html>\n<html lang=en>\n<title>%d %s</title>\n<h1>%s</h1>\n<p>%s</p>\n", status,
                  title, title, description);
    http_send(fd, status, "text/html; charset=utf-8", html.data, html.len);
    buffer_free(&html);
}

static void send_status_json(int fd, int status, const char *outcome, const char *message)
{
    struct buffer json = BUFFER_INIT;
    buffer_printf(&json, "{\"status\": \"%s\", \"message\": ", outcome);
    json_write_cstring(&json, message);
    buffer_append_char(&json, '}');
    http_send_json(fd, status, &json);
    buffer_free(&json);
}

/* ---- /wallpaper ---------------------------------------------------------------------- */

/* The file set with /setup/change_wallpaper; before any, the default
 * wallpaper (a plain colour, so a screen-sized PNG of it). */
void handle_wallpaper(int fd, const struct http_request *req)
{
    (void)req;
    struct desktop_state st;
    if (!state_snapshot(&st, NULL)) {
        send_flask_error(fd, 500, "Internal Server Error", "Unable to serve the wallpaper file");
        return;
    }
    if (st.wallpaper_path[0]) {
        int file = open(st.wallpaper_path, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (file < 0 || fstat(file, &sb) != 0 || !S_ISREG(sb.st_mode))
            send_flask_error(fd, 500, "Internal Server Error", "Unable to serve the wallpaper file");
        else
            send_file_contents(fd, file, st.wallpaper_path, sb.st_size, "image/png", false);
        if (file >= 0)
            close(file);
        return;
    }
    struct canvas c;
    struct buffer png = BUFFER_INIT;
    if (canvas_init(&c, g_config.screen_width, g_config.screen_height)) {
        canvas_fill_rect(&c, 0, 0, c.width, c.height, st.wallpaper_rgb);
        if (png_encode(&c, 6, &png))
            http_send(fd, 200, "image/png", png.data, png.len);
        else
            send_flask_error(fd, 500, "Internal Server Error", "Unable to serve the wallpaper file");
        canvas_free(&c);
    } else {
        send_flask_error(fd, 500, "Internal Server Error", "Unable to serve the wallpaper file");
    }
    buffer_free(&png);
}

/* ---- /window_size -------------------------------------------------------------------- */

void handle_window_size(int fd, const struct http_request *req)
{
    struct form form;
    char error[160];
    char *app_class = form_parse(req, &form, error, sizeof error) ? form_get_string(&form, "app_class_name") : NULL;
    form_free(&form);
    if (!app_class) {
        struct buffer json = BUFFER_INIT;
        buffer_append_str(&json, "{\"error\": \"app_class_name is required\"}");
        http_send_json(fd, 400, &json);
        buffer_free(&json);
        return;
    }
    struct desktop_state st;
    int width, height;
    if (state_snapshot(&st, NULL) && desktop_window_size(&st, app_class, &width, &height)) {
        struct buffer json = BUFFER_INIT;
        buffer_printf(&json, "{\"width\": %d, \"height\": %d}", width, height);
        http_send_json(fd, 200, &json);
        buffer_free(&json);
    } else {
        /* The real handler returns None when no window matches, which Flask turns into a 500. */
        send_flask_error(fd, 500, "Internal Server Error",
                         "The server encountered an internal error and was unable to complete your request. "
                         "Either the server is overloaded or there is an error in the application.");
    }
    free(app_class);
}

/* ---- /start_recording, /end_recording ---------------------------------------------------- */

void handle_start_recording(int fd, const struct http_request *req)
{
    (void)req;
    struct buffer message = BUFFER_INIT;
    int status = recording_start(&message);
    if (status == 200)
        send_status_json(fd, 200, "success", "Started recording successfully.");
    else
        send_status_json(fd, status, "error", buffer_cstr(&message));
    buffer_free(&message);
}

void handle_end_recording(int fd, const struct http_request *req)
{
    (void)req;
    struct buffer message = BUFFER_INIT;
    int status = recording_stop(&message);
    if (status == 200) {
        int file = open(RECORDING_PATH, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (file >= 0 && fstat(file, &sb) == 0)
            send_file_contents(fd, file, RECORDING_PATH, sb.st_size, "video/mp4", true);
        else
            send_flask_error(fd, 500, "Internal Server Error", "Recording failed. The output file is missing or empty.");
        if (file >= 0)
            close(file);
    } else if (status == 400 || strncmp(buffer_cstr(&message), "Recording process", 17) == 0) {
        send_status_json(fd, status, "error", buffer_cstr(&message));
    } else {
        send_flask_error(fd, status, "Internal Server Error", buffer_cstr(&message));
    }
    buffer_free(&message);
}
