#include "pyautogui.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "pyscript.h"
#include "state.h"

enum action_result {
    ACTION_CHANGED,   /* state modified: save and bump the counter */
    ACTION_UNCHANGED, /* valid call without visible effect */
    ACTION_FAILED,    /* error text has been set */
};

struct action_context {
    const struct py_call *call;
    struct buffer *error;
    enum action_result result;
};

typedef enum action_result (*action_fn)(struct desktop_state *st, struct action_context *ctx);

static enum action_result fail(struct action_context *ctx, const char *type, const char *message)
{
    buffer_printf(ctx->error, "Traceback (most recent call last):\n  File \"<string>\", line %d, in <module>\n%s: %s\n",
                  ctx->call->line, type, message);
    return ACTION_FAILED;
}

/* ---- argument helpers ---------------------------------------------------------- */

static const struct py_value *arg(const struct action_context *ctx, size_t position, const char *keyword)
{
    const struct py_value *v = py_call_arg(ctx->call, position, keyword);
    return v && v->kind != PY_NONE ? v : NULL;
}

static bool number_arg(struct action_context *ctx, size_t position, const char *keyword, double fallback,
                       double *out)
{
    const struct py_value *v = arg(ctx, position, keyword);
    if (!v) {
        *out = fallback;
        return true;
    }
    if (v->kind == PY_NUMBER) {
        *out = v->number;
        return true;
    }
    if (v->kind == PY_BOOL) {
        *out = v->boolean ? 1 : 0;
        return true;
    }
    char message[96];
    snprintf(message, sizeof message, "argument '%s' must be a number", keyword);
    fail(ctx, "TypeError", message);
    return false;
}

static bool string_arg(struct action_context *ctx, size_t position, const char *keyword, const char *fallback,
                       const char **out)
{
    const struct py_value *v = arg(ctx, position, keyword);
    if (!v) {
        *out = fallback;
        return true;
    }
    if (v->kind == PY_STRING) {
        *out = v->string;
        return true;
    }
    char message[96];
    snprintf(message, sizeof message, "argument '%s' must be a string", keyword);
    fail(ctx, "TypeError", message);
    return false;
}

static int clamp(double value, int limit)
{
    long v = lround(value);
    if (v < 0)
        return 0;
    if (v >= limit)
        return limit - 1;
    return (int)v;
}

/* Resolves the optional x/y arguments (at `position`) of a mouse call: numbers,
 * or a single (x, y) sequence as x. Missing values keep the current position. */
static bool point_args(struct action_context *ctx, const struct desktop_state *st, size_t position, int *x, int *y)
{
    const struct py_value *vx = arg(ctx, position, "x");
    const struct py_value *vy = arg(ctx, position + 1, "y");
    double fx = st->cursor_x, fy = st->cursor_y;
    if (vx && vx->kind == PY_LIST) {
        if (vx->count != 2 || vx->items[0].kind != PY_NUMBER || vx->items[1].kind != PY_NUMBER) {
            fail(ctx, "TypeError", "a point must be a pair of numbers");
            return false;
        }
        fx = vx->items[0].number;
        fy = vx->items[1].number;
        vy = NULL;
    } else if (vx) {
        if (vx->kind != PY_NUMBER) {
            fail(ctx, "TypeError", "x must be a number");
            return false;
        }
        fx = vx->number;
    }
    if (vy) {
        if (vy->kind != PY_NUMBER) {
            fail(ctx, "TypeError", "y must be a number");
            return false;
        }
        fy = vy->number;
    }
    *x = clamp(fx, g_config.screen_width);
    *y = clamp(fy, g_config.screen_height);
    return true;
}

