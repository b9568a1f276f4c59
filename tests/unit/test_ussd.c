/*
 * test_ussd.c: the menu engine (ussd_engine.c) over both channels on a
 * fresh migrated :memory: store with a small registry, the shipped
 * templates/menu.conf and texts: every path of the default menu in every
 * language, pages, the ID challenge and its lockout, sessions (replay,
 * expiry), the changes and events behind the screens, hostile input;
 * and the pager (ussd_page.c) alone with Chinese, Yi and Tibetan text.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "gsm.h"
#include "gwtest.h"
#include "registry.h"
#include "sms_service.h"
#include "store.h"
#include "templates.h"
#include "testutil.h"
#include "ussd_engine.h"
#include "ussd_menu.h"
#include "ussd_page.h"
#include "ussd_session.h"

#define NOW 1790000000	/* 2026-09-21: before the fixture's trainings */

static struct store *st;
static struct cfg *cfg;
static struct templates *tpl;
static struct ussd_menu *menu;
static struct svc_ctx ctx;

static void
setup(void)
{
	static const char *const cadre[] = { "C1", "李明辉", "19908349001",
	    "513431100", "驻村第一书记" };
	static const char *const hh[] = { "HH1", "513431100201", "吉克阿木",
	    "2", "poor", "因病", "C1", "", "zh" };
	static const char *const hh2[] = { "HH2", "513431100202", "阿苏拉则",
	    "1", "monitored", "", "", "", "bo" };
	static const char *const m1[] = { "M1", "HH1", "吉克阿木",
	    "11010519491231002X", "13908340107", "户主" };
	static const char *const m2[] = { "M2", "HH1", "吉克阿呷", "",
	    "13908340108", "子女" };
	static const char *const m3[] = { "M3", "HH2", "阿苏拉则", "",
	    "13908340200", "户主" };
	static const char *const p1[] = { "HH1", "YL", "1500",
	    "2026-03-01", "" };
	static const char *const t1[] = { "T1", "YL", "彝绣技能培训", "513431",
	    "昭觉县城", "2099-12-05", "", "30" };
	struct registry *reg = NULL;
	char *errors = NULL, *bad = NULL;

	ck_assert_int_eq(cfg_load(NULL, &cfg, &errors), FP_OK);
	ck_assert_int_eq(templates_load("templates", "zh", &tpl, &bad), FP_OK);
	ck_assert_int_eq(ussd_menu_load("templates/menu.conf", &menu, &bad),
	    FP_OK);
	ctx.cfg = cfg;
	ctx.tpl = tpl;
	ctx.menu = menu;
	ctx.id_key = tu_id_key();
	st = tu_open_store(":memory:");
	ck_assert_int_eq(registry_new(st, tu_id_key(), &reg), FP_OK);
	ck_assert_int_eq(store_begin(st), FP_OK);
	tu_reg_put(reg, REG_CADRES, cadre);
	tu_reg_put(reg, REG_HOUSEHOLDS, hh);
	tu_reg_put(reg, REG_HOUSEHOLDS, hh2);
	tu_reg_put(reg, REG_MEMBERS, m1);
	tu_reg_put(reg, REG_MEMBERS, m2);
	tu_reg_put(reg, REG_MEMBERS, m3);
	tu_reg_put(reg, REG_PAYMENTS, p1);
	tu_reg_put(reg, REG_TRAININGS, t1);
	ck_assert_int_eq(store_exec(st, "INSERT INTO tasks(task_number, "
	    "cadre_id, text, created_at) VALUES ('T12', 'C1', '走访吉克家', 0),"
	    "('T13', 'C1', '核对补助名单', 1)"), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	registry_free(reg);
}

static void
teardown(void)
{
	store_close(st);
	ussd_menu_free(menu);
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

/* One request at `now`; the screen goes to out (static), *end as sent. */
static const char *
ussd_at(const char *sid, const char *from, const char *text, int64_t now,
    bool *end)
{
	static char screen[4096];
	struct ussd_request rq;
	struct ussd_reply r;
	char e164[MSISDN_MAX];
	const char *why = NULL;

	ck_assert_int_eq(msisdn_normalize(from, e164, &why), FP_OK);
	memset(&rq, 0, sizeof(rq));
	rq.channel = "ussd";
	rq.session_id = sid;
	rq.msisdn = e164;
	rq.text = text;
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(ussd_handle(st, &ctx, &rq, now, &r), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_ptr_nonnull(r.screen);
	/* Every screen fits the configured page (SPEC 3.3). */
	ck_assert_msg(gsm_screen_fits(r.screen, strlen(r.screen),
	    (size_t)cfg->ussd.max_chars, (size_t)cfg->ussd.max_ucs2_chars),
	    "too long: %s", r.screen);
	snprintf(screen, sizeof(screen), "%s", r.screen);
	free(r.screen);
	if (end != NULL)
		*end = r.end;
	return screen;
}

static const char *
ussd(const char *sid, const char *from, const char *text, bool *end)
{
	return ussd_at(sid, from, text, NOW, end);
}

#define HAS(s, needle) ck_assert_msg(strstr((s), (needle)) != NULL, \
    "no '%s' in: %s", (needle), (s))
#define HASNT(s, needle) ck_assert_msg(strstr((s), (needle)) == NULL, \
    "'%s' in: %s", (needle), (s))

START_TEST(dial_shows_the_main_menu_and_a_cadre_the_cadre_menu)
{
	bool end = true;
	const char *s = ussd("s1", "13908340107", "", &end);

	ck_assert(!end);
	HAS(s, "1 我家情况");
	HAS(s, "6 语言");
	HASNT(s, "0 返回");	/* nothing to go back to */
	s = ussd("c1", "19908349001", "", &end);
	ck_assert(!end);
	HAS(s, "1 待办任务");
	HAS(s, "2 回电请求");
	ck_assert_int_eq(qint("SELECT count(*) FROM ussd_sessions"), 2);
}
END_TEST

START_TEST(status_for_a_registered_number_shows_its_household)
{
	bool end = false;
	const char *s = ussd("s1", "13908340108", "1", &end);

	ck_assert(end);
	HAS(s, "吉克阿木");
	HAS(s, "帮扶中");
	HAS(s, "李明辉");
	HAS(s, "19908349001");
	HAS(s, "1500");
	HASNT(s, "11010519491231002X");
	/* An ended session is gone, with its event and no free text. */
	ck_assert_int_eq(qint("SELECT count(*) FROM ussd_sessions"), 0);
	s = qtext("SELECT data FROM event_outbox WHERE type = "
	    "'ussd.session'");
	HAS(s, "\"outcome\":\"completed\"");
	HAS(s, "\"path\":[\"main\",\"status\"]");
	HAS(s, "139****0108");
}
END_TEST

START_TEST(status_for_an_unknown_number_needs_last6_and_household)
{
	bool end = true;
	const char *s;

	s = ussd("s1", "13800000001", "1", &end);
	ck_assert(!end);
	HAS(s, "身份证号后6位");
	s = ussd("s1", "13800000001", "1*31002X", &end);	/* X typed as X */
	HAS(s, "户编号");
	s = ussd("s1", "13800000001", "1*31002X*HH1", &end);
	ck_assert(end);
	HAS(s, "吉克阿木");
	/* X may be typed as 0; the other household never matches. */
	s = ussd("s2", "13800000001", "1*310020*HH2", &end);
	ck_assert(!end);
	HAS(s, "信息不符");
	HASNT(s, "阿苏拉则");
	s = ussd("s2", "13800000001", "1*310020*HH2*310020*HH1", &end);
	ck_assert(end);
	HAS(s, "吉克阿木");
	/* The success reset nothing: the failure still counts. */
	ck_assert_int_eq(qint("SELECT count(*) FROM ussd_challenge_failures "
	    "WHERE msisdn = '+8613800000001'"), 1);
}
END_TEST

START_TEST(three_wrong_answers_lock_the_number_for_the_lockout)
{
	bool end = false;
	const char *s;

	s = ussd("s1", "13800000001", "1*111111*HH1*222222*HH1", &end);
	ck_assert(!end);
	HAS(s, "还可试1次");
	s = ussd("s1", "13800000001", "1*111111*HH1*222222*HH1*333333*HH1",
	    &end);
	ck_assert(end);
	HAS(s, "60分钟");
	ck_assert_int_eq(qint("SELECT locked_until FROM ussd_challenge_locks "
	    "WHERE scope = 'msisdn' AND key = '+8613800000001'"), NOW + 3600);
	/* Locked even with the right answer, in a new session... */
	s = ussd("s2", "13800000001", "1", &end);
	ck_assert(end);
	HAS(s, "验证失败次数过多");
	s = qtext("SELECT data FROM event_outbox WHERE type = "
	    "'ussd.session' ORDER BY id DESC LIMIT 1");
	HAS(s, "\"outcome\":\"locked\"");
	/* ...until the lockout is over. */
	s = ussd_at("s3", "13800000001", "1*31002X*HH1", NOW + 3601, &end);
	ck_assert(end);
	HAS(s, "吉克阿木");
}
END_TEST

START_TEST(feedback_by_menu_makes_a_ticket_with_its_category)
{
	bool end = false;
	const char *s;

	s = ussd("s1", "13908340107", "4", &end);
	HAS(s, "1 道路路灯");
	s = ussd("s1", "13908340107", "4*2", &end);
	HAS(s, "反馈内容");
	s = ussd("s1", "13908340107", "4*2*水管冻裂了", &end);
	HAS(s, "水管冻裂了");
	s = ussd("s1", "13908340107", "4*2*水管冻裂了*1", &end);
	ck_assert(end);
	HAS(s, "F1");
	ck_assert_str_eq(qtext("SELECT category || '|' || text || '|' || "
	    "channel || '|' || household_id FROM feedback"),
	    "water|水管冻裂了|ussd|HH1");
	s = qtext("SELECT data FROM event_outbox WHERE type = "
	    "'feedback.created'");
	HAS(s, "\"channel\":\"ussd\"");
	HAS(s, "\"category\":\"water\"");
	/* The session event carries the path, never the text. */
	s = qtext("SELECT data FROM event_outbox WHERE type = "
	    "'ussd.session'");
	HASNT(s, "水管");
}
END_TEST

START_TEST(training_list_detail_and_enrollment)
{
	bool end = false;
	const char *s;

	s = ussd("s1", "13908340108", "2*1", &end);
	HAS(s, "1 2099-12-05 彝绣技能培训");
	s = ussd("s1", "13908340108", "2*1*1", &end);
	HAS(s, "昭觉县城");
	s = ussd("s1", "13908340108", "2*1*1*1", &end);
	HAS(s, "雨露计划");
	s = ussd("s1", "13908340108", "2*1*1*1*1", &end);
	ck_assert(end);
	ck_assert_str_eq(qtext("SELECT status FROM enrollments WHERE "
	    "member_id = 'M2' AND program = 'YL'"), "requested");
	ck_assert_int_eq(qint("SELECT count(*) FROM event_outbox WHERE type = "
	    "'enrollment.requested'"), 1);
	s = ussd("s2", "13908340108", "2*2", &end);
	ck_assert(end);
	HAS(s, "申请中");
	HAS(s, "1500(2026-03-01)");
}
END_TEST

START_TEST(callback_request_reaches_the_cadre_who_acknowledges_it)
{
	bool end = false;
	const char *s;

	s = ussd("s1", "13908340107", "5", &end);
	HAS(s, "李明辉");
	s = ussd("s1", "13908340107", "5*1", &end);
	ck_assert(end);
	HAS(s, "T3");
	ck_assert_str_eq(qtext("SELECT kind || '|' || cadre_id || '|' || "
	    "household_id || '|' || msisdn FROM tasks WHERE task_number = 'T3'"),
	    "callback|C1|HH1|+8613908340107");
	/* Asking twice gives the same open request. */
	s = ussd("s2", "13908340107", "5*1", &end);
	HAS(s, "T3");
	ck_assert_int_eq(qint("SELECT count(*) FROM tasks"), 3);
	/* The cadre sees it with the number to call, and marks it done. */
	s = ussd("c1", "19908349001", "2", &end);
	HAS(s, "1 吉克阿木 13908340107");
	s = ussd("c1", "19908349001", "2*1", &end);
	HAS(s, "13908340107");
	s = ussd("c1", "19908349001", "2*1*1", &end);
	ck_assert(end);
	ck_assert_str_eq(qtext("SELECT status FROM tasks WHERE task_number = "
	    "'T3'"), "acked");
	s = qtext("SELECT data FROM event_outbox WHERE type = 'task.acked'");
	HAS(s, "\"channel\":\"ussd\"");
}
END_TEST

START_TEST(cadre_tasks_newest_first_and_ack)
{
	bool end = false;
	const char *s;

	s = ussd("c1", "19908349001", "1", &end);
	ck_assert_ptr_nonnull(strstr(s, "T13"));
	ck_assert(strstr(s, "T13") < strstr(s, "T12"));
	s = ussd("c1", "19908349001", "1*2", &end);
	HAS(s, "走访吉克家");
	s = ussd("c1", "19908349001", "1*2*1", &end);
	ck_assert(end);
	HAS(s, "T12");
	ck_assert_str_eq(qtext("SELECT status FROM tasks WHERE task_number = "
	    "'T12'"), "acked");
	/* A villager cannot reach the cadre screens. */
	s = ussd("s1", "13908340107", "", &end);
	HASNT(s, "待办任务");
}
END_TEST

START_TEST(language_choice_is_remembered_for_the_number)
{
	bool end = false;
	const char *s;

	s = ussd("s1", "13908340107", "6*4", &end);
	ck_assert(end);
	HAS(s, "English");
	ck_assert_str_eq(qtext("SELECT language FROM msisdn_prefs"), "en");
	s = ussd("s2", "13908340107", "", &end);
	HAS(s, "1 My household");
	/* The household's language is the default: HH2 speaks Tibetan. */
	s = ussd("s3", "13908340200", "", &end);
	HASNT(s, "我家情况");
	HASNT(s, "My household");
}
END_TEST

START_TEST(back_main_and_invalid_choices)
{
	bool end = true;
	const char *s;

	s = ussd("s1", "13908340107", "2*1*0", &end);
	HAS(s, "1 近期培训");		/* back to the 雨露计划 screen */
	s = ussd("s1", "13908340107", "2*1*0*0", &end);
	HAS(s, "1 我家情况");		/* back to the main menu */
	s = ussd("s1", "13908340107", "2*1*0*0*3*00", &end);
	HAS(s, "1 我家情况");
	s = ussd("s1", "13908340107", "2*1*0*0*3*00*9", &end);
	ck_assert(!end);
	HAS(s, "输入有误");
	HAS(s, "1 我家情况");
	s = ussd("s1", "13908340107", "2*1*0*0*3*00*9*0", &end);
	HAS(s, "1 我家情况");		/* "0" on the main menu stays */
}
END_TEST

START_TEST(long_lists_are_paged_with_98_and_choices_span_pages)
{
	char sql[512], all[16384] = "";
	bool end = false;
	const char *s;
	int i, pages = 0;

	ck_assert_int_eq(store_begin(st), FP_OK);
	for (i = 0; i < 15; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO trainings(training_id, "
		    "program, title, area_code, location, starts_on, updated_at) "
		    "VALUES ('X%02d', 'YL', '电子商务与农产品直播带货实操培训班第%d期',"
		    " '5134', '昭觉县城', '2099-01-%02d', 0)", i, i, i + 1);
		ck_assert_int_eq(store_exec(st, sql), FP_OK);
	}
	ck_assert_int_eq(store_commit(st), FP_OK);
	s = ussd("s1", "13908340107", "2*1", &end);
	strcat(all, s);
	HAS(s, "98 更多");
	/* Page by page to the end; every page fits (checked in ussd()). */
	{
		char text[256] = "2*1";

		while (strstr(s, "98 ") != NULL && pages < 20) {
			strcat(text, "*98");
			s = ussd("s1", "13908340107", text, &end);
			strncat(all, s, sizeof(all) - strlen(all) - 1);
			pages++;
		}
		ck_assert_int_ge(pages, 2);
		HAS(all, "15 2099-01-15");
		HAS(all, "16 2099-12-05 彝绣技能培训");
		/* 0 goes back a page, then a choice from any page works. */
		strcat(text, "*0*16");
		s = ussd("s1", "13908340107", text, &end);
		HAS(s, "彝绣技能培训");
		HAS(s, "昭觉县城");
	}
}
END_TEST

START_TEST(an_unknown_session_with_text_is_replayed_from_the_start)
{
	bool end = false;
	const char *s;

	/* As if the gateway had lost the session (or another node had it). */
	s = ussd("lost", "13908340107", "2*1*1", &end);
	HAS(s, "昭觉县城");
	/* A session known but given text that does not continue it. */
	s = ussd("lost", "13908340107", "3", &end);
	HAS(s, "1 扶持内容");
	/* The same text again shows the same screen (a retried request). */
	s = ussd("lost", "13908340107", "3", &end);
	HAS(s, "1 扶持内容");
	/* The session keeps the length and a keyed hash of its last text. */
	s = qtext("SELECT inputs FROM ussd_sessions");
	ck_assert_int_eq((int)strlen(s), 2 + 64);
	ck_assert(strncmp(s, "1:", 2) == 0);
}
END_TEST

START_TEST(expired_sessions_end_with_a_timeout_event)
{
	bool end = false;
	int n = -1;
	const char *s;

	s = ussd("s1", "13908340107", "2", &end);
	HAS(s, "1 近期培训");
	/* Within the timeout it continues... */
	s = ussd_at("s1", "13908340107", "2*1", NOW + 100, &end);
	HAS(s, "彝绣技能培训");
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(ussd_sweep(st, &ctx, NOW + 200, 100, &n), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_int_eq(n, 0);
	/* ...after it, the sweep ends it. */
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(ussd_sweep(st, &ctx, NOW + 100 + 181, 100, &n),
	    FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(qint("SELECT count(*) FROM ussd_sessions"), 0);
	s = qtext("SELECT data FROM event_outbox WHERE type = "
	    "'ussd.session'");
	HAS(s, "\"outcome\":\"timeout\"");
	HAS(s, "\"duration_s\":100");
	HAS(s, "\"path\":[\"main\",\"yl\",\"yl_list\"]");
}
END_TEST

/* A session's state is written by hand (ussd_session.c): whatever the
 * values hold comes back as it went in. */
START_TEST(a_sessions_state_comes_back_as_saved)
{
	static struct ussd_state a, b;
	static const char *const odd[] = { "say \"hi\"", "back\\slash",
	    "line\nbreak\ttab\x01\x7f", "a/b", "彝绣 ཀ ꀀ", "" };
	size_t i;

	memset(&a, 0, sizeof(a));
	snprintf(a.session_id, sizeof(a.session_id), "s-1");
	snprintf(a.channel, sizeof(a.channel), "ussd");
	snprintf(a.msisdn, sizeof(a.msisdn), "+8613908340107");
	snprintf(a.lang, sizeof(a.lang), "zh");
	snprintf(a.at.screen, sizeof(a.at.screen), "yl_list");
	a.at.page = 2;
	snprintf(a.stack[0].screen, sizeof(a.stack[0].screen), "main");
	snprintf(a.stack[1].screen, sizeof(a.stack[1].screen), "yl\"x");
	a.stack[1].page = 1;
	a.depth = 2;
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		char name[16];

		snprintf(name, sizeof(name), "v%zu", i);
		ussd_var_set(&a, name, odd[i]);
	}
	a.verified = true;
	snprintf(a.household_id, sizeof(a.household_id), "HH1");
	snprintf(a.member_id, sizeof(a.member_id), "M1");
	snprintf(a.path, sizeof(a.path), "main>yl>yl_list");
	a.steps = 3;
	snprintf(a.inputs, sizeof(a.inputs), "3:abc");
	snprintf(a.screen, sizeof(a.screen), "CON 1. \"一\"\n98 更多");
	a.started_at = NOW - 10;
	ck_assert_int_eq(ussd_session_save(st, &a, NOW, 180), FP_OK);
	ck_assert_int_eq(ussd_session_load(st, "s-1", "+8613908340107",
	    NOW + 1, &b), FP_OK);
	ck_assert_str_eq(b.at.screen, "yl_list");
	ck_assert_int_eq(b.at.page, 2);
	ck_assert_int_eq(b.depth, 2);
	ck_assert_str_eq(b.stack[0].screen, "main");
	ck_assert_int_eq(b.stack[0].page, 0);
	ck_assert_str_eq(b.stack[1].screen, "yl\"x");
	ck_assert_int_eq(b.stack[1].page, 1);
	ck_assert_int_eq(b.n_vars, (int)(sizeof(odd) / sizeof(odd[0])));
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		char name[16];

		snprintf(name, sizeof(name), "v%zu", i);
		ck_assert_ptr_nonnull(ussd_var_get(&b, name));
		ck_assert_str_eq(ussd_var_get(&b, name), odd[i]);
	}
	ck_assert(b.verified);
	ck_assert_str_eq(b.household_id, "HH1");
	ck_assert_str_eq(b.member_id, "M1");
	ck_assert_str_eq(b.path, "main>yl>yl_list");
	ck_assert_int_eq(b.steps, 3);
	ck_assert_str_eq(b.inputs, "3:abc");
	ck_assert_str_eq(b.screen, a.screen);
	/* Saved again (the upsert): still one row, the new state. */
	a.steps = 4;
	ck_assert_int_eq(ussd_session_save(st, &a, NOW + 2, 180), FP_OK);
	ck_assert_int_eq(ussd_session_load(st, "s-1", "+8613908340107",
	    NOW + 3, &b), FP_OK);
	ck_assert_int_eq(b.steps, 4);
	ck_assert_int_eq(qint("SELECT count(*) FROM ussd_sessions"), 1);
}
END_TEST

START_TEST(hostile_input_always_gets_a_well_formed_screen)
{
	static const char *const inputs[] = {
		"*****", "1*******", "'; DROP TABLE households; --",
		"4*1*'); DELETE FROM feedback; --*1", "\x01\x02\x7f",
		"4*1*\x1b[2J", "99999999999", "-1", "1e3", "0x1", "１",
		"4*1*a", "00*00*00*0*0*98*98*98",
	};
	char big[10001];
	bool end;
	size_t i;
	const char *s;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		char sid[16];

		snprintf(sid, sizeof(sid), "h%zu", i);
		s = ussd(sid, "13908340107", inputs[i], &end);
		ck_assert_int_gt((int)strlen(s), 0);
	}
	/* SQL-looking text is only text; bad text makes no ticket. */
	ck_assert_str_eq(qtext("SELECT group_concat(text, '|') FROM feedback"),
	    "'); DELETE FROM feedback; --");
	ck_assert_int_eq(qint("SELECT count(*) FROM households"), 2);
	/* 10,000 characters: too many steps ends the session. */
	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = i % 2 == 0 ? '1' : '*';
	big[sizeof(big) - 1] = '\0';
	s = ussd("big", "13908340107", big, &end);
	ck_assert(end);
}
END_TEST

