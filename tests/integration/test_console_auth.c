/*
 * test_console_auth.c: the console's sign-in, sessions and static files
 * (SPEC 10) against the real gateway on loopback, users made with the
 * real fupinctl: one answer for a wrong password and an unknown name,
 * the cookie's flags, lockout after 5 failures per name and per client,
 * idle and absolute expiry, logout, CSRF on every state-changing
 * request, roles and area scope and audit for users as for tokens, a
 * disabled user, the session token never stored in clear; the static
 * files' headers and every way out of console.dir; fupinctl user.
 * (Expiry by the caller's clock: tests/unit/test_console.c.)
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "console_util.h"
#include "gwtest.h"
#include "testutil.h"

/* sha256("demo-admin-token") */
#define TOKENS "api = { tokens = ( { name = \"ops\"; token_sha256 = " \
	"\"91c16f0d6cc1bec3c3603972182a07c66ff4fa71618a975e963d6dbe42b6dd37\"; " \
	"role = \"admin\"; area = \"\"; } ); };\n"
#define FORM "application/x-www-form-urlencoded"

static struct tg t;
static struct tg_reply r;
static char web[600];

/* fupinctl with this suite's config (cu_ctl). */
static int
ctl(const char *input, const char *args, char **out)
{
	return cu_ctl(&t, input, args, out);
}

static void
write_web(const char *name, const char *text)
{
	char *p = tu_write_file(web, name, text, strlen(text));

	ck_assert_ptr_nonnull(p);
	free(p);
}

/* The config with `extra` (console.dir is the test's own web/). */
static void
configure(const char *extra)
{
	char conf[2048];

	snprintf(conf, sizeof(conf), TOKENS "console = { dir = \"%s\"; "
	    "%s };\n", web, extra != NULL ? extra : "");
	tg_reconfigure(&t, conf);
}

static void
setup_with(const char *http_extra)
{
	tg_init(&t, NULL);
	t.http_extra = http_extra;
	snprintf(web, sizeof(web), "%s/web", t.dir);
	ck_assert_int_eq(mkdir(web, 0755), 0);
	write_web("index.html", "<!doctype html><title>控制台</title>\n");
	write_web("login.html", "<!doctype html><form></form>\n");
	write_web("app.css", "body { color: #222; }\n");
	write_web("app.js", "export const x = 1;\n");
	configure(NULL);
	cu_add_users(&t);
	tg_start(&t);
}

static void
setup(void)
{
	setup_with(NULL);
}

static void
setup_proxy(void)
{
	setup_with("behind_proxy = true;");
}

static void
teardown(void)
{
	tg_cleanup(&t);
}

static long
login_as(const char *name, const char *password, const char *extra)
{
	return cu_login(&t, &r, name, password, extra);
}

/* A request with the session's cookie, and its CSRF header when csrf is
 * not NULL ("" for none). */
static long
as(const struct cu_session *s, const char *method, const char *path,
    const char *json, const char *csrf)
{
	if (csrf == NULL)
		csrf = s->csrf;
	else if (*csrf == '\0')
		csrf = NULL;
	return cu_session_request(&t, &r, s, method, path, json, csrf);
}

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- sign-in ------------------------------------------------------------ */

START_TEST(sign_in_sets_a_strict_session_cookie)
{
	const char *c;

	ck_assert_int_eq(login_as("office", PW_OFFICE, NULL), 303);
	ck_assert_str_eq(cu_header(&r, "Location"), "/console/");
	c = cu_header(&r, "Set-Cookie");
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(strstr(c, "; HttpOnly"));
	ck_assert_ptr_nonnull(strstr(c, "; SameSite=Strict"));
	ck_assert_ptr_nonnull(strstr(c, "; Path=/"));
	ck_assert_ptr_null(strstr(c, "Secure"));
	ck_assert_ptr_null(strstr(c, "Max-Age"));
	ck_assert_ptr_nonnull(cu_header(&r, "Content-Security-Policy"));
	/* console.secure_cookie = true: Secure too. */
	tg_stop(&t, SIGTERM);
	configure("secure_cookie = true;");
	tg_start(&t);
	ck_assert_int_eq(login_as("office", PW_OFFICE, NULL), 303);
	ck_assert_ptr_nonnull(strstr(cu_header(&r, "Set-Cookie"),
	    "; Secure"));
}
END_TEST

