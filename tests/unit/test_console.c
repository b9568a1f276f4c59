/*
 * test_console.c: the console's users and sessions (SPEC 10) on a
 * migrated :memory: store, with time driven by the caller's `now`:
 * Argon2id hashes, the name/area/password rules, sign-in checks (wrong,
 * unknown and disabled answer alike), sessions kept as a hash only,
 * idle and absolute expiry, a new password or a disabled user ending
 * sessions, the derived CSRF token, and the lockout after 5 failures
 * per name and per client, and its end by an admin's unlock; the users
 * page (scope, paging, last sign-in, lockout).  Over HTTP:
 * tests/integration/test_console_auth.c and test_console_users.c.
 */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_session.h"
#include "console_user.h"
#include "hex.h"
#include "migrate.h"
#include "sha256.h"
#include "store.h"
#include "testutil.h"

#define IDLE	1800
#define PW	"correct horse 电池"

static struct store *st;
/* One hash for the suite: each costs 64 MiB and a tenth of a second. */
static char pw_hash[CONSOLE_HASH_MAX];

/* Unchecked: once, before the tests are forked. */
static void
hash_once(void)
{
	if (pw_hash[0] == '\0' && console_password_hash(PW, pw_hash) != FP_OK)
		abort();
}

static void
setup(void)
{
	ck_assert_int_eq(store_open(":memory:", STORE_DURABILITY_NORMAL, &st),
	    FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL), FP_OK);
}

/* Whether b[0..n) holds the n2 bytes of s. */
static bool
has_bytes(const void *b, size_t n, const char *s, size_t n2)
{
	size_t i;

	for (i = 0; b != NULL && i + n2 <= n; i++)
		if (memcmp((const char *)b + i, s, n2) == 0)
			return true;
	return false;
}

static void
teardown(void)
{
	store_close(st);
}

static void
add_user(const char *name, enum cfg_role role, const char *area)
{
	struct console_user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	u.role = role;
	snprintf(u.area, sizeof(u.area), "%s", area);
	ck_assert_int_eq(console_user_insert(st, &u, pw_hash, "test", TU_T0),
	    FP_OK);
}

static long long
count(const char *sql)
{
	return tu_query_int(store_db(st), sql, 0);
}

START_TEST(the_password_hash_is_argon2id)
{
	char h2[CONSOLE_HASH_MAX];

	ck_assert_int_eq(strncmp(pw_hash, "$argon2id$v=19$", 15), 0);
	ck_assert_int_eq(crypto_pwhash_str_verify(pw_hash, PW, strlen(PW)), 0);
	ck_assert_int_ne(crypto_pwhash_str_verify(pw_hash, "correct horse",
	    13), 0);
	ck_assert_ptr_null(strstr(pw_hash, PW));
	add_user("clerk", CFG_ROLE_OFFICE, "5134");
	ck_assert_int_eq(count("SELECT count(*) FROM console_users WHERE "
	    "password_hash LIKE '$argon2id$%'"), 1);
	/* Not a hash (a password given where a hash goes): refused. */
	ck_assert_int_eq(console_user_set_password(st, "clerk", PW, "test",
	    TU_T0), FP_EINVAL);
	/* Salted: the same password hashes differently. */
	ck_assert_int_eq(console_password_hash(PW, h2), FP_OK);
	ck_assert_str_ne(h2, pw_hash);
}
END_TEST

START_TEST(names_areas_and_passwords_follow_the_rules)
{
	char h[CONSOLE_HASH_MAX];
	enum cfg_role role;

	ck_assert_ptr_null(console_user_name_check("wang.li-2"));
	ck_assert_ptr_null(console_user_name_check("7office"));
	ck_assert_ptr_nonnull(console_user_name_check(""));
	ck_assert_ptr_nonnull(console_user_name_check("Wang"));
	ck_assert_ptr_nonnull(console_user_name_check(".hidden"));
	ck_assert_ptr_nonnull(console_user_name_check("a b"));
	ck_assert_ptr_nonnull(console_user_name_check("王"));
	ck_assert_ptr_nonnull(console_user_name_check(
	    "a12345678901234567890123456789012345678901234567890123456789012345"));
	ck_assert_ptr_null(console_user_area_check(""));
	ck_assert_ptr_null(console_user_area_check("5134"));
	ck_assert_ptr_nonnull(console_user_area_check("5"));
	ck_assert_ptr_nonnull(console_user_area_check("51x4"));
	ck_assert_ptr_nonnull(console_user_area_check("5134311002011"));
	ck_assert_ptr_null(console_password_check("0123456789"));
	ck_assert_ptr_null(console_password_check("扶贫办公室的密码很长"));
	ck_assert_ptr_nonnull(console_password_check("012345678"));
	/* Nine characters in 27 bytes: characters count, not bytes. */
	ck_assert_ptr_nonnull(console_password_check("扶贫办公室的密码长"));
	ck_assert_ptr_nonnull(console_password_check("0123456789\n"));
	ck_assert_ptr_nonnull(console_password_check("0123456789\xff"));
	ck_assert_int_eq(console_password_hash("short", h), FP_EINVAL);
	ck_assert(console_role_parse("viewer", &role));
	ck_assert_int_eq(role, CFG_ROLE_VIEWER);
	ck_assert(!console_role_parse("root", &role));
	ck_assert(!console_role_parse("Admin", &role));
}
END_TEST

