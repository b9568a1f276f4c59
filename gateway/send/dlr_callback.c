/*
 * dlr_callback.c: calling sendsms clients' dlr-urls (see dlr_callback.h).
 *
 * One thread: it follows the outbound status history into the durable
 * queue (dlr_callbacks, one row per call to make, with the cursor in the
 * same transaction), and makes the due calls with libcurl multi, at
 * most CB_PER_HOST at a time per host and CB_TIMEOUT_S each, so a slow
 * or dead host only ever holds its own slots.  A call that fails is
 * retried with backoff (dlr_callback_retry_at) until a day after it was
 * queued, then dropped with a log line; a crash loses none (a call in
 * flight is made again).  Time comes from the loop, read once a turn.
 *
 * A call's outcome the database will not take (a full disk) is held and
 * written again each turn; until it is, no call is started, so a call
 * that was made is not made again every turn while its row still says
 * it is due.  (Held outcomes are never more than CB_ACTIVE_MAX: only
 * calls in flight add to them.)
 */
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dlr_callback.h"
#include "gateway.h"
#include "log.h"
#include "strbuf.h"

#define CB_BATCH	100	/* history rows per scan */
#define CB_POLL_MS	500	/* the queue looked at least this often */
#define CB_TIMEOUT_S	5	/* one call, connection included */
#define CB_PER_HOST	4	/* calls in flight per host */
#define CB_ACTIVE_MAX	64	/* calls in flight in all */
#define CB_HOSTS_MAX	256	/* hosts looked at per turn */
#define CB_URL_MAX	2048
#define CB_SAVE_S	10	/* the cursor saved at least this often */
#define CB_FIRST_RETRY_S 30	/* then doubled each failure ... */
#define CB_RETRY_MAX_S	3600	/* ... up to an hour */
#define CB_GIVE_UP_S	(24 * 3600)	/* dropped a day after queued */

static struct log_limit fail_lines =
    LOG_LIMIT_INIT("dlr.callback.fail", LOG_PER_S);

/* A call in flight. */
struct cb_call {
	CURL		*easy;		/* NULL: the slot is free */
	long long	 id;		/* dlr_callbacks.id */
	long long	 message_id;
	int		 type;
	int		 attempts;	/* before this one */
	long long	 created_at;
	char		 host[DLR_CALLBACK_HOST_MAX];
	char		 url[CB_URL_MAX];
};

/* What a call ended with, to write into its row. */
struct cb_outcome {
	long long	 id;		/* dlr_callbacks.id */
	long long	 message_id;	/* for the logs */
	int		 attempts;	/* with this call */
	int64_t		 next_at;	/* next try; -1: delete the row (done
					 * or dropped) */
	char		 why[96];	/* last_error */
};

struct dlr_callback {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	bool		 stopping;
	struct store	*st;
	CURLM		*multi;
	struct cb_call	 calls[CB_ACTIVE_MAX];
	size_t		 n_active;
	struct cb_outcome held[CB_ACTIVE_MAX];	/* not written yet */
	size_t		 n_held;
	long long	 held_since;	/* mono_ms of the first, or 0 */
};

int
dlr_callback_type(const char *status, const char *detail)
{
	if (strcmp(status, "delivered") == 0)
		return 1;
	if (strcmp(status, "failed") == 0 || strcmp(status, "expired") == 0)
		/* A provider's 4xx is a rejection by the SMSC side. */
		return detail != NULL && strstr(detail, "rejected") != NULL ?
		    16 : 2;
	if (strcmp(status, "sent") == 0)
		return 8;
	return 0;
}

/* s (percent-encoded when `encode`) at out + *n; false when it does
 * not fit in len with the NUL. */
static bool
append(char *out, size_t len, size_t *n, const char *s, bool encode)
{
	size_t k;

	if (encode)
		k = urlenc(out + *n, len - *n, s);
	else {
		k = strlen(s);
		if (*n + k < len)
			memcpy(out + *n, s, k + 1);
	}
	if (*n + k >= len)
		return false;
	*n += k;
	return true;
}

