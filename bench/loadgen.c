/*
 * loadgen.c: the HTTP load generator and sink behind the SMS benchmark
 * (bench/sms_bench.sh).  It is a benchmark tool, not part of the gateway;
 * nothing else calls it.  Three modes:
 *
 *   loadgen [-c CONNS] [-n COUNT | -d SECONDS] [-b BODY] [-H HEADER]...
 *       [-s START] [-t TIMEOUT_MS] [-q] URL
 *	closed loop (loadgen_client.c): CONNS keep-alive HTTP/1.1
 *	connections on one epoll set; each sends its next request as soon
 *	as the previous answer is in, until COUNT requests are done
 *	(default 10000) or SECONDS have passed.  GET, or POST with BODY as
 *	an urlencoded form; -H adds a header line.  In URL and BODY
 *	(loadgen_tmpl.c), %n is a running counter (START, START+1, ...)
 *	and %0Wn the same zero-padded to W digits (W 1-9), so each request
 *	carries its own id and phone number: from=139%08n gives
 *	13900000000, 13900000001, ...; %% is one '%'; any other '%' (URL
 *	escapes such as %20) is copied as is.  With --sessions S --steps
 *	'T0|T1|...' the requests walk S concurrent USSD sessions through
 *	the steps: request v is step (v / S) % K of session v % S, %s is
 *	the session's number (%0Ws padded), %g its generation (a new one
 *	after the last step), %t the step's text; so 1,000 sessions each
 *	see their inputs in order.  With --senders N, %r (%0Wr) is the
 *	counter modulo N: from=1380000%04r cycles over N numbers.  With
 *	--values FILE (one number a line), request v's %n is the value on
 *	line v instead of v, and -n defaults to the number of lines: a
 *	GET of each id a run wrote down.  --ok-file FILE writes the %n
 *	of every 2xx answer to FILE, one a line, when the run ends.
 *	Prints requests/s, the count of each
 *	HTTP status, and latency p50/p90/p99/max in ms, then one key=value
 *	line for scripts.
 *
 *   loadgen --sink PORT [--status CODE] [--expect N] [--threads T] [-q]
 *	a minimal HTTP server (loadgen_sink.c, libmicrohttpd) on
 *	127.0.0.1:PORT that answers every request CODE (default 200) with
 *	{"id":"<counter>"}, counts requests and notes the first and the
 *	last; it prints the count each second it changes, "sink.done ..."
 *	once N requests are in, and "sink.final ..." on SIGTERM or SIGINT,
 *	then exits 0.  GET /_sink/stats answers the same figures and is not
 *	counted.  It plays Kannel's get-url target and the gateway's
 *	http_json provider.
 *
 *   loadgen --free-port
 *	prints a TCP port that was free on 127.0.0.1 a moment ago.
 *
 * It measures from the client's side only: latency is from building a
 * request to its answer's last byte, so it includes time spent waiting
 * for a connection of our own pool, as a real closed-loop client would.
 * Exit 0 when the run happened (whatever the statuses), 64 on a usage
 * error, 1 when it could not run.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "loadgen.h"
#include "strbuf.h"

int64_t	  lg_sessions;
char	**lg_steps;
size_t	  lg_n_steps;
size_t	  lg_steps_max;
int64_t	  lg_senders;
uint64_t *lg_values;
size_t	  lg_n_values;

int64_t
lg_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
lg_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- free port ----------------------------------------------------------- */

static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc = 1;

	if (fd < 0) {
		perror("loadgen: socket");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0) {
		printf("%u\n", (unsigned int)ntohs(sa.sin_port));
		rc = 0;
	} else
		perror("loadgen: bind");
	close(fd);
	return rc;
}

/* ---- main ---------------------------------------------------------------- */

__attribute__((noreturn)) static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen [-c CONNS] [-n COUNT | -d SECONDS] [-b BODY] "
	    "[-H HEADER]...\n"
	    "               [-s START] [-t TIMEOUT_MS] [--senders N] "
	    "[--values FILE]\n"
	    "               [--ok-file FILE] [-q] URL\n"
	    "       loadgen --sink PORT [--status CODE] [--expect N] "
	    "[--threads T] [-q]\n"
	    "       loadgen --free-port\n"
	    "In URL and BODY, %%n is a running counter, %%0Wn the same with W "
	    "digits;\nwith --sessions S --steps 'T0|T1|..': %%s session, %%g "
	    "generation, %%t step text;\nwith --senders N: %%r the counter "
	    "modulo N.\n");
	exit(LG_EX_USAGE);
}

static int64_t
num_arg(const char *what, const char *s, int64_t min, int64_t max)
{
	int64_t v;

	if (parse_int64(s, min, max, &v) != FP_OK) {
		fprintf(stderr, "loadgen: %s must be a number from %" PRId64
		    " to %" PRId64 ", not '%s'\n", what, min, max, s);
		exit(LG_EX_USAGE);
	}
	return v;
}

enum { OPT_SINK = 256, OPT_STATUS, OPT_EXPECT, OPT_THREADS, OPT_FREE_PORT,
    OPT_SESSIONS, OPT_STEPS, OPT_SENDERS, OPT_VALUES, OPT_OK_FILE };

