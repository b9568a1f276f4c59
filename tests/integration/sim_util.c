/*
 * sim_util.c: see sim_util.h.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "sim_util.h"
#include "testutil.h"

#define CMPP_SIM	"tests/sim/cmpp_sim.py"
#define READY_MS	15000	/* how long a child may take to say so */

/*
 * In the child: die with the test process, take in, out and err (-1:
 * keep the test's) as 0, 1 and 2, close everything else (a child
 * holding a pipe of the test's would keep its other end from seeing
 * EOF), and exec.
 */
static void
exec_child(char *const argv[], pid_t parent, int in, int out, int err)
{
	int fd;

#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	/* The test died before prctl: nobody would stop this child. */
	if (getppid() != parent)
		_exit(127);
	if (in >= 0)
		dup2(in, 0);
	if (out >= 0)
		dup2(out, 1);
	if (err >= 0)
		dup2(err, 2);
	for (fd = 3; fd < 256; fd++)
		close(fd);
	execvp(argv[0], argv);
	_exit(127);
}

/* path opened for appending, or -1 for NULL; fails the test if it
 * cannot be. */
static int
open_append(const char *path)
{
	int fd;

	if (path == NULL)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	return fd;
}

/* The test's side of the stdin pipe, after the fork. */
static void
keep_stdin(int in[2], int *in_fd)
{
	if (in_fd == NULL)
		return;
	close(in[0]);
	*in_fd = in[1];
}

pid_t
su_spawn(char *const argv[], const char *out_path, int *in_fd)
{
	pid_t parent = getpid(), pid;
	int in[2] = { -1, -1 }, out;

	out = open_append(out_path);
	if (in_fd != NULL)
		ck_assert_int_eq(pipe(in), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		exec_child(argv, parent, in[0], out, out);
	if (out >= 0)
		close(out);
	keep_stdin(in, in_fd);
	return pid;
}

pid_t
su_spawn_ready(char *const argv[], const char *err_path, int *in_fd,
    char *line, size_t size)
{
	pid_t parent = getpid(), pid;
	int in[2] = { -1, -1 }, out[2], err;
	struct pollfd pfd;
	size_t n = 0;
	int64_t end;
	ssize_t r;

	err = open_append(err_path);
	if (in_fd != NULL)
		ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		exec_child(argv, parent, in[0], out[1], err);
	close(out[1]);
	if (err >= 0)
		close(err);
	keep_stdin(in, in_fd);
	end = tu_mono_ms() + READY_MS;
	while (n + 1 < size && tu_mono_ms() < end) {
		pfd.fd = out[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		r = read(out[0], line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(out[0]);
	return pid;
}

int
su_stop(pid_t *pid, int sig, int timeout_ms)
{
	int64_t end;
	int status = -1;
	pid_t r;

	if (*pid <= 0)
		return -1;
	if (sig != 0)
		kill(*pid, sig);
	end = tu_mono_ms() + timeout_ms;
	while ((r = waitpid(*pid, &status, WNOHANG)) != *pid) {
		if (r < 0) {
			status = -1;	/* not ours to wait for any more */
			break;
		}
		if (tu_mono_ms() >= end) {
			kill(*pid, SIGKILL);
			waitpid(*pid, NULL, 0);
			status = -1;
			break;
		}
		tu_sleep_ms(10);
	}
	*pid = 0;
	return status;
}

void
su_sim_start(struct su_sim *s, char *const argv[], const char *what)
{
	char line[64];

	s->pid = su_spawn_ready(argv, NULL, &s->in, line, sizeof(line));
	ck_assert_msg(strncmp(line, "READY ", 6) == 0,
	    "%s did not start: \"%s\"", what, line);
	s->port = atoi(line + 6);
}

void
su_cmpp_sim_start(struct su_sim *s, const char *secret, const char *sp_id,
    const char *extra)
{
	char port[16], *argv[32], *copy, *save = NULL, *w;
	int argc = 0, p = tu_free_port();

	ck_assert_int_gt(p, 0);
	snprintf(port, sizeof(port), "%d", p);
	argv[argc++] = "/usr/bin/python3";
	argv[argc++] = CMPP_SIM;
	argv[argc++] = "--port";
	argv[argc++] = port;
	argv[argc++] = "--secret";
	argv[argc++] = (char *)(uintptr_t)secret;
	argv[argc++] = "--source-addr";
	argv[argc++] = (char *)(uintptr_t)sp_id;
	argv[argc++] = "--log";
	argv[argc++] = s->log;
	copy = strdup(extra != NULL ? extra : "");
	ck_assert_ptr_nonnull(copy);
	for (w = strtok_r(copy, " ", &save); w != NULL && argc < 30;
	    w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	su_sim_start(s, argv, "the simulator");
	free(copy);
	ck_assert_int_eq(s->port, p);
}

void
su_sim_stop(struct su_sim *s, int sig)
{
	if (s->in >= 0)
		close(s->in);	/* EOF on its stdin: the simulators stop */
	s->in = -1;
	su_stop(&s->pid, sig, 3000);
}

void
su_say(const struct su_sim *s, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	ck_assert(n > 0 && (size_t)n < sizeof(line) - 1);
	line[n++] = '\n';
	ck_assert_int_eq(write(s->in, line, (size_t)n), n);
}
