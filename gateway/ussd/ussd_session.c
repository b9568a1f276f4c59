/*
 * ussd_session.c: menu sessions and the ID-challenge lockout in SQLite
 * (see ussd_session.h).  A session's state is one JSON text: small,
 * versionless (an unreadable state is a new session), never parsed
 * outside this file.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "ussd_session.h"

const char *
ussd_var_get(const struct ussd_state *s, const char *name)
{
	int i;

	for (i = 0; i < s->n_vars; i++)
		if (strcmp(s->vars[i].name, name) == 0)
			return s->vars[i].value;
	return NULL;
}

/* Copy at most size-1 bytes of src, never cutting a UTF-8 character. */
static void
copy_utf8(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
ussd_var_set(struct ussd_state *s, const char *name, const char *value)
{
	int i;

	for (i = 0; i < s->n_vars; i++)
		if (strcmp(s->vars[i].name, name) == 0)
			break;
	if (i == s->n_vars) {
		if (s->n_vars == USSD_VARS_MAX)
			return;		/* the menu declares fewer than this */
		s->n_vars++;
		snprintf(s->vars[i].name, sizeof(s->vars[i].name), "%s", name);
	}
	copy_utf8(s->vars[i].value, sizeof(s->vars[i].value), value);
}

void
ussd_var_unset(struct ussd_state *s, const char *name)
{
	int i;

	for (i = 0; i < s->n_vars; i++)
		if (strcmp(s->vars[i].name, name) == 0) {
			s->vars[i] = s->vars[s->n_vars - 1];
			s->n_vars--;
			return;
		}
}

static void
get_string(struct json_object *o, const char *key, char *dst, size_t size)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string))
		copy_utf8(dst, size, json_object_get_string(v));
}

static int
get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_int))
		return json_object_get_int(v);
	return 0;
}

static void
get_frame(struct json_object *a, struct ussd_frame *f)
{
	struct json_object *s = json_object_array_get_idx(a, 0);
	struct json_object *p = json_object_array_get_idx(a, 1);

	if (s != NULL && json_object_is_type(s, json_type_string))
		copy_utf8(f->screen, sizeof(f->screen),
		    json_object_get_string(s));
	if (p != NULL && json_object_is_type(p, json_type_int))
		f->page = json_object_get_int(p);
}

static bool
state_from_json(const char *text, struct ussd_state *s)
{
	struct json_object *o = json_tokener_parse(text), *a, *v;
	size_t i;

	if (o == NULL)
		return false;
	if (json_object_object_get_ex(o, "at", &a) &&
	    json_object_is_type(a, json_type_array))
		get_frame(a, &s->at);
	if (json_object_object_get_ex(o, "stack", &a) &&
	    json_object_is_type(a, json_type_array))
		for (i = 0; i < json_object_array_length(a) &&
		    i < USSD_STACK_MAX; i++) {
			get_frame(json_object_array_get_idx(a, i),
			    &s->stack[i]);
			s->depth = (int)i + 1;
		}
	if (json_object_object_get_ex(o, "vars", &v) &&
	    json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val)
			if (json_object_is_type(val, json_type_string))
				ussd_var_set(s, key, json_object_get_string(val));
	}
	s->verified = get_int(o, "verified") != 0;
	get_string(o, "household_id", s->household_id,
	    sizeof(s->household_id));
	get_string(o, "member_id", s->member_id, sizeof(s->member_id));
	get_string(o, "path", s->path, sizeof(s->path));
	get_string(o, "screen", s->screen, sizeof(s->screen));
	s->steps = get_int(o, "steps");
	json_object_put(o);
	return s->at.screen[0] != '\0';
}

static void
frame_print(struct strbuf *b, const struct ussd_frame *f)
{
	strbuf_adds(b, "[");
	strbuf_add_json(b, f->screen, SIZE_MAX);
	strbuf_printf(b, ",%d]", f->page);
}

/*
 * The state as state_from_json reads it, written straight into b: a
 * session is saved at every step, and building a json-c tree to print
 * it cost the writer as much as the row's upsert.
 */