START_TEST(a_name_is_taken_once)
{
	struct console_user u;

	add_user("clerk", CFG_ROLE_OFFICE, "5134");
	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "clerk");
	u.role = CFG_ROLE_ADMIN;
	ck_assert_int_eq(console_user_insert(st, &u, pw_hash, "test", TU_T0),
	    FP_EDUP);
	ck_assert_int_eq(console_user_get(st, "clerk", &u), FP_OK);
	ck_assert_int_eq(u.role, CFG_ROLE_OFFICE);
	ck_assert_str_eq(u.area, "5134");
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'user.add' AND target = 'clerk' AND actor = 'test'"), 1);
	snprintf(u.name, sizeof(u.name), "Bad Name");
	ck_assert_int_eq(console_user_insert(st, &u, pw_hash, "test", TU_T0),
	    FP_EINVAL);
}
END_TEST

START_TEST(wrong_unknown_and_disabled_are_refused_alike)
{
	struct console_user u;

	add_user("clerk", CFG_ROLE_OFFICE, "5134");
	ck_assert_int_eq(console_user_authenticate(st, "clerk", PW, &u),
	    FP_OK);
	ck_assert_str_eq(u.name, "clerk");
	ck_assert_int_eq(u.role, CFG_ROLE_OFFICE);
	ck_assert_int_eq(console_user_authenticate(st, "clerk", "wrong "
	    "password", &u), FP_EREJECT);
	ck_assert_int_eq(console_user_authenticate(st, "nobody", PW, &u),
	    FP_EREJECT);
	ck_assert_int_eq(console_user_authenticate(st, "Not A Name", PW, &u),
	    FP_EREJECT);
	ck_assert_int_eq(console_user_authenticate(st, "clerk", "", &u),
	    FP_EREJECT);
	ck_assert_int_eq(console_user_set_disabled(st, "clerk", true, "test",
	    TU_T0), FP_OK);
	ck_assert_int_eq(console_user_authenticate(st, "clerk", PW, &u),
	    FP_EREJECT);
	ck_assert_int_eq(console_user_set_disabled(st, "clerk", false, "test",
	    TU_T0), FP_OK);
	ck_assert_int_eq(console_user_authenticate(st, "clerk", PW, &u),
	    FP_OK);
	ck_assert_int_eq(console_user_set_disabled(st, "nobody", true, "test",
	    TU_T0), FP_ENOTFOUND);
}
END_TEST

