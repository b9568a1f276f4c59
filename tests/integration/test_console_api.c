/*
 * test_console_api.c: the console's read routes (SPEC 10) against the
 * real gateway on a loopback socket: GET /api/v1/overview, /areas,
 * /tasks, /households/{id}, /messages?msisdn=, /templates and the
 * broadcasts paged by key.  A small known registry (two prefectures of
 * province 51 and a county of a third), messages through the real
 * webhook and the file provider, tasks through the real alerts API; then
 * each answer's shape and numbers, the roles (a viewer sees masked
 * numbers), the area scope (an office of one prefecture never sees
 * another's households, areas, tasks, messages or counts), paging by key
 * (every page joined is the one long page: no duplicate, no gap), every
 * bad parameter a 400 naming it, no token a 401.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "console_util.h"
#include "gwtest.h"
#include "testutil.h"

/* Tokens: sha256 of the secrets, filled in at setup. */
#define CONF \
	"api = { tokens = (" \
	" { name = \"ops\"; role = \"admin\"; token_sha256 = \"%s\"; }," \
	" { name = \"ls\"; role = \"office\"; area = \"5134\"; " \
	"token_sha256 = \"%s\"; }," \
	" { name = \"gz\"; role = \"office\"; area = \"5133\"; " \
	"token_sha256 = \"%s\"; }," \
	" { name = \"view\"; role = \"viewer\"; area = \"5134\"; " \
	"token_sha256 = \"%s\"; } ); };\n" \
	"schedule = { quiet_hours = \"\"; };\n"

#define ADMIN	"admin-secret"
#define OFFICE	"office-secret"	/* 5134, 凉山 */
#define GARZE	"garze-secret"	/* 5133, 甘孜 */
#define VIEWER	"viewer-secret"	/* 5134 */

/*
 * Five households: three in 5134 (two villages of town 513431100, one
 * of town 513431101), one in 5133, one in 5119 without a cadre.
 */
static const char registry[] =
"INSERT INTO cadres(cadre_id, name, phone, area_code, title, updated_at)"
" VALUES ('C1', '李明辉', '+8619908349001', '513431100', '第一书记', 0),"
" ('C2', '王芳', '+8619908349002', '513334100', '帮扶责任人', 0),"
" ('C3', '张强', '+8619908349003', '513431101', '村主任', 0);"
"INSERT INTO households(household_id, area_code, head_name, members,"
" status, cadre_id, language, updated_at) VALUES"
" ('H1', '513431100201', '吉克阿木', 2, 'poor', 'C1', 'zh', 0),"
" ('H2', '513431100202', '阿苏拉则', 1, 'monitored', 'C1', 'zh', 0),"
" ('H3', '513334100101', '扎西', 1, 'exited', 'C2', 'bo', 0),"
" ('H4', '513431101201', '曲比阿衣', 1, 'poor', 'C3', 'zh', 0),"
" ('H5', '511921100301', '张德明', 1, 'poor', NULL, 'zh', 0);"
"INSERT INTO members(member_id, household_id, name, phone, relation,"
" updated_at) VALUES"
" ('M1', 'H1', '吉克阿木', '+8613900000001', '户主', 0),"
" ('M2', 'H1', '吉克阿呷', '+8613900000002', '子女', 0),"
" ('M3', 'H2', '阿苏拉则', '+8613900000003', '户主', 0),"
" ('M4', 'H3', '扎西', '+8613900000004', '户主', 0),"
" ('M5', 'H4', '曲比阿衣', '+8613900000005', '户主', 0),"
" ('M6', 'H5', '张德明', '+8613900000006', '户主', 0);"
"INSERT INTO enrollments(member_id, program, status, updated_on,"
" updated_at) VALUES ('M2', 'YL', 'enrolled', '2026-09-01', 0);"
"INSERT INTO payments(household_id, program, amount_fen, paid_on, note,"
" updated_at) VALUES ('H1', 'YL', 150000, '2026-03-01', '春季学期', 0);";

static struct tg T;

/* Migrate with fupinctl, load the registry, then start the gateway (so
 * its first count of households per area sees them). */
static void
setup(void)
{
	char extra[1024], a[65], o[65], g[65], v[65];

	tu_token_sha256(ADMIN, a);
	tu_token_sha256(OFFICE, o);
	tu_token_sha256(GARZE, g);
	tu_token_sha256(VIEWER, v);
	snprintf(extra, sizeof(extra), CONF, a, o, g, v);
	tg_init(&T, extra);
	cu_ctl_ok(&T, "", "migrate");
	cu_exec_sql(&T, registry);
	tg_start(&T);
}

