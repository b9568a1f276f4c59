/*
 * test_console_users.c: the admin API routes the console's pages lacked
 * (issue 15) against the real gateway on loopback, users made with the
 * real fupinctl and signed in through POST /console/login:
 *   - /api/v1/users (list, add, password, disable, enable, unlock): admin
 *     only (401 without credentials, 403 for office and viewer, tokens
 *     and sessions alike), CSRF for a session's POST, the rules of
 *     fupinctl user, audit naming the admin, never a hash or a password
 *     in an answer or the log, an unlocked name signs in again while the
 *     admin who unlocked it never needed to;
 *   - /api/v1/feedback paged by key with a category filter, and one
 *     ticket with its household;
 *   - /api/v1/cadres searched by name, paged by id;
 *   - /api/v1/broadcasts/{id} with its failures by reason;
 * each in the caller's area (an office of 5133 never sees 5134's tickets
 * or cadres), masked for a viewer, every bad parameter or body a 400
 * naming the field.
 */
#include <check.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console_util.h"
#include "gwtest.h"
#include "testutil.h"

#define PW_GARZE	"garze-password-3"
#define PW_NEW		"新的密码-clerk-42"

/* Tokens: sha256 of the secrets, filled in at setup. */
#define CONF \
	"api = { tokens = (" \
	" { name = \"ops\"; role = \"admin\"; token_sha256 = \"%s\"; }," \
	" { name = \"adm34\"; role = \"admin\"; area = \"5134\"; " \
	"token_sha256 = \"%s\"; }," \
	" { name = \"ls\"; role = \"office\"; area = \"5134\"; " \
	"token_sha256 = \"%s\"; }," \
	" { name = \"view\"; role = \"viewer\"; area = \"5134\"; " \
	"token_sha256 = \"%s\"; } ); };\n" \
	"schedule = { quiet_hours = \"\"; };\n"

#define ADMIN	"admin-secret"
#define ADMIN34	"admin34-secret"	/* an admin of 5134 only */
#define OFFICE	"office-secret"		/* 5134 */
#define VIEWER	"viewer-secret"		/* 5134 */

/* 5134 (凉山): H1, H2, cadres C1, C3; 5133 (甘孜): H3, cadre C2. */
static const char registry[] =
"INSERT INTO cadres(cadre_id, name, phone, area_code, title, updated_at)"
" VALUES ('C1', '李明辉', '+8619908349001', '513431100', '第一书记', 0),"
" ('C2', '王芳', '+8619908349002', '513334100', '帮扶责任人', 0),"
" ('C3', '王强', '+8619908349003', '513431101', '村主任', 0),"
" ('C4', '李%_华', '+8619908349004', '513431101', NULL, 0);"
"INSERT INTO households(household_id, area_code, head_name, members,"
" status, cadre_id, language, updated_at) VALUES"
" ('H1', '513431100201', '吉克阿木', 1, 'poor', 'C1', 'zh', 0),"
" ('H2', '513431101201', '曲比阿衣', 1, 'poor', 'C3', 'zh', 0),"
" ('H3', '513334100101', '扎西', 1, 'exited', 'C2', 'bo', 0);"
"INSERT INTO members(member_id, household_id, name, phone, relation,"
" updated_at) VALUES"
" ('M1', 'H1', '吉克阿木', '+8613900000001', '户主', 0),"
" ('M2', 'H2', '曲比阿衣', '+8613900000002', '户主', 0),"
" ('M3', 'H3', '扎西', '+8613900000003', '户主', 0);"
/* Tickets F1-F7, newest last: 5134's by the menu's categories and FK
 * (none), one of 5133, one without a household. */
"INSERT INTO feedback(id, ticket, msisdn, household_id, area_code, text,"
" channel, status, category, created_at) VALUES"
" (1, 'F1', '+8613900000001', 'H1', '513431100201',"
"  '水管坏了，请回电 13900000001', 'ussd', 'open', 'water', 100),"
" (2, 'F2', '+8613900000002', 'H2', '513431101201', '路灯坏了', 'sms',"
"  'open', NULL, 200),"
" (3, 'F3', '+8613900000003', 'H3', '513334100101', '甘孜的反馈', 'sms',"
"  'open', 'housing', 300),"
" (4, 'F4', '+8613900000001', 'H1', '513431100201', '房子漏雨', 'ussd',"
"  'open', 'housing', 400),"
" (5, 'F5', '+8613900000002', 'H2', '513431101201', '补贴没到', 'ussd',"
"  'closed', 'subsidy', 500),"
" (6, 'F6', '+8613900000001', 'H1', '513431100201', '井水浑', 'ussd',"
"  'open', 'water', 600),"
" (7, 'F7', '+8613911111111', NULL, NULL, '谁的', 'sms', 'open', NULL,"
"  700);";

static struct tg T;
static struct tg_reply R;

static void
setup(void)
{
	char extra[2048], a[65], a34[65], o[65], v[65];

	tu_token_sha256(ADMIN, a);
	tu_token_sha256(ADMIN34, a34);
	tu_token_sha256(OFFICE, o);
	tu_token_sha256(VIEWER, v);
	snprintf(extra, sizeof(extra), CONF, a, a34, o, v);
	tg_init(&T, extra);
	cu_ctl_ok(&T, "", "migrate");
	cu_exec_sql(&T, registry);
	cu_ctl_ok(&T, PW_ADMIN, "user add admin1 --role admin");
	cu_ctl_ok(&T, PW_OFFICE, "user add office1 --role office --area 5134");
	cu_ctl_ok(&T, PW_GARZE, "user add office2 --role office --area 5133");
	cu_ctl_ok(&T, PW_VIEWER, "user add viewer1 --role viewer --area 5134");
	tg_start(&T);
}

/* SIGTERM: a clean exit (0), so a run under valgrind checks it for
 * leaks too. */
