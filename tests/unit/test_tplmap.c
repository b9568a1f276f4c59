/*
 * test_tplmap.c: approved templates (SPEC 11, issue 16).  What an
 * outgoing text was rendered from travels with it through the outbox
 * (a reply, a notice, a menu page sent by SMS), a template provider
 * refuses free text; templates/provider_templates.conf is read
 * strictly (FILE:LINE for each problem) and checked against every
 * outgoing text of the shipped templates and menu: a text without a
 * mapping, a parameter naming a variable the text lacks, a parameter
 * longer than the provider's limit.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "cfg.h"
#include "outbox.h"
#include "registry.h"
#include "sms_service.h"
#include "store.h"
#include "templates.h"
#include "testutil.h"
#include "tplmap.h"
#include "strbuf.h"
#include "ussd_engine.h"
#include "ussd_menu.h"

static struct store *st;
static struct cfg *cfg;
static struct templates *tpl;
static struct ussd_menu *menu;
static struct svc_ctx ctx;
static char *dir;

#define CONF_ALIYUN \
	"providers = ( { name = \"ali\"; type = \"aliyun\"; " \
	"access_key_id = \"testId\"; access_key_secret = \"testSecret\"; " \
	"sign_name = \"扶贫办\"; } );\n"

static void
load_cfg(const char *text)
{
	cfg_free(cfg);
	cfg = NULL;	/* a failed load ends the test; teardown frees cfg */
	cfg = tu_load_cfg(text);
	ctx.cfg = cfg;
}

static void
setup(void)
{
	static const char *const cadre[] = { "C1", "李明辉", "19908349001",
	    "513431100", "驻村第一书记" };
	static const char *const hh[] = { "HH1", "513431100201", "吉克阿木",
	    "2", "poor", "因病", "C1", "", "zh" };
	static const char *const m1[] = { "M1", "HH1", "吉克阿木",
	    "11010519491231002X", "13908340107", "户主" };
	struct registry *reg = NULL;
	char *bad = NULL, *why = NULL;

	load_cfg(CONF_ALIYUN);
	ck_assert_int_eq(templates_load("templates", "zh", &tpl, &bad), FP_OK);
	ck_assert_int_eq(ussd_menu_load("templates/menu.conf", &menu, &why),
	    FP_OK);
	ctx.tpl = tpl;
	ctx.menu = menu;
	ctx.id_key = tu_id_key();
	st = tu_open_store(":memory:");
	ck_assert_int_eq(registry_new(st, tu_id_key(), &reg), FP_OK);
	ck_assert_int_eq(store_begin(st), FP_OK);
	tu_reg_put(reg, REG_CADRES, cadre);
	tu_reg_put(reg, REG_HOUSEHOLDS, hh);
	tu_reg_put(reg, REG_MEMBERS, m1);
	ck_assert_int_eq(store_commit(st), FP_OK);
	registry_free(reg);
	dir = tu_mkdtemp();
}

static void
teardown(void)
{
	store_close(st);
	ussd_menu_free(menu);
	templates_free(tpl);
	cfg_free(cfg);
	cfg = NULL;
	tu_rmtree(dir);
	free(dir);
}

static struct mo_result
receive(const char *from, const char *text)
{
	struct mo_result res;
	struct mo_msg mo;
	const char *why = NULL;

	memset(&mo, 0, sizeof(mo));
	mo.route = "inbound";
	ck_assert_int_eq(msisdn_normalize(from, mo.from, &why), FP_OK);
	mo.to = "10690001";
	mo.text = text;
	mo.text_len = strlen(text);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(sms_service_receive(st, &ctx, &mo, TU_T0, &res),
	    FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	return res;
}

/* The one item the provider "ali" would be handed now. */
static void
claim_one(struct outbox_item **items)
{
	size_t n = 0;

	ck_assert_int_eq(outbox_claim(st, "ali", TU_T0 + 1, 1, items, &n),
	    FP_OK);
	ck_assert_uint_eq(n, 1);
}

/* ---- the outbox carries the template ------------------------------------ */

START_TEST(a_reply_carries_its_template_and_variables_to_the_provider)
{
	struct outbox_item *it = NULL;
	struct json_object *vars;
	struct mo_result r = receive("13908340107", "FK 路灯坏了");

	ck_assert_int_gt(r.reply_id, 0);
	claim_one(&it);
	ck_assert_int_eq(it->id, r.reply_id);
	ck_assert_str_eq(it->tpl_key, "sms/fk_ok");
	ck_assert_str_eq(it->tpl_lang, "zh");
	vars = json_tokener_parse(it->tpl_vars);
	ck_assert_ptr_nonnull(vars);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(vars,
	    "ticket")), "F1");
	ck_assert_ptr_nonnull(strstr(it->text, "F1"));
	json_object_put(vars);
	outbox_items_free(it, 1);
}
END_TEST

