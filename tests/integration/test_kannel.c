/*
 * test_kannel.c: interoperability with the real Kannel 1.4.5 from Debian
 * (packages kannel and kannel-extras).  One test follows a villager's SMS
 * the whole way: fakesmsc plays the phone and sends 查询 as UCS-2 to
 * bearerbox's fake SMSC; smsbox's sms-service hands it to /sms/kannel
 * (SPEC 3.1); the gateway answers CX with the household's status through
 * its kannel provider and smsbox's sendsms (SPEC 4); fakesmsc prints the
 * message as the handset would get it; Kannel's delivery reports come back
 * to /dlr/kannel (SPEC 3.4).  Everything binds to 127.0.0.1 on free ports
 * and lives in a temporary directory; the Kannel and gateway configurations
 * are filled in from tests/data/kannel/.
 *
 * It does not test Kannel's SMPP or modem drivers, nor each endpoint's
 * corner cases (test_inbound.c does).  Processes are stopped by PID
 * (SIGTERM, then SIGKILL) in the fixture's teardown and, since a failed
 * check in Check's fork mode ends the test before its teardown, also by
 * fail_test() after printing the logs.  A crashed test process takes its
 * children with it (PR_SET_PDEATHSIG), and Check kills the process group
 * of a forked test anyway.
 */
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
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

#include "gwtest.h"
#include "testutil.h"

#define KX_BEARERBOX	"/usr/sbin/bearerbox"
#define KX_SMSBOX	"/usr/sbin/smsbox"
#define KX_FAKESMSC	"/usr/lib/kannel/test/fakesmsc"
#define KX_TEMPLATES	"tests/data/kannel"

#define KX_STEP_MS	20000	/* the longest wait for any one step */
#define KX_POLL_MS	100
#define KX_GRACE_MS	8000	/* from SIGTERM to SIGKILL */
#define KX_TEXT_MAX	4096
#define KX_PARTS_MAX	16

#define KX_SMSC_ID	"fake1"
#define KX_USER		"fupin"
#define KX_PASSWORD	"kx-secret"
#define KX_ADMIN_PW	"kx-admin"

/* The demo villager: 日火木呷, head of HH513431000001 (data/demo). */
#define KX_PHONE	"13908340107"
#define KX_E164		"+8613908340107"
#define KX_HOUSEHOLD	"HH513431000001"
#define KX_HEAD		"日火木呷"
#define KX_QUERY	"查询"
/* 查询 is U+67E5 U+8BE2.  fakesmsc's type "ucs2" takes the UTF-16BE
 * bytes URL-encoded and hands bearerbox a coding=2 (UCS-2) message. */
#define KX_QUERY_UCS2	"%67%E5%8B%E2"

enum proc_id { P_BEARERBOX, P_SMSBOX, P_GATEWAY, P_FAKESMSC, P_COUNT };

struct proc {
	const char	*name;
	pid_t		 pid;		/* running, or 0 */
	int		 status;	/* waitpid's, once it has exited */
	char		 log[512];	/* its stdout and stderr */
};

/* One MT message part as fakesmsc printed it. */
struct part {
	int	 ref;		/* concatenation reference; -1: none */
	int	 total;
	int	 seq;
	char	 sender[32];
	char	 receiver[32];
	size_t	 len;
	char	 data[KX_TEXT_MAX];
};

/* The MT message put together from fakesmsc's output. */
struct mt {
	int	 parts;
	char	 sender[32];
	char	 receiver[32];
	char	 text[KX_TEXT_MAX];	/* UTF-8 */
	char	 error[300];
};

/* What the test owns; teardown frees it even after a failed check. */
static struct kx {
	char		*dir;
	char		 kannel_conf[512];
	char		 gw_conf[512];
	int		 admin_port;
	int		 box_port;
	int		 fake_port;
	int		 sendsms_port;
	struct tg	 gw;		/* dir, db, port: for tg_query */
	struct proc	 procs[P_COUNT];
	struct part	*parts;		/* KX_PARTS_MAX of them */
} kx;

/* ---- processes -------------------------------------------------------- */