START_TEST(the_session_token_is_not_stored_in_clear)
{
	char token[CONSOLE_TOKEN_HEX + 1], hex[65];
	uint8_t h[SHA256_LEN];
	sqlite3_stmt *stmt;
	struct console_session s;

	add_user("clerk", CFG_ROLE_OFFICE, "5134");
	ck_assert_int_eq(console_session_create(st, "clerk", TU_T0, IDLE,
	    token), FP_OK);
	ck_assert_uint_eq(strlen(token), CONSOLE_TOKEN_HEX);
	/* Nowhere in any column of the table, in any form. */
	ck_assert_int_eq(sqlite3_prepare_v2(store_db(st), "SELECT * FROM "
	    "console_sessions", -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	for (int c = 0; c < sqlite3_column_count(stmt); c++) {
		const void *b = sqlite3_column_blob(stmt, c);
		int n = sqlite3_column_bytes(stmt, c);

		ck_assert(!has_bytes(b, (size_t)n, token, 16));
	}
	sqlite3_finalize(stmt);
	/* Its SHA-256 is. */
	sha256(token, strlen(token), h);
	hex_encode(h, sizeof(h), hex);
	hex[64] = '\0';
	ck_assert_str_eq(tu_query_text(store_db(st), "SELECT lower(hex("
	    "token_hash)) FROM console_sessions", 0), hex);
	ck_assert_int_eq(console_session_find(st, token, TU_T0, IDLE, &s),
	    FP_OK);
	ck_assert_str_eq(s.user.name, "clerk");
	ck_assert_str_eq(s.user.area, "5134");
	/* The stored hash is not a token. */
	ck_assert_int_eq(console_session_find(st, hex, TU_T0, IDLE, &s),
	    FP_ENOTFOUND);
	ck_assert_int_eq(console_session_find(st, "abc", TU_T0, IDLE, &s),
	    FP_ENOTFOUND);
	ck_assert_int_eq(console_session_find(st, NULL, TU_T0, IDLE, &s),
	    FP_ENOTFOUND);
}
END_TEST

START_TEST(a_session_ends_after_session_idle_without_a_request)
{
	char token[CONSOLE_TOKEN_HEX + 1];
	struct console_session s;

	add_user("clerk", CFG_ROLE_VIEWER, "");
	ck_assert_int_eq(console_session_create(st, "clerk", TU_T0, IDLE,
	    token), FP_OK);
	ck_assert_int_eq(console_session_find(st, token, TU_T0 + IDLE - 1,
	    IDLE, &s), FP_OK);
	ck_assert_int_eq(console_session_find(st, token, TU_T0 + IDLE, IDLE,
	    &s), FP_ENOTFOUND);
	/* A request refreshes it: counted from the last one. */
	ck_assert_int_eq(console_session_find(st, token, TU_T0 + 1000, IDLE,
	    &s), FP_OK);
	ck_assert(console_session_is_stale(&s, TU_T0 + 1000));
	ck_assert_int_eq(console_session_touch(st, s.token_hash, TU_T0 + 1000),
	    FP_OK);
	ck_assert_int_eq(console_session_find(st, token, TU_T0 + 1000 + IDLE -
	    1, IDLE, &s), FP_OK);
	ck_assert_int_eq(console_session_find(st, token, TU_T0 + 1000 + IDLE,
	    IDLE, &s), FP_ENOTFOUND);
	/* Refreshed at most once a minute. */
	ck_assert_int_eq(console_session_find(st, token, TU_T0 + 1030, IDLE,
	    &s), FP_OK);
	ck_assert(!console_session_is_stale(&s, TU_T0 + 1030));
	ck_assert(console_session_is_stale(&s, TU_T0 + 1000 +
	    CONSOLE_TOUCH_S));
}
END_TEST

START_TEST(a_session_ends_after_12_hours_whatever_the_activity)
{
	char token[CONSOLE_TOKEN_HEX + 1];
	struct console_session s;
	int64_t t;

	add_user("clerk", CFG_ROLE_VIEWER, "");
	ck_assert_int_eq(console_session_create(st, "clerk", TU_T0, IDLE,
	    token), FP_OK);
	for (t = TU_T0 + 600; t < TU_T0 + CONSOLE_SESSION_MAX_S; t += 600) {
		ck_assert_int_eq(console_session_find(st, token, t, IDLE, &s),
		    FP_OK);
		ck_assert_int_eq(console_session_touch(st, s.token_hash, t),
		    FP_OK);
	}
	ck_assert_int_eq(console_session_find(st, token, TU_T0 +
	    CONSOLE_SESSION_MAX_S - 1, IDLE, &s), FP_OK);
	ck_assert_int_eq(console_session_find(st, token, TU_T0 +
	    CONSOLE_SESSION_MAX_S, IDLE, &s), FP_ENOTFOUND);
	/* The next sign-in prunes it. */
	ck_assert_int_eq(console_session_create(st, "clerk", TU_T0 +
	    CONSOLE_SESSION_MAX_S, IDLE, token), FP_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM console_sessions"), 1);
}
END_TEST

START_TEST(disabling_a_user_or_a_new_password_ends_its_sessions)
{
	char a[CONSOLE_TOKEN_HEX + 1], b[CONSOLE_TOKEN_HEX + 1];
	char o[CONSOLE_TOKEN_HEX + 1];
	struct console_session s;

	add_user("clerk", CFG_ROLE_OFFICE, "5134");
	add_user("other", CFG_ROLE_OFFICE, "5133");
	ck_assert_int_eq(console_session_create(st, "clerk", TU_T0, IDLE, a),
	    FP_OK);
	ck_assert_int_eq(console_session_create(st, "clerk", TU_T0, IDLE, b),
	    FP_OK);
	ck_assert_int_eq(console_session_create(st, "other", TU_T0, IDLE, o),
	    FP_OK);
	ck_assert_int_eq(console_user_set_disabled(st, "clerk", true, "test",
	    TU_T0 + 5), FP_OK);
	ck_assert_int_eq(console_session_find(st, a, TU_T0 + 6, IDLE, &s),
	    FP_ENOTFOUND);
	ck_assert_int_eq(console_session_find(st, b, TU_T0 + 6, IDLE, &s),
	    FP_ENOTFOUND);
	ck_assert_int_eq(count("SELECT count(*) FROM console_sessions WHERE "
	    "user_name = 'clerk'"), 0);
	ck_assert_int_eq(console_session_find(st, o, TU_T0 + 6, IDLE, &s),
	    FP_OK);
	ck_assert_int_eq(console_user_set_password(st, "other", pw_hash,
	    "test", TU_T0 + 7), FP_OK);
	ck_assert_int_eq(console_session_find(st, o, TU_T0 + 8, IDLE, &s),
	    FP_ENOTFOUND);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action IN "
	    "('user.disable', 'user.passwd')"), 2);
	ck_assert_int_eq(console_user_set_password(st, "nobody", pw_hash,
	    "test", TU_T0), FP_ENOTFOUND);
}
END_TEST

START_TEST(logout_ends_one_session)
{
	char a[CONSOLE_TOKEN_HEX + 1], b[CONSOLE_TOKEN_HEX + 1];
	struct console_session s;

	add_user("clerk", CFG_ROLE_OFFICE, "5134");
	ck_assert_int_eq(console_session_create(st, "clerk", TU_T0, IDLE, a),
	    FP_OK);
	ck_assert_int_eq(console_session_create(st, "clerk", TU_T0, IDLE, b),
	    FP_OK);
	ck_assert_int_eq(console_session_find(st, a, TU_T0, IDLE, &s), FP_OK);
	ck_assert_int_eq(console_session_end(st, s.token_hash), FP_OK);
	ck_assert_int_eq(console_session_find(st, a, TU_T0, IDLE, &s),
	    FP_ENOTFOUND);
	ck_assert_int_eq(console_session_find(st, b, TU_T0, IDLE, &s), FP_OK);
}
END_TEST

START_TEST(the_csrf_token_is_the_sessions_own)
{
	char a[CONSOLE_TOKEN_HEX + 1], b[CONSOLE_TOKEN_HEX + 1];
	char csrf[CONSOLE_TOKEN_HEX + 1];
	struct console_session s, s2;

	add_user("clerk", CFG_ROLE_OFFICE, "5134");
	ck_assert_int_eq(console_session_create(st, "clerk", TU_T0, IDLE, a),
	    FP_OK);
	ck_assert_int_eq(console_session_create(st, "clerk", TU_T0, IDLE, b),
	    FP_OK);
	ck_assert_int_eq(console_session_find(st, a, TU_T0, IDLE, &s), FP_OK);
	ck_assert_int_eq(console_session_find(st, b, TU_T0, IDLE, &s2),
	    FP_OK);
	console_session_csrf(a, csrf);
	ck_assert_str_eq(s.csrf, csrf);
	ck_assert_str_ne(s.csrf, s2.csrf);
	ck_assert_str_ne(s.csrf, a);
	ck_assert(console_csrf_matches(&s, csrf));
	ck_assert(!console_csrf_matches(&s, s2.csrf));
	ck_assert(!console_csrf_matches(&s, NULL));
	ck_assert(!console_csrf_matches(&s, ""));
	csrf[63] = '\0';
	ck_assert(!console_csrf_matches(&s, csrf));
	ck_assert(!console_csrf_matches(&s, a));
}
END_TEST

static bool
locked(const char *name, const char *client, int64_t now)
{
	bool is_locked = true;

	ck_assert_int_eq(console_login_locked(st, name, client, now,
	    &is_locked, NULL), FP_OK);
	return is_locked;
}

START_TEST(five_failures_for_a_name_lock_it_for_15_minutes)
{
	bool is_locked = false;
	int64_t until = 0;
	int i;

	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(console_login_failed(st, "clerk", "10.0.0.1",
		    TU_T0 + i * 100, &is_locked), FP_OK);
		ck_assert(!is_locked);
		ck_assert(!locked("clerk", "10.0.0.9", TU_T0 + i * 100));
	}
	/* The fifth, from another client, within 15 minutes of the first. */
	ck_assert_int_eq(console_login_failed(st, "clerk", "10.0.0.2",
	    TU_T0 + 899, &is_locked), FP_OK);
	ck_assert(is_locked);
	ck_assert(locked("clerk", "10.0.0.9", TU_T0 + 899));
	ck_assert_int_eq(console_login_locked(st, "clerk", "x", TU_T0 + 900,
	    &is_locked, &until), FP_OK);
	ck_assert_int_eq(until, TU_T0 + 899 + CONSOLE_LOCK_S);
	ck_assert(locked("clerk", "10.0.0.9", TU_T0 + 899 + 899));
	ck_assert(!locked("clerk", "10.0.0.9", TU_T0 + 899 + 900));
	/* Other names from those clients are not locked. */
	ck_assert(!locked("other", "10.0.0.1", TU_T0 + 899));
}
END_TEST

