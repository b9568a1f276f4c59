/*
 * test_broadcast.c: broadcasts, reminders and task alerts (issue 6) on a
 * fresh migrated :memory: store with a fixture registry, the shipped
 * templates, a clock the test controls and TZ=Asia/Shanghai: audience
 * resolution (each filter alone and combined, scope, opt-outs, dedupe),
 * quiet hours across midnight and in other time zones, the daily cap,
 * send_at, cancel midway, dry runs, reminders idempotent across a
 * restart, alerts with ack by SMS and overdue escalation.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "broadcast.h"
#include "cfg.h"
#include "gwtest.h"
#include "migrate.h"
#include "reminder.h"
#include "schedule.h"
#include "sms_service.h"
#include "store.h"
#include "templates.h"
#include "testutil.h"

#define T10	1796263200	/* 2026-12-03 10:00 in Shanghai */
#define T2130	1796304600	/* 2026-12-03 21:30 */
#define T0759	1796342340	/* 2026-12-04 07:59 */

static struct store *st;
static struct cfg *cfg;
static struct templates *tpl;
static struct svc_ctx ctx;

static const char fixture[] =
"INSERT INTO cadres(cadre_id, name, phone, area_code, updated_at) VALUES"
" ('C1', '李明辉', '+8619908349001', '513431100', 0),"
" ('C2', '王芳', '+8619908349002', '511921100', 0);"
"INSERT INTO households(household_id, area_code, head_name, status,"
" cadre_id, language, updated_at) VALUES"
" ('H1', '513431100201', '吉克阿木', 'poor', 'C1', 'ii', 0),"
" ('H2', '513431100202', '阿苏拉则', 'monitored', 'C1', 'zh', 0),"
" ('H3', '511921100301', '张德明', 'exited', 'C2', 'zh', 0),"
" ('H4', '513431100203', '曲比阿衣', 'poor', 'C1', 'bo', 0);"
"INSERT INTO members(member_id, household_id, name, phone, updated_at)"
" VALUES ('M1', 'H1', '吉克阿木', '+8613900000001', 0),"
" ('M2', 'H1', '吉克阿呷', '+8613900000002', 0),"
" ('M3', 'H2', '阿苏拉则', '+8613900000003', 0),"
" ('M4', 'H3', '张德明', '+8613900000004', 0),"
" ('M5', 'H4', '曲比阿衣', '+8613900000005', 0),"
" ('M6', 'H4', '曲比小明', '+8613900000003', 0),"	/* shared phone */
" ('M7', 'H2', '阿苏木呷', NULL, 0);"
"INSERT INTO enrollments(member_id, program, status, updated_at) VALUES"
" ('M2', 'YL', 'enrolled', 0), ('M3', 'YL', 'requested', 0),"
" ('M4', 'CY', 'enrolled', 0);"
"INSERT INTO trainings(training_id, program, title, area_code, location,"
" starts_on, updated_at) VALUES ('TR1', 'YL', '彝绣技能培训', '513431',"
" '昭觉县城', '2026-12-06', 0);"
"INSERT INTO optouts(msisdn, opted_out, source, changed_at) VALUES"
" ('+8613900000005', 1, 'sms', 0);";

/*
 * The program office's village (area 5201): 10 member rows with numbers
 * hold 8 distinct numbers (11 twice in V1, 12 in V1 and V2), 16 is opted
 * out: 7 recipients.  V1 zh, V2 and V3 ii, V4 bo: per language 11 and
 * 12 count in zh (V1 first), 13 14 15 in ii, 17 18 in bo.
 */
static const char village[] =
"INSERT INTO households(household_id, area_code, head_name, status,"
" cadre_id, language, updated_at) VALUES"
" ('V1', '520102001001', '王大山', 'poor', 'C1', 'zh', 0),"
" ('V2', '520102001002', '吉克石一', 'poor', 'C1', 'ii', 0),"
" ('V3', '520102001003', '阿苏日呷', 'poor', 'C1', 'ii', 0),"
" ('V4', '520102001004', '扎西', 'poor', 'C1', 'bo', 0);"
"INSERT INTO members(member_id, household_id, name, phone, updated_at)"
" VALUES ('N1', 'V1', '王大山', '+8613800000011', 0),"
" ('N2', 'V1', '王小山', '+8613800000012', 0),"
" ('N3', 'V1', '李秀英', '+8613800000011', 0),"	/* the family's phone */
" ('N4', 'V2', '吉克石一', '+8613800000013', 0),"
" ('N5', 'V2', '吉克阿依', '+8613800000014', 0),"
" ('N6', 'V2', '吉克木呷', '+8613800000012', 0),"	/* V1's son */
" ('N7', 'V3', '阿苏日呷', '+8613800000015', 0),"
" ('N8', 'V3', '阿苏阿果', '+8613800000016', 0),"
" ('N9', 'V4', '扎西', '+8613800000017', 0),"
" ('N10', 'V4', '卓玛', '+8613800000018', 0),"
" ('N11', 'V4', '次仁', NULL, 0);"
"INSERT INTO optouts(msisdn, opted_out, source, changed_at) VALUES"
" ('+8613800000016', 1, 'sms', 0);";

#define VILLAGE_TEXT "{\"text\":\"通知\",\"audience\":{\"area\":\"5201\"}}"

static void
load(const char *extra)
{
	char *errors = NULL, text[2048];

	snprintf(text, sizeof(text), "providers = ( { name = \"local\"; type = "
	    "\"file\"; path = \"/dev/null\"; rate = 100; } );\n%s",
	    extra != NULL ? extra : "");
	ck_assert_msg(cfg_load_string(text, "t.conf", &cfg, &errors) == FP_OK,
	    "%s", errors != NULL ? errors : "");
	ctx.cfg = cfg;
}

static void
setup(void)
{
	char *bad = NULL;

	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	load("reminders = ( { name = \"soon\"; template = "
	    "\"training_reminder\"; days_before = 3; at = \"09:00\"; },"
	    " { name = \"yulu\"; type = \"dated\"; template = "
	    "\"yulu_application\"; on = \"12-03 03-01\"; status = \"poor\"; } );");
	ck_assert_int_eq(templates_load("templates", "zh", &tpl, &bad), FP_OK);
	ctx.tpl = tpl;
	ck_assert_int_eq(store_open(":memory:", STORE_DURABILITY_NORMAL, &st),
	    FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL), FP_OK);
	ck_assert_int_eq(store_exec(st, fixture), FP_OK);
}

static void
teardown(void)
{
	store_close(st);
	templates_free(tpl);
	cfg_free(cfg);
}

static long long
qint(const char *sql)
{
	return tu_query_int(store_db(st), sql, 0);
}

static const char *
qtext(const char *sql)
{
	return tu_query_text(store_db(st), sql, 0);
}