static void
teardown(void)
{
	tg_cleanup(&T);
}

static struct tg_reply R;

/* GET path with token (NULL: none); the status; the body parsed into
 * *o (the caller puts it) when it is JSON. */
static long
get(const char *path, const char *token, struct json_object **o)
{
	long status = cu_bearer_request(&T, &R, "GET", path, token, NULL);

	if (o != NULL)
		*o = json_tokener_parse(R.body);
	return status;
}

static long
post(const char *path, const char *token, const char *body)
{
	return cu_bearer_request(&T, &R, "POST", path, token, body);
}

/* A villager's SMS through the real webhook (loopback route). */
static void
mo(const char *from, const char *text)
{
	char body[256];

	snprintf(body, sizeof(body), "from=%s&text=%s", from, text);
	ck_assert_int_eq(tg_request(&T, "POST", "/sms/inbound",
	    "application/x-www-form-urlencoded", body, strlen(body), NULL,
	    false, &R), 0);
	ck_assert_int_eq(R.status, 202);
}

/* The number at path; -1 when absent. */
static long long
num(struct json_object *o, const char *path)
{
	struct json_object *v = cu_at(o, path);

	return v != NULL ? json_object_get_int64(v) : -1;
}

/* ---- the scenario of the counting tests --------------------------------- */

/*
 * Messages in: CX from M1 and M3, FK from M5 (a ticket), QR T2 from the
 * cadre C3 (5134: 4); CX from M4 (5133: 1); a stranger's text (no area:
 * 1).  Out: a reply to each (6), the alert SMS to C1, C3 (5134) and C2
 * (5133), all delivered by the file provider, and a failure written as
 * the sender writes one, to M2 (5134).  5134: 7 created, 6 delivered, 1
 * failed; 5133: 2 and 2; everything: 10, 9, 1.  Tasks: T1 (C1, 5134)
 * overdue, T2 (C3, 5134) acknowledged, T3 (C2, 5133) escalated.
 */
static void
scenario(void)
{
	struct json_object *o = NULL;
	int i;

	ck_assert_int_eq(post("/api/v1/alerts", ADMIN, "{\"cadres\":[\"C1\","
	    "\"C3\"],\"text\":\"请入户核实住房\"}"), 201);
	ck_assert_int_eq(post("/api/v1/alerts", ADMIN, "{\"cadres\":[\"C2\"],"
	    "\"text\":\"请核实补助\"}"), 201);
	mo("13900000001", "CX");
	mo("13900000003", "CX");
	mo("13900000005", "FK%20路灯坏了");
	mo("13900000004", "CX");
	mo("13900000009", "hello");
	mo("19908349003", "QR%20T2");
	ck_assert(tg_wait_int(&T, "SELECT count(*) FROM sms_out WHERE status "
	    "= 'delivered'", 9));
	cu_exec_sql(&T, "INSERT INTO sms_out(id, msisdn, text, kind, encoding, "
	    "segments, provider, status, attempts, next_attempt_at, expires_at,"
	    " last_error, created_at, updated_at) SELECT m + 1, "
	    "'+8613900000002', '通知', 'api', 'ucs2', 1, 'local', 'failed', 1, "
	    "t, t + 86400, 'http 400: invalid number', t, t FROM (SELECT "
	    "max((SELECT max(id) FROM sms_in), (SELECT max(id) FROM sms_out)) "
	    "AS m, CAST(strftime('%s', 'now') AS INTEGER) AS t);"
	    "INSERT INTO sms_out_history(message_id, status, at, detail) "
	    "SELECT id, s, created_at, d FROM sms_out, (SELECT 'queued' AS s, "
	    "NULL AS d UNION ALL SELECT 'sending', NULL UNION ALL SELECT "
	    "'failed', 'http 400: invalid number') WHERE status = 'failed';"
	    "UPDATE tasks SET resent_at = created_at, overdue_at = created_at "
	    "WHERE task_number = 'T1';"
	    "UPDATE tasks SET resent_at = created_at WHERE task_number = 'T3';");
	/* The rollup runs every 2 s. */
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(get("/api/v1/overview", ADMIN, &o), 200);
		if (num(o, "last_7_days.mt.created") == 10 &&
		    num(o, "last_7_days.mt.delivered") == 9 &&
		    num(o, "last_7_days.mt.failed") == 1 &&
		    num(o, "last_7_days.mo") == 6)
			break;
		json_object_put(o);
		o = NULL;
		usleep(200000);
	}
	ck_assert_msg(o != NULL, "the overview never counted it all: %s",
	    R.body);
	json_object_put(o);
}

