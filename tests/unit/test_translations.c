/*
 * test_translations.c: issue 17, Yi and Tibetan for real.  In process:
 * what a text counts as (missing when empty or still the Chinese, fixed
 * texts never missing), the fallback to Chinese per text and per menu
 * screen (never an empty or half-translated screen), templates/<lang>/
 * STATUS, and the language menu hiding an incomplete language and
 * showing it once complete.  Against bin/fupinctl on a copy of
 * templates/: export, edit, import round trips in Yi and Tibetan; an
 * import that breaks a variable, a keyword or a page changes nothing
 * and names each problem; coverage counts; fuzzy entries; drafts marked
 * reviewed; every menu text filled with real Yi and Tibetan letters to
 * exactly the limit its export states (accepted) and one more (refused);
 * templates/po/ii.pot up to date.
 * Runs from the repository root.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "gwtest.h"
#include "gsm.h"
#include "migrate.h"
#include "msisdn.h"
#include "po.h"
#include "store.h"
#include "strbuf.h"
#include "svc.h"
#include "templates.h"
#include "templates_status.h"
#include "testutil.h"
#include "ussd_engine.h"
#include "ussd_menu.h"
#include "ussd_texts.h"

/* Found by check_main.c through the generated suites.h. */
Suite *translations_suite(void);

#define NOW	((int64_t)TU_T0)

/* Real Nuosu Yi syllables (U+A000-A48C) and Tibetan words. */
static const char yi_text[] = "ꆈꌠꉙꀋꅉꂷꄉꐚꌋꆀꑌꃅꆏꈀꎭꎭꊿꂿꉬꃀꄮꇁꋍꑍ";
static const char *const bo_words[] = { "བཀྲ་", "ཤིས་", "བདེ་", "ལེགས།",
    "ཁྱིམ་", "ཚང་", "ཐུགས་", "རྗེ་", "ཆེ།", "སྐད་", "ཡིག" };

static char *tmp_dir;

/* ---- small helpers ----------------------------------------------------- */

/* n UTF-16 units of real Yi: each syllable is one. */
static void
add_yi(struct strbuf *b, size_t n)
{
	size_t i, pos = 0;

	for (i = 0; i < n; i++) {
		strbuf_add(b, yi_text + pos, 3);	/* one syllable, 3 bytes */
		pos = (pos + 3) % (sizeof(yi_text) - 1);
	}
}

/* n UTF-16 units of real Tibetan words: each letter, stacked or not. */
static void
add_bo(struct strbuf *b, size_t n)
{
	size_t used = 0, w = 0;
	struct gsm_count gc;

	for (;;) {
		const char *word = bo_words[w++ % (sizeof(bo_words) /
		    sizeof(bo_words[0]))];

		ck_assert_int_eq(gsm_count(word, strlen(word), &gc), FP_OK);
		if (used + gc.units > n)
			break;
		strbuf_adds(b, word);
		used += gc.units;
	}
	for (; used < n; used++)
		strbuf_adds(b, "ཀ");	/* KA, one letter */
}

static size_t
units(const char *s)
{
	struct gsm_count gc;

	ck_assert_int_eq(gsm_count(s, strlen(s), &gc), FP_OK);
	return gc.units;
}

/* ---- what a text counts as; fallback ------------------------------------ */

static struct templates *tpl;

static void
tmp_setup(void)
{
	tmp_dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(tmp_dir);
	tpl = NULL;
}

static void
tmp_teardown(void)
{
	templates_free(tpl);
	tu_rmtree(tmp_dir);
	free(tmp_dir);
}

static struct templates *
load(const char *default_lang)
{
	struct templates *t = NULL;
	char *bad = NULL;

	ck_assert_msg(templates_load(tmp_dir, default_lang, &t, &bad) ==
	    FP_OK, "%s", bad != NULL ? bad : "-");
	return t;
}

static char *
render(const char *lang, const char *group, const char *name)
{
	char *out = NULL;

	ck_assert_int_eq(templates_render(tpl, lang, group, name, NULL, 0,
	    &out, NULL), FP_OK);
	return out;
}

START_TEST(empty_or_chinese_copy_counts_missing)
{
	char *s;

	tu_put_file(tmp_dir, "zh/sms/a.txt", "已收到。\n");
	tu_put_file(tmp_dir, "zh/sms/b.txt", "谢谢。\n");
	tu_put_file(tmp_dir, "zh/sms/c.txt", "好。\n");
	tu_put_file(tmp_dir, "ii/sms/a.txt", "\n");		/* empty */
	tu_put_file(tmp_dir, "ii/sms/b.txt", "谢谢。\n");	/* a copy */
	tu_put_file(tmp_dir, "ii/sms/c.txt", "ꈀꎭꎭ\n");
	tpl = load("zh");
	ck_assert(!templates_translated(tpl, "ii", "sms", "a"));
	ck_assert(!templates_translated(tpl, "ii", "sms", "b"));
	ck_assert(templates_translated(tpl, "ii", "sms", "c"));
	ck_assert(!templates_translated(tpl, "bo", "sms", "c"));
	ck_assert(templates_translated(tpl, "zh", "sms", "a"));
	/* Never an empty message: the Chinese instead. */
	s = render("ii", "sms", "a");
	ck_assert_str_eq(s, "已收到。");
	free(s);
	s = render("ii", "sms", "c");
	ck_assert_str_eq(s, "ꈀꎭꎭ");
	free(s);
}
END_TEST

START_TEST(fixed_texts_are_never_missing)
{
	tu_put_file(tmp_dir, "zh/ussd/lang_ii.txt", "ꆈꌠꉙ\n");
	tu_put_file(tmp_dir, "zh/ussd/task_item.txt", "{task} {task_text}\n");
	tu_put_file(tmp_dir, "zh/ussd/nav_back.txt", "0 返回\n");
	tu_put_file(tmp_dir, "bo/ussd/task_item.txt", "{task} {task_text}\n");
	tpl = load("zh");
	ck_assert(templates_is_fixed(tpl, "ussd", "lang_ii"));
	ck_assert(templates_is_fixed(tpl, "ussd", "task_item"));
	ck_assert(!templates_is_fixed(tpl, "ussd", "nav_back"));
	ck_assert(!templates_is_fixed(tpl, "ussd", "lang_xx"));
	ck_assert(templates_translated(tpl, "bo", "ussd", "task_item"));
	ck_assert(templates_translated(tpl, "ii", "ussd", "task_item"));
	ck_assert(templates_translated(tpl, "ii", "ussd", "lang_ii"));
	ck_assert(!templates_translated(tpl, "ii", "ussd", "nav_back"));
}
END_TEST

