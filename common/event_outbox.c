/*
 * event_outbox.c: append events in the caller's transaction, count what
 * waits (see event_outbox.h), and the relay's side: read unrelayed rows
 * in id order, mark them relayed once the broker acknowledged them,
 * prune old relayed rows.  What to publish and when is the bridge's
 * event_relay.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "compiler.h"
#include "event_outbox.h"
#include "hex.h"
#include "timefmt.h"

/*
 * Randomness for event ids, drawn from getrandom(2) a pool at a time:
 * a system call per event was a measurable part of every status change.
 * The pool is per thread; a forked child starts with an empty one, so
 * parent and child never hand out the same bytes.
 */
#define UUID_POOL_BYTES 512

static _Thread_local unsigned char pool[UUID_POOL_BYTES];
static _Thread_local size_t pool_left;

static void
pool_forget(void)
{
	pool_left = 0;
}

static void
pool_register(void)
{
	(void)pthread_atfork(NULL, NULL, pool_forget);
}

static enum fp_err
random_bytes(unsigned char *out, size_t n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, pool_register);
	if (pool_left < n) {
		if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool))
			return FP_EIO;
		pool_left = sizeof(pool);
	}
	memcpy(out, pool + sizeof(pool) - pool_left, n);
	/* Used bytes are wiped: they are part of an id already. */
	memset(pool + sizeof(pool) - pool_left, 0, n);
	pool_left -= n;
	return FP_OK;
}

/* A version 7 UUID for the time `ts`. */
static enum fp_err
uuid_at(const struct timespec *ts, char out[37])
{
	unsigned char b[16];
	uint64_t ms;
	int i;

	/* Version 7: the time in milliseconds first, then randomness.  Ids
	 * made one after another sort together, so the UNIQUE index on
	 * event_id grows at its end instead of at random pages. */
	if (random_bytes(b, sizeof(b)) != FP_OK)
		return FP_EIO;
	ms = (uint64_t)ts->tv_sec * 1000u + (uint64_t)ts->tv_nsec / 1000000u;
	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x70);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	/* 8-4-4-4-12 lower-case hex digits. */
	hex_encode(b, 4, out);
	out[8] = '-';
	hex_encode(b + 4, 2, out + 9);
	out[13] = '-';
	hex_encode(b + 6, 2, out + 14);
	out[18] = '-';
	hex_encode(b + 8, 2, out + 19);
	out[23] = '-';
	hex_encode(b + 10, 6, out + 24);
	return FP_OK;
}

enum fp_err
event_uuid(char out[37])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return uuid_at(&ts, out);
}

enum fp_err
event_outbox_append(struct store *st, const char *type,
    const char *data_json, int64_t now, char event_id[EVENT_ID_MAX])
{
	char id[37], at[TIMEFMT_MAX];
	struct timespec ts, stamp;
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (type == NULL || *type == '\0' || data_json == NULL ||
	    *data_json != '{')
		return FP_EINVAL;
	/* The id's time bits only make it unique and roughly ordered: they
	 * come from the real clock.  occurred_at is a stamp: the caller's. */
	clock_gettime(CLOCK_REALTIME, &ts);
	err = uuid_at(&ts, id);
	if (err != FP_OK)
		return err;
	stamp.tv_sec = (time_t)now;
	stamp.tv_nsec = 0;
	timefmt_utc_ms(&stamp, at);
	err = store_stmt(st, "INSERT INTO event_outbox(event_id, type, "
	    "occurred_at, data) VALUES (?1, ?2, ?3, ?4)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, data_json, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	if (event_id != NULL)
		memcpy(event_id, id, sizeof(id));
	return FP_OK;
}

enum fp_err
event_outbox_pending(struct store *st, int64_t *count)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT count(*) FROM event_outbox "
	    "WHERE relayed_at IS NULL", &stmt);
	if (err != FP_OK)
		return err;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? FP_OK : store_err(rc);
}