enum fp_err
dlr_callback_url(const char *tmpl, int type, long long id, const char *to,
    const char *from, const char *detail, long long when, char *out,
    size_t len)
{
	char num[32];
	size_t n = 0;
	const char *p;

	if (len == 0)
		return FP_ETOOBIG;
	out[0] = '\0';
	for (p = tmpl; *p != '\0'; p++) {
		char lit[3] = { *p, '\0', '\0' };
		bool ok = true;

		if (*p != '%' || p[1] == '\0') {
			ok = append(out, len, &n, lit, false);
		} else {
			p++;
			switch (*p) {
			case 'd':
				snprintf(num, sizeof(num), "%d", type);
				ok = append(out, len, &n, num, false);
				break;
			case 'I':
				snprintf(num, sizeof(num), "%lld", id);
				ok = append(out, len, &n, num, false);
				break;
			case 'T':
				snprintf(num, sizeof(num), "%lld", when);
				ok = append(out, len, &n, num, false);
				break;
			case 'p':
				ok = append(out, len, &n, to, true);
				break;
			case 'P':
				ok = append(out, len, &n, from, true);
				break;
			case 'A':
				ok = append(out, len, &n, detail, true);
				break;
			case '%':
				ok = append(out, len, &n, "%", false);
				break;
			default:
				lit[0] = '%';
				lit[1] = *p;
				ok = append(out, len, &n, lit, false);
				break;
			}
		}
		if (!ok)
			return FP_ETOOBIG;
	}
	return FP_OK;
}

/* ---- what is allowed, and where it goes --------------------------------- */

bool
dlr_callback_url_allowed(const struct cfg *cfg, const char *url)
{
	const char *auth, *p;
	char *const *prefix;
	size_t n;

	if (cfg->sms.dlr_url_allow == NULL || url == NULL)
		return false;	/* SPEC 3.3a: none by default */
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '\\')
			return false;
	if (strncasecmp(url, "http://", 7) == 0)
		auth = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		auth = url + 8;
	else
		return false;
	/* The host as written: no user part ("prefix@elsewhere") and no
	 * escape that could make one. */
	n = strcspn(auth, "/?#");
	if (n == 0 || memchr(auth, '@', n) != NULL ||
	    memchr(auth, '%', n) != NULL)
		return false;
	for (prefix = cfg->sms.dlr_url_allow; *prefix != NULL; prefix++)
		if (**prefix != '\0' &&
		    strncmp(url, *prefix, strlen(*prefix)) == 0)
			return true;
	return false;
}

enum fp_err
dlr_callback_host(const char *url, char *out, size_t len)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *scheme = NULL;
	enum fp_err err = FP_EINVAL;
	size_t i;

	if (u == NULL)
		return FP_ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    (strcasecmp(scheme, "http") == 0 ||
	    strcasecmp(scheme, "https") == 0) &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK && *host != '\0') {
		int k = snprintf(out, len, "%s:%s", host, port);

		if (k > 0 && (size_t)k < len) {
			for (i = 0; out[i] != '\0'; i++)
				out[i] = (char)tolower((unsigned char)out[i]);
			err = FP_OK;
		} else
			err = FP_ETOOBIG;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return err;
}

int64_t
dlr_callback_retry_at(int64_t created_at, int attempts, int64_t now)
{
	int64_t wait = CB_FIRST_RETRY_S, last = created_at + CB_GIVE_UP_S;
	int i;

	if (now >= last)
		return -1;
	for (i = 1; i < attempts && wait < CB_RETRY_MAX_S; i++)
		wait *= 2;
	if (wait > CB_RETRY_MAX_S)
		wait = CB_RETRY_MAX_S;
	return now + wait < last ? now + wait : last;
}

/* ---- from the history into the queue ------------------------------------ */

static enum fp_err
load_cursor(struct store *st, long long *cursor)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	*cursor = 0;
	err = store_stmt(st, "SELECT CAST(value AS INTEGER) FROM meta WHERE "
	    "key = 'dlr_callback_cursor'", &stmt);
	if (err != FP_OK)
		return err;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*cursor = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return FP_OK;
}

static enum fp_err
save_cursor(struct store *st, long long cursor)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "INSERT INTO meta(key, value) VALUES "
	    "('dlr_callback_cursor', ?1) ON CONFLICT(key) DO UPDATE SET "
	    "value = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, cursor);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

