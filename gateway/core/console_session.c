/*
 * console_session.c: sessions and sign-in lockouts (see
 * console_session.h).  Tables console_sessions, console_login_failures
 * and console_lockouts (migration 11).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "broadcast.h"
#include "console_session.h"
#include "hex.h"
#include "sha256.h"

void
console_session_hash(const char *token, uint8_t out[32])
{
	sha256(token, strlen(token), out);
}

void
console_session_csrf(const char *token, char out[CONSOLE_TOKEN_HEX + 1])
{
	static const char label[] = "fupin-console-csrf";
	struct hmac_sha256_key k;
	uint8_t mac[SHA256_LEN];

	hmac_sha256_key_init(&k, token, strlen(token));
	hmac_sha256(&k, label, sizeof(label) - 1, mac);
	hex_encode(mac, sizeof(mac), out);
	out[CONSOLE_TOKEN_HEX] = '\0';
	sodium_memzero(&k, sizeof(k));
}

bool
console_csrf_matches(const struct console_session *s, const char *given)
{
	uint8_t a[SHA256_LEN], b[SHA256_LEN];

	if (given == NULL)
		return false;
	/* Both sides hashed first: equal in constant time, and no length
	 * leaks either. */
	sha256(given, strlen(given), a);
	sha256(s->csrf, strlen(s->csrf), b);
	return sha256_equal(a, b, SHA256_LEN);
}

static bool
is_token(const char *token)
{
	size_t i;

	for (i = 0; i < CONSOLE_TOKEN_HEX; i++)
		if (hex_digit(token[i]) < 0)
			return false;
	return token[CONSOLE_TOKEN_HEX] == '\0';
}

/* Delete the sessions no longer alive at now. */
static enum fp_err
prune_sessions(struct store *st, int64_t now, int idle_s)
{
	return store_exec_2(st, "DELETE FROM console_sessions WHERE "
	    "created_at <= ?1 OR last_seen <= ?2", now - CONSOLE_SESSION_MAX_S,
	    now - idle_s);
}

enum fp_err
console_session_create(struct store *st, const char *name, int64_t now,
    int idle_s, char token[CONSOLE_TOKEN_HEX + 1])
{
	uint8_t raw[32], hash[SHA256_LEN];
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (sodium_init() < 0)
		return FP_EIO;
	err = prune_sessions(st, now, idle_s);
	if (err != FP_OK)
		return err;
	randombytes_buf(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), token);
	token[CONSOLE_TOKEN_HEX] = '\0';
	sodium_memzero(raw, sizeof(raw));
	console_session_hash(token, hash);
	err = store_stmt(st, "INSERT INTO console_sessions(token_hash, "
	    "user_name, created_at, last_seen) VALUES (?1, ?2, ?3, ?3)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_blob(stmt, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	return store_exec_text(st, "UPDATE console_users SET last_login_at = "
	    "?2 WHERE name = ?1", name, now);
}

enum fp_err
console_session_find(struct store *st, const char *token, int64_t now,
    int idle_s, struct console_session *s)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	const char *role;
	int rc;

	if (token == NULL || !is_token(token))
		return FP_ENOTFOUND;
	memset(s, 0, sizeof(*s));
	console_session_hash(token, s->token_hash);
	err = store_stmt(st, "SELECT s.created_at, s.last_seen, u.name, "
	    "u.role, u.area FROM console_sessions s JOIN console_users u ON "
	    "u.name = s.user_name WHERE s.token_hash = ?1 AND u.disabled = 0 "
	    "AND s.created_at > ?2 AND s.last_seen > ?3", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_blob(stmt, 1, s->token_hash, sizeof(s->token_hash),
	    SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now - CONSOLE_SESSION_MAX_S);
	sqlite3_bind_int64(stmt, 3, now - idle_s);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		s->created_at = sqlite3_column_int64(stmt, 0);
		s->last_seen = sqlite3_column_int64(stmt, 1);
		store_column_copy(stmt, 2, s->user.name, sizeof(s->user.name));
		role = (const char *)sqlite3_column_text(stmt, 3);
		if (role == NULL || !console_role_parse(role, &s->user.role))
			s->user.role = CFG_ROLE_VIEWER;
		store_column_copy(stmt, 4, s->user.area, sizeof(s->user.area));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
	console_session_csrf(token, s->csrf);
	return FP_OK;
}

bool
console_session_is_stale(const struct console_session *s, int64_t now)
{
	return now - s->last_seen >= CONSOLE_TOUCH_S;
}