START_TEST(a_wrong_password_and_an_unknown_name_get_one_answer)
{
	double t0, wrong = 1e9, unknown = 1e9;
	char loc_wrong[256], loc_unknown[256];
	int i;

	for (i = 0; i < 2; i++) {
		t0 = seconds();
		ck_assert_int_eq(login_as("office", "not-the-password", NULL),
		    303);
		if (seconds() - t0 < wrong)
			wrong = seconds() - t0;
		snprintf(loc_wrong, sizeof(loc_wrong), "%s",
		    cu_header(&r, "Location"));
		ck_assert_ptr_null(cu_header(&r, "Set-Cookie"));
		t0 = seconds();
		ck_assert_int_eq(login_as("nobody", "not-the-password", NULL),
		    303);
		if (seconds() - t0 < unknown)
			unknown = seconds() - t0;
		snprintf(loc_unknown, sizeof(loc_unknown), "%s",
		    cu_header(&r, "Location"));
		ck_assert_ptr_null(cu_header(&r, "Set-Cookie"));
	}
	ck_assert_str_eq(loc_wrong, "/console/login.html?error=1");
	ck_assert_str_eq(loc_unknown, loc_wrong);
	/* An unknown name costs an Argon2id check too (a dummy hash):
	 * answering it at once would tell the names apart. */
	ck_assert_msg(unknown >= 0.02 && wrong >= 0.02, "wrong %.3f s, "
	    "unknown %.3f s", wrong, unknown);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM "
	    "console_sessions"), 0);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM "
	    "console_login_failures"), 4);
	/* Nor does the log name an unknown name (it may be a password). */
	{
		char p[600], *log;

		snprintf(p, sizeof(p), "%s/gateway.log", t.dir);
		log = tu_read_file(p, NULL);
		ck_assert_ptr_nonnull(log);
		ck_assert_ptr_null(strstr(log, "nobody"));
		ck_assert_ptr_nonnull(strstr(log, "console.login.failed "
		    "user=office"));
		ck_assert_ptr_null(strstr(log, "not-the-password"));
		free(log);
	}
	/* A form without a password (not counted), another type of body. */
	ck_assert_int_eq(tg_request(&t, "POST", "/console/login", FORM,
	    "username=office", 15, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 303);
	ck_assert_str_eq(cu_header(&r, "Location"), loc_wrong);
	ck_assert_int_eq(tg_request(&t, "POST", "/console/login",
	    "application/json", "{\"username\":\"office\"}", 21, NULL, false,
	    &r), 0);
	ck_assert_int_eq(r.status, 400);
}
END_TEST

START_TEST(a_disabled_user_cannot_sign_in_and_its_sessions_die)
{
	struct cu_session s;
	char *out = NULL;

	cu_sign_in(&t, &r, "office", PW_OFFICE, &s);
	ck_assert_int_eq(as(&s, "GET", "/api/v1/feedback", NULL, ""), 200);
	ck_assert_int_eq(ctl("", "user disable office", &out), 0);
	free(out);
	ck_assert_int_eq(as(&s, "GET", "/api/v1/session", NULL, ""), 401);
	ck_assert_int_eq(as(&s, "GET", "/api/v1/feedback", NULL, ""), 401);
	ck_assert_int_eq(login_as("office", PW_OFFICE, NULL), 303);
	ck_assert_str_eq(cu_header(&r, "Location"),
	    "/console/login.html?error=1");
	ck_assert_int_eq(ctl("", "user enable office", &out), 0);
	free(out);
	cu_sign_in(&t, &r, "office", PW_OFFICE, &s);
	/* A new password ends the sessions too. */
	ck_assert_int_eq(ctl("office-password-new", "user passwd office",
	    &out), 0);
	free(out);
	ck_assert_int_eq(as(&s, "GET", "/api/v1/session", NULL, ""), 401);
	cu_sign_in(&t, &r, "office", "office-password-new", &s);
}
END_TEST

START_TEST(the_session_token_is_not_stored_in_clear)
{
	char path[700], *db;
	struct cu_session s;
	size_t len = 0, i;
	const char *suffixes[] = { "", "-wal" };

	cu_sign_in(&t, &r, "office", PW_OFFICE, &s);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s%s", t.db, suffixes[i]);
		db = tu_read_file(path, &len);
		if (db == NULL)
			continue;
		for (size_t k = 0; k + 16 <= len; k++)
			ck_assert_msg(memcmp(db + k, s.token, 16) != 0,
			    "the token is in %s", path);
		free(db);
	}
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM "
	    "console_sessions WHERE length(token_hash) = 32"), 1);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM "
	    "console_users WHERE password_hash LIKE '$argon2id$v=19$%'"), 3);
	/* The hash itself is no cookie. */
	{
		char *hex = tg_query(&t, "SELECT lower(hex(token_hash)) FROM "
		    "console_sessions");
		struct cu_session fake = s;

		snprintf(fake.cookie, sizeof(fake.cookie), "fupin_session=%s",
		    hex);
		free(hex);
		ck_assert_int_eq(as(&fake, "GET", "/api/v1/session", NULL, ""),
		    401);
	}
}
END_TEST