START_TEST(five_failures_from_a_client_lock_it_for_15_minutes)
{
	static const char *const names[] = { "a1", "b2", "c3", "d4", "e5" };
	bool is_locked = false;
	int i;

	for (i = 0; i < 5; i++)
		ck_assert_int_eq(console_login_failed(st, names[i], "10.0.0.7",
		    TU_T0 + i, &is_locked), FP_OK);
	ck_assert(is_locked);
	ck_assert(locked("clerk", "10.0.0.7", TU_T0 + 10));
	ck_assert(!locked("clerk", "10.0.0.8", TU_T0 + 10));
	ck_assert(!locked("a1", "10.0.0.8", TU_T0 + 10));
	ck_assert(!locked("clerk", "10.0.0.7", TU_T0 + 4 + CONSOLE_LOCK_S));
}
END_TEST

START_TEST(failures_older_than_15_minutes_do_not_count)
{
	bool is_locked = false;
	int i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(console_login_failed(st, "clerk", "10.0.0.1",
		    TU_T0 + i, &is_locked), FP_OK);
	/* The first four are more than 15 minutes old: 1 in the window. */
	ck_assert_int_eq(console_login_failed(st, "clerk", "10.0.0.1",
	    TU_T0 + 3 + CONSOLE_LOCK_WINDOW_S, &is_locked), FP_OK);
	ck_assert(!is_locked);
	ck_assert_int_eq(count("SELECT count(*) FROM console_login_failures"),
	    1);
	ck_assert(!locked("clerk", "10.0.0.1", TU_T0 + 3 +
	    CONSOLE_LOCK_WINDOW_S));
}
END_TEST