/* Resolve broadcast id, `batch` households a transaction; its count. */
static int64_t
resolve(int64_t id, int batch)
{
	struct broadcast_resolution *res = NULL;
	int64_t n = -1;
	bool done = false;

	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(broadcast_resolve_begin(st, id, &res), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	while (!done) {
		ck_assert_int_eq(store_begin(st), FP_OK);
		ck_assert_int_eq(broadcast_resolve_step(st, &ctx, res, batch,
		    &done, &n), FP_OK);
		ck_assert_int_eq(store_commit(st), FP_OK);
	}
	broadcast_resolve_free(res);
	return n;
}

/* Create and fully resolve a broadcast from JSON; its id. */
static int64_t
create_at(const char *json, const char *scope, int64_t now)
{
	struct json_object *o = json_tokener_parse(json);
	struct broadcast_req r;
	const char *why = NULL, *missing = NULL;
	int64_t id = 0;
	bool dry;

	ck_assert_ptr_nonnull(o);
	ck_assert_msg(broadcast_parse(o, cfg, now, NULL, &r, &dry, &why) ==
	    FP_OK, "%s", why);
	ck_assert_msg(broadcast_training(st, &r, &why) == FP_OK, "%s", why);
	ck_assert_int_eq(audience_scope(&r.audience, scope), FP_OK);
	r.created_by = "test";
	ck_assert_msg(broadcast_check(&ctx, &r, &why, &missing) == FP_OK,
	    "%s", why);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(broadcast_insert(st, &r, now, &id), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	resolve(id, 2);
	json_object_put(o);
	return id;
}

static int64_t
create(const char *json)
{
	return create_at(json, "", T10);
}

/* The broadcast's recipients, "|"-joined in number order. */
static const char *
recipients(int64_t id)
{
	static char buf[1024];
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT ifnull(group_concat(substr(msisdn, "
	    "-2), '|'), '') FROM (SELECT DISTINCT msisdn FROM "
	    "broadcast_recipients WHERE broadcast_id = %lld ORDER BY msisdn)",
	    (long long)id);
	snprintf(buf, sizeof(buf), "%s", qtext(sql));
	return buf;
}

static int
round_at(int64_t now, int budget)
{
	int queued = -1;

	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(broadcast_round(st, &ctx, now, budget, &queued),
	    FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	return queued;
}

/* broadcasts.recipients of id; its recipient rows. */
static long long
stored_count(int64_t id)
{
	return tu_query_int(store_db(st), "SELECT recipients FROM broadcasts "
	    "WHERE id = ?1", id);
}

static long long
row_count(int64_t id)
{
	return tu_query_int(store_db(st), "SELECT count(*) FROM "
	    "broadcast_recipients WHERE broadcast_id = ?1", id);
}

/* audience_count of a broadcast body's audience (per language or not). */
static int64_t
count_of(const char *json, bool per_language)
{
	struct json_object *o = json_tokener_parse(json);
	struct audience_count c;
	struct broadcast_req r;
	const char *why = NULL;
	int64_t sum = 0;
	bool dry;
	int i;

	ck_assert_int_eq(broadcast_parse(o, cfg, T10, NULL, &r, &dry, &why),
	    FP_OK);
	ck_assert_int_eq(audience_count(st, &r.audience, "zh", per_language,
	    &c), FP_OK);
	json_object_put(o);
	for (i = 0; i < 4; i++)
		sum += c.by_lang[i];
	if (per_language)
		ck_assert_int_eq(sum, c.total);
	return c.total;
}

/* GET's answer for id: a JSON text (static), and its numbers. */
static const char *
status_text(int64_t id, long long *recipients_out, long long *counts_sum)
{
	static char buf[2048];
	struct json_object *o = NULL, *c, *v;

	ck_assert_int_eq(broadcast_status(st, id, "", &o), FP_OK);
	snprintf(buf, sizeof(buf), "%s", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	if (recipients_out != NULL) {
		ck_assert(json_object_object_get_ex(o, "recipients", &v));
		*recipients_out = v != NULL ? json_object_get_int64(v) : -1;
	}
	if (counts_sum != NULL) {
		*counts_sum = 0;
		ck_assert(json_object_object_get_ex(o, "counts", &c));
		json_object_object_foreach(c, k, n) {
			(void)k;
			*counts_sum += json_object_get_int64(n);
		}
	}
	json_object_put(o);
	return buf;
}

START_TEST(audience_filters_alone_and_combined)
{
	static const struct {
		const char *audience;
		const char *want;
	} cases[] = {
		{ "{}", "01|02|03|04" },	/* 05 opted out */
		{ "{\"area\":\"5134\"}", "01|02|03" },
		{ "{\"area\":\"513431100202\"}", "03" },
		{ "{\"status\":\"poor\"}", "01|02|03" },
		{ "{\"status\":\"exited\"}", "04" },
		{ "{\"language\":\"zh\"}", "03|04" },
		{ "{\"program\":\"YL\"}", "02|03" },
		{ "{\"program\":\"YL\",\"enrollment\":\"enrolled\"}", "02" },
		{ "{\"program\":\"CY\",\"area\":\"5134\"}", "" },
		{ "{\"area\":\"5134\",\"status\":\"monitored\","
		  "\"language\":\"zh\"}", "03" },
		{ "{\"role\":\"cadre\"}", "01|02" },
		{ "{\"role\":\"cadre\",\"area\":\"5119\"}", "02" },
	};
	size_t i;
	char json[256];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t id, want = *cases[i].want == '\0' ? 0 :
		    (int64_t)(strlen(cases[i].want) + 1) / 3;

		snprintf(json, sizeof(json), "{\"text\":\"通知\",\"audience\":%s}",
		    cases[i].audience);
		id = create(json);
		ck_assert_msg(strcmp(recipients(id), cases[i].want) == 0,
		    "%s: %s, not %s", cases[i].audience, recipients(id),
		    cases[i].want);
		/* Counted as resolved: one row per number, both counts. */
		ck_assert_int_eq(stored_count(id), want);
		ck_assert_int_eq(row_count(id), want);
		ck_assert_int_eq(count_of(json, false), want);
		ck_assert_int_eq(count_of(json, true), want);
	}
}
END_TEST

START_TEST(a_number_in_two_households_gets_one_message)
{
	create("{\"text\":\"通知\"}");
	ck_assert_int_eq(round_at(T10, 100), 4);	/* 05 opted out */
	ck_assert_int_eq(qint("SELECT count(*) FROM sms_out WHERE broadcast_id "
	    "= 1 AND msisdn = '+8613900000003'"), 1);
	/* One recipient row: the number, not each member who has it. */
	ck_assert_str_eq(qtext("SELECT group_concat(status) FROM (SELECT status "
	    "FROM broadcast_recipients WHERE broadcast_id = 1 AND msisdn = "
	    "'+8613900000003' ORDER BY status)"), "queued");
}
END_TEST

START_TEST(scope_narrows_and_refuses_other_areas)
{
	struct audience a;
	const char *why;

	ck_assert_int_eq(audience_parse(NULL, &a, &why), FP_OK);
	ck_assert_int_eq(audience_scope(&a, "5134"), FP_OK);
	ck_assert_str_eq(a.area, "5134");
	ck_assert_str_eq(recipients(create_at("{\"text\":\"x\"}", "5119", T10)),
	    "04");
	snprintf(a.area, sizeof(a.area), "5119");
	ck_assert_int_eq(audience_scope(&a, "5134"), FP_EREJECT);
	snprintf(a.area, sizeof(a.area), "513431");
	ck_assert_int_eq(audience_scope(&a, "5134"), FP_OK);
}
END_TEST

START_TEST(bad_audiences_are_refused)
{
	static const char *const bad[] = { "{\"area\":\"51x\"}",
	    "{\"areas\":\"5134\"}", "{\"status\":\"rich\"}",
	    "{\"enrollment\":\"enrolled\"}", "{\"role\":\"boss\"}",
	    "{\"language\":\"fr\"}", "{\"area\":5134}", "[]" };
	struct audience a;
	const char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = json_tokener_parse(bad[i]);

		ck_assert_msg(audience_parse(o, &a, &why) == FP_EINVAL, "%s",
		    bad[i]);
		ck_assert_ptr_nonnull(why);
		json_object_put(o);
	}
}
END_TEST

START_TEST(sending_skips_opt_outs_in_each_language)
{
	int64_t id = create("{\"template\":\"return_home_support\","
	    "\"audience\":{\"area\":\"5134\"}}");

	ck_assert_int_eq(round_at(T10, 100), 3);
	/* Opted out before: never a recipient. */
	ck_assert_int_eq(qint("SELECT count(*) FROM broadcast_recipients WHERE "
	    "msisdn = '+8613900000005'"), 0);
	/* Each in its household's language, with its own name. */
	ck_assert_ptr_nonnull(strstr(qtext("SELECT text FROM sms_out WHERE "
	    "msisdn = '+8613900000002'"), "吉克阿呷"));
	ck_assert_ptr_nonnull(strstr(qtext("SELECT text FROM sms_out WHERE "
	    "msisdn = '+8613900000003'"), "回TD退订"));
	ck_assert_int_eq(qint("SELECT count(*) FROM sms_out WHERE kind = "
	    "'broadcast' AND broadcast_id = 1"), 3);
	/* Nothing twice: the next round finds nothing and finishes it. */
	ck_assert_int_eq(round_at(T10 + 1, 100), 0);
	ck_assert_str_eq(qtext("SELECT status FROM broadcasts"), "finished");
	(void)id;
}
END_TEST

START_TEST(quiet_hours_across_midnight_and_in_other_zones)
{
	ck_assert(!schedule_is_quiet(cfg, T10));
	ck_assert(schedule_is_quiet(cfg, T2130));
	ck_assert(schedule_is_quiet(cfg, T0759));
	ck_assert(!schedule_is_quiet(cfg, T0759 + 60));
	ck_assert_int_eq(schedule_quiet_end(cfg, T2130), T0759 + 60);
	ck_assert_int_eq(schedule_quiet_end(cfg, T0759), T0759 + 60);
	ck_assert_int_eq(schedule_quiet_end(cfg, T10), T10);
	/* Nothing goes in quiet hours; it goes when they end. */
	create("{\"text\":\"通知\",\"audience\":{\"area\":\"5119\"}}");
	ck_assert_int_eq(round_at(T2130, 100), 0);
	ck_assert_int_eq(round_at(T0759, 100), 0);
	ck_assert_int_eq(round_at(T0759 + 60, 100), 1);
	/* The same instant in Urumqi's zone (UTC+6) is 19:30: not quiet. */
	setenv("TZ", "Asia/Urumqi", 1);
	tzset();
	ck_assert(!schedule_is_quiet(cfg, T2130));
	/* New York, 08:30 the same morning: quiet has just ended. */
	setenv("TZ", "America/New_York", 1);
	tzset();
	ck_assert(!schedule_is_quiet(cfg, T2130));
	ck_assert(schedule_is_quiet(cfg, T10));	/* 21:00 there */
	/* quiet_hours = "" turns them off; a same-day span works too. */
	cfg_free(cfg);
	load("schedule = { quiet_hours = \"\"; };");
	ck_assert(!schedule_is_quiet(cfg, T10));
	cfg_free(cfg);
	load("schedule = { quiet_hours = \"12:00-14:00\"; timezone = "
	    "\"Asia/Shanghai\"; };");
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	ck_assert(!schedule_is_quiet(cfg, T10));
	ck_assert(schedule_is_quiet(cfg, T10 + 3 * 3600));
}
END_TEST

START_TEST(daily_cap_defers_to_the_next_day)
{
	int i;

	for (i = 0; i < 4; i++)
		create("{\"text\":\"通知\",\"audience\":{\"area\":\"5119\"}}");
	ck_assert_int_eq(round_at(T10, 100), 3);	/* cap 3 */
	ck_assert_int_eq(qint("SELECT count FROM notice_counts WHERE msisdn = "
	    "'+8613900000004'"), 3);
	ck_assert_int_eq(qint("SELECT not_before FROM broadcast_recipients "
	    "WHERE broadcast_id = 4"), T0759 - 7 * 3600 - 59 * 60 + 0);
	ck_assert_int_eq(round_at(T10 + 3600, 100), 0);
	/* The next day, after the quiet hours, it goes. */
	ck_assert_int_eq(round_at(T0759 + 60, 100), 1);
	ck_assert_str_eq(qtext("SELECT group_concat(status) FROM broadcasts"),
	    "finished,finished,finished,finished");
}
END_TEST

START_TEST(send_at_waits_and_cancel_stops_what_is_not_sent)
{
	int64_t later = create("{\"text\":\"明天\",\"send_at\":"
	    "\"2026-12-03T12:00:00+08:00\",\"audience\":{\"area\":\"5134\"}}");
	int64_t now_id = create("{\"text\":\"现在\"}");
	struct json_object *o = NULL;

	ck_assert_int_eq(round_at(T10, 2), 2);	/* only the due one, 2 of 4 */
	ck_assert_int_eq(qint("SELECT count(*) FROM sms_out WHERE broadcast_id "
	    "= 1"), 0);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(broadcast_cancel(st, now_id, "", "test", T10 + 5),
	    FP_OK);
	ck_assert_int_eq(broadcast_cancel(st, now_id, "", "test", T10 + 6),
	    FP_EBUSY);
	ck_assert_int_eq(broadcast_cancel(st, later, "5119", "test", T10 + 6),
	    FP_EREJECT);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_int_eq(round_at(T10 + 10, 100), 0);
	/* 4 numbers (03 in two households, 05 opted out): 2 queued, 2
	 * never. */
	ck_assert_int_eq(qint("SELECT count(*) FROM broadcast_recipients WHERE "
	    "broadcast_id = 2 AND status = 'cancelled'"), 2);
	ck_assert_int_eq(qint("SELECT count(*) FROM sms_out WHERE broadcast_id "
	    "= 2 AND status = 'expired'"), 2);
	ck_assert_int_eq(qint("SELECT count(*) FROM audit WHERE action = "
	    "'broadcast.cancel'"), 1);
	ck_assert_int_eq(broadcast_status(st, now_id, "", &o), FP_OK);
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN), "\"status\":\"cancelled\""));
	json_object_put(o);
	/* At its time the scheduled one goes. */
	ck_assert_int_eq(round_at(T10 + 2 * 3600, 100), 3);
}
END_TEST

START_TEST(dry_run_counts_and_renders_per_language)
{
	struct json_object *o = json_tokener_parse("{\"template\":"
	    "\"general_notice\",\"vars\":{\"text\":\"明天开会\"},\"dry_run\":true}");
	struct json_object *out = NULL;
	struct broadcast_req r;
	const char *why = NULL, *s;
	bool dry = false;

	ck_assert_int_eq(broadcast_parse(o, cfg, T10, NULL, &r, &dry, &why),
	    FP_OK);
	ck_assert(dry);
	ck_assert_int_eq(broadcast_dry_run(st, &ctx, &r, &out), FP_OK);
	s = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN);
	/* Distinct numbers: 03 (in H2 zh and H4 bo) counts once, in its
	 * first household's language; 05 (H4 bo) opted out. */
	ck_assert_msg(strstr(s, "\"recipients\":4,\"segments\":4") != NULL,
	    "%s", s);
	ck_assert_ptr_nonnull(strstr(s, "\"zh\":{\"recipients\":2,"));
	ck_assert_ptr_null(strstr(s, "\"bo\":"));
	ck_assert_ptr_nonnull(strstr(s, "\"ii\":{\"recipients\":2,"));
	ck_assert_ptr_nonnull(strstr(s, "明天开会"));
	/* Nothing was stored. */
	ck_assert_int_eq(qint("SELECT count(*) FROM broadcasts"), 0);
	json_object_put(out);
	json_object_put(o);
}
END_TEST