static void
teardown(void)
{
	ck_assert_int_eq(tg_stop(&T, SIGTERM), 0);
	tg_cleanup(&T);
}

/* ---- requests ----------------------------------------------------------- */

/* A request with a bearer token (NULL: no credentials); the status. */
static long
tok(const char *method, const char *path, const char *token,
    const char *json)
{
	return cu_bearer_request(&T, &R, method, path, token, json);
}

static long
login_as(const char *name, const char *password)
{
	return cu_login(&T, &R, name, password, NULL);
}

/* A request with the session's cookie; with its CSRF header unless
 * is_csrf is false. */
static long
as(const struct cu_session *s, const char *method, const char *path,
    const char *json, bool is_csrf)
{
	return cu_session_request(&T, &R, s, method, path, json,
	    is_csrf ? s->csrf : NULL);
}

/* ---- answers ------------------------------------------------------------ */

static struct json_object *
body(void)
{
	struct json_object *o = json_tokener_parse(R.body);

	ck_assert_msg(o != NULL, "not JSON: %s", R.body);
	return o;
}

/* The items' `field`s joined with ',' into out. */
static const char *
join(struct json_object *o, const char *field, char *out, size_t size)
{
	struct json_object *items = cu_at(o, "items");
	size_t i, n = items != NULL ? json_object_array_length(items) : 0;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		struct json_object *v = NULL;
		size_t len = strlen(out);

		json_object_object_get_ex(json_object_array_get_idx(items, i),
		    field, &v);
		snprintf(out + len, size - len, "%s%s", i > 0 ? "," : "",
		    v != NULL ? json_object_get_string(v) : "null");
	}
	return out;
}

/* The answer is an error whose message starts with `prefix` (`line`:
 * the caller's, for the message). */
#define error_names(status, want, prefix) \
	error_named(status, want, prefix, __LINE__)

static void
error_named(long status, long want, const char *prefix, int line)
{
	struct json_object *o;

	ck_assert_msg(status == want, "line %d: %ld, not %ld: %s", line,
	    status, want, R.body);
	o = body();
	ck_assert_msg(strncmp(cu_str(o, "message"), prefix, strlen(prefix)) ==
	    0, "'%s' does not start with '%s'", cu_str(o, "message"), prefix);
	json_object_put(o);
}

static bool
log_has(const char *needle)
{
	char path[600], *log;
	size_t len = 0;
	bool found;

	snprintf(path, sizeof(path), "%s/gateway.log", T.dir);
	log = tu_read_file(path, &len);
	found = log != NULL && strstr(log, needle) != NULL;
	free(log);
	return found;
}

/* A full mobile number (1[3-9] and 9 digits, not inside more digits)
 * anywhere in s. */