/* True once process i has exited (and been reaped). */
static bool
reaped(size_t i, int flags)
{
	if (kx.procs[i].pid <= 0)
		return true;
	if (waitpid(kx.procs[i].pid, &kx.procs[i].status, flags) !=
	    kx.procs[i].pid)
		return false;
	kx.procs[i].pid = 0;
	return true;
}

/* SIGTERM to every process, SIGKILL to any left after KX_GRACE_MS. */
static void
stop_all(void)
{
	int64_t deadline = tu_mono_ms() + KX_GRACE_MS;
	bool is_any;
	size_t i;

	for (i = P_COUNT; i-- > 0;)
		if (kx.procs[i].pid > 0)
			kill(kx.procs[i].pid, SIGTERM);
	do {
		is_any = false;
		for (i = 0; i < P_COUNT; i++)
			if (!reaped(i, WNOHANG))
				is_any = true;
		if (is_any)
			tu_sleep_ms(50);
	} while (is_any && tu_mono_ms() < deadline);
	for (i = 0; i < P_COUNT; i++) {
		if (kx.procs[i].pid <= 0)
			continue;
		fprintf(stderr, "kannel: %s ignored SIGTERM, killed\n",
		    kx.procs[i].name);
		kill(kx.procs[i].pid, SIGKILL);
		reaped(i, 0);
	}
}

/* Kannel's debug dumps ("DEBUG:   data: 47 45 ...") say nothing here. */
static bool
is_noise(const char *line, size_t len)
{
	static const char *const noise[] = { "DEBUG:   ", "Octet string",
	    "DEBUG: Thread ", "DEBUG: Started thread" };
	size_t i, n;

	for (i = 0; i < sizeof(noise) / sizeof(noise[0]); i++)
		for (n = 0; n + strlen(noise[i]) <= len; n++)
			if (strncmp(line + n, noise[i], strlen(noise[i])) == 0)
				return true;
	return false;
}

/* The last `max` telling lines of a file, to stderr. */
static void
print_tail(const char *path, int max)
{
	char *text = tu_read_file(path, NULL), *line, *end;
	int pass, kept = 0, seen;

	if (text == NULL)
		return;
	fprintf(stderr, "---- %s ----\n", path);
	for (pass = 0; pass < 2; pass++) {
		seen = 0;
		for (line = text; *line != '\0'; line = end + (*end != '\0')) {
			end = strchr(line, '\n');
			if (end == NULL)
				end = line + strlen(line);
			if (is_noise(line, (size_t)(end - line)))
				continue;
			if (pass == 1 && seen >= kept - max)
				fprintf(stderr, "%.*s\n", (int)(end - line),
				    line);
			seen++;
		}
		kept = seen;
	}
	free(text);
}

static void
print_logs(void)
{
	static const char *const kannel_logs[] = { "bearerbox.log",
	    "bearerbox-access.log", "smsbox.log", "smsbox-access.log" };
	char path[600];
	size_t i;

	for (i = 0; i < P_COUNT; i++)
		print_tail(kx.procs[i].log, 25);
	for (i = 0; i < sizeof(kannel_logs) / sizeof(kannel_logs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", kx.dir, kannel_logs[i]);
		print_tail(path, 25);
	}
}

/*
 * Fail the test: print the logs, stop everything, remove the directory
 * (the teardown will not run in fork mode), then Check's abort with the
 * caller's line in the message.
 */
#define fail_test(...) fail_at(__LINE__, __VA_ARGS__)

__attribute__((format(printf, 2, 3), noreturn)) static void
fail_at(int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "line %d: ", line);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "kannel: FAILED: %s\n", msg);
	if (kx.dir != NULL) {
		print_logs();
		stop_all();
		tu_rmtree(kx.dir);
	}
	ck_abort_msg("%s", msg);
}