START_TEST(bad_requests_are_refused_before_anything_is_stored)
{
	static const char *const bad[] = {
		"{\"text\":\"x\",\"template\":\"general_notice\"}",
		"{}",
		"{\"text\":\"x\",\"send_at\":\"2030-01-01T00:00:00Z\"}",
		"{\"text\":\"x\",\"send_at\":\"1999-01-01T00:00:00Z\"}",
		"{\"text\":\"x\",\"send_at\":\"2026-02-30T00:00:00Z\"}",
		"{\"text\":\"x\",\"send_at\":\"tomorrow\"}",
		"{\"text\":\"x\",\"bcc\":\"y\"}",
		"{\"text\":\"x\",\"vars\":[1]}",
		"{\"text\":\"x\",\"provider\":\"nope\"}",
		"{\"text\":\"x\",\"dry_run\":\"yes\"}",
		"{\"text\":\"\"}",
	};
	struct broadcast_req r;
	const char *why = NULL, *missing = NULL;
	bool dry;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = json_tokener_parse(bad[i]);

		ck_assert_msg(broadcast_parse(o, cfg, T10, NULL, &r, &dry, &why)
		    == FP_EINVAL, "%s", bad[i]);
		json_object_put(o);
	}
	/* A template variable nobody provides: refused, named. */
	{
		struct json_object *o = json_tokener_parse("{\"template\":"
		    "\"training_notice\"}");

		ck_assert_int_eq(broadcast_parse(o, cfg, T10, NULL, &r, &dry,
		    &why), FP_OK);
		ck_assert_int_eq(broadcast_check(&ctx, &r, &why, &missing),
		    FP_EINVAL);
		ck_assert_ptr_nonnull(missing);
		json_object_put(o);
	}
}
END_TEST

/*
 * An office sends a training's notice by naming the training: its title,
 * day and place fill every message, and it reaches the members enrolled
 * in its program under its area (M2; M3 only requested).
 */
START_TEST(a_training_notice_names_its_training)
{
	struct json_object *o;
	struct broadcast_req r;
	const char *why = NULL;
	const char *text;
	bool dry;

	ck_assert_str_eq(recipients(create("{\"template\":\"training_notice\","
	    "\"training\":\"TR1\"}")), "02");
	ck_assert_int_eq(round_at(T10, 100), 1);
	text = qtext("SELECT text FROM sms_out WHERE msisdn = '+8613900000002'");
	ck_assert_msg(strstr(text, "彝绣技能培训") != NULL &&
	    strstr(text, "昭觉县城") != NULL, "%s", text);
	ck_assert_str_eq(qtext("SELECT audience FROM broadcasts WHERE id = 1"),
	    "{\"area\":\"513431\",\"program\":\"YL\",\"enrollment\":"
	    "\"enrolled\",\"role\":\"household\"}");
	/* No such training; a program that is not the training's. */
	o = json_tokener_parse("{\"template\":\"training_notice\","
	    "\"training\":\"TR9\"}");
	ck_assert_int_eq(broadcast_parse(o, cfg, T10, NULL, &r, &dry, &why),
	    FP_OK);
	ck_assert_int_eq(broadcast_training(st, &r, &why), FP_ENOTFOUND);
	ck_assert_str_eq(why, "training: no such training");
	json_object_put(o);
	o = json_tokener_parse("{\"template\":\"training_notice\","
	    "\"training\":\"TR1\",\"audience\":{\"program\":\"CY\"}}");
	ck_assert_int_eq(broadcast_parse(o, cfg, T10, NULL, &r, &dry, &why),
	    FP_OK);
	ck_assert_int_eq(broadcast_training(st, &r, &why), FP_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "audience.program: "));
	json_object_put(o);
	/* The training's details are the registry's, never the caller's. */
	o = json_tokener_parse("{\"template\":\"training_notice\","
	    "\"training\":\"TR1\",\"vars\":{\"location\":\"x\"}}");
	ck_assert_int_eq(broadcast_parse(o, cfg, T10, NULL, &r, &dry, &why),
	    FP_EINVAL);
	json_object_put(o);
}
END_TEST