START_TEST(an_unlock_forgets_the_names_failures_and_its_own_clients)
{
	bool is_locked = false, was = false;
	int i, clients = -1;

	/* A clerk's typos from the office's address: name and client. */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(console_login_failed(st, "clerk", "10.0.0.1",
		    TU_T0 + i, &is_locked), FP_OK);
	ck_assert(is_locked);
	ck_assert(locked("clerk", "10.0.0.9", TU_T0 + 10));
	ck_assert(locked("boss", "10.0.0.1", TU_T0 + 10));
	ck_assert_int_eq(console_login_unlock(st, "clerk", "user:admin",
	    TU_T0 + 10, &was, &clients), FP_OK);
	ck_assert(was);
	ck_assert_int_eq(clients, 1);
	ck_assert(!locked("clerk", "10.0.0.1", TU_T0 + 10));
	ck_assert(!locked("boss", "10.0.0.1", TU_T0 + 10));
	ck_assert_int_eq(count("SELECT count(*) FROM console_login_failures"),
	    0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = "
	    "'user.unlock' AND actor = 'user:admin' AND target = 'clerk' AND "
	    "detail = 'was_locked=yes clients=1'"), 1);
	/* Forgotten: one more failure does not lock it again. */
	ck_assert_int_eq(console_login_failed(st, "clerk", "10.0.0.1",
	    TU_T0 + 11, &is_locked), FP_OK);
	ck_assert(!is_locked);

	/* A guesser's client (other names too) stays locked. */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(console_login_failed(st, i == 0 ? "clerk" :
		    "guess", "10.0.0.7", TU_T0 + 20 + i, &is_locked), FP_OK);
	ck_assert(is_locked);	/* 10.0.0.7: clerk once, guess 4 times */
	ck_assert(locked("x", "10.0.0.7", TU_T0 + 31));
	ck_assert_int_eq(console_login_unlock(st, "clerk", "user:admin",
	    TU_T0 + 31, &was, &clients), FP_OK);
	ck_assert_int_eq(clients, 0);
	ck_assert(locked("x", "10.0.0.7", TU_T0 + 31));
	/* A name never locked: nothing to lift, still audited. */
	ck_assert_int_eq(console_login_unlock(st, "nobody", "fupinctl",
	    TU_T0 + 32, &was, &clients), FP_OK);
	ck_assert(!was);
	ck_assert_int_eq(clients, 0);
}
END_TEST

