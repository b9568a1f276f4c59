/*
 * console_session.h: the console's signed-in sessions and the lockout
 * of failed sign-ins (SPEC 10).  No HTTP here: the gateway's cookie and
 * CSRF header handling is in gateway/http/http_auth.c, the sign-in
 * routes in gateway/api/api_session.c.
 *
 * A session is 32 random bytes, given to the browser as 64 hex digits
 * (the cookie) and kept in console_sessions only as their SHA-256: a
 * copy of the database signs nobody in.  Its CSRF token is derived from
 * it (HMAC-SHA256 keyed by the session token), so it is not stored
 * either.  Sessions live in the database and outlive a restart.
 *
 * A session ends idle_s after its last request (console.session_idle)
 * and CONSOLE_SESSION_MAX_S after it began whatever the activity, when
 * its user is disabled or given a new password, and at logout.  Every
 * function that decides by time takes `now` from its caller.
 */
#ifndef FP_CONSOLE_SESSION_H
#define FP_CONSOLE_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "console_user.h"
#include "err.h"
#include "store.h"

#define CONSOLE_SESSION_MAX_S	43200	/* 12 h, whatever the activity */
#define CONSOLE_TOKEN_HEX	64	/* hex digits of a session token */
/* A request refreshes a session's last_seen when it is at least this
 * old (a write for every request would be a write per page poll): the
 * idle time is counted from the last request to within a minute. */
#define CONSOLE_TOUCH_S		60
/* SPEC 10: 5 failures for one name or from one client within 15 minutes
 * lock that name or client out for 15 minutes. */
#define CONSOLE_LOCK_FAILURES	5
#define CONSOLE_LOCK_WINDOW_S	900
#define CONSOLE_LOCK_S		900
#define CONSOLE_CLIENT_MAX	64	/* bytes of a client's address */

struct console_session {
	struct console_user	 user;
	uint8_t			 token_hash[32];
	int64_t			 created_at;
	int64_t			 last_seen;
	char			 csrf[CONSOLE_TOKEN_HEX + 1];
};

/*
 * A new session for user `name` at `now`: its token into token (64 hex
 * digits and a NUL), the only copy.  Sessions already over their idle
 * (idle_s) or absolute time are deleted on the way.  The user's
 * last_login_at becomes now.  In a transaction
 * (a writer job).  FP_EIO: no random bytes (libsodium).
 */
enum fp_err console_session_create(struct store *st, const char *name,
    int64_t now, int idle_s, char token[CONSOLE_TOKEN_HEX + 1]);

/*
 * The session whose token is `token` (as the cookie holds it) into *s,
 * with its CSRF token: only while it is alive at `now` (less than idle_s
 * since its last_seen, less than CONSOLE_SESSION_MAX_S since it began)
 * and its user is not disabled.  FP_ENOTFOUND otherwise, also for a
 * token that is not 64 hex digits.
 */
enum fp_err console_session_find(struct store *st, const char *token,
    int64_t now, int idle_s, struct console_session *s);

/* Whether a request at `now` should write s's last_seen (CONSOLE_TOUCH_S). */
bool console_session_is_stale(const struct console_session *s, int64_t now);

/* last_seen = now for the session of token_hash (a writer job). */
enum fp_err console_session_touch(struct store *st,
    const uint8_t token_hash[32], int64_t now);

/* End the session of token_hash (logout).  FP_OK also when none. */
enum fp_err console_session_end(struct store *st,
    const uint8_t token_hash[32]);

/* The SHA-256 of a session token, as stored. */
void console_session_hash(const char *token, uint8_t out[32]);

/* The CSRF token of a session token: 64 hex digits and a NUL. */
void console_session_csrf(const char *token,
    char out[CONSOLE_TOKEN_HEX + 1]);

/*
 * Whether `given` (the X-CSRF-Token header, NULL when absent) is the
 * session's CSRF token, compared in constant time whatever its length.
 */
bool console_csrf_matches(const struct console_session *s,
    const char *given);

/*
 * Is user name `name` or client `client` (an address) locked out at
 * `now`?  *until (may be NULL) the end of the later lockout.
 */
enum fp_err console_login_locked(struct store *st, const char *name,
    const char *client, int64_t now, bool *is_locked, int64_t *until);

/*
 * A failed sign-in of `name` from `client` at `now` (a writer job): the
 * failure is kept CONSOLE_LOCK_WINDOW_S; the CONSOLE_LOCK_FAILURES-th
 * within that window for the name, or for the client, locks it out
 * until now + CONSOLE_LOCK_S (*is_locked, may be NULL, then true).
 * Older failures and ended lockouts are deleted on the way.
 */
enum fp_err console_login_failed(struct store *st, const char *name,
    const char *client, int64_t now, bool *is_locked);

/*
 * Lift the lockout of user name `name` (a writer job, or a transaction):
 * its failed sign-ins are forgotten, its lockout ends, and so does the
 * lockout of each client whose every failure in the window was for this
 * name (a clerk's own typos locked the office's address too, and with it
 * every colleague there); a client that also failed for another name (a
 * guesser trying names) stays locked.  *was_locked (may be NULL): the
 * name was locked out at `now`; *clients (may be NULL): client lockouts
 * lifted.  Audited as actor's "user.unlock" of name.
 */
enum fp_err console_login_unlock(struct store *st, const char *name,
    const char *actor, int64_t now, bool *was_locked, int *clients);

#endif
