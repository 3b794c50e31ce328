/* Parser for the small Python subset used by OSWorld's pyautogui actions:
 * `;`/newline separated statements made of imports (ignored), attribute
 * assignments to pyautogui settings (ignored), `pass`, and calls such as
 * `pyautogui.click(100, 200, button='right')` whose arguments are literals
 * (numbers, strings, True/False/None, lists and tuples of those), pyautogui
 * attributes such as the tween `pyautogui.easeInQuad`, and the constant calls
 * `platform.system()` / `platform.machine()`. */
#ifndef DESKPOOL_PYSCRIPT_H
#define DESKPOOL_PYSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "buffer.h"

#define PYSCRIPT_MAX_CALLS 1024
#define PYSCRIPT_MAX_ARGS 16
#define PYSCRIPT_MAX_LIST 256
#define PYSCRIPT_MAX_NESTING 8

enum py_value_kind {
    PY_NONE,
    PY_BOOL,
    PY_NUMBER,
    PY_STRING,
    PY_LIST, /* lists and tuples */
    PY_NAME, /* a pyautogui attribute, e.g. a tween function; `string` holds its dotted name */
};

struct py_value {
    enum py_value_kind kind;
    bool boolean;
    double number;
    char *string;
    size_t string_len;
    struct py_value *items;
    size_t count;
};

struct py_argument {
    char *keyword; /* NULL for a positional argument */
    struct py_value value;
};

struct py_call {
    char *function; /* dotted name, e.g. "pyautogui.click" */
    int line;
    size_t arg_count;
    struct py_argument args[PYSCRIPT_MAX_ARGS];
};

struct py_script {
    size_t count;
    struct py_call *calls;
};

/* Parses `code`. On failure returns false and appends a Python-style message
 * (e.g. "SyntaxError: ...") to `error`. */
bool pyscript_parse(const char *code, struct py_script *script, struct buffer *error);
void pyscript_free(struct py_script *script);

/* The argument given by position or by keyword, or NULL. */
const struct py_value *py_call_arg(const struct py_call *call, size_t position, const char *keyword);

#endif