START_TEST(overview_counts_in_and_out_per_day_and_scope)
{
	struct json_object *o = NULL, *d;
	long long mo = 0, created = 0;
	int i;

	scenario();
	ck_assert_int_eq(get("/api/v1/overview", ADMIN, &o), 200);
	ck_assert_str_eq(cu_str(o, "scope"), "");
	ck_assert_str_eq(cu_str(o, "timezone"), "Asia/Shanghai");
	ck_assert_int_eq(num(o, "last_7_days.mt.sent"), 9);
	ck_assert_int_eq(num(o, "last_7_days.mt.expired"), 0);
	ck_assert_double_eq_tol(json_object_get_double(cu_at(o,
	    "last_7_days.delivery_rate")), 0.9, 0.0001);
	ck_assert_int_eq(cu_count(o, "last_7_days.failures"), 1);
	ck_assert_str_eq(cu_str(o, "last_7_days.failures[0].provider"),
	    "local");
	ck_assert_str_eq(cu_str(o, "last_7_days.failures[0].reason"),
	    "http 400");
	ck_assert_int_eq(num(o, "last_7_days.failures[0].count"), 1);
	/* Seven days, oldest first, today last; they add up to the week. */
	ck_assert_int_eq(cu_count(o, "days"), 7);
	ck_assert_str_eq(cu_str(o, "days[6].day"), cu_str(o, "today.day"));
	for (i = 0; i < 7; i++) {
		char p[32];

		snprintf(p, sizeof(p), "days[%d].mo", i);
		mo += num(o, p);
		snprintf(p, sizeof(p), "days[%d].mt.created", i);
		created += num(o, p);
	}
	ck_assert_int_eq(mo, 6);
	ck_assert_int_eq(created, 10);
	ck_assert_int_eq(num(o, "feedback.open"), 1);
	ck_assert_int_eq(num(o, "tasks.open"), 2);
	ck_assert_int_eq(num(o, "tasks.overdue"), 1);
	ck_assert_int_eq(num(o, "tasks.escalated"), 1);
	ck_assert(json_object_object_get_ex(o, "queues", &d));
	ck_assert_int_eq(num(o, "queues.outbox_queued"), 0);
	ck_assert_int_ge(num(o, "queues.event_outbox"), 1);	/* no bridge */
	ck_assert_int_eq(num(o, "queues.dlr_callbacks"), 0);
	json_object_put(o);

	/* The office of 5134 (and its viewer) see 5134's numbers only. */
	ck_assert_int_eq(get("/api/v1/overview", OFFICE, &o), 200);
	ck_assert_str_eq(cu_str(o, "scope"), "5134");
	ck_assert_int_eq(num(o, "last_7_days.mo"), 4);
	ck_assert_int_eq(num(o, "last_7_days.mt.created"), 7);
	ck_assert_int_eq(num(o, "last_7_days.mt.delivered"), 6);
	ck_assert_int_eq(num(o, "last_7_days.mt.failed"), 1);
	ck_assert_double_eq_tol(json_object_get_double(cu_at(o,
	    "last_7_days.delivery_rate")), 6.0 / 7.0, 0.0001);
	ck_assert_int_eq(num(o, "feedback.open"), 1);
	ck_assert_int_eq(num(o, "tasks.open"), 1);
	ck_assert_int_eq(num(o, "tasks.overdue"), 1);
	ck_assert_int_eq(num(o, "tasks.escalated"), 0);
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/overview", VIEWER, &o), 200);
	ck_assert_int_eq(num(o, "last_7_days.mo"), 4);
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/overview", GARZE, &o), 200);
	ck_assert_int_eq(num(o, "last_7_days.mo"), 1);
	ck_assert_int_eq(num(o, "last_7_days.mt.created"), 2);
	ck_assert_int_eq(num(o, "last_7_days.mt.failed"), 0);
	ck_assert_int_eq(cu_count(o, "last_7_days.failures"), 0);
	ck_assert_int_eq(num(o, "feedback.open"), 0);
	ck_assert_int_eq(num(o, "tasks.open"), 1);
	ck_assert_int_eq(num(o, "tasks.escalated"), 1);
	json_object_put(o);
	/* A town's: the area-code grain. */
	ck_assert_int_eq(get("/api/v1/overview?area=513431101", ADMIN, &o),
	    200);
	ck_assert_int_eq(num(o, "last_7_days.mo"), 2);	/* M5, C3 */
	ck_assert_int_eq(num(o, "last_7_days.mt.created"), 3);
	json_object_put(o);
	/* An office cannot look at another prefecture. */
	ck_assert_int_eq(get("/api/v1/overview?area=5133", OFFICE, NULL), 403);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM console_counts "
	    "WHERE grain = 0 AND what = 'mo'"), 1);
}
END_TEST