/* A process that exited by itself fails the test at once. */
static void
check_alive(void)
{
	size_t i;
	int st;

	for (i = 0; i < P_COUNT; i++) {
		if (kx.procs[i].pid <= 0 || !reaped(i, WNOHANG))
			continue;
		st = kx.procs[i].status;
		fail_test("%s exited early (%s %d)", kx.procs[i].name,
		    WIFEXITED(st) ? "status" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
}

/*
 * Start argv[0] with stdin from /dev/null and its output appended to
 * the process's log.  On Linux the child dies with the test process.
 */
static void
spawn(enum proc_id id, char *const argv[])
{
	struct proc *p = &kx.procs[id];
#ifdef __linux__
	pid_t parent = getpid();
#endif
	pid_t pid;
	int fd;

	pid = fork();
	if (pid < 0)
		fail_test("fork for %s: %s", p->name, strerror(errno));
	if (pid > 0) {
		p->pid = pid;
		return;
	}
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
#endif
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, 0);
	fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	for (fd = 3; fd < 256; fd++)
		close(fd);
	execv(argv[0], argv);
	_exit(127);
}

/* Poll cond(arg) every KX_POLL_MS until true; fail after KX_STEP_MS. */
static void
wait_for(const char *what, bool (*cond)(void *), void *arg)
{
	int64_t deadline = tu_mono_ms() + KX_STEP_MS;

	for (;;) {
		if (cond(arg))
			return;
		check_alive();
		if (tu_mono_ms() >= deadline)
			fail_test("no %s within %d s", what, KX_STEP_MS / 1000);
		tu_sleep_ms(KX_POLL_MS);
	}
}

/* ---- HTTP and database probes ----------------------------------------- */

struct probe {
	int		 port;
	const char	*path;
	long		 want_status;	/* 0: any answer at all */
	const char	*needle;	/* in the body, or NULL */
};

static bool
http_probe(void *arg)
{
	const struct probe *pr = arg;
	struct tg conn;
	struct tg_reply *r = malloc(sizeof(*r));
	bool ok;

	if (r == NULL)
		return false;
	memset(&conn, 0, sizeof(conn));
	conn.port = pr->port;
	ok = tg_request(&conn, "GET", pr->path, NULL, NULL, 0, NULL, false,
	    r) == 0 && r->status > 0 && (pr->want_status == 0 ||
	    r->status == pr->want_status) && (pr->needle == NULL ||
	    strstr(r->body, pr->needle) != NULL);
	free(r);
	return ok;
}

/* The first column of the first row of a printf-made query, copied. */
__attribute__((format(printf, 3, 4))) static void
query(char *out, size_t len, const char *fmt, ...)
{
	char sql[1024], *v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	v = tg_query(&kx.gw, sql);
	snprintf(out, len, "%s", v != NULL ? v : "");
	free(v);
}

/* Fail unless `column` of `table` row `id` is `want`. */
static void
expect_column(const char *table, const char *id, const char *column,
    const char *want, const char *why)
{
	char v[KX_TEXT_MAX];

	query(v, sizeof(v), "SELECT %s FROM %s WHERE id = %s", column, table,
	    id);
	if (strcmp(v, want) != 0)
		fail_test("%s.%s of %s is \"%s\", not \"%s\" (%s)", table,
		    column, id, v, want, why);
}

static bool
sql_nonzero(void *arg)
{
	return tg_query_int(&kx.gw, arg) > 0;
}

/* ---- configuration ---------------------------------------------------- */

struct subst {
	const char	*name;		/* between @s in the template */
	char		 value[512];
};

/* tests/data/kannel/<name>.in with every @NAME@ filled in → dir/<name>. */
static void
write_from_template(const char *name, const struct subst *vars, size_t n,
    char *path_out, size_t path_len)
{
	char tmpl_path[256], *tmpl, *out, *path;
	const char *p;
	size_t cap, len = 0, i, vlen;
	bool is_done;

	snprintf(tmpl_path, sizeof(tmpl_path), "%s/%s.in", KX_TEMPLATES,
	    name);
	tmpl = tu_read_file(tmpl_path, NULL);
	if (tmpl == NULL)
		fail_test("cannot read %s (run the tests from the repository "
		    "root)", tmpl_path);
	cap = 2 * strlen(tmpl) + 4096;
	out = malloc(cap);
	for (p = tmpl; out != NULL && *p != '\0' && len + 1 < cap;) {
		for (i = 0; *p == '@' && i < n; i++)
			if (strncmp(p + 1, vars[i].name,
			    strlen(vars[i].name)) == 0 &&
			    p[strlen(vars[i].name) + 1] == '@')
				break;
		if (*p != '@') {
			out[len++] = *p++;
			continue;
		}
		vlen = i < n ? strlen(vars[i].value) : cap;
		if (len + vlen >= cap)
			break;	/* an unknown placeholder, or too long */
		memcpy(out + len, vars[i].value, vlen);
		len += vlen;
		p += strlen(vars[i].name) + 2;
	}
	is_done = *p == '\0';
	free(tmpl);
	if (out == NULL || !is_done) {
		free(out);
		fail_test("%s: cannot fill it in", tmpl_path);
	}
	path = tu_write_file(kx.dir, name, out, len);
	free(out);
	if (path == NULL)
		fail_test("cannot write %s/%s", kx.dir, name);
	snprintf(path_out, path_len, "%s", path);
	free(path);
}

/* A free loopback port other than the `n` taken so far. */
static int
fresh_port(const int *taken, size_t n)
{
	int port, tries;
	size_t i;

	for (tries = 0; tries < 100; tries++) {
		port = tu_free_port();
		for (i = 0; i < n && taken[i] != port; i++)
			;
		if (port > 0 && i == n)
			return port;
	}
	fail_test("no free loopback port");
}

static void
write_configs(void)
{
	int *const port_of[] = { &kx.admin_port, &kx.box_port, &kx.fake_port,
	    &kx.sendsms_port, &kx.gw.port };
	int ports[5] = { 0 };
	struct subst vars[] = {
		{ "ADMIN_PORT", "" }, { "SMSBOX_PORT", "" },
		{ "FAKE_PORT", "" }, { "SENDSMS_PORT", "" }, { "GW_PORT", "" },
		{ "DIR", "" },
		{ "ADMIN_PASSWORD", KX_ADMIN_PW }, { "SMSC_ID", KX_SMSC_ID },
		{ "SENDSMS_USER", KX_USER },
		{ "SENDSMS_PASSWORD", KX_PASSWORD },
	};
	size_t i;

	for (i = 0; i < 5; i++) {
		ports[i] = *port_of[i] = fresh_port(ports, i);
		snprintf(vars[i].value, sizeof(vars[i].value), "%d", ports[i]);
	}
	snprintf(vars[5].value, sizeof(vars[5].value), "%s", kx.dir);
	write_from_template("kannel.conf", vars, sizeof(vars) /
	    sizeof(vars[0]), kx.kannel_conf, sizeof(kx.kannel_conf));
	write_from_template("fupin.conf", vars, sizeof(vars) /
	    sizeof(vars[0]), kx.gw_conf, sizeof(kx.gw_conf));
}

/* Run argv; fail unless it exits 0 with `needle` in its output. */
static void
run_ok(char *const argv[], const char *needle)
{
	char *out = NULL, shown[512];
	int rc = tu_run(argv, &out);
	bool ok = rc == 0 && out != NULL && strstr(out, needle) != NULL;

	snprintf(shown, sizeof(shown), "%s", out != NULL ? out : "");
	free(out);
	if (!ok)
		fail_test("%s %s %s: exit %d: %s", argv[0], argv[3],
		    argv[4] != NULL ? argv[4] : "", rc, shown);
}

/* fupin-gateway --check-config, then the demo registry with fupinctl. */
static void
check_config_and_import(void)
{
	static const char *const kinds[] = { "cadres", "households",
	    "members", "enrollments", "trainings", "payments" };
	char gw[512], ctl[512], csv[256], kind[32];
	char *check[] = { gw, "-c", kx.gw_conf, "--check-config", NULL };
	char *import[] = { ctl, "-c", kx.gw_conf, "import", kind, csv, NULL };
	size_t i;

	snprintf(gw, sizeof(gw), "%s", tu_bin("fupin-gateway"));
	snprintf(ctl, sizeof(ctl), "%s", tu_bin("fupinctl"));
	run_ok(check, "configuration OK");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(kind, sizeof(kind), "%s", kinds[i]);
		snprintf(csv, sizeof(csv), "data/demo/%s.csv", kinds[i]);
		run_ok(import, "rejected=0");
	}
}