START_TEST(reminders_are_made_once_a_day_even_across_a_restart)
{
	int created = -1;

	/* Before their time: nothing. */
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(reminder_run(st, &ctx, T10 - 2 * 3600, &created),
	    FP_OK);
	ck_assert_int_eq(created, 0);
	/* At 10:00: the training 3 days ahead, and the dated one (12-03). */
	ck_assert_int_eq(reminder_run(st, &ctx, T10, &created), FP_OK);
	ck_assert_int_eq(created, 2);
	ck_assert_int_eq(reminder_run(st, &ctx, T10 + 60, &created), FP_OK);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(store_commit(st), FP_OK);
	/* A restart: another connection, the same database state. */
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(reminder_run(st, &ctx, T10 + 3600, &created), FP_OK);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_str_eq(qtext("SELECT group_concat(reminder_key, ' ') FROM "
	    "(SELECT reminder_key FROM broadcasts ORDER BY id)"),
	    "soon/2026-12-03/TR1 yulu/2026-12-03");
	ck_assert_str_eq(qtext("SELECT group_concat(kind) FROM broadcasts"),
	    "reminder,reminder");
	/* The training reminder reaches the enrolled members under its area,
	 * with the training's details. */
	{
		ck_assert_int_eq(resolve(1, 10), 1);
		ck_assert_str_eq(recipients(1), "02");
		ck_assert_int_eq(round_at(T10 + 7200, 100), 1);
		ck_assert_ptr_nonnull(strstr(qtext("SELECT text FROM sms_out"),
		    "彝绣技能培训"));
	}
}
END_TEST

/*
 * The program offices' report: 10 member rows, 8 numbers, one opted out:
 * 7 recipients in the count (both ways), the dry run, the stored count,
 * GET (whose per-status counts add up to it) and the list; one row per
 * number, however the batches cut the households.
 */
START_TEST(recipients_are_distinct_numbers_not_member_rows)
{
	struct json_object *o = json_tokener_parse("{\"text\":\"通知\","
	    "\"audience\":{\"area\":\"5201\"},\"dry_run\":true}");
	struct json_object *out = NULL, *items;
	struct broadcast_req r;
	struct audience_count c;
	const char *why = NULL, *text;
	long long n = 0, sum = 0;
	int64_t id;
	bool dry;

	ck_assert_int_eq(store_exec(st, village), FP_OK);
	ck_assert_int_eq(qint("SELECT count(*) FROM members WHERE phone IS NOT "
	    "NULL AND household_id LIKE 'V%'"), 10);
	ck_assert_int_eq(count_of(VILLAGE_TEXT, false), 7);
	ck_assert_int_eq(broadcast_parse(o, cfg, T10, NULL, &r, &dry, &why),
	    FP_OK);
	ck_assert_int_eq(audience_count(st, &r.audience, "zh", true, &c), FP_OK);
	ck_assert_int_eq(c.total, 7);
	ck_assert_int_eq(c.by_lang[0], 2);	/* zh: 11, 12 */
	ck_assert_int_eq(c.by_lang[1], 3);	/* ii: 13, 14, 15 */
	ck_assert_int_eq(c.by_lang[2], 2);	/* bo: 17, 18 */
	ck_assert_int_eq(broadcast_dry_run(st, &ctx, &r, &out), FP_OK);
	text = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN);
	ck_assert_msg(strstr(text, "\"dry_run\":true,\"recipients\":7,") !=
	    NULL, "%s", text);
	ck_assert_ptr_nonnull(strstr(text, "\"zh\":{\"recipients\":2,"));
	ck_assert_ptr_nonnull(strstr(text, "\"ii\":{\"recipients\":3,"));
	ck_assert_ptr_nonnull(strstr(text, "\"bo\":{\"recipients\":2,"));
	json_object_put(out);
	/* Resolved a household a batch: 12 comes again in the next one. */
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(broadcast_insert(st, &r, T10, &id), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_int_eq(resolve(id, 1), 7);
	ck_assert_str_eq(recipients(id), "11|12|13|14|15|17|18");
	ck_assert_int_eq(row_count(id), 7);
	ck_assert_int_eq(stored_count(id), 7);
	ck_assert_str_eq(qtext("SELECT group_concat(language, '') FROM (SELECT "
	    "language FROM broadcast_recipients ORDER BY msisdn)"),
	    "zhzhiiiiiibobo");
	text = status_text(id, &n, &sum);
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(sum, 7);
	ck_assert_msg(strstr(text, "\"counts\":{\"pending\":7}") != NULL, "%s",
	    text);
	ck_assert_int_eq(broadcast_list(st, "", NULL, 0, 10, &out), FP_OK);
	ck_assert(json_object_object_get_ex(out, "items", &items));
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(
	    json_object_array_get_idx(items, 0), "recipients")), 7);
	json_object_put(out);
	/* The messages: one per recipient, and the counts still add up. */
	ck_assert_int_eq(round_at(T10, 100), 7);
	ck_assert_int_eq(qint("SELECT count(*) FROM sms_out"), 7);
	ck_assert_int_eq(qint("SELECT count(DISTINCT msisdn) FROM sms_out"), 7);
	text = status_text(id, &n, &sum);
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(sum, 7);
	ck_assert_msg(strstr(text, "\"counts\":{\"queued\":7}") != NULL, "%s",
	    text);
	json_object_put(o);	/* r's strings */
}
END_TEST

/*
 * An audience of everyone is resolved from the members alone (no
 * household read): each notice still goes in its household's language,
 * and the counts are the same as a household filter that matches all.
 */
START_TEST(an_audience_of_everyone_is_sent_in_each_households_language)
{
	int64_t everyone, filtered;

	ck_assert_int_eq(store_exec(st, village), FP_OK);
	ck_assert_int_eq(count_of("{\"text\":\"x\"}", false), 11);
	ck_assert_int_eq(count_of("{\"text\":\"x\"}", true), 11);
	everyone = create("{\"template\":\"general_notice\",\"vars\":{\"text\":"
	    "\"开会\"}}");
	filtered = create("{\"template\":\"general_notice\",\"vars\":{\"text\":"
	    "\"开会\"},\"audience\":{\"area\":\"5\"}}");
	ck_assert_str_eq(recipients(everyone), recipients(filtered));
	ck_assert_int_eq(stored_count(everyone), 11);
	ck_assert_int_eq(stored_count(filtered), 11);
	ck_assert_int_eq(qint("SELECT count(*) FROM broadcast_recipients WHERE "
	    "broadcast_id = 1 AND language IS NULL"), 11);
	ck_assert_int_eq(round_at(T10, 11), 11);	/* the first one */
	ck_assert_ptr_nonnull(strstr(qtext("SELECT text FROM sms_out WHERE "
	    "msisdn = '+8613800000017'"), "བརྡ་ཁྱབ། 开会"));
	ck_assert_str_eq(qtext("SELECT text FROM sms_out WHERE msisdn = "
	    "'+8613800000011'"), "开会 回TD退订");
}
END_TEST

/*
 * A number that opts out after the broadcast was created (and resolved)
 * stays counted: `recipients` keeps the number counted then, its row ends
 * "skipped", and the per-status counts still add up to it.  The next
 * broadcast to the same audience counts it no more.
 */
START_TEST(a_number_opting_out_after_creation_is_skipped_and_still_counted)
{
	long long n = 0, sum = 0;
	const char *text;
	int64_t id;

	ck_assert_int_eq(store_exec(st, village), FP_OK);
	id = create(VILLAGE_TEXT);
	ck_assert_int_eq(stored_count(id), 7);
	ck_assert_int_eq(store_exec(st, "INSERT INTO optouts(msisdn, opted_out, "
	    "source, changed_at) VALUES ('+8613800000013', 1, 'sms', 1)"),
	    FP_OK);
	ck_assert_int_eq(round_at(T10, 100), 6);
	ck_assert_str_eq(qtext("SELECT status FROM broadcast_recipients WHERE "
	    "msisdn = '+8613800000013'"), "skipped");
	ck_assert_int_eq(qint("SELECT count(*) FROM sms_out WHERE msisdn = "
	    "'+8613800000013'"), 0);
	text = status_text(id, &n, &sum);
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(sum, 7);
	ck_assert_msg(strstr(text, "\"counts\":{\"skipped\":1,\"queued\":6}")
	    != NULL, "%s", text);
	ck_assert_int_eq(round_at(T10 + 1, 100), 0);
	ck_assert_str_eq(qtext("SELECT status FROM broadcasts"), "finished");
	status_text(id, &n, &sum);
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(sum, 7);
	/* A new broadcast: 6. */
	ck_assert_int_eq(count_of(VILLAGE_TEXT, false), 6);
	ck_assert_int_eq(stored_count(create(VILLAGE_TEXT)), 6);
}
END_TEST

/*
 * A resolution interrupted (a crash) or rolled back (a failed tick) is
 * begun again from what was committed: no number twice, the same count.
 */
