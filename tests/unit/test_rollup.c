/*
 * test_rollup.c: the console's counts (rollup.c) and what the overview
 * and the region tree read from them (overview.c), on a migrated
 * :memory: store with the clock fixed (TU_T0) and the time zone
 * Asia/Shanghai: a message counts in the local day of its time, at the
 * three grains, once; a failure by its reason; a number of nobody only
 * in the whole; a batch read before another rollup is refused; days
 * before the window go; households per area follow the registry; the
 * tree and its paging.  Over HTTP: tests/integration/test_console_api.c.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migrate.h"
#include "overview.h"
#include "rollup.h"
#include "store.h"
#include "testutil.h"

/* 2026-09-21 23:59:59 and 2026-09-22 00:00:00 in Shanghai. */
#define LATE	1790006399
#define MIDNIGHT 1790006400
#define NOW	(MIDNIGHT + 3600)

static struct store *st;

static const char registry[] =
"INSERT INTO cadres(cadre_id, name, phone, area_code, updated_at) VALUES"
" ('C1', '李明辉', '+8619908349001', '513431100', 0);"
"INSERT INTO households(household_id, area_code, head_name, status,"
" language, updated_at) VALUES"
" ('H1', '513431100201', '吉克阿木', 'poor', 'zh', 0),"
" ('H2', '513334100101', '扎西', 'poor', 'bo', 0);"
"INSERT INTO members(member_id, household_id, name, phone, updated_at)"
" VALUES ('M1', 'H1', '吉克阿木', '+8613900000001', 0),"
" ('M2', 'H2', '扎西', '+8613900000002', 0);";

static void
setup(void)
{
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	ck_assert_int_eq(store_open(":memory:", STORE_DURABILITY_NORMAL, &st),
	    FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL), FP_OK);
	ck_assert_int_eq(store_exec(st, registry), FP_OK);
}

static void
teardown(void)
{
	store_close(st);
}

static void
sql(const char *text)
{
	char *msg = NULL;

	ck_assert_msg(sqlite3_exec(store_db(st), text, NULL, NULL, &msg) ==
	    SQLITE_OK, "%s", msg != NULL ? msg : "");
}

static long long
qint(const char *q)
{
	return tu_query_int(store_db(st), q, 0);
}

/* n of console_counts at (grain, area, day, what[, reason]). */
static long long
counted(int grain, const char *area, const char *day, const char *what,
    const char *reason)
{
	char q[512];

	snprintf(q, sizeof(q), "SELECT ifnull(sum(n), 0) FROM console_counts "
	    "WHERE grain = %d AND area = '%s' AND day = '%s' AND what = '%s'%s"
	    "%s%s", grain, area, day, what, reason != NULL ? " AND reason = '" :
	    "", reason != NULL ? reason : "", reason != NULL ? "'" : "");
	return qint(q);
}

static void
mo_at(long long id, const char *from, long long at, const char *household)
{
	char q[512];

	snprintf(q, sizeof(q), "INSERT INTO sms_in(id, route, msisdn, text, "
	    "received_at, household_id) VALUES (%lld, 'inbound', '%s', 'CX', "
	    "%lld, %s%s%s)", id, from, at, household != NULL ? "'" : "",
	    household != NULL ? household : "NULL", household != NULL ? "'" :
	    "");
	sql(q);
}

/* An outbound message with its history: "status:detail" steps. */
static void
mt(long long id, const char *to, long long at, const char *const *steps,
    size_t n)
{
	char q[512];
	size_t i;

	snprintf(q, sizeof(q), "INSERT INTO sms_out(id, msisdn, text, "
	    "encoding, segments, provider, status, next_attempt_at, expires_at,"
	    " created_at, updated_at) VALUES (%lld, '%s', 'x', 'gsm7', 1, "
	    "'local', 'queued', %lld, %lld, %lld, %lld)", id, to, at, at, at,
	    at);
	sql(q);
	for (i = 0; i < n; i++) {
		const char *colon = strchr(steps[i], ':');

		if (colon != NULL)
			snprintf(q, sizeof(q), "INSERT INTO sms_out_history("
			    "message_id, status, at, detail) VALUES (%lld, "
			    "'%.*s', %lld, '%s')", id, (int)(colon - steps[i]),
			    steps[i], at, colon + 1);
		else
			snprintf(q, sizeof(q), "INSERT INTO sms_out_history("
			    "message_id, status, at) VALUES (%lld, '%s', %lld)",
			    id, steps[i], at);
		sql(q);
	}
}