/* ---- what fakesmsc printed -------------------------------------------- */

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* As Kannel's octstr_url_decode: %XX is a byte, '+' a space; -1: bad. */
static long
url_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		if (len >= cap)
			return -1;
		if (s[i] == '%') {
			if (i + 2 >= n || hex_digit(s[i + 1]) < 0 ||
			    hex_digit(s[i + 2]) < 0)
				return -1;
			out[len++] = (char)(hex_digit(s[i + 1]) << 4 |
			    hex_digit(s[i + 2]));
			i += 2;
		} else
			out[len++] = s[i] == '+' ? ' ' : s[i];
	}
	return (long)len;
}

/* The next space-separated word of *s, which moves past it. */
static size_t
word(const char **s, const char **start)
{
	size_t n;

	while (**s == ' ')
		(*s)++;
	*start = *s;
	for (n = 0; (*s)[n] != '\0' && (*s)[n] != ' '; n++)
		;
	*s += n;
	return n;
}

static bool
is_word(const char *w, size_t n, const char *want)
{
	return n == strlen(want) && strncmp(w, want, n) == 0;
}

/*
 * One line as smsc_fake writes it to fakesmsc, "sender receiver type ..."
 * with type and payload
 *   text  <the rest of the line, as is>     (GSM 7-bit)
 *   data  <URL-encoded bytes>               (8-bit)
 *   ucs-2 <URL-encoded UTF-16BE>            (UCS-2, one part)
 *   udh   <URL-encoded UDH> data <URL-encoded bytes>
 * A udh line does not say its coding: a concatenated UCS-2 message's parts
 * carry UTF-16BE.  The UDH's 8- or 16-bit concatenation element gives
 * reference, total and sequence number.
 */