struct cb_row {
	long long	 id;
	int		 type;
	char		 host[DLR_CALLBACK_HOST_MAX];
	char		 url[CB_URL_MAX];
};

/* The callbacks of the history rows after `cursor` into rows[]; *last
 * the last history id looked at (even without a callback). */
static enum fp_err
next_batch(struct store *st, long long cursor, struct cb_row *rows,
    size_t *n, long long *last, size_t *scanned)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	*n = 0;
	*scanned = 0;
	*last = cursor;
	err = store_stmt(st, "SELECT h.id, h.message_id, h.status, h.detail, "
	    "h.at, o.dlr_url, o.dlr_mask, o.msisdn, o.from_addr FROM "
	    "sms_out_history h JOIN sms_out o ON o.id = h.message_id WHERE "
	    "h.id > ?1 ORDER BY h.id LIMIT ?2", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, cursor);
	sqlite3_bind_int(stmt, 2, CB_BATCH);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(stmt, 2);
		const char *detail = (const char *)sqlite3_column_text(stmt, 3);
		const char *url = (const char *)sqlite3_column_text(stmt, 5);
		int mask = sqlite3_column_int(stmt, 6);
		int type;

		*last = sqlite3_column_int64(stmt, 0);
		(*scanned)++;
		if (url == NULL || status == NULL)
			continue;
		type = dlr_callback_type(status, detail);
		if (type == 0 || (mask & type) == 0)
			continue;
		rows[*n].id = sqlite3_column_int64(stmt, 1);
		rows[*n].type = type;
		if (dlr_callback_url(url, type, rows[*n].id,
		    (const char *)sqlite3_column_text(stmt, 7),
		    sqlite3_column_text(stmt, 8) != NULL ?
		    (const char *)sqlite3_column_text(stmt, 8) : "",
		    detail != NULL ? detail : "", sqlite3_column_int64(stmt, 4),
		    rows[*n].url, sizeof(rows[*n].url)) != FP_OK ||
		    dlr_callback_host(rows[*n].url, rows[*n].host,
		    sizeof(rows[*n].host)) != FP_OK) {
			log_warnx("dlr.callback.skip msg=%lld type=%d "
			    "error=\"bad url\"", rows[*n].id, type);
			continue;
		}
		(*n)++;
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

static enum fp_err
insert_rows(struct store *st, const struct cb_row *rows, size_t n,
    int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	size_t i;
	int rc;

	err = store_stmt(st, "INSERT INTO dlr_callbacks(message_id, type, url, "
	    "host, created_at, next_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
	    &stmt);
	if (err != FP_OK)
		return err;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(stmt, 1, rows[i].id);
		sqlite3_bind_int(stmt, 2, rows[i].type);
		sqlite3_bind_text(stmt, 3, rows[i].url, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, rows[i].host, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 5, now);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		if (rc != SQLITE_DONE)
			return store_err(rc);
	}
	return FP_OK;
}

enum fp_err
dlr_callback_collect(struct store *st, long long *cursor, bool save,
    int64_t now, size_t *added, size_t *scanned)
{
	struct cb_row *rows = calloc(CB_BATCH, sizeof(*rows));
	long long last = *cursor;
	enum fp_err err;
	size_t n = 0;

	*added = 0;
	*scanned = 0;
	if (rows == NULL)
		return FP_ENOMEM;
	err = next_batch(st, *cursor, rows, &n, &last, scanned);
	/* The rows and the position together, or neither; a position
	 * alone is written only now and then (save), not per scan. */
	if (err == FP_OK && last != *cursor && (n > 0 || save)) {
		err = store_begin(st);
		if (err == FP_OK)
			err = insert_rows(st, rows, n, now);
		if (err == FP_OK)
			err = save_cursor(st, last);
		if (err == FP_OK)
			err = store_commit(st);
		else
			store_rollback(st);
		if (err == FP_OK)
			*added = n;
	}
	if (err == FP_OK)
		*cursor = last;
	free(rows);
	return err;
}

/* ---- making the calls --------------------------------------------------- */

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static size_t
host_active(const struct dlr_callback *cb, const char *host)
{
	size_t i, k = 0;

	for (i = 0; i < CB_ACTIVE_MAX; i++)
		if (cb->calls[i].easy != NULL &&
		    strcmp(cb->calls[i].host, host) == 0)
			k++;
	return k;
}

