/*
 * ctl_tpl_catalog.c: the list of every text of templates.dir for the
 * templates commands (see ctl_tpl.h): which texts there are, in what
 * order a translator meets them, where each appears, what its
 * variables hold and how long they get, and whether a language has it.
 * The page rules are in ctl_tpl_fit.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_tpl.h"
#include "ussd_texts.h"
#include "ussd_views.h"

/* The longest realistic value of every variable any code provides. */
static const struct {
	const char	*name;
	const char	*value;
	const char	*about;
} vars[] = {
	{ "name", "阿苏拉则木呷", "a person's name (household head, member "
	    "or cadre) 姓名" },
	{ "status_text", "已脱贫（监测）", "the household's status, a word of "
	    "sms/status_* 帮扶状态" },
	{ "cadre_name", "欧阳建华", "the cadre's name 帮扶干部姓名" },
	{ "cadre_phone", "19908349001", "the cadre's phone number 干部电话" },
	{ "programs", "雨露计划:已报名,返乡创业:申请中,扶贫小额信贷:已完成",
	    "programs with their states 项目及状态" },
	{ "payment", "12000.50(2026-03-01)", "the last payment, amount and "
	    "date 补助" },
	{ "training", "电子商务直播带货培训 2027-03-15 通江县职业高级中学",
	    "the next training: title, date, place 培训" },
	{ "training_title", "电子商务与农产品直播带货实操培训", "a training's "
	    "title 培训名称" },
	{ "starts_on", "2027-03-15", "a date, YYYY-MM-DD 日期" },
	{ "ends_on", "2027-03-29", "a date, YYYY-MM-DD 日期" },
	{ "location", "通江县职业高级中学实训楼", "a place 地点" },
	{ "program_name", "扶贫小额信贷", "a program's name (雨露计划, "
	    "返乡创业...) 项目名称" },
	{ "enrollment", "申请中", "an enrollment state, a word of "
	    "sms/enroll_status_* 报名状态" },
	{ "subsidy", "12000.50(2026-03-01)", "the last payment 补助" },
	{ "task", "T123456", "a task number 任务编号" },
	{ "task_text", "请于本周五前入户核实吉克阿木家住房安全情况并上传照片，"
	    "同时核对其子女雨露计划补助", "a task's text 任务内容" },
	{ "due", "2026-12-31", "a task's due date (and time) 截止" },
	{ "phone", "19908349001", "a phone number 电话" },
	{ "household_id", "HH513431000001", "a household number 户编号" },
	{ "ticket", "F123456", "a feedback ticket number 反馈编号" },
	{ "text", "村口到小学的路灯已经坏了三个多月，晚上孩子放学走路很危险，"
	    "希望尽快派人修理。另外饮水管道冬天经常冻裂，请一并考虑。"
	    "谢谢帮扶干部和各位领导的关心，我们全家都很感激。路灯问题已经"
	    "向村委会反映过两次，还没有解决，麻烦尽快处理。", "free text: a "
	    "notice's message, or what the villager wrote 内容" },
	{ "category", "infrastructure", "a feedback category code 类别" },
	{ "lang", "zh", "a language code 语言" },
	{ "left", "2", "tries left 剩余次数" },
	{ "minutes", "60", "minutes 分钟" },
	{ "codes", "YL雨露计划 CY返乡创业 XD扶贫小额信贷", "the program codes "
	    "with their names 项目代码" },
	{ "code", "YL", "a program code 项目代码" },
};
#define N_VARS (sizeof(vars) / sizeof(vars[0]))

const char *
ctl_tpl_sample(const char *name)
{
	size_t i;

	for (i = 0; i < N_VARS; i++)
		if (strcmp(vars[i].name, name) == 0)
			return vars[i].value;
	return NULL;
}

const char *
ctl_tpl_var_about(const char *name)
{
	size_t i;

	for (i = 0; i < N_VARS; i++)
		if (strcmp(vars[i].name, name) == 0)
			return vars[i].about;
	return "a value filled in when the text is sent";
}