static bool
parse_mt(const char *s, struct part *pt)
{
	const char *w;
	char udh[256];
	size_t n, i;
	long len;

	memset(pt, 0, sizeof(*pt));
	pt->ref = -1;
	pt->total = pt->seq = 1;
	n = word(&s, &w);
	if (n == 0 || n >= sizeof(pt->sender))
		return false;
	memcpy(pt->sender, w, n);
	n = word(&s, &w);
	if (n == 0 || n >= sizeof(pt->receiver))
		return false;
	memcpy(pt->receiver, w, n);
	n = word(&s, &w);
	if (is_word(w, n, "text")) {
		pt->len = strlen(s + (*s == ' '));
		if (pt->len > sizeof(pt->data))
			return false;
		memcpy(pt->data, s + (*s == ' '), pt->len);
		return true;
	}
	if (is_word(w, n, "udh")) {
		n = word(&s, &w);
		len = url_decode(w, n, udh, sizeof(udh));
		if (len < 1 || (uint8_t)udh[0] + 1 > len)
			return false;
		for (i = 1; i + 1 < (size_t)(uint8_t)udh[0] + 1;
		    i += 2 + (uint8_t)udh[i + 1]) {
			const uint8_t *ie = (const uint8_t *)udh + i;

			if (i + 2 + ie[1] > (size_t)len)
				return false;
			if (ie[0] == 0x00 && ie[1] == 3) {
				pt->ref = ie[2];
				pt->total = ie[3];
				pt->seq = ie[4];
			} else if (ie[0] == 0x08 && ie[1] == 4) {
				pt->ref = ie[2] << 8 | ie[3];
				pt->total = ie[4];
				pt->seq = ie[5];
			}
		}
		n = word(&s, &w);
		if (!is_word(w, n, "data"))
			return false;
	} else if (!is_word(w, n, "data") && !is_word(w, n, "ucs-2"))
		return false;
	n = word(&s, &w);
	len = url_decode(w, n, pt->data, sizeof(pt->data));
	pt->len = len > 0 ? (size_t)len : 0;
	return len >= 0 && pt->seq >= 1 && pt->seq <= pt->total &&
	    pt->total <= KX_PARTS_MAX;
}

/* UTF-16BE to NUL-terminated UTF-8 with iconv; false if it is not. */
static bool
utf16be_to_utf8(char *in, size_t n, char *out, size_t cap)
{
	iconv_t cd = iconv_open("UTF-8", "UTF-16BE");
	size_t left = cap - 1;
	char *o = out;
	bool ok;

	if (cd == (iconv_t)-1)
		return false;
	ok = iconv(cd, &in, &n, &o, &left) != (size_t)-1 && n == 0;
	iconv_close(cd);
	*o = '\0';
	return ok;
}