START_TEST(an_interrupted_resolution_writes_no_number_twice)
{
	struct broadcast_resolution *res = NULL;
	struct json_object *o = json_tokener_parse(VILLAGE_TEXT);
	struct broadcast_req r;
	const char *why = NULL;
	int64_t id = 0, n = 0;
	bool dry, done = false;
	int i;

	ck_assert_int_eq(store_exec(st, village), FP_OK);
	ck_assert_int_eq(broadcast_parse(o, cfg, T10, NULL, &r, &dry, &why),
	    FP_OK);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(broadcast_insert(st, &r, T10, &id), FP_OK);
	/* Six households (H1-H4, V1, V2) committed, then a crash. */
	ck_assert_int_eq(broadcast_resolve_begin(st, id, &res), FP_OK);
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(broadcast_resolve_step(st, &ctx, res, 1, &done,
		    &n), FP_OK);
	ck_assert(!done);
	ck_assert_int_eq(store_commit(st), FP_OK);
	broadcast_resolve_free(res);
	ck_assert_int_eq(row_count(id), 4);	/* 11 12 13 14 */
	/* Begun again: the next batch is rolled back. */
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(broadcast_resolve_begin(st, id, &res), FP_OK);
	while (!done)
		ck_assert_int_eq(broadcast_resolve_step(st, &ctx, res, 3, &done,
		    &n), FP_OK);
	store_rollback(st);
	broadcast_resolve_free(res);
	ck_assert_int_eq(row_count(id), 4);
	ck_assert_int_eq(stored_count(id), -1);
	/* And again, to the end. */
	ck_assert_int_eq(resolve(id, 3), 7);
	ck_assert_int_eq(row_count(id), 7);
	ck_assert_int_eq(qint("SELECT count(DISTINCT msisdn) FROM "
	    "broadcast_recipients"), 7);
	ck_assert_int_eq(stored_count(id), 7);
	json_object_put(o);
}
END_TEST

/*
 * schedule.retention_days after a broadcast finished or was cancelled,
 * the tick prunes its recipient rows in bounded batches, keeping what
 * GET answers: the same text before, during and after.
 */