static bool
is_active(const struct dlr_callback *cb, long long id)
{
	size_t i;

	for (i = 0; i < CB_ACTIVE_MAX; i++)
		if (cb->calls[i].easy != NULL && cb->calls[i].id == id)
			return true;
	return false;
}

/* Start the call of the statement's row (id, message_id, type, url,
 * attempts, created_at) in a free slot. */
static void
start_call(struct dlr_callback *cb, sqlite3_stmt *stmt, const char *host)
{
	struct cb_call *c = NULL;
	size_t i;

	for (i = 0; i < CB_ACTIVE_MAX && c == NULL; i++)
		if (cb->calls[i].easy == NULL)
			c = &cb->calls[i];
	if (c == NULL)
		return;
	c->id = sqlite3_column_int64(stmt, 0);
	c->message_id = sqlite3_column_int64(stmt, 1);
	c->type = sqlite3_column_int(stmt, 2);
	store_column_copy(stmt, 3, c->url, sizeof(c->url));
	c->attempts = sqlite3_column_int(stmt, 4);
	c->created_at = sqlite3_column_int64(stmt, 5);
	snprintf(c->host, sizeof(c->host), "%s", host);
	c->easy = curl_easy_init();
	if (c->easy == NULL)
		return;
	curl_easy_setopt(c->easy, CURLOPT_URL, c->url);
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT, (long)CB_TIMEOUT_S);
	curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
	if (curl_multi_add_handle(cb->multi, c->easy) != CURLM_OK) {
		curl_easy_cleanup(c->easy);
		c->easy = NULL;
		return;
	}
	cb->n_active++;
}