enum fp_err
console_session_touch(struct store *st, const uint8_t token_hash[32],
    int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "UPDATE console_sessions SET last_seen = ?2 "
	    "WHERE token_hash = ?1 AND last_seen < ?2", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_blob(stmt, 1, token_hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
console_session_end(struct store *st, const uint8_t token_hash[32])
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "DELETE FROM console_sessions WHERE token_hash = "
	    "?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_blob(stmt, 1, token_hash, 32, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
console_login_locked(struct store *st, const char *name, const char *client,
    int64_t now, bool *is_locked, int64_t *until)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	*is_locked = false;
	err = store_stmt(st, "SELECT max(until) FROM console_lockouts WHERE "
	    "until > ?3 AND ((kind = 'user' AND key = ?1) OR (kind = 'client' "
	    "AND key = ?2))", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, client, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
		*is_locked = true;
		if (until != NULL)
			*until = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/* Lock kind/key out when it has CONSOLE_LOCK_FAILURES in the window. */
static enum fp_err
lock_if_due(struct store *st, const char *kind, const char *key,
    int64_t now, bool *is_locked)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int64_t n;
	int rc;

	/* Two statements rather than one text with the column's name. */
	err = store_stmt(st, strcmp(kind, "user") == 0 ?
	    "SELECT count(*) FROM console_login_failures WHERE user_name = ?1 "
	    "AND at > ?2" :
	    "SELECT count(*) FROM console_login_failures WHERE client = ?1 "
	    "AND at > ?2", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now - CONSOLE_LOCK_WINDOW_S);
	rc = sqlite3_step(stmt);
	n = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return store_err(rc);
	if (n < CONSOLE_LOCK_FAILURES)
		return FP_OK;
	err = store_stmt(st, "INSERT INTO console_lockouts(kind, key, until) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (kind, key) DO UPDATE SET until = "
	    "max(until, excluded.until)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now + CONSOLE_LOCK_S);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	*is_locked = true;
	return FP_OK;
}

enum fp_err
console_login_failed(struct store *st, const char *name, const char *client,
    int64_t now, bool *is_locked)
{
	sqlite3_stmt *stmt;
	bool locked = false;
	enum fp_err err;
	int rc;

	err = store_exec_2(st, "DELETE FROM console_login_failures WHERE "
	    "at <= ?1", now - CONSOLE_LOCK_WINDOW_S, 0);
	if (err == FP_OK)
		err = store_exec_2(st, "DELETE FROM console_lockouts WHERE "
		    "until <= ?1", now, 0);
	if (err == FP_OK)
		err = store_stmt(st, "INSERT INTO console_login_failures(at, "
		    "user_name, client) VALUES (?1, ?2, ?3)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, client, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	err = lock_if_due(st, "user", name, now, &locked);
	if (err == FP_OK)
		err = lock_if_due(st, "client", client, now, &locked);
	if (err == FP_OK && is_locked != NULL)
		*is_locked = locked;
	return err;
}

enum fp_err
console_login_unlock(struct store *st, const char *name, const char *actor,
    int64_t now, bool *was_locked, int *clients)
{
	bool locked = false;
	enum fp_err err;
	char detail[48];
	int lifted = 0;

	err = console_login_locked(st, name, "", now, &locked, NULL);
	if (err != FP_OK)
		return err;
	/* The clients whose every failure in the window was for this name
	 * (a clerk's own typos locked the office's address): unlocked too.
	 * One that also failed for other names (a guesser) stays locked. */
	err = store_exec_text(st, "DELETE FROM console_lockouts WHERE kind = "
	    "'client' AND key IN (SELECT client FROM console_login_failures "
	    "WHERE user_name = ?1) AND NOT EXISTS (SELECT 1 FROM "
	    "console_login_failures f WHERE f.client = console_lockouts.key "
	    "AND f.user_name <> ?1 AND f.at > ?2)", name,
	    now - CONSOLE_LOCK_WINDOW_S);
	if (err != FP_OK)
		return err;
	lifted = sqlite3_changes(store_db(st));
	err = store_exec_text(st, "DELETE FROM console_lockouts WHERE kind = "
	    "'user' AND key = ?1", name, 0);
	if (err == FP_OK)
		err = store_exec_text(st, "DELETE FROM console_login_failures "
		    "WHERE user_name = ?1", name, 0);
	if (err != FP_OK)
		return err;
	if (was_locked != NULL)
		*was_locked = locked;
	if (clients != NULL)
		*clients = lifted;
	snprintf(detail, sizeof(detail), "was_locked=%s clients=%d", locked ?
	    "yes" : "no", lifted);
	return audit_record(st, now, actor, "user.unlock", name, detail);
}