/* ---- every path, every language ------------------------------------- */

struct walk {
	int	 screens;
	char	 seen[256][64];
	int	 n_seen;
};

/* Depth-first over the numbered choices from `text`, to depth 5. */
static void
walk_from(struct walk *w, const char *from, const char *text, int depth)
{
	char sid[64], next[256], prefix[8];
	bool end = false;
	const char *s;
	char *copy;
	int i;

	snprintf(sid, sizeof(sid), "w%d", w->screens++);
	s = ussd(sid, from, text, &end);
	if (end || depth == 0)
		return;
	copy = strdup(s);
	for (i = 1; i <= 9; i++) {
		snprintf(prefix, sizeof(prefix), "\n%d ", i);
		if (strstr(copy, prefix) == NULL)
			continue;
		snprintf(next, sizeof(next), "%s%s%d", text, *text ? "*" : "",
		    i);
		/* Free-text screens get a text; the ID challenge the answer. */
		walk_from(w, from, next, depth - 1);
	}
	/* Choices on the next page too. */
	if (strstr(copy, "\n98 ") != NULL) {
		snprintf(next, sizeof(next), "%s%s98", text, *text ? "*" : "");
		walk_from(w, from, next, depth);
	}
	free(copy);
}

START_TEST(every_menu_path_renders_in_every_language)
{
	static const char *const langs[] = { "zh", "ii", "bo", "en" };
	static const char *const callers[] = { "13908340107", "19908349001",
	    "13800000009" };
	char sql[256];
	size_t l, c;

	for (l = 0; l < 4; l++)
		for (c = 0; c < 3; c++) {
			struct walk w;
			char e164[MSISDN_MAX];
			const char *why;

			memset(&w, 0, sizeof(w));
			ck_assert_int_eq(msisdn_normalize(callers[c], e164, &why),
			    FP_OK);
			snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO "
			    "msisdn_prefs(msisdn, language, updated_at) VALUES "
			    "('%s', '%s', 0)", e164, langs[l]);
			ck_assert_int_eq(store_exec(st, sql), FP_OK);
			walk_from(&w, callers[c], "", 5);
			if (getenv("FUPIN_WALK") != NULL)
				fprintf(stderr, "walk %s %s: %d\n", langs[l],
				    callers[c], w.screens);
			/* Screens seen: member, cadre, unknown caller. */
			ck_assert_int_ge(w.screens, c == 0 ? 50 : c == 1 ? 8 :
			    20);
		}
	/* Free text through the feedback path in each language. */
	for (l = 0; l < 4; l++) {
		bool end = false;
		const char *s;

		snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO msisdn_prefs("
		    "msisdn, language, updated_at) VALUES ('+8613908340107', "
		    "'%s', 0)", langs[l]);
		ck_assert_int_eq(store_exec(st, sql), FP_OK);
		s = ussd(langs[l], "13908340107", "4*5*ꆈꌠ བོད 测试*1", &end);
		ck_assert(end);
		HAS(s, "F");
	}
	ck_assert_int_eq(qint("SELECT count(*) FROM feedback WHERE text = "
	    "'ꆈꌠ བོད 测试'"), 4);
}
END_TEST