START_TEST(idle_and_absolute_expiry_end_a_session)
{
	sqlite3 *db;
	struct cu_session a, b;

	cu_sign_in(&t, &r, "office", PW_OFFICE, &a);
	cu_sign_in(&t, &r, "viewer", PW_VIEWER, &b);
	ck_assert_int_eq(sqlite3_open(t.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	/* As if the last request were session_idle (1800 s) ago. */
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE console_sessions SET "
	    "last_seen = last_seen - 1800, created_at = created_at - 1800 "
	    "WHERE user_name = 'office'", NULL, NULL, NULL), SQLITE_OK);
	/* As if it began 12 h ago, with a request a minute ago. */
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE console_sessions SET "
	    "created_at = created_at - 43200, last_seen = last_seen - 60 "
	    "WHERE user_name = 'viewer'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(as(&a, "GET", "/api/v1/session", NULL, ""), 401);
	ck_assert_int_eq(as(&a, "GET", "/api/v1/feedback", NULL, ""), 401);
	ck_assert_int_eq(as(&b, "GET", "/api/v1/session", NULL, ""), 401);
	ck_assert_int_eq(as(&b, "GET", "/api/v1/feedback", NULL, ""), 401);
}
END_TEST

START_TEST(a_request_keeps_a_session_alive)
{
	sqlite3 *db;
	struct cu_session a;

	cu_sign_in(&t, &r, "office", PW_OFFICE, &a);
	ck_assert_int_eq(sqlite3_open(t.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE console_sessions SET "
	    "last_seen = last_seen - 1700", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(as(&a, "GET", "/api/v1/feedback", NULL, ""), 200);
	/* The refresh is written by the writer a moment later. */
	ck_assert(tg_wait_int(&t, "SELECT strftime('%s','now') - last_seen "
	    "< 10 FROM console_sessions", 1));
}
END_TEST

START_TEST(logout_needs_the_csrf_token_and_ends_the_session)
{
	char hdr[300], body[128];
	struct cu_session a, b;

	cu_sign_in(&t, &r, "office", PW_OFFICE, &a);
	cu_sign_in(&t, &r, "office", PW_OFFICE, &b);
	snprintf(hdr, sizeof(hdr), "Cookie: %s", a.cookie);
	ck_assert_int_eq(tg_request(&t, "POST", "/console/logout", NULL, NULL,
	    0, hdr, false, &r), 0);
	ck_assert_int_eq(r.status, 403);
	ck_assert_int_eq(as(&a, "POST", "/console/logout", NULL, b.csrf), 403);
	ck_assert_int_eq(as(&a, "GET", "/api/v1/session", NULL, ""), 200);
	ck_assert_int_eq(as(&a, "POST", "/console/logout", NULL, NULL), 303);
	ck_assert_str_eq(cu_header(&r, "Location"), "/console/login.html");
	ck_assert_ptr_nonnull(strstr(cu_header(&r, "Set-Cookie"),
	    "fupin_session=; "));
	ck_assert_ptr_nonnull(strstr(cu_header(&r, "Set-Cookie"), "Max-Age=0"));
	ck_assert_int_eq(as(&a, "GET", "/api/v1/session", NULL, ""), 401);
	/* One session ended, not the user's other one; a form's field. */
	ck_assert_int_eq(as(&b, "GET", "/api/v1/session", NULL, ""), 200);
	snprintf(hdr, sizeof(hdr), "Cookie: %s", b.cookie);
	snprintf(body, sizeof(body), "csrf=%s", b.csrf);
	ck_assert_int_eq(tg_request(&t, "POST", "/console/logout", FORM, body,
	    strlen(body), hdr, false, &r), 0);
	ck_assert_int_eq(r.status, 303);
	ck_assert_int_eq(as(&b, "GET", "/api/v1/session", NULL, ""), 401);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM "
	    "console_sessions"), 0);
}
END_TEST

/* ---- lockout ------------------------------------------------------------ */

START_TEST(five_failures_from_one_client_lock_it_out)
{
	int i;

	for (i = 0; i < 4; i++) {
		char name[32];

		snprintf(name, sizeof(name), "guess%d", i);
		ck_assert_int_eq(login_as(name, "wrong-password", NULL), 303);
	}
	ck_assert_int_eq(login_as("admin", "wrong-password", NULL), 429);
	ck_assert_ptr_nonnull(cu_header(&r, "Retry-After"));
	ck_assert_ptr_nonnull(strstr(r.body, "15"));
	/* Even the right password, for anyone, from that client. */
	ck_assert_int_eq(login_as("office", PW_OFFICE, NULL), 429);
	ck_assert_ptr_null(cu_header(&r, "Set-Cookie"));
	ck_assert_int_lt(atoi(cu_header(&r, "Retry-After")), 901);
	ck_assert_int_gt(atoi(cu_header(&r, "Retry-After")), 800);
	/* Without behind_proxy, X-Forwarded-For is not believed. */
	ck_assert_int_eq(login_as("office", PW_OFFICE,
	    "X-Forwarded-For: 192.0.2.9"), 429);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM "
	    "console_sessions"), 0);
}
END_TEST

