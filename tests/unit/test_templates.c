/*
 * test_templates.c: the template set (templates.c) and the texts that
 * ship in templates/ (SPEC §3.2, §3.5).  The shipped texts are checked
 * for what the C code relies on: every SMS reply and notice exists in
 * zh, ii, bo and en with exactly the documented variables, notices to
 * villagers carry the TD opt-out hint and task alerts do not, and
 * replies fit one SMS.  The loader is checked on small trees built in a
 * temporary directory: fallback, escapes, and the files it refuses.
 * Runs from the repository root (the Makefile's check target does).
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "charset.h"
#include "templates.h"
#include "testutil.h"

/* Found by check_main.c through the generated suites.h. */
Suite *
templates_suite(void);

#define REAL_DIR	"templates"
#define SMS_UNITS_1	70	/* UCS-2, one segment */
#define SMS_UNITS_2	134	/* UCS-2, two segments (2 x 67) */

static const char *const langs[] = { "zh", "ii", "bo", "en" };
#define N_LANGS		(sizeof(langs) / sizeof(langs[0]))

/* Every name the C code renders, with its variables (space separated). */
static const struct want {
	const char	*group;
	const char	*name;
	const char	*vars;
} wants[] = {
	{ "sms", "cx_status", "name status_text cadre_name cadre_phone "
	    "programs payment training" },
	{ "sms", "status_poor", "" },
	{ "sms", "status_exited", "" },
	{ "sms", "status_monitored", "" },
	{ "sms", "enroll_status_enrolled", "" },
	{ "sms", "enroll_status_requested", "" },
	{ "sms", "enroll_status_completed", "" },
	{ "sms", "none", "" },
	{ "sms", "cx_refused", "" },
	{ "sms", "fk_ok", "ticket" },
	{ "sms", "fk_empty", "" },
	{ "sms", "bm_ok", "program_name code" },
	{ "sms", "bm_unknown", "codes" },
	{ "sms", "bm_empty", "codes" },
	{ "sms", "bm_not_registered", "" },
	{ "sms", "qr_ok", "task" },
	{ "sms", "qr_unknown", "task" },
	{ "sms", "qr_empty", "" },
	{ "sms", "qr_not_cadre", "" },
	{ "sms", "td_ok", "" },
	{ "sms", "dy_ok", "" },
	{ "sms", "help", "" },
	{ "notices", "general_notice", "text" },
	{ "notices", "training_notice",
	    "name training_title starts_on location" },
	{ "notices", "training_reminder",
	    "name training_title starts_on location" },
	{ "notices", "yulu_application", "name" },
	{ "notices", "return_home_support", "name" },
	{ "notices", "task_alert", "cadre_name task text due" },
};
#define N_WANTS		(sizeof(wants) / sizeof(wants[0]))

/* Representative values: what the registry and the commands fill in. */
static const struct tpl_var sample[] = {
	{ "name", "吉克阿依" },
	{ "status_text", "已脱贫" },
	{ "cadre_name", "马海军" },
	{ "cadre_phone", "13800001234" },
	{ "programs", "雨露计划:已报名" },
	{ "payment", "1500元(2026-03-01)" },
	{ "training", "彝绣技能培训 12月5日 昭觉县城" },
	{ "ticket", "F10234" },
	{ "program_name", "雨露计划" },
	{ "code", "YL" },
	{ "codes", "YL雨露计划 CY返乡创业 XD小额信贷" },
	{ "task", "1024" },
	{ "text", "请于本周内核实3户家庭收入并上报" },
	{ "due", "3月10日" },
	{ "training_title", "彝绣技能培训" },
	{ "starts_on", "12月5日9:00" },
	{ "location", "昭觉县城职校" },
};
#define N_SAMPLE	(sizeof(sample) / sizeof(sample[0]))

static struct templates *tpl;
static char *tmp_dir;

/* UTF-16 code units of a UTF-8 string: what a UCS-2 SMS is billed by. */
static size_t
utf16_units(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	for (; *p != '\0'; p++) {
		if ((*p & 0xC0) == 0x80)
			continue;		/* continuation byte */
		n += *p >= 0xF0 ? 2 : 1;	/* outside the BMP: a pair */
	}
	return n;
}