/* Where each SMS reply and notice is sent (templates/README.md). */
static const struct {
	const char	*key;
	const char	*where;
} sent[] = {
	{ "sms/cx_status", "SMS reply to CX/查询 from a household's "
	    "registered number: the household's status" },
	{ "sms/status_poor", "a word put into {status_text} (sms/cx_status "
	    "and the menu's status screen)" },
	{ "sms/status_exited", "a word put into {status_text}" },
	{ "sms/status_monitored", "a word put into {status_text}" },
	{ "sms/enroll_status_enrolled", "a word put into {programs} and "
	    "{enrollment}" },
	{ "sms/enroll_status_requested", "a word put into {programs} and "
	    "{enrollment}" },
	{ "sms/enroll_status_completed", "a word put into {programs} and "
	    "{enrollment}" },
	{ "sms/none", "the word for an empty {programs}, {payment} or "
	    "{training}" },
	{ "sms/cx_refused", "SMS reply to CX from a number that is not "
	    "registered (reveals nothing)" },
	{ "sms/fk_ok", "SMS reply to FK/反馈 with a text: the ticket" },
	{ "sms/fk_empty", "SMS reply to FK without a text" },
	{ "sms/bm_ok", "SMS reply to BM/报名 with a known program code" },
	{ "sms/bm_unknown", "SMS reply to BM with an unknown code" },
	{ "sms/bm_empty", "SMS reply to BM without a code" },
	{ "sms/bm_not_registered", "SMS reply to BM from a number that is "
	    "not registered" },
	{ "sms/qr_ok", "SMS reply to QR/确认 from the task's cadre" },
	{ "sms/qr_unknown", "SMS reply to QR with an unknown task" },
	{ "sms/qr_empty", "SMS reply to QR without a task number" },
	{ "sms/qr_not_cadre", "SMS reply to QR from a number that is not a "
	    "cadre's" },
	{ "sms/td_ok", "SMS reply to TD/退订 (no more notices)" },
	{ "sms/dy_ok", "SMS reply to DY/订阅 (notices again)" },
	{ "sms/help", "SMS reply to BZ/?/帮助 and to messages not "
	    "understood" },
	{ "notices/general_notice", "notice SMS from a program office: "
	    "{text} is its message; keep the TD opt-out" },
	{ "notices/training_notice", "notice SMS announcing a training; keep "
	    "the TD opt-out" },
	{ "notices/training_reminder", "reminder SMS before a training "
	    "starts; keep the TD opt-out" },
	{ "notices/yulu_application", "notice SMS: 雨露计划 applications "
	    "are open (reply BM YL); keep the TD opt-out" },
	{ "notices/return_home_support", "notice SMS: 返乡创业 support "
	    "(reply BM CY); keep the TD opt-out" },
	{ "notices/task_alert", "task alert SMS to a cadre (reply QR "
	    "{task}); no opt-out" },
	{ "ussd/nav_more", "navigation line of a menu page that has a next "
	    "page; must start with \"98 \"" },
	{ "ussd/nav_back", "navigation line: back; must start with \"0 \"" },
	{ "ussd/nav_main", "navigation line: main menu; must start with "
	    "\"00 \"" },
	{ "ussd/invalid", "error line above a menu screen after a choice "
	    "that is not on it" },
	{ "ussd/verify_id6", "menu: asks for the last 6 characters of a "
	    "household member's ID number (a final X is typed as 0)" },
	{ "ussd/verify_household", "menu: asks for the household number "
	    "(户编号, as on the household's card)" },
	{ "ussd/verify_failed", "error line when the ID check failed; "
	    "{left} tries are left" },
	{ "ussd/locked", "menu: the number is locked out of status for "
	    "{minutes} minutes after failed ID checks (ends the session)" },
	{ "ussd/not_cadre", "menu: the cadre menu asked for by a number "
	    "that is not a cadre's (ends the session)" },
	{ "ussd/session_too_long", "menu: a session of more than 64 steps "
	    "ends" },
	{ "ussd/unavailable", "menu: what a screen showed is gone (a "
	    "training was removed); ends the session" },
	{ "ussd/unknown_service", "USSD answer to a service code that is "
	    "not ours" },
};
#define N_SENT (sizeof(sent) / sizeof(sent[0]))