START_TEST(areas_are_the_tree_below_the_scope_with_households)
{
	static const char *const office[] = { "5134", "513431", "513431100",
	    "513431100201", "513431100202", "513431101", "513431101201" };
	struct json_object *o = NULL;
	size_t i;

	ck_assert_int_eq(get("/api/v1/areas", ADMIN, &o), 200);
	ck_assert_int_eq(cu_count(o, "items"), 16);
	ck_assert_str_eq(cu_str(o, "items[0].code"), "51");
	ck_assert_str_eq(cu_str(o, "items[0].level"), "province");
	ck_assert_int_eq(num(o, "items[0].households"), 5);
	ck_assert_int_eq(num(o, "items[0].children"), 3);
	ck_assert_ptr_null(cu_at(o, "items[0].parent"));
	ck_assert(json_object_is_type(cu_at(o, "next"), json_type_null));
	json_object_put(o);

	ck_assert_int_eq(get("/api/v1/areas", OFFICE, &o), 200);
	ck_assert_int_eq(cu_count(o, "items"), 7);
	for (i = 0; i < 7; i++) {
		char p[32];

		snprintf(p, sizeof(p), "items[%zu].code", i);
		ck_assert_str_eq(cu_str(o, p), office[i]);
	}
	ck_assert_str_eq(cu_str(o, "items[0].level"), "prefecture");
	ck_assert_int_eq(num(o, "items[0].households"), 3);
	ck_assert_str_eq(cu_str(o, "items[2].level"), "town");
	ck_assert_str_eq(cu_str(o, "items[2].parent"), "513431");
	ck_assert_int_eq(num(o, "items[2].households"), 2);
	ck_assert_int_eq(num(o, "items[2].children"), 2);
	ck_assert_str_eq(cu_str(o, "items[3].level"), "village");
	ck_assert_int_eq(num(o, "items[3].households"), 1);
	ck_assert(strstr(R.body, "5133") == NULL);
	ck_assert(strstr(R.body, "5119") == NULL);
	json_object_put(o);

	/* Narrower than the scope, one level down; wider is the scope. */
	ck_assert_int_eq(get("/api/v1/areas?area=513431&depth=1", OFFICE, &o),
	    200);
	ck_assert_int_eq(cu_count(o, "items"), 3);
	ck_assert_str_eq(cu_str(o, "items[2].code"), "513431101");
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/areas?area=51", OFFICE, &o), 200);
	ck_assert_int_eq(cu_count(o, "items"), 7);
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/areas?area=5133", OFFICE, &o), 403);
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/areas?depth=1", ADMIN, &o), 200);
	ck_assert_int_eq(cu_count(o, "items"), 1);	/* the province */
	json_object_put(o);
}
END_TEST

/* Every page of path (with `limit`) joined: the keys at `field`. */
static size_t
all_pages(const char *path, const char *token, int limit, const char *field,
    char keys[][64], size_t max)
{
	struct json_object *o = NULL, *next;
	char url[512], after[128] = "";
	size_t n = 0, i, pages = 0;

	for (;;) {
		snprintf(url, sizeof(url), "%s%slimit=%d%s%s", path,
		    strchr(path, '?') != NULL ? "&" : "?", limit,
		    *after != '\0' ? "&after=" : "", after);
		ck_assert_msg(get(url, token, &o) == 200, "%s: %s", url,
		    R.body);
		ck_assert_msg(cu_at(o, "items") != NULL, "%s: %.200s", url,
		    R.body);
		ck_assert_int_le(cu_count(o, "items"), limit);
		for (i = 0; i < cu_count(o, "items"); i++) {
			char p[80];

			snprintf(p, sizeof(p), "items[%zu].%s", i, field);
			ck_assert_uint_lt(n, max);
			snprintf(keys[n++], 64, "%s", cu_str(o, p));
		}
		next = cu_at(o, "next");
		if (next == NULL || json_object_is_type(next, json_type_null)) {
			json_object_put(o);
			break;
		}
		/* the next key is the last item's */
		ck_assert_str_eq(json_object_get_string(next), keys[n - 1]);
		snprintf(after, sizeof(after), "%s",
		    json_object_get_string(next));
		json_object_put(o);
		ck_assert_uint_lt(++pages, 1000);
	}
	return n;
}

/*
 * Paging by key gives the pages of `long_limit` (one long page when it
 * holds them all): same keys, same order.
 */