START_TEST(pruning_after_retention_keeps_the_counts)
{
	int64_t keep = (int64_t)cfg->schedule.retention_days * 86400;
	int64_t done_id, cancelled_id, later_id;
	char before_done[2048], before_cancelled[2048];
	long long n = 0, sum = 0;
	int deleted = -1, rounds = 0;

	ck_assert_int_eq(cfg->schedule.retention_days, 90);
	ck_assert_int_eq(store_exec(st, village), FP_OK);
	done_id = create(VILLAGE_TEXT);
	ck_assert_int_eq(round_at(T10, 100), 7);	/* and finished */
	ck_assert_int_eq(round_at(T10 + 1, 100), 0);
	ck_assert_int_eq(store_exec(st, "UPDATE sms_out SET status = "
	    "'delivered' WHERE id <= 5; UPDATE sms_out SET status = 'failed' "
	    "WHERE id = 6"), FP_OK);
	cancelled_id = create(VILLAGE_TEXT);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(broadcast_cancel(st, cancelled_id, "", "test",
	    T10 + 60), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	later_id = create_at("{\"text\":\"x\",\"send_at\":"
	    "\"2027-06-01T09:00:00+08:00\",\"audience\":{\"area\":\"5201\"}}",
	    "", T10);
	snprintf(before_done, sizeof(before_done), "%s", status_text(done_id,
	    &n, &sum));
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(sum, 7);
	ck_assert_msg(strstr(before_done, "\"segments_sent\":5") != NULL, "%s",
	    before_done);
	snprintf(before_cancelled, sizeof(before_cancelled), "%s",
	    status_text(cancelled_id, NULL, NULL));
	ck_assert_ptr_nonnull(strstr(before_cancelled,
	    "\"counts\":{\"cancelled\":7}"));
	/* A second early: nothing. */
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(broadcast_prune(st, cfg, T10 + keep - 1, 3,
	    &deleted), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_int_eq(deleted, 0);
	ck_assert_int_eq(row_count(done_id), 7);
	/* On time: 3 rows a call, the same answer all along. */
	do {
		ck_assert_int_eq(store_begin(st), FP_OK);
		ck_assert_int_eq(broadcast_prune(st, cfg, T10 + keep, 3,
		    &deleted), FP_OK);
		ck_assert_int_eq(store_commit(st), FP_OK);
		ck_assert_int_le(deleted, 3);
		ck_assert_str_eq(status_text(done_id, NULL, NULL), before_done);
		rounds++;
	} while (deleted == 3);
	ck_assert_int_eq(rounds, 3);
	ck_assert_int_eq(row_count(done_id), 0);
	ck_assert_int_eq(qint("SELECT pruned_at FROM broadcasts WHERE id = 1"),
	    T10 + keep);
	/* The cancelled one's time comes a minute later. */
	ck_assert_int_eq(row_count(cancelled_id), 7);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(broadcast_prune(st, cfg, T10 + 60 + keep, 100,
	    &deleted), FP_OK);
	ck_assert_int_eq(deleted, 7);
	ck_assert_int_eq(broadcast_prune(st, cfg, T10 + 60 + keep, 100,
	    &deleted), FP_OK);
	ck_assert_int_eq(deleted, 0);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_int_eq(row_count(cancelled_id), 0);
	ck_assert_str_eq(status_text(cancelled_id, NULL, NULL),
	    before_cancelled);
	ck_assert_str_eq(status_text(done_id, &n, &sum), before_done);
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(sum, 7);
	/* Not finished: kept whatever the time. */
	ck_assert_int_eq(row_count(later_id), 7);
}
END_TEST

/* An alert from JSON at now; its id, task numbers into numbers. */
static int64_t
alert_at(const char *json, const char *scope, int64_t now, enum fp_err want,
    char *numbers, size_t len)
{
	struct json_object *o = json_tokener_parse(json);
	struct json_object *nums = json_object_new_array();
	struct alert_req *r = calloc(1, sizeof(*r));
	const char *why = NULL, *missing = NULL;
	int64_t id = 0;

	ck_assert_int_eq(alert_parse(o, NULL, r, &why), FP_OK);
	r->scope = scope;
	r->created_by = "test";
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(alert_create(st, &ctx, r, now, &id, nums, &why,
	    &missing), want);
	if (want == FP_OK)
		ck_assert_int_eq(store_commit(st), FP_OK);
	else
		store_rollback(st);
	if (numbers != NULL)
		snprintf(numbers, len, "%s", json_object_to_json_string_ext(nums,
		    JSON_C_TO_STRING_PLAIN));
	json_object_put(nums);
	json_object_put(o);
	free(r);
	return id;
}

START_TEST(alerts_make_tasks_and_messages_per_cadre)
{
	char nums[256];

	alert_at("{\"cadres\":[\"C1\",\"C2\"],\"text\":\"核实住房\","
	    "\"due\":\"2026-12-10\",\"urgent\":true}", "", T2130, FP_OK, nums,
	    sizeof(nums));
	ck_assert_str_eq(nums, "[\"T1\",\"T2\"]");
	ck_assert_ptr_nonnull(strstr(qtext("SELECT text FROM sms_out WHERE "
	    "msisdn = '+8619908349001'"), "李明辉同志，新任务T1：核实住房 截止："
	    "2026-12-10"));
	/* Urgent: due at once even in quiet hours.  Not urgent: after. */
	ck_assert_int_le(qint("SELECT max(next_attempt_at) FROM sms_out"),
	    T2130);
	alert_at("{\"area\":\"5134\",\"text\":\"开会\"}", "", T2130, FP_OK,
	    nums, sizeof(nums));
	ck_assert_str_eq(nums, "[\"T3\"]");
	ck_assert_int_eq(qint("SELECT next_attempt_at FROM sms_out WHERE "
	    "task_id = 3"), T0759 + 60);
	/* Scope: an office for 5134 cannot reach C2 (5119). */
	alert_at("{\"cadres\":[\"C2\"],\"text\":\"x\"}", "5134", T10,
	    FP_EREJECT, NULL, 0);
	alert_at("{\"cadres\":[\"C9\"],\"text\":\"x\"}", "", T10, FP_ENOTFOUND,
	    NULL, 0);
	ck_assert_int_eq(qint("SELECT count(*) FROM tasks"), 3);
	ck_assert_int_eq(qint("SELECT count(*) FROM audit WHERE action = "
	    "'alert.create'"), 2);
}
END_TEST

/* broadcast_parse and broadcast_check of json: FP_OK or the error. */
static enum fp_err
check_json(const char *json, const char **why)
{
	struct json_object *o = json_tokener_parse(json);
	struct broadcast_req r;
	const char *missing = NULL;
	bool dry;
	enum fp_err err;

	ck_assert_ptr_nonnull(o);
	*why = NULL;
	err = broadcast_parse(o, cfg, T10, NULL, &r, &dry, why);
	if (err == FP_OK)
		err = broadcast_check(&ctx, &r, why, &missing);
	json_object_put(o);
	return err;
}

/*
 * SPEC 4: a text longer than sms.max_segments segments is refused at
 * every API that sends: a broadcast's text, each language's rendering
 * of its template with the given vars, an alert's message.
 */
START_TEST(texts_longer_than_max_segments_are_refused)
{
	char json[1024], a300[301], a400[401];
	const char *why = NULL;

	cfg_free(cfg);
	load("sms = { max_segments = 2; };");
	memset(a300, 'a', 300);
	a300[300] = '\0';
	memset(a400, 'a', 400);
	a400[400] = '\0';
	/* 300 GSM-7 characters: 2 segments; 400: 3. */
	snprintf(json, sizeof(json), "{\"text\":\"%s\"}", a300);
	ck_assert_int_eq(check_json(json, &why), FP_OK);
	snprintf(json, sizeof(json), "{\"text\":\"%s\"}", a400);
	ck_assert_int_eq(check_json(json, &why), FP_ETOOBIG);
	ck_assert_ptr_nonnull(strstr(why, "segments"));
	/* 回TD退订 makes the rendering UCS-2: 300 + 6 units, 5 segments. */
	snprintf(json, sizeof(json), "{\"template\":\"general_notice\","
	    "\"vars\":{\"text\":\"%s\"}}", a300);
	ck_assert_int_eq(check_json(json, &why), FP_ETOOBIG);
	ck_assert_ptr_nonnull(strstr(why, "segments"));
	ck_assert_int_eq(check_json("{\"template\":\"general_notice\","
	    "\"vars\":{\"text\":\"明天开会\"}}", &why), FP_OK);
	/* An alert: nothing stored. */
	snprintf(json, sizeof(json), "{\"cadres\":[\"C1\"],\"text\":\"%.200s\"}",
	    a300);
	alert_at(json, "", T10, FP_ETOOBIG, NULL, 0);
	ck_assert_int_eq(qint("SELECT count(*) FROM tasks"), 0);
	ck_assert_int_eq(qint("SELECT count(*) FROM sms_out"), 0);
	alert_at("{\"cadres\":[\"C1\"],\"text\":\"开会\"}", "", T10, FP_OK,
	    NULL, 0);
}
END_TEST

/*
 * SPEC 3.5: a vars key naming a record field is refused: a recipient's
 * own data is never overridden (it was: vars came first).  The same
 * parse serves the admin API and cmd/broadcast (extra "command_id"),
 * and alerts (where the alert's own task and due are not vars either).
 */
START_TEST(vars_naming_a_record_field_are_refused)
{
	static const char *const fields[] = { "name", "household_id",
	    "cadre_name", "cadre_phone", "training_title", "starts_on",
	    "location", NULL };
	struct broadcast_req r;
	struct alert_req *a = calloc(1, sizeof(*a));
	const char *why = NULL;
	char json[256];
	bool dry;
	size_t i;

	for (i = 0; fields[i] != NULL; i++) {
		struct json_object *o;

		snprintf(json, sizeof(json), "{\"command_id\":\"c1\","
		    "\"template\":\"return_home_support\",\"vars\":{"
		    "\"text\":\"x\",\"%s\":\"冒名\"}}", fields[i]);
		o = json_tokener_parse(json);
		ck_assert_msg(broadcast_parse(o, cfg, T10, "command_id", &r,
		    &dry, &why) == FP_EINVAL, "%s", fields[i]);
		ck_assert_ptr_nonnull(strstr(why, "record field"));
		json_object_put(o);
		snprintf(json, sizeof(json), "{\"cadres\":[\"C1\"],"
		    "\"template\":\"task_alert\",\"vars\":{\"%s\":\"x\"}}",
		    fields[i]);
		o = json_tokener_parse(json);
		ck_assert_msg(alert_parse(o, NULL, a, &why) == FP_EINVAL, "%s",
		    fields[i]);
		json_object_put(o);
	}
	{
		struct json_object *o = json_tokener_parse("{\"cadres\":"
		    "[\"C1\"],\"template\":\"task_alert\",\"vars\":{\"text\":"
		    "\"x\",\"task\":\"T999\"}}");

		ck_assert_int_eq(alert_parse(o, NULL, a, &why), FP_EINVAL);
		json_object_put(o);
	}
	/* Nothing overrides the record when it is sent. */
	create("{\"template\":\"return_home_support\",\"audience\":"
	    "{\"area\":\"513431100202\"}}");
	ck_assert_int_eq(round_at(T10, 100), 1);
	ck_assert_ptr_nonnull(strstr(qtext("SELECT text FROM sms_out"),
	    "阿苏拉则"));
	free(a);
}
END_TEST

/* NUL bytes in a text or a variable (JSON's \u0000, over MQTT too). */
START_TEST(nul_bytes_are_refused)
{
	static const char *const bad[] = {
		"{\"text\":\"开会\\u0000后面\"}",
		"{\"template\":\"general_notice\",\"vars\":{\"text\":"
		    "\"\\u0000\"}}",
		"{\"template\":\"general_notice\\u0000x\",\"vars\":{"
		    "\"text\":\"x\"}}",
	};
	static const char *const bad_alerts[] = {
		"{\"cadres\":[\"C1\"],\"text\":\"核实\\u0000\"}",
		"{\"cadres\":[\"C1\\u0000x\"],\"text\":\"核实\"}",
		"{\"cadres\":[\"C1\"],\"template\":\"general_notice\","
		    "\"vars\":{\"text\":\"a\\u0000\"}}",
	};
	struct alert_req *a = calloc(1, sizeof(*a));
	struct broadcast_req r;
	const char *why = NULL;
	bool dry;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = json_tokener_parse(bad[i]);

		ck_assert_ptr_nonnull(o);
		ck_assert_msg(broadcast_parse(o, cfg, T10, NULL, &r, &dry, &why)
		    == FP_EINVAL, "%s", bad[i]);
		json_object_put(o);
	}
	for (i = 0; i < sizeof(bad_alerts) / sizeof(bad_alerts[0]); i++) {
		struct json_object *o = json_tokener_parse(bad_alerts[i]);

		ck_assert_ptr_nonnull(o);
		ck_assert_msg(alert_parse(o, NULL, a, &why) == FP_EINVAL, "%s",
		    bad_alerts[i]);
		json_object_put(o);
	}
	free(a);
}
END_TEST

START_TEST(unacknowledged_tasks_are_resent_once_then_overdue)
{
	int resent = -1, overdue = -1;
	int64_t t = cfg->schedule.ack_timeout_s;
	struct mo_msg mo;
	struct mo_result res;

	alert_at("{\"cadres\":[\"C1\",\"C2\"],\"text\":\"核实\","
	    "\"urgent\":true}", "", T10, FP_OK, NULL, 0);
	/* C2 acknowledges by SMS. */
	memset(&mo, 0, sizeof(mo));
	mo.route = "inbound";
	snprintf(mo.from, sizeof(mo.from), "+8619908349002");
	mo.text = "QR T2";
	mo.text_len = 5;
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(sms_service_receive(st, &ctx, &mo, T10 + 1, &res),
	    FP_OK);
	ck_assert_int_eq(alert_escalate(st, &ctx, T10 + t - 1, &resent,
	    &overdue), FP_OK);
	ck_assert_int_eq(resent + overdue, 0);
	ck_assert_int_eq(alert_escalate(st, &ctx, T10 + t, &resent, &overdue),
	    FP_OK);
	ck_assert_int_eq(resent, 1);
	ck_assert_int_eq(overdue, 0);
	ck_assert_int_eq(alert_escalate(st, &ctx, T10 + t + 10, &resent,
	    &overdue), FP_OK);
	ck_assert_int_eq(resent + overdue, 0);	/* re-sent once only */
	ck_assert_int_eq(alert_escalate(st, &ctx, T10 + 2 * t, &resent,
	    &overdue), FP_OK);
	ck_assert_int_eq(overdue, 1);
	ck_assert_int_eq(alert_escalate(st, &ctx, T10 + 3 * t, &resent,
	    &overdue), FP_OK);
	ck_assert_int_eq(resent + overdue, 0);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_str_eq(qtext("SELECT status FROM tasks WHERE task_number = "
	    "'T2'"), "acked");
	ck_assert_int_eq(qint("SELECT count(*) FROM sms_out WHERE task_id = 1"),
	    2);
	ck_assert_int_eq(qint("SELECT count(*) FROM sms_out WHERE task_id = 2"),
	    1);
	ck_assert_ptr_nonnull(strstr(qtext("SELECT data FROM event_outbox "
	    "WHERE type = 'task.overdue'"), "\"task_number\":\"T1\""));
	ck_assert_int_eq(qint("SELECT count(*) FROM event_outbox WHERE type = "
	    "'task.acked'"), 1);
}
END_TEST

/* ---- the admin API on a real socket ------------------------------------ */

static struct tg T;

/* sha256 of "admin-secret", "office-secret", "viewer-secret". */
#define API_TOKENS \
	"api = { tokens = (" \
	" { name = \"ops\"; role = \"admin\"; token_sha256 = " \
	"\"%s\"; }," \
	" { name = \"ls\"; role = \"office\"; area = \"5134\"; " \
	"token_sha256 = \"%s\"; }," \
	" { name = \"view\"; role = \"viewer\"; area = \"5134\"; " \
	"token_sha256 = \"%s\"; } ); };\n" \
	"schedule = { quiet_hours = \"\"; };\n"

static void
http_setup(void)
{
	char extra[1024], a[65], o[65], v[65];
	sqlite3 *db;

	tu_token_sha256("admin-secret", a);
	tu_token_sha256("office-secret", o);
	tu_token_sha256("viewer-secret", v);
	snprintf(extra, sizeof(extra), API_TOKENS, a, o, v);
	tg_init(&T, extra);
	tg_start(&T);
	ck_assert_int_eq(sqlite3_open(T.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_int_eq(sqlite3_exec(db, fixture, NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO feedback(ticket, msisdn,"
	    " area_code, text, created_at) VALUES ('F1', '+8613900000001', "
	    "'513431100201', '路灯坏了', 0), ('F2', '+8613900000004', "
	    "'511921100301', '水管', 0)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
http_teardown(void)
{
	tg_cleanup(&T);
}

static long
api(const char *method, const char *path, const char *token,
    const char *body, struct tg_reply *r)
{
	char auth[128];

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    token != NULL ? token : "");
	ck_assert_int_eq(tg_request(&T, method, path, body != NULL ?
	    "application/json" : NULL, body, body != NULL ? strlen(body) : 0,
	    token != NULL ? auth : NULL, false, r), 0);
	return r->status;
}

START_TEST(api_every_401_and_403)
{
	static struct tg_reply r;

	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", NULL,
	    "{\"text\":\"x\"}", &r), 401);
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "wrong",
	    "{\"text\":\"x\"}", &r), 401);
	ck_assert_int_eq(api("GET", "/api/v1/broadcasts", NULL, NULL, &r), 401);
	ck_assert_int_eq(api("GET", "/api/v1/feedback", "nope", NULL, &r), 401);
	ck_assert_int_eq(api("POST", "/api/v1/alerts", NULL,
	    "{\"area\":\"5134\",\"text\":\"x\"}", &r), 401);
	/* A viewer may only read. */
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "viewer-secret",
	    "{\"text\":\"x\"}", &r), 403);
	ck_assert_int_eq(api("POST", "/api/v1/alerts", "viewer-secret",
	    "{\"area\":\"5134\",\"text\":\"x\"}", &r), 403);
	ck_assert_int_eq(api("POST", "/api/v1/feedback/F1/close",
	    "viewer-secret", NULL, &r), 403);
	ck_assert_int_eq(api("GET", "/api/v1/feedback", "viewer-secret", NULL,
	    &r), 200);
	/* An office cannot reach another county. */
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "office-secret",
	    "{\"text\":\"x\",\"audience\":{\"area\":\"5119\"}}", &r),
	    403);
	ck_assert_int_eq(api("POST", "/api/v1/alerts", "office-secret",
	    "{\"cadres\":[\"C2\"],\"text\":\"x\"}", &r), 403);
	ck_assert_int_eq(api("POST", "/api/v1/alerts", "office-secret",
	    "{\"area\":\"5119\",\"text\":\"x\"}", &r), 403);
	ck_assert_int_eq(api("GET", "/api/v1/feedback?area=5119",
	    "office-secret", NULL, &r), 403);
	ck_assert_int_eq(api("POST", "/api/v1/feedback/F2/close",
	    "office-secret", NULL, &r), 403);
	/* The admin's broadcast to 5119 is not the office's to read. */
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "admin-secret",
	    "{\"text\":\"x\",\"audience\":{\"area\":\"5119\"}}", &r),
	    201);
	ck_assert_int_eq(api("GET", "/api/v1/broadcasts/1", "office-secret",
	    NULL, &r), 403);
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts/1/cancel",
	    "office-secret", NULL, &r), 403);
	ck_assert_int_eq(api("GET", "/api/v1/broadcasts/1", "admin-secret",
	    NULL, &r), 200);
	/* Nothing was changed by the refused calls. */
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM broadcasts"),
	    1);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM tasks"), 0);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM feedback WHERE "
	    "status = 'closed'"), 0);
}
END_TEST