static bool
has_full_number(const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i + 11 <= n; i++) {
		size_t k;

		if (s[i] != '1' || s[i + 1] < '3' || s[i + 1] > '9' ||
		    (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'))
			continue;
		for (k = 2; k < 11; k++)
			if (s[i + k] < '0' || s[i + k] > '9')
				break;
		if (k == 11 && (s[i + 11] < '0' || s[i + 11] > '9'))
			return true;
	}
	return false;
}

/* ---- users -------------------------------------------------------------- */

START_TEST(users_are_listed_by_name_without_any_hash)
{
	struct json_object *o;
	struct cu_session a;
	char names[256], next[80];

	ck_assert_int_eq(tok("GET", "/api/v1/users", ADMIN, NULL), 200);
	ck_assert(strstr(R.body, "argon2") == NULL);
	ck_assert(strstr(R.body, "hash") == NULL);
	o = body();
	ck_assert_str_eq(join(o, "name", names, sizeof(names)),
	    "admin1,office1,office2,viewer1");
	ck_assert_str_eq(cu_str(o, "items[1].role"), "office");
	ck_assert_str_eq(cu_str(o, "items[1].area"), "5134");
	ck_assert(!json_object_get_boolean(cu_at(o, "items[1].disabled")));
	ck_assert_ptr_nonnull(cu_at(o, "items[1].created_at"));
	ck_assert_ptr_nonnull(cu_at(o, "items[1].changed_at"));
	ck_assert_ptr_null(cu_at(o, "items[1].last_login_at"));	/* never */
	ck_assert_ptr_null(cu_at(o, "items[1].locked_until"));
	ck_assert_ptr_null(cu_at(o, "next"));
	json_object_put(o);

	/* Paged by name; a session's GET needs no CSRF header. */
	cu_sign_in(&T, &R, "admin1", PW_ADMIN, &a);
	ck_assert_int_eq(as(&a, "GET", "/api/v1/users?limit=3", NULL, false),
	    200);
	o = body();
	ck_assert_str_eq(join(o, "name", names, sizeof(names)),
	    "admin1,office1,office2");
	/* Signed in just now: its last sign-in is there. */
	ck_assert(json_object_is_type(cu_at(o, "items[0].last_login_at"),
	    json_type_string));
	snprintf(next, sizeof(next), "/api/v1/users?limit=3&after=%s",
	    cu_str(o, "next"));
	json_object_put(o);
	ck_assert_int_eq(as(&a, "GET", next, NULL, false), 200);
	o = body();
	ck_assert_str_eq(join(o, "name", names, sizeof(names)), "viewer1");
	ck_assert_ptr_null(cu_at(o, "next"));
	json_object_put(o);

	/* An admin of 5134 manages 5134's users only. */
	ck_assert_int_eq(tok("GET", "/api/v1/users", ADMIN34, NULL), 200);
	o = body();
	ck_assert_str_eq(join(o, "name", names, sizeof(names)),
	    "office1,viewer1");
	json_object_put(o);
}
END_TEST

START_TEST(users_routes_are_for_admins_only)
{
	static const char *const posts[] = { "/api/v1/users",
	    "/api/v1/users/office1/password", "/api/v1/users/office1/disable",
	    "/api/v1/users/office1/enable", "/api/v1/users/office1/unlock" };
	static const char add[] = "{\"name\":\"clerk9\",\"role\":\"viewer\","
	    "\"area\":\"5134\",\"password\":\"" PW_NEW "\"}";
	struct cu_session o, v, a;
	size_t i;

	cu_sign_in(&T, &R, "office1", PW_OFFICE, &o);
	cu_sign_in(&T, &R, "viewer1", PW_VIEWER, &v);
	cu_sign_in(&T, &R, "admin1", PW_ADMIN, &a);
	ck_assert_int_eq(tok("GET", "/api/v1/users", NULL, NULL), 401);
	ck_assert_int_eq(tok("GET", "/api/v1/users", "wrong-token", NULL),
	    401);
	ck_assert_int_eq(tok("GET", "/api/v1/users", OFFICE, NULL), 403);
	ck_assert_int_eq(tok("GET", "/api/v1/users", VIEWER, NULL), 403);
	ck_assert_int_eq(as(&o, "GET", "/api/v1/users", NULL, false), 403);
	ck_assert_int_eq(as(&v, "GET", "/api/v1/users", NULL, false), 403);
	for (i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
		const char *b = i == 0 ? add : i == 1 ? "{\"password\":\""
		    PW_NEW "\"}" : NULL;

		ck_assert_int_eq(tok("POST", posts[i], NULL, b), 401);
		ck_assert_int_eq(tok("POST", posts[i], OFFICE, b), 403);
		ck_assert_int_eq(tok("POST", posts[i], VIEWER, b), 403);
		ck_assert_int_eq(as(&o, "POST", posts[i], b, true), 403);
		ck_assert_int_eq(as(&v, "POST", posts[i], b, true), 403);
		/* An admin's session without its CSRF header. */
		ck_assert_int_eq(as(&a, "POST", posts[i], b, false), 403);
		ck_assert_ptr_nonnull(strstr(R.body, "csrf"));
	}
	/* A GET of an action is not a route; a name nobody has, 404. */
	ck_assert_int_eq(tok("GET", "/api/v1/users/office1/disable", ADMIN,
	    NULL), 405);
	ck_assert_int_eq(tok("POST", "/api/v1/users/nobody/disable", ADMIN,
	    NULL), 404);
	ck_assert_int_eq(tok("POST", "/api/v1/users/Bad%20Name/disable",
	    ADMIN, NULL), 404);
	ck_assert_int_eq(tok("POST", "/api/v1/users/office1/delete", ADMIN,
	    NULL), 404);
	ck_assert_int_eq(tok("POST", "/api/v1/users/office1", ADMIN, NULL),
	    404);
	/* An admin of 5134: not 5133's users, not a user of everywhere. */
	ck_assert_int_eq(tok("POST", "/api/v1/users/office2/disable", ADMIN34,
	    NULL), 403);
	ck_assert_int_eq(tok("POST", "/api/v1/users/admin1/password", ADMIN34,
	    "{\"password\":\"" PW_NEW "\"}"), 403);
	error_names(tok("POST", "/api/v1/users", ADMIN34, "{\"name\":"
	    "\"boss\",\"role\":\"admin\",\"password\":\"" PW_NEW "\"}"), 403,
	    "area: ");
	ck_assert_int_eq(tok("POST", "/api/v1/users", ADMIN34, "{\"name\":"
	    "\"gz9\",\"role\":\"office\",\"area\":\"5133\",\"password\":\""
	    PW_NEW "\"}"), 403);
	/* Nothing changed. */
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM console_users"),
	    4);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM console_users "
	    "WHERE disabled <> 0 OR changed_at <> created_at"), 0);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM audit WHERE "
	    "action LIKE 'user.%' AND actor <> 'fupinctl'"), 0);
	/* The one that may. */
	ck_assert_int_eq(tok("POST", "/api/v1/users/office1/disable", ADMIN34,
	    NULL), 200);
}
END_TEST

START_TEST(an_admin_adds_a_user_who_signs_in)
{
	struct json_object *o;
	struct cu_session a, c;
	char *audit;

	cu_sign_in(&T, &R, "admin1", PW_ADMIN, &a);
	ck_assert_int_eq(as(&a, "POST", "/api/v1/users", "{\"name\":\"clerk1\","
	    "\"role\":\"office\",\"area\":\"513431\",\"password\":\"" PW_NEW
	    "\"}", true), 201);
	ck_assert(strstr(R.body, "argon2") == NULL);
	ck_assert(strstr(R.body, PW_NEW) == NULL);
	o = body();
	ck_assert_str_eq(cu_str(o, "name"), "clerk1");
	ck_assert_str_eq(cu_str(o, "role"), "office");
	ck_assert_str_eq(cu_str(o, "area"), "513431");
	ck_assert(!json_object_get_boolean(cu_at(o, "disabled")));
	json_object_put(o);
	/* The new clerk signs in and works inside the area. */
	cu_sign_in(&T, &R, "clerk1", PW_NEW, &c);
	ck_assert_int_eq(as(&c, "GET", "/api/v1/feedback", NULL, false), 200);
	ck_assert_int_eq(as(&c, "GET", "/api/v1/users", NULL, false), 403);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM console_users "
	    "WHERE name = 'clerk1' AND password_hash LIKE '$argon2id$%' AND "
	    "last_login_at > 0"), 1);
	/* Audited naming the admin; the password in no log line. */
	audit = tg_query(&T, "SELECT actor || ' ' || action || ' ' || target "
	    "|| ' ' || detail FROM audit WHERE target = 'clerk1'");
	ck_assert_str_eq(audit, "user:admin1 user.add clerk1 office");
	free(audit);
	ck_assert(log_has("api.user.add name=clerk1 role=office area=513431 "
	    "token=user:admin1"));
	ck_assert(!log_has(PW_NEW));
	ck_assert(!log_has("argon2"));
	/* A name is taken once, whatever the role; a bearer admin too. */
	error_names(tok("POST", "/api/v1/users", ADMIN, "{\"name\":\"clerk1\","
	    "\"role\":\"viewer\",\"password\":\"" PW_NEW "\"}"), 409,
	    "name: ");
	ck_assert_int_eq(tok("POST", "/api/v1/users", ADMIN, "{\"name\":"
	    "\"viewer9\",\"role\":\"viewer\",\"area\":\"5133\",\"password\":"
	    "\"" PW_NEW "\"}"), 201);
	audit = tg_query(&T, "SELECT actor FROM audit WHERE target = "
	    "'viewer9'");
	ck_assert_str_eq(audit, "ops");
	free(audit);
}
END_TEST

