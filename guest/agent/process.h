/* Running guest commands: synchronous with captured output and a timeout, or
 * detached in the background; plus POSIX-shell-style word splitting. */
#ifndef DESKPOOL_PROCESS_H
#define DESKPOOL_PROCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "buffer.h"

#define PROCESS_MAX_ARGS 256
#define PROCESS_MAX_OUTPUT (4u << 20) /* per stream; the rest is discarded */

struct argv_list {
    size_t count;
    char *items[PROCESS_MAX_ARGS + 1]; /* NULL-terminated, each malloc'd */
};

void argv_init(struct argv_list *argv);
bool argv_push(struct argv_list *argv, const char *arg);
void argv_free(struct argv_list *argv);
/* Joins the arguments with spaces (for messages and logs). */
void argv_join(const struct argv_list *argv, struct buffer *out);

/* Splits `text` into words like a POSIX shell would for a simple command:
 * whitespace separates words, single quotes are literal, double quotes allow
 * backslash escapes of $ ` " \ and newline, a backslash outside quotes escapes
 * the next character. Returns false on unbalanced quotes or too many words. */
bool shell_split(const char *text, struct argv_list *out);

/* Replaces a leading "~/" (or a lone "~") with $HOME, like os.path.expanduser. */
char *expand_home(const char *path);

enum process_outcome {
    PROCESS_EXITED,       /* returncode is the exit status or -signal */
    PROCESS_TIMED_OUT,    /* killed after the timeout */
    PROCESS_SPAWN_FAILED, /* the program could not be started; see spawn_errno */
};

struct process_result {
    enum process_outcome outcome;
    int returncode;
    int spawn_errno;
    struct buffer out;
    struct buffer err;
    bool truncated;
};

/* Runs argv[0] (searched in PATH) and waits for it, capturing stdout and stderr.
 * Standard input is /dev/null. The process group is killed on timeout. */
void process_run(char *const argv[], double timeout_seconds, struct process_result *result);

struct process_options {
    const char *cwd;   /* working directory, or NULL to keep the agent's */
    bool merge_stderr; /* stderr goes to `out` too, in order (err stays empty) */
};
/* process_run with options; a cwd that cannot be entered is a spawn failure. */
void process_run_with(char *const argv[], double timeout_seconds, const struct process_options *options,
                      struct process_result *result);
void process_result_free(struct process_result *result);

/* Starts argv in the background, detached from the agent (stdio on /dev/null).
 * Returns 0, or the errno explaining why it could not be started. */
int process_spawn_detached(char *const argv[]);

/* True when `name` is an executable found directly (if it contains '/') or in PATH. */
bool process_find_executable(const char *name);

#endif