/* --values FILE into lg_values: one unsigned number a line. */
static void
read_values(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[64];
	size_t cap = 0;
	int64_t v;

	if (f == NULL) {
		perror(path);
		exit(LG_EX_USAGE);
	}
	free(lg_values);
	lg_values = NULL;
	lg_n_values = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		v = num_arg("a line of --values", line, 0, INT64_MAX);
		if (lg_n_values == cap) {
			uint64_t *grown;

			cap = cap > 0 ? 2 * cap : 1024;
			grown = realloc(lg_values, cap * sizeof(*grown));
			if (grown == NULL) {
				fprintf(stderr, "loadgen: out of memory\n");
				exit(1);
			}
			lg_values = grown;
		}
		lg_values[lg_n_values++] = (uint64_t)v;
	}
	fclose(f);
	if (lg_n_values == 0) {
		fprintf(stderr, "loadgen: %s holds no values\n", path);
		exit(LG_EX_USAGE);
	}
}

/* --steps 'a|b|c' into lg_steps (the string is split in place). */
static void
split_steps(char *s)
{
	char *p;

	free(lg_steps);		/* the last --steps counts */
	lg_n_steps = lg_steps_max = 0;
	for (p = s; p != NULL; p = strchr(p, '|') != NULL ?
	    strchr(p, '|') + 1 : NULL)
		lg_n_steps++;
	lg_steps = calloc(lg_n_steps, sizeof(*lg_steps));
	if (lg_steps == NULL) {
		fprintf(stderr, "loadgen: out of memory\n");
		exit(1);
	}
	lg_n_steps = 0;
	for (p = s; p != NULL;) {
		char *bar = strchr(p, '|');

		if (bar != NULL)
			*bar = '\0';
		lg_steps[lg_n_steps++] = p;
		if (strlen(p) > lg_steps_max)
			lg_steps_max = strlen(p);
		p = bar != NULL ? bar + 1 : NULL;
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sink", required_argument, NULL, OPT_SINK },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "free-port", no_argument, NULL, OPT_FREE_PORT },
		{ "sessions", required_argument, NULL, OPT_SESSIONS },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "senders", required_argument, NULL, OPT_SENDERS },
		{ "values", required_argument, NULL, OPT_VALUES },
		{ "ok-file", required_argument, NULL, OPT_OK_FILE },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct client_opts o;
	struct strbuf headers = STRBUF_INIT;
	int64_t sink_port = 0, status = 200, expect = 0, threads = 1;
	int ch, rc;
	bool is_free_port = false;

	memset(&o, 0, sizeof(o));
	o.conns = LG_DEFAULT_CONNS;
	o.timeout_ms = LG_DEFAULT_TIMEOUT_MS;
	while ((ch = getopt_long(argc, argv, "b:c:d:H:n:qs:t:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			o.body = optarg;
			break;
		case 'c':
			o.conns = (long)num_arg("-c", optarg, 1, LG_MAX_CONNS);
			break;
		case 'd':
			o.duration_ms = 1000 * num_arg("-d", optarg, 1, 86400);
			break;
		case 'H':
			/* "Name: value" lines, each ended by CRLF. */
			if (strchr(optarg, ':') == NULL ||
			    strpbrk(optarg, "\r\n") != NULL) {
				fprintf(stderr, "loadgen: -H takes 'Name: "
				    "value', not '%s'\n", optarg);
				return LG_EX_USAGE;
			}
			strbuf_printf(&headers, "%s\r\n", optarg);
			if (headers.failed) {
				fprintf(stderr, "loadgen: out of memory\n");
				return 1;
			}
			break;
		case 'n':
			o.count = num_arg("-n", optarg, 1, INT64_C(1) << 40);
			break;
		case 'q':
			o.is_quiet = true;
			break;
		case 's':
			o.start = num_arg("-s", optarg, 0, INT64_C(1) << 60);
			break;
		case 't':
			o.timeout_ms = (long)num_arg("-t", optarg, 1, 3600000);
			break;
		case OPT_SINK:
			sink_port = num_arg("--sink", optarg, 1, 65535);
			break;
		case OPT_STATUS:
			status = num_arg("--status", optarg, 200, 599);
			break;
		case OPT_EXPECT:
			expect = num_arg("--expect", optarg, 1,
			    INT64_C(1) << 40);
			break;
		case OPT_THREADS:
			threads = num_arg("--threads", optarg, 1, 64);
			break;
		case OPT_FREE_PORT:
			is_free_port = true;
			break;
		case OPT_SESSIONS:
			lg_sessions = num_arg("--sessions", optarg, 1, 10000000);
			break;
		case OPT_STEPS:
			split_steps(optarg);
			break;
		case OPT_SENDERS:
			lg_senders = num_arg("--senders", optarg, 1,
			    INT64_C(1) << 40);
			break;
		case OPT_VALUES:
			read_values(optarg);
			break;
		case OPT_OK_FILE:
			o.ok_file = optarg;
			break;
		default:
			usage();
		}
	}
	if (is_free_port) {
		if (optind != argc)
			usage();
		return free_port();
	}
	if (sink_port > 0) {
		if (optind != argc)
			usage();
		return sink_run((int)sink_port, (unsigned int)status, expect,
		    (long)threads, o.is_quiet);
	}
	if (optind != argc - 1 || (o.count > 0 && o.duration_ms > 0) ||
	    (lg_sessions > 0) != (lg_n_steps > 0))
		usage();
	if (o.count == 0 && o.duration_ms == 0)
		o.count = lg_n_values > 0 ? (int64_t)lg_n_values :
		    LG_DEFAULT_COUNT;
	if (o.count > 0 && o.count < o.conns)
		o.conns = (long)o.count;
	o.url = argv[optind];
	o.headers = headers.s;		/* NULL when no -H */
	rc = client_run(&o);
	strbuf_free(&headers);
	free(lg_steps);
	free(lg_values);
	return rc;
}