/* The due calls at `now` of one host, up to its free slots. */
static enum fp_err
start_host(struct dlr_callback *cb, const char *host, int64_t now)
{
	size_t busy = host_active(cb, host);
	sqlite3_stmt *stmt;
	enum fp_err err;

	if (busy >= CB_PER_HOST)
		return FP_OK;
	/* Its calls in flight are among the first: look past them. */
	err = store_stmt(cb->st, "SELECT id, message_id, type, url, attempts, "
	    "created_at FROM dlr_callbacks WHERE host = ?1 AND next_at <= ?2 "
	    "ORDER BY next_at, id LIMIT ?3", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite3_bind_int(stmt, 3, (int)(busy + CB_PER_HOST));
	while (busy < CB_PER_HOST && cb->n_active < CB_ACTIVE_MAX &&
	    sqlite3_step(stmt) == SQLITE_ROW) {
		if (is_active(cb, sqlite3_column_int64(stmt, 0)))
			continue;
		start_call(cb, stmt, host);
		busy++;
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

/* Start what is due at `now`, host by host (few: the allowed prefixes). */
static enum fp_err
start_due(struct dlr_callback *cb, int64_t now)
{
	char (*hosts)[DLR_CALLBACK_HOST_MAX];
	sqlite3_stmt *stmt;
	enum fp_err err;
	size_t n = 0, i;

	if (cb->n_active >= CB_ACTIVE_MAX)
		return FP_OK;
	hosts = calloc(CB_HOSTS_MAX, sizeof(*hosts));
	if (hosts == NULL)
		return FP_ENOMEM;
	/* Each host once (a skip-scan of the host index), if it has a
	 * call due: a dead host's backlog is never read row by row. */
	err = store_stmt(cb->st, "WITH RECURSIVE h(host) AS (SELECT min(host) "
	    "FROM dlr_callbacks UNION ALL SELECT (SELECT min(host) FROM "
	    "dlr_callbacks WHERE host > h.host) FROM h WHERE h.host IS NOT "
	    "NULL) SELECT host FROM h WHERE host IS NOT NULL AND EXISTS "
	    "(SELECT 1 FROM dlr_callbacks d WHERE d.host = h.host AND "
	    "d.next_at <= ?1) LIMIT ?2", &stmt);
	if (err == FP_OK) {
		sqlite3_bind_int64(stmt, 1, now);
		sqlite3_bind_int(stmt, 2, CB_HOSTS_MAX);
		while (n < CB_HOSTS_MAX && sqlite3_step(stmt) == SQLITE_ROW)
			store_column_copy(stmt, 0, hosts[n++],
			    sizeof(hosts[0]));
		sqlite3_reset(stmt);
	}
	for (i = 0; err == FP_OK && i < n && cb->n_active < CB_ACTIVE_MAX;
	    i++)
		err = start_host(cb, hosts[i], now);
	free(hosts);
	return err;
}

static enum fp_err
delete_row(struct store *st, long long id)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "DELETE FROM dlr_callbacks WHERE id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write an outcome into its row. */
static enum fp_err
record(struct store *st, const struct cb_outcome *o)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int src;

	if (o->next_at < 0)
		return delete_row(st, o->id);
	err = store_stmt(st, "UPDATE dlr_callbacks SET attempts = ?2, "
	    "next_at = ?3, last_error = ?4 WHERE id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, o->id);
	sqlite3_bind_int(stmt, 2, o->attempts);
	sqlite3_bind_int64(stmt, 3, o->next_at);
	sqlite3_bind_text(stmt, 4, o->why, -1, SQLITE_TRANSIENT);
	src = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return src == SQLITE_DONE ? FP_OK : store_err(src);
}

/* A call's outcome at `now`: done, or retried later, or dropped. */
static void
decide(const struct cb_call *c, CURLcode rc, int64_t now,
    struct cb_outcome *o)
{
	long status = 0;

	memset(o, 0, sizeof(*o));
	o->id = c->id;
	o->message_id = c->message_id;
	o->attempts = c->attempts + 1;
	o->next_at = -1;
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && status >= 200 && status < 300)
		return;
	if (rc != CURLE_OK)
		snprintf(o->why, sizeof(o->why), "%s", curl_easy_strerror(rc));
	else
		snprintf(o->why, sizeof(o->why), "http %ld", status);
	/* The client refuses it (other than "later"): not again. */
	o->next_at = rc == CURLE_OK && status >= 400 && status < 500 &&
	    status != 408 && status != 429 ? -1 :
	    dlr_callback_retry_at(c->created_at, o->attempts, now);
	if (o->next_at < 0) {
		log_warnx("dlr.callback.drop msg=%lld type=%d host=%s "
		    "attempts=%d error=\"%s\"", c->message_id, c->type,
		    c->host, o->attempts, o->why);
		return;
	}
	if (log_allow(&fail_lines))
		log_warnx("dlr.callback.fail msg=%lld type=%d host=%s "
		    "attempts=%d retry_in=%lld error=\"%s\"", c->message_id,
		    c->type, c->host, o->attempts,
		    (long long)(o->next_at - now), o->why);
}

/* Keep an outcome the database would not take, for the next turn. */
static void
hold(struct dlr_callback *cb, const struct cb_outcome *o, enum fp_err err)
{
	if (cb->n_held == 0) {
		cb->held_since = mono_ms();
		log_warnx("dlr.callback.held msg=%lld error=\"%s\" "
		    "action=retry", o->message_id, fp_strerror(err));
	}
	if (cb->n_held < CB_ACTIVE_MAX)
		cb->held[cb->n_held++] = *o;
}

/* Write the held outcomes again; true when none is left. */
static bool
flush_held(struct dlr_callback *cb)
{
	size_t i, kept = 0, n = cb->n_held;

	if (n == 0)
		return true;
	for (i = 0; i < n; i++)
		if (record(cb->st, &cb->held[i]) != FP_OK)
			cb->held[kept++] = cb->held[i];
	cb->n_held = kept;
	if (kept == 0)
		log_info("dlr.callback.written outcomes=%zu held_ms=%lld", n,
		    mono_ms() - cb->held_since);
	return kept == 0;
}

/* Calls that ended: their outcomes at `now`; *ended how many. */
static void
reap(struct dlr_callback *cb, int64_t now, size_t *ended)
{
	struct cb_outcome o;
	enum fp_err err;
	CURLMsg *m;
	int left;

	*ended = 0;
	while ((m = curl_multi_info_read(cb->multi, &left)) != NULL) {
		struct cb_call *c = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &c);
		if (c == NULL)
			continue;
		decide(c, m->data.result, now, &o);
		err = record(cb->st, &o);
		if (err != FP_OK)
			hold(cb, &o, err);
		curl_multi_remove_handle(cb->multi, c->easy);
		curl_easy_cleanup(c->easy);
		c->easy = NULL;
		cb->n_active--;
		(*ended)++;
	}
}

static bool
is_stopping(struct dlr_callback *cb)
{
	bool stopping;

	pthread_mutex_lock(&cb->lock);
	stopping = cb->stopping;
	pthread_mutex_unlock(&cb->lock);
	return stopping;
}

static void *
callback_main(void *arg)
{
	struct dlr_callback *cb = arg;
	long long cursor = 0, saved_at = 0, looked_at = 0;
	size_t added, scanned = 0, ended = 0, i;
	int running;

	if (load_cursor(cb->st, &cursor) != FP_OK) {
		log_error("dlr.callback.fatal error=\"cannot start\"");
		return NULL;
	}
	saved_at = looked_at = mono_ms();
	while (!is_stopping(cb)) {
		int64_t now = (int64_t)time(NULL);	/* once a turn */
		long long t = mono_ms();

		/* The queue: when a call ended, when more history waits,
		 * else every CB_POLL_MS, not at every socket event. */
		if (ended > 0 || scanned == CB_BATCH ||
		    t - looked_at >= CB_POLL_MS) {
			bool save = t - saved_at >= CB_SAVE_S * 1000;

			if (dlr_callback_collect(cb->st, &cursor, save, now,
			    &added, &scanned) == FP_OK && (added > 0 || save))
				saved_at = t;
			/* Rows whose call was made may still say it is due:
			 * nothing starts before their outcomes are in. */
			if (flush_held(cb) && start_due(cb, now) != FP_OK)
				log_warnx("dlr.callback.store error=\"cannot "
				    "read the queue\"");
			looked_at = t;
		}
		curl_multi_perform(cb->multi, &running);
		reap(cb, now, &ended);
		if (ended == 0 && scanned < CB_BATCH)
			curl_multi_poll(cb->multi, NULL, 0, CB_POLL_MS, NULL);
	}
	/* What is in flight, or was made but not recorded, is made again
	 * at the next start. */
	if (!flush_held(cb))
		log_warnx("dlr.callback.stop unrecorded=%zu action=\"called "
		    "again at the next start\"", cb->n_held);
	for (i = 0; i < CB_ACTIVE_MAX; i++)
		if (cb->calls[i].easy != NULL) {
			curl_multi_remove_handle(cb->multi, cb->calls[i].easy);
			curl_easy_cleanup(cb->calls[i].easy);
			cb->calls[i].easy = NULL;
		}
	return NULL;
}

enum fp_err
dlr_callback_start(const struct cfg *cfg, struct dlr_callback **out)
{
	struct dlr_callback *cb;
	enum fp_err err;

	cb = calloc(1, sizeof(*cb));
	if (cb == NULL)
		return FP_ENOMEM;
	err = gw_store_open_status(cfg, &cb->st);
	if (err != FP_OK) {
		free(cb);
		return err;
	}
	cb->multi = curl_multi_init();
	if (cb->multi == NULL) {
		store_close(cb->st);
		free(cb);
		return FP_ENOMEM;
	}
	pthread_mutex_init(&cb->lock, NULL);
	if (pthread_create(&cb->thread, NULL, callback_main, cb) != 0) {
		pthread_mutex_destroy(&cb->lock);
		curl_multi_cleanup(cb->multi);
		store_close(cb->st);
		free(cb);
		return FP_ENOMEM;
	}
	*out = cb;
	return FP_OK;
}

void
dlr_callback_stop(struct dlr_callback *cb)
{
	if (cb == NULL)
		return;
	pthread_mutex_lock(&cb->lock);
	cb->stopping = true;
	pthread_mutex_unlock(&cb->lock);
	curl_multi_wakeup(cb->multi);
	pthread_join(cb->thread, NULL);
	pthread_mutex_destroy(&cb->lock);
	curl_multi_cleanup(cb->multi);
	store_close(cb->st);
	free(cb);
}
