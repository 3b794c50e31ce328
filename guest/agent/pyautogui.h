/* Emulation of OSWorld's pyautogui actions against the simulated desktop. */
#ifndef DESKPOOL_PYAUTOGUI_H
#define DESKPOOL_PYAUTOGUI_H

#include <stdbool.h>

#include "buffer.h"

/* True when a `python -c CODE` command should be emulated rather than run. */
bool pyautogui_code_detected(const char *code);

/* Parses and runs `code`. Each input call appends a line to the events log,
 * updates the pointer / typed text and bumps the state counter; `print(...)`
 * writes to `output`. Returns the process-style return code (0 on success, 1
 * with a Python-style traceback in `error` on failure; statements before the
 * failing one keep their effect). */
int pyautogui_run(const char *code, double timeout_seconds, struct buffer *output, struct buffer *error);

#endif
