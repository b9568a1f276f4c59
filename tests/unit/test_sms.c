/*
 * test_sms.c: one inbound message through sms_service_receive on a
 * fresh migrated :memory: store with a small registry, the shipped
 * templates and the default configuration: every command of SPEC 3.2,
 * its data change, its event and its reply; idempotency; flood control;
 * help once per interval.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "registry.h"
#include "sms_service.h"
#include "store.h"
#include "templates.h"
#include "testutil.h"

static struct store *st;
static struct cfg *cfg;
static struct templates *tpl;
static struct svc_ctx ctx;

static void
setup(void)
{
	static const char *const cadre[] = { "C1", "李明辉", "19908349001",
	    "513431100", "驻村第一书记" };
	static const char *const hh[] = { "HH1", "513431100201", "吉克阿木",
	    "2", "poor", "因病", "C1", "", "zh" };
	static const char *const hh_ii[] = { "HH2", "513431100202", "阿苏拉则",
	    "1", "monitored", "", "C1", "", "bo" };
	static const char *const m1[] = { "M1", "HH1", "吉克阿木",
	    "11010519491231002X", "13908340107", "户主" };
	static const char *const m2[] = { "M2", "HH1", "吉克阿呷", "",
	    "13908340108", "子女" };
	static const char *const m3[] = { "M3", "HH2", "阿苏拉则", "",
	    "13908340200", "户主" };
	static const char *const e1[] = { "M2", "YL", "enrolled",
	    "2026-09-01" };
	static const char *const p1[] = { "HH1", "YL", "1500", "2026-03-01",
	    "" };
	static const char *const t1[] = { "T1", "YL", "彝绣技能培训", "513431",
	    "昭觉县城", "2099-12-05", "", "30" };
	struct registry *reg = NULL;
	char *errors = NULL, *bad = NULL;

	ck_assert_int_eq(cfg_load(NULL, &cfg, &errors), FP_OK);
	ck_assert_int_eq(templates_load("templates", "zh", &tpl, &bad), FP_OK);
	ctx.cfg = cfg;
	ctx.tpl = tpl;
	ctx.id_key = tu_id_key();
	st = tu_open_store(":memory:");
	ck_assert_int_eq(registry_new(st, tu_id_key(), &reg), FP_OK);
	ck_assert_int_eq(store_begin(st), FP_OK);
	tu_reg_put(reg, REG_CADRES, cadre);
	tu_reg_put(reg, REG_HOUSEHOLDS, hh);
	tu_reg_put(reg, REG_HOUSEHOLDS, hh_ii);
	tu_reg_put(reg, REG_MEMBERS, m1);
	tu_reg_put(reg, REG_MEMBERS, m2);
	tu_reg_put(reg, REG_MEMBERS, m3);
	tu_reg_put(reg, REG_ENROLLMENTS, e1);
	tu_reg_put(reg, REG_PAYMENTS, p1);
	tu_reg_put(reg, REG_TRAININGS, t1);
	ck_assert_int_eq(store_exec(st, "INSERT INTO tasks(task_number, "
	    "cadre_id, text, created_at) VALUES ('T12', 'C1', '走访', 0)"),
	    FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	registry_free(reg);
}

static void
teardown(void)
{
	store_close(st);
	templates_free(tpl);
	cfg_free(cfg);
}

/* Receive `text` from `from` (national form) at `now`. */
static struct mo_result
receive_at(const char *from, const char *text, const char *provider_id,
    int64_t now)
{
	struct mo_result res;
	struct mo_msg mo;
	const char *why = NULL;

	memset(&mo, 0, sizeof(mo));
	mo.route = "inbound";
	mo.provider_id = provider_id;
	ck_assert_int_eq(msisdn_normalize(from, mo.from, &why), FP_OK);
	mo.to = "10690001";
	mo.text = text;
	mo.text_len = strlen(text);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(sms_service_receive(st, &ctx, &mo, now, &res), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	return res;
}

/* Receive `text` from `from` (national form); returns the result. */
static struct mo_result
receive_id(const char *from, const char *text, const char *provider_id)
{
	return receive_at(from, text, provider_id, TU_T0);
}

static struct mo_result
receive(const char *from, const char *text)
{
	return receive_id(from, text, NULL);
}

static char *
query(const char *sql, int64_t arg)
{
	sqlite3_stmt *stmt;
	char *v = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(store_db(st), sql, -1, &stmt,
	    NULL), SQLITE_OK);
	if (sqlite3_bind_parameter_count(stmt) > 0)
		sqlite3_bind_int64(stmt, 1, arg);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_text(stmt, 0) != NULL)
		v = strdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return v != NULL ? v : strdup("");
}

