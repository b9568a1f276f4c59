/*
 * sim_util.h: the processes a link suite runs beside the code under
 * test (the simulators of tests/sim, the SMSCs of tests/smsc, a sink,
 * mosquitto, cat): started so that they die with the test process,
 * waited for until they say they are ready, told things on their stdin,
 * and stopped by their PID.
 */
#ifndef FP_SIM_UTIL_H
#define FP_SIM_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* A simulator the test talks to; the test owns the struct. */
struct su_sim {
	pid_t	 pid;		/* running, or 0 */
	int	 in;		/* the write end of its stdin, or -1 */
	int	 port;		/* where it listens */
	char	 log[512];	/* its log (the test sets the path) */
};

/*
 * Start argv (argv[0] a path, or a name looked up in PATH) in a child
 * that is killed when the test process dies and holds none of the
 * test's descriptors.  Its stdout and stderr are appended to out_path
 * (NULL: the test's own).  With in_fd, its stdin is a pipe whose write
 * end is returned there (the caller closes it); else the test's.
 */
pid_t su_spawn(char *const argv[], const char *out_path, int *in_fd);

/*
 * As su_spawn, with stdout a pipe read up to its first line, which is
 * copied into line[size] without the newline ("" when nothing came
 * within 15 s); then the pipe is closed.  stderr goes to err_path
 * (NULL: the test's).
 */
pid_t su_spawn_ready(char *const argv[], const char *err_path, int *in_fd,
    char *line, size_t size);

/*
 * Stop *pid: send sig (0: none, for a child that stops by itself, at the
 * EOF on its stdin), wait up to timeout_ms, then SIGKILL.  Returns its
 * wait status, or -1 when it had to be killed or was not running;
 * *pid is 0 after.
 */
int su_stop(pid_t *pid, int sig, int timeout_ms);

/*
 * Start argv, a simulator that prints "READY <port>" once it listens,
 * with its stdin a pipe: s->pid, s->in and s->port are set.  `what`
 * names it when it does not start (the test fails).
 */
void su_sim_start(struct su_sim *s, char *const argv[], const char *what);

/*
 * tests/sim/cmpp_sim.py on a free loopback port: an ISMG for SP sp_id
 * with `secret`, logging every PDU to s->log, with `extra` options
 * (words split at spaces; may be NULL).
 */
void su_cmpp_sim_start(struct su_sim *s, const char *secret,
    const char *sp_id, const char *extra);

/* Close its stdin, send sig (0: none) and SIGKILL after 3 s; safe when
 * it is not running. */
void su_sim_stop(struct su_sim *s, int sig);

/* One line on the simulator's stdin: fmt, then '\n'. */
void su_say(const struct su_sim *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