START_TEST(bad_user_bodies_are_400_naming_the_field)
{
	static const struct {
		const char	*body;
		const char	*prefix;
	} bad[] = {
		{ "{\"role\":\"office\",\"password\":\"" PW_NEW "\"}", "name: "
		  "required" },
		{ "{\"name\":\"Clerk\",\"role\":\"office\",\"password\":\""
		  PW_NEW "\"}", "name: must be" },
		{ "{\"name\":\"-x\",\"role\":\"office\",\"password\":\"" PW_NEW
		  "\"}", "name: " },
		{ "{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaa\",\"role\":\"office\",\"password\":\"" PW_NEW
		  "\"}", "name: " },
		{ "{\"name\":7,\"role\":\"office\",\"password\":\"" PW_NEW
		  "\"}", "name: must be a string" },
		{ "{\"name\":\"x1\",\"role\":\"root\",\"password\":\"" PW_NEW
		  "\"}", "role: must be admin, office or viewer" },
		{ "{\"name\":\"x1\",\"password\":\"" PW_NEW "\"}", "role: " },
		{ "{\"name\":\"x1\",\"role\":\"office\",\"area\":\"51x\","
		  "\"password\":\"" PW_NEW "\"}", "area: " },
		{ "{\"name\":\"x1\",\"role\":\"office\",\"area\":5134,"
		  "\"password\":\"" PW_NEW "\"}", "area: must be a string" },
		{ "{\"name\":\"x1\",\"role\":\"office\"}", "password: required" },
		{ "{\"name\":\"x1\",\"role\":\"office\",\"password\":\"short\"}",
		  "password: must be at least 10 characters" },
		{ "{\"name\":\"x1\",\"role\":\"office\",\"password\":"
		  "\"0123456789\\u0007x\"}", "password: must be UTF-8" },
		{ "{\"name\":\"x1\",\"role\":\"office\",\"password\":\"" PW_NEW
		  "\",\"admin\":true}", "admin: unknown field" },
		{ "{\"name\":\"x\\u0000y\",\"role\":\"office\",\"password\":\""
		  PW_NEW "\"}", "name: holds a NUL" },
		{ "[\"x1\"]", "" },
		{ "{\"name\":", "" },
	};
	char big[1200], *huge;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		error_names(tok("POST", "/api/v1/users", ADMIN, bad[i].body),
		    400, bad[i].prefix);
	/* A password over 1024 bytes; a body over http.max_body (413). */
	memset(big, 'p', sizeof(big));
	memcpy(big, "{\"name\":\"x1\",\"role\":\"office\",\"password\":\"", 41);
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	error_names(tok("POST", "/api/v1/users", ADMIN, big), 400,
	    "password: must be at most 1024 bytes");
	huge = malloc(70000);
	ck_assert_ptr_nonnull(huge);
	memset(huge, ' ', 70000);
	huge[0] = '{';
	memcpy(huge + 69998, "}", 2);
	ck_assert_int_eq(tok("POST", "/api/v1/users", ADMIN, huge), 413);
	free(huge);
	/* The routes of one user: a password's, and none for the others. */
	error_names(tok("POST", "/api/v1/users/office1/password", ADMIN,
	    NULL), 400, "password: required");
	error_names(tok("POST", "/api/v1/users/office1/password", ADMIN,
	    "{\"password\":\"short\"}"), 400, "password: must be at least");
	error_names(tok("POST", "/api/v1/users/office1/password", ADMIN,
	    "{\"password\":\"" PW_NEW "\",\"role\":\"admin\"}"), 400,
	    "role: unknown field");
	error_names(tok("POST", "/api/v1/users/office1/disable", ADMIN,
	    "{\"until\":\"tomorrow\"}"), 400, "until: unknown field");
	ck_assert_int_eq(tok("POST", "/api/v1/users/office1/enable", ADMIN,
	    "{}"), 200);
	error_names(tok("GET", "/api/v1/users?limit=0", ADMIN, NULL), 400,
	    "limit: ");
	error_names(tok("GET", "/api/v1/users?role=admin", ADMIN, NULL), 400,
	    "role: unknown parameter");
	/* Nothing changed but that enable (of a user not disabled). */
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM console_users"),
	    4);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM console_users "
	    "WHERE disabled <> 0"), 0);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM audit WHERE "
	    "actor = 'ops'"), 1);
}
END_TEST

