/*
 * dlr_callback.c: calling sendsms clients' dlr-urls (see dlr_callback.h).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dlr_callback.h"
#include "gateway.h"
#include "log.h"
#include "strbuf.h"

#define CB_BATCH	100
#define CB_POLL_MS	500
#define CB_TIMEOUT_S	5
#define CB_TRIES	3
#define CB_URL_MAX	2048
#define CB_SAVE_S	10	/* save the position at least this often */

struct dlr_callback {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	bool		 stopping;
	struct store	*st;
	CURL		*curl;
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

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* One GET, a few tries; false when every try failed. */
static bool
call(struct dlr_callback *cb, const char *url)
{
	long status = 0;
	int i;

	for (i = 0; i < CB_TRIES; i++) {
		curl_easy_setopt(cb->curl, CURLOPT_URL, url);
		if (curl_easy_perform(cb->curl) == CURLE_OK) {
			curl_easy_getinfo(cb->curl, CURLINFO_RESPONSE_CODE,
			    &status);
			if (status >= 200 && status < 300)
				return true;
			if (status >= 400 && status < 500)
				return false;	/* the client refuses it */
		}
	}
	return false;
}

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
	long long	 hist_id;
	long long	 id;
	int		 type;
	char		 url[CB_URL_MAX];
};

/* Due callbacks after `cursor` into rows[]; *last the last history id
 * looked at (even without a callback). */
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
		rows[*n].hist_id = *last;
		rows[*n].id = sqlite3_column_int64(stmt, 1);
		rows[*n].type = type;
		if (dlr_callback_url(url, type, rows[*n].id,
		    (const char *)sqlite3_column_text(stmt, 7),
		    sqlite3_column_text(stmt, 8) != NULL ?
		    (const char *)sqlite3_column_text(stmt, 8) : "",
		    detail != NULL ? detail : "", sqlite3_column_int64(stmt, 4),
		    rows[*n].url, sizeof(rows[*n].url)) != FP_OK)
			continue;
		(*n)++;
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

static void *
callback_main(void *arg)
{
	struct dlr_callback *cb = arg;
	struct cb_row *rows = calloc(CB_BATCH, sizeof(*rows));
	long long cursor = 0, saved = 0, last = 0;
	time_t saved_at = time(NULL);
	size_t n = 0, i, scanned = 0;
	bool stopping;

	if (rows == NULL || load_cursor(cb->st, &cursor) != FP_OK) {
		log_error("dlr.callback.fatal error=\"cannot start\"");
		free(rows);
		return NULL;
	}
	saved = cursor;
	for (;;) {
		scanned = 0;
		if (next_batch(cb->st, cursor, rows, &n, &last, &scanned) ==
		    FP_OK) {
			for (i = 0; i < n; i++) {
				if (!call(cb, rows[i].url))
					log_warnx("dlr.callback.fail msg=%lld "
					    "type=%d", rows[i].id,
					    rows[i].type);
			}
			cursor = last;
			/* Writing the position is a transaction: only after
			 * calls were made, or now and then, not per batch. */
			if (cursor != saved && (n > 0 ||
			    time(NULL) - saved_at >= CB_SAVE_S) &&
			    save_cursor(cb->st, cursor) == FP_OK) {
				saved = cursor;
				saved_at = time(NULL);
			}
		}
		pthread_mutex_lock(&cb->lock);
		/* A full batch means more may wait: go on at once. */
		if (!cb->stopping && scanned < CB_BATCH) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)CB_POLL_MS * 1000000L;
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&cb->wake, &cb->lock, &ts);
		}
		stopping = cb->stopping;
		pthread_mutex_unlock(&cb->lock);
		if (stopping)
			break;
	}
	free(rows);
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
	cb->curl = curl_easy_init();
	if (cb->curl == NULL) {
		store_close(cb->st);
		free(cb);
		return FP_ENOMEM;
	}
	curl_easy_setopt(cb->curl, CURLOPT_TIMEOUT, (long)CB_TIMEOUT_S);
	curl_easy_setopt(cb->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cb->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(cb->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	pthread_mutex_init(&cb->lock, NULL);
	pthread_cond_init(&cb->wake, NULL);
	if (pthread_create(&cb->thread, NULL, callback_main, cb) != 0) {
		pthread_cond_destroy(&cb->wake);
		pthread_mutex_destroy(&cb->lock);
		curl_easy_cleanup(cb->curl);
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
	pthread_cond_signal(&cb->wake);
	pthread_mutex_unlock(&cb->lock);
	pthread_join(cb->thread, NULL);
	pthread_cond_destroy(&cb->wake);
	pthread_mutex_destroy(&cb->lock);
	curl_easy_cleanup(cb->curl);
	store_close(cb->st);
	free(cb);
}