START_TEST(the_user_page_is_scoped_paged_and_says_when_it_signed_in)
{
	struct json_object *o = NULL, *v;
	char token[CONSOLE_TOKEN_HEX + 1];
	bool is_locked = false;
	int i;

	add_user("admin", CFG_ROLE_ADMIN, "");
	add_user("ls1", CFG_ROLE_OFFICE, "5134");
	add_user("ls2", CFG_ROLE_VIEWER, "513431");
	add_user("gz1", CFG_ROLE_OFFICE, "5133");
	ck_assert_int_eq(console_session_create(st, "ls1", TU_T0 + 60, IDLE,
	    token), FP_OK);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(console_login_failed(st, "ls2", "10.0.0.1",
		    TU_T0 + 70 + i, &is_locked), FP_OK);
	ck_assert_int_eq(console_user_page(st, "", "", 2, TU_T0 + 80, &o),
	    FP_OK);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(o,
	    "items")), 2);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o,
	    "next")), "gz1");
	json_object_put(o);
	ck_assert_int_eq(console_user_page(st, "5134", "", 50, TU_T0 + 80, &o),
	    FP_OK);
	v = json_object_object_get(o, "items");
	ck_assert_int_eq(json_object_array_length(v), 2);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(v, 0), "name")), "ls1");
	ck_assert_ptr_nonnull(json_object_object_get(json_object_array_get_idx(
	    v, 0), "last_login_at"));
	ck_assert_ptr_null(json_object_object_get(json_object_array_get_idx(v,
	    0), "locked_until"));
	ck_assert_ptr_null(json_object_object_get(json_object_array_get_idx(v,
	    1), "last_login_at"));
	ck_assert_ptr_nonnull(json_object_object_get(json_object_array_get_idx(
	    v, 1), "locked_until"));
	ck_assert_ptr_null(strstr(json_object_to_json_string(o), "argon2"));
	ck_assert_ptr_null(json_object_object_get(o, "next"));
	json_object_put(o);
	ck_assert_int_eq(count("SELECT last_login_at FROM console_users WHERE "
	    "name = 'ls1'"), TU_T0 + 60);
}
END_TEST

Suite *
console_suite(void)
{
	Suite *s = suite_create("console");
	TCase *tc = tcase_create("users");

	tcase_add_unchecked_fixture(tc, hash_once, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_password_hash_is_argon2id);
	tcase_add_test(tc, names_areas_and_passwords_follow_the_rules);
	tcase_add_test(tc, a_name_is_taken_once);
	tcase_add_test(tc, wrong_unknown_and_disabled_are_refused_alike);
	suite_add_tcase(s, tc);
	tc = tcase_create("sessions");
	tcase_add_unchecked_fixture(tc, hash_once, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_session_token_is_not_stored_in_clear);
	tcase_add_test(tc, a_session_ends_after_session_idle_without_a_request);
	tcase_add_test(tc, a_session_ends_after_12_hours_whatever_the_activity);
	tcase_add_test(tc, disabling_a_user_or_a_new_password_ends_its_sessions);
	tcase_add_test(tc, logout_ends_one_session);
	tcase_add_test(tc, the_csrf_token_is_the_sessions_own);
	tcase_add_test(tc, five_failures_for_a_name_lock_it_for_15_minutes);
	tcase_add_test(tc, five_failures_from_a_client_lock_it_for_15_minutes);
	tcase_add_test(tc, failures_older_than_15_minutes_do_not_count);
	tcase_add_test(tc, an_unlock_forgets_the_names_failures_and_its_own_clients);
	tcase_add_test(tc, the_user_page_is_scoped_paged_and_says_when_it_signed_in);
	suite_add_tcase(s, tc);
	return s;
}