START_TEST(a_new_password_or_disabling_ends_the_users_sessions)
{
	struct json_object *o;
	struct cu_session a, c1, c2;
	char *audit;

	cu_sign_in(&T, &R, "admin1", PW_ADMIN, &a);
	cu_sign_in(&T, &R, "office1", PW_OFFICE, &c1);
	ck_assert_int_eq(as(&a, "POST", "/api/v1/users/office1/password",
	    "{\"password\":\"" PW_NEW "\"}", true), 200);
	o = body();
	ck_assert_str_eq(cu_str(o, "name"), "office1");
	ck_assert(json_object_get_boolean(cu_at(o, "sessions_ended")));
	json_object_put(o);
	ck_assert_int_eq(as(&c1, "GET", "/api/v1/feedback", NULL, false), 401);
	ck_assert_int_eq(login_as("office1", PW_OFFICE), 303);
	ck_assert_str_eq(cu_header(&R, "Location"),
	    "/console/login.html?error=1");
	cu_sign_in(&T, &R, "office1", PW_NEW, &c2);
	ck_assert(!log_has(PW_NEW));

	/* Disabled: its sessions end, it cannot sign in; enabled again. */
	ck_assert_int_eq(as(&a, "POST", "/api/v1/users/office1/disable", NULL,
	    true), 200);
	o = body();
	ck_assert(json_object_get_boolean(cu_at(o, "disabled")));
	json_object_put(o);
	ck_assert_int_eq(as(&c2, "GET", "/api/v1/feedback", NULL, false), 401);
	ck_assert_int_eq(login_as("office1", PW_NEW), 303);
	ck_assert_str_eq(cu_header(&R, "Location"),
	    "/console/login.html?error=1");
	ck_assert_int_eq(as(&a, "POST", "/api/v1/users/office1/enable", NULL,
	    true), 200);
	o = body();
	ck_assert(!json_object_get_boolean(cu_at(o, "disabled")));
	json_object_put(o);
	cu_sign_in(&T, &R, "office1", PW_NEW, &c2);

	/* An admin does not disable their own user. */
	error_names(as(&a, "POST", "/api/v1/users/admin1/disable", NULL,
	    true), 409, "name: ");
	ck_assert_int_eq(as(&a, "GET", "/api/v1/users", NULL, false), 200);
	audit = tg_query(&T, "SELECT group_concat(actor || ' ' || action, ',') "
	    "FROM (SELECT actor, action FROM audit WHERE target = 'office1' "
	    "AND actor <> 'fupinctl' ORDER BY id)");
	ck_assert_str_eq(audit, "user:admin1 user.passwd,user:admin1 "
	    "user.disable,user:admin1 user.enable");
	free(audit);
}
END_TEST

START_TEST(an_admin_unlocks_a_locked_out_name)
{
	struct json_object *o;
	struct cu_session a, v;
	char *out = NULL;
	int i;

	/* Signed in before: a lockout stops sign-ins, not sessions. */
	cu_sign_in(&T, &R, "admin1", PW_ADMIN, &a);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(login_as("viewer1", "wrong-password"),
		    i < 4 ? 303 : 429);
	/* The name is locked, and so is this client (127.0.0.1). */
	ck_assert_int_eq(login_as("viewer1", PW_VIEWER), 429);
	ck_assert_int_eq(login_as("admin1", PW_ADMIN), 429);
	ck_assert_int_eq(as(&a, "GET", "/api/v1/users?after=office2", NULL,
	    false), 200);
	o = body();
	ck_assert_str_eq(cu_str(o, "items[0].name"), "viewer1");
	ck_assert(json_object_is_type(cu_at(o, "items[0].locked_until"),
	    json_type_string));
	json_object_put(o);

	ck_assert_int_eq(as(&a, "POST", "/api/v1/users/viewer1/unlock", NULL,
	    true), 200);
	o = body();
	ck_assert(json_object_get_boolean(cu_at(o, "was_locked")));
	ck_assert_int_eq(json_object_get_int(cu_at(o, "clients_unlocked")), 1);
	ck_assert_ptr_null(cu_at(o, "locked_until"));
	json_object_put(o);
	cu_sign_in(&T, &R, "viewer1", PW_VIEWER, &v);
	ck_assert_int_eq(login_as("office1", PW_OFFICE), 303);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM audit WHERE "
	    "actor = 'user:admin1' AND action = 'user.unlock' AND target = "
	    "'viewer1'"), 1);

	/* Again, unlocked with fupinctl this time; a client that failed for
	 * other names too (a guesser) stays locked. */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(login_as("viewer1", "wrong-password"),
		    i < 4 ? 303 : 429);
	ck_assert_int_eq(cu_ctl(&T, "", "user unlock viewer1", &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "unlocked"));
	free(out);
	ck_assert_int_eq(login_as("viewer1", PW_VIEWER), 303);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(login_as(i < 4 ? "someone" : "viewer1",
		    "wrong-password"), i < 4 ? 303 : 429);
	ck_assert_int_eq(as(&a, "POST", "/api/v1/users/viewer1/unlock", NULL,
	    true), 200);
	o = body();
	ck_assert_int_eq(json_object_get_int(cu_at(o, "clients_unlocked")), 0);
	json_object_put(o);
	ck_assert_int_eq(login_as("viewer1", PW_VIEWER), 429);
	/* Not locked: an unlock says so, and changes nothing. */
	ck_assert_int_eq(as(&a, "POST", "/api/v1/users/office2/unlock", NULL,
	    true), 200);
	o = body();
	ck_assert(!json_object_get_boolean(cu_at(o, "was_locked")));
	json_object_put(o);
}
END_TEST

/* ---- feedback ----------------------------------------------------------- */