START_TEST(the_household_status_goes_out_as_cx_status_with_its_words)
{
	struct outbox_item *it = NULL;
	struct json_object *vars;

	(void)receive("13908340107", "CX");
	claim_one(&it);
	ck_assert_str_eq(it->tpl_key, "sms/cx_status");
	vars = json_tokener_parse(it->tpl_vars);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(vars,
	    "name")), "吉克阿木");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(vars,
	    "cadre_name")), "李明辉");
	json_object_put(vars);
	outbox_items_free(it, 1);
}
END_TEST

START_TEST(a_menu_page_sent_by_sms_is_its_screen_with_the_page_whole)
{
	struct outbox_item *it = NULL;
	struct json_object *vars;

	(void)receive("13908340107", "CD");
	claim_one(&it);
	ck_assert_str_eq(it->tpl_key, "menu/main");
	ck_assert_str_eq(it->tpl_lang, "zh");
	vars = json_tokener_parse(it->tpl_vars);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(vars,
	    "screen")), it->text);
	json_object_put(vars);
	outbox_items_free(it, 1);
}
END_TEST

START_TEST(a_template_provider_refuses_free_text_in_the_outbox)
{
	struct outbox_msg m;
	int64_t id = 0;

	memset(&m, 0, sizeof(m));
	m.to = "+8613908340107";
	m.text = "明天开会";
	m.kind = "api";
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_EINVAL);
	m.tpl_key = "notices/general_notice";
	m.tpl_lang = "zh";
	m.tpl_vars = "{\"text\":\"明天开会\"}";
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_str_eq(tu_query_text(store_db(st), "SELECT tpl_key || '|' "
	    "|| tpl_lang || '|' || tpl_vars FROM sms_out WHERE id = ?1", id),
	    "notices/general_notice|zh|{\"text\":\"明天开会\"}");
}
END_TEST

START_TEST(a_notice_carries_the_record_and_the_broadcast_vars)
{
	struct notice_record rec;
	struct svc_msg m = SVC_MSG_INIT;
	struct tpl_var v[] = { { "text", "明天开会" } };
	struct json_object *vars;

	ck_assert_int_eq(notice_record_load(st, "M1", NULL, &rec), FP_OK);
	ck_assert_int_eq(notice_render_msg(&ctx, "general_notice", NULL, v, 1,
	    &rec, "ii", &m, NULL), FP_OK);
	ck_assert_str_eq(m.key, "notices/general_notice");
	/* Yi's text is still the Chinese one: so is the template's. */
	ck_assert(strcmp(m.lang, "ii") == 0 || strcmp(m.lang, "zh") == 0);
	vars = json_tokener_parse(m.vars);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(vars,
	    "text")), "明天开会");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(vars,
	    "name")), "吉克阿木");
	json_object_put(vars);
	svc_msg_cleanup(&m);
}
END_TEST


/* ---- provider_templates.conf ------------------------------------------- */

struct gen {
	struct strbuf	 b;
	const char	*skip_key;	/* left out, or NULL */
	const char	*skip_lang;
	int		 n;
};