/* ---- the SMS channel -------------------------------------------------- */

static char *
sms(const char *from, const char *text)
{
	struct mo_result res;
	struct mo_msg mo;
	const char *why = NULL;

	memset(&mo, 0, sizeof(mo));
	mo.route = "inbound";
	ck_assert_int_eq(msisdn_normalize(from, mo.from, &why), FP_OK);
	mo.text = text;
	mo.text_len = strlen(text);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(sms_service_receive(st, &ctx, &mo, NOW, &res), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_int_gt(res.reply_id, 0);
	return strdup(tu_query_text(store_db(st), "SELECT text || '|' || "
	    "segments FROM sms_out WHERE id = ?1", res.reply_id));
}

START_TEST(the_same_menu_works_as_an_sms_dialogue)
{
	char *r;

	cfg->sms.max_per_minute = 100;
	r = sms("13908340107", "菜单");
	HAS(r, "1 我家情况");
	HAS(r, "|1");		/* one SMS */
	free(r);
	r = sms("13908340107", "４");	/* full-width digit */
	HAS(r, "1 道路路灯");
	free(r);
	r = sms("13908340107", "1");
	HAS(r, "反馈内容");
	free(r);
	r = sms("13908340107", " 村口路灯不亮 ");
	HAS(r, "村口路灯不亮");
	free(r);
	r = sms("13908340107", "1");
	HAS(r, "F1");
	free(r);
	ck_assert_str_eq(qtext("SELECT channel || '|' || text FROM feedback"),
	    "sms|村口路灯不亮");
	/* The session is over: digits are no longer menu answers. */
	ck_assert_int_eq(qint("SELECT count(*) FROM ussd_sessions"), 0);
	/* CX still works in the middle of a menu session. */
	free(sms("13908340107", "CD"));
	r = sms("13908340107", "CX");
	HAS(r, "吉克阿木");
	free(r);
	r = sms("13908340107", "0");	/* "0" in a session: back */
	HAS(r, "1 我家情况");
	free(r);
}
END_TEST

/* ---- the review's findings (SPEC 3.3 as revised) ---------------------- */

static bool
has_bytes(const char *b, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(b + i, needle, k) == 0)
			return true;
	return false;
}