/* Another default language that lacks a text: the Chinese, not a hole. */
START_TEST(fallback_ends_at_the_chinese)
{
	char *s;

	tu_put_file(tmp_dir, "zh/sms/a.txt", "中文\n");
	tu_put_file(tmp_dir, "bo/sms/b.txt", "བོད\n");
	tu_put_file(tmp_dir, "zh/sms/b.txt", "藏\n");
	tpl = load("bo");
	s = render("ii", "sms", "a");
	ck_assert_str_eq(s, "中文");
	free(s);
	s = render("ii", "sms", "b");
	ck_assert_str_eq(s, "བོད");
	free(s);
}
END_TEST

START_TEST(set_replaces_and_checks_a_text)
{
	const char *why = NULL;
	size_t len = 0;

	tu_put_file(tmp_dir, "zh/sms/a.txt", "编号{ticket}\n");
	tpl = load("zh");
	ck_assert_int_eq(templates_set(tpl, "ii", "sms", "a", "ꀋ{ticket}",
	    strlen("ꀋ{ticket}"), &why), FP_OK);
	ck_assert_str_eq(templates_text(tpl, "ii", "sms", "a", &len),
	    "ꀋ{ticket}");
	ck_assert_uint_eq(len, strlen("ꀋ{ticket}"));
	ck_assert_int_eq(templates_set(tpl, "ii", "sms", "a", "ꀋ{ti ket}",
	    strlen("ꀋ{ti ket}"), &why), FP_EINVAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(templates_text(tpl, "ii", "sms", "a", NULL),
	    "ꀋ{ticket}");
	ck_assert_int_eq(templates_set(tpl, "ii", "web", "a", "x", 1, &why),
	    FP_EINVAL);
	ck_assert_int_eq(templates_set(tpl, "ii", "sms", "a", "\xff", 1,
	    &why), FP_EINVAL);
	ck_assert_int_eq(templates_set(tpl, "ii", "sms", "new", "ꀋ", 3,
	    &why), FP_OK);
	ck_assert(templates_translated(tpl, "ii", "sms", "new"));
}
END_TEST

/* ---- STATUS ------------------------------------------------------------ */

static const char status_file[] =
    "# Tibetan drafts\r\n"
    "ussd/main drafted\r\n"
    "\r\n"
    "# replies\r\n"
    "sms/fk_ok   drafted  # heading only\r\n";

START_TEST(status_lists_drafts_and_keeps_comments_when_written)
{
	struct templates_status *st = NULL;
	const char *why = NULL;
	long line = 0;
	char *out = NULL;
	size_t len = 0;

	ck_assert_int_eq(templates_status_parse(status_file,
	    strlen(status_file), &st, &line, &why), FP_OK);
	ck_assert(templates_status_is_drafted(st, "ussd/main"));
	ck_assert(templates_status_is_drafted(st, "sms/fk_ok"));
	ck_assert(!templates_status_is_drafted(st, "sms/help"));
	ck_assert(templates_status_set_reviewed(st, "ussd/main"));
	ck_assert(!templates_status_set_reviewed(st, "ussd/main"));
	ck_assert(!templates_status_is_drafted(st, "ussd/main"));
	ck_assert_int_eq(templates_status_format(st, &out, &len), FP_OK);
	ck_assert_str_eq(out, "# Tibetan drafts\r\n\r\n# replies\r\n"
	    "sms/fk_ok   drafted  # heading only\r\n");
	free(out);
	templates_status_free(st);
}
END_TEST

START_TEST(status_bad_line_is_named)
{
	static const char *const bad[] = { "ussd/main reviewed\n",
	    "# ok\nmain drafted\n", "ussd/main drafted extra\n",
	    "ussd/Main drafted\n", "ussd/main\n" };
	struct templates_status *st = NULL;
	const char *why = NULL;
	long line = 0;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		line = 0;
		ck_assert_int_eq(templates_status_parse(bad[i], strlen(bad[i]),
		    &st, &line, &why), FP_EINVAL);
		ck_assert_ptr_null(st);
		ck_assert_int_eq(line, strchr(bad[i], '#') == bad[i] ? 2 : 1);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(shipped_status_files_read)
{
	static const char *const langs[] = { "ii", "bo", "en" };
	struct templates_status *st = NULL;
	char *why = NULL;
	size_t i;

	for (i = 0; i < 3; i++) {
		ck_assert_msg(templates_status_load("templates", langs[i], &st,
		    &why) == FP_OK, "%s", why != NULL ? why : langs[i]);
		templates_status_free(st);
	}
	ck_assert_int_eq(templates_status_load("templates", "bo", &st, &why),
	    FP_OK);
	ck_assert(templates_status_is_drafted(st, "ussd/main"));
	templates_status_free(st);
}
END_TEST

/* ---- the menu: language menu and screens in one language --------------- */

static struct cfg *cfg;
static struct ussd_menu *menu;
static struct store *st;
static struct svc_ctx ctx;

static void
menu_setup(void)
{
	char *errors = NULL, *bad = NULL;

	ck_assert_int_eq(cfg_load(NULL, &cfg, &errors), FP_OK);
	ck_assert_int_eq(templates_load("templates", "zh", &tpl, &bad), FP_OK);
	ck_assert_int_eq(ussd_menu_load("templates/menu.conf", &menu, &bad),
	    FP_OK);
	ck_assert_int_eq(store_open(":memory:", STORE_DURABILITY_NORMAL, &st),
	    FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL), FP_OK);
	ctx = (struct svc_ctx){ cfg, tpl, menu, tu_id_key() };
}

static void
menu_teardown(void)
{
	store_close(st);
	ussd_menu_free(menu);
	templates_free(tpl);
	tpl = NULL;
	cfg_free(cfg);
}

static const char *
dial(const char *sid, const char *text)
{
	static char screen[4096];
	struct ussd_request rq = { "ussd", sid, "+8613800000009", text,
	    false, false, NULL };
	struct ussd_reply r;

	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(ussd_handle(st, &ctx, &rq, NOW, &r), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_ptr_nonnull(r.screen);
	snprintf(screen, sizeof(screen), "%s", r.screen);
	free(r.screen);
	return screen;
}

#define HAS(s, needle) ck_assert_msg(strstr((s), (needle)) != NULL, \
    "no '%s' in: %s", (needle), (s))
#define HASNT(s, needle) ck_assert_msg(strstr((s), (needle)) == NULL, \
    "'%s' in: %s", (needle), (s))

struct hidden {
	char	 langs[64];
};

static void
on_hidden(const char *lang, void *arg)
{
	struct hidden *h = arg;

	strncat(h->langs, lang, sizeof(h->langs) - strlen(h->langs) - 2);
	strcat(h->langs, " ");
}