START_TEST(api_validates_input_and_changes_nothing)
{
	static struct tg_reply r;
	static const char *const bad[] = {
		"not json", "[1,2]", "{\"text\":\"x\",\"extra\":1}",
		"{\"text\":\"x\",\"send_at\":\"3026-01-01T00:00:00Z\"}",
		"{\"text\":\"x\",\"send_at\":\"2026-13-01T00:00:00Z\"}",
		"{\"template\":\"training_notice\"}",
		"{\"template\":\"no_such\"}",
		"{\"text\":\"x\",\"audience\":{\"status\":\"rich\"}}",
	};
	char *big;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(api("POST", "/api/v1/broadcasts", "admin-secret",
		    bad[i], &r) == 400, "%s: %ld", bad[i], r.status);
	ck_assert_ptr_nonnull(strstr(r.body, "invalid_request"));
	ck_assert_int_eq(api("POST", "/api/v1/alerts", "admin-secret",
	    "{\"cadres\":\"C1\",\"text\":\"x\"}", &r), 400);
	ck_assert_int_eq(api("POST", "/api/v1/alerts", "admin-secret",
	    "{\"area\":\"5134\",\"text\":\"x\",\"due\":\"2026-02-31\"}",
	    &r), 400);
	ck_assert_int_eq(api("GET", "/api/v1/feedback?status=maybe",
	    "admin-secret", NULL, &r), 400);
	ck_assert_int_eq(api("GET", "/api/v1/broadcasts?limit=100000",
	    "admin-secret", NULL, &r), 400);
	ck_assert_int_eq(api("GET", "/api/v1/broadcasts/99", "admin-secret",
	    NULL, &r), 404);
	/* 10 MB: refused before it is read. */
	big = malloc(10 * 1024 * 1024 + 1);
	memset(big, 'a', 10 * 1024 * 1024);
	big[10 * 1024 * 1024] = '\0';
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "admin-secret", big,
	    &r), 413);
	free(big);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM broadcasts"),
	    0);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM tasks"), 0);
}
END_TEST

/* SPEC 4 over HTTP: a 400, nothing stored (sms.max_segments 8). */
START_TEST(api_refuses_texts_longer_than_max_segments)
{
	static struct tg_reply r;
	char body[2048], v[1801];
	int i;

	/* 997 a and one 扶: 998 UCS-2 units, 15 segments. */
	memset(v, 'a', 997);
	memcpy(v + 997, "扶", 4);
	snprintf(body, sizeof(body), "{\"text\":\"%s\"}", v);
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "admin-secret",
	    body, &r), 400);
	ck_assert_msg(strstr(r.body, "segments") != NULL, "%s", r.body);
	snprintf(body, sizeof(body), "{\"text\":\"%s\",\"dry_run\":true}",
	    v);
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "admin-secret",
	    body, &r), 400);
	/* 600 UCS-2 characters in an alert: 9 segments. */
	for (i = 0; i < 600; i++)
		memcpy(v + 3 * i, "扶", 3);
	v[1800] = '\0';
	snprintf(body, sizeof(body), "{\"cadres\":[\"C1\"],\"template\":"
	    "\"general_notice\",\"vars\":{\"text\":\"%s\"}}", v);
	ck_assert_int_eq(api("POST", "/api/v1/alerts", "admin-secret", body,
	    &r), 400);
	ck_assert_msg(strstr(r.body, "segments") != NULL, "%s", r.body);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM broadcasts"),
	    0);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM tasks"), 0);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM sms_out"), 0);
}
END_TEST

/* SPEC 3.5 over HTTP: vars naming a record field are a 400. */
START_TEST(api_refuses_vars_naming_a_record_field)
{
	static struct tg_reply r;

	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "admin-secret",
	    "{\"template\":\"return_home_support\",\"vars\":{\"name\":"
	    "\"冒名\"}}", &r), 400);
	ck_assert_msg(strstr(r.body, "record field") != NULL, "%s", r.body);
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "admin-secret",
	    "{\"template\":\"general_notice\",\"vars\":{\"text\":\"x\","
	    "\"cadre_phone\":\"110\"},\"dry_run\":true}", &r), 400);
	ck_assert_int_eq(api("POST", "/api/v1/alerts", "admin-secret",
	    "{\"cadres\":[\"C1\"],\"text\":\"x\",\"vars\":{\"cadre_name\":"
	    "\"冒名\"}}", &r), 400);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM broadcasts"),
	    0);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM tasks"), 0);
}
END_TEST

/* JSON's \u0000 anywhere in an admin API body is a 400. */
START_TEST(api_refuses_nul_bytes)
{
	static struct tg_reply r;

	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "admin-secret",
	    "{\"text\":\"开会\\u0000后面\"}", &r), 400);
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "admin-secret",
	    "{\"template\":\"general_notice\",\"vars\":{\"text\":\"x\","
	    "\"a\\u0000b\":\"y\"}}", &r), 400);
	ck_assert_int_eq(api("POST", "/api/v1/alerts", "admin-secret",
	    "{\"cadres\":[\"C1\"],\"text\":\"核实\\u0000\"}", &r), 400);
	ck_assert_int_eq(api("POST", "/api/v1/feedback/F1/close",
	    "admin-secret", "{\"resolution\":\"修好\\u0000\"}", &r), 400);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM broadcasts"),
	    0);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM tasks"), 0);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM feedback WHERE "
	    "status = 'closed'"), 0);
}
END_TEST