/*
 * Where `needle` is in the database: "table.column" of the first text or
 * blob holding it, or NULL.  Every table, every column, every row.
 */
static const char *
db_find(const char *needle)
{
	static char where[256];
	sqlite3 *db = store_db(st);
	sqlite3_stmt *tables, *rows;
	char sql[256];
	const char *found = NULL;
	int c;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master "
	    "WHERE type = 'table' ORDER BY name", -1, &tables, NULL), SQLITE_OK);
	while (found == NULL && sqlite3_step(tables) == SQLITE_ROW) {
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"",
		    (const char *)sqlite3_column_text(tables, 0));
		ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &rows, NULL),
		    SQLITE_OK);
		while (found == NULL && sqlite3_step(rows) == SQLITE_ROW)
			for (c = 0; c < sqlite3_column_count(rows); c++) {
				const char *b = sqlite3_column_blob(rows, c);
				int n = sqlite3_column_bytes(rows, c);

				if (b != NULL && has_bytes(b, (size_t)n,
				    needle)) {
					snprintf(where, sizeof(where), "%s.%s",
					    (const char *)sqlite3_column_text(
					    tables, 0), sqlite3_column_name(rows,
					    c));
					found = where;
					break;
				}
			}
		sqlite3_finalize(rows);
	}
	sqlite3_finalize(tables);
	return found;
}

#define NOWHERE(needle) do {						\
	const char *w_ = db_find(needle);				\
	ck_assert_msg(w_ == NULL, "'%s' in clear in %s", (needle), w_);	\
} while (0)

/* Finding 1: 2 failures, a success, a failure: locked all the same. */
START_TEST(a_success_resets_no_failure_count)
{
	bool end = false;
	const char *s;

	s = ussd("a1", "13800000001", "1*111111*HH2", &end);
	HAS(s, "还可试2次");
	s = ussd("a2", "13800000001", "1*222222*HH2", &end);
	HAS(s, "还可试1次");
	/* The caller knows one household's answers... */
	s = ussd("a3", "13800000001", "1*31002X*HH1", &end);
	ck_assert(end);
	HAS(s, "吉克阿木");
	/* ...which buys no more guesses against another. */
	s = ussd("a4", "13800000001", "1*333333*HH2", &end);
	ck_assert(end);
	HAS(s, "验证失败次数过多");
	s = ussd("a5", "13800000001", "1*31002X*HH1", &end);
	ck_assert(end);
	HAS(s, "验证失败次数过多");
	HASNT(s, "吉克阿木");
}
END_TEST