/* Every ussd text of the menu given a distinct Yi text in ii. */
static void
translate_menu(const char *key, void *arg)
{
	struct strbuf b = STRBUF_INIT;
	const char *src, *why = NULL;
	size_t digits;

	(void)arg;
	if (templates_is_fixed(tpl, "ussd", key))
		return;
	src = templates_text(tpl, "zh", "ussd", key, NULL);
	ck_assert_ptr_nonnull(src);
	for (digits = 0; src[digits] >= '0' && src[digits] <= '9'; digits++)
		;
	strbuf_add(&b, src, digits);		/* "98 ", "0 " stay */
	strbuf_adds(&b, "ꀋꅉꂷ");
	if (strchr(src, '{') != NULL)	/* the variables, as in the source */
		strbuf_adds(&b, strchr(src, '{'));
	ck_assert_int_eq(templates_set(tpl, "ii", "ussd", key, b.s, b.len,
	    &why), FP_OK);
	strbuf_free(&b);
}

START_TEST(language_menu_hides_incomplete_yi_and_shows_it_once_complete)
{
	struct hidden h = { "" };
	const char *s;
	char *bad = NULL;

	/* Shipped: Yi's menu is still Chinese; Tibetan drafts count. */
	ck_assert(!ussd_texts_complete(tpl, menu, "ii"));
	ck_assert(ussd_texts_complete(tpl, menu, "bo"));
	ck_assert(ussd_texts_complete(tpl, menu, "en"));
	ussd_texts_hide_languages(menu, tpl, on_hidden, &h);
	ck_assert_str_eq(h.langs, "ii ");
	s = dial("h1", "6");
	HAS(s, "1 中文\n2 བོད་ཡིག\n3 English");
	HASNT(s, "ꆈꌠꉙ");
	/* 2 is Tibetan now, not Yi. */
	s = dial("h1", "6*2");
	HAS(s, "བོད་ཡིག");
	ck_assert_str_eq(tu_query_text(store_db(st), "SELECT language FROM "
	    "msisdn_prefs", 0), "bo");

	/* Once every menu text of Yi is translated, it is offered. */
	ussd_menu_free(menu);
	ck_assert_int_eq(ussd_menu_load("templates/menu.conf", &menu, &bad),
	    FP_OK);
	ctx.menu = menu;
	ussd_texts_each(menu, translate_menu, NULL);
	ck_assert(ussd_texts_complete(tpl, menu, "ii"));
	h.langs[0] = '\0';
	ussd_texts_hide_languages(menu, tpl, on_hidden, &h);
	ck_assert_str_eq(h.langs, "");
	s = dial("h2", "6");
	HAS(s, "2 ꆈꌠꉙ\n3 བོད་ཡིག\n4 English");
}
END_TEST

START_TEST(the_default_language_is_never_hidden)
{
	struct hidden h = { "" };

	templates_free(tpl);
	tpl = NULL;
	{
		char *bad = NULL;

		ck_assert_int_eq(templates_load("templates", "ii", &tpl, &bad),
		    FP_OK);
	}
	ussd_texts_hide_languages(menu, tpl, on_hidden, &h);
	ck_assert_str_eq(h.langs, "");
}
END_TEST

/* A screen is all in the caller's language or all in Chinese. */
START_TEST(a_screen_with_a_missing_text_is_all_chinese)
{
	const char *why = NULL, *s;
	const struct ussd_screen *main_sc = ussd_menu_screen(menu, "main");

	ck_assert_ptr_nonnull(main_sc);
	ck_assert_str_eq(ussd_texts_screen_lang(tpl, "bo", main_sc, NULL),
	    "bo");
	ck_assert_str_eq(ussd_texts_screen_lang(tpl, "ii", main_sc, NULL),
	    "zh");
	ck_assert_str_eq(ussd_texts_screen_lang(tpl, NULL, main_sc, NULL),
	    "zh");
	/* A Tibetan caller (chooses 6*3 with Yi offered as shipped). */
	s = dial("m1", "6*3");
	HAS(s, "བོད་ཡིག");
	s = dial("m2", "");
	HAS(s, "1 ངའི་ཁྱིམ་ཚང");
	/* One option of the main screen missing in Tibetan: all Chinese. */
	ck_assert_int_eq(templates_set(tpl, "bo", "ussd", "opt_feedback",
	    "", 0, &why), FP_OK);
	ck_assert_str_eq(ussd_texts_screen_lang(tpl, "bo", main_sc, NULL),
	    "zh");
	s = dial("m3", "");
	HAS(s, "精准扶贫服务\n1 我家情况");
	HAS(s, "4 意见反馈");
	HASNT(s, "ཁྱིམ");
	/* Other screens stay Tibetan. */
	s = dial("m3", "2");
	HASNT(s, "培训");
	/* Error lines count: "invalid" missing makes that screen Chinese. */
	s = templates_text(tpl, "zh", "ussd", "invalid", NULL);
	ck_assert_int_eq(templates_set(tpl, "bo", "ussd", "invalid", s,
	    strlen(s), &why), FP_OK);
	ck_assert_str_eq(ussd_texts_screen_lang(tpl, "bo",
	    ussd_menu_screen(menu, "yl"), "invalid"), "zh");
	ck_assert_str_eq(ussd_texts_screen_lang(tpl, "bo",
	    ussd_menu_screen(menu, "yl"), NULL), "bo");
}
END_TEST

/* Every menu line starts with its number, readable without a Yi font. */
START_TEST(every_menu_line_starts_with_its_number)
{
	static const char *const paths[] = { "", "2", "3", "4", "6" };
	const char *s, *line;
	size_t i, n;
	char *bad = NULL;

	ussd_texts_each(menu, translate_menu, NULL);
	ussd_menu_free(menu);
	ck_assert_int_eq(ussd_menu_load("templates/menu.conf", &menu, &bad),
	    FP_OK);
	ctx.menu = menu;
	s = dial("n0", "6*2");		/* Yi */
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char sid[16];

		snprintf(sid, sizeof(sid), "n%zu", i + 1);
		s = dial(sid, paths[i]);
		HAS(s, "ꀋ");			/* Yi, not the Chinese */
		n = 0;
		for (line = strchr(s, '\n'); line != NULL;
		    line = strchr(line + 1, '\n')) {
			ck_assert_msg(line[1] >= '0' && line[1] <= '9',
			    "a line without its number: %s", s);
			n++;
		}
		ck_assert_uint_ge(n, 1);
	}
}
END_TEST

/* ---- fupinctl: export, edit, import -------------------------------------- */

static char conf[4096];
static char tdir[4096];

