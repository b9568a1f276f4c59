/*
 * event_outbox.c: append events in the caller's transaction, count what
 * waits (see event_outbox.h).  Claiming and marking rows for relay
 * belongs to the bridge's event_relay.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "event_outbox.h"

enum fp_err
event_uuid(char out[37])
{
	unsigned char b[16];
	struct timespec ts;
	uint64_t ms;
	int i;

	/* Version 7: the time in milliseconds first, then randomness.  Ids
	 * made one after another sort together, so the UNIQUE index on
	 * event_id grows at its end instead of at random pages. */
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return FP_EIO;
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x70);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return FP_OK;
}

void
event_now_rfc3339(char out[32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000L));
}

enum fp_err
event_outbox_append(struct store *st, const char *type,
    const char *data_json, char event_id[EVENT_ID_MAX])
{
	char id[37], at[32];
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (type == NULL || *type == '\0' || data_json == NULL ||
	    *data_json != '{')
		return FP_EINVAL;
	err = event_uuid(id);
	if (err != FP_OK)
		return err;
	event_now_rfc3339(at);
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