static void
pages_match_by(const char *path, const char *token, int long_limit,
    int limit, const char *field, size_t want)
{
	static char one[600][64], paged[600][64];
	size_t n1, n2, i, j;

	n1 = all_pages(path, token, long_limit, field, one, 600);
	n2 = all_pages(path, token, limit, field, paged, 600);
	ck_assert_uint_eq(n1, want);
	ck_assert_uint_eq(n2, n1);
	for (i = 0; i < n1; i++) {
		ck_assert_str_eq(paged[i], one[i]);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(paged[i], paged[j]);
	}
}

static void
pages_match(const char *path, const char *token, int limit,
    const char *field, size_t want)
{
	pages_match_by(path, token, 500, limit, field, want);
}

START_TEST(every_list_pages_by_key_without_duplicates_or_gaps)
{
	char body[256];
	int i;

	scenario();
	pages_match("/api/v1/areas", ADMIN, 3, "code", 16);
	pages_match("/api/v1/areas", OFFICE, 2, "code", 7);
	pages_match("/api/v1/tasks", ADMIN, 1, "task_number", 3);
	pages_match("/api/v1/tasks?status=open", ADMIN, 1, "task_number", 2);
	pages_match("/api/v1/messages?msisdn=13900000001", ADMIN, 1, "id", 2);
	pages_match("/api/v1/messages?msisdn=%2B8619908349003", OFFICE, 1,
	    "id", 3);	/* alert, QR T2, its reply */
	for (i = 0; i < 5; i++) {
		snprintf(body, sizeof(body), "{\"text\":\"第%d期通知\",\"audience\":"
		    "{\"area\":\"513431101\"}}", i);
		ck_assert_int_eq(post("/api/v1/broadcasts", ADMIN, body), 201);
	}
	pages_match("/api/v1/broadcasts", ADMIN, 2, "id", 5);
	/* offset (SPEC 3.5) still works, and not with after. */
	ck_assert_int_eq(get("/api/v1/broadcasts?offset=4&limit=2", ADMIN,
	    NULL), 200);
	ck_assert_ptr_nonnull(strstr(R.body, "\"id\":\"1\""));
	ck_assert_ptr_nonnull(strstr(R.body, "\"total\":5"));
}
END_TEST

START_TEST(tasks_put_overdue_and_escalated_first_inside_the_scope)
{
	struct json_object *o = NULL;

	scenario();
	ck_assert_int_eq(get("/api/v1/tasks", ADMIN, &o), 200);
	ck_assert_int_eq(cu_count(o, "items"), 3);
	ck_assert_str_eq(cu_str(o, "items[0].task_number"), "T1");
	ck_assert(json_object_get_boolean(cu_at(o, "items[0].overdue")));
	ck_assert_str_eq(cu_str(o, "items[1].task_number"), "T3");
	ck_assert(!json_object_get_boolean(cu_at(o, "items[1].overdue")));
	ck_assert(json_object_get_boolean(cu_at(o, "items[1].escalated")));
	ck_assert_str_eq(cu_str(o, "items[2].task_number"), "T2");
	ck_assert_str_eq(cu_str(o, "items[2].status"), "acked");
	ck_assert_ptr_nonnull(cu_at(o, "items[2].acked_at"));
	ck_assert_str_eq(cu_str(o, "items[0].cadre_id"), "C1");
	ck_assert_str_eq(cu_str(o, "items[0].cadre_name"), "李明辉");
	ck_assert_str_eq(cu_str(o, "items[0].cadre_phone"), "+8619908349001");
	ck_assert_str_eq(cu_str(o, "items[0].text"), "请入户核实住房");
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/tasks?status=overdue", ADMIN, &o), 200);
	ck_assert_int_eq(cu_count(o, "items"), 1);
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/tasks?status=acked", ADMIN, &o), 200);
	ck_assert_int_eq(cu_count(o, "items"), 1);
	ck_assert_str_eq(cu_str(o, "items[0].task_number"), "T2");
	json_object_put(o);
	/* 5134 sees T1 and T2, never T3 (5133); 5133 the reverse. */
	ck_assert_int_eq(get("/api/v1/tasks", OFFICE, &o), 200);
	ck_assert_int_eq(cu_count(o, "items"), 2);
	ck_assert(strstr(R.body, "\"T3\"") == NULL);
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/tasks", GARZE, &o), 200);
	ck_assert_int_eq(cu_count(o, "items"), 1);
	ck_assert_str_eq(cu_str(o, "items[0].task_number"), "T3");
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/tasks?after=T3", OFFICE, NULL), 400);
	/* A viewer sees the cadre's number masked. */
	ck_assert_int_eq(get("/api/v1/tasks", VIEWER, &o), 200);
	ck_assert_str_eq(cu_str(o, "items[0].cadre_phone"), "199****9001");
	ck_assert(strstr(R.body, "19908349001") == NULL);
	json_object_put(o);
}
END_TEST