/*
 * Parse fakesmsc's log ("Got message N: <line>") into kx.parts and put
 * together the first complete message: all parts of one reference, or a
 * line without UDH.  Its payload is UTF-16BE (the reply is UCS-2).
 */
static bool
mt_collect(void *arg)
{
	struct mt *mt = arg;
	struct part *order[KX_PARTS_MAX];
	char *log, *line, *next, *end, *bytes;
	size_t n = 0, i, k, len = 0;
	int total = 0;

	log = tu_read_file(kx.procs[P_FAKESMSC].log, NULL);
	for (line = log; line != NULL && n < KX_PARTS_MAX; line = next + 1) {
		next = strchr(line, '\n');
		if (next == NULL)
			break;		/* not finished: next time */
		*next = '\0';
		line = strstr(line, "Got message ");
		if (line != NULL)
			line = strstr(line, ": <");
		end = line != NULL ? strrchr(line, '>') : NULL;
		if (end == NULL)
			continue;
		*end = '\0';
		if (parse_mt(line + 3, &kx.parts[n]))
			n++;
		else
			snprintf(mt->error, sizeof(mt->error), "fakesmsc "
			    "printed an unreadable line <%.200s>", line + 3);
	}
	free(log);
	for (i = 0; i < n && total == 0; i++) {
		memset(order, 0, sizeof(order));
		for (k = 0; k < n; k++)
			if (kx.parts[k].ref == kx.parts[i].ref &&
			    kx.parts[k].total == kx.parts[i].total &&
			    (kx.parts[i].ref >= 0 || k == i))
				order[kx.parts[k].seq - 1] = &kx.parts[k];
		for (k = 0; k < (size_t)kx.parts[i].total && order[k] != NULL;
		    k++)
			;
		if (k == (size_t)kx.parts[i].total)
			total = kx.parts[i].total;
	}
	if (total == 0)
		return false;
	bytes = malloc((size_t)total * KX_TEXT_MAX);
	if (bytes == NULL)
		return false;
	for (k = 0; k < (size_t)total; k++) {
		memcpy(bytes + len, order[k]->data, order[k]->len);
		len += order[k]->len;
	}
	mt->parts = total;
	snprintf(mt->sender, sizeof(mt->sender), "%s", order[0]->sender);
	snprintf(mt->receiver, sizeof(mt->receiver), "%s", order[0]->receiver);
	if (!utf16be_to_utf8(bytes, len, mt->text, sizeof(mt->text)))
		snprintf(mt->error, sizeof(mt->error), "the %zu bytes fakesmsc "
		    "got are not UTF-16BE", len);
	free(bytes);
	return true;
}

/* ---- starting it all -------------------------------------------------- */

static void
start_kannel(void)
{
	char admin[128];
	char *bearerbox[] = { KX_BEARERBOX, "-v", "2", kx.kannel_conf, NULL };
	char *smsbox[] = { KX_SMSBOX, "-v", "2", kx.kannel_conf, NULL };
	struct probe bb = { kx.admin_port, admin, 200, "Status: running" };
	struct probe box = { kx.admin_port, admin, 200, "smsbox:" };
	struct probe sendsms = { kx.sendsms_port, "/cgi-bin/sendsms", 0,
	    NULL };

	/* -v 2: warnings to the console (our .out); log-file has it all. */
	snprintf(admin, sizeof(admin), "/status.txt?password=%s",
	    KX_ADMIN_PW);
	spawn(P_BEARERBOX, bearerbox);
	wait_for("bearerbox status on its admin port", http_probe, &bb);
	spawn(P_SMSBOX, smsbox);
	wait_for("smsbox in bearerbox's box connections", http_probe, &box);
	wait_for("answer on smsbox's sendsms port", http_probe, &sendsms);
}

static void
start_gateway(void)
{
	char gw[512];
	char *argv[] = { gw, "-c", kx.gw_conf, NULL };
	struct probe health = { kx.gw.port, "/healthz", 200, NULL };

	snprintf(gw, sizeof(gw), "%s", tu_bin("fupin-gateway"));
	spawn(P_GATEWAY, argv);
	wait_for("200 from the gateway's /healthz", http_probe, &health);
}

