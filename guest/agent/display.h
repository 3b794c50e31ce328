/* The guest's screen: the simulated desktop drawn on QEMU's standard VGA, so
 * that QEMU's VNC server (and so the dashboard's live view) shows what
 * /screenshot shows. */
#ifndef DESKPOOL_DISPLAY_H
#define DESKPOOL_DISPLAY_H

#include <sys/types.h>

/* Starts the display process: it sets the VGA to the screen size and redraws
 * the desktop whenever the shared state changes, and exits with the agent
 * (parent-death signal). When the VM has no Bochs-compatible VGA it says so on
 * stderr and exits at once; the agent works without a screen. Returns its pid
 * (-1 when fork failed). */
pid_t display_start(void);

#endif