static void
ctl_setup(void)
{
	char *argv[] = { "/bin/cp", "-R", "templates", NULL, NULL };
	FILE *fp;

	tmp_setup();
	snprintf(tdir, sizeof(tdir), "%s/templates", tmp_dir);
	argv[3] = tdir;
	ck_assert_int_eq(tu_run(argv, NULL), 0);
	snprintf(conf, sizeof(conf), "%s/t.conf", tmp_dir);
	fp = fopen(conf, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "templates = { dir = \"%s\"; };\n"
	    "database = { path = \"%s/x.db\"; id_key_file = \"%s/id.key\"; };\n",
	    tdir, tmp_dir, tmp_dir);
	fclose(fp);
}

/* fupinctl -c conf templates a b c; output (stdout and stderr) in *out. */
static int
ctl(char **out, const char *a, const char *b, const char *c)
{
	char bin[4096], sa[4096], sb[4096], sc[4096];
	char *argv[] = { bin, "-c", conf, "templates", sa, sb, sc, NULL };

	snprintf(bin, sizeof(bin), "%s", tu_bin("fupinctl"));
	snprintf(sa, sizeof(sa), "%s", a);
	snprintf(sb, sizeof(sb), "%s", b != NULL ? b : "");
	snprintf(sc, sizeof(sc), "%s", c != NULL ? c : "");
	if (b == NULL)
		argv[5] = NULL;
	else if (c == NULL)
		argv[6] = NULL;
	return tu_run(argv, out);
}

/* Export lang (and format) into tmp_dir/<name>; returns the path. */
static char *
export_to(const char *lang, const char *name)
{
	char *out = NULL, *path;

	ck_assert_int_eq(ctl(&out, "export", "--lang", lang), 0);
	path = tu_write_file(tmp_dir, name, out, strlen(out));
	free(out);
	return path;
}

static struct po_file *
read_po(const char *path)
{
	struct po_file *f = NULL;
	size_t len = 0;
	char *data = tu_read_file(path, &len);

	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(po_parse(data, len, &f), FP_OK);
	ck_assert_msg(f->n_problems == 0, "%s:%ld: %s", path,
	    f->n_problems > 0 ? f->problems[0].line : 0,
	    f->n_problems > 0 ? f->problems[0].msg : "");
	free(data);
	return f;
}

/* The bare text of s (variables out) in UTF-16 units. */
static size_t
bare_units(const char *s)
{
	struct strbuf b = STRBUF_INIT;
	const char *p = s, *q;
	size_t n;

	while (*p != '\0') {
		q = strchr(p, '{');
		if (q == NULL || q[1] == '{') {
			strbuf_adds(&b, p);
			break;
		}
		strbuf_add(&b, p, (size_t)(q - p));
		p = strchr(q, '}');
		ck_assert_ptr_nonnull(p);
		p++;
	}
	n = b.len > 0 ? units(b.s) : 0;
	strbuf_free(&b);
	return n;
}

/*
 * What a translator would write for msgid in lang, `n` UTF-16 units
 * long without its variables: the leading number ("98 ") if any, real
 * Yi or Tibetan letters, then each variable and each Latin keyword of
 * the Chinese, after a space.
 */
static void
fill(struct strbuf *b, const char *msgid, const char *lang, size_t n)
{
	struct strbuf tail = STRBUF_INIT;
	const char *p;
	size_t digits, i, j, extra;

	for (p = strchr(msgid, '{'); p != NULL; p = strchr(p + 1, '{')) {
		const char *e = strchr(p, '}');
		char var[64];

		ck_assert_ptr_nonnull(e);
		snprintf(var, sizeof(var), "%.*s", (int)(e - p + 1), p);
		if (tail.s == NULL || strstr(tail.s, var) == NULL) {
			strbuf_adds(&tail, " ");
			strbuf_adds(&tail, var);
		}
	}
	for (i = 0; msgid[i] != '\0'; i = j) {
		for (j = i; msgid[j] >= 'A' && msgid[j] <= 'Z'; j++)
			;
		if (j - i >= 2 && (i == 0 || !((msgid[i - 1] >= 'a' &&
		    msgid[i - 1] <= 'z') || (msgid[i - 1] >= 'A' &&
		    msgid[i - 1] <= 'Z'))) && !((msgid[j] >= 'a' &&
		    msgid[j] <= 'z'))) {
			strbuf_adds(&tail, " ");
			strbuf_add(&tail, msgid + i, j - i);
		}
		if (j == i)
			j++;
	}
	for (digits = 0; msgid[digits] >= '0' && msgid[digits] <= '9';
	    digits++)
		;
	if (digits > 0 && msgid[digits] == ' ')
		strbuf_add(b, msgid, ++digits);
	else
		digits = 0;
	extra = digits + (tail.len > 0 ? bare_units(tail.s) : 0);
	if (strcmp(lang, "ii") == 0)
		add_yi(b, n > extra ? n - extra : 1);
	else
		add_bo(b, n > extra ? n - extra : 1);
	if (tail.len > 0)
		strbuf_adds(b, tail.s);
	strbuf_free(&tail);
}

/* A PO file: the header of f, then the entries given. */
struct edit {
	const char	*ctxt;
	const char	*msgid;		/* NULL: the exported one */
	const char	*msgstr;
	bool		 is_fuzzy;
};

static void
write_header(struct strbuf *b, const struct po_file *f)
{
	strbuf_adds(b, "# edited by the test\n");
	po_write_string(b, "", "msgid", "");
	po_write_string(b, "", "msgstr", f->header);
}

static void
write_entry(struct strbuf *b, const struct edit *e)
{
	strbuf_adds(b, "\n");
	if (e->is_fuzzy)
		strbuf_adds(b, "#, fuzzy\n");
	po_write_string(b, "", "msgctxt", e->ctxt);
	po_write_string(b, "", "msgid", e->msgid);
	po_write_string(b, "", "msgstr", e->msgstr);
}

/* Every entry of f translated at 1.5 times its Chinese length. */
static char *
write_filled(const struct po_file *f, const char *lang, const char *name)
{
	struct strbuf b = STRBUF_INIT, t = STRBUF_INIT;
	struct edit e;
	char *path;
	size_t i, n;

	write_header(&b, f);
	for (i = 0; i < f->n_entries; i++) {
		n = bare_units(f->entries[i].msgid);
		n = (n * 3 + 1) / 2;
		strbuf_free(&t);
		fill(&t, f->entries[i].msgid, lang, n > 0 ? n : 1);
		e = (struct edit){ f->entries[i].msgctxt, f->entries[i].msgid,
		    t.s, false };
		write_entry(&b, &e);
	}
	strbuf_free(&t);
	ck_assert(!b.failed);
	path = tu_write_file(tmp_dir, name, b.s, b.len);
	strbuf_free(&b);
	return path;
}

/* Every file of the copy with its content, to compare before/after. */
static char *
snapshot(void)
{
	char cmd[4200], *out = NULL;
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "cd '%s' && find . -type f | LC_ALL=C sort "
	    "| xargs sha256sum && ls -la */", tdir);
	ck_assert_int_eq(tu_run(argv, &out), 0);
	return out;
}