/* Finding 1: the count is of a window of ussd.lockout, not for ever. */
START_TEST(failures_count_within_the_lockout_window_only)
{
	bool end = false;
	const char *s;

	s = ussd("w1", "13800000001", "1*111111*HH2*222222*HH2", &end);
	HAS(s, "还可试1次");
	/* An hour later the two have aged out. */
	s = ussd_at("w2", "13800000001", "1*333333*HH2", NOW + 3600, &end);
	ck_assert(!end);
	HAS(s, "还可试2次");
	/* Two more within the hour of the third: locked. */
	s = ussd_at("w3", "13800000001", "1*444444*HH2*555555*HH2",
	    NOW + 3700, &end);
	ck_assert(end);
	HAS(s, "验证失败次数过多");
	ck_assert_int_eq(qint("SELECT locked_until FROM ussd_challenge_locks "
	    "WHERE scope = 'msisdn'"), NOW + 3700 + 3600);
	/* The sweep forgets what no longer counts. */
	{
		int n;

		ck_assert_int_eq(store_begin(st), FP_OK);
		ck_assert_int_eq(ussd_sweep(st, &ctx, NOW + 3700 + 3600, 100,
		    &n), FP_OK);
		ck_assert_int_eq(store_commit(st), FP_OK);
	}
	ck_assert_int_eq(qint("SELECT count(*) FROM ussd_challenge_locks"), 0);
	ck_assert_int_eq(qint("SELECT count(*) FROM "
	    "ussd_challenge_failures"), 0);
}
END_TEST

/* Finding 1: 5 failures against one household lock it for everyone. */
START_TEST(five_failures_against_a_household_lock_its_challenge)
{
	static const char *const guessers[] = { "13800000001", "13800000001",
	    "13800000002", "13800000002", "13800000003" };
	char sid[16];
	bool end = false;
	const char *s;
	size_t i;

	for (i = 0; i < 5; i++) {
		snprintf(sid, sizeof(sid), "g%zu", i);
		s = ussd(sid, guessers[i], "1*12345X*HH1", &end);
		if (i < 4)
			HAS(s, "信息不符");
	}
	ck_assert(end);
	HAS(s, "验证失败次数过多");
	/* A number that never failed, with the right answers: locked out
	 * of that household... */
	s = ussd("g5", "13800000004", "1*31002X*HH1", &end);
	ck_assert(end);
	HAS(s, "验证失败次数过多");
	HASNT(s, "吉克阿木");
	/* ...and that try counted nothing against the number. */
	ck_assert_int_eq(qint("SELECT count(*) FROM ussd_challenge_failures "
	    "WHERE msisdn = '+8613800000004'"), 0);
	/* The household's own number is not asked. */
	s = ussd("g6", "13908340107", "1", &end);
	HAS(s, "吉克阿木");
	/* After the lockout, the challenge is open again. */
	s = ussd_at("g7", "13800000004", "1*31002X*HH1", NOW + 3601, &end);
	ck_assert(end);
	HAS(s, "吉克阿木");
}
END_TEST

/* Finding 2: no answer to the challenge in clear, anywhere. */
START_TEST(challenge_answers_are_stored_nowhere_in_clear)
{
	bool end = false;
	const char *s;
	char *r;

	/* USSD: a failure, a session left on the household number, a
	 * success that ends, and one that goes on (the call-back screen). */
	ussd("c1", "13800000001", "1*310021*HH1", &end);
	ussd("c2", "13800000001", "5*31002X", &end);
	s = ussd("c2", "13800000001", "5*31002X*HH1", &end);
	ck_assert(!end);
	HAS(s, "李明辉");
	s = ussd("c3", "13800000002", "1*31002X*HH1", &end);
	ck_assert(end);
	HAS(s, "吉克阿木");
	/* The SMS menu: digits (310020), then text (31002X, HH1). */
	cfg->sms.max_per_minute = 100;
	free(sms("13800000003", "菜单"));
	r = sms("13800000003", "1");
	HAS(r, "身份证号后6位");
	free(r);
	r = sms("13800000003", "310020");
	HAS(r, "户编号");
	free(r);
	r = sms("13800000003", "HH2");
	HAS(r, "信息不符");
	free(r);
	r = sms("13800000003", "31002X");
	HAS(r, "户编号");
	free(r);
	r = sms("13800000003", "HH1");
	HAS(r, "吉克阿木");
	free(r);
	ck_assert_int_eq(qint("SELECT count(*) FROM sms_in WHERE msisdn = "
	    "'+8613800000003' AND text = '[id-challenge]'"), 4);
	ck_assert_int_eq(qint("SELECT count(*) FROM event_outbox WHERE type = "
	    "'sms.inbound' AND data LIKE '%[id-challenge]%'"), 4);
	/* Nowhere: sms_in, sessions (inputs, state), ended sessions, the
	 * failures, events. */
	NOWHERE("31002");
	NOWHERE("310021");
	/* What else the caller sent is kept as it was. */
	ck_assert_int_eq(qint("SELECT count(*) FROM sms_in WHERE text = "
	    "'菜单'"), 1);
}
END_TEST

/* Finding 3: the final step repeated makes no second ticket. */
START_TEST(a_repeated_final_step_runs_nothing_twice)
{
	char first[4096];
	bool end = false;
	const char *s;

	s = ussd("r1", "13908340107", "4*2*水管冻裂了", &end);
	HAS(s, "水管冻裂了");
	s = ussd("r1", "13908340107", "4*2*水管冻裂了*1", &end);
	ck_assert(end);
	snprintf(first, sizeof(first), "%s", s);
	HAS(first, "F1");
	/* The aggregator retries (its answer was lost): the same END. */
	end = false;
	s = ussd_at("r1", "13908340107", "4*2*水管冻裂了*1", NOW + 5, &end);
	ck_assert(end);
	ck_assert_str_eq(s, first);
	ck_assert_int_eq(qint("SELECT count(*) FROM feedback"), 1);
	ck_assert_int_eq(qint("SELECT count(*) FROM event_outbox WHERE type = "
	    "'feedback.created'"), 1);
	ck_assert_int_eq(qint("SELECT count(*) FROM event_outbox WHERE type = "
	    "'ussd.session'"), 1);
	/* Nor does more text after the end start it again. */
	s = ussd_at("r1", "13908340107", "4*2*水管冻裂了*1*1", NOW + 6, &end);
	ck_assert(end);
	ck_assert_int_eq(qint("SELECT count(*) FROM feedback"), 1);
	/* The enrollment and its event, once. */
	s = ussd("r2", "13908340108", "2*1*1*1*1", &end);
	ck_assert(end);
	s = ussd("r2", "13908340108", "2*1*1*1*1", &end);
	ck_assert(end);
	ck_assert_int_eq(qint("SELECT count(*) FROM event_outbox WHERE type = "
	    "'enrollment.requested'"), 1);
	/* A step that is not the last, repeated: the same screen. */
	s = ussd("r3", "13908340107", "4*9", &end);
	ck_assert(!end);
	snprintf(first, sizeof(first), "%s", s);
	HAS(first, "输入有误");
	s = ussd("r3", "13908340107", "4*9", &end);
	ck_assert_str_eq(s, first);
	/* Once kept past its timeout, a new session is a new session. */
	s = ussd_at("r1", "13908340107", "4*2*水管冻裂了*1", NOW + 1000, &end);
	ck_assert(end);
	ck_assert_int_eq(qint("SELECT count(*) FROM feedback"), 2);
}
END_TEST