/*
 * SMS parts for s (SPEC §4), counted here rather than with gsm.c so the
 * texts are checked on their own: printable ASCII other than ` is GSM-7
 * (^{}\[~]| take 2 septets); anything else makes the message UCS-2.
 */
static size_t
sms_parts(const char *s)
{
	const unsigned char *p;
	size_t units = 0, one = 160, per = 153;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x80 || *p == '`' || (*p < 0x20 && *p != '\n')) {
			units = utf16_units(s);
			one = SMS_UNITS_1;
			per = 67;
			break;
		}
		units += strchr("^{}\\[~]|", *p) != NULL ? 2 : 1;
	}
	return units <= one ? 1 : (units + per - 1) / per;
}

static void
real_setup(void)
{
	char *bad = NULL;
	enum fp_err err;

	tpl = NULL;
	err = templates_load(REAL_DIR, "zh", &tpl, &bad);
	ck_assert_msg(err == FP_OK, "load %s: %s (%s)", REAL_DIR,
	    fp_strerror(err), bad != NULL ? bad : "-");
	free(bad);
}

static void
real_teardown(void)
{
	templates_free(tpl);
	tpl = NULL;
}

static void
null_setup(void)
{
	tpl = NULL;
}

static void
tmp_setup(void)
{
	tpl = NULL;
	tmp_dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(tmp_dir);
}

static void
tmp_teardown(void)
{
	templates_free(tpl);
	tpl = NULL;
	tu_rmtree(tmp_dir);
	free(tmp_dir);
}

