/*
 * dlr.c: delivery reports onto the outbox (see dlr.h).
 *
 * Every report is kept in table dlr, one row per report, with the part
 * it speaks for.  A message's status is then derived from its rows:
 * failed if any part failed, delivered when as many distinct parts as
 * it has segments were delivered, else sent.  Deriving instead of
 * counting events makes duplicates and reordering harmless.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dlr.h"
#include "log.h"
#include "outbox.h"
#include "parse.h"

/* How long a report may wait for its submit answer. */
#define DLR_EARLY_KEEP_S 3600

static const char *
state_name(enum dlr_state s)
{
	switch (s) {
	case DLR_SENT:		return "sent";
	case DLR_DELIVERED:	return "delivered";
	case DLR_FAILED:	return "failed";
	}
	return "sent";
}

bool
dlr_kannel_state(int kannel_status, enum dlr_state *out)
{
	switch (kannel_status) {
	case 1:
		*out = DLR_DELIVERED;
		return true;
	case 2:
	case 16:
		*out = DLR_FAILED;
		return true;
	case 4:
	case 8:
		*out = DLR_SENT;
		return true;
	default:
		return false;
	}
}

bool
dlr_generic_state(const char *word, enum dlr_state *out)
{
	if (strcmp(word, "Success") == 0)
		*out = DLR_DELIVERED;
	else if (strcmp(word, "Failed") == 0 || strcmp(word, "Rejected") == 0)
		*out = DLR_FAILED;
	else if (strcmp(word, "Buffered") == 0 || strcmp(word, "Sent") == 0)
		*out = DLR_SENT;
	else
		return false;
	return true;
}

static enum fp_err
record(struct store *st, int64_t id, const char *provider,
    const char *provider_msgid, int part, enum dlr_state state,
    const char *detail, int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "INSERT INTO dlr(message_id, provider, "
	    "provider_msgid, part, status, detail, received_at) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7)", &stmt);
	if (err != FP_OK)
		return err;
	if (id > 0)
		sqlite3_bind_int64(stmt, 1, id);
	else
		sqlite3_bind_null(stmt, 1);
	sqlite3_bind_text(stmt, 2, provider, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 3, provider_msgid);
	sqlite3_bind_int(stmt, 4, part);
	sqlite3_bind_text(stmt, 5, state_name(state), -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 6, detail);
	sqlite3_bind_int64(stmt, 7, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/* The provider that sent message `id`; FP_ENOTFOUND if none. */
static enum fp_err
message_provider(struct store *st, int64_t id, char *provider, size_t len)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT provider FROM sms_out WHERE id = ?1",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		snprintf(provider, len, "%s",
		    (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		return FP_OK;
	return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
}

enum fp_err
dlr_apply_kannel(struct store *st, int64_t id, const char *part_id,
    enum dlr_state state, const char *detail, int64_t now)
{
	char provider[64];
	enum fp_err err;

	err = message_provider(st, id, provider, sizeof(provider));
	if (err != FP_OK)
		return err;
	/* Kannel asks the SMSC for a report on the first part only, even
	 * when it splits a message: a Kannel report speaks for all of it. */
	err = record(st, id, provider, part_id, 0, state, detail, now);
	if (err != FP_OK)
		return err;
	return outbox_dlr_aggregate(st, id, now);
}

enum fp_err
dlr_apply_generic(struct store *st, const char *provider_msgid,
    enum dlr_state state, const char *detail, int64_t now)
{
	char provider[64] = "";
	sqlite3_stmt *stmt;
	enum fp_err err;
	int64_t id = 0, in_flight = 0;
	int rc;

	err = store_stmt(st, "SELECT id, provider FROM sms_out WHERE "
	    "provider_msgid = ?1 ORDER BY id DESC LIMIT 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, provider_msgid, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		snprintf(provider, sizeof(provider), "%s",
		    (const char *)sqlite3_column_text(stmt, 1));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(rc);
	if (id > 0) {
		err = record(st, id, provider, provider_msgid, 0, state,
		    detail, now);
		return err == FP_OK ? outbox_dlr_aggregate(st, id, now) : err;
	}
	/* Faster than the submit answer?  Only while a submit is open. */
	err = store_stmt(st, "SELECT EXISTS (SELECT 1 FROM sms_out WHERE "
	    "status = 'sending')", &stmt);
	if (err != FP_OK)
		return err;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		in_flight = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (in_flight == 0)
		return FP_ENOTFOUND;
	/* Early reports that never found their message do not pile up. */
	err = store_stmt(st, "DELETE FROM dlr WHERE message_id IS NULL AND "
	    "received_at < ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, now - DLR_EARLY_KEEP_S);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	return record(st, 0, "", provider_msgid, 0, state, detail, now);
}

/* A part recorded by dlr_link_part: its message and number. */
static enum fp_err
find_link_part(struct store *st, const char *provider, const char *msgid,
    int64_t *message_id, int *part)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT message_id, part FROM dlr WHERE "
	    "provider = ?1 AND provider_msgid = ?2 AND message_id IS NOT NULL "
	    "AND part > 0 LIMIT 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, msgid, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*message_id = sqlite3_column_int64(stmt, 0);
		*part = sqlite3_column_int(stmt, 1);
	}
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		return FP_OK;
	return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
}