/* Finding 3: a session is its id and the number together. */
START_TEST(a_session_id_with_another_number_is_another_session)
{
	bool end = false;
	const char *s;

	s = ussd("k1", "13908340107", "4", &end);
	HAS(s, "1 道路路灯");
	/* The same id from a cadre's number: its own session... */
	s = ussd("k1", "19908349001", "", &end);
	HAS(s, "1 待办任务");
	/* ...which leaves the first as it was. */
	s = ussd("k1", "13908340107", "4*2", &end);
	HAS(s, "反馈内容");
	s = ussd("k1", "19908349001", "1", &end);
	HAS(s, "T13");
	ck_assert_int_eq(qint("SELECT count(*) FROM ussd_sessions WHERE "
	    "session_id = 'k1'"), 2);
	ck_assert_int_eq(qint("SELECT count(*) FROM ussd_sessions WHERE "
	    "session_id = 'k1' AND msisdn = '+8613908340107' AND state LIKE "
	    "'%fb_text%'"), 1);
}
END_TEST

/* Finding 4: the household number as printed on the card, digits. */
START_TEST(the_household_number_matches_without_letters_spaces_dashes)
{
	static const char *const hh[] = { "HH513431000001", "513431100203",
	    "沙马阿果", "1", "poor", "", "C1", "", "zh" };
	static const char *const m[] = { "M9", "HH513431000001", "沙马阿果",
	    "513431199002154565", "", "户主" };
	struct registry *reg = NULL;
	bool end = false;
	const char *s;

	ck_assert_int_eq(registry_new(st, tu_id_key(), &reg), FP_OK);
	ck_assert_int_eq(store_begin(st), FP_OK);
	tu_reg_put(reg, REG_HOUSEHOLDS, hh);
	tu_reg_put(reg, REG_MEMBERS, m);
	ck_assert_int_eq(store_commit(st), FP_OK);
	registry_free(reg);
	s = ussd("d1", "13800000001", "1*154565*513431000001", &end);
	ck_assert(end);
	HAS(s, "沙马阿果");
	s = ussd("d2", "13800000001", "1*154565*hh-5134 3100 0001", &end);
	ck_assert(end);
	HAS(s, "沙马阿果");
	/* Letters count for nothing, digits all count. */
	s = ussd("d3", "13800000001", "1*154565*51343100000", &end);
	ck_assert(!end);
	HAS(s, "信息不符");
	/* What the session speaks for is the household as registered. */
	s = ussd("d4", "13800000002", "4*1*路灯坏了*1", &end);
	s = ussd("d5", "13800000002", "5*154565*513431000001", &end);
	HAS(s, "李明辉");
	ck_assert_int_eq(qint("SELECT count(*) FROM ussd_sessions WHERE "
	    "household_id = 'HH513431000001'"), 1);
}
END_TEST

/* Finding 5: the last page of several is CON with 0 and 00. */
START_TEST(the_last_page_of_an_ending_screen_is_con_with_back_and_main)
{
	bool end = true;
	const char *s;
	char text[64] = "1";
	int pages = 1;

	ck_assert_int_eq(store_exec(st, "INSERT INTO enrollments(member_id, "
	    "program, status, updated_at) VALUES ('M1', 'YL', 'enrolled', 0),"
	    "('M1', 'CY', 'requested', 0), ('M2', 'XD', 'completed', 0)"),
	    FP_OK);
	ck_assert_int_eq(store_exec(st, "UPDATE households SET head_name = "
	    "'吉克阿木阿呷沙马拉则' WHERE household_id = 'HH1'"), FP_OK);
	s = ussd("p1", "13908340108", text, &end);
	ck_assert(!end);
	HAS(s, "98 更多");
	while (strstr(s, "\n98 ") != NULL && pages < 10) {
		strcat(text, "*98");
		s = ussd("p1", "13908340108", text, &end);
		pages++;
	}
	ck_assert_int_ge(pages, 2);
	ck_assert(!end);
	HAS(s, "\n0 返回\n00 主菜单");
	/* 0 goes back a page, 00 to the main menu. */
	strcat(text, "*0");
	s = ussd("p1", "13908340108", text, &end);
	ck_assert(!end);
	HAS(s, "98 更多");
	strcat(text, "*00");
	s = ussd("p1", "13908340108", text, &end);
	ck_assert(!end);
	HAS(s, "1 我家情况");
}
END_TEST

/* ---- the pager ---------------------------------------------------------- */

static void
check_pages(const char *body, const struct ussd_limits *lim)
{
	struct ussd_nav nav = { "98 更多", "0 返回", "00 主菜单", true, true };
	char *page = NULL, joined[8192] = "", want[8192] = "";
	int n = 0, i, n2;
	size_t k, j = 0;

	ck_assert_int_eq(ussd_page(body, &nav, lim, 0, &page, &n), FP_OK);
	free(page);
	ck_assert_int_ge(n, 1);
	for (i = 0; i < n; i++) {
		char *cut;

		ck_assert_int_eq(ussd_page(body, &nav, lim, i, &page, &n2),
		    FP_OK);
		ck_assert_int_eq(n2, n);
		ck_assert_msg(ussd_page_fits(page, lim), "page %d: %s", i, page);
		cut = strstr(page, i + 1 < n ? "\n98 更多" : "\n0 返回");
		ck_assert_ptr_nonnull(cut);
		*cut = '\0';
		strcat(joined, page);
		free(page);
	}
	/* Nothing lost or doubled: the pages hold the body, blanks aside. */
	for (k = 0; body[k] != '\0'; k++)
		if (body[k] != ' ' && body[k] != '\n')
			want[j++] = body[k];
	want[j] = '\0';
	for (k = 0, j = 0; joined[k] != '\0'; k++)
		if (joined[k] != ' ' && joined[k] != '\n')
			joined[j++] = joined[k];
	joined[j] = '\0';
	ck_assert_str_eq(joined, want);
}

START_TEST(pages_fit_and_keep_every_character)
{
	static const struct ussd_limits ussd_lim = { 182, 80 };
	static const struct ussd_limits sms_lim = { 160, 70 };
	static const char *const bodies[] = {
		"精准扶贫服务\n1 我家情况\n2 雨露计划培训\n3 返乡创业扶持",
		"返乡创业可申请：创业补贴、贴息贷款、免费培训、场地支持。详情请问帮扶干部。"
		"返乡创业可申请：创业补贴、贴息贷款、免费培训、场地支持。详情请问帮扶干部。"
		"返乡创业可申请：创业补贴、贴息贷款、免费培训、场地支持。",
		"ꆈꌠꉙꀋꅉꂷꄉꐚꌋꆀꑌꃅꆏꌠꉙꀋꅉꂷꄉꐚꌋꆀꑌꃅꆏꌠꉙꀋꅉꂷꄉꐚꌋꆀꑌꃅꆏꌠꉙꀋꅉꂷꄉꐚꌋꆀꑌꃅ"
		"ꆏꌠꉙꀋꅉꂷꄉꐚꌋꆀꑌꃅꆏꌠꉙꀋꅉꂷꄉꐚꌋꆀꑌꃅꆏꌠꉙꀋꅉꂷꄉꐚꌋꆀꑌꃅꆏ",
		"བཀྲ་ཤིས་བདེ་ལེགས། ཁྱེད་ཀྱི་ཁྱིམ་ཚང་གི་གནས་ཚུལ། སློབ་སྦྱོང་གི་གནས་ཚུལ། "
		"ཕྱིར་ལོག་ལས་གཞི་རྒྱབ་སྐྱོར། བསམ་འཆར་འབུལ་བ། སྐད་ཡིག་འདེམས་པ། "
		"བཀྲ་ཤིས་བདེ་ལེགས། ཁྱེད་ཀྱི་ཁྱིམ་ཚང་གི་གནས་ཚུལ།",
		"Poverty relief service. Returnees may apply for start-up grants, "
		"subsidised loans, free training and premises. Ask your cadre. "
		"Returnees may apply for start-up grants, subsidised loans, free "
		"training and premises. Ask your cadre. Returnees may apply.",
		"😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
	};
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		check_pages(bodies[i], &ussd_lim);
		check_pages(bodies[i], &sms_lim);
	}
}
END_TEST