static char *
reply_of(struct mo_result r)
{
	ck_assert_int_gt(r.reply_id, 0);
	return query("SELECT text FROM sms_out WHERE id = ?1", r.reply_id);
}

static int64_t
count(const char *sql)
{
	char *v = query(sql, 0);
	int64_t n = strtoll(v, NULL, 10);

	free(v);
	return n;
}

START_TEST(cx_tells_a_registered_member_the_household_status)
{
	struct mo_result r = receive("13908340107", "查询");
	char *text = reply_of(r);
	char *stored;

	ck_assert_msg(strstr(text, "吉克阿木") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "李明辉") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "19908349001") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "1500") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "彝绣技能培训") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "雨露计划") != NULL, "%s", text);
	/* At most two segments. */
	stored = query("SELECT segments <= 2 FROM sms_out WHERE id = ?1",
	    r.reply_id);
	ck_assert_str_eq(stored, "1");
	free(stored);
	stored = query("SELECT command || ',' || status FROM sms_in WHERE "
	    "id = ?1", r.id);
	ck_assert_str_eq(stored, "CX,processed");
	free(stored);
	free(text);
}
END_TEST

START_TEST(cx_refuses_an_unknown_number_without_revealing_anything)
{
	struct mo_result r = receive("13800000001", "cx");
	char *text = reply_of(r);

	ck_assert_ptr_null(strstr(text, "吉克"));
	ck_assert_ptr_null(strstr(text, "李明辉"));
	ck_assert_ptr_null(strstr(text, "1500"));
	free(text);
}
END_TEST

START_TEST(replies_come_in_the_household_language)
{
	struct mo_result zh = receive("13908340107", "BZ");
	struct mo_result ii = receive("13908340200", "BZ");
	char *a = reply_of(zh), *b = reply_of(ii);

	ck_assert_str_ne(a, b);
	free(a);
	free(b);
}
END_TEST

START_TEST(fk_creates_a_ticket_with_household_and_event)
{
	struct mo_result r = receive("13908340107", "FK路灯坏了");
	char *text = reply_of(r);
	char *ticket = query("SELECT ticket FROM feedback", 0);
	char *row = query("SELECT household_id || ',' || area_code || ',' || "
	    "text FROM feedback", 0);

	ck_assert_int_eq(ticket[0], 'F');
	ck_assert_msg(strstr(text, ticket) != NULL, "%s / %s", text, ticket);
	ck_assert_str_eq(row, "HH1,513431100201,路灯坏了");
	ck_assert_int_eq(count("SELECT count(*) FROM event_outbox WHERE "
	    "type = 'feedback.created' AND data LIKE '%路灯坏了%'"), 1);
	free(text);
	free(ticket);
	free(row);
}
END_TEST

START_TEST(fk_without_text_asks_for_it)
{
	struct mo_result r = receive("13908340107", "反馈");
	char *text = reply_of(r);

	ck_assert_int_eq(count("SELECT count(*) FROM feedback"), 0);
	ck_assert_str_ne(text, "");
	free(text);
}
END_TEST