/* The message whose provider id (of `provider`) is msgid. */
static enum fp_err
find_whole(struct store *st, const char *provider, const char *msgid,
    int64_t *message_id)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT id FROM sms_out WHERE provider_msgid = ?1 "
	    "AND provider = ?2", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, msgid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, provider, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*message_id = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		return FP_OK;
	return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
}

enum fp_err
dlr_apply_link(struct store *st, const char *provider, const char *msgid,
    int64_t message_id, int part, enum dlr_state state, const char *detail,
    int64_t now)
{
	char sent_by[64];
	enum fp_err err;

	if (message_id <= 0) {
		part = 0;
		err = find_link_part(st, provider, msgid, &message_id, &part);
		if (err == FP_ENOTFOUND)
			err = find_whole(st, provider, msgid, &message_id);
		if (err == FP_ENOTFOUND)
			return dlr_apply_generic(st, msgid, state, detail, now);
		if (err != FP_OK)
			return err;
	}
	err = message_provider(st, message_id, sent_by, sizeof(sent_by));
	if (err != FP_OK)
		return err;
	err = record(st, message_id, provider, msgid, part < 0 ? 0 : part,
	    state, detail, now);
	if (err != FP_OK)
		return err;
	return outbox_dlr_aggregate(st, message_id, now);
}

enum fp_err
dlr_link_part(struct store *st, const char *provider, int64_t message_id,
    int part, const char *msgid, int64_t now)
{
	char sent_by[64];
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (part < 1)
		return FP_EINVAL;
	err = message_provider(st, message_id, sent_by, sizeof(sent_by));
	if (err != FP_OK)
		return err;
	err = record(st, message_id, provider, msgid, part, DLR_SENT,
	    "accepted", now);
	if (err != FP_OK)
		return err;
	/* An early report for this part: now it has its message. */
	err = store_stmt(st, "UPDATE dlr SET message_id = ?1, provider = ?2, "
	    "part = ?3 WHERE provider = '' AND message_id IS NULL AND "
	    "provider_msgid = ?4", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, message_id);
	sqlite3_bind_text(stmt, 2, provider, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, part);
	sqlite3_bind_text(stmt, 4, msgid, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	if (sqlite3_changes(store_db(st)) == 0)
		return FP_OK;
	return outbox_dlr_aggregate(st, message_id, now);
}

enum fp_err
dlr_apply_provider(struct store *st, const char *provider, const char *msgid,
    const char *msisdn, int64_t out_id, enum dlr_state state,
    const char *detail, int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int64_t id = 0, sending = 0;
	bool same_number = false;
	int rc;

	err = store_stmt(st, "SELECT id, msisdn = ?3 FROM sms_out WHERE "
	    "provider_msgid = ?1 AND provider = ?2", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, msgid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, msisdn, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		same_number = sqlite3_column_int(stmt, 1) != 0;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(rc);
	if (id > 0) {
		if (!same_number || (out_id > 0 && out_id != id))
			return FP_EREJECT;
		err = record(st, id, provider, msgid, 0, state, detail, now);
		return err == FP_OK ? outbox_dlr_aggregate(st, id, now) : err;
	}
	/* Faster than the submit answer?  Only while one is open; no
	 * early row is kept (another provider's message could take it):
	 * the cloud pushes again. */
	err = store_stmt(st, "SELECT EXISTS (SELECT 1 FROM sms_out WHERE "
	    "provider = ?1 AND status = 'sending')", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, provider, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		sending = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return sending != 0 ? FP_EBUSY : FP_ENOTFOUND;
}
