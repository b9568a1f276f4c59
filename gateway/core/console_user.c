/*
 * console_user.c: the console's users and their Argon2id passwords (see
 * console_user.h).  The table is console_users (migration 11).
 */
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "broadcast.h"
#include "console_user.h"
#include "svc.h"

/* At most this many Argon2id checks at once: each holds 64 MiB. */
#define CHECKS_AT_ONCE	2

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static bool has_sodium;
/* A hash of a random password, with the costs of real ones: what an
 * unknown name is checked against (console_user_authenticate). */
static char dummy_hash[CONSOLE_HASH_MAX];
static bool has_dummy;

static pthread_mutex_t checks_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t checks_free = PTHREAD_COND_INITIALIZER;
static int checks_running;

/* Wait for a turn among the CHECKS_AT_ONCE hashes and checks. */
static void
turn_take(void)
{
	pthread_mutex_lock(&checks_lock);
	while (checks_running >= CHECKS_AT_ONCE)
		pthread_cond_wait(&checks_free, &checks_lock);
	checks_running++;
	pthread_mutex_unlock(&checks_lock);
}

static void
turn_give(void)
{
	pthread_mutex_lock(&checks_lock);
	checks_running--;
	pthread_cond_signal(&checks_free);
	pthread_mutex_unlock(&checks_lock);
}

static void
start_sodium(void)
{
	unsigned char pw[32];

	has_sodium = sodium_init() >= 0;
	if (!has_sodium)
		return;
	randombytes_buf(pw, sizeof(pw));
	has_dummy = crypto_pwhash_str(dummy_hash, (const char *)pw,
	    sizeof(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
	sodium_memzero(pw, sizeof(pw));
}

static bool
sodium_ready(void)
{
	pthread_once(&sodium_once, start_sodium);
	return has_sodium && has_dummy;
}

const char *
console_user_name_check(const char *name)
{
	size_t i, n = strlen(name);

	if (n < 1 || n > CONSOLE_NAME_MAX)
		goto bad;
	for (i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || strchr("._-", c) == NULL))
			goto bad;
	}
	return NULL;
bad:
	return "must be 1 to 64 of a-z 0-9 . _ -, starting with a letter or "
	    "a digit";
}

const char *
console_user_area_check(const char *area)
{
	size_t i, n = strlen(area);

	for (i = 0; i < n; i++)
		if (area[i] < '0' || area[i] > '9')
			break;
	if (n != 0 && (n < 2 || n > CONSOLE_AREA_MAX || i != n))
		return "must be \"\" (everywhere) or a region code of 2 to 12 "
		    "digits";
	return NULL;
}

/* Code points of a valid UTF-8 string without control characters, or
 * -1. */