START_TEST(bm_requests_enrollment_and_unknown_codes_list_the_valid_ones)
{
	struct mo_result r = receive("13908340107", "BM CY");
	char *text = reply_of(r);
	char *st_ = query("SELECT status FROM enrollments WHERE member_id = "
	    "'M1' AND program = 'CY'", 0);

	ck_assert_str_eq(st_, "requested");
	ck_assert_int_eq(count("SELECT count(*) FROM event_outbox WHERE "
	    "type = 'enrollment.requested'"), 1);
	free(text);
	free(st_);
	r = receive("13908340107", "报名 ZZ");
	text = reply_of(r);
	ck_assert_msg(strstr(text, "YL") != NULL && strstr(text, "CY") !=
	    NULL, "%s", text);
	free(text);
	/* A request never downgrades an enrollment. */
	r = receive("13908340108", "bmyl");
	st_ = query("SELECT status FROM enrollments WHERE member_id = 'M2' "
	    "AND program = 'YL'", 0);
	ck_assert_str_eq(st_, "enrolled");
	free(st_);
}
END_TEST

START_TEST(qr_acknowledges_a_cadres_task_once)
{
	struct mo_result r = receive("19908349001", "QR T12");
	char *st_ = query("SELECT status FROM tasks WHERE task_number = "
	    "'T12'", 0);
	char *text = reply_of(r);

	ck_assert_str_eq(st_, "acked");
	ck_assert_int_eq(count("SELECT count(*) FROM event_outbox WHERE "
	    "type = 'task.acked'"), 1);
	free(st_);
	free(text);
	receive("19908349001", "确认T12");
	ck_assert_int_eq(count("SELECT count(*) FROM event_outbox WHERE "
	    "type = 'task.acked'"), 1);
	/* Not a cadre: refused, nothing changes. */
	receive("13908340107", "QR T12");
	ck_assert_int_eq(count("SELECT count(*) FROM event_outbox WHERE "
	    "type = 'task.acked'"), 1);
}
END_TEST

START_TEST(td_and_dy_switch_notices_off_and_on_with_events)
{
	receive("13908340107", "TD");
	ck_assert_int_eq(count("SELECT opted_out FROM optouts WHERE msisdn = "
	    "'+8613908340107'"), 1);
	receive("13908340107", "订阅");
	ck_assert_int_eq(count("SELECT opted_out FROM optouts WHERE msisdn = "
	    "'+8613908340107'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM event_outbox WHERE "
	    "type = 'optout.changed'"), 2);
	/* Events carry masked numbers unless mqtt.include_msisdn. */
	ck_assert_int_eq(count("SELECT count(*) FROM event_outbox WHERE "
	    "data LIKE '%13908340107%'"), 0);
}
END_TEST

START_TEST(the_same_provider_id_is_processed_once)
{
	struct mo_result a = receive_id("13908340107", "FK 水管", "AT-1");
	struct mo_result b = receive_id("13908340107", "FK 水管", "AT-1");

	ck_assert_int_eq(a.id, b.id);
	ck_assert(b.is_duplicate);
	ck_assert_int_eq(count("SELECT count(*) FROM sms_in"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM feedback"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM sms_out"), 1);
}
END_TEST

START_TEST(a_flood_is_stored_but_not_answered)
{
	int i;
	struct mo_result r;

	for (i = 0; i < cfg->sms.max_per_minute; i++) {
		r = receive("13908340107", "?");
		ck_assert(!r.is_flooded);
		ck_assert_int_gt(r.reply_id, 0);
	}
	r = receive("13908340107", "?");
	ck_assert(r.is_flooded);
	ck_assert_int_eq(r.reply_id, 0);
	ck_assert_int_eq(count("SELECT count(*) FROM sms_in"),
	    cfg->sms.max_per_minute + 1);
	ck_assert_int_eq(count("SELECT count(*) FROM sms_out"),
	    cfg->sms.max_per_minute);
	/* Another number is not held back by this one's flood. */
	r = receive("13908340108", "?");
	ck_assert(!r.is_flooded);
	ck_assert_int_gt(r.reply_id, 0);
	/* Still within the minute of the first ones: not answered. */
	r = receive_at("13908340107", "?", NULL, TU_T0 + 59);
	ck_assert(r.is_flooded);
	ck_assert_int_eq(r.reply_id, 0);
	/* A minute after them only the one at T0 + 59 is recent. */
	r = receive_at("13908340107", "?", NULL, TU_T0 + 60);
	ck_assert(!r.is_flooded);
	ck_assert_int_gt(r.reply_id, 0);
}
END_TEST