START_TEST(five_failures_for_one_name_lock_it_out_behind_a_proxy)
{
	char hdr[64];
	int i;

	/* Five clients (the proxy's X-Forwarded-For), one name. */
	for (i = 0; i < 5; i++) {
		snprintf(hdr, sizeof(hdr), "X-Forwarded-For: 192.0.2.%d", i + 1);
		ck_assert_int_eq(login_as("office", "wrong-password", hdr),
		    i < 4 ? 303 : 429);
	}
	ck_assert_int_eq(login_as("office", PW_OFFICE,
	    "X-Forwarded-For: 198.51.100.7"), 429);
	/* Another name from a fresh client signs in. */
	ck_assert_int_eq(login_as("viewer", PW_VIEWER,
	    "X-Forwarded-For: 198.51.100.8"), 303);
	ck_assert_ptr_nonnull(cu_header(&r, "Set-Cookie"));
	/* The client is the address the proxy added last, not one the
	 * browser made up in front of it: five names, one client. */
	for (i = 0; i < 5; i++) {
		char name[16];

		snprintf(name, sizeof(name), "x%d", i);
		snprintf(hdr, sizeof(hdr), "X-Forwarded-For: 10.9.9.%d, "
		    "203.0.113.5", i);
		ck_assert_int_eq(login_as(name, "wrong-password", hdr),
		    i < 4 ? 303 : 429);
	}
	ck_assert_int_eq(login_as("admin", PW_ADMIN,
	    "X-Forwarded-For: 203.0.113.5"), 429);
	ck_assert_int_eq(login_as("admin", PW_ADMIN,
	    "X-Forwarded-For: 203.0.113.6"), 303);
	ck_assert_ptr_nonnull(cu_header(&r, "Set-Cookie"));
}
END_TEST

/* ---- the admin API with a session -------------------------------------- */

#define NOTICE "{\"template\":\"general_notice\",\"vars\":{\"text\":" \
	"\"明天开会\"},\"audience\":{\"area\":\"5134\"}}"

START_TEST(csrf_missing_or_wrong_is_403_and_changes_nothing)
{
	struct cu_session a, o;

	cu_sign_in(&t, &r, "admin", PW_ADMIN, &a);
	cu_sign_in(&t, &r, "office", PW_OFFICE, &o);
	ck_assert_int_eq(as(&a, "POST", "/api/v1/broadcasts", NOTICE, ""),
	    403);
	ck_assert_ptr_nonnull(strstr(r.body, "\"csrf\""));
	ck_assert_int_eq(as(&a, "POST", "/api/v1/broadcasts", NOTICE,
	    "0000"), 403);
	ck_assert_int_eq(as(&a, "POST", "/api/v1/broadcasts", NOTICE,
	    o.csrf), 403);
	ck_assert_int_eq(as(&a, "POST", "/api/v1/sms", "{\"to\":"
	    "\"13908340107\",\"text\":\"hi\"}", ""), 403);
	ck_assert_int_eq(as(&a, "POST", "/api/v1/broadcasts/1/cancel", NULL,
	    ""), 403);
	ck_assert_int_eq(as(&a, "POST", "/api/v1/feedback/F1/close", "{}",
	    ""), 403);
	ck_assert_int_eq(as(&a, "POST", "/api/v1/alerts", "{\"area\":\"5134\","
	    "\"text\":\"x\"}", ""), 403);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM broadcasts"),
	    0);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out"), 0);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM audit WHERE "
	    "actor LIKE 'user:%'"), 0);
	/* A GET needs none; the right token goes through. */
	ck_assert_int_eq(as(&a, "GET", "/api/v1/broadcasts", NULL, ""), 200);
	ck_assert_int_eq(as(&a, "POST", "/api/v1/broadcasts", NOTICE, NULL),
	    201);
	/* A bearer token needs no CSRF header, and wins over a cookie. */
	{
		char hdr[400];

		snprintf(hdr, sizeof(hdr), "Authorization: Bearer "
		    "demo-admin-token\nCookie: %s", o.cookie);
		ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/broadcasts",
		    "application/json", NOTICE, strlen(NOTICE), hdr, false,
		    &r), 0);
		ck_assert_int_eq(r.status, 201);
		snprintf(hdr, sizeof(hdr), "Authorization: Bearer wrong\n"
		    "Cookie: %s\nX-CSRF-Token: %s", a.cookie, a.csrf);
		ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/broadcasts",
		    "application/json", NOTICE, strlen(NOTICE), hdr, false,
		    &r), 0);
		ck_assert_int_eq(r.status, 401);
	}
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM broadcasts"),
	    2);
}
END_TEST

