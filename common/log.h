/*
 * log.h: one line per event, "event key=value ...", to stderr (journald
 * under systemd, which reads the "<N>" priority prefix).  Nothing else in
 * the project writes to stderr once logging is up.  Phone numbers must go
 * through msisdn_mask() before they reach a format string, and message
 * texts are logged only at debug level (SPEC section 7).
 */
#ifndef FP_LOG_H
#define FP_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERROR = 3,	/* needs a person */
	LOG_LEVEL_WARN = 4,	/* notable, needs no action */
	LOG_LEVEL_INFO = 6,	/* at most two lines per request */
	LOG_LEVEL_DEBUG = 7,	/* may carry message texts */
};

/*
 * Set the program name and level.  The level may be overridden by the
 * environment variable FUPIN_LOG_LEVEL (error, warn, info, debug).  Under
 * journald (JOURNAL_STREAM set) lines get a "<N>" prefix and no time
 * stamp; otherwise an RFC 3339 UTC time stamp and the level name.
 */
void log_init(const char *progname, enum log_level level);

/* Send log lines to `fd` instead of stderr (tests); -1 restores stderr. */
void log_set_fd(int fd);

/* Parse "error", "warn", "info", "debug"; false if unknown. */
bool log_level_parse(const char *s, enum log_level *out);

/* True when lines at `level` are written (to skip costly formatting). */
bool log_enabled(enum log_level level);

/*
 * A budget of lines a second for an event logged per request or per
 * message ("sendsms.accepted", "sms.in", ...): under load a line for each
 * would be thousands a second, which journald's default rate limit
 * (10,000 per 30 s for a service) answers by dropping everything,
 * warnings included.  Every message is in the database; the log keeps
 * the first `per_s` lines of each second and then counts:
 *
 *	static struct log_limit lim = LOG_LIMIT_INIT("sendsms.accepted", 20);
 *	if (log_allow(&lim)) log_info("sendsms.accepted ...");
 *
 * When lines were held back, the first allowed line of a later second is
 * preceded by "log.suppressed event=<event> lines=<n>".
 */
struct log_limit {
	const char	*event;
	int		 per_s;
	_Atomic long long window;	/* unix second being counted */
	_Atomic int	 lines;		/* asked for in that second */
	_Atomic int	 suppressed;	/* held back, not yet reported */
};
#define LOG_PER_S	20	/* the usual budget */
#define LOG_LIMIT_INIT(event, per_s)	{ (event), (per_s), 0, 0, 0 }

/* True when this line may be written now (thread-safe). */
bool log_allow(struct log_limit *l);
/* log_allow at `now` (unix seconds), for tests. */
bool log_allow_at(struct log_limit *l, long long now);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends " error=\"<strerror(errno)>\""; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