START_TEST(feedback_pages_by_key_and_filters_by_category)
{
	struct json_object *o;
	char got[256], path[128], key[32] = "";
	char all[256] = "";

	/* Every page joined is the one long page: no duplicate, no gap. */
	ck_assert_int_eq(tok("GET", "/api/v1/feedback?limit=10", ADMIN, NULL),
	    200);
	o = body();
	ck_assert_str_eq(join(o, "ticket", got, sizeof(got)),
	    "F7,F6,F5,F4,F3,F2,F1");
	ck_assert_int_eq(json_object_get_int(cu_at(o, "total")), 7);
	json_object_put(o);
	for (;;) {
		size_t len = strlen(all);

		snprintf(path, sizeof(path), "/api/v1/feedback?limit=3%s%s",
		    *key != '\0' ? "&after=" : "", key);
		ck_assert_int_eq(tok("GET", path, ADMIN, NULL), 200);
		o = body();
		snprintf(all + len, sizeof(all) - len, "%s%s", len > 0 ? "," :
		    "", join(o, "ticket", got, sizeof(got)));
		if (cu_at(o, "next") == NULL) {
			json_object_put(o);
			break;
		}
		ck_assert_int_eq(cu_count(o, "items"), 3);
		snprintf(key, sizeof(key), "%s", cu_str(o, "next"));
		json_object_put(o);
	}
	ck_assert_str_eq(all, "F7,F6,F5,F4,F3,F2,F1");
	/* offset still works (SPEC 3.5), with a "next" key too. */
	ck_assert_int_eq(tok("GET", "/api/v1/feedback?offset=5&limit=1",
	    ADMIN, NULL), 200);
	o = body();
	ck_assert_str_eq(join(o, "ticket", got, sizeof(got)), "F2");
	ck_assert_str_eq(cu_str(o, "next"), "2");
	json_object_put(o);

	/* Categories, the menu's and none (FK), with status and area. */
	ck_assert_int_eq(tok("GET", "/api/v1/feedback?category=water", OFFICE,
	    NULL), 200);
	o = body();
	ck_assert_str_eq(join(o, "ticket", got, sizeof(got)), "F6,F1");
	json_object_put(o);
	ck_assert_int_eq(tok("GET", "/api/v1/feedback?category=none&limit=5",
	    ADMIN, NULL), 200);
	o = body();
	ck_assert_str_eq(join(o, "ticket", got, sizeof(got)), "F7,F2");
	json_object_put(o);
	ck_assert_int_eq(tok("GET", "/api/v1/feedback?category=housing&"
	    "status=open&area=513431100", OFFICE, NULL), 200);
	o = body();
	ck_assert_str_eq(join(o, "ticket", got, sizeof(got)), "F4");
	json_object_put(o);
	ck_assert_int_eq(tok("GET", "/api/v1/feedback?category=subsidy&after=9",
	    VIEWER, NULL), 200);
	o = body();
	ck_assert_str_eq(join(o, "ticket", got, sizeof(got)), "F5");
	ck_assert_ptr_null(cu_at(o, "next"));
	json_object_put(o);

	/* Scope: 5134's office sees none of 5133's, and the reverse. */
	ck_assert_int_eq(tok("GET", "/api/v1/feedback?limit=50", OFFICE, NULL),
	    200);
	o = body();
	ck_assert_str_eq(join(o, "ticket", got, sizeof(got)),
	    "F6,F5,F4,F2,F1");
	json_object_put(o);
	ck_assert_int_eq(tok("GET", "/api/v1/feedback?area=5133", OFFICE,
	    NULL), 403);
}
END_TEST

START_TEST(feedback_bad_parameters_are_400_naming_them)
{
	static const struct {
		const char	*query;
		const char	*prefix;
	} bad[] = {
		{ "category=Water", "category: " },
		{ "category=", "category: " },
		{ "category=a%20b", "category: " },
		{ "category=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "category: " },
		{ "after=0", "after: " },
		{ "after=F3", "after: " },
		{ "after=3&offset=1", "after: not with offset" },
		{ "limit=501", "limit: " },
		{ "status=maybe", "status: " },
		{ "sort=new", "sort: unknown parameter" },
		{ "status=open&status=closed", "status: given twice" },
		{ "area=51x", "area: " },
	};
	char path[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/api/v1/feedback?%s",
		    bad[i].query);
		error_names(tok("GET", path, OFFICE, NULL), 400, bad[i].prefix);
	}
	ck_assert_int_eq(tok("GET", "/api/v1/feedback", NULL, NULL), 401);
	ck_assert_int_eq(tok("GET", "/api/v1/feedback/F1", NULL, NULL), 401);
	ck_assert_int_eq(tok("GET", "/api/v1/feedback/F1", "nope", NULL), 401);
	ck_assert_int_eq(tok("GET", "/api/v1/feedback/F1?lang=zh", OFFICE,
	    NULL), 400);
}
END_TEST