START_TEST(a_viewer_session_cannot_post)
{
	struct cu_session v;

	cu_sign_in(&t, &r, "viewer", PW_VIEWER, &v);
	ck_assert_int_eq(as(&v, "GET", "/api/v1/broadcasts", NULL, ""), 200);
	ck_assert_int_eq(as(&v, "POST", "/api/v1/broadcasts", NOTICE, NULL),
	    403);
	ck_assert_ptr_nonnull(strstr(r.body, "may only read"));
	ck_assert_int_eq(as(&v, "POST", "/api/v1/sms", "{\"to\":"
	    "\"13908340107\",\"text\":\"hi\"}", NULL), 403);
	ck_assert_int_eq(as(&v, "POST", "/api/v1/alerts", "{\"area\":\"5134\","
	    "\"text\":\"x\"}", NULL), 403);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM broadcasts"),
	    0);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out"), 0);
}
END_TEST

static long long
id_of(const char *body)
{
	const char *p = strstr(body, "\"id\":");

	ck_assert_ptr_nonnull(p);
	p += 5;
	if (*p == '"')
		p++;
	return strtoll(p, NULL, 10);
}

START_TEST(an_office_session_sees_only_its_prefecture)
{
	char path[64], body[256];
	long long in_scope, out_of_scope;
	struct cu_session a, o;

	/* Sessions are in the database: they outlive a restart. */
	cu_sign_in(&t, &r, "admin", PW_ADMIN, &a);
	tg_stop(&t, SIGTERM);
	tg_import_demo(&t);
	tg_start(&t);
	cu_sign_in(&t, &r, "office", PW_OFFICE, &o);
	/* 13908340107: 昭觉县 513431 (凉山 5134); 15008360107: 理塘县
	 * 513334 (甘孜 5133), data/demo/README.md. */
	ck_assert_int_eq(as(&a, "POST", "/api/v1/sms", "{\"to\":"
	    "\"13908340107\",\"text\":\"hi\"}", NULL), 202);
	in_scope = id_of(r.body);
	ck_assert_int_eq(as(&a, "POST", "/api/v1/sms", "{\"to\":"
	    "\"15008360107\",\"text\":\"hi\"}", NULL), 202);
	out_of_scope = id_of(r.body);
	snprintf(path, sizeof(path), "/api/v1/messages/%lld", in_scope);
	ck_assert_int_eq(as(&o, "GET", path, NULL, ""), 200);
	snprintf(path, sizeof(path), "/api/v1/messages/%lld", out_of_scope);
	ck_assert_int_eq(as(&o, "GET", path, NULL, ""), 403);
	ck_assert_int_eq(as(&o, "GET", "/api/v1/feedback?area=5133", NULL,
	    ""), 403);
	ck_assert_int_eq(as(&o, "POST", "/api/v1/sms", "{\"to\":"
	    "\"15008360107\",\"text\":\"hi\"}", NULL), 403);
	ck_assert_int_eq(as(&o, "POST", "/api/v1/broadcasts",
	    "{\"text\":\"x\",\"audience\":{\"area\":\"5133\"}}", NULL), 403);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out"), 2);
	/* Inside its area, as the user: the audit names it. */
	snprintf(body, sizeof(body), "%s", NOTICE);
	ck_assert_int_eq(as(&o, "POST", "/api/v1/broadcasts", body, NULL),
	    201);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM audit WHERE "
	    "actor = 'user:office' AND action = 'broadcast.create'"), 1);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM broadcasts "
	    "WHERE created_by = 'user:office'"), 1);
	/* The session says who and where. */
	ck_assert_int_eq(as(&o, "GET", "/api/v1/session", NULL, ""), 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"user\":\"office\""));
	ck_assert_ptr_nonnull(strstr(r.body, "\"role\":\"office\""));
	ck_assert_ptr_nonnull(strstr(r.body, "\"area\":\"5134\""));
	ck_assert_str_eq(cu_header(&r, "Cache-Control"), "no-store");
}
END_TEST