START_TEST(the_last_of_several_pages_offers_back_and_main)
{
	static const struct ussd_limits lim = { 40, 20 };
	struct ussd_nav nav = { "98 More", "0 Back", "00 Main menu", false,
	    false };
	const char *body = "one two three four five six seven eight nine ten "
	    "eleven twelve thirteen fourteen fifteen sixteen";
	char *page = NULL;
	int n = 0, i;

	ck_assert_int_eq(ussd_page(body, &nav, &lim, 0, &page, &n), FP_OK);
	ck_assert_int_ge(n, 2);
	HASNT(page, "0 Back");
	free(page);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(ussd_page(body, &nav, &lim, i, &page, &n),
		    FP_OK);
		ck_assert_msg(ussd_page_fits(page, &lim), "%s", page);
		if (i + 1 < n) {
			HAS(page, "\n98 More");
			HASNT(page, "00 Main menu");
		} else {
			HASNT(page, "98 More");
			HAS(page, "\n0 Back\n00 Main menu");
		}
		free(page);
	}
	/* One page: only what the flags say. */
	ck_assert_int_eq(ussd_page("short", &nav, &lim, 0, &page, &n), FP_OK);
	ck_assert_str_eq(page, "short");
	free(page);
}
END_TEST

START_TEST(pager_refuses_bad_utf8_and_navigation_without_room)
{
	static const struct ussd_limits tiny = { 10, 5 };
	static const struct ussd_limits ok = { 182, 80 };
	struct ussd_nav nav = { "98 更多", "0 返回", "00 主菜单", true, true };
	char *page = NULL;
	int n;

	ck_assert_int_eq(ussd_page("\xff\xfe", &nav, &ok, 0, &page, &n),
	    FP_EINVAL);
	ck_assert_int_eq(ussd_page("一二三四五六七八九十一二三四五六七八九十", &nav,
	    &tiny, 0, &page, &n), FP_EINVAL);
	ck_assert_ptr_null(page);
	/* A page past the last is the last. */
	ck_assert_int_eq(ussd_page("短", &nav, &ok, 7, &page, &n), FP_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(page, "短\n0 返回\n00 主菜单");
	free(page);
}
END_TEST

START_TEST(menu_file_errors_name_file_and_line)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "villager_start = \"main\";\ncadre_start = \"main\";\n"
		  "screens = ( { id = \"main\"; text = \"main\"; end = true; "
		  "bogus = 1; } );\n", ":3: unknown key 'bogus'" },
		{ "villager_start = \"main\";\ncadre_start = \"main\";\n"
		  "screens = ( { id = \"main\"; text = \"main\";\n"
		  "options = ( { text = \"x\"; go = \"nowhere\"; } ); } );\n",
		  ":3: option 1 of 'main' goes to no screen: 'nowhere'" },
		{ "villager_start = \"main\";\ncadre_start = \"main\";\n"
		  "screens = ( { id = \"main\"; text = \"main\"; "
		  "view = \"secret\"; end = true; } );\n",
		  ":3: unknown view 'secret'" },
		{ "villager_start = \"main\"\nscreens = ();\n", ":2: " },
		{ "villager_start = \"main\";\ncadre_start = \"main\";\n"
		  "screens = ( { id = \"main\"; text = \"main\"; } );\n",
		  "has nothing to choose" },
	};
	char *dir = tu_mkdtemp(), *path, *why = NULL;
	struct ussd_menu *m = NULL;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path = tu_write_file(dir, "menu.conf", cases[i].text,
		    strlen(cases[i].text));
		ck_assert_int_eq(ussd_menu_load(path, &m, &why), FP_EINVAL);
		ck_assert_ptr_null(m);
		ck_assert_msg(why != NULL && strstr(why, cases[i].want) != NULL,
		    "case %zu: %s", i, why != NULL ? why : "(null)");
		ck_assert_ptr_nonnull(strstr(why, "menu.conf:"));
		free(why);
		free(path);
	}
	tu_rmtree(dir);
	free(dir);
}
END_TEST

/* fupinctl templates check on a copy of templates/ changed by `damage`. */
static int
templates_check(const char *damage, char **out)
{
	char *dir = tu_mkdtemp(), conf[1024], cmd[2048], *conf_path;
	char *cp[] = { "/bin/sh", "-c", cmd, NULL };
	char ctl[512];
	char *argv[] = { ctl, "-c", NULL, "templates", "check", NULL };
	int rc;

	snprintf(cmd, sizeof(cmd), "cp -r templates '%s/t' && cd '%s/t' && "
	    "%s", dir, dir, damage);
	ck_assert_int_eq(tu_run(cp, NULL), 0);
	snprintf(conf, sizeof(conf), "templates = { dir = \"%s/t\"; };\n",
	    dir);
	conf_path = tu_write_file(dir, "f.conf", conf, strlen(conf));
	snprintf(ctl, sizeof(ctl), "%s", tu_bin("fupinctl"));
	argv[2] = conf_path;
	rc = tu_run(argv, out);
	tu_rmtree(dir);
	free(conf_path);
	free(dir);
	return rc;
}

START_TEST(templates_check_passes_the_shipped_texts_and_names_each_fault)
{
	char *out = NULL;

	ck_assert_int_eq(templates_check("true", &out), 0);
	HAS(out, "templates OK: 0 problems");
	free(out);
	ck_assert_int_eq(templates_check("rm bo/ussd/fb_done.txt && "
	    "printf '{name} 户 {secret}\\n' > en/ussd/status.txt && "
	    "printf '%0300d\\n' 0 > zh/ussd/nav_more.txt", &out), 65);
	/* A missing translation is coverage, not a fault (issue 17). */
	HAS(out, "ussd/fb_done is listed as drafted but is missing");
	HAS(out, "bo  translated 0, machine-drafted 86, missing 8");
	HAS(out, "/en/ussd/status.txt: {secret} is not provided on screen "
	    "'status'");
	HAS(out, "cannot be cut into pages");
	HAS(out, "templates FAILED");
	free(out);
	/* A broken menu: FILE:LINE. */
	ck_assert_int_eq(templates_check("sed -i 's/go = \"fb_text\"; },/"
	    "go = \"nowhere\"; },/' menu.conf", &out), 65);
	HAS(out, "menu.conf:");
	HAS(out, "goes to no screen: 'nowhere'");
	free(out);
}
END_TEST

/* ---- POST /ussd on a real socket ---------------------------------------- */

static struct tg T;

static void
http_setup(void)
{
	sqlite3 *db;

	tg_init(&T, NULL);
	tg_start(&T);
	/* A household for the menus, written as the registry would. */
	ck_assert_int_eq(sqlite3_open(T.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO households(household_id,"
	    " area_code, head_name, status, language, updated_at) VALUES "
	    "('HH1', '513431100201', '吉克阿木', 'poor', 'zh', 0);"
	    "INSERT INTO members(member_id, household_id, name, phone, "
	    "updated_at) VALUES ('M1', 'HH1', '吉克阿木', '+8613908340107', 0);",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
http_teardown(void)
{
	tg_cleanup(&T);
}

/* POST /ussd with form `body`; the reply in r. */
static long
post_ussd(const char *body, struct tg_reply *r)
{
	ck_assert_int_eq(tg_request(&T, "POST", "/ussd",
	    "application/x-www-form-urlencoded", body, strlen(body), NULL,
	    false, r), 0);
	return r->status;
}

START_TEST(http_session_survives_a_gateway_kill)
{
	static struct tg_reply r;

	ck_assert_int_eq(post_ussd("sessionId=AT1&serviceCode=*123%23&"
	    "phoneNumber=%2B8613908340107&networkCode=46000&text=", &r), 200);
	ck_assert_msg(strncmp(r.body, "CON ", 4) == 0, "%s", r.body);
	HAS(r.headers, "text/plain");
	ck_assert_int_eq(post_ussd("sessionId=AT1&serviceCode=*123%23&"
	    "phoneNumber=13908340107&text=4", &r), 200);
	HAS(r.body, "1 道路路灯");
	/* Killed between two steps: the session is in the database. */
	ck_assert_int_eq(tg_stop(&T, SIGKILL), -1);	/* killed, not exited */
	tg_start(&T);
	ck_assert_int_eq(post_ussd("sessionId=AT1&serviceCode=*123%23&"
	    "phoneNumber=13908340107&text=4*3", &r), 200);
	HAS(r.body, "CON ");
	HAS(r.body, "反馈内容");
	ck_assert_int_eq(post_ussd("sessionId=AT1&serviceCode=*123%23&"
	    "phoneNumber=13908340107&text=4*3*%E5%B1%8B%E9%A1%B6%E6%BC%8F%E9%9B%A8"
	    "*1", &r), 200);
	ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "%s", r.body);
	HAS(r.body, "F1");
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM feedback WHERE "
	    "text = '屋顶漏雨' AND category = 'housing'"), 1);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM ussd_sessions"),
	    0);
}
END_TEST