START_TEST(a_ticket_comes_with_its_household_scoped_and_masked)
{
	struct json_object *o;
	struct cu_session g;

	ck_assert_int_eq(tok("GET", "/api/v1/feedback/F1", OFFICE, NULL), 200);
	o = body();
	ck_assert_str_eq(cu_str(o, "ticket"), "F1");
	ck_assert_str_eq(cu_str(o, "category"), "water");
	ck_assert_str_eq(cu_str(o, "msisdn"), "+8613900000001");
	ck_assert_str_eq(cu_str(o, "household.household_id"), "H1");
	ck_assert_str_eq(cu_str(o, "household.head_name"), "吉克阿木");
	ck_assert_str_eq(cu_str(o, "household.cadre.name"), "李明辉");
	ck_assert_ptr_nonnull(strstr(cu_str(o, "household.summary"),
	    "19908349001"));
	json_object_put(o);
	ck_assert(log_has("api.lookup ticket=F1 token=ls"));

	/* A viewer: every number masked, in the texts too. */
	ck_assert_int_eq(tok("GET", "/api/v1/feedback/F1", VIEWER, NULL), 200);
	ck_assert_msg(!has_full_number(R.body), "%s", R.body);
	o = body();
	ck_assert_str_eq(cu_str(o, "msisdn"), "139****0001");
	ck_assert_ptr_nonnull(strstr(cu_str(o, "text"), "139****0001"));
	ck_assert_ptr_nonnull(strstr(cu_str(o, "household.summary"),
	    "199****9001"));
	json_object_put(o);
	ck_assert_int_eq(tok("GET", "/api/v1/feedback?category=water", VIEWER,
	    NULL), 200);
	ck_assert_msg(!has_full_number(R.body), "%s", R.body);

	/* No household: null.  Another prefecture's ticket: 403, for a
	 * session of 5133 too; 5133's own is there. */
	ck_assert_int_eq(tok("GET", "/api/v1/feedback/F7", ADMIN, NULL), 200);
	o = body();
	ck_assert(cu_at(o, "household") == NULL);
	json_object_put(o);
	ck_assert_int_eq(tok("GET", "/api/v1/feedback/F7", OFFICE, NULL), 403);
	ck_assert_int_eq(tok("GET", "/api/v1/feedback/F3", OFFICE, NULL), 403);
	ck_assert(strstr(R.body, "扎西") == NULL);
	cu_sign_in(&T, &R, "office2", PW_GARZE, &g);
	ck_assert_int_eq(as(&g, "GET", "/api/v1/feedback/F1", NULL, false),
	    403);
	ck_assert(strstr(R.body, "吉克") == NULL);
	ck_assert_int_eq(as(&g, "GET", "/api/v1/feedback?limit=50", NULL,
	    false), 200);
	ck_assert(strstr(R.body, "\"F1\"") == NULL);
	ck_assert_ptr_nonnull(strstr(R.body, "\"F3\""));
	ck_assert_int_eq(as(&g, "GET", "/api/v1/feedback/F3", NULL, false),
	    200);
	/* Nobody's, and the wrong methods and paths. */
	ck_assert_int_eq(tok("GET", "/api/v1/feedback/F99", ADMIN, NULL), 404);
	ck_assert_int_eq(tok("POST", "/api/v1/feedback/F1", ADMIN, "{}"), 405);
	ck_assert_int_eq(tok("GET", "/api/v1/feedback/F1/close", ADMIN, NULL),
	    405);
	ck_assert_int_eq(tok("GET", "/api/v1/feedback/F1/more", ADMIN, NULL),
	    404);
	/* Closing still works, and the ticket then says so. */
	ck_assert_int_eq(as(&g, "POST", "/api/v1/feedback/F3/close",
	    "{\"resolution\":\"已处理\"}", true), 200);
	ck_assert_int_eq(as(&g, "GET", "/api/v1/feedback/F3", NULL, false),
	    200);
	o = body();
	ck_assert_str_eq(cu_str(o, "status"), "closed");
	ck_assert_str_eq(cu_str(o, "closed_by"), "user:office2");
	json_object_put(o);
}
END_TEST

/* ---- cadres ------------------------------------------------------------- */

