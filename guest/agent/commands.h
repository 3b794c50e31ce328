/* Running the command of an /execute-style request body ({"command", "shell",
 * "timeout"}): a program, or an emulated `python -c` pyautogui script. Shared
 * by /execute, /setup/execute and the *_with_verification variants. */
#ifndef DESKPOOL_COMMANDS_H
#define DESKPOOL_COMMANDS_H

#include "buffer.h"
#include "json.h"

struct command_outcome {
    int http_status;       /* 200 when the command ran; else 400 or 500 with `message` */
    struct buffer message; /* why it did not run (bad body, not found, timed out) */
    int returncode;
    struct buffer out;
    struct buffer err;
};

void command_execute(const struct json_value *body, struct command_outcome *outcome);
void command_outcome_free(struct command_outcome *outcome);

/* Appends {"status": STATUS, "output", "error", "returncode"} without the
 * closing brace, so callers can add members. */
void command_result_json(const struct command_outcome *outcome, const char *status, struct buffer *json);

#endif