static long
utf8_chars(const unsigned char *s)
{
	long count = 0;

	while (*s != '\0') {
		unsigned c = *s;
		int more, i;
		unsigned long cp;

		if (c < 0x20 || c == 0x7f)
			return -1;
		if (c < 0x80) {
			s++;
			count++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			cp = c & 0x07;
		} else
			return -1;
		for (i = 1; i <= more; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		/* Overlong forms, surrogates, past U+10FFFF. */
		if ((more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 ||
		    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		if (cp >= 0x80 && cp < 0xa0)	/* C1 controls */
			return -1;
		s += more + 1;
		count++;
	}
	return count;
}

const char *
console_password_check(const char *password)
{
	size_t n = strlen(password);
	long chars;

	if (n > CONSOLE_PASSWORD_MAX)
		return "must be at most 1024 bytes";
	chars = utf8_chars((const unsigned char *)password);
	if (chars < 0)
		return "must be UTF-8 text without control characters";
	if (chars < CONSOLE_PASSWORD_MIN)
		return "must be at least 10 characters";
	return NULL;
}

bool
console_role_parse(const char *s, enum cfg_role *role)
{
	static const enum cfg_role roles[] = { CFG_ROLE_ADMIN,
	    CFG_ROLE_OFFICE, CFG_ROLE_VIEWER };
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(s, cfg_role_name(roles[i])) == 0) {
			*role = roles[i];
			return true;
		}
	return false;
}

enum fp_err
console_password_hash(const char *password, char hash[CONSOLE_HASH_MAX])
{
	_Static_assert(CONSOLE_HASH_MAX == crypto_pwhash_STRBYTES,
	    "the hash string's size");
	int rc;

	if (console_password_check(password) != NULL)
		return FP_EINVAL;
	if (!sodium_ready())
		return FP_EIO;
	turn_take();
	rc = crypto_pwhash_str_alg(hash, password, strlen(password),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE,
	    crypto_pwhash_ALG_ARGON2ID13);
	turn_give();
	return rc == 0 ? FP_OK : FP_ENOMEM;
}

static bool
is_argon2id(const char *hash)
{
	return strncmp(hash, "$argon2id$", 10) == 0 &&
	    strlen(hash) < CONSOLE_HASH_MAX;
}

/* End every session of `name` (a new password, disabled). */
static enum fp_err
end_sessions(struct store *st, const char *name)
{
	return store_exec_text(st, "DELETE FROM console_sessions WHERE "
	    "user_name = ?1", name, 0);
}

enum fp_err
console_user_insert(struct store *st, const struct console_user *u,
    const char *hash, const char *actor, int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (console_user_name_check(u->name) != NULL ||
	    console_user_area_check(u->area) != NULL || !is_argon2id(hash))
		return FP_EINVAL;
	err = store_stmt(st, "INSERT INTO console_users(name, role, area, "
	    "password_hash, disabled, created_at, changed_at) VALUES (?1, ?2, "
	    "?3, ?4, 0, ?5, ?5) ON CONFLICT (name) DO NOTHING", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, u->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, cfg_role_name(u->role), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, u->area, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	if (sqlite3_changes(store_db(st)) == 0)
		return FP_EDUP;
	return audit_record(st, now, actor, "user.add", u->name,
	    cfg_role_name(u->role));
}

enum fp_err
console_user_set_password(struct store *st, const char *name,
    const char *hash, const char *actor, int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (!is_argon2id(hash))
		return FP_EINVAL;
	err = store_stmt(st, "UPDATE console_users SET password_hash = ?2, "
	    "changed_at = ?3 WHERE name = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	if (sqlite3_changes(store_db(st)) == 0)
		return FP_ENOTFOUND;
	err = end_sessions(st, name);
	if (err == FP_OK)
		err = audit_record(st, now, actor, "user.passwd", name, NULL);
	return err;
}

enum fp_err
console_user_set_disabled(struct store *st, const char *name,
    bool is_disabled, const char *actor, int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "UPDATE console_users SET disabled = ?2, "
	    "changed_at = ?3 WHERE name = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, is_disabled ? 1 : 0);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	if (sqlite3_changes(store_db(st)) == 0)
		return FP_ENOTFOUND;
	err = is_disabled ? end_sessions(st, name) : FP_OK;
	if (err == FP_OK)
		err = audit_record(st, now, actor, is_disabled ?
		    "user.disable" : "user.enable", name, NULL);
	return err;
}

#define USER_COLUMNS "SELECT name, role, area, disabled, created_at, " \
    "changed_at, password_hash, ifnull(last_login_at, 0) FROM console_users"

/* The current row of a USER_COLUMNS statement into *u. */
static void
read_user(sqlite3_stmt *stmt, struct console_user *u)
{
	const char *role = (const char *)sqlite3_column_text(stmt, 1);

	store_column_copy(stmt, 0, u->name, sizeof(u->name));
	if (role == NULL || !console_role_parse(role, &u->role))
		u->role = CFG_ROLE_VIEWER;
	store_column_copy(stmt, 2, u->area, sizeof(u->area));
	u->is_disabled = sqlite3_column_int(stmt, 3) != 0;
	u->created_at = sqlite3_column_int64(stmt, 4);
	u->changed_at = sqlite3_column_int64(stmt, 5);
	u->last_login_at = sqlite3_column_int64(stmt, 7);
}

/* The user and its hash (hash may be NULL); FP_ENOTFOUND. */
static enum fp_err
load_user(struct store *st, const char *name, struct console_user *u,
    char *hash)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, USER_COLUMNS " WHERE name = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		read_user(stmt, u);
		if (hash != NULL)
			store_column_copy(stmt, 6, hash, CONSOLE_HASH_MAX);
	}
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		return FP_OK;
	return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
}

enum fp_err
console_user_get(struct store *st, const char *name, struct console_user *u)
{
	return load_user(st, name, u, NULL);
}

enum fp_err
console_user_list(struct store *st, struct json_object **out)
{
	sqlite3_stmt *stmt;
	struct json_object *arr;
	enum fp_err err;
	int rc;

	err = store_stmt(st, USER_COLUMNS " ORDER BY name", &stmt);
	if (err != FP_OK)
		return err;
	arr = json_object_new_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct json_object *o = json_object_new_object();
		struct console_user u;

		read_user(stmt, &u);
		json_object_object_add(o, "name", json_object_new_string(
		    u.name));
		json_object_object_add(o, "role", json_object_new_string(
		    cfg_role_name(u.role)));
		json_object_object_add(o, "area", json_object_new_string(
		    u.area));
		json_object_object_add(o, "disabled", json_object_new_boolean(
		    u.is_disabled));
		json_object_object_add(o, "created_at", json_object_new_int64(
		    u.created_at));
		json_object_object_add(o, "changed_at", json_object_new_int64(
		    u.changed_at));
		json_object_object_add(o, "last_login_at", u.last_login_at > 0 ?
		    json_object_new_int64(u.last_login_at) : NULL);
		json_object_array_add(arr, o);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		json_object_put(arr);
		return store_err(rc);
	}
	*out = arr;
	return FP_OK;
}

bool
console_user_in_scope(const struct console_user *u, const char *scope)
{
	size_t n = scope != NULL ? strlen(scope) : 0;

	return n == 0 || (strlen(u->area) >= n && strncmp(u->area, scope, n) ==
	    0);
}

/* USER_COLUMNS without the hash (read_user's order), and the end of
 * the name's lockout at ?4 (0: none). */
#define PAGE_QUERY "SELECT name, role, area, disabled, created_at, " \
    "changed_at, NULL, ifnull(last_login_at, 0), ifnull((SELECT until " \
    "FROM console_lockouts WHERE kind = 'user' AND key = name AND until > " \
    "?4), 0) FROM console_users"

static struct json_object *
page_item(sqlite3_stmt *stmt)
{
	struct json_object *o = json_object_new_object();
	struct console_user u;
	int64_t until = sqlite3_column_int64(stmt, 8);

	read_user(stmt, &u);
	json_object_object_add(o, "name", json_object_new_string(u.name));
	json_object_object_add(o, "role", json_object_new_string(
	    cfg_role_name(u.role)));
	json_object_object_add(o, "area", json_object_new_string(u.area));
	json_object_object_add(o, "disabled", json_object_new_boolean(
	    u.is_disabled));
	json_object_object_add(o, "created_at", svc_time_json(u.created_at));
	json_object_object_add(o, "changed_at", svc_time_json(u.changed_at));
	json_object_object_add(o, "last_login_at",
	    svc_time_json(u.last_login_at));
	json_object_object_add(o, "locked_until", svc_time_json(until));
	return o;
}

/* page_item as svc_page_rows wants it. */
static struct json_object *
user_item(sqlite3_stmt *stmt, void *arg)
{
	(void)arg;
	return page_item(stmt);
}

enum fp_err
console_user_page(struct store *st, const char *scope, const char *after,
    int limit, int64_t now, struct json_object **out)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	/* One more than asked: whether there is a next page.  A scoped
	 * caller's prefix never matches the users of everywhere (""). */
	err = store_stmt(st, PAGE_QUERY " WHERE name > ?1 "
	    "AND (?2 = '' OR substr(area, 1, length(?2)) = ?2) ORDER BY name "
	    "LIMIT ?3 + 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, after != NULL ? after : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, scope != NULL ? scope : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, limit);
	sqlite3_bind_int64(stmt, 4, now);
	return svc_page_rows(stmt, limit, user_item, NULL, out);
}

enum fp_err
console_user_json(struct store *st, const char *name, int64_t now,
    struct json_object **out)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, PAGE_QUERY " WHERE name = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*out = page_item(stmt);
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		return FP_OK;
	return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
}

/* One Argon2id check, waiting for a turn (CHECKS_AT_ONCE). */
static bool
verify(const char *hash, const char *password)
{
	bool ok;

	turn_take();
	ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
	turn_give();
	return ok;
}

enum fp_err
console_user_authenticate(struct store *st, const char *name,
    const char *password, struct console_user *u)
{
	char hash[CONSOLE_HASH_MAX] = "";
	enum fp_err err = FP_ENOTFOUND;
	bool ok;

	if (!sodium_ready())
		return FP_EIO;
	if (console_user_name_check(name) == NULL)
		err = load_user(st, name, u, hash);
	if (err != FP_OK && err != FP_ENOTFOUND)
		return err;
	/* The same work whatever the case: a known user's hash, or the
	 * dummy (an unknown name, an overlong password). */
	if (err != FP_OK || strlen(password) > CONSOLE_PASSWORD_MAX ||
	    !is_argon2id(hash)) {
		verify(dummy_hash, password);
		ok = false;
	} else
		ok = verify(hash, password) && !u->is_disabled;
	sodium_memzero(hash, sizeof(hash));
	return ok ? FP_OK : FP_EREJECT;
}
