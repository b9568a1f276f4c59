/*
 * gwtest.h: running the real fupin-gateway in tests: a temporary
 * directory with a config on a free loopback port, spawn and stop by
 * PID, and HTTP requests with libcurl.
 */
#ifndef FP_GWTEST_H
#define FP_GWTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tg_reply {
	long	 status;
	char	 body[65536];
	size_t	 len;
	char	 headers[4096];
	size_t	 hlen;
};

struct tg {
	char	*dir;		/* temporary directory, removed by tg_cleanup */
	char	*conf;		/* its fupin.conf */
	char	 db[512];	/* dir/fupin.db */
	int	 port;
	pid_t	 pid;		/* running gateway, or 0 */
	const char *durability;	/* database.durability; NULL: "normal" */
	const char *http_extra;	/* more keys of the http group, or NULL */
	const char *providers;	/* the providers list's items, or NULL:
				 * one file provider "local" (set after
				 * tg_init, then tg_reconfigure) */
};

/*
 * Make a directory and a config listening on a free port, with the file
 * provider writing dir/outbox.jsonl, max_body 2048, plus `extra` config
 * text (may be NULL).  Does not start the gateway.
 */
void tg_init(struct tg *t, const char *extra);

/* Rewrite the config with other extra text (same dir and port). */
void tg_reconfigure(struct tg *t, const char *extra);

/* Start the gateway and wait until /healthz answers (fails the test
 * after 10 s).  Its output goes to dir/gateway.log. */
void tg_start(struct tg *t);

/* Stop it with `sig`; returns its exit status (-1 if killed). */
int tg_stop(struct tg *t, int sig);

/* Stop if running, remove the directory. */
void tg_cleanup(struct tg *t);

/* Spawn the gateway with `config` without waiting; output to log_path. */
pid_t tg_spawn(const char *config, const char *log_path);

/* What the gateway wrote to dir/gateway.log, as a malloc'd string (""
 * when nothing). */
char *tg_log(const struct tg *t);

/*
 * `fupinctl import` of each of kinds[] from data/demo/<kind>.csv into
 * the gateway's database, in that order (a household names its cadre, a
 * member its household); each must exit 0 (its output in the failure's
 * message).
 */
void tg_import_demo_kinds(const struct tg *t, const char *const kinds[],
    size_t n);

/* The demo registry's cadres, households and members
 * (tg_import_demo_kinds). */
void tg_import_demo(const struct tg *t);

/*
 * One HTTP request to the gateway.  body may be NULL; content_type and
 * extra_header (a whole "Name: value" line) may be NULL.  chunked sends
 * the body without a length.  0 on a completed exchange.
 */
int tg_request(const struct tg *t, const char *method, const char *path,
    const char *content_type, const char *body, size_t body_len,
    const char *extra_header, bool chunked, struct tg_reply *r);

/* The first column of the first row of `sql` on the gateway's database,
 * as a malloc'd string ("" when none). */
char *tg_query(const struct tg *t, const char *sql);

/* tg_query as an integer. */
long long tg_query_int(const struct tg *t, const char *sql);

/* Poll tg_query_int(sql) until it equals want or ~10 s pass. */
bool tg_wait_int(const struct tg *t, const char *sql, long long want);

#endif