START_TEST(api_broadcast_sends_and_feedback_closes_with_an_audit_trail)
{
	static struct tg_reply r;

	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "office-secret",
	    "{\"template\":\"general_notice\",\"vars\":{\"text\":"
	    "\"明天开会\"},\"dry_run\":true}", &r), 200);
	/* 5 members with numbers in 5134: 4 numbers, one opted out. */
	ck_assert_ptr_nonnull(strstr(r.body, "\"recipients\":3"));
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "office-secret",
	    "{\"template\":\"general_notice\",\"vars\":{\"text\":"
	    "\"明天开会\"}}", &r), 201);
	ck_assert_ptr_nonnull(strstr(r.body, "\"recipients\":3"));
	/* The broadcaster resolves and queues; the file provider delivers. */
	ck_assert(tg_wait_int(&T, "SELECT count(*) FROM sms_out WHERE "
	    "broadcast_id = 1 AND status = 'delivered'", 3));
	ck_assert(tg_wait_int(&T, "SELECT status = 'finished' FROM broadcasts",
	    1));
	ck_assert_int_eq(api("GET", "/api/v1/broadcasts/1", "viewer-secret",
	    NULL, &r), 200);
	/* Every recipient delivered: nothing left to skip. */
	ck_assert_ptr_nonnull(strstr(r.body, "\"recipients\":3,"));
	ck_assert_ptr_nonnull(strstr(r.body, "\"counts\":{\"delivered\":3}"));
	ck_assert_ptr_nonnull(strstr(r.body, "\"segments_sent\":3"));
	ck_assert_int_eq(api("GET", "/api/v1/broadcasts?status=finished",
	    "viewer-secret", NULL, &r), 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"total\":1"));
	/* Feedback: the office sees its area's ticket and closes it. */
	ck_assert_int_eq(api("GET", "/api/v1/feedback?status=open",
	    "office-secret", NULL, &r), 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"ticket\":\"F1\""));
	ck_assert_ptr_null(strstr(r.body, "\"F2\""));
	/* SPEC 10: the number in full for an office, masked for a viewer. */
	ck_assert_ptr_nonnull(strstr(r.body, "+8613900000001"));
	ck_assert_int_eq(api("GET", "/api/v1/feedback?status=open",
	    "viewer-secret", NULL, &r), 200);
	ck_assert_ptr_nonnull(strstr(r.body, "139****0001"));
	ck_assert_ptr_null(strstr(r.body, "13900000001"));
	ck_assert_int_eq(api("POST", "/api/v1/feedback/F1/close",
	    "office-secret", "{\"resolution\":\"已修好\"}", &r), 200);
	ck_assert_int_eq(api("POST", "/api/v1/feedback/F1/close",
	    "office-secret", NULL, &r), 409);
	ck_assert_int_eq(api("POST", "/api/v1/alerts", "office-secret",
	    "{\"area\":\"5134\",\"text\":\"开会\",\"ack_required\":true}",
	    &r), 201);
	ck_assert_ptr_nonnull(strstr(r.body, "\"task_numbers\":[\"T1\"]"));
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM audit WHERE "
	    "actor = 'ls' AND action IN ('broadcast.create', 'feedback.close', "
	    "'alert.create')"), 3);
}
END_TEST

/* fupinctl -c T.conf args...; its exit status, output in *out. */
static int
ctl(char **out, const char *args)
{
	char cmd[1024];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "'%s' -c '%s' %s", tu_bin("fupinctl"), T.conf,
	    args);
	return tu_run(argv, out);
}

static int
occurrences(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay += strlen(needle))
		n++;
	return n;
}

/* The village over HTTP and fupinctl: 7 in every answer. */
START_TEST(api_and_fupinctl_count_distinct_numbers)
{
	static struct tg_reply r;
	char *out = NULL;
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(T.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_int_eq(sqlite3_exec(db, village, NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "admin-secret",
	    "{\"text\":\"开会\",\"audience\":{\"area\":\"5201\"},"
	    "\"dry_run\":true}", &r), 200);
	ck_assert_msg(strstr(r.body, "\"recipients\":7,") != NULL, "%s",
	    r.body);
	ck_assert_int_eq(api("POST", "/api/v1/broadcasts", "admin-secret",
	    VILLAGE_TEXT, &r), 201);
	ck_assert_msg(strstr(r.body, "\"recipients\":7") != NULL, "%s", r.body);
	ck_assert(tg_wait_int(&T, "SELECT count(*) FROM sms_out WHERE "
	    "broadcast_id = 1 AND status = 'delivered'", 7));
	ck_assert(tg_wait_int(&T, "SELECT status = 'finished' FROM broadcasts "
	    "WHERE id = 1", 1));
	ck_assert_int_eq(api("GET", "/api/v1/broadcasts/1", "admin-secret",
	    NULL, &r), 200);
	ck_assert_msg(strstr(r.body, "\"recipients\":7,") != NULL, "%s", r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "\"counts\":{\"delivered\":7}"));
	ck_assert_int_eq(api("GET", "/api/v1/broadcasts", "admin-secret",
	    NULL, &r), 200);
	ck_assert_msg(strstr(r.body, "\"recipients\":7,") != NULL, "%s", r.body);
	/* fupinctl: the same count when it creates, lists and shows one. */
	ck_assert_int_eq(ctl(&out, "broadcast create --text 开会 --area 5201 "
	    "--dry-run"), 0);
	ck_assert_msg(strstr(out, "dry run: 7 recipients") != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(ctl(&out, "broadcast create --text 开会 --area 5201 "
	    "--json"), 0);
	ck_assert_msg(strstr(out, "{\"id\":\"2\",\"recipients\":7}") != NULL,
	    "%s", out);
	free(out);
	ck_assert_int_eq(ctl(&out, "broadcast create --text 开会 --area 5201"),
	    0);
	ck_assert_msg(strstr(out, "created: 7 recipients") != NULL, "%s", out);
	free(out);
	ck_assert(tg_wait_int(&T, "SELECT count(*) FROM broadcasts WHERE "
	    "recipients = 7", 3));
	ck_assert_int_eq(ctl(&out, "broadcast list"), 0);
	ck_assert_int_eq(occurrences(out, "         7  "), 3);
	free(out);
	ck_assert_int_eq(ctl(&out, "broadcast status 1"), 0);
	ck_assert_msg(strstr(out, "finished, 7 recipients") != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "delivered  7"));
	free(out);
	ck_assert_int_eq(ctl(&out, "broadcast status 2 --json"), 0);
	ck_assert_msg(strstr(out, "\"recipients\":7,") != NULL, "%s", out);
	free(out);
}
END_TEST

Suite *
broadcast_suite(void)
{
	Suite *s = suite_create("broadcast");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, audience_filters_alone_and_combined);
	tcase_add_test(tc, a_training_notice_names_its_training);
	tcase_add_test(tc, a_number_in_two_households_gets_one_message);
	tcase_add_test(tc, scope_narrows_and_refuses_other_areas);
	tcase_add_test(tc, bad_audiences_are_refused);
	tcase_add_test(tc, sending_skips_opt_outs_in_each_language);
	tcase_add_test(tc, quiet_hours_across_midnight_and_in_other_zones);
	tcase_add_test(tc, daily_cap_defers_to_the_next_day);
	tcase_add_test(tc, send_at_waits_and_cancel_stops_what_is_not_sent);
	tcase_add_test(tc, dry_run_counts_and_renders_per_language);
	tcase_add_test(tc, bad_requests_are_refused_before_anything_is_stored);
	tcase_add_test(tc, reminders_are_made_once_a_day_even_across_a_restart);
	tcase_add_test(tc, alerts_make_tasks_and_messages_per_cadre);
	tcase_add_test(tc, unacknowledged_tasks_are_resent_once_then_overdue);
	tcase_add_test(tc, texts_longer_than_max_segments_are_refused);
	tcase_add_test(tc, vars_naming_a_record_field_are_refused);
	tcase_add_test(tc, nul_bytes_are_refused);
	tcase_add_test(tc, recipients_are_distinct_numbers_not_member_rows);
	tcase_add_test(tc,
	    a_number_opting_out_after_creation_is_skipped_and_still_counted);
	tcase_add_test(tc,
	    an_audience_of_everyone_is_sent_in_each_households_language);
	tcase_add_test(tc, an_interrupted_resolution_writes_no_number_twice);
	tcase_add_test(tc, pruning_after_retention_keeps_the_counts);
	suite_add_tcase(s, tc);
	tc = tcase_create("api");
	tcase_add_checked_fixture(tc, http_setup, http_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, api_every_401_and_403);
	tcase_add_test(tc, api_validates_input_and_changes_nothing);
	tcase_add_test(tc, api_refuses_texts_longer_than_max_segments);
	tcase_add_test(tc, api_refuses_vars_naming_a_record_field);
	tcase_add_test(tc, api_refuses_nul_bytes);
	tcase_add_test(tc,
	    api_broadcast_sends_and_feedback_closes_with_an_audit_trail);
	tcase_add_test(tc, api_and_fupinctl_count_distinct_numbers);
	suite_add_tcase(s, tc);
	return s;
}