static void
gen_one(const char *key, const char *lang, const char *const *vars,
    size_t n_vars, void *arg)
{
	struct gen *g = arg;
	size_t i;

	if (g->skip_key != NULL && strcmp(key, g->skip_key) == 0 &&
	    strcmp(lang, g->skip_lang) == 0)
		return;
	g->n++;
	strbuf_printf(&g->b, "%s    { text = \"%s\"; lang = \"%s\"; "
	    "code = \"SMS_%06d\"; params = [", g->n > 1 ? ",\n" : "", key,
	    lang, g->n);
	for (i = 0; i < n_vars; i++)
		strbuf_printf(&g->b, "%s\"%s\"", i > 0 ? ", " : "", vars[i]);
	strbuf_adds(&g->b, "]; }");
}

/* A mapping of every outgoing text for provider "ali" (one left out
 * when skip_key is set), written to dir; returns its path. */
static char *
write_map(const char *skip_key, const char *skip_lang, const char *extra)
{
	struct tplmap_texts *x = NULL;
	struct gen g = { STRBUF_INIT, skip_key, skip_lang, 0 };
	char *path, *text;
	size_t len;

	ck_assert_int_eq(ussd_outgoing_texts(tpl, menu, &x), FP_OK);
	strbuf_adds(&g.b, "providers = ( { provider = \"ali\"; param_max = 0;"
	    "\n  texts = (\n");
	tplmap_texts_each(x, gen_one, &g);
	strbuf_printf(&g.b, "%s\n  ); } );\n", extra != NULL ? extra : "");
	tplmap_texts_free(x);
	text = strbuf_take(&g.b, &len);
	path = tu_write_file(dir, TPLMAP_FILE, text, len);
	free(text);
	return path;
}

struct problems {
	char	 all[8192];
	int	 n;
};

static void
collect(void *arg, const char *msg)
{
	struct problems *p = arg;
	size_t len = strlen(p->all);

	snprintf(p->all + len, sizeof(p->all) - len, "%s\n", msg);
	p->n++;
}

static int
check_file(const char *path, tplmap_longest_fn *longest, struct problems *p)
{
	struct tplmap *m = NULL;
	struct tplmap_texts *x = NULL;
	char *errors = NULL;
	int n;

	memset(p, 0, sizeof(*p));
	ck_assert_msg(tplmap_load(path, &m, &errors) == FP_OK, "%s",
	    errors != NULL ? errors : "?");
	ck_assert_int_eq(ussd_outgoing_texts(tpl, menu, &x), FP_OK);
	n = tplmap_check(m, cfg, x, longest, NULL, collect, p);
	tplmap_texts_free(x);
	tplmap_free(m);
	return n;
}

START_TEST(a_mapping_of_every_outgoing_text_passes_the_check)
{
	char *path = write_map(NULL, NULL, NULL);
	struct problems p;

	ck_assert_msg(check_file(path, NULL, &p) == 0, "%s", p.all);
	free(path);
}
END_TEST

START_TEST(a_text_without_a_mapping_is_named)
{
	char *path = write_map("sms/fk_ok", "zh", NULL);
	struct problems p;

	ck_assert_int_eq(check_file(path, NULL, &p), 1);
	ck_assert_msg(strstr(p.all, "provider ali: no approved template for "
	    "sms/fk_ok (zh)") != NULL, "%s", p.all);
	free(path);
	path = write_map("menu/main", "zh", NULL);
	ck_assert_int_eq(check_file(path, NULL, &p), 1);
	ck_assert_msg(strstr(p.all, "menu/main (zh)") != NULL, "%s", p.all);
	free(path);
}
END_TEST

START_TEST(every_language_with_its_own_text_needs_one_or_a_star)
{
	/* The Tibetan drafts are texts of their own: each is needed. */
	char *path = write_map("sms/help", "bo", NULL);
	struct problems p;

	ck_assert_int_eq(check_file(path, NULL, &p), 1);
	ck_assert_msg(strstr(p.all, "sms/help (bo)") != NULL, "%s", p.all);
	free(path);
	/* A "*" entry stands for every language without its own. */
	path = write_map("sms/help", "bo", ",\n    { text = \"sms/help\"; "
	    "lang = \"*\"; code = \"SMS_HELP\"; }");
	ck_assert_msg(check_file(path, NULL, &p) == 0, "%s", p.all);
	free(path);
}
END_TEST