/* Write tmp_dir/rel (its directories are created), `text` verbatim. */
static void
put(const char *rel, const char *text, size_t len)
{
	char path[512], *slash, *written;
	int r;

	r = snprintf(path, sizeof(path), "%s/%s", tmp_dir, rel);
	ck_assert(r > 0 && (size_t)r < sizeof(path));
	for (slash = strchr(path + strlen(tmp_dir) + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		(void)mkdir(path, 0700);
		*slash = '/';
	}
	slash = strrchr(path, '/');
	*slash = '\0';
	written = tu_write_file(path, slash + 1, text, len);
	ck_assert_ptr_nonnull(written);
	free(written);
}

#define PUT(rel, text)	put((rel), (text), strlen(text))

/* Load tmp_dir with default zh; the result lands in tpl. */
static enum fp_err
load_tmp(char **bad)
{
	return templates_load(tmp_dir, "zh", &tpl, bad);
}

/* Render with the sample values; fails the test unless FP_OK. */
static char *
render_sample(const char *lang, const char *group, const char *name)
{
	const char *missing = NULL;
	char *out = NULL;
	enum fp_err err;

	err = templates_render(tpl, lang, group, name, sample, N_SAMPLE,
	    &out, &missing);
	ck_assert_msg(err == FP_OK, "%s/%s/%s: %s (missing %s)", lang, group,
	    name, fp_strerror(err), missing != NULL ? missing : "-");
	ck_assert_ptr_nonnull(out);
	return out;
}

static char *
render_one(const char *lang, const char *name, const char *var,
    const char *value)
{
	struct tpl_var v = { var, value };
	char *out = NULL;

	ck_assert_int_eq(templates_render(tpl, lang, "sms", name, &v, 1,
	    &out, NULL), FP_OK);
	return out;
}

struct collected {
	char	names[16][40];
	size_t	n;
};

static void
collect(const char *var, size_t var_len, void *arg)
{
	struct collected *c = arg;

	ck_assert_uint_lt(c->n, 16);
	ck_assert_uint_lt(var_len, sizeof(c->names[0]));
	memcpy(c->names[c->n], var, var_len);
	c->names[c->n][var_len] = '\0';
	c->n++;
}

/* How often `name` occurs in c. */
static size_t
count_in(const struct collected *c, const char *name, size_t len)
{
	size_t i, k = 0;

	for (i = 0; i < c->n; i++)
		if (strlen(c->names[i]) == len &&
		    memcmp(c->names[i], name, len) == 0)
			k++;
	return k;
}

/* Check that c holds exactly the names of the space-separated `want`. */
static void
assert_vars(const struct collected *c, const char *want, const char *what)
{
	const char *p = want, *e;
	size_t n_want = 0;

	while (*p != '\0') {
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		ck_assert_msg(count_in(c, p, (size_t)(e - p)) == 1,
		    "%s: variable %.*s expected once", what, (int)(e - p), p);
		n_want++;
		p = *e == ' ' ? e + 1 : e;
	}
	ck_assert_msg(c->n == n_want, "%s: %zu variables, expected %zu (%s)",
	    what, c->n, n_want, want);
}

/* Shipped texts ---------------------------------------------------- */

/*
 * Each language is loaded as the default in turn, so that a missing
 * file cannot hide behind the fallback to zh.
 */
START_TEST(every_reply_and_notice_exists_in_every_language)
{
	const char *lang = langs[_i];
	struct collected c;
	char *bad = NULL, what[128];
	size_t i;
	enum fp_err err;

	err = templates_load(REAL_DIR, lang, &tpl, &bad);
	ck_assert_msg(err == FP_OK, "%s: %s", lang, bad != NULL ? bad : "-");
	free(bad);
	for (i = 0; i < N_WANTS; i++) {
		snprintf(what, sizeof(what), "%s/%s/%s", lang, wants[i].group,
		    wants[i].name);
		memset(&c, 0, sizeof(c));
		err = templates_vars(tpl, lang, wants[i].group, wants[i].name,
		    collect, &c);
		ck_assert_msg(err == FP_OK, "%s: %s", what, fp_strerror(err));
		assert_vars(&c, wants[i].vars, what);
		ck_assert(templates_exists(tpl, wants[i].group,
		    wants[i].name));
	}
}
END_TEST

START_TEST(every_text_renders_as_utf8)
{
	size_t i, l;
	char *out;

	for (l = 0; l < N_LANGS; l++) {
		for (i = 0; i < N_WANTS; i++) {
			out = render_sample(langs[l], wants[i].group,
			    wants[i].name);
			ck_assert_msg(out[0] != '\0' &&
			    charset_is_utf8(out, strlen(out)),
			    "%s/%s", langs[l], wants[i].name);
			ck_assert_msg(strchr(out, '{') == NULL &&
			    strchr(out, '}') == NULL, "%s/%s: %s", langs[l],
			    wants[i].name, out);
			free(out);
		}
	}
}
END_TEST

/* SPEC §3.5 and §4: villagers can always opt out; cadres' alerts stay. */
START_TEST(notices_carry_opt_out_hint_except_task_alert)
{
	size_t i, l;
	char *out;

	for (l = 0; l < N_LANGS; l++) {
		for (i = 0; i < N_WANTS; i++) {
			if (strcmp(wants[i].group, "notices") != 0)
				continue;
			out = render_sample(langs[l], "notices",
			    wants[i].name);
			if (strcmp(wants[i].name, "task_alert") == 0)
				ck_assert_msg(strstr(out, "TD") == NULL &&
				    strstr(out, "退订") == NULL,
				    "%s/task_alert has an opt-out hint: %s",
				    langs[l], out);
			else
				ck_assert_msg(strstr(out, "TD") != NULL,
				    "%s/%s lacks TD: %s", langs[l],
				    wants[i].name, out);
			free(out);
		}
	}
}
END_TEST

START_TEST(task_alert_asks_for_qr_with_task_number)
{
	size_t l;
	char *out;

	for (l = 0; l < N_LANGS; l++) {
		out = render_sample(langs[l], "notices", "task_alert");
		ck_assert_msg(strstr(out, "QR 1024") != NULL, "%s: %s",
		    langs[l], out);
		free(out);
	}
}
END_TEST

/* A villager's basic phone: one SMS, the status summary at most two. */
START_TEST(zh_replies_fit_one_sms)
{
	size_t i, units, limit;
	char *out;

	for (i = 0; i < N_WANTS; i++) {
		if (strcmp(wants[i].group, "sms") != 0)
			continue;
		out = render_sample("zh", "sms", wants[i].name);
		units = utf16_units(out);
		limit = strcmp(wants[i].name, "cx_status") == 0 ?
		    SMS_UNITS_2 : SMS_UNITS_1;
		ck_assert_msg(units <= limit, "zh/%s: %zu units > %zu: %s",
		    wants[i].name, units, limit, out);
		free(out);
	}
}
END_TEST

START_TEST(replies_fit_two_sms_in_every_language)
{
	size_t i, l, parts;
	char *out;

	for (l = 0; l < N_LANGS; l++) {
		for (i = 0; i < N_WANTS; i++) {
			if (strcmp(wants[i].group, "sms") != 0)
				continue;
			out = render_sample(langs[l], "sms", wants[i].name);
			parts = sms_parts(out);
			ck_assert_msg(parts <= 2, "%s/%s: %zu parts: %s",
			    langs[l], wants[i].name, parts, out);
			free(out);
		}
	}
}
END_TEST

START_TEST(zh_notices_fit_two_sms)
{
	size_t i, units;
	char *out;

	for (i = 0; i < N_WANTS; i++) {
		if (strcmp(wants[i].group, "notices") != 0)
			continue;
		out = render_sample("zh", "notices", wants[i].name);
		units = utf16_units(out);
		ck_assert_msg(units <= SMS_UNITS_2, "zh/%s: %zu units: %s",
		    wants[i].name, units, out);
		free(out);
	}
}
END_TEST

/* SPEC §3.2: the keywords stay the parsed Latin letters in any language. */
START_TEST(help_names_the_commands_in_every_language)
{
	static const char *const keys[] = { "CX", "FK", "BM", "TD", "CD" };
	size_t k, l;
	char *out;

	for (l = 0; l < N_LANGS; l++) {
		out = render_sample(langs[l], "sms", "help");
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			ck_assert_msg(strstr(out, keys[k]) != NULL,
			    "%s/help lacks %s: %s", langs[l], keys[k], out);
		free(out);
	}
}
END_TEST

START_TEST(missing_variable_is_einval_and_named)
{
	static const struct tpl_var some[] = {
		{ "name", "吉克阿依" },
		{ "status_text", "已脱贫" },
	};
	struct tpl_var nullv = { "ticket", NULL };
	const char *missing = NULL;
	char *out = NULL;

	ck_assert_int_eq(templates_render(tpl, "zh", "sms", "fk_ok", NULL, 0,
	    &out, &missing), FP_EINVAL);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(missing, "ticket");

	ck_assert_int_eq(templates_render(tpl, "zh", "sms", "cx_status", some,
	    2, &out, &missing), FP_EINVAL);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(missing);
	ck_assert_msg(strcmp(missing, "cadre_name") == 0 ||
	    strcmp(missing, "cadre_phone") == 0 ||
	    strcmp(missing, "programs") == 0 ||
	    strcmp(missing, "payment") == 0 ||
	    strcmp(missing, "training") == 0, "missing %s", missing);

	/* A NULL value is as good as absent: no hole in a sent message. */
	ck_assert_int_eq(templates_render(tpl, "en", "sms", "fk_ok", &nullv, 1,
	    &out, &missing), FP_EINVAL);
	ck_assert_str_eq(missing, "ticket");
	/* missing may be NULL. */
	ck_assert_int_eq(templates_render(tpl, "zh", "sms", "fk_ok", NULL, 0,
	    &out, NULL), FP_EINVAL);
}
END_TEST

START_TEST(unknown_template_is_enotfound)
{
	char *out = NULL;

	ck_assert_int_eq(templates_render(tpl, "zh", "sms", "no_such", NULL,
	    0, &out, NULL), FP_ENOTFOUND);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(templates_render(tpl, "zh", "nogroup", "help", NULL,
	    0, &out, NULL), FP_ENOTFOUND);
	ck_assert(!templates_exists(tpl, "sms", "no_such"));
	ck_assert(!templates_exists(tpl, "notices", "help"));
	ck_assert(templates_exists(tpl, "sms", "help"));
}
END_TEST

/* Loader on small trees ------------------------------------------- */

START_TEST(fallback_to_default_language)
{
	char *out;

	PUT("zh/sms/hello.txt", "你好{name}\n");
	PUT("en/sms/hello.txt", "Hello {name}\n");
	PUT("zh/sms/only_zh.txt", "只有中文{name}\n");
	ck_assert_int_eq(load_tmp(NULL), FP_OK);

	out = render_one("en", "hello", "name", "Ayi");
	ck_assert_str_eq(out, "Hello Ayi");
	free(out);
	out = render_one("en", "only_zh", "name", "Ayi");
	ck_assert_str_eq(out, "只有中文Ayi");
	free(out);
	out = render_one("bo", "hello", "name", "Ayi");	/* no bo/ at all */
	ck_assert_str_eq(out, "你好Ayi");
	free(out);
	out = render_one("fr", "hello", "name", "Ayi");	/* unknown language */
	ck_assert_str_eq(out, "你好Ayi");
	free(out);
	out = render_one(NULL, "hello", "name", "Ayi");
	ck_assert_str_eq(out, "你好Ayi");
	free(out);
	ck_assert(templates_exists(tpl, "sms", "only_zh"));
}
END_TEST

START_TEST(fallback_applies_to_vars_too)
{
	struct collected c;

	PUT("zh/notices/n.txt", "{a}{b}{a}");
	ck_assert_int_eq(load_tmp(NULL), FP_OK);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(templates_vars(tpl, "ii", "notices", "n", collect,
	    &c), FP_OK);
	assert_vars(&c, "a b", "n");
	ck_assert_int_eq(templates_vars(tpl, "ii", "notices", "x", collect,
	    &c), FP_ENOTFOUND);
}
END_TEST

START_TEST(double_braces_are_literal)
{
	struct collected c;
	char *out;

	PUT("zh/sms/esc.txt", "{{x}} {x} }}{{ {{{x}}}\n");
	PUT("zh/sms/json.txt", "{{\"a\":1}}");
	ck_assert_int_eq(load_tmp(NULL), FP_OK);
	out = render_one("zh", "esc", "x", "v");
	ck_assert_str_eq(out, "{x} v }{ {v}");
	free(out);
	out = render_one("zh", "json", "x", "v");
	ck_assert_str_eq(out, "{\"a\":1}");
	free(out);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(templates_vars(tpl, "zh", "sms", "esc", collect, &c),
	    FP_OK);
	assert_vars(&c, "x", "esc");
}
END_TEST

START_TEST(values_are_inserted_verbatim)
{
	char *out;

	PUT("zh/sms/v.txt", "[{x}]");
	ck_assert_int_eq(load_tmp(NULL), FP_OK);
	out = render_one("zh", "v", "x", "{y}}{{");
	ck_assert_str_eq(out, "[{y}}{{]");
	free(out);
	out = render_one("zh", "v", "x", "");
	ck_assert_str_eq(out, "[]");
	free(out);
}
END_TEST

START_TEST(one_final_newline_and_bom_are_dropped)
{
	char *out;

	PUT("zh/sms/two.txt", "a\n\n");
	PUT("zh/sms/crlf.txt", "a\r\n");
	PUT("zh/sms/bom.txt", "\xEF\xBB\xBF" "你好\n");
	PUT("zh/sms/inner.txt", "a\nb");
	PUT("zh/sms/empty.txt", "");
	ck_assert_int_eq(load_tmp(NULL), FP_OK);
	out = render_one("zh", "two", "x", "");
	ck_assert_str_eq(out, "a\n");
	free(out);
	out = render_one("zh", "crlf", "x", "");
	ck_assert_str_eq(out, "a");
	free(out);
	out = render_one("zh", "bom", "x", "");
	ck_assert_str_eq(out, "你好");
	free(out);
	out = render_one("zh", "inner", "x", "");
	ck_assert_str_eq(out, "a\nb");
	free(out);
	out = render_one("zh", "empty", "x", "");
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

START_TEST(other_files_are_ignored)
{
	PUT("zh/sms/ok.txt", "ok");
	PUT("zh/sms/README.md", "{not a template");
	PUT("zh/sms/.#ok.txt", "{editor lock");
	PUT("zh/sms/ok.txt~", "{backup");
	PUT("zh/sms/sub.txt/x.txt", "{a directory named *.txt");
	PUT("zh/other/x.txt", "{not a group");
	PUT("fr/sms/x.txt", "{not a language");
	ck_assert_int_eq(load_tmp(NULL), FP_OK);
	ck_assert(templates_exists(tpl, "sms", "ok"));
	ck_assert(!templates_exists(tpl, "sms", "sub"));
	ck_assert(!templates_exists(tpl, "other", "x"));
}
END_TEST

START_TEST(invalid_utf8_is_einval_with_path)
{
	char *bad = NULL;

	PUT("zh/sms/ok.txt", "ok");
	/* 你好 in GBK */
	put("ii/notices/gbk.txt", "\xc4\xe3\xba\xc3", 4);
	ck_assert_int_eq(load_tmp(&bad), FP_EINVAL);
	ck_assert_ptr_null(tpl);
	ck_assert_ptr_nonnull(bad);
	ck_assert_msg(strstr(bad, tmp_dir) != NULL &&
	    strstr(bad, "ii/notices/gbk.txt") != NULL, "%s", bad);
	ck_assert_msg(strstr(bad, "UTF-8") != NULL, "%s", bad);
	free(bad);
}
END_TEST

static const struct bad_text {
	const char	*text;
	long		 line;
} bad_texts[] = {
	{ "你好{name", 1 },
	{ "a\nb}\n", 2 },
	{ "{name}}", 1 },
	{ "{{name}", 1 },
	{ "{Name}", 1 },
	{ "{na-me}", 1 },
	{ "{ name }", 1 },
	{ "{}", 1 },
	{ "a\n\n{name\n}", 3 },
	{ "}", 1 },
	{ "{", 1 },
	{ "{a{b}}", 1 },
};

START_TEST(unbalanced_brace_is_einval_with_path_and_line)
{
	char *bad = NULL, line[32];

	PUT("zh/sms/ok.txt", "ok");
	PUT("en/sms/bad.txt", bad_texts[_i].text);
	ck_assert_int_eq(load_tmp(&bad), FP_EINVAL);
	ck_assert_ptr_null(tpl);
	ck_assert_ptr_nonnull(bad);
	snprintf(line, sizeof(line), "line %ld:", bad_texts[_i].line);
	ck_assert_msg(strstr(bad, "en/sms/bad.txt: ") != NULL &&
	    strstr(bad, tmp_dir) == bad && strstr(bad, line) != NULL,
	    "%s -> %s", bad_texts[_i].text, bad);
	free(bad);
}
END_TEST

START_TEST(bad_template_name_is_einval)
{
	char *bad = NULL;

	PUT("zh/sms/Bad-Name.txt", "x");
	ck_assert_int_eq(load_tmp(&bad), FP_EINVAL);
	ck_assert_ptr_nonnull(bad);
	ck_assert_msg(strstr(bad, "Bad-Name.txt") != NULL, "%s", bad);
	free(bad);
}
END_TEST

START_TEST(oversized_file_is_einval)
{
	size_t n = 64 * 1024 + 1;
	char *big, *bad = NULL;

	big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', n);
	put("zh/sms/big.txt", big, n);
	free(big);
	ck_assert_int_eq(load_tmp(&bad), FP_EINVAL);
	ck_assert_ptr_nonnull(bad);
	ck_assert_msg(strstr(bad, "big.txt") != NULL, "%s", bad);
	free(bad);
}
END_TEST

START_TEST(missing_default_language_dir_is_enotfound)
{
	char *bad = NULL;

	PUT("en/sms/help.txt", "help");
	ck_assert_int_eq(load_tmp(&bad), FP_ENOTFOUND);
	ck_assert_ptr_null(tpl);
	ck_assert_ptr_null(bad);
	/* A file where the directory should be is no better. */
	PUT("zh", "not a directory");
	ck_assert_int_eq(load_tmp(&bad), FP_ENOTFOUND);
	ck_assert_int_eq(templates_load("/nonexistent-fupin", "zh", &tpl,
	    NULL), FP_ENOTFOUND);
}
END_TEST

START_TEST(other_languages_and_groups_may_be_missing)
{
	char *out;

	PUT("zh/.keep", "");
	ck_assert_int_eq(load_tmp(NULL), FP_OK);
	ck_assert(!templates_exists(tpl, "sms", "help"));
	templates_free(tpl);
	tpl = NULL;

	PUT("en/notices/n.txt", "en only");
	ck_assert_int_eq(load_tmp(NULL), FP_OK);
	out = NULL;
	ck_assert_int_eq(templates_render(tpl, "en", "notices", "n", NULL, 0,
	    &out, NULL), FP_OK);
	ck_assert_str_eq(out, "en only");
	free(out);
	/* Not in zh, so no fallback for the other languages. */
	ck_assert_int_eq(templates_render(tpl, "ii", "notices", "n", NULL, 0,
	    &out, NULL), FP_ENOTFOUND);
	ck_assert(templates_exists(tpl, "notices", "n"));
}
END_TEST

START_TEST(default_language_must_be_a_code)
{
	char *bad = NULL;

	PUT("zh/sms/ok.txt", "ok");
	ck_assert_int_eq(templates_load(tmp_dir, "../zh", &tpl, &bad),
	    FP_EINVAL);
	ck_assert_ptr_null(tpl);
	free(bad);
	ck_assert_int_eq(templates_load(tmp_dir, "", &tpl, NULL), FP_EINVAL);
}
END_TEST

START_TEST(another_default_language_is_loaded)
{
	char *out;

	PUT("ug/sms/hi.txt", "ياخشىمۇسىز");
	PUT("zh/sms/hi.txt", "你好");
	ck_assert_int_eq(templates_load(tmp_dir, "ug", &tpl, NULL), FP_OK);
	out = render_one("en", "hi", "x", "");
	ck_assert_str_eq(out, "ياخشىمۇسىز");
	free(out);
	out = render_one("zh", "hi", "x", "");
	ck_assert_str_eq(out, "你好");
	free(out);
}
END_TEST

START_TEST(free_null_is_a_noop)
{
	templates_free(NULL);
	ck_assert(!templates_exists(NULL, "sms", "help"));
}
END_TEST

Suite *
templates_suite(void)
{
	Suite *s = suite_create("templates");
	TCase *tc;

	tc = tcase_create("shipped");
	tcase_add_checked_fixture(tc, real_setup, real_teardown);
	tcase_add_test(tc, every_text_renders_as_utf8);
	tcase_add_test(tc, notices_carry_opt_out_hint_except_task_alert);
	tcase_add_test(tc, task_alert_asks_for_qr_with_task_number);
	tcase_add_test(tc, zh_replies_fit_one_sms);
	tcase_add_test(tc, replies_fit_two_sms_in_every_language);
	tcase_add_test(tc, zh_notices_fit_two_sms);
	tcase_add_test(tc, help_names_the_commands_in_every_language);
	tcase_add_test(tc, missing_variable_is_einval_and_named);
	tcase_add_test(tc, unknown_template_is_enotfound);
	suite_add_tcase(s, tc);

	tc = tcase_create("shipped_per_language");
	tcase_add_checked_fixture(tc, null_setup, real_teardown);
	tcase_add_loop_test(tc, every_reply_and_notice_exists_in_every_language,
	    0, (int)N_LANGS);
	suite_add_tcase(s, tc);

	tc = tcase_create("loader");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, fallback_to_default_language);
	tcase_add_test(tc, fallback_applies_to_vars_too);
	tcase_add_test(tc, double_braces_are_literal);
	tcase_add_test(tc, values_are_inserted_verbatim);
	tcase_add_test(tc, one_final_newline_and_bom_are_dropped);
	tcase_add_test(tc, other_files_are_ignored);
	tcase_add_test(tc, invalid_utf8_is_einval_with_path);
	tcase_add_loop_test(tc, unbalanced_brace_is_einval_with_path_and_line,
	    0, (int)(sizeof(bad_texts) / sizeof(bad_texts[0])));
	tcase_add_test(tc, bad_template_name_is_einval);
	tcase_add_test(tc, oversized_file_is_einval);
	tcase_add_test(tc, missing_default_language_dir_is_enotfound);
	tcase_add_test(tc, other_languages_and_groups_may_be_missing);
	tcase_add_test(tc, default_language_must_be_a_code);
	tcase_add_test(tc, another_default_language_is_loaded);
	tcase_add_test(tc, free_null_is_a_noop);
	suite_add_tcase(s, tc);
	return s;
}
