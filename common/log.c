/*
 * log.c: leveled key=value lines (see log.h).  Each line is written with
 * one write(2) so that lines from several threads never interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "timefmt.h"

#define LOG_LINE_MAX 2048

static enum log_level log_level = LOG_LEVEL_INFO;
static const char *log_progname = "fupin";
static int log_fd = 2;
static bool log_journal;

static const char *
level_name(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERROR:	return "error";
	case LOG_LEVEL_WARN:	return "warn";
	case LOG_LEVEL_INFO:	return "info";
	case LOG_LEVEL_DEBUG:	return "debug";
	}
	return "info";
}

bool
log_level_parse(const char *s, enum log_level *out)
{
	static const enum log_level all[] = { LOG_LEVEL_ERROR, LOG_LEVEL_WARN,
	    LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, level_name(all[i])) == 0) {
			*out = all[i];
			return true;
		}
	}
	return false;
}

void
log_init(const char *progname, enum log_level level)
{
	const char *env = getenv("FUPIN_LOG_LEVEL");
	enum log_level parsed;

	log_progname = progname;
	log_level = level;
	if (env != NULL && log_level_parse(env, &parsed))
		log_level = parsed;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void
log_set_fd(int fd)
{
	log_fd = fd < 0 ? 2 : fd;
}

bool
log_enabled(enum log_level level)
{
	return level <= log_level;
}

static void vlog(enum log_level, int, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

/*
 * Append msg to line[n..] with control characters (newline, carriage
 * return, escape...) as \xNN: values from outside are in the message,
 * and a newline in one must never start a forged line (a journald "<0>"
 * prefix after it would be an emergency).  Returns the new length,
 * leaving room for the final newline.
 */
static size_t
escape_into(char *line, size_t size, size_t n, const char *msg)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	for (p = (const unsigned char *)msg; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			if (n + 4 >= size - 1)
				break;
			line[n++] = '\\';
			line[n++] = 'x';
			line[n++] = hex[*p >> 4];
			line[n++] = hex[*p & 15];
		} else {
			if (n + 1 >= size - 1)
				break;
			line[n++] = (char)*p;
		}
	}
	line[n] = '\0';
	return n;
}

static void
vlog(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX], msg[LOG_LINE_MAX];
	size_t n = 0;
	int r;

	if (!log_enabled(level))
		return;
	if (log_journal) {
		r = snprintf(line, sizeof(line), "<%d>", (int)level);
	} else {
		struct timespec ts;
		char at[TIMEFMT_MAX];

		clock_gettime(CLOCK_REALTIME, &ts);
		timefmt_utc_ms(&ts, at);
		r = snprintf(line, sizeof(line), "%s %s %s ", at, log_progname,
		    level_name(level));
	}
	if (r > 0)
		n = (size_t)r < sizeof(line) ? (size_t)r : sizeof(line) - 1;
	r = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (r > 0)
		n = escape_into(line, sizeof(line), n, msg);
	if (errnum != 0 && n < sizeof(line) - 1) {
		r = snprintf(line + n, sizeof(line) - n, " error=\"%s\"",
		    strerror(errnum));
		if (r > 0)
			n += (size_t)r < sizeof(line) - n ? (size_t)r :
			    sizeof(line) - n - 1;
	}
	/* A truncated line still ends in a newline: one event, one line. */
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(log_fd, line, n) < 0) {
		/* Nowhere left to report a failing log write. */
	}
}

#define LOG_FN(name, level, with_errno)					\
void									\
name(const char *fmt, ...)						\
{									\
	va_list ap;							\
	int saved = errno;						\
									\
	va_start(ap, fmt);						\
	vlog(level, with_errno ? saved : 0, fmt, ap);			\
	va_end(ap);							\
	errno = saved;							\
}

LOG_FN(log_error, LOG_LEVEL_ERROR, false)
LOG_FN(log_warn, LOG_LEVEL_WARN, true)
LOG_FN(log_warnx, LOG_LEVEL_WARN, false)
LOG_FN(log_info, LOG_LEVEL_INFO, false)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, false)

bool
log_allow_at(struct log_limit *l, long long now)
{
	long long window = atomic_load(&l->window);
	int n, held;

	/* One thread wins the new second: it reports what the earlier
	 * ones held back.  A line counted against the old second in the
	 * meantime only makes the new one a little shorter. */
	if (now != window &&
	    atomic_compare_exchange_strong(&l->window, &window, now)) {
		atomic_store(&l->lines, 0);
		held = atomic_exchange(&l->suppressed, 0);
		if (held > 0)
			log_info("log.suppressed event=%s lines=%d", l->event,
			    held);
	}
	n = atomic_fetch_add(&l->lines, 1);
	if (n < l->per_s)
		return true;
	atomic_fetch_add(&l->suppressed, 1);
	return false;
}

bool
log_allow(struct log_limit *l)
{
	return log_allow_at(l, (long long)time(NULL));
}