static void
state_print(struct strbuf *b, const struct ussd_state *s)
{
	int i;

	strbuf_adds(b, "{\"at\":");
	frame_print(b, &s->at);
	strbuf_adds(b, ",\"stack\":[");
	for (i = 0; i < s->depth; i++) {
		if (i > 0)
			strbuf_adds(b, ",");
		frame_print(b, &s->stack[i]);
	}
	strbuf_adds(b, "],\"vars\":{");
	for (i = 0; i < s->n_vars; i++) {
		if (i > 0)
			strbuf_adds(b, ",");
		strbuf_add_json(b, s->vars[i].name, SIZE_MAX);
		strbuf_adds(b, ":");
		strbuf_add_json(b, s->vars[i].value, SIZE_MAX);
	}
	strbuf_printf(b, "},\"verified\":%d,\"household_id\":",
	    s->verified ? 1 : 0);
	strbuf_add_json(b, s->household_id, SIZE_MAX);
	strbuf_adds(b, ",\"member_id\":");
	strbuf_add_json(b, s->member_id, SIZE_MAX);
	strbuf_adds(b, ",\"path\":");
	strbuf_add_json(b, s->path, SIZE_MAX);
	strbuf_printf(b, ",\"steps\":%d,\"screen\":", s->steps);
	strbuf_add_json(b, s->screen, SIZE_MAX);
	strbuf_adds(b, "}");
}

enum fp_err
ussd_session_load(struct store *st, const char *session_id,
    const char *msisdn, int64_t now, struct ussd_state *s)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;
	bool ok = false;

	err = store_stmt(st, "SELECT channel, state, language, inputs, "
	    "created_at FROM ussd_sessions WHERE session_id = ?1 AND "
	    "msisdn = ?2 AND expires_at > ?3", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, msisdn, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const unsigned char *state = sqlite3_column_text(stmt, 1);

		memset(s, 0, sizeof(*s));
		snprintf(s->session_id, sizeof(s->session_id), "%s",
		    session_id);
		snprintf(s->msisdn, sizeof(s->msisdn), "%s", msisdn);
		store_column_copy(stmt, 0, s->channel, sizeof(s->channel));
		store_column_copy(stmt, 2, s->lang, sizeof(s->lang));
		store_column_copy(stmt, 3, s->inputs, sizeof(s->inputs));
		s->started_at = sqlite3_column_int64(stmt, 4);
		ok = state != NULL && state_from_json((const char *)state, s);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(rc);
	return ok ? FP_OK : FP_ENOTFOUND;
}

enum fp_err
ussd_session_save(struct store *st, const struct ussd_state *s, int64_t now,
    int timeout_s)
{
	struct strbuf b = STRBUF_INIT;
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	state_print(&b, s);
	if (b.failed) {
		strbuf_free(&b);
		return FP_ENOMEM;
	}
	err = store_stmt(st, "INSERT INTO ussd_sessions(session_id, channel, "
	    "msisdn, state, language, household_id, inputs, created_at, "
	    "updated_at, expires_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) "
	    "ON CONFLICT(session_id, msisdn) DO UPDATE SET state = ?4, "
	    "language = ?5, household_id = ?6, inputs = ?7, updated_at = ?9, "
	    "expires_at = ?10", &stmt);
	if (err != FP_OK) {
		strbuf_free(&b);
		return err;
	}
	sqlite3_bind_text(stmt, 1, s->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, s->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, s->msisdn, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, strbuf_str(&b), (int)b.len,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, s->lang, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 6, s->household_id);
	sqlite3_bind_text(stmt, 7, s->inputs, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 8, s->started_at);
	sqlite3_bind_int64(stmt, 9, now);
	sqlite3_bind_int64(stmt, 10, now + timeout_s);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	strbuf_free(&b);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/* Run sql with ?1 session_id and ?2 msisdn. */
static enum fp_err
exec_pair(struct store *st, const char *sql, const char *session_id,
    const char *msisdn)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, sql, &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, msisdn, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
ussd_session_delete(struct store *st, const char *session_id,
    const char *msisdn)
{
	return exec_pair(st, "DELETE FROM ussd_sessions WHERE session_id = ?1 "
	    "AND msisdn = ?2", session_id, msisdn);
}

enum fp_err
ussd_ended_save(struct store *st, const struct ussd_state *s, int64_t now,
    int keep_s)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "INSERT OR REPLACE INTO ussd_ended(session_id, "
	    "msisdn, inputs, screen, ended_at, expires_at) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, s->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, s->msisdn, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, s->inputs, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, s->screen, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, now);
	sqlite3_bind_int64(stmt, 6, now + keep_s);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
ussd_ended_load(struct store *st, const char *session_id, const char *msisdn,
    int64_t now, char *inputs, char **screen)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	*screen = NULL;
	err = store_stmt(st, "SELECT inputs, screen FROM ussd_ended WHERE "
	    "session_id = ?1 AND msisdn = ?2 AND expires_at > ?3", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, msisdn, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(stmt, 1);

		store_column_copy(stmt, 0, inputs, USSD_INPUTS_MAX);
		*screen = strdup(t != NULL ? (const char *)t : "");
	}
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		return *screen != NULL ? FP_OK : FP_ENOMEM;
	return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
}