START_TEST(a_reason_is_the_text_before_its_first_colon)
{
	static const struct {
		const char	*detail;
		size_t		 len;
		const char	*want;
	} cases[] = {
		{ "http 503: busy; gave up after 8 attempts", 64, "http 503" },
		{ "timeout: Operation timed out after 5000 ms", 64, "timeout" },
		{ "validity expired", 64, "validity expired" },
		{ "broadcast cancelled", 64, "broadcast cancelled" },
		{ "dlr UNDELIV; network", 64, "dlr UNDELIV" },
		{ "", 64, "" },
		{ NULL, 64, "" },
		{ "路灯坏了", 8, "路灯" },	/* never half a character */
		{ "abcdef", 4, "abc" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rollup_reason(cases[i].detail, out, cases[i].len);
		ck_assert_msg(strcmp(out, cases[i].want) == 0, "%s -> %s",
		    cases[i].detail != NULL ? cases[i].detail : "NULL", out);
	}
}
END_TEST

START_TEST(a_message_counts_in_the_local_day_of_its_time_at_each_grain)
{
	mo_at(1, "+8613900000001", LATE, "H1");
	mo_at(2, "+8613900000001", MIDNIGHT, "H1");
	mo_at(3, "+8619908349001", MIDNIGHT, NULL);	/* the cadre */
	ck_assert_int_eq(rollup_all(st, NOW), FP_OK);
	ck_assert_int_eq(counted(0, "", "2026-09-21", "mo", NULL), 1);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "mo", NULL), 2);
	ck_assert_int_eq(counted(1, "513431", "2026-09-21", "mo", NULL), 1);
	ck_assert_int_eq(counted(1, "513431", "2026-09-22", "mo", NULL), 2);
	ck_assert_int_eq(counted(2, "513431100201", "2026-09-22", "mo", NULL),
	    1);
	ck_assert_int_eq(counted(2, "513431100", "2026-09-22", "mo", NULL), 1);
	ck_assert_int_eq(qint("SELECT last_id FROM console_rollup WHERE "
	    "source = 'sms_in'"), 3);
}
END_TEST

START_TEST(transitions_count_once_by_status_provider_and_reason)
{
	static const char *const retried[] = { "queued", "sending",
	    "queued:timeout: no answer", "sending",
	    "failed:http 503: busy; gave up after 8 attempts" };
	static const char *const by_dlr[] = { "queued", "sending", "sent",
	    "failed:dlr" };
	static const char *const ok[] = { "queued", "sending", "sent",
	    "delivered:synthesised by the file provider" };

	mt(10, "+8613900000001", MIDNIGHT, retried, 5);
	mt(11, "+8613900000001", MIDNIGHT, by_dlr, 4);
	sql("INSERT INTO dlr(message_id, provider, status, detail, received_at) "
	    "VALUES (11, 'local', 'failed', 'UNDELIV: no route', 0)");
	mt(12, "+8613900000002", MIDNIGHT, ok, 4);
	ck_assert_int_eq(rollup_all(st, NOW), FP_OK);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "created", NULL), 3);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "sent", NULL), 2);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "delivered", NULL), 1);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "failed", NULL), 2);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "failed", "http 503"), 1);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "failed", "dlr UNDELIV"),
	    1);
	ck_assert_int_eq(counted(1, "513431", "2026-09-22", "failed", NULL), 2);
	ck_assert_int_eq(counted(1, "513334", "2026-09-22", "delivered", NULL),
	    1);
	ck_assert_int_eq(qint("SELECT count(*) FROM console_counts WHERE what "
	    "NOT IN ('created', 'sent', 'delivered', 'failed')"), 0);
	ck_assert_int_eq(qint("SELECT count(DISTINCT provider) FROM "
	    "console_counts"), 1);
}
END_TEST