static void
assert_vars_equal(const char *a, const char *b, const char *what)
{
	const char *p;

	for (p = strchr(a, '{'); p != NULL; p = strchr(p + 1, '{')) {
		char var[64];
		const char *e = strchr(p, '}');

		snprintf(var, sizeof(var), "%.*s", (int)(e - p + 1), p);
		ck_assert_msg(strstr(b, var) != NULL, "%s: %s lost", what, var);
	}
	for (p = strchr(b, '{'); p != NULL; p = strchr(p + 1, '{')) {
		char var[64];
		const char *e = strchr(p, '}');

		snprintf(var, sizeof(var), "%.*s", (int)(e - p + 1), p);
		ck_assert_msg(strstr(a, var) != NULL, "%s: %s added", what, var);
	}
}

START_TEST(export_edit_import_round_trip_keeps_every_key_and_variable)
{
	struct po_file *f, *g;
	char *po, *filled, *out = NULL, *bad = NULL;
	size_t i, fuzzy = 0;
	struct templates *t = NULL;

	po = export_to("ii", "ii.po");
	f = read_po(po);
	ck_assert_uint_eq(f->n_entries, 95);
	{
		char *v = po_header_field(f, "Language");

		ck_assert_str_eq(v, "ii");
		free(v);
		v = po_header_field(f, "Content-Type");
		ck_assert_str_eq(v, "text/plain; charset=UTF-8");
		free(v);
		v = po_header_field(f, "Plural-Forms");
		ck_assert_str_eq(v, "nplurals=1; plural=0;");
		free(v);
	}
	for (i = 0; i < f->n_entries; i++)
		if (f->entries[i].is_fuzzy)
			fuzzy++;
	ck_assert_uint_eq(fuzzy, 95);		/* 91 missing, 4 drafts */
	filled = write_filled(f, "ii", "ii_done.po");
	ck_assert_int_eq(ctl(&out, "import", filled, NULL), 0);
	HAS(out, "95 texts written, 4 drafts marked reviewed");
	free(out);
	/* Every key now holds what was sent, with the Chinese's variables. */
	g = read_po(filled);
	ck_assert_int_eq(templates_load(tdir, "zh", &t, &bad), FP_OK);
	for (i = 0; i < g->n_entries; i++) {
		const struct po_entry *e = &g->entries[i];
		char group[16];
		const char *name = strchr(e->msgctxt, '/') + 1;
		const char *text;

		snprintf(group, sizeof(group), "%.*s",
		    (int)(name - 1 - e->msgctxt), e->msgctxt);
		text = templates_text(t, "ii", group, name, NULL);
		ck_assert_msg(text != NULL && strcmp(text, e->msgstr) == 0,
		    "%s: %s", e->msgctxt, text != NULL ? text : "(none)");
		assert_vars_equal(e->msgid, text, e->msgctxt);
		ck_assert(templates_translated(t, "ii", group, name));
	}
	templates_free(t);
	/* Exported again: nothing fuzzy, all counted translated. */
	po_file_free(f);
	po = (free(po), export_to("ii", "ii2.po"));
	f = read_po(po);
	for (i = 0; i < f->n_entries; i++)
		ck_assert_msg(!f->entries[i].is_fuzzy, "%s",
		    f->entries[i].msgctxt);
	ck_assert_int_eq(ctl(&out, "check", NULL, NULL), 0);
	HAS(out, "ii  translated 95, machine-drafted 0, missing 0 (of 95)");
	HAS(out, "language menu offers: zh ii bo en\n");
	free(out);
	/* STATUS: the drafts' lines gone, its comments kept. */
	{
		char path[4200], *s;

		snprintf(path, sizeof(path), "%s/ii/STATUS", tdir);
		s = tu_read_file(path, NULL);
		ck_assert_ptr_nonnull(s);
		HASNT(s, "drafted\n");
		HAS(s, "# templates/ii/STATUS");
		free(s);
	}
	po_file_free(f);
	po_file_free(g);
	free(po);
	free(filled);
}
END_TEST

/* The last entry whose msgctxt is ctxt, or fail. */
static const struct po_entry *
find_entry(const struct po_file *f, const char *ctxt)
{
	size_t i;

	for (i = f->n_entries; i-- > 0;)
		if (f->entries[i].msgctxt != NULL &&
		    strcmp(f->entries[i].msgctxt, ctxt) == 0)
			return &f->entries[i];
	ck_abort_msg("no entry %s", ctxt);
	return NULL;
}

START_TEST(a_bad_import_changes_nothing_and_names_each_problem)
{
	static const char *const keys[] = { "sms/fk_ok", "ussd/main",
	    "sms/help", "ussd/nav_more", "sms/nope", "ussd/fb_cat_water",
	    "sms/td_ok", "notices/training_notice", "ussd/opt_cancel" };
	struct strbuf b = STRBUF_INIT, t = STRBUF_INIT;
	struct po_file *f, *g;
	char *po, *path, *before, *after, *out = NULL, want[256];
	size_t i;

	po = export_to("ii", "ii.po");
	f = read_po(po);
	before = snapshot();
	write_header(&b, f);
	for (i = 0; i < f->n_entries; i++) {
		const struct po_entry *e = &f->entries[i];
		struct edit ed = { e->msgctxt, e->msgid, NULL, false };

		strbuf_free(&t);
		if (strcmp(e->msgctxt, "sms/fk_ok") == 0)
			strbuf_adds(&t, "ꀋꅉꂷ");		/* {ticket} lost */
		else if (strcmp(e->msgctxt, "ussd/main") == 0)
			add_yi(&t, 70);			/* the page overflows */
		else if (strcmp(e->msgctxt, "sms/help") == 0)
			strbuf_adds(&t, "ꀋ CX FK BM TD DY CD BZ");	/* no QR */
		else if (strcmp(e->msgctxt, "ussd/nav_more") == 0)
			strbuf_adds(&t, "ꀋꅉ");		/* no "98 " */
		else if (strcmp(e->msgctxt, "ussd/fb_cat_water") == 0)
			strbuf_adds(&t, "ꀋ\nꅉ");	/* two lines */
		else if (strcmp(e->msgctxt, "sms/td_ok") == 0) {
			ed.msgid = "旧的中文";		/* stale source */
			strbuf_adds(&t, "ꀋ DY");
		} else if (strcmp(e->msgctxt, "notices/training_notice") == 0)
			strbuf_adds(&t, "ꀋ {name} {training_title} {starts_on} "
			    "{location} {name2} TD");	/* one added */
		else if (strcmp(e->msgctxt, "ussd/opt_cancel") == 0)
			strbuf_adds(&t, "ꀋ {x");		/* a bad brace */
		else
			fill(&t, e->msgid, "ii", 2);
		ed.msgstr = t.s;
		write_entry(&b, &ed);
	}
	{
		struct edit ed = { "sms/nope", "不存在", "ꀋ", false };

		write_entry(&b, &ed);
	}
	strbuf_adds(&b, "\nmsgctxt \"sms/dy_ok\"\nmsgid \"x\"\nmsgstr \"\\q\"\n");
	strbuf_free(&t);
	path = tu_write_file(tmp_dir, "bad.po", b.s, b.len);
	ck_assert_int_eq(ctl(&out, "import", path, NULL), 65);
	/* Each named with its line and msgctxt. */
	g = NULL;
	{
		size_t len = 0;
		char *data = tu_read_file(path, &len);

		ck_assert_int_eq(po_parse(data, len, &g), FP_OK);
		free(data);
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct po_entry *e = find_entry(g, keys[i]);

		snprintf(want, sizeof(want), "bad.po:%ld: msgctxt \"%s\": ",
		    strcmp(keys[i], "sms/nope") == 0 ||
		    strcmp(keys[i], "sms/td_ok") == 0 ? e->line :
		    e->msgstr_line, keys[i]);
		HAS(out, want);
	}
	HAS(out, "{ticket} is lost");
	HAS(out, "{name2} is not in the Chinese");
	HAS(out, "screen 'main' needs");
	HAS(out, "keyword QR");
	HAS(out, "must start with \"98 \"");
	HAS(out, "must be one line");
	HAS(out, "has changed since this file was exported");
	HAS(out, "unknown key");
	HAS(out, "unknown escape");
	HAS(out, "nothing changed");
	free(out);
	after = snapshot();
	ck_assert_str_eq(before, after);
	/* --dry-run of a good file changes nothing either. */
	po_file_free(f);
	f = read_po(po);
	free(path);
	path = write_filled(f, "ii", "good.po");
	ck_assert_int_eq(ctl(&out, "import", path, "--dry-run"), 0);
	HAS(out, "dry run: 95 texts would be written");
	free(out);
	free(after);
	after = snapshot();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	free(path);
	free(po);
	strbuf_free(&b);
	po_file_free(f);
	po_file_free(g);
}
END_TEST

