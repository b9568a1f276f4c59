/*
 * console_user.h: the console's users (SPEC 10): a name, a role and an
 * area prefix as the admin API's tokens have, and an Argon2id hash of
 * the password (libsodium's crypto_pwhash_str, interactive costs: about
 * 64 MiB and a tenth of a second each).  fupinctl user adds and changes
 * them; the gateway's POST /console/login checks a password here.
 * Sessions are console_session.h.
 *
 * Hashing and checking a password are slow on purpose: they are done
 * outside any transaction (console_password_hash before the insert,
 * console_user_authenticate on a read connection), never in a writer job.
 */
#ifndef FP_CONSOLE_USER_H
#define FP_CONSOLE_USER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "err.h"
#include "store.h"

#define CONSOLE_NAME_MAX	64	/* bytes of a user name */
#define CONSOLE_AREA_MAX	12	/* digits of an area prefix */
#define CONSOLE_PASSWORD_MIN	10	/* characters (UTF-8 code points) */
#define CONSOLE_PASSWORD_MAX	1024	/* bytes */
#define CONSOLE_HASH_MAX	128	/* crypto_pwhash_STRBYTES */

struct console_user {
	char		 name[CONSOLE_NAME_MAX + 1];
	enum cfg_role	 role;
	char		 area[CONSOLE_AREA_MAX + 1];	/* "" everywhere */
	bool		 is_disabled;
	int64_t		 created_at;
	int64_t		 changed_at;
	int64_t		 last_login_at;	/* 0: never signed in */
};

/*
 * The rules of a name (1 to 64 of a-z 0-9 . _ -, starting with a letter
 * or a digit), an area ("" or 2 to 12 digits, as api.tokens) and a
 * password (10 to 1024 bytes holding at least 10 characters, valid
 * UTF-8, no control character): NULL when good, else why (static
 * English text, "must be ...").
 */
const char *console_user_name_check(const char *name);
const char *console_user_area_check(const char *area);
const char *console_password_check(const char *password);

/* "admin", "office", "viewer" into *role; false for anything else. */
bool console_role_parse(const char *s, enum cfg_role *role);

/*
 * The Argon2id hash string of `password` into hash (NUL-terminated,
 * "$argon2id$v=19$m=65536,t=2,p=1$...").  Slow (see above).  It waits its
 * turn with the sign-in checks: at most two hashes or checks run at
 * once in the process (each holds 64 MiB).
 * FP_EINVAL: the password breaks console_password_check.
 * FP_ENOMEM: the hash's memory could not be had.  FP_EIO: libsodium
 * could not start.
 */
enum fp_err console_password_hash(const char *password,
    char hash[CONSOLE_HASH_MAX]);

/*
 * A new user u (name, role, area; the times are set to now) with the
 * hash made by console_password_hash.  An audit row (actor, "user.add").
 * FP_EDUP: the name is taken.  FP_EINVAL: a name or area that breaks
 * the rules, or a hash that is not an Argon2id string.
 */
enum fp_err console_user_insert(struct store *st,
    const struct console_user *u, const char *hash, const char *actor,
    int64_t now);

/*
 * A new password hash for `name`; the user's sessions end (whoever had
 * the old password is signed out).  Audited ("user.passwd").
 * FP_ENOTFOUND, FP_EINVAL (not an Argon2id string).
 */
enum fp_err console_user_set_password(struct store *st, const char *name,
    const char *hash, const char *actor, int64_t now);

/*
 * Disable (or enable again) `name`.  Disabling ends every session of
 * the user at once.  Audited ("user.disable", "user.enable").
 * FP_ENOTFOUND.
 */
enum fp_err console_user_set_disabled(struct store *st, const char *name,
    bool is_disabled, const char *actor, int64_t now);

/* The user `name` into *u.  FP_ENOTFOUND. */
enum fp_err console_user_get(struct store *st, const char *name,
    struct console_user *u);

/*
 * Every user by name: a JSON array of {"name","role","area","disabled",
 * "created_at","changed_at","last_login_at"} (times as unix seconds,
 * last_login_at null when never) in *out (caller puts).  Never a hash.
 */
enum fp_err console_user_list(struct store *st, struct json_object **out);

/*
 * GET /api/v1/users: the users whose area is inside `scope` ("" every
 * user; a scoped caller never sees the users of everywhere), by name,
 * those after name `after` ("" from the first), at most `limit`:
 * {"items":[{"name","role","area","disabled","created_at","changed_at",
 * "last_login_at","locked_until"}],"limit","next"} with the times as RFC
 * 3339 (null: never; locked_until null unless the name is locked out at
 * `now`); "next" the name to pass as after, or null.  Never a hash.
 */
enum fp_err console_user_page(struct store *st, const char *scope,
    const char *after, int limit, int64_t now, struct json_object **out);

/* One user as console_user_page lists it, into *out (caller puts).
 * FP_ENOTFOUND. */
enum fp_err console_user_json(struct store *st, const char *name,
    int64_t now, struct json_object **out);

/* Whether user u's area is inside `scope` (a caller's area prefix: ""
 * reaches every user, "5134" the users of 5134 and below, never one of
 * everywhere). */
bool console_user_in_scope(const struct console_user *u, const char *scope);

/*
 * Sign-in check: FP_OK with *u when `name` is a user, not disabled, and
 * `password` matches its hash.  FP_EREJECT otherwise, after the same
 * work: an unknown name (or one that breaks the rules) is checked
 * against a dummy hash of the same costs, and a disabled user's password
 * is checked too, so the answer's time does not tell the cases apart.
 * At most two checks run at once in the process (each holds 64 MiB);
 * more wait their turn.  Reads with st, outside any transaction.
 * FP_EBUSY / FP_EIO: the database could not be read.
 */
enum fp_err console_user_authenticate(struct store *st, const char *name,
    const char *password, struct console_user *u);

#endif