START_TEST(http_bad_requests_get_a_400_and_the_server_stays_up)
{
	static struct tg_reply r;
	char big[1600];
	size_t i;

	ck_assert_int_eq(post_ussd("serviceCode=*123%23&phoneNumber=13908340107"
	    "&text=", &r), 400);
	HAS(r.body, "missing_parameter");
	ck_assert_int_eq(post_ussd("sessionId=A&serviceCode=*123%23&"
	    "phoneNumber=12345&text=", &r), 400);
	HAS(r.body, "invalid_phone");
	ck_assert_int_eq(post_ussd("sessionId=A&serviceCode=*123%23&"
	    "phoneNumber=13908340107&text=1%FF%FE", &r), 400);
	HAS(r.body, "invalid_text");
	ck_assert_int_eq(post_ussd("sessionId=A&serviceCode=*123%23&"
	    "phoneNumber=13908340107&text=1%00", &r), 400);
	ck_assert_int_eq(post_ussd("sessionId=a%20b&serviceCode=*123%23&"
	    "phoneNumber=13908340107&text=", &r), 400);
	ck_assert_int_eq(post_ussd("sessionId=A&serviceCode=*124%23&"
	    "phoneNumber=13908340107&text=", &r), 200);
	ck_assert_msg(strncmp(r.body, "END ", 4) == 0, "%s", r.body);
	ck_assert_int_eq(tg_request(&T, "GET", "/ussd", NULL, NULL, 0, NULL,
	    false, &r), 0);
	ck_assert_int_eq(r.status, 405);
	/* Runs of '*' and many steps: a screen, never a crash. */
	snprintf(big, sizeof(big), "sessionId=B&serviceCode=*123%%23&"
	    "phoneNumber=13908340107&text=");
	for (i = strlen(big); i < sizeof(big) - 1; i++)
		big[i] = i % 3 == 0 ? '1' : '*';
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(post_ussd(big, &r), 200);
	ck_assert_msg(strncmp(r.body, "END ", 4) == 0 ||
	    strncmp(r.body, "CON ", 4) == 0, "%s", r.body);
	ck_assert_int_eq(tg_request(&T, "GET", "/healthz", NULL, NULL, 0, NULL,
	    false, &r), 0);
	ck_assert_int_eq(r.status, 200);
}
END_TEST

START_TEST(http_phone_simulator_walks_a_menu_and_ends_with_the_call)
{
	char cmd[2048], *out = NULL;
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "printf '4\\n2\\n' | '%s' -c '%s' phone "
	    "13908340107", tu_bin("fupinctl"), T.conf);
	ck_assert_int_eq(tu_run(argv, &out), 0);
	HAS(out, "┌");
	HAS(out, "│ 1 我家情况");
	HAS(out, "│ 1 道路路灯");
	HAS(out, "反馈内容");
	HAS(out, "(hung up)");
	free(out);
	/* A number the phone cannot dial, and a gateway that is not there. */
	snprintf(cmd, sizeof(cmd), "'%s' -c '%s' phone 12345 </dev/null",
	    tu_bin("fupinctl"), T.conf);
	ck_assert_int_eq(tu_run(argv, &out), 64);
	free(out);
	ck_assert_int_eq(tg_stop(&T, SIGTERM), 0);
	snprintf(cmd, sizeof(cmd), "'%s' -c '%s' phone 13908340107 </dev/null",
	    tu_bin("fupinctl"), T.conf);
	ck_assert_int_eq(tu_run(argv, &out), 69);
	free(out);
}
END_TEST

Suite *
ussd_suite(void)
{
	Suite *s = suite_create("ussd");
	TCase *tc = tcase_create("engine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, dial_shows_the_main_menu_and_a_cadre_the_cadre_menu);
	tcase_add_test(tc, a_sessions_state_comes_back_as_saved);
	tcase_add_test(tc, status_for_a_registered_number_shows_its_household);
	tcase_add_test(tc, status_for_an_unknown_number_needs_last6_and_household);
	tcase_add_test(tc, three_wrong_answers_lock_the_number_for_the_lockout);
	tcase_add_test(tc, feedback_by_menu_makes_a_ticket_with_its_category);
	tcase_add_test(tc, training_list_detail_and_enrollment);
	tcase_add_test(tc, callback_request_reaches_the_cadre_who_acknowledges_it);
	tcase_add_test(tc, cadre_tasks_newest_first_and_ack);
	tcase_add_test(tc, language_choice_is_remembered_for_the_number);
	tcase_add_test(tc, back_main_and_invalid_choices);
	tcase_add_test(tc, long_lists_are_paged_with_98_and_choices_span_pages);
	tcase_add_test(tc, an_unknown_session_with_text_is_replayed_from_the_start);
	tcase_add_test(tc, expired_sessions_end_with_a_timeout_event);
	tcase_add_test(tc, hostile_input_always_gets_a_well_formed_screen);
	tcase_add_test(tc, every_menu_path_renders_in_every_language);
	tcase_add_test(tc, the_same_menu_works_as_an_sms_dialogue);
	tcase_add_test(tc, a_success_resets_no_failure_count);
	tcase_add_test(tc, failures_count_within_the_lockout_window_only);
	tcase_add_test(tc, five_failures_against_a_household_lock_its_challenge);
	tcase_add_test(tc, challenge_answers_are_stored_nowhere_in_clear);
	tcase_add_test(tc, a_repeated_final_step_runs_nothing_twice);
	tcase_add_test(tc, a_session_id_with_another_number_is_another_session);
	tcase_add_test(tc,
	    the_household_number_matches_without_letters_spaces_dashes);
	tcase_add_test(tc,
	    the_last_page_of_an_ending_screen_is_con_with_back_and_main);
	suite_add_tcase(s, tc);
	tc = tcase_create("pager");
	tcase_add_test(tc, pages_fit_and_keep_every_character);
	tcase_add_test(tc, the_last_of_several_pages_offers_back_and_main);
	tcase_add_test(tc, pager_refuses_bad_utf8_and_navigation_without_room);
	tcase_add_test(tc, menu_file_errors_name_file_and_line);
	tcase_add_test(tc,
	    templates_check_passes_the_shipped_texts_and_names_each_fault);
	suite_add_tcase(s, tc);
	tc = tcase_create("http");
	tcase_add_checked_fixture(tc, http_setup, http_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, http_session_survives_a_gateway_kill);
	tcase_add_test(tc, http_bad_requests_get_a_400_and_the_server_stays_up);
	tcase_add_test(tc,
	    http_phone_simulator_walks_a_menu_and_ends_with_the_call);
	suite_add_tcase(s, tc);
	return s;
}