START_TEST(fuzzy_empty_and_chinese_entries_are_not_imported)
{
	struct strbuf b = STRBUF_INIT;
	struct po_file *f;
	struct edit e;
	char *po, *path, *out = NULL, file[4200], *s;
	const struct po_entry *fk, *help, *none, *qr;

	po = export_to("ii", "ii.po");
	f = read_po(po);
	fk = find_entry(f, "sms/td_ok");
	help = find_entry(f, "sms/help");
	none = find_entry(f, "sms/none");
	qr = find_entry(f, "sms/qr_empty");
	write_header(&b, f);
	e = (struct edit){ fk->msgctxt, fk->msgid, "ꀋꅉ DY", false };
	write_entry(&b, &e);
	e = (struct edit){ help->msgctxt, help->msgid, "ꀋ CX FK BM TD DY CD "
	    "BZ QR", true };
	write_entry(&b, &e);
	e = (struct edit){ none->msgctxt, none->msgid, "", false };
	write_entry(&b, &e);
	e = (struct edit){ qr->msgctxt, qr->msgid, qr->msgid, false };
	write_entry(&b, &e);
	path = tu_write_file(tmp_dir, "some.po", b.s, b.len);
	ck_assert_int_eq(ctl(&out, "import", path, NULL), 0);
	HAS(out, "1 text written");
	HAS(out, "1 fuzzy (needs work), 1 empty, 1 still Chinese");
	free(out);
	snprintf(file, sizeof(file), "%s/ii/sms/help.txt", tdir);
	s = tu_read_file(file, NULL);
	HAS(s, "回复：CX查询");
	free(s);
	snprintf(file, sizeof(file), "%s/ii/sms/td_ok.txt", tdir);
	s = tu_read_file(file, NULL);
	ck_assert_str_eq(s, "ꀋꅉ DY\n");
	free(s);
	ck_assert_int_eq(ctl(&out, "check", NULL, NULL), 0);
	HAS(out, "ii  translated 1, machine-drafted 4, missing 90 (of 95)");
	free(out);
	strbuf_free(&b);
	po_file_free(f);
	free(po);
	free(path);
}
END_TEST

START_TEST(coverage_counts_per_language)
{
	char *out = NULL;

	ck_assert_int_eq(ctl(&out, "check", NULL, NULL), 0);
	HAS(out, "ii  translated 0, machine-drafted 4, missing 91 (of 95); "
	    "menu texts incomplete\n      missing: ussd/main ");
	HAS(out, "bo  translated 0, machine-drafted 88, missing 7 (of 95)\n"
	    "      missing: sms/enroll_status_completed");
	HAS(out, "en  translated 95, machine-drafted 0, missing 0 (of 95)\n");
	HAS(out, "language menu offers: zh bo en; hides (menu texts "
	    "incomplete): ii");
	HAS(out, "templates OK");
	free(out);
}
END_TEST

/* A Tibetan draft sent back not fuzzy is reviewed; changed or not. */
START_TEST(tibetan_drafts_become_reviewed_when_a_translator_clears_fuzzy)
{
	struct strbuf b = STRBUF_INIT, t = STRBUF_INIT;
	struct po_file *f;
	struct edit e;
	const struct po_entry *m, *o;
	char *po, *path, *out = NULL, file[4200], *s;

	po = export_to("bo", "bo.po");
	f = read_po(po);
	m = find_entry(f, "ussd/main");
	o = find_entry(f, "ussd/opt_status");
	ck_assert(m->is_fuzzy && o->is_fuzzy);
	ck_assert_str_eq(m->msgstr, "དབུལ་སྐྱོར།");	/* the draft */
	write_header(&b, f);
	e = (struct edit){ m->msgctxt, m->msgid, m->msgstr, false };
	write_entry(&b, &e);
	add_bo(&t, 12);
	e = (struct edit){ o->msgctxt, o->msgid, t.s, false };
	write_entry(&b, &e);
	path = tu_write_file(tmp_dir, "bo_done.po", b.s, b.len);
	ck_assert_int_eq(ctl(&out, "import", path, NULL), 0);
	HAS(out, "1 text written, 2 drafts marked reviewed");
	free(out);
	ck_assert_int_eq(ctl(&out, "check", NULL, NULL), 0);
	HAS(out, "bo  translated 2, machine-drafted 86, missing 7");
	free(out);
	snprintf(file, sizeof(file), "%s/bo/STATUS", tdir);
	s = tu_read_file(file, NULL);
	HASNT(s, "ussd/main drafted");
	HASNT(s, "ussd/opt_status drafted");
	HAS(s, "ussd/opt_training drafted");
	HAS(s, "# templates/bo/STATUS");
	free(s);
	strbuf_free(&b);
	strbuf_free(&t);
	po_file_free(f);
	free(po);
	free(path);
}
END_TEST

