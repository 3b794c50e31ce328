#include "commands.h"

#include <stdio.h>
#include <string.h>

#include "handler_common.h"
#include "process.h"
#include "pyautogui.h"

#define DEFAULT_COMMAND_TIMEOUT 120.0
#define MAX_COMMAND_TIMEOUT 3600.0

static bool is_python(const char *program)
{
    char name[64];
    handler_basename(program, name, sizeof name);
    if (strcmp(name, "python") == 0 || strcmp(name, "python3") == 0)
        return true;
    return strncmp(name, "python3.", 8) == 0 && name[8] != '\0' && strspn(name + 8, "0123456789") == strlen(name + 8);
}

/* Returns the pyautogui code when `argv` is `python -c CODE` (directly, or as a
 * shell command string of exactly that form) and CODE uses pyautogui. */
static const char *pyautogui_code(const struct argv_list *argv, struct argv_list *scratch)
{
    const struct argv_list *words = argv;
    if (argv->count == 3 && strcmp(argv->items[0], "/bin/sh") == 0 && strcmp(argv->items[1], "-c") == 0) {
        if (!shell_split(argv->items[2], scratch))
            return NULL;
        words = scratch;
    }
    if (words->count == 3 && is_python(words->items[0]) && strcmp(words->items[1], "-c") == 0 &&
        pyautogui_code_detected(words->items[2]))
        return words->items[2];
    return NULL;
}

void command_execute(const struct json_value *body, struct command_outcome *o)
{
    memset(o, 0, sizeof *o);
    o->http_status = 200;
    struct argv_list argv, scratch;
    argv_init(&scratch);
    if (!handler_command_argv(body, false, &argv, &o->message)) {
        o->http_status = 400;
        argv_free(&scratch);
        return;
    }
    double timeout = json_get_number(body, "timeout", DEFAULT_COMMAND_TIMEOUT);
    if (!(timeout > 0))
        timeout = DEFAULT_COMMAND_TIMEOUT;
    if (timeout > MAX_COMMAND_TIMEOUT)
        timeout = MAX_COMMAND_TIMEOUT;

    const char *code = pyautogui_code(&argv, &scratch);
    if (code) {
        o->returncode = pyautogui_run(code, timeout, &o->out, &o->err);
        goto out;
    }
    struct process_result result;
    process_run(argv.items, timeout, &result);
    if (result.outcome == PROCESS_SPAWN_FAILED) {
        handler_errno_message(&o->message, result.spawn_errno, argv.items[0]);
        o->http_status = 500;
    } else if (result.outcome == PROCESS_TIMED_OUT) {
        /* Name the command as the client gave it (not the /bin/sh -c wrapper). */
        struct buffer command = BUFFER_INIT;
        const struct json_value *given = json_get(body, "command");
        if (given->type == JSON_STRING)
            buffer_append_str(&command, given->string);
        else
            argv_join(&argv, &command);
        buffer_printf(&o->message, "Command '%s' timed out after %g seconds", buffer_cstr(&command), timeout);
        buffer_free(&command);
        o->http_status = 500;
    } else {
        if (result.truncated)
            buffer_printf(&result.err, "\n[deskpool-guest: output truncated at %u bytes]\n", PROCESS_MAX_OUTPUT);
        o->returncode = result.returncode;
        buffer_append(&o->out, result.out.data, result.out.len);
        buffer_append(&o->err, result.err.data, result.err.len);
    }
    process_result_free(&result);
out:
    argv_free(&argv);
    argv_free(&scratch);
}

void command_outcome_free(struct command_outcome *o)
{
    buffer_free(&o->message);
    buffer_free(&o->out);
    buffer_free(&o->err);
}

void command_result_json(const struct command_outcome *o, const char *status, struct buffer *json)
{
    buffer_printf(json, "{\"status\": \"%s\", \"output\": ", status);
    json_write_string(json, o->out.data ? o->out.data : "", o->out.len);
    buffer_append_str(json, ", \"error\": ");
    json_write_string(json, o->err.data ? o->err.data : "", o->err.len);
    buffer_printf(json, ", \"returncode\": %d", o->returncode);
}
