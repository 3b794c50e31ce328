/* Draws the simulated desktop (wallpaper, windows, browser, typed text, recent
 * input events, pointer) into a canvas, and produces the /screenshot PNG. */
#ifndef DESKPOOL_DESKTOP_RENDER_H
#define DESKPOOL_DESKTOP_RENDER_H

#include <stdbool.h>

#include "buffer.h"
#include "canvas.h"
#include "state.h"

void desktop_render(struct canvas *c, const struct desktop_state *state, const struct event_lines *events);

/* The size of the most recent window of application class `app_class`
 * (case-insensitive; "chromium" or "google-chrome" name the browser), as drawn
 * on the configured screen. False when there is none. */
bool desktop_window_size(const struct desktop_state *state, const char *app_class, int *width, int *height);

/* Appends the PNG of the current desktop to `out`. The last PNG is cached in the
 * state directory and reused while the state's change counter is unchanged. */
bool desktop_screenshot_png(struct buffer *out);

#endif