/* "Page limit ...: N characters for this text now" in the notes. */
static bool
stated_limit(const char *notes_po, const char *ctxt, size_t *n)
{
	char needle[160];
	const char *p, *q;

	snprintf(needle, sizeof(needle), "msgctxt \"%s\"\n", ctxt);
	p = strstr(notes_po, needle);
	ck_assert_ptr_nonnull(p);
	/* The notes are the lines before the entry, after the blank one. */
	for (q = p; q > notes_po && !(q[-1] == '\n' && q[-2] == '\n'); q--)
		;
	q = strstr(q, "#. Page limit 长度: ");
	if (q == NULL || q > p)
		return false;
	q += strlen("#. Page limit 长度: ");
	if (strncmp(q, "about", 5) == 0)
		return false;		/* a screen without choices */
	*n = strtoul(q, NULL, 10);
	p = strstr(q, " characters for this text now");
	return p != NULL && p < strchr(q, '\n');
}

static int
import_one(const struct po_file *f, const struct po_entry *e,
    const char *lang, size_t n, char **out)
{
	struct strbuf b = STRBUF_INIT, t = STRBUF_INIT;
	struct edit ed;
	char *path;
	int rc;

	write_header(&b, f);
	fill(&t, e->msgid, lang, n);
	ed = (struct edit){ e->msgctxt, e->msgid, t.s, false };
	write_entry(&b, &ed);
	path = tu_write_file(tmp_dir, "one.po", b.s, b.len);
	rc = ctl(out, "import", path, "--dry-run");
	free(path);
	strbuf_free(&b);
	strbuf_free(&t);
	return rc;
}

/*
 * Every menu text of Yi and Tibetan, filled with real letters to
 * exactly the limit its export states: accepted; one more: refused,
 * named.  Yi syllables and Tibetan letters (stacks too) count one each.
 */
START_TEST(every_menu_text_fits_its_stated_limit_in_real_yi_and_tibetan)
{
	static const char *const langs[] = { "ii", "bo" };
	size_t l, i, n, checked = 0;

	for (l = 0; l < 2; l++) {
		char *po = export_to(langs[l], "lim.po"), *text, *out = NULL;
		struct po_file *f = read_po(po);

		text = tu_read_file(po, NULL);
		for (i = 0; i < f->n_entries; i++) {
			const struct po_entry *e = &f->entries[i];
			char want[200];

			if (strncmp(e->msgctxt, "ussd/", 5) != 0 ||
			    !stated_limit(text, e->msgctxt, &n))
				continue;
			ck_assert_msg(n > bare_units(e->msgid) / 2, "%s %s: "
			    "room %zu", langs[l], e->msgctxt, n);
			ck_assert_msg(import_one(f, e, langs[l], n, &out) == 0,
			    "%s %s at %zu: %s", langs[l], e->msgctxt, n, out);
			free(out);
			ck_assert_int_eq(import_one(f, e, langs[l], n + 1, &out),
			    65);
			snprintf(want, sizeof(want), "msgctxt \"%s\": screen '",
			    e->msgctxt);
			HAS(out, want);
			free(out);
			checked++;
		}
		po_file_free(f);
		free(text);
		free(po);
	}
	ck_assert_uint_ge(checked, 2 * 40);
}
END_TEST

/* Yi at one and a half times the Chinese fits every screen. */
START_TEST(yi_at_one_and_a_half_times_the_chinese_fits_every_screen)
{
	char *po = export_to("ii", "ii.po"), *path, *out = NULL;
	struct po_file *f = read_po(po);

	path = write_filled(f, "ii", "ii15.po");
	ck_assert_msg(ctl(&out, "import", path, "--dry-run") == 0, "%s", out);
	free(out);
	po_file_free(f);
	free(path);
	free(po);
}
END_TEST

START_TEST(the_committed_yi_template_is_up_to_date)
{
	char *argv[] = { NULL, "-c", "config/fupin.conf", "templates",
	    "export", "--lang", "ii", "--format", "pot", NULL };
	char bin[4096], *out = NULL, *pot;

	snprintf(bin, sizeof(bin), "%s", tu_bin("fupinctl"));
	argv[0] = bin;
	ck_assert_int_eq(tu_run(argv, &out), 0);
	pot = tu_read_file("templates/po/ii.pot", NULL);
	ck_assert_msg(pot != NULL && strcmp(out, pot) == 0, "templates/po/"
	    "ii.pot is not what the export writes: run fupinctl templates "
	    "export --lang ii --format pot > templates/po/ii.pot");
	HAS(out, "msgstr \"\"\n\n");
	HASNT(out, "#, fuzzy");
	free(out);
	free(pot);
}
END_TEST

START_TEST(export_and_import_refuse_what_they_cannot_do)
{
	char *out = NULL, *path;

	ck_assert_int_eq(ctl(&out, "export", "--lang", "zh"), 64);
	free(out);
	ck_assert_int_eq(ctl(&out, "export", "--lang", "fr"), 64);
	free(out);
	ck_assert_int_eq(ctl(&out, "import", "/nonexistent/x.po", NULL), 66);
	free(out);
	path = tu_write_file(tmp_dir, "nolang.po", "msgid \"\"\nmsgstr \"\"\n",
	    strlen("msgid \"\"\nmsgstr \"\"\n"));
	ck_assert_int_eq(ctl(&out, "import", path, NULL), 65);
	HAS(out, "no \"Language:\"");
	free(out);
	free(path);
	path = tu_write_file(tmp_dir, "zh.po", "msgid \"\"\nmsgstr \"Language: "
	    "zh\\n\"\n", strlen("msgid \"\"\nmsgstr \"Language: zh\\n\"\n"));
	ck_assert_int_eq(ctl(&out, "import", path, NULL), 65);
	HAS(out, "is not one the texts are translated into");
	free(out);
	free(path);
	path = tu_write_file(tmp_dir, "gbk.po", "msgid \"\"\nmsgstr \"Language: "
	    "ii_CN\\nContent-Type: text/plain; charset=GBK\\n\"\n",
	    strlen("msgid \"\"\nmsgstr \"Language: ii_CN\\nContent-Type: "
	    "text/plain; charset=GBK\\n\"\n"));
	ck_assert_int_eq(ctl(&out, "import", path, NULL), 65);
	HAS(out, "must be UTF-8");
	free(out);
	free(path);
}
END_TEST