/*
 * VM steps of every statement the store holds since the last call (each
 * statement's counter is read and reset); *check gets those of flood
 * control's count.
 */
static int64_t
vm_steps(int64_t *check)
{
	sqlite3_stmt *s = NULL;
	int64_t sum = 0, n;

	*check = 0;
	while ((s = sqlite3_next_stmt(store_db(st), s)) != NULL) {
		n = sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 1);
		sum += n;
		if (strstr(sqlite3_sql(s), "count(*) FROM (SELECT 1 FROM "
		    "sms_in") != NULL || strstr(sqlite3_sql(s), "count(*) FROM "
		    "sms_in WHERE msisdn") != NULL)
			*check += n;
	}
	return sum;
}

/* `n` earlier messages from `msisdn` (E.164), all within the minute. */
static void
history(const char *msisdn, int n)
{
	sqlite3_stmt *stmt;

	ck_assert_int_eq(sqlite3_prepare_v2(store_db(st), "WITH RECURSIVE "
	    "i(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM i WHERE k < ?2) "
	    "INSERT INTO sms_in(route, msisdn, to_addr, text, received_at, "
	    "status, command) SELECT 'inbound', ?1, '10690001', '?', "
	    "?3 - k % 50, 'processed', 'flood' FROM i", -1, &stmt, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(stmt, 1, msisdn, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, n);
	sqlite3_bind_int64(stmt, 3, TU_T0);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_DONE);
	sqlite3_finalize(stmt);
}

/*
 * SPEC 3.1: "the check never grows with the number's history".  A
 * message from a number with 5,000 others in the minute costs what one
 * from a number just over the limit does; the count was of every one
 * of them (some 5 VM steps each).
 */
START_TEST(a_flood_costs_no_more_with_the_numbers_history)
{
	int64_t small, big, check_small, check_big;
	struct mo_result r;

	history("+8613908340107", 5000);
	history("+8613908340108", cfg->sms.max_per_minute);
	/* Warm: every statement of a flooded message prepared once. */
	r = receive("13908340200", "你好");
	ck_assert(!r.is_flooded);
	history("+8613908340200", cfg->sms.max_per_minute);
	r = receive("13908340200", "你好");
	ck_assert(r.is_flooded);

	(void)vm_steps(&check_small);
	r = receive("13908340108", "你好");
	ck_assert(r.is_flooded);
	small = vm_steps(&check_small);
	r = receive("13908340107", "你好");
	ck_assert(r.is_flooded);
	big = vm_steps(&check_big);

	ck_assert_int_gt(check_small, 0);
	/* At most max_per_minute index entries, a few steps each. */
	ck_assert_int_le(check_big, 10 * cfg->sms.max_per_minute + 40);
	ck_assert_int_le(check_big, check_small + 10);
	ck_assert_int_le(big, small + 50);
}
END_TEST

START_TEST(unmatched_text_gets_help_once_per_interval_but_help_always)
{
	struct mo_result a = receive("13908340107", "你好");
	struct mo_result b = receive("13908340107", "在吗");
	struct mo_result c = receive("13908340107", "帮助");
	char *cmd = query("SELECT command FROM sms_in WHERE id = ?1", b.id);

	ck_assert_int_gt(a.reply_id, 0);
	ck_assert_int_eq(b.reply_id, 0);
	ck_assert_int_gt(c.reply_id, 0);
	ck_assert_str_eq(cmd, "none");
	free(cmd);
}
END_TEST

/* A number several members (or cadres) share is the first one's, by id;
 * a number of no one is neither. */
START_TEST(a_shared_number_is_its_first_members)
{
	struct svc_caller who;

	ck_assert_int_eq(store_exec(st, "INSERT INTO members SELECT 'M0', "
	    "'HH2', name, id_hash, id_last6_hash, phone, relation, "
	    "updated_at FROM members WHERE member_id = 'M1'"), FP_OK);
	ck_assert_int_eq(store_exec(st, "INSERT INTO members SELECT 'M9', "
	    "'HH1', name, id_hash, id_last6_hash, phone, relation, "
	    "updated_at FROM members WHERE member_id = 'M1'"), FP_OK);
	ck_assert_int_eq(store_exec(st, "INSERT INTO cadres SELECT 'C0', "
	    "name, phone, '513431999', title, updated_at FROM cadres "
	    "WHERE cadre_id = 'C1'"), FP_OK);
	ck_assert_int_eq(svc_caller_lookup(st, &ctx, "+8613908340107", &who),
	    FP_OK);
	ck_assert(who.is_member);
	ck_assert_str_eq(who.member_id, "M0");
	ck_assert_str_eq(who.household_id, "HH2");
	ck_assert_str_eq(who.lang, "bo");	/* HH2's */
	ck_assert(!who.is_cadre);
	ck_assert_int_eq(svc_caller_lookup(st, &ctx, "+8619908349001", &who),
	    FP_OK);
	ck_assert(!who.is_member);
	ck_assert(who.is_cadre);
	ck_assert_str_eq(who.cadre_id, "C0");
	ck_assert_str_eq(who.area_code, "513431999");
	ck_assert_int_eq(svc_caller_lookup(st, &ctx, "+8613700000000", &who),
	    FP_OK);
	ck_assert(!who.is_member);
	ck_assert(!who.is_cadre);
	ck_assert_str_eq(who.lang, "zh");
}
END_TEST

START_TEST(every_message_has_its_inbound_event_in_the_same_transaction)
{
	receive("13908340107", "CX");
	receive("13800000001", "hello");
	ck_assert_int_eq(count("SELECT count(*) FROM event_outbox WHERE "
	    "type = 'sms.inbound'"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM sms_in WHERE status = "
	    "'processed'"), 2);
}
END_TEST

Suite *
sms_suite(void)
{
	Suite *s = suite_create("sms");
	TCase *tc = tcase_create("commands");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cx_tells_a_registered_member_the_household_status);
	tcase_add_test(tc,
	    cx_refuses_an_unknown_number_without_revealing_anything);
	tcase_add_test(tc, replies_come_in_the_household_language);
	tcase_add_test(tc, fk_creates_a_ticket_with_household_and_event);
	tcase_add_test(tc, fk_without_text_asks_for_it);
	tcase_add_test(tc,
	    bm_requests_enrollment_and_unknown_codes_list_the_valid_ones);
	tcase_add_test(tc, qr_acknowledges_a_cadres_task_once);
	tcase_add_test(tc, td_and_dy_switch_notices_off_and_on_with_events);
	tcase_add_test(tc, the_same_provider_id_is_processed_once);
	tcase_add_test(tc, a_flood_is_stored_but_not_answered);
	tcase_add_test(tc, a_flood_costs_no_more_with_the_numbers_history);
	tcase_add_test(tc, a_shared_number_is_its_first_members);
	tcase_add_test(tc,
	    unmatched_text_gets_help_once_per_interval_but_help_always);
	tcase_add_test(tc,
	    every_message_has_its_inbound_event_in_the_same_transaction);
	suite_add_tcase(s, tc);
	return s;
}
