/*
 * sdnotify.c: systemd notify protocol (see sdnotify.h).  An abstract
 * socket name starts with '@', which becomes a NUL byte.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "parse.h"
#include "sdnotify.h"

int
sdnotify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t sl;
	size_t n;
	ssize_t r;
	int fd;

	if (path == NULL || *path == '\0')
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path)) {
		errno = EINVAL;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	r = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sa, sl);
	close(fd);
	return r < 0 ? -1 : 0;
}

uint64_t
sdnotify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	int64_t v, p;

	if (usec == NULL || parse_int64(usec, 1, INT64_MAX, &v) != FP_OK)
		return 0;
	if (pid != NULL && (parse_int64(pid, 1, INT64_MAX, &p) != FP_OK ||
	    p != (int64_t)getpid()))
		return 0;
	return (uint64_t)v;
}