/* The villager sends 查询 once (-m 1); -v 0 logs every MT it gets. */
static void
start_fakesmsc(void)
{
	char port[16];
	char *argv[] = { KX_FAKESMSC, "-H", "127.0.0.1", "-r", port, "-i",
	    "1", "-m", "1", "-v", "0", KX_PHONE " 10690001 ucs2 "
	    KX_QUERY_UCS2, NULL };

	snprintf(port, sizeof(port), "%d", kx.fake_port);
	spawn(P_FAKESMSC, argv);
}

/* ---- fixture ---------------------------------------------------------- */

static void
setup(void)
{
	static const char *const names[P_COUNT] = { "bearerbox", "smsbox",
	    "fupin-gateway", "fakesmsc" };
	size_t i;

	memset(&kx, 0, sizeof(kx));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	kx.dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(kx.dir);
	kx.parts = calloc(KX_PARTS_MAX, sizeof(*kx.parts));
	ck_assert_ptr_nonnull(kx.parts);
	kx.gw.dir = kx.dir;
	snprintf(kx.gw.db, sizeof(kx.gw.db), "%s/fupin.db", kx.dir);
	for (i = 0; i < P_COUNT; i++) {
		kx.procs[i].name = names[i];
		snprintf(kx.procs[i].log, sizeof(kx.procs[i].log), "%s/%s.out",
		    kx.dir, names[i]);
	}
}

static void
teardown(void)
{
	stop_all();
	tu_rmtree(kx.dir);
	free(kx.dir);
	free(kx.parts);
	memset(&kx, 0, sizeof(kx));
	curl_global_cleanup();
}

/* ---- the steps -------------------------------------------------------- */

/* (a) The MO is stored once, as sent, with Kannel's ids (SPEC 3.1). */
static void
check_inbound(char *in_id, size_t len)
{
	char sql[256], v[64];

	snprintf(sql, sizeof(sql), "SELECT id FROM sms_in WHERE msisdn = '"
	    KX_E164 "' AND route = 'kannel' ORDER BY id LIMIT 1");
	wait_for("inbound message in sms_in", sql_nonzero, sql);
	query(in_id, len, "%s", sql);
	expect_column("sms_in", in_id, "text", KX_QUERY, "fakesmsc sent it "
	    "as UCS-2, smsbox recoded it to UTF-8");
	expect_column("sms_in", in_id, "command", "CX", "SPEC 3.2");
	expect_column("sms_in", in_id, "household_id", KX_HOUSEHOLD,
	    "the number is the head's");
	expect_column("sms_in", in_id, "smsc", KX_SMSC_ID, "Kannel's %i");
	/* Kannel's %I is the message's UUID. */
	query(v, sizeof(v), "SELECT provider_id FROM sms_in WHERE id = %s",
	    in_id);
	if (strlen(v) != 36 || v[8] != '-' || v[13] != '-' || v[18] != '-')
		fail_test("sms_in.provider_id is \"%s\", not Kannel's %%I", v);
}

/* The reply names the head and is accepted by Kannel's sendsms. */
static void
check_reply(const char *in_id, char *out_id, size_t len, char *text,
    size_t text_len)
{
	char sql[256], v[512];

	snprintf(sql, sizeof(sql), "SELECT id FROM sms_out WHERE in_reply_to "
	    "= %s ORDER BY id LIMIT 1", in_id);
	wait_for("reply in sms_out", sql_nonzero, sql);
	query(out_id, len, "%s", sql);
	query(text, text_len, "SELECT text FROM sms_out WHERE id = %s",
	    out_id);
	if (strstr(text, KX_HEAD) == NULL)
		fail_test("the reply does not name " KX_HEAD ": \"%s\"", text);
	expect_column("sms_out", out_id, "provider || ' ' || msisdn || ' ' || "
	    "encoding", "kannel " KX_E164 " ucs2", "sms.provider, Chinese");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sms_out WHERE id = "
	    "%s AND status NOT IN ('queued', 'sending')", out_id);
	wait_for("the reply out of queued/sending", sql_nonzero, sql);
	query(v, sizeof(v), "SELECT status || ': ' || ifnull(last_error, '') "
	    "FROM sms_out WHERE id = %s", out_id);
	if (strncmp(v, "sent:", 5) != 0 && strncmp(v, "delivered:", 10) != 0)
		fail_test("Kannel's sendsms did not take the reply: %s", v);
}

