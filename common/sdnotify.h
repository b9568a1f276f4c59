/*
 * sdnotify.h: the systemd notify protocol without libsystemd: datagrams
 * "READY=1", "WATCHDOG=1", "STOPPING=1" to $NOTIFY_SOCKET.  All calls
 * are no-ops when not run by systemd.
 */
#ifndef FP_SDNOTIFY_H
#define FP_SDNOTIFY_H

#include <stdint.h>

/* Send `state` (e.g. "READY=1\nSTATUS=serving"); 0 sent or no socket,
 * -1 on error (errno set). */
int sdnotify_send(const char *state);

/* The watchdog interval from $WATCHDOG_USEC in microseconds, 0 if none
 * (or if $WATCHDOG_PID names another process). */
uint64_t sdnotify_watchdog_usec(void);

#endif