bool
ctl_tpl_is_target(const char *lang)
{
	size_t i;

	for (i = 0; templates_languages[i] != NULL; i++)
		if (strcmp(templates_languages[i], lang) == 0)
			return strcmp(lang, TEMPLATES_SOURCE_LANG) != 0;
	return false;
}

const struct ctl_tpl_entry *
ctl_tpl_find(const struct ctl_tpl *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->n_entries; i++)
		if (strcmp(c->entries[i].key, key) == 0)
			return &c->entries[i];
	return NULL;
}

/* The menu's texts, in the order menu.conf shows them. */
struct menu_keys {
	const char	**v;
	size_t		  n, cap;
	bool		  failed;
};

static void
add_menu_key(const char *key, void *arg)
{
	struct menu_keys *m = arg;

	if (m->failed)
		return;
	if (m->n == m->cap) {
		size_t cap = m->cap == 0 ? 64 : m->cap * 2;
		const char **grown = realloc(m->v, cap * sizeof(*grown));

		if (grown == NULL) {
			m->failed = true;
			return;
		}
		m->v = grown;
		m->cap = cap;
	}
	m->v[m->n++] = key;
}

/* Steps from a start screen to each screen (for its navigation lines). */
static void
depths(const struct ussd_menu *m, int *d)
{
	size_t i, j, k;
	bool changed = true;

	for (i = 0; i < m->n_screens; i++)
		d[i] = strcmp(m->screens[i].id, m->villager_start) == 0 ||
		    strcmp(m->screens[i].id, m->cadre_start) == 0 ? 0 : 1000;
	while (changed) {
		changed = false;
		for (i = 0; i < m->n_screens; i++) {
			const struct ussd_screen *sc = &m->screens[i];

			for (j = 0; j < m->n_screens; j++) {
				const struct ussd_screen *to = &m->screens[j];
				bool linked = sc->go != NULL &&
				    strcmp(sc->go, to->id) == 0;

				for (k = 0; k < sc->n_options && !linked; k++)
					linked = strcmp(sc->options[k].go,
					    to->id) == 0;
				if (linked && d[i] + 1 < d[j] && d[j] != 0) {
					d[j] = d[i] + 1;
					changed = true;
				}
			}
		}
	}
}

enum fp_err
ctl_tpl_open(const struct cfg *cfg, struct ctl_tpl **out, char **why)
{
	struct ctl_tpl *c;
	struct menu_keys mk = { NULL, 0, 0, false };
	char path[4096];
	size_t i;
	enum fp_err err;

	*out = NULL;
	*why = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return FP_ENOMEM;
	c->cfg = cfg;
	err = templates_load(cfg->templates.dir,
	    cfg->templates.default_language, &c->tpl, why);
	if (err == FP_OK) {
		snprintf(path, sizeof(path), "%s/menu.conf",
		    cfg->templates.dir);
		err = ussd_menu_load(path, &c->menu, why);
	}
	if (err == FP_OK) {
		c->depth = calloc(c->menu->n_screens + 1, sizeof(*c->depth));
		if (c->depth == NULL)
			err = FP_ENOMEM;
	}
	if (err != FP_OK) {
		if (err != FP_ENOMEM && *why == NULL)
			*why = strdup(cfg->templates.dir);
		ctl_tpl_close(c);
		return err;
	}
	depths(c->menu, c->depth);
	/* The menu's texts in the order a caller meets them, then the
	 * rest: the catalog the console counts too (templates_coverage.h). */
	ussd_texts_each(c->menu, add_menu_key, &mk);
	err = mk.failed ? FP_ENOMEM : templates_keys_list(c->tpl, mk.v, mk.n,
	    &c->keys, &c->n_entries);
	free(mk.v);
	if (err == FP_OK && c->n_entries > 0) {
		c->entries = calloc(c->n_entries, sizeof(*c->entries));
		if (c->entries == NULL)
			err = FP_ENOMEM;
	}
	if (err != FP_OK) {
		ctl_tpl_close(c);
		return err;
	}
	for (i = 0; i < c->n_entries; i++) {
		const struct templates_key *k = &c->keys[i];
		struct ctl_tpl_entry *e = &c->entries[i];

		snprintf(e->key, sizeof(e->key), "%s", k->key);
		e->group = k->group;
		e->name = e->key + strlen(e->group) + 1;
		e->kind = strcmp(k->group, "ussd") == 0 ? CTL_TPL_USSD :
		    strcmp(k->group, "sms") == 0 ? CTL_TPL_SMS : CTL_TPL_NOTICE;
		e->in_source = k->in_source;
		e->is_fixed = k->is_fixed;
	}
	*out = c;
	return FP_OK;
}