/* (b) fakesmsc got exactly the stored text, in as many parts as counted. */
static void
check_handset(const char *out_id, const char *text)
{
	struct mt mt;
	char v[64];

	memset(&mt, 0, sizeof(mt));
	wait_for("complete reply at fakesmsc", mt_collect, &mt);
	if (mt.error[0] != '\0')
		fail_test("%s", mt.error);
	if (strcmp(mt.text, text) != 0)
		fail_test("fakesmsc got \"%s\", the gateway sent \"%s\"",
		    mt.text, text);
	query(v, sizeof(v), "SELECT from_addr FROM sms_out WHERE id = %s",
	    out_id);
	if (strcmp(mt.receiver, KX_E164) != 0 || strcmp(mt.sender, v) != 0)
		fail_test("fakesmsc got it from %s to %s", mt.sender,
		    mt.receiver);
	query(v, sizeof(v), "SELECT segments FROM sms_out WHERE id = %s",
	    out_id);
	if (strtol(v, NULL, 10) != mt.parts)
		fail_test("the gateway counted %s segments, Kannel sent %d "
		    "parts", v, mt.parts);
}

/*
 * (c) Kannel calls the dlr-url twice: 8 (SMSC accepted) and 1 (smsc_fake
 * delivers at once), in either order; 1 wins (SPEC 3.4).  Kannel asks
 * for one report per message, on its first part, even when it splits it
 * (gw/sms.c, sms_split), so one DLR 1 means the whole reply.
 */
static void
check_reports(const char *out_id)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM dlr WHERE "
	    "message_id = %s AND status = 'delivered'", out_id);
	wait_for("Kannel's DLR 1 (delivered) at /dlr/kannel", sql_nonzero,
	    sql);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM dlr WHERE "
	    "message_id = %s AND status = 'sent'", out_id);
	wait_for("Kannel's DLR 8 (SMSC accepted) at /dlr/kannel",
	    sql_nonzero, sql);
	expect_column("sms_out", out_id, "status", "delivered", "Kannel "
	    "reported 1 for the whole message");
}

/* The end: a clean exit 0 on SIGTERM, no full number in the log. */
static void
check_gateway_end(void)
{
	char *log = tu_read_file(kx.procs[P_GATEWAY].log, NULL);
	bool has_number = log != NULL && strstr(log, KX_PHONE) != NULL;
	int st;

	free(log);
	if (has_number)
		fail_test("the gateway logged the full number " KX_PHONE
		    " (SPEC 7)");
	stop_all();
	st = kx.procs[P_GATEWAY].status;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_test("the gateway did not exit 0 on SIGTERM (SPEC 8)");
}

START_TEST(kannel_mo_reply_and_dlr_round_trip)
{
	static const char *const bins[] = { KX_BEARERBOX, KX_SMSBOX,
	    KX_FAKESMSC };
	char in_id[32], out_id[32], text[KX_TEXT_MAX];
	size_t i;

	for (i = 0; i < sizeof(bins) / sizeof(bins[0]); i++)
		if (access(bins[i], X_OK) != 0)
			fail_test("%s is missing: install Debian's kannel and "
			    "kannel-extras (make deps)", bins[i]);
	write_configs();
	check_config_and_import();
	start_kannel();
	start_gateway();
	start_fakesmsc();
	check_inbound(in_id, sizeof(in_id));
	check_reply(in_id, out_id, sizeof(out_id), text, sizeof(text));
	check_handset(out_id, text);
	check_reports(out_id);
	check_gateway_end();
}
END_TEST

Suite *
kannel_suite(void)
{
	Suite *s = suite_create("kannel");
	TCase *tc = tcase_create("interop");

	/* A run takes a few seconds; each step waits KX_STEP_MS at most. */
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, kannel_mo_reply_and_dlr_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
