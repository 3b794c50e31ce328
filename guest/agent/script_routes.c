#define _GNU_SOURCE /* strcasestr */
/* Port 5000 script endpoints: /run_python, /run_bash_script and
 * /execute_with_verification (also under /setup/), with the request and
 * response shapes of OSWorld's in-VM server. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "handler_common.h"
#include "osworld_routes.h"
#include "pyautogui.h"
#include "state.h"

#define RUN_PYTHON_TIMEOUT 30.0
#define BASH_DEFAULT_TIMEOUT 100.0
#define BASH_MAX_TIMEOUT 3600.0
#define VERIFY_COMMAND_TIMEOUT 5.0
#define VERIFY_MAX_WAIT_LIMIT 3600.0

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_seconds(double seconds)
{
    if (seconds <= 0)
        return;
    struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* A JSON number as Python's json.dumps writes it for a float. */
static void write_float(struct buffer *json, double value)
{
    char text[40];
    snprintf(text, sizeof text, "%.17g", value);
    if (!strpbrk(text, ".eEn"))
        strcat(text, ".0");
    buffer_append_str(json, text);
}

/* ---- /run_python ------------------------------------------------------------------ */

/* The guest has no Python: the code runs in the agent's interpreter for the
 * pyautogui subset (see pyscript.h), which also knows print() and
 * platform.system(); other code fails as a Python error would. */
void handle_run_python(int fd, const struct http_request *req)
{
    struct json_value *body = handler_json_body(fd, req);
    if (!body)
        return;
    const char *code = json_get_string(body, "code");
    if (!code || !*code) {
        struct buffer json = BUFFER_INIT;
        buffer_append_str(&json, "{\"status\": \"error\", \"message\": \"Code not supplied!\"}");
        http_send_json(fd, 400, &json);
        buffer_free(&json);
        json_free(body);
        return;
    }
    struct buffer out = BUFFER_INIT, err = BUFFER_INIT, message = BUFFER_INIT, json = BUFFER_INIT;
    int returncode = pyautogui_run(code, RUN_PYTHON_TIMEOUT, &out, &err);
    if (returncode != 0 && err.len == 0)
        buffer_printf(&err, "Process exited with code %d", returncode);
    buffer_append(&message, out.data, out.len);
    if (err.len) {
        if (out.len)
            buffer_append_char(&message, '\n');
        buffer_append(&message, err.data, err.len);
    }
    buffer_printf(&json, "{\"status\": \"%s\", \"message\": ", returncode == 0 ? "success" : "error");
    json_write_string(&json, buffer_cstr(&message), message.len);
    buffer_append_str(&json, ", \"need_more\": false, \"output\": ");
    json_write_string(&json, buffer_cstr(&out), out.len);
    buffer_append_str(&json, ", \"error\": ");
    json_write_string(&json, buffer_cstr(&err), err.len);
    buffer_printf(&json, ", \"return_code\": %d}", returncode);
    http_send_json(fd, 200, &json);
    buffer_free(&out);
    buffer_free(&err);
    buffer_free(&message);
    buffer_free(&json);
    json_free(body);
}

/* ---- /run_bash_script --------------------------------------------------------------- */

/* {"status", "output", "error": "", "returncode"}: the real server always
 * leaves "error" empty and merges stderr into "output". */
static void send_bash_result(int fd, int status, bool success, const char *output, size_t len, int returncode)
{
    struct buffer json = BUFFER_INIT;
    buffer_printf(&json, "{\"status\": \"%s\", \"output\": ", success ? "success" : "error");
    json_write_string(&json, output, len);
    buffer_printf(&json, ", \"error\": \"\", \"returncode\": %d}", returncode);
    http_send_json(fd, status, &json);
    buffer_free(&json);
}