START_TEST(a_number_of_nobody_counts_only_in_the_whole)
{
	mo_at(1, "+8613999999999", MIDNIGHT, NULL);
	ck_assert_int_eq(rollup_all(st, NOW), FP_OK);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "mo", NULL), 1);
	ck_assert_int_eq(qint("SELECT count(*) FROM console_counts WHERE grain "
	    "> 0"), 0);
}
END_TEST

START_TEST(rows_rolled_up_are_never_counted_twice)
{
	static const char *const ok[] = { "queued", "sent" };

	mo_at(1, "+8613900000001", MIDNIGHT, "H1");
	mt(2, "+8613900000001", MIDNIGHT, ok, 2);
	ck_assert_int_eq(rollup_all(st, NOW), FP_OK);
	ck_assert_int_eq(rollup_all(st, NOW), FP_OK);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "mo", NULL), 1);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "sent", NULL), 1);
	mo_at(3, "+8613900000001", MIDNIGHT, "H1");
	ck_assert_int_eq(rollup_all(st, NOW), FP_OK);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "mo", NULL), 2);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "sent", NULL), 1);
}
END_TEST

START_TEST(a_batch_read_before_another_rollup_is_refused)
{
	struct rollup_batch *a = NULL, *b = NULL;
	bool more = true;

	mo_at(1, "+8613900000001", MIDNIGHT, "H1");
	ck_assert_int_eq(rollup_read(st, NOW, ROLLUP_CHUNK, &a, &more), FP_OK);
	ck_assert(!more);
	ck_assert_int_eq(rollup_read(st, NOW, ROLLUP_CHUNK, &b, &more), FP_OK);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(rollup_apply(st, a, NOW), FP_OK);
	ck_assert_int_eq(rollup_apply(st, b, NOW), FP_EBUSY);
	store_rollback(st);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(rollup_apply(st, a, NOW), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "mo", NULL), 1);
	rollup_batch_free(a);
	rollup_batch_free(b);
}
END_TEST