START_TEST(no_cookie_no_session)
{
	ck_assert_int_eq(tg_request(&t, "GET", "/api/v1/session", NULL, NULL,
	    0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(tg_request(&t, "GET", "/api/v1/session", NULL, NULL,
	    0, "Cookie: fupin_session=zz", false, &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(tg_request(&t, "GET", "/api/v1/feedback", NULL, NULL,
	    0, "Cookie: fupin_session=0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef", false, &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/session", NULL, NULL,
	    0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 405);
}
END_TEST

START_TEST(a_disabled_console_is_not_there)
{
	struct cu_session o;

	cu_sign_in(&t, &r, "office", PW_OFFICE, &o);
	tg_stop(&t, SIGTERM);
	configure("enabled = false;");
	tg_start(&t);
	ck_assert_int_eq(tg_request(&t, "GET", "/console/", NULL, NULL, 0,
	    NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 404);
	ck_assert_int_eq(login_as("office", PW_OFFICE, NULL), 404);
	ck_assert_int_eq(as(&o, "GET", "/api/v1/session", NULL, ""), 404);
	ck_assert_int_eq(as(&o, "GET", "/api/v1/feedback", NULL, ""), 401);
}
END_TEST

/* ---- static files ------------------------------------------------------- */

/* A raw request (the path exactly as given, no client tidying it):
 * the status, and the answer into buf. */
static int
raw_get(const char *method, const char *path, char *buf, size_t size)
{
	struct sockaddr_in sa;
	char req[1024];
	size_t got = 0;
	int fd, status = -1;
	ssize_t n;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)t.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: x\r\nConnection: "
	    "close\r\n\r\n", method, path);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (got + 1 < size && (n = read(fd, buf + got, size - 1 - got)) >
	    0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	sscanf(buf, "HTTP/1.1 %d", &status);
	return status;
}

START_TEST(static_files_have_their_type_and_strict_headers)
{
	const char *csp, *etag;
	char inm[200];

	ck_assert_int_eq(tg_request(&t, "GET", "/console/", NULL, NULL, 0,
	    NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "控制台"));
	ck_assert_str_eq(cu_header(&r, "Content-Type"),
	    "text/html; charset=utf-8");
	csp = cu_header(&r, "Content-Security-Policy");
	ck_assert_ptr_nonnull(csp);
	ck_assert_ptr_nonnull(strstr(csp, "default-src 'self'"));
	ck_assert_ptr_nonnull(strstr(csp, "script-src 'self'"));
	ck_assert_ptr_nonnull(strstr(csp, "frame-ancestors 'none'"));
	ck_assert_ptr_null(strstr(csp, "unsafe-inline"));
	ck_assert_ptr_null(strstr(csp, "unsafe-eval"));
	ck_assert_ptr_null(strstr(csp, "http"));
	ck_assert_str_eq(cu_header(&r, "X-Frame-Options"), "DENY");
	ck_assert_str_eq(cu_header(&r, "X-Content-Type-Options"), "nosniff");
	ck_assert_str_eq(cu_header(&r, "Cache-Control"), "no-cache");
	etag = cu_header(&r, "ETag");
	ck_assert_ptr_nonnull(etag);
	ck_assert_int_eq(etag[0], '"');
	snprintf(inm, sizeof(inm), "If-None-Match: \"other\", %s", etag);
	ck_assert_int_eq(tg_request(&t, "GET", "/console/index.html", NULL,
	    NULL, 0, inm, false, &r), 0);
	ck_assert_int_eq(r.status, 304);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_ptr_nonnull(cu_header(&r, "ETag"));
	ck_assert_int_eq(tg_request(&t, "GET", "/console/index.html", NULL,
	    NULL, 0, "If-None-Match: \"other\"", false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	/* A changed file has another ETag. */
	write_web("index.html", "<!doctype html><title>新的</title>\n");
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	ck_assert_int_eq(tg_request(&t, "GET", "/console/index.html", NULL,
	    NULL, 0, inm, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "新的"));
	ck_assert_int_eq(tg_request(&t, "GET", "/console/app.css", NULL, NULL,
	    0, NULL, false, &r), 0);
	ck_assert_str_eq(cu_header(&r, "Content-Type"),
	    "text/css; charset=utf-8");
	ck_assert_int_eq(tg_request(&t, "GET", "/console/app.js", NULL, NULL,
	    0, NULL, false, &r), 0);
	ck_assert_str_eq(cu_header(&r, "Content-Type"),
	    "text/javascript; charset=utf-8");
	ck_assert_int_eq(tg_request(&t, "GET", "/console", NULL, NULL, 0,
	    NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 303);
	ck_assert_str_eq(cu_header(&r, "Location"), "/console/");
}
END_TEST

START_TEST(only_get_and_head_reach_static_files)
{
	char buf[8192];

	ck_assert_int_eq(raw_get("HEAD", "/console/index.html", buf,
	    sizeof(buf)), 200);
	ck_assert_ptr_null(strstr(buf, "控制台"));
	ck_assert_int_eq(raw_get("POST", "/console/index.html", buf,
	    sizeof(buf)), 405);
	ck_assert_ptr_nonnull(strstr(buf, "Allow: GET, HEAD"));
	ck_assert_int_eq(raw_get("PUT", "/console/index.html", buf,
	    sizeof(buf)), 405);
	ck_assert_int_eq(raw_get("DELETE", "/console/index.html", buf,
	    sizeof(buf)), 405);
	ck_assert_int_eq(raw_get("OPTIONS", "/console/index.html", buf,
	    sizeof(buf)), 405);
}
END_TEST

START_TEST(no_path_leaves_the_console_directory)
{
	static const char *const paths[] = {
		"/console/../fupin.conf",
		"/console/../../etc/passwd",
		"/console/%2e%2e/fupin.conf",
		"/console/%2E%2E/fupin.conf",
		"/console/..%2ffupin.conf",
		"/console/%2e%2e%2ffupin.conf",
		"/console/sub/../../fupin.conf",
		"/console/./index.html/../../fupin.conf",
		"/console/..\\fupin.conf",
		"/console/%5c..%5cfupin.conf",
		"/console//etc/passwd",
		"/console/link.html",
		"/console/up/secret.txt",
		"/console/up/fupin.conf",
		"/console/.hidden.txt",
		"/console/.git/config",
		"/console/fupin.conf",
		"/console/app.js~",
		"/console/sub/",
		"/console/sub",
		"/console/index",
	};
	static const char *const nul_paths[] = {
		"/console/index.html%00.png",
		"/console/login.html%00",
		"/console/%00../fupin.conf",
	};
	char buf[8192], p[700];
	size_t i;
	int rc;

	/* A secret beside the directory, links out of it. */
	free(tu_write_file(t.dir, "secret.txt", "SECRET-BESIDE\n", 14));
	write_web(".hidden.txt", "SECRET-HIDDEN\n");
	write_web("fupin.conf", "SECRET-CONF\n");
	snprintf(p, sizeof(p), "%s/sub", web);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/link.html", web);
	ck_assert_int_eq(symlink("../secret.txt", p), 0);
	snprintf(p, sizeof(p), "%s/up", web);
	ck_assert_int_eq(symlink("..", p), 0);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		rc = raw_get("GET", paths[i], buf, sizeof(buf));
		ck_assert_msg(rc == 404 || rc == 400, "%s: %d", paths[i], rc);
		ck_assert_msg(strstr(buf, "SECRET") == NULL &&
		    strstr(buf, "database") == NULL && strstr(buf, "root:") ==
		    NULL, "%s leaked", paths[i]);
	}
	for (i = 0; i < sizeof(nul_paths) / sizeof(nul_paths[0]); i++) {
		rc = raw_get("GET", nul_paths[i], buf, sizeof(buf));
		ck_assert_msg(rc == 400, "%s: %d", nul_paths[i], rc);
	}
	/* A link that stays inside is fine. */
	snprintf(p, sizeof(p), "%s/sub/inner.html", web);
	ck_assert_int_eq(symlink("../index.html", p), 0);
	ck_assert_int_eq(raw_get("GET", "/console/sub/inner.html", buf,
	    sizeof(buf)), 200);
}
END_TEST

/* ---- fupinctl user ------------------------------------------------------ */

START_TEST(fupinctl_user_refuses_what_it_must)
{
	char *out = NULL;

	/* Too short (9 characters), a taken name, a bad role, name, area. */
	ck_assert_int_eq(ctl("123456789", "user add clerk --role office",
	    &out), 65);
	ck_assert_ptr_nonnull(strstr(out, "at least 10 characters"));
	free(out);
	ck_assert_int_eq(ctl("", "user add clerk --role office", &out), 65);
	free(out);
	ck_assert_int_eq(ctl("long-enough-password", "user add office "
	    "--role office", &out), 65);
	ck_assert_ptr_nonnull(strstr(out, "exists already"));
	free(out);
	ck_assert_int_eq(ctl("long-enough-password", "user add clerk --role "
	    "root", &out), 64);
	ck_assert_ptr_nonnull(strstr(out, "--role must be admin, office or "
	    "viewer"));
	free(out);
	ck_assert_int_eq(ctl("long-enough-password", "user add clerk", &out),
	    64);
	free(out);
	ck_assert_int_eq(ctl("long-enough-password", "user add Clerk --role "
	    "office", &out), 64);
	free(out);
	ck_assert_int_eq(ctl("long-enough-password", "user add clerk --role "
	    "office --area 51x", &out), 64);
	free(out);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM "
	    "console_users"), 3);
	ck_assert_int_eq(ctl("long-enough-password", "user passwd nobody",
	    &out), 66);
	free(out);
	ck_assert_int_eq(ctl("short", "user passwd office", &out), 65);
	free(out);
	ck_assert_int_eq(ctl("", "user disable nobody", &out), 66);
	free(out);
	ck_assert_int_eq(ctl("", "user frobnicate", &out), 64);
	free(out);
	/* The refused new password left the old one. */
	ck_assert_int_eq(login_as("office", PW_OFFICE, NULL), 303);
	ck_assert_ptr_nonnull(cu_header(&r, "Set-Cookie"));
}
END_TEST

START_TEST(fupinctl_user_lists_without_hashes)
{
	char *out = NULL;

	ck_assert_int_eq(ctl("", "user list", &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "office"));
	ck_assert_ptr_nonnull(strstr(out, "5134"));
	ck_assert_ptr_null(strstr(out, "argon2"));
	free(out);
	ck_assert_int_eq(ctl("", "user disable viewer", &out), 0);
	free(out);
	ck_assert_int_eq(ctl("", "user list --json", &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"disabled\":true"));
	ck_assert_ptr_nonnull(strstr(out, "\"role\":\"admin\""));
	ck_assert_ptr_null(strstr(out, "argon2"));
	ck_assert_ptr_null(strstr(out, "hash"));
	free(out);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM audit WHERE "
	    "actor = 'fupinctl' AND action IN ('user.add', 'user.disable')"),
	    4);
}
END_TEST

/* The password printed for `name` by tools/demo-users, into pw. */
static void
demo_password(const char *out, const char *name, char *pw, size_t size)
{
	char needle[32];
	const char *p;

	snprintf(needle, sizeof(needle), "\n  %-7s ", name);
	p = strstr(out, needle);
	ck_assert_msg(p != NULL, "%s", out);
	p += strlen(needle);
	snprintf(pw, size, "%.*s", (int)strcspn(p, " "), p);
	ck_assert_uint_eq(strlen(pw), 16);
}

START_TEST(make_runs_demo_users_get_new_passwords_each_run)
{
	char cmd[1024], *out = NULL, pw1[32], pw2[32], vw[32];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "sh tools/demo-users %s %s "
	    "http://127.0.0.1:%d", tu_bin("fupinctl"), t.conf, t.port);
	ck_assert_int_eq(tu_run(argv, &out), 0);
	demo_password(out, "office", pw1, sizeof(pw1));
	demo_password(out, "viewer", vw, sizeof(vw));
	ck_assert_ptr_nonnull(strstr(out, "/console/"));
	free(out);
	ck_assert_int_eq(tu_run(argv, &out), 0);
	demo_password(out, "office", pw2, sizeof(pw2));
	free(out);
	ck_assert_str_ne(pw1, pw2);
	ck_assert_int_eq(login_as("office", pw1, NULL), 303);
	ck_assert_str_eq(cu_header(&r, "Location"),
	    "/console/login.html?error=1");
	ck_assert_int_eq(login_as("office", pw2, NULL), 303);
	ck_assert_str_eq(cu_header(&r, "Location"), "/console/");
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM "
	    "console_users WHERE name = 'office' AND role = 'office' AND "
	    "area = '5134'"), 1);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM "
	    "console_users"), 3);
	ck_assert_int_eq(login_as("viewer", vw, NULL), 303);
	ck_assert_str_eq(cu_header(&r, "Location"),
	    "/console/login.html?error=1");
}
END_TEST