static bool write_script(const char *script, char *path, size_t size)
{
    snprintf(path, size, "/tmp/deskpool-script-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    struct buffer text = BUFFER_INIT;
    if (!strstr(script, "#!/bin/bash"))
        buffer_append_str(&text, "#!/bin/bash\n\n");
    buffer_append_str(&text, script);
    bool ok = write(fd, text.data, text.len) == (ssize_t)text.len;
    ok = close(fd) == 0 && ok;
    buffer_free(&text);
    if (ok)
        chmod(path, 0755);
    else
        unlink(path);
    return ok;
}

void handle_run_bash_script(int fd, const struct http_request *req)
{
    struct json_value *body = handler_json_body(fd, req);
    if (!body)
        return;
    const char *script = json_get_string(body, "script");
    double timeout = json_get_number(body, "timeout", BASH_DEFAULT_TIMEOUT);
    const char *dir = json_get_string(body, "working_dir");
    char *working_dir = dir && *dir ? expand_home(dir) : NULL;
    struct buffer message = BUFFER_INIT;
    struct stat sb;
    char path[64];
    if (!script || !*script) {
        send_bash_result(fd, 400, false, "Script not supplied!", 20, -1);
    } else if (working_dir && stat(working_dir, &sb) != 0) {
        buffer_printf(&message, "Working directory does not exist: %s", working_dir);
        send_bash_result(fd, 400, false, message.data, message.len, -1);
    } else if (!(timeout > 0) || timeout > BASH_MAX_TIMEOUT) {
        buffer_printf(&message, "Failed to execute script: timeout must be between 0 and %g seconds",
                      BASH_MAX_TIMEOUT);
        send_bash_result(fd, 500, false, message.data, message.len, -1);
    } else if (!write_script(script, path, sizeof path)) {
        buffer_append_str(&message, "Failed to execute script: ");
        handler_errno_message(&message, errno, "/tmp");
        send_bash_result(fd, 500, false, message.data, message.len, -1);
    } else {
        /* Like the real server: /bin/bash, or sh when there is no bash (as here). */
        bool has_bash = access("/bin/bash", X_OK) == 0;
        char *const argv[] = { has_bash ? "/bin/bash" : "sh", path, NULL };
        struct process_options options = { working_dir, true };
        struct process_result result;
        process_run_with(argv, timeout, &options, &result);
        if (result.outcome == PROCESS_TIMED_OUT) {
            buffer_printf(&message, "Script execution timed out after %g seconds", timeout);
            send_bash_result(fd, 500, false, message.data, message.len, -1);
        } else if (result.outcome == PROCESS_SPAWN_FAILED) {
            buffer_append_str(&message, "Failed to execute script: ");
            handler_errno_message(&message, result.spawn_errno, working_dir ? working_dir : argv[0]);
            send_bash_result(fd, 500, false, message.data, message.len, -1);
        } else {
            send_bash_result(fd, 200, result.returncode == 0, buffer_cstr(&result.out), result.out.len,
                             result.returncode);
        }
        process_result_free(&result);
        unlink(path);
    }
    buffer_free(&message);
    free(working_dir);
    json_free(body);
}

/* ---- /execute_with_verification ------------------------------------------------------- */

/* `wmctrl -l` lists window titles; here they are the recorded windows and the
 * browser window. */
static bool window_exists(const char *name)
{
    struct desktop_state st;
    if (!state_snapshot(&st, NULL))
        return false;
    for (size_t i = 0; i < st.window_count; i++) {
        if (strcasestr(st.windows[i].title, name))
            return true;
    }
    if (st.tab_count > 0) {
        char title[STATE_TITLE_MAX + 32];
        snprintf(title, sizeof title, "%s - Chromium", st.tabs[st.tab_count - 1].title);
        return strcasestr(title, name) != NULL;
    }
    return false;
}

static bool command_succeeds(const char *command)
{
    char *const argv[] = { "/bin/sh", "-c", (char *)command, NULL };
    struct process_result result;
    process_run(argv, VERIFY_COMMAND_TIMEOUT, &result);
    bool ok = result.outcome == PROCESS_EXITED && result.returncode == 0;
    process_result_free(&result);
    return ok;
}

static bool verified(const struct json_value *verification)
{
    const struct json_value *window = json_get(verification, "window_exists");
    if (window && (window->type != JSON_STRING || !window_exists(window->string)))
        return false;
    const struct json_value *command = json_get(verification, "command_success");
    if (command && (command->type != JSON_STRING || !command_succeeds(command->string)))
        return false;
    return true;
}

void handle_execute_with_verification(int fd, const struct http_request *req)
{
    struct json_value *body = handler_json_body(fd, req);
    if (!body)
        return;
    const struct json_value *verification = json_get(body, "verification");
    bool wanted = verification && verification->type == JSON_OBJECT && verification->count > 0;
    double max_wait = json_get_number(body, "max_wait_time", 10);
    double interval = json_get_number(body, "check_interval", 1);
    if (max_wait > VERIFY_MAX_WAIT_LIMIT)
        max_wait = VERIFY_MAX_WAIT_LIMIT;
    if (!(interval > 0))
        interval = 1;
    struct command_outcome outcome;
    command_execute(body, &outcome);
    struct buffer json = BUFFER_INIT;
    if (outcome.http_status != 200) {
        http_send_json_error(fd, outcome.http_status == 400 ? 500 : outcome.http_status,
                             buffer_cstr(&outcome.message));
    } else if (!wanted) {
        command_result_json(&outcome, "success", &json);
        buffer_append_char(&json, '}');
        http_send_json(fd, 200, &json);
    } else {
        double start = monotonic_seconds();
        bool passed = false;
        do {
            passed = verified(verification);
            if (!passed)
                sleep_seconds(interval);
        } while (!passed && monotonic_seconds() - start < max_wait);
        /* On failure the real server reports status "verification_failed" and the limit. */
        command_result_json(&outcome, passed ? "success" : "verification_failed", &json);
        if (passed) {
            buffer_append_str(&json, ", \"verification\": \"passed\", \"wait_time\": ");
            write_float(&json, monotonic_seconds() - start);
        } else {
            buffer_printf(&json, ", \"verification\": \"failed\", \"wait_time\": %g", max_wait);
        }
        buffer_append_char(&json, '}');
        http_send_json(fd, passed ? 200 : 500, &json);
    }
    buffer_free(&json);
    command_outcome_free(&outcome);
    json_free(body);
}