START_TEST(a_household_is_what_cx_says_masked_for_a_viewer)
{
	struct json_object *o = NULL;
	const char *s;

	ck_assert_int_eq(get("/api/v1/households/H1", OFFICE, &o), 200);
	ck_assert_str_eq(cu_str(o, "household_id"), "H1");
	ck_assert_str_eq(cu_str(o, "area_code"), "513431100201");
	ck_assert_str_eq(cu_str(o, "status"), "poor");
	ck_assert_int_eq(cu_count(o, "members"), 2);
	ck_assert_str_eq(cu_str(o, "members[0].phone"), "+8613900000001");
	ck_assert_str_eq(cu_str(o, "cadre.name"), "李明辉");
	ck_assert_str_eq(cu_str(o, "cadre.phone"), "+8619908349001");
	ck_assert_str_eq(cu_str(o, "enrollments[0].program"), "YL");
	ck_assert_str_eq(cu_str(o, "payments[0].amount_yuan"), "1500.00");
	s = cu_str(o, "summary");
	ck_assert_ptr_nonnull(strstr(s, "吉克阿木"));
	ck_assert_ptr_nonnull(strstr(s, "19908349001"));
	ck_assert_str_eq(cu_str(o, "summary_parts.cadre_phone"), "19908349001");
	ck_assert(strstr(R.body, "id_hash") == NULL);
	json_object_put(o);
	/* The same text the villager gets by CX. */
	mo("13900000001", "CX");
	ck_assert(tg_wait_int(&T, "SELECT count(*) FROM sms_out WHERE msisdn = "
	    "'+8613900000001'", 1));
	ck_assert_int_eq(get("/api/v1/households/H1", OFFICE, &o), 200);
	{
		char *cx = tg_query(&T, "SELECT text FROM sms_out WHERE msisdn = "
		    "'+8613900000001'");

		ck_assert_str_eq(cu_str(o, "summary"), cx);
		free(cx);
	}
	json_object_put(o);
	/* A viewer: every number masked, in the summary too. */
	ck_assert_int_eq(get("/api/v1/households/H1", VIEWER, &o), 200);
	ck_assert_str_eq(cu_str(o, "members[0].phone"), "139****0001");
	ck_assert_str_eq(cu_str(o, "cadre.phone"), "199****9001");
	ck_assert_ptr_nonnull(strstr(cu_str(o, "summary"), "199****9001"));
	ck_assert(strstr(R.body, "13900000001") == NULL);
	ck_assert(strstr(R.body, "19908349001") == NULL);
	json_object_put(o);
	/* Another language; another prefecture's household; none. */
	ck_assert_int_eq(get("/api/v1/households/H1?lang=en", OFFICE, &o), 200);
	ck_assert_str_eq(cu_str(o, "summary_parts.language"), "en");
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/households/H3", OFFICE, NULL), 403);
	ck_assert(strstr(R.body, "扎西") == NULL);
	ck_assert_int_eq(get("/api/v1/households/H3", GARZE, NULL), 200);
	ck_assert_int_eq(get("/api/v1/households/H9", ADMIN, NULL), 404);
	ck_assert_int_eq(get("/api/v1/households/", ADMIN, NULL), 404);
	/* %00 in a path is refused before any handler. */
	ck_assert_int_ne(get("/api/v1/households/H1%00x", ADMIN, NULL), 200);
	ck_assert_int_eq(get("/api/v1/households/"
	    "HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH", ADMIN, NULL), 404);
}
END_TEST