/* Copy column `col` into dst[size]; false when absent or too long. */
static bool
copy_col(sqlite3_stmt *stmt, int col, char *dst, size_t size)
{
	const unsigned char *v = sqlite3_column_text(stmt, col);
	int len = sqlite3_column_bytes(stmt, col);

	if (v == NULL || len < 0 || (size_t)len >= size) {
		dst[0] = '\0';
		return false;
	}
	memcpy(dst, v, (size_t)len);
	dst[len] = '\0';
	return true;
}

/* -fanalyzer: each row's data is the caller's, freed by
 * event_outbox_rows_cleanup (here too on failure); a false "leak"
 * (gcc 12 loses stores through rows[i]). */
FP_ANALYZER_LEAK_OFF
enum fp_err
event_outbox_claim(struct store *st, int64_t after_id, size_t max,
    struct event_outbox_row *rows, size_t *n)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	size_t i = 0;
	int rc = SQLITE_DONE;

	*n = 0;
	err = store_stmt(st, "SELECT id, event_id, type, occurred_at, data "
	    "FROM event_outbox WHERE relayed_at IS NULL AND id > ?1 "
	    "ORDER BY id LIMIT ?2", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, after_id);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)max);
	while (i < max) {
		struct event_outbox_row *r = &rows[i];
		const unsigned char *data;
		int len;
		bool ok;

		rc = sqlite3_step(stmt);
		if (rc != SQLITE_ROW)
			break;
		data = sqlite3_column_text(stmt, 4);
		len = sqlite3_column_bytes(stmt, 4);

		r->id = sqlite3_column_int64(stmt, 0);
		ok = copy_col(stmt, 1, r->event_id, sizeof(r->event_id));
		ok = copy_col(stmt, 3, r->occurred_at, sizeof(r->occurred_at))
		    && ok;
		ok = copy_col(stmt, 2, r->type, sizeof(r->type)) && ok;
		if (!ok || data == NULL || len < 0)
			r->type[0] = '\0';
		r->data = malloc((size_t)(len < 0 ? 0 : len) + 1);
		if (r->data == NULL) {
			sqlite3_reset(stmt);
			event_outbox_rows_cleanup(rows, i);
			return FP_ENOMEM;
		}
		if (data != NULL && len > 0)
			memcpy(r->data, data, (size_t)len);
		r->data[len < 0 ? 0 : len] = '\0';
		i++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(stmt);
		event_outbox_rows_cleanup(rows, i);
		return store_err(rc);
	}
	sqlite3_reset(stmt);
	*n = i;
	return FP_OK;
}
FP_ANALYZER_LEAK_ON

void
event_outbox_rows_cleanup(struct event_outbox_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].data);
		rows[i].data = NULL;
	}
}

enum fp_err
event_outbox_mark_relayed(struct store *st, const int64_t *ids, size_t n,
    int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	size_t i;
	int rc;

	if (n == 0)
		return FP_OK;
	err = store_begin(st);
	if (err != FP_OK)
		return err;
	for (i = 0; i < n; i++) {
		err = store_stmt(st, "UPDATE event_outbox SET relayed_at = ?1 "
		    "WHERE id = ?2 AND relayed_at IS NULL", &stmt);
		if (err != FP_OK)
			goto fail;
		sqlite3_bind_int64(stmt, 1, now);
		sqlite3_bind_int64(stmt, 2, ids[i]);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		if (rc != SQLITE_DONE) {
			err = store_err(rc);
			goto fail;
		}
	}
	err = store_commit(st);
	if (err == FP_OK)
		return FP_OK;
fail:
	store_rollback(st);
	return err;
}

enum fp_err
event_outbox_prune(struct store *st, int64_t older_than, int64_t *deleted)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "DELETE FROM event_outbox WHERE relayed_at IS "
	    "NOT NULL AND relayed_at < ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, older_than);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	if (deleted != NULL)
		*deleted = sqlite3_changes(store_db(st));
	return FP_OK;
}

enum fp_err
event_outbox_oldest_age(struct store *st, int64_t now, int64_t *age_s)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	*age_s = 0;
	err = store_stmt(st, "SELECT ?1 - "
	    "CAST(strftime('%s', occurred_at) AS INTEGER) FROM event_outbox "
	    "WHERE relayed_at IS NULL ORDER BY id LIMIT 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*age_s = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FP_OK : store_err(rc);
}