/* A file keeps its BOM, CRLF line ends; a new text gets a final newline. */
START_TEST(an_imported_file_keeps_its_format)
{
	struct strbuf b = STRBUF_INIT;
	struct po_file *f;
	struct edit e;
	const struct po_entry *td, *dy;
	char *po, *path, *out = NULL, file[4200], *s;
	size_t len = 0;

	snprintf(file, sizeof(file), "%s/ii/sms/dy_ok.txt", tdir);
	unlink(file);
	snprintf(file, sizeof(file), "%s/ii/sms/td_ok.txt", tdir);
	s = tu_read_file(file, &len);
	free(tu_write_file(tmp_dir, "templates/ii/sms/td_ok.txt",
	    "\xEF\xBB\xBF" "x\r\n", 6));
	free(s);
	po = export_to("ii", "ii.po");
	f = read_po(po);
	td = find_entry(f, "sms/td_ok");
	dy = find_entry(f, "sms/dy_ok");
	write_header(&b, f);
	e = (struct edit){ td->msgctxt, td->msgid, "ꀋ\nꅉ DY", false };
	write_entry(&b, &e);
	e = (struct edit){ dy->msgctxt, dy->msgid, "ꀋ TD", false };
	write_entry(&b, &e);
	path = tu_write_file(tmp_dir, "fmt.po", b.s, b.len);
	ck_assert_int_eq(ctl(&out, "import", path, NULL), 0);
	free(out);
	s = tu_read_file(file, &len);
	ck_assert_str_eq(s, "\xEF\xBB\xBFꀋ\r\nꅉ DY\r\n");
	free(s);
	snprintf(file, sizeof(file), "%s/ii/sms/dy_ok.txt", tdir);
	s = tu_read_file(file, &len);
	ck_assert_str_eq(s, "ꀋ TD\n");
	free(s);
	strbuf_free(&b);
	po_file_free(f);
	free(po);
	free(path);
}
END_TEST

/* ---- the running gateway --------------------------------------------- */

/* The outbox's n-th line (1-based), waited for; "" after 10 s. */
static char *
outbox_line(const struct tg *t, int n)
{
	char path[600], *s = NULL, *p, *e;
	int i, k;

	snprintf(path, sizeof(path), "%s/outbox.jsonl", t->dir);
	for (i = 0; i < 100; i++) {
		free(s);
		s = tu_read_file(path, NULL);
		for (p = s, k = 1; p != NULL && k < n; k++) {
			p = strchr(p, '\n');
			if (p != NULL)
				p++;
		}
		if (p != NULL && *p != '\0' && (e = strchr(p, '\n')) != NULL) {
			*e = '\0';
			memmove(s, p, strlen(p) + 1);
			return s;
		}
		usleep(100 * 1000);
	}
	free(s);
	return strdup("");
}

static void
sms_in(const struct tg *t, const char *text)
{
	struct tg_reply *r = calloc(1, sizeof(*r));
	char body[128];

	ck_assert_ptr_nonnull(r);
	snprintf(body, sizeof(body), "from=13800000009&text=%s", text);
	ck_assert_int_eq(tg_request(t, "POST", "/sms/inbound",
	    "application/x-www-form-urlencoded", body, strlen(body), NULL,
	    false, r), 0);
	ck_assert_int_eq(r->status, 202);
	free(r);
}

#define ROUTES "sms = { routes = ( { path = \"/sms/inbound\"; " \
    "auth = \"loopback\"; } ); };\n"

/* The SMS menu (the same engine as USSD) on a started gateway. */
START_TEST(the_gateway_offers_only_complete_languages)
{
	struct tg t;
	char *line, *log, path[600];

	tg_init(&t, ROUTES);
	tg_start(&t);
	sms_in(&t, "CD");
	sms_in(&t, "6");
	line = outbox_line(&t, 2);
	HAS(line, "1 中文\\n2 བོད་ཡིག\\n3 English");
	HASNT(line, "ꆈꌠꉙ");
	free(line);
	ck_assert_int_eq(tg_stop(&t, SIGTERM), 0);
	snprintf(path, sizeof(path), "%s/gateway.log", t.dir);
	log = tu_read_file(path, NULL);
	HAS(log, "templates.language_hidden lang=ii");
	free(log);
	/* templates.show_incomplete = true: every language. */
	tg_reconfigure(&t, ROUTES "templates = { show_incomplete = true; };\n");
	tg_start(&t);
	sms_in(&t, "CD");
	sms_in(&t, "6");
	line = outbox_line(&t, 4);
	HAS(line, "1 中文\\n2 ꆈꌠꉙ\\n3 བོད་ཡིག\\n4 English");
	free(line);
	tg_cleanup(&t);
}
END_TEST

Suite *
translations_suite(void)
{
	Suite *s = suite_create("translations");
	TCase *tc = tcase_create("texts");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, empty_or_chinese_copy_counts_missing);
	tcase_add_test(tc, fixed_texts_are_never_missing);
	tcase_add_test(tc, fallback_ends_at_the_chinese);
	tcase_add_test(tc, set_replaces_and_checks_a_text);
	tcase_add_test(tc, status_lists_drafts_and_keeps_comments_when_written);
	tcase_add_test(tc, status_bad_line_is_named);
	tcase_add_test(tc, shipped_status_files_read);
	suite_add_tcase(s, tc);
	tc = tcase_create("menu");
	tcase_add_checked_fixture(tc, menu_setup, menu_teardown);
	tcase_add_test(tc,
	    language_menu_hides_incomplete_yi_and_shows_it_once_complete);
	tcase_add_test(tc, the_default_language_is_never_hidden);
	tcase_add_test(tc, a_screen_with_a_missing_text_is_all_chinese);
	tcase_add_test(tc, every_menu_line_starts_with_its_number);
	suite_add_tcase(s, tc);
	tc = tcase_create("fupinctl");
	tcase_add_checked_fixture(tc, ctl_setup, tmp_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc,
	    export_edit_import_round_trip_keeps_every_key_and_variable);
	tcase_add_test(tc, a_bad_import_changes_nothing_and_names_each_problem);
	tcase_add_test(tc, fuzzy_empty_and_chinese_entries_are_not_imported);
	tcase_add_test(tc, coverage_counts_per_language);
	tcase_add_test(tc,
	    tibetan_drafts_become_reviewed_when_a_translator_clears_fuzzy);
	tcase_add_test(tc,
	    every_menu_text_fits_its_stated_limit_in_real_yi_and_tibetan);
	tcase_add_test(tc,
	    yi_at_one_and_a_half_times_the_chinese_fits_every_screen);
	tcase_add_test(tc, the_committed_yi_template_is_up_to_date);
	tcase_add_test(tc, export_and_import_refuse_what_they_cannot_do);
	tcase_add_test(tc, an_imported_file_keeps_its_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("gateway");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_gateway_offers_only_complete_languages);
	suite_add_tcase(s, tc);
	return s;
}