START_TEST(a_chunk_stops_at_its_size_and_says_there_is_more)
{
	struct rollup_batch *b = NULL;
	bool more = false;

	mo_at(1, "+8613900000001", MIDNIGHT, "H1");
	mo_at(2, "+8613900000001", MIDNIGHT, "H1");
	ck_assert_int_eq(rollup_read(st, NOW, 1, &b, &more), FP_OK);
	ck_assert(more);
	ck_assert(!rollup_batch_is_empty(b));
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(rollup_apply(st, b, NOW), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	rollup_batch_free(b);
	ck_assert_int_eq(counted(0, "", "2026-09-22", "mo", NULL), 1);
	ck_assert_int_eq(rollup_read(st, NOW, 1, &b, &more), FP_OK);
	ck_assert(!more);
	rollup_batch_free(b);
}
END_TEST

START_TEST(days_before_the_window_are_left_out_and_dropped)
{
	/* Eight local days kept: 2026-09-15 to 2026-09-22. */
	mo_at(1, "+8613900000001", MIDNIGHT - 7 * 86400, "H1");	/* 09-15 */
	mo_at(2, "+8613900000001", MIDNIGHT - 7 * 86400 - 1, "H1"); /* 09-14 */
	sql("INSERT INTO console_counts VALUES (0, '', '2026-09-01', 'mo', '',"
	    " '', 5)");
	ck_assert_int_eq(rollup_all(st, NOW), FP_OK);
	ck_assert_int_eq(counted(0, "", "2026-09-15", "mo", NULL), 1);
	ck_assert_int_eq(qint("SELECT count(*) FROM console_counts WHERE day < "
	    "'2026-09-15'"), 0);
}
END_TEST

START_TEST(households_per_area_follow_the_registry)
{
	struct rollup_areas *a = NULL;

	ck_assert_int_eq(rollup_all(st, NOW), FP_OK);
	ck_assert_int_eq(qint("SELECT households FROM area_households WHERE "
	    "area_code = '513431100201'"), 1);
	ck_assert_int_eq(qint("SELECT count(*) FROM area_households"), 2);
	ck_assert_int_eq(rollup_areas_read(st, &a), FP_OK);
	ck_assert_uint_eq(rollup_areas_changes(a), 0);
	rollup_areas_free(a);
	/* One more there, one moved, one gone. */
	sql("INSERT INTO households(household_id, area_code, head_name, status,"
	    " updated_at) VALUES ('H3', '513431100201', 'x', 'poor', 0), "
	    "('H4', '511921100301', 'y', 'poor', 0);"
	    "DELETE FROM households WHERE household_id = 'H2'");
	ck_assert_int_eq(rollup_areas_read(st, &a), FP_OK);
	ck_assert_uint_eq(rollup_areas_changes(a), 3);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(rollup_areas_apply(st, a), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	rollup_areas_free(a);
	ck_assert_int_eq(qint("SELECT households FROM area_households WHERE "
	    "area_code = '513431100201'"), 2);
	ck_assert_int_eq(qint("SELECT count(*) FROM area_households WHERE "
	    "area_code = '513334100101'"), 0);
	ck_assert_int_eq(qint("SELECT count(*) FROM (SELECT area_code, "
	    "count(*) n FROM households GROUP BY area_code EXCEPT SELECT "
	    "area_code, households FROM area_households)"), 0);
}
END_TEST

static struct json_object *
field(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* overview_areas's answer, parsed. */
static enum fp_err
areas(const char *root, int depth, const char *after, int limit,
    struct json_object **o)
{
	char *text = NULL;
	size_t len = 0;
	enum fp_err err;

	*o = NULL;
	err = overview_areas(st, root, depth, after, limit, &text, &len);
	if (err == FP_OK) {
		ck_assert_uint_eq(len, strlen(text));
		*o = json_tokener_parse(text);
		ck_assert_ptr_nonnull(*o);
	}
	free(text);
	return err;
}

static const char *
code_at(struct json_object *o, size_t i)
{
	return json_object_get_string(field(json_object_array_get_idx(
	    field(o, "items"), i), "code"));
}

START_TEST(the_region_tree_has_every_level_in_code_order)
{
	struct json_object *o = NULL, *n;
	size_t i;

	/* Irregular codes too: 7 and 11 digits; a code that is a prefix. */
	sql("DELETE FROM area_households;"
	    "INSERT INTO area_households VALUES ('513431100201', 2),"
	    " ('513431100202', 1), ('513431', 1), ('5201', 1),"
	    " ('51343110020', 1), ('5134311', 1)");
	ck_assert_int_eq(areas("", -1, "", 50, &o), FP_OK);
	/* "5134311" sorts before "513431100" and is its own leaf. */
	ck_assert_uint_eq(json_object_array_length(field(o, "items")), 10);
	ck_assert_str_eq(code_at(o, 0), "51");
	n = json_object_array_get_idx(field(o, "items"), 0);
	ck_assert_int_eq(json_object_get_int(field(n, "households")), 6);
	ck_assert_str_eq(code_at(o, 1), "5134");
	ck_assert_str_eq(code_at(o, 2), "513431");
	n = json_object_array_get_idx(field(o, "items"), 2);
	ck_assert_str_eq(json_object_get_string(field(n, "level")), "county");
	ck_assert_int_eq(json_object_get_int(field(n, "households")), 6);
	for (i = 3; i < 10; i++)
		ck_assert_str_ne(code_at(o, i), code_at(o, i - 1));
	ck_assert(json_object_is_type(field(o, "next"), json_type_null));
	json_object_put(o);
	/* Paged by code: after 5134, two at a time. */
	ck_assert_int_eq(areas("", -1, "5134", 2, &o), FP_OK);
	ck_assert_str_eq(code_at(o, 0), "513431");
	ck_assert_str_eq(json_object_get_string(field(o, "next")),
	    code_at(o, 1));
	json_object_put(o);
	/* Under a county, one level down: its towns (and odd codes). */
	ck_assert_int_eq(areas("513431", 1, "", 50, &o), FP_OK);
	ck_assert_str_eq(code_at(o, 0), "513431");
	ck_assert_str_eq(json_object_get_string(field(json_object_array_get_idx(
	    field(o, "items"), 1), "parent")), "513431");
	for (i = 0; i < json_object_array_length(field(o, "items")); i++)
		ck_assert_uint_le(strlen(code_at(o, i)), 9);
	json_object_put(o);
	/* Another root sees nothing of 51. */
	ck_assert_int_eq(areas("52", -1, "", 50, &o), FP_OK);
	ck_assert_uint_eq(json_object_array_length(field(o, "items")), 2);
	json_object_put(o);
}
END_TEST

START_TEST(the_overview_reads_the_grain_of_its_scope)
{
	static const char *const ok[] = { "queued", "sent",
	    "delivered:synthesised" };
	static const char *const bad[] = { "queued", "failed:http 400: no" };
	struct json_object *o = NULL, *w;

	mo_at(1, "+8613900000001", MIDNIGHT, "H1");
	mo_at(2, "+8613900000002", MIDNIGHT, "H2");
	mt(3, "+8613900000001", MIDNIGHT, ok, 3);
	mt(4, "+8613900000001", MIDNIGHT, bad, 2);
	ck_assert_int_eq(rollup_all(st, NOW), FP_OK);
	ck_assert_int_eq(overview_load(st, "", "Asia/Shanghai", NOW, &o), FP_OK);
	w = field(o, "last_7_days");
	ck_assert_int_eq(json_object_get_int(field(w, "mo")), 2);
	ck_assert_double_eq_tol(json_object_get_double(field(w,
	    "delivery_rate")), 0.5, 1e-9);
	ck_assert_str_eq(json_object_get_string(field(field(o, "today"),
	    "day")), "2026-09-22");
	json_object_put(o);
	ck_assert_int_eq(overview_load(st, "5134", "Asia/Shanghai", NOW, &o),
	    FP_OK);
	ck_assert_int_eq(json_object_get_int(field(field(o, "last_7_days"),
	    "mo")), 1);
	json_object_put(o);
	ck_assert_int_eq(overview_load(st, "513431100201", "Asia/Shanghai", NOW,
	    &o), FP_OK);
	w = field(o, "last_7_days");
	ck_assert_int_eq(json_object_get_int(field(w, "mo")), 1);
	ck_assert_int_eq(json_object_get_int(field(field(w, "mt"), "failed")),
	    1);
	json_object_put(o);
	ck_assert_int_eq(overview_load(st, "5133", "Asia/Shanghai", NOW, &o),
	    FP_OK);
	w = field(o, "last_7_days");
	ck_assert_int_eq(json_object_get_int(field(w, "mo")), 1);
	ck_assert(json_object_is_type(field(w, "delivery_rate"),
	    json_type_null));
	json_object_put(o);
	/* The day after tomorrow: today is empty, the week is not. */
	ck_assert_int_eq(overview_load(st, "", "Asia/Shanghai", NOW + 2 * 86400,
	    &o), FP_OK);
	ck_assert_int_eq(json_object_get_int(field(field(o, "today"), "mo")),
	    0);
	ck_assert_int_eq(json_object_get_int(field(field(o, "last_7_days"),
	    "mo")), 2);
	json_object_put(o);
}
END_TEST

Suite *
rollup_suite(void)
{
	Suite *s = suite_create("rollup");
	TCase *tc = tcase_create("counts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_reason_is_the_text_before_its_first_colon);
	tcase_add_test(tc,
	    a_message_counts_in_the_local_day_of_its_time_at_each_grain);
	tcase_add_test(tc, transitions_count_once_by_status_provider_and_reason);
	tcase_add_test(tc, a_number_of_nobody_counts_only_in_the_whole);
	tcase_add_test(tc, rows_rolled_up_are_never_counted_twice);
	tcase_add_test(tc, a_batch_read_before_another_rollup_is_refused);
	tcase_add_test(tc, a_chunk_stops_at_its_size_and_says_there_is_more);
	tcase_add_test(tc, days_before_the_window_are_left_out_and_dropped);
	tcase_add_test(tc, households_per_area_follow_the_registry);
	tcase_add_test(tc, the_region_tree_has_every_level_in_code_order);
	tcase_add_test(tc, the_overview_reads_the_grain_of_its_scope);
	suite_add_tcase(s, tc);
	return s;
}