Suite *
console_auth_suite(void)
{
	Suite *s = suite_create("console_auth");
	TCase *tc = tcase_create("sign-in");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, sign_in_sets_a_strict_session_cookie);
	tcase_add_test(tc, a_wrong_password_and_an_unknown_name_get_one_answer);
	tcase_add_test(tc, a_disabled_user_cannot_sign_in_and_its_sessions_die);
	tcase_add_test(tc, the_session_token_is_not_stored_in_clear);
	tcase_add_test(tc, idle_and_absolute_expiry_end_a_session);
	tcase_add_test(tc, a_request_keeps_a_session_alive);
	tcase_add_test(tc, logout_needs_the_csrf_token_and_ends_the_session);
	tcase_add_test(tc, five_failures_from_one_client_lock_it_out);
	suite_add_tcase(s, tc);
	tc = tcase_create("proxy");
	tcase_add_checked_fixture(tc, setup_proxy, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, five_failures_for_one_name_lock_it_out_behind_a_proxy);
	suite_add_tcase(s, tc);
	tc = tcase_create("api");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, csrf_missing_or_wrong_is_403_and_changes_nothing);
	tcase_add_test(tc, a_viewer_session_cannot_post);
	tcase_add_test(tc, an_office_session_sees_only_its_prefecture);
	tcase_add_test(tc, no_cookie_no_session);
	tcase_add_test(tc, a_disabled_console_is_not_there);
	suite_add_tcase(s, tc);
	tc = tcase_create("static");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, static_files_have_their_type_and_strict_headers);
	tcase_add_test(tc, only_get_and_head_reach_static_files);
	tcase_add_test(tc, no_path_leaves_the_console_directory);
	suite_add_tcase(s, tc);
	tc = tcase_create("fupinctl");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, fupinctl_user_refuses_what_it_must);
	tcase_add_test(tc, fupinctl_user_lists_without_hashes);
	tcase_add_test(tc, make_runs_demo_users_get_new_passwords_each_run);
	suite_add_tcase(s, tc);
	return s;
}