void
ctl_tpl_close(struct ctl_tpl *c)
{
	if (c == NULL)
		return;
	free(c->entries);
	free(c->keys);
	free(c->depth);
	ussd_menu_free(c->menu);
	templates_free(c->tpl);
	free(c);
}

enum templates_state
ctl_tpl_state(const struct ctl_tpl *c, const struct ctl_tpl_entry *e,
    const char *lang, const struct templates_status *st)
{
	return templates_state_of(c->tpl, lang, e->group, e->name, st);
}

/* The first line of the source text of ussd/key, at most 24 bytes. */
static void
add_title(const struct ctl_tpl *c, const char *key, struct strbuf *b)
{
	const char *t = templates_text(c->tpl, TEMPLATES_SOURCE_LANG, "ussd",
	    key, NULL);
	size_t n = 0, cl;

	if (t == NULL)
		return;
	while (t[n] != '\0' && t[n] != '\n' && n < 24) {
		unsigned char ch = (unsigned char)t[n];

		cl = ch < 0x80 ? 1 : (ch & 0xE0) == 0xC0 ? 2 :
		    (ch & 0xF0) == 0xE0 ? 3 : 4;
		n += cl;
	}
	strbuf_adds(b, " (");
	strbuf_add(b, t, n);
	if (t[n] != '\0' && t[n] != '\n')
		strbuf_adds(b, "...");
	strbuf_adds(b, ")");
}

void
ctl_tpl_where(const struct ctl_tpl *c, const struct ctl_tpl_entry *e,
    struct strbuf *b)
{
	const struct ussd_menu *m = c->menu;
	size_t i, j, before = b->len;
	int shown = 0;

	for (i = 0; i < N_SENT; i++)
		if (strcmp(sent[i].key, e->key) == 0) {
			strbuf_adds(b, sent[i].where);
			return;
		}
	if (e->kind != CTL_TPL_USSD) {
		strbuf_adds(b, e->kind == CTL_TPL_SMS ? "an SMS reply" :
		    "a notice SMS");
		return;
	}
	strbuf_adds(b, "menu (USSD and the SMS menu 菜单): ");
	for (i = 0; i < m->n_screens && shown < 4; i++) {
		const struct ussd_screen *sc = &m->screens[i];
		const char *role = NULL;
		char num[96];

		if (strcmp(sc->text, e->name) == 0)
			role = "the screen's text";
		else if (sc->fail != NULL && strcmp(sc->fail, e->name) == 0)
			role = "its text when the action fails";
		else if (sc->item != NULL && strcmp(sc->item, e->name) == 0)
			role = "each line of its list (the number is added "
			    "in front)";
		else if (sc->empty != NULL && strcmp(sc->empty, e->name) == 0)
			role = "its text when the list is empty";
		for (j = 0; role == NULL && j < sc->n_options; j++)
			if (strcmp(sc->options[j].text, e->name) == 0) {
				snprintf(num, sizeof(num), "option %zu (shown "
				    "as \"%zu ...\")", j + 1, j + 1);
				role = num;
			}
		if (role == NULL)
			continue;
		if (shown > 0)
			strbuf_adds(b, "; ");
		strbuf_printf(b, "screen '%s'", sc->id);
		if (strcmp(sc->text, e->name) != 0)
			add_title(c, sc->text, b);
		strbuf_printf(b, ", %s", role);
		shown++;
	}
	if (shown == 0) {
		b->len = before;
		if (b->s != NULL)
			b->s[before] = '\0';
		strbuf_adds(b, "menu text, not on any screen of menu.conf");
	} else if (i < m->n_screens)
		strbuf_adds(b, "; and other screens");
}