START_TEST(cadres_are_searched_by_name_inside_the_scope)
{
	struct json_object *o;
	struct cu_session g;
	char got[256];

	ck_assert_int_eq(tok("GET", "/api/v1/cadres", ADMIN, NULL), 200);
	o = body();
	ck_assert_str_eq(join(o, "cadre_id", got, sizeof(got)),
	    "C1,C2,C3,C4");
	ck_assert_str_eq(cu_str(o, "items[0].name"), "李明辉");
	ck_assert_str_eq(cu_str(o, "items[0].phone"), "+8619908349001");
	ck_assert_str_eq(cu_str(o, "items[0].area_code"), "513431100");
	ck_assert_str_eq(cu_str(o, "items[0].title"), "第一书记");
	ck_assert_ptr_null(cu_at(o, "next"));
	json_object_put(o);
	/* 5134's office: its own; a search by name, by id in any case. */
	ck_assert_int_eq(tok("GET", "/api/v1/cadres", OFFICE, NULL), 200);
	o = body();
	ck_assert_str_eq(join(o, "cadre_id", got, sizeof(got)), "C1,C3,C4");
	json_object_put(o);
	ck_assert_int_eq(tok("GET", "/api/v1/cadres?q=%E7%8E%8B", OFFICE,
	    NULL), 200);	/* 王: not 5133's 王芳 */
	o = body();
	ck_assert_str_eq(join(o, "cadre_id", got, sizeof(got)), "C3");
	json_object_put(o);
	ck_assert_int_eq(tok("GET", "/api/v1/cadres?q=c1", OFFICE, NULL), 200);
	o = body();
	ck_assert_str_eq(join(o, "cadre_id", got, sizeof(got)), "C1");
	json_object_put(o);
	/* % and _ are only themselves. */
	ck_assert_int_eq(tok("GET", "/api/v1/cadres?q=%25_", OFFICE, NULL),
	    200);
	o = body();
	ck_assert_str_eq(join(o, "cadre_id", got, sizeof(got)), "C4");
	json_object_put(o);
	ck_assert_int_eq(tok("GET", "/api/v1/cadres?area=513431101", OFFICE,
	    NULL), 200);
	o = body();
	ck_assert_str_eq(join(o, "cadre_id", got, sizeof(got)), "C3,C4");
	json_object_put(o);
	/* Paged by id. */
	ck_assert_int_eq(tok("GET", "/api/v1/cadres?limit=2", OFFICE, NULL),
	    200);
	o = body();
	ck_assert_str_eq(join(o, "cadre_id", got, sizeof(got)), "C1,C3");
	ck_assert_str_eq(cu_str(o, "next"), "C3");
	json_object_put(o);
	ck_assert_int_eq(tok("GET", "/api/v1/cadres?limit=2&after=C3", OFFICE,
	    NULL), 200);
	o = body();
	ck_assert_str_eq(join(o, "cadre_id", got, sizeof(got)), "C4");
	ck_assert_ptr_null(cu_at(o, "next"));
	json_object_put(o);
	/* A viewer: masked; a search never looks at the numbers. */
	ck_assert_int_eq(tok("GET", "/api/v1/cadres", VIEWER, NULL), 200);
	ck_assert_msg(!has_full_number(R.body), "%s", R.body);
	o = body();
	ck_assert_str_eq(cu_str(o, "items[0].phone"), "199****9001");
	json_object_put(o);
	ck_assert_int_eq(tok("GET", "/api/v1/cadres?q=9001", VIEWER, NULL),
	    200);
	o = body();
	ck_assert_int_eq(cu_count(o, "items"), 0);
	json_object_put(o);
	/* 5133's office session: only 王芳. */
	cu_sign_in(&T, &R, "office2", PW_GARZE, &g);
	ck_assert_int_eq(as(&g, "GET", "/api/v1/cadres", NULL, false), 200);
	o = body();
	ck_assert_str_eq(join(o, "cadre_id", got, sizeof(got)), "C2");
	json_object_put(o);
	ck_assert_int_eq(as(&g, "GET", "/api/v1/cadres?area=5134", NULL,
	    false), 403);
	/* Refusals. */
	ck_assert_int_eq(tok("GET", "/api/v1/cadres", NULL, NULL), 401);
	error_names(tok("GET", "/api/v1/cadres?q="
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", OFFICE, NULL), 400, "q: ");
	error_names(tok("GET", "/api/v1/cadres?q=a%0Ab", OFFICE, NULL), 400,
	    "q: ");
	error_names(tok("GET", "/api/v1/cadres?name=x", OFFICE, NULL), 400,
	    "name: unknown parameter");
	error_names(tok("GET", "/api/v1/cadres?limit=x", OFFICE, NULL), 400,
	    "limit: ");
	error_names(tok("GET", "/api/v1/cadres?area=5x", OFFICE, NULL), 400,
	    "area: ");
	ck_assert_int_eq(tok("POST", "/api/v1/cadres", ADMIN, "{}"), 405);
}
END_TEST

/* ---- a broadcast's failures ------------------------------------------- */

START_TEST(a_broadcast_shows_its_failures_by_reason)
{
	struct json_object *o;
	char *id;

	ck_assert_int_eq(tok("POST", "/api/v1/broadcasts", ADMIN,
	    "{\"template\":\"general_notice\",\"vars\":{\"text\":\"开会\"},"
	    "\"audience\":{\"area\":\"51\"}}"), 201);
	ck_assert(tg_wait_int(&T, "SELECT count(*) FROM broadcasts WHERE "
	    "status = 'finished'", 1));
	ck_assert(tg_wait_int(&T, "SELECT count(*) FROM sms_out WHERE "
	    "broadcast_id IS NOT NULL AND status = 'delivered'", 3));
	id = tg_query(&T, "SELECT id FROM broadcasts");
	ck_assert_int_eq(tok("GET", "/api/v1/broadcasts/1", OFFICE, NULL), 403);
	ck_assert_int_eq(tok("GET", "/api/v1/broadcasts/1", ADMIN, NULL), 200);
	o = body();
	ck_assert_int_eq(cu_count(o, "failures"), 0);
	json_object_put(o);
	/* Failures as the sender and a delivery report write them. */
	cu_exec_sql(&T, "UPDATE sms_out SET status = 'failed', last_error = "
	    "'http 503: busy; gave up after 8 attempts' WHERE msisdn = "
	    "'+8613900000001';"
	    "UPDATE sms_out SET status = 'failed', last_error = 'http 503: "
	    "later' WHERE msisdn = '+8613900000002';"
	    "UPDATE sms_out SET status = 'expired', last_error = 'validity "
	    "expired' WHERE msisdn = '+8613900000003';");
	ck_assert_int_eq(tok("GET", "/api/v1/broadcasts/1", ADMIN, NULL), 200);
	o = body();
	ck_assert_int_eq(cu_count(o, "failures"), 2);
	ck_assert_str_eq(cu_str(o, "failures[0].reason"), "http 503");
	ck_assert_str_eq(cu_str(o, "failures[0].provider"), "local");
	ck_assert_str_eq(cu_str(o, "failures[0].status"), "failed");
	ck_assert_int_eq(json_object_get_int(cu_at(o, "failures[0].count")), 2);
	ck_assert_str_eq(cu_str(o, "failures[1].reason"), "validity expired");
	ck_assert_str_eq(cu_str(o, "failures[1].status"), "expired");
	ck_assert_int_eq(json_object_get_int(cu_at(o, "failures[1].count")), 1);
	ck_assert_int_eq(json_object_get_int(cu_at(o, "counts.failed")), 2);
	json_object_put(o);
	/* A viewer of everywhere's broadcast: still the admin's only. */
	ck_assert_int_eq(tok("GET", "/api/v1/broadcasts/1", VIEWER, NULL), 403);
	ck_assert_int_eq(tok("GET", "/api/v1/broadcasts/1", NULL, NULL), 401);
	free(id);
}
END_TEST

Suite *
console_users_suite(void)
{
	Suite *s = suite_create("console_users");
	TCase *tc = tcase_create("users");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, users_are_listed_by_name_without_any_hash);
	tcase_add_test(tc, users_routes_are_for_admins_only);
	tcase_add_test(tc, an_admin_adds_a_user_who_signs_in);
	tcase_add_test(tc, bad_user_bodies_are_400_naming_the_field);
	tcase_add_test(tc, a_new_password_or_disabling_ends_the_users_sessions);
	tcase_add_test(tc, an_admin_unlocks_a_locked_out_name);
	suite_add_tcase(s, tc);
	tc = tcase_create("reads");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, feedback_pages_by_key_and_filters_by_category);
	tcase_add_test(tc, feedback_bad_parameters_are_400_naming_them);
	tcase_add_test(tc, a_ticket_comes_with_its_household_scoped_and_masked);
	tcase_add_test(tc, cadres_are_searched_by_name_inside_the_scope);
	tcase_add_test(tc, a_broadcast_shows_its_failures_by_reason);
	suite_add_tcase(s, tc);
	return s;
}