static bool button_arg(struct action_context *ctx, size_t position, const char **button)
{
    if (!string_arg(ctx, position, "button", "left", button))
        return false;
    static const char *const valid[] = { "left", "right", "middle", "primary", "secondary" };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        if (strcasecmp(*button, valid[i]) == 0) {
            if (strcasecmp(*button, "primary") == 0)
                *button = "left";
            else if (strcasecmp(*button, "secondary") == 0)
                *button = "right";
            return true;
        }
    }
    fail(ctx, "pyautogui.PyAutoGUIException", "button argument must be one of left, middle, right, primary, secondary");
    return false;
}

/* Makes `text` printable on one log line: escapes control characters. */
static void escape_for_log(const char *text, size_t len, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 5 < size; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') {
            out[n++] = '\\';
            out[n++] = 'n';
        } else if (c == '\t') {
            out[n++] = '\\';
            out[n++] = 't';
        } else if (c < 0x20 || c == 0x7F) {
            n += (size_t)snprintf(out + n, size - n, "\\x%02x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = '\0';
}

/* ---- keyboard -------------------------------------------------------------------- */

/* True for one character: one ASCII byte or one UTF-8 encoded code point. */
static bool is_single_character(const char *key, size_t len)
{
    if (len == 1)
        return true;
    unsigned char lead = (unsigned char)key[0];
    size_t expected = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (expected != len)
        return false;
    for (size_t i = 1; i < len; i++) {
        if (((unsigned char)key[i] & 0xC0) != 0x80)
            return false;
    }
    return true;
}

/* Applies one key press to the typed-text buffer. */
static void press_key(struct desktop_state *st, const char *key)
{
    size_t len = strlen(key);
    if (strcasecmp(key, "enter") == 0 || strcasecmp(key, "return") == 0 || strcmp(key, "\n") == 0 ||
        strcmp(key, "\r") == 0)
        state_type_text(st, "\n", 1);
    else if (strcasecmp(key, "tab") == 0 || strcmp(key, "\t") == 0)
        state_type_text(st, "\t", 1);
    else if (strcasecmp(key, "space") == 0)
        state_type_text(st, " ", 1);
    else if (strcasecmp(key, "backspace") == 0 || strcmp(key, "\b") == 0)
        state_type_backspace(st);
    else if (is_single_character(key, len))
        state_type_text(st, key, len); /* a single (possibly multi-byte) character */
    /* Other keys (ctrl, shift, f1, arrows, ...) have no effect on the text. */
}

/* Collects key names from a string or a list of strings argument. */
static bool keys_arg(struct action_context *ctx, const struct py_value *v, const char **keys, size_t max,
                     size_t *count)
{
    *count = 0;
    if (v && v->kind == PY_STRING) {
        keys[(*count)++] = v->string;
        return true;
    }
    if (v && v->kind == PY_LIST) {
        for (size_t i = 0; i < v->count; i++) {
            if (v->items[i].kind != PY_STRING || *count == max) {
                fail(ctx, "TypeError", "keys must be strings");
                return false;
            }
            keys[(*count)++] = v->items[i].string;
        }
        return true;
    }
    fail(ctx, "TypeError", "missing or invalid key argument");
    return false;
}

static enum action_result do_write(struct desktop_state *st, struct action_context *ctx)
{
    const struct py_value *message = arg(ctx, 0, "message");
    char logged[160];
    if (message && message->kind == PY_LIST) {
        /* typewrite(['a', 'enter']) presses each named key. */
        const char *keys[PYSCRIPT_MAX_LIST];
        size_t count;
        if (!keys_arg(ctx, message, keys, PYSCRIPT_MAX_LIST, &count))
            return ACTION_FAILED;
        for (size_t i = 0; i < count; i++)
            press_key(st, keys[i]);
        state_log_event("typewrite %zu keys", count);
        return ACTION_CHANGED;
    }
    if (!message || message->kind != PY_STRING)
        return fail(ctx, "TypeError", "write() needs a message string");
    /* Newlines, tabs and backspaces in the message act like their keys. */
    for (size_t i = 0; i < message->string_len; i++) {
        char c = message->string[i];
        if (c == '\b')
            state_type_backspace(st);
        else if (c != '\r')
            state_type_text(st, &c, 1);
    }
    escape_for_log(message->string, message->string_len, logged, sizeof logged);
    state_log_event("write %s", logged);
    return ACTION_CHANGED;
}

static enum action_result do_press(struct desktop_state *st, struct action_context *ctx)
{
    const char *keys[PYSCRIPT_MAX_LIST];
    size_t count;
    double presses;
    if (!keys_arg(ctx, arg(ctx, 0, "keys"), keys, PYSCRIPT_MAX_LIST, &count) ||
        !number_arg(ctx, 1, "presses", 1, &presses))
        return ACTION_FAILED;
    long repeat = lround(presses);
    if (repeat < 0 || repeat > 1000)
        return fail(ctx, "ValueError", "presses must be between 0 and 1000");
    for (long r = 0; r < repeat; r++) {
        for (size_t i = 0; i < count; i++)
            press_key(st, keys[i]);
    }
    char joined[160] = "";
    for (size_t i = 0; i < count; i++) {
        char key[64];
        escape_for_log(keys[i], strlen(keys[i]), key, sizeof key);
        size_t used = strlen(joined);
        snprintf(joined + used, sizeof joined - used, "%s%s", i ? "," : "", key);
    }
    if (repeat != 1)
        state_log_event("press %s x%ld", joined, repeat);
    else
        state_log_event("press %s", joined);
    return ACTION_CHANGED;
}

static enum action_result do_hotkey(struct desktop_state *st, struct action_context *ctx)
{
    (void)st;
    char combo[200] = "";
    size_t positional = 0;
    for (size_t i = 0; i < ctx->call->arg_count; i++) {
        const struct py_argument *a = &ctx->call->args[i];
        if (a->keyword)
            continue; /* interval= etc. */
        if (a->value.kind != PY_STRING)
            return fail(ctx, "TypeError", "hotkey() keys must be strings");
        char key[64];
        escape_for_log(a->value.string, a->value.string_len, key, sizeof key);
        size_t used = strlen(combo);
        snprintf(combo + used, sizeof combo - used, "%s%s", positional++ ? "+" : "", key);
    }
    if (positional == 0)
        return fail(ctx, "TypeError", "hotkey() needs at least one key");
    state_log_event("hotkey %s", combo);
    return ACTION_CHANGED;
}

static enum action_result key_up_down(struct action_context *ctx, const char *verb)
{
    const char *key;
    if (!string_arg(ctx, 0, "key", NULL, &key))
        return ACTION_FAILED;
    if (!key)
        return fail(ctx, "TypeError", "missing key argument");
    char logged[64];
    escape_for_log(key, strlen(key), logged, sizeof logged);
    state_log_event("%s %s", verb, logged);
    return ACTION_CHANGED;
}

static enum action_result do_key_down(struct desktop_state *st, struct action_context *ctx)
{
    (void)st;
    return key_up_down(ctx, "keydown");
}

static enum action_result do_key_up(struct desktop_state *st, struct action_context *ctx)
{
    (void)st;
    return key_up_down(ctx, "keyup");
}

/* ---- mouse ----------------------------------------------------------------------- */

static enum action_result do_move_to(struct desktop_state *st, struct action_context *ctx)
{
    int x, y;
    if (!point_args(ctx, st, 0, &x, &y))
        return ACTION_FAILED;
    st->cursor_x = x;
    st->cursor_y = y;
    state_log_event("move %d %d", x, y);
    return ACTION_CHANGED;
}

static enum action_result do_move_rel(struct desktop_state *st, struct action_context *ctx)
{
    double dx, dy;
    if (!number_arg(ctx, 0, "xOffset", 0, &dx) || !number_arg(ctx, 1, "yOffset", 0, &dy))
        return ACTION_FAILED;
    st->cursor_x = clamp(st->cursor_x + dx, g_config.screen_width);
    st->cursor_y = clamp(st->cursor_y + dy, g_config.screen_height);
    state_log_event("move %d %d", st->cursor_x, st->cursor_y);
    return ACTION_CHANGED;
}

/* Shared by click, doubleClick, tripleClick, rightClick and middleClick.
 * `forced_button` / `forced_clicks` are fixed by the function (NULL / 0 when
 * taken from the arguments); `button_position` is the positional index of the
 * button parameter in that function's signature. */
static enum action_result click_with(struct desktop_state *st, struct action_context *ctx, const char *verb,
                                     const char *forced_button, int forced_clicks, size_t button_position)
{
    int x, y;
    double clicks = forced_clicks;
    const char *button = forced_button;
    if (!point_args(ctx, st, 0, &x, &y))
        return ACTION_FAILED;
    if (!forced_clicks && !number_arg(ctx, 2, "clicks", 1, &clicks))
        return ACTION_FAILED;
    if (!forced_button && !button_arg(ctx, button_position, &button))
        return ACTION_FAILED;
    long count = lround(clicks);
    if (count < 0 || count > 100)
        return fail(ctx, "ValueError", "clicks must be between 0 and 100");
    st->cursor_x = x;
    st->cursor_y = y;
    if (forced_clicks == 0 && (strcmp(button, "left") != 0 || count != 1))
        state_log_event("%s %d %d %s x%ld", verb, x, y, button, count);
    else if (forced_button == NULL && strcmp(button, "left") != 0)
        state_log_event("%s %d %d %s", verb, x, y, button);
    else
        state_log_event("%s %d %d", verb, x, y);
    return ACTION_CHANGED;
}

/* click(x, y, clicks, interval, button, ...) */
static enum action_result do_click(struct desktop_state *st, struct action_context *ctx)
{
    return click_with(st, ctx, "click", NULL, 0, 4);
}

/* doubleClick(x, y, interval, button, ...) */
static enum action_result do_double_click(struct desktop_state *st, struct action_context *ctx)
{
    return click_with(st, ctx, "doubleclick", NULL, 2, 3);
}

static enum action_result do_triple_click(struct desktop_state *st, struct action_context *ctx)
{
    return click_with(st, ctx, "tripleclick", NULL, 3, 3);
}

static enum action_result do_right_click(struct desktop_state *st, struct action_context *ctx)
{
    return click_with(st, ctx, "rightclick", "right", 1, 0);
}

static enum action_result do_middle_click(struct desktop_state *st, struct action_context *ctx)
{
    return click_with(st, ctx, "middleclick", "middle", 1, 0);
}

static enum action_result mouse_button(struct desktop_state *st, struct action_context *ctx, const char *verb)
{
    int x, y;
    const char *button;
    if (!point_args(ctx, st, 0, &x, &y) || !button_arg(ctx, 2, &button))
        return ACTION_FAILED;
    st->cursor_x = x;
    st->cursor_y = y;
    state_log_event("%s %d %d %s", verb, x, y, button);
    return ACTION_CHANGED;
}

static enum action_result do_mouse_down(struct desktop_state *st, struct action_context *ctx)
{
    return mouse_button(st, ctx, "mousedown");
}

static enum action_result do_mouse_up(struct desktop_state *st, struct action_context *ctx)
{
    return mouse_button(st, ctx, "mouseup");
}

static enum action_result do_drag_to(struct desktop_state *st, struct action_context *ctx)
{
    int from_x = st->cursor_x, from_y = st->cursor_y, x, y;
    const char *button;
    /* dragTo(x, y, duration, tween, button) */
    if (!point_args(ctx, st, 0, &x, &y) || !button_arg(ctx, 4, &button))
        return ACTION_FAILED;
    st->cursor_x = x;
    st->cursor_y = y;
    state_log_event("drag %d %d to %d %d %s", from_x, from_y, x, y, button);
    return ACTION_CHANGED;
}

static enum action_result do_drag_rel(struct desktop_state *st, struct action_context *ctx)
{
    double dx, dy;
    const char *button;
    if (!number_arg(ctx, 0, "xOffset", 0, &dx) || !number_arg(ctx, 1, "yOffset", 0, &dy) ||
        !button_arg(ctx, 4, &button))
        return ACTION_FAILED;
    int from_x = st->cursor_x, from_y = st->cursor_y;
    st->cursor_x = clamp(from_x + dx, g_config.screen_width);
    st->cursor_y = clamp(from_y + dy, g_config.screen_height);
    state_log_event("drag %d %d to %d %d %s", from_x, from_y, st->cursor_x, st->cursor_y, button);
    return ACTION_CHANGED;
}

static enum action_result scroll_with(struct desktop_state *st, struct action_context *ctx, const char *verb)
{
    double clicks;
    int x, y;
    if (!arg(ctx, 0, "clicks"))
        return fail(ctx, "TypeError", "scroll() missing required argument: 'clicks'");
    if (!number_arg(ctx, 0, "clicks", 0, &clicks) || !point_args(ctx, st, 1, &x, &y))
        return ACTION_FAILED;
    st->cursor_x = x;
    st->cursor_y = y;
    state_log_event("%s %ld at %d %d", verb, lround(clicks), x, y);
    return ACTION_CHANGED;
}

static enum action_result do_scroll(struct desktop_state *st, struct action_context *ctx)
{
    return scroll_with(st, ctx, "scroll");
}

static enum action_result do_hscroll(struct desktop_state *st, struct action_context *ctx)
{
    return scroll_with(st, ctx, "hscroll");
}

static enum action_result do_nothing(struct desktop_state *st, struct action_context *ctx)
{
    (void)st;
    (void)ctx;
    return ACTION_UNCHANGED;
}

/* ---- dispatch ---------------------------------------------------------------------- */

struct pyautogui_function {
    const char *name;
    action_fn apply;
};

static const struct pyautogui_function functions[] = {
    { "click", do_click },
    { "leftClick", do_click },
    { "doubleClick", do_double_click },
    { "tripleClick", do_triple_click },
    { "rightClick", do_right_click },
    { "middleClick", do_middle_click },
    { "moveTo", do_move_to },
    { "moveRel", do_move_rel },
    { "move", do_move_rel },
    { "mouseDown", do_mouse_down },
    { "mouseUp", do_mouse_up },
    { "dragTo", do_drag_to },
    { "dragRel", do_drag_rel },
    { "drag", do_drag_rel },
    { "scroll", do_scroll },
    { "vscroll", do_scroll },
    { "hscroll", do_hscroll },
    { "write", do_write },
    { "typewrite", do_write },
    { "press", do_press },
    { "hotkey", do_hotkey },
    { "keyDown", do_key_down },
    { "keyUp", do_key_up },
    /* Queries without side effects. */
    { "position", do_nothing },
    { "size", do_nothing },
    { "onScreen", do_nothing },
};

static bool apply_action(struct desktop_state *st, void *opaque)
{
    struct action_context *ctx = opaque;
    const char *name = ctx->call->function + strlen("pyautogui.");
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
        if (strcmp(functions[i].name, name) == 0) {
            ctx->result = functions[i].apply(st, ctx);
            return ctx->result == ACTION_CHANGED;
        }
    }
    char message[256];
    snprintf(message, sizeof message,
             "module 'pyautogui' has no attribute '%.100s' (unsupported by the Deskpool test guest)", name);
    ctx->result = fail(ctx, "AttributeError", message);
    return false;
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* time.sleep / pyautogui.sleep, bounded by the command's deadline. */
static bool run_sleep(const struct py_call *call, double deadline, struct buffer *error)
{
    struct action_context ctx = { call, error, ACTION_UNCHANGED };
    double seconds;
    if (!number_arg(&ctx, 0, "secs", 0, &seconds))
        return false;
    if (seconds < 0) {
        fail(&ctx, "ValueError", "sleep length must be non-negative");
        return false;
    }
    double remaining = deadline - monotonic_seconds();
    if (seconds > remaining) {
        fail(&ctx, "TimeoutError", "sleep exceeds the command timeout");
        return false;
    }
    struct timespec ts = { (time_t)seconds, (long)((seconds - floor(seconds)) * 1e9) };
    while (nanosleep(&ts, &ts) != 0) {
    }
    return true;
}

bool pyautogui_code_detected(const char *code)
{
    return strstr(code, "pyautogui") != NULL;
}

/* str() of a literal, as print() shows it (lists and tuples are not told apart). */
static void print_value(struct buffer *out, const struct py_value *v, bool nested)
{
    switch (v->kind) {
    case PY_NONE:
        buffer_append_str(out, "None");
        break;
    case PY_BOOL:
        buffer_append_str(out, v->boolean ? "True" : "False");
        break;
    case PY_NUMBER:
        if (v->number == (double)(long long)v->number && v->number > -1e15 && v->number < 1e15)
            buffer_printf(out, "%lld", (long long)v->number);
        else
            buffer_printf(out, "%.17g", v->number);
        break;
    case PY_STRING:
    case PY_NAME:
        if (nested)
            buffer_append_char(out, '\'');
        buffer_append(out, v->string, v->string_len);
        if (nested)
            buffer_append_char(out, '\'');
        break;
    case PY_LIST:
        buffer_append_char(out, '[');
        for (size_t i = 0; i < v->count; i++) {
            if (i)
                buffer_append_str(out, ", ");
            print_value(out, &v->items[i], true);
        }
        buffer_append_char(out, ']');
        break;
    }
}

static void run_print(const struct py_call *call, struct buffer *output)
{
    const struct py_value *sep = py_call_arg(call, (size_t)-1, "sep");
    const struct py_value *end = py_call_arg(call, (size_t)-1, "end");
    bool first = true;
    for (size_t i = 0; i < call->arg_count; i++) {
        if (call->args[i].keyword)
            continue;
        if (!first) {
            if (sep && sep->kind == PY_STRING)
                buffer_append(output, sep->string, sep->string_len);
            else
                buffer_append_char(output, ' ');
        }
        first = false;
        print_value(output, &call->args[i].value, false);
    }
    if (end && end->kind == PY_STRING)
        buffer_append(output, end->string, end->string_len);
    else
        buffer_append_char(output, '\n');
}

int pyautogui_run(const char *code, double timeout_seconds, struct buffer *output, struct buffer *error)
{
    struct py_script script;
    if (!pyscript_parse(code, &script, error))
        return 1;
    double deadline = monotonic_seconds() + timeout_seconds;
    int returncode = 0;
    for (size_t i = 0; i < script.count && returncode == 0; i++) {
        const struct py_call *call = &script.calls[i];
        if (strcmp(call->function, "time.sleep") == 0 || strcmp(call->function, "pyautogui.sleep") == 0) {
            if (!run_sleep(call, deadline, error))
                returncode = 1;
            continue;
        }
        if (strcmp(call->function, "print") == 0) {
            run_print(call, output);
            continue;
        }
        if (strncmp(call->function, "pyautogui.", 10) != 0) {
            struct action_context ctx = { call, error, ACTION_UNCHANGED };
            char message[160];
            snprintf(message, sizeof message, "name '%.100s' is not supported by the Deskpool test guest",
                     call->function);
            fail(&ctx, "NameError", message);
            returncode = 1;
            continue;
        }
        struct action_context ctx = { call, error, ACTION_UNCHANGED };
        bool saved = state_update(apply_action, &ctx);
        if (ctx.result == ACTION_FAILED) {
            returncode = 1;
        } else if (ctx.result == ACTION_CHANGED && !saved) {
            struct action_context io = { call, error, ACTION_UNCHANGED };
            fail(&io, "OSError", "could not save the desktop state");
            returncode = 1;
        }
    }
    pyscript_free(&script);
    return returncode;
}