START_TEST(a_numbers_messages_inside_the_scope_masked_for_a_viewer)
{
	struct json_object *o = NULL;

	scenario();
	ck_assert_int_eq(get("/api/v1/messages?msisdn=13900000001", OFFICE,
	    &o), 200);
	ck_assert_str_eq(cu_str(o, "msisdn"), "+8613900000001");
	ck_assert_int_eq(cu_count(o, "items"), 2);
	ck_assert_str_eq(cu_str(o, "items[0].direction"), "out");
	ck_assert_str_eq(cu_str(o, "items[0].status"), "delivered");
	ck_assert_str_eq(cu_str(o, "items[0].kind"), "reply");
	ck_assert_str_eq(cu_str(o, "items[1].direction"), "in");
	ck_assert_str_eq(cu_str(o, "items[1].text"), "CX");
	ck_assert_str_eq(cu_str(o, "items[1].command"), "CX");
	ck_assert_int_gt(atoll(cu_str(o, "items[0].id")),
	    atoll(cu_str(o, "items[1].id")));
	json_object_put(o);
	/* The number in any form. */
	ck_assert_int_eq(get("/api/v1/messages?msisdn=%2B86%20139-0000-0001",
	    OFFICE, &o), 200);
	ck_assert_int_eq(cu_count(o, "items"), 2);
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/messages?msisdn=13900000001&direction=in",
	    OFFICE, &o), 200);
	ck_assert_int_eq(cu_count(o, "items"), 1);
	json_object_put(o);
	/* An office reads the reply as it was sent. */
	ck_assert_int_eq(get("/api/v1/messages?msisdn=13900000001", OFFICE, &o),
	    200);
	ck_assert_ptr_nonnull(strstr(cu_str(o, "items[0].text"),
	    "19908349001"));
	json_object_put(o);
	/* A viewer: masked, the cadre's number in the CX reply too. */
	ck_assert_int_eq(get("/api/v1/messages?msisdn=13900000001", VIEWER,
	    &o), 200);
	ck_assert_str_eq(cu_str(o, "msisdn"), "139****0001");
	ck_assert_ptr_nonnull(strstr(cu_str(o, "items[0].text"),
	    "199****9001"));
	ck_assert(strstr(R.body, "13900000001") == NULL);
	ck_assert(strstr(R.body, "19908349001") == NULL);
	json_object_put(o);
	/* Another prefecture's number, and a stranger's: not there. */
	ck_assert_int_eq(get("/api/v1/messages?msisdn=13900000004", OFFICE,
	    NULL), 404);
	ck_assert_ptr_nonnull(strstr(R.body, "msisdn:"));
	ck_assert_int_eq(get("/api/v1/messages?msisdn=13900000009", OFFICE,
	    NULL), 404);
	ck_assert_int_eq(get("/api/v1/messages?msisdn=13900000004", GARZE,
	    &o), 200);
	ck_assert_int_eq(cu_count(o, "items"), 2);
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/messages?msisdn=13900000009", ADMIN, &o),
	    200);
	ck_assert_int_eq(cu_count(o, "items"), 2);	/* hello, the help */
	json_object_put(o);
}
END_TEST

START_TEST(templates_list_texts_variables_and_fit)
{
	struct json_object *o = NULL, *g = NULL;
	size_t i, n;

	ck_assert_int_eq(get("/api/v1/templates?group=notices", VIEWER, &o),
	    200);
	n = cu_count(o, "items");
	ck_assert_uint_ge(n, 6);
	for (i = 0; i < n; i++) {
		char p[64];

		snprintf(p, sizeof(p), "items[%zu].name", i);
		if (strcmp(cu_str(o, p), "general_notice") == 0) {
			snprintf(p, sizeof(p), "items[%zu]", i);
			g = cu_at(o, p);
		}
	}
	ck_assert_ptr_nonnull(g);
	ck_assert_str_eq(cu_str(g, "key"), "notices/general_notice");
	ck_assert_str_eq(cu_str(g, "variables[0]"), "text");
	ck_assert_ptr_nonnull(strstr(cu_str(g, "languages.zh.text"), "{text}"));
	ck_assert(json_object_get_boolean(cu_at(g, "languages.zh.translated")));
	ck_assert(json_object_get_boolean(cu_at(g, "languages.zh.fits")));
	ck_assert_int_eq(num(g, "languages.zh.segments"), 1);
	ck_assert_int_eq(num(o, "max_segments"), 8);
	ck_assert_int_eq(cu_count(o, "languages"), 4);
	json_object_put(o);
	ck_assert_int_eq(get("/api/v1/templates?group=ussd&limit=5", ADMIN, &o),
	    200);
	ck_assert_int_eq(cu_count(o, "items"), 5);
	ck_assert_ptr_nonnull(cu_at(o, "items[0].languages.zh.fits"));
	ck_assert_ptr_null(cu_at(o, "items[0].languages.zh.segments"));
	ck_assert_str_eq(json_object_get_string(cu_at(o, "next")),
	    cu_str(o, "items[4].key"));
	json_object_put(o);
}
END_TEST

START_TEST(templates_page_by_key)
{
	static char keys[600][64];
	size_t n;

	/* The whole set in one page by default (more than the test's
	 * 64 KiB of answer: "limit" comes before the items). */
	ck_assert_int_eq(get("/api/v1/templates", ADMIN, NULL), 200);
	ck_assert_ptr_nonnull(strstr(R.body, "\"limit\":500"));
	n = all_pages("/api/v1/templates", ADMIN, 40, "key", keys, 600);
	ck_assert_uint_gt(n, 50);
	pages_match_by("/api/v1/templates", ADMIN, 40, 7, "key", n);
}
END_TEST