/* ---- the challenge's lockout ---------------------------------------- */

static const char *
scope_name(enum ussd_lock_scope scope)
{
	return scope == USSD_LOCK_MSISDN ? "msisdn" : "household";
}

enum fp_err
ussd_lock_get(struct store *st, enum ussd_lock_scope scope, const char *key,
    int64_t now, bool *locked)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	*locked = false;
	err = store_stmt(st, "SELECT 1 FROM ussd_challenge_locks WHERE "
	    "scope = ?1 AND key = ?2 AND locked_until > ?3", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, scope_name(scope), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		*locked = true;
	else if (rc != SQLITE_DONE)
		return store_err(rc);
	return FP_OK;
}

/* Failures in (now - window_s, now] by msisdn (?1) or household (?1). */
static enum fp_err
count_failures(struct store *st, enum ussd_lock_scope scope, const char *key,
    int64_t now, int window_s, int *n)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	*n = 0;
	err = store_stmt(st, scope == USSD_LOCK_MSISDN ?
	    "SELECT count(*) FROM ussd_challenge_failures WHERE msisdn = ?1 "
	    "AND at > ?2 AND at <= ?3" :
	    "SELECT count(*) FROM ussd_challenge_failures WHERE household = ?1 "
	    "AND at > ?2 AND at <= ?3", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now - window_s);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? FP_OK : store_err(rc);
}

static enum fp_err
lock(struct store *st, enum ussd_lock_scope scope, const char *key,
    int64_t until)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "INSERT INTO ussd_challenge_locks(scope, key, "
	    "locked_until) VALUES (?1, ?2, ?3) ON CONFLICT(scope, key) DO "
	    "UPDATE SET locked_until = max(locked_until, ?3)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, scope_name(scope), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, until);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
ussd_challenge_fail(struct store *st, const char *msisdn,
    const char *household, int64_t now, int window_s, int msisdn_max,
    int household_max, struct ussd_failures *f)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	memset(f, 0, sizeof(*f));
	err = store_stmt(st, "INSERT INTO ussd_challenge_failures(msisdn, "
	    "household, at) VALUES (?1, ?2, ?3)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, msisdn, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 2, household);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	err = count_failures(st, USSD_LOCK_MSISDN, msisdn, now, window_s,
	    &f->msisdn);
	if (err == FP_OK && f->msisdn >= msisdn_max) {
		f->msisdn_locked = true;
		err = lock(st, USSD_LOCK_MSISDN, msisdn, now + window_s);
	}
	if (err != FP_OK || household == NULL || *household == '\0')
		return err;
	err = count_failures(st, USSD_LOCK_HOUSEHOLD, household, now, window_s,
	    &f->household);
	if (err == FP_OK && f->household >= household_max) {
		f->household_locked = true;
		err = lock(st, USSD_LOCK_HOUSEHOLD, household, now + window_s);
	}
	return err;
}

enum fp_err
ussd_prune(struct store *st, int64_t now, int window_s)
{
	enum fp_err err;

	err = store_exec_2(st, "DELETE FROM ussd_ended WHERE expires_at <= ?1",
	    now, 0);
	if (err == FP_OK)
		err = store_exec_2(st, "DELETE FROM ussd_challenge_failures "
		    "WHERE at <= ?1", now - window_s, 0);
	if (err == FP_OK)
		err = store_exec_2(st, "DELETE FROM ussd_challenge_locks "
		    "WHERE locked_until <= ?1", now, 0);
	return err;
}