static long
long_names(void *arg, const char *key, const char *lang, const char *var)
{
	(void)arg;
	(void)key;
	(void)lang;
	return strcmp(var, "ticket") == 0 ? 40 : 5;
}

START_TEST(a_parameter_over_the_limit_or_naming_no_variable_is_a_problem)
{
	char *path = write_map("sms/fk_ok", "zh", ",\n    { text = "
	    "\"sms/fk_ok\"; lang = \"zh\"; code = \"SMS_FK\"; params = "
	    "[ \"no=ticket\", \"who=name\" ]; }");
	struct problems p;
	char *text;
	size_t len;

	ck_assert_int_eq(check_file(path, NULL, &p), 1);
	ck_assert_msg(strstr(p.all, "parameter who names {name}, which the "
	    "text does not have") != NULL, "%s", p.all);
	/* param_max 0 is no limit; 35 (Aliyun's) is one. */
	text = tu_read_file(path, &len);
	ck_assert_ptr_nonnull(strstr(text, "param_max = 0;"));
	memcpy(strstr(text, "param_max = 0;"), "              ", 14);
	free(path);
	path = tu_write_file(dir, TPLMAP_FILE, text, len);
	free(text);
	/* {ticket} of fk_ok in each of its languages, and {name}. */
	ck_assert_int_ge(check_file(path, long_names, &p), 2);
	ck_assert_msg(strstr(p.all, "sms/fk_ok (zh): parameter no ({ticket}) "
	    "may be 40 characters, over the provider's 35 (param_max)") !=
	    NULL, "%s", p.all);
	ck_assert_ptr_nonnull(strstr(p.all, "parameter who names {name}"));
	free(path);
}
END_TEST

START_TEST(the_file_is_read_strictly_every_problem_with_its_line)
{
	static const char bad[] =
	    "providers = ( {\n"				/* 1 */
	    "  provider = \"ali\";\n"			/* 2 */
	    "  colour = \"red\";\n"			/* 3 */
	    "  texts = (\n"				/* 4 */
	    "    { text = \"sms/x y\"; code = \"A\"; },\n"	/* 5 */
	    "    { text = \"sms/help\"; lang = \"fr\"; code = \"A\"; },\n"
	    "    { text = \"sms/help\"; code = \"A B\"; },\n"	/* 7 */
	    "    { text = \"sms/help\"; code = \"A\"; params = [ \"a=\" ]; },\n"
	    "    { text = \"sms/help\"; code = \"A\"; },\n"	/* 9 */
	    "    { text = \"sms/help\"; code = \"B\"; }\n"	/* 10 */
	    "  ); } );\n";
	struct tplmap *m = NULL;
	char *path = tu_write_file(dir, "bad.conf", bad, sizeof(bad) - 1);
	char *errors = NULL, want[600];
	static const char *const lines[] = {
	    ":3: unknown key 'colour' in a provider",
	    ":5: text 'sms/x y' must be sms/<name>, notices/<name> or "
	    "menu/<screen>",
	    ":6: lang 'fr' must be zh, ii, bo, en or \"*\"",
	    ":7: code must be 1 to 64 printable characters",
	    ":8: params[0] must be \"var\" or \"their_name=var\"",
	    ":10: sms/help (*) is mapped twice for provider 'ali' (first at "
	    "line 8)",
	};
	size_t i;

	ck_assert_int_eq(tplmap_load(path, &m, &errors), FP_ECONFIG);
	ck_assert_ptr_null(m);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(want, sizeof(want), "%s%s", path, lines[i]);
		ck_assert_msg(strstr(errors, want) != NULL, "%s\nnot in\n%s",
		    want, errors);
	}
	free(errors);
	free(path);
	/* A syntax error: libconfig's, with its line. */
	path = tu_write_file(dir, "syntax.conf", "providers = ( {\n provider "
	    "= \"ali\"\n texts = ( ); } );\n", 49);
	ck_assert_int_eq(tplmap_load(path, &m, &errors), FP_ECONFIG);
	snprintf(want, sizeof(want), "%s:3: ", path);
	ck_assert_msg(strncmp(errors, want, strlen(want)) == 0, "%s", errors);
	free(errors);
	free(path);
	snprintf(want, sizeof(want), "%s/none.conf", dir);
	ck_assert_int_eq(tplmap_load(want, &m, &errors), FP_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(errors, "cannot open"));
	free(errors);
}
END_TEST