START_TEST(bad_parameters_are_400_naming_the_field)
{
	static const struct {
		const char	*path;
		const char	*field;
	} bad[] = {
		{ "/api/v1/overview?area=51x4", "area" },
		{ "/api/v1/overview?area=", "area" },
		{ "/api/v1/overview?foo=1", "foo" },
		{ "/api/v1/overview?area=5134&area=5134", "area" },
		{ "/api/v1/areas?depth=9", "depth" },
		{ "/api/v1/areas?depth=-1", "depth" },
		{ "/api/v1/areas?limit=0", "limit" },
		{ "/api/v1/areas?limit=5001", "limit" },
		{ "/api/v1/areas?area=1234567890123", "area" },
		{ "/api/v1/areas?after=%01", "after" },
		{ "/api/v1/areas?after=", "after" },
		{ "/api/v1/tasks?status=late", "status" },
		{ "/api/v1/tasks?after=T999", "after" },
		{ "/api/v1/tasks?limit=x", "limit" },
		{ "/api/v1/tasks?limit=501", "limit" },
		{ "/api/v1/tasks?after=0123456789012345678901234567890123456789"
		  "01234567890123456789012345", "after" },
		{ "/api/v1/messages", "msisdn" },
		{ "/api/v1/messages?msisdn=12", "msisdn" },
		{ "/api/v1/messages?msisdn=13900000001&direction=up",
		  "direction" },
		{ "/api/v1/messages?msisdn=13900000001&after=abc", "after" },
		{ "/api/v1/messages?msisdn=13900000001&after=0", "after" },
		{ "/api/v1/messages?msisdn=13900000001&limit=501", "limit" },
		{ "/api/v1/messages?msisdn=13900000001&msisdn=1", "msisdn" },
		{ "/api/v1/households/H1?lang=fr", "lang" },
		{ "/api/v1/households/H1?x=1", "x" },
		{ "/api/v1/templates?group=menus", "group" },
		{ "/api/v1/templates?limit=501", "limit" },
		{ "/api/v1/broadcasts?after=x", "after" },
		{ "/api/v1/broadcasts?after=5&offset=1", "after" },
		{ "/api/v1/broadcasts?status=done", "status" },
	};
	struct json_object *o = NULL;
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(get(bad[i].path, ADMIN, &o) == 400, "%s: %ld %s",
		    bad[i].path, R.status, R.body);
		snprintf(want, sizeof(want), "%s: ", bad[i].field);
		ck_assert_msg(strncmp(cu_str(o, "message"), want,
		    strlen(want)) == 0, "%s: %s", bad[i].path, R.body);
		json_object_put(o);
	}
}
END_TEST

START_TEST(no_token_or_a_wrong_one_is_401)
{
	static const char *const paths[] = {
		"/api/v1/overview", "/api/v1/areas", "/api/v1/tasks",
		"/api/v1/households/H1", "/api/v1/messages?msisdn=13900000001",
		"/api/v1/templates", "/api/v1/broadcasts?after=1",
	};
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		ck_assert_msg(get(paths[i], NULL, NULL) == 401, "%s", paths[i]);
		ck_assert(strstr(R.body, "吉克") == NULL);
		ck_assert_msg(get(paths[i], "wrong-secret", NULL) == 401, "%s",
		    paths[i]);
	}
	/* Reading only: a POST to a read route is 405. */
	ck_assert_int_eq(post("/api/v1/overview", ADMIN, "{}"), 405);
	ck_assert_int_eq(post("/api/v1/tasks", ADMIN, "{}"), 405);
}
END_TEST

Suite *
console_api_suite(void)
{
	Suite *s = suite_create("console_api");
	TCase *tc = tcase_create("read routes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, overview_counts_in_and_out_per_day_and_scope);
	tcase_add_test(tc, areas_are_the_tree_below_the_scope_with_households);
	tcase_add_test(tc, every_list_pages_by_key_without_duplicates_or_gaps);
	tcase_add_test(tc, tasks_put_overdue_and_escalated_first_inside_the_scope);
	tcase_add_test(tc, a_household_is_what_cx_says_masked_for_a_viewer);
	tcase_add_test(tc, a_numbers_messages_inside_the_scope_masked_for_a_viewer);
	tcase_add_test(tc, templates_list_texts_variables_and_fit);
	tcase_add_test(tc, templates_page_by_key);
	tcase_add_test(tc, bad_parameters_are_400_naming_the_field);
	tcase_add_test(tc, no_token_or_a_wrong_one_is_401);
	suite_add_tcase(s, tc);
	return s;
}