START_TEST(a_language_of_its_own_wins_over_the_star)
{
	static const char text[] =
	    "providers = ( { provider = \"ali\"; texts = (\n"
	    "  { text = \"sms/help\"; lang = \"*\"; code = \"SMS_ANY\"; },\n"
	    "  { text = \"sms/help\"; lang = \"bo\"; code = \"SMS_BO\"; "
	    "params = [ \"x=ticket\" ]; } ); },\n"
	    "  { provider = \"tx\"; param_max = 20; } );\n";
	struct tplmap *m = NULL;
	char *path = tu_write_file(dir, "ok.conf", text, sizeof(text) - 1);
	char *errors = NULL;
	const struct tplmap_entry *e;
	struct cfg_provider ali = { .name = "ali", .type = CFG_PROVIDER_ALIYUN };
	struct cfg_provider tx = { .name = "tx", .type = CFG_PROVIDER_TENCENT };
	struct cfg_provider tx2 = { .name = "tx2",
	    .type = CFG_PROVIDER_TENCENT };

	ck_assert_msg(tplmap_load(path, &m, &errors) == FP_OK, "%s", errors);
	e = tplmap_find(m, "ali", "sms/help", "bo");
	ck_assert_str_eq(e->code, "SMS_BO");
	ck_assert_uint_eq(e->n_params, 1);
	ck_assert_str_eq(e->params[0].name, "x");
	ck_assert_str_eq(e->params[0].var, "ticket");
	ck_assert_str_eq(tplmap_find(m, "ali", "sms/help", "zh")->code,
	    "SMS_ANY");
	ck_assert_ptr_null(tplmap_find(m, "ali", "sms/fk_ok", "zh"));
	ck_assert_ptr_null(tplmap_find(m, "tx", "sms/help", "zh"));
	ck_assert_int_eq(tplmap_param_max(m, &ali), 35);
	ck_assert_int_eq(tplmap_param_max(m, &tx), 20);
	ck_assert_int_eq(tplmap_param_max(m, &tx2), 12);
	ck_assert_uint_eq(tplmap_chars("阿苏拉则ab"), 6);
	tplmap_free(m);
	free(path);
}
END_TEST

Suite *
tplmap_suite(void)
{
	Suite *s = suite_create("tplmap");
	TCase *tc;

	tc = tcase_create("outbox");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    a_reply_carries_its_template_and_variables_to_the_provider);
	tcase_add_test(tc,
	    the_household_status_goes_out_as_cx_status_with_its_words);
	tcase_add_test(tc,
	    a_menu_page_sent_by_sms_is_its_screen_with_the_page_whole);
	tcase_add_test(tc, a_template_provider_refuses_free_text_in_the_outbox);
	tcase_add_test(tc, a_notice_carries_the_record_and_the_broadcast_vars);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_mapping_of_every_outgoing_text_passes_the_check);
	tcase_add_test(tc, a_text_without_a_mapping_is_named);
	tcase_add_test(tc, every_language_with_its_own_text_needs_one_or_a_star);
	tcase_add_test(tc,
	    a_parameter_over_the_limit_or_naming_no_variable_is_a_problem);
	tcase_add_test(tc, the_file_is_read_strictly_every_problem_with_its_line);
	tcase_add_test(tc, a_language_of_its_own_wins_over_the_star);
	suite_add_tcase(s, tc);
	return s;
}
