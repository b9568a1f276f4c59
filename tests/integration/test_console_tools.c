/*
 * test_console_tools.c: what the console's "Menus and texts" and "New
 * broadcast" pages read and do besides the read routes (SPEC 10, issue
 * 15 and 17), against the real gateway on loopback with the demo
 * registry and users made with the real fupinctl:
 *   - GET /api/v1/templates carries the menu tree (screens, options,
 *     texts, languages the language menu hides) and per language the
 *     coverage, the same counts as `fupinctl templates check`.
 */
#include <check.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gwtest.h"
#include "sha256.h"
#include "testutil.h"

Suite *console_tools_suite(void);

#define ADMIN	"admin-secret-token"
#define OFFICE	"office-secret-token"	/* 5134 */
#define VIEWER	"viewer-secret-token"	/* 5134 */
#define PW_ADMIN	"admin-password-0"
#define PW_OFFICE	"office-password-1"
#define PW_VIEWER	"viewer-password-2"
#define AGG_TOKEN	"aggregator-bearer-secret-1"

/* Tokens (hashes filled in), quiet hours, a program of our own, the
 * console's phone at 8 steps a minute, and `more`. */
#define CONF \
	"api = { tokens = (" \
	" { name = \"ops\"; role = \"admin\"; token_sha256 = \"%s\"; }," \
	" { name = \"ls\"; role = \"office\"; area = \"5134\"; " \
	"token_sha256 = \"%s\"; }," \
	" { name = \"view\"; role = \"viewer\"; area = \"5134\"; " \
	"token_sha256 = \"%s\"; } ); };\n" \
	"schedule = { quiet_hours = \"22:30-07:15\"; timezone = " \
	"\"Asia/Shanghai\"; };\n" \
	"sms = { max_segments = 6; %s };\n" \
	"programs = ( { code = \"JY\"; name = \"就业帮扶\"; } );\n" \
	"console = { phone_per_minute = 8; %s };\n%s"

static struct tg T;
static struct tg_reply R;

static void
hex_sha256(const char *s, char out[65])
{
	uint8_t h[SHA256_LEN];
	int i;

	sha256(s, strlen(s), h);
	for (i = 0; i < SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void
configure3(const char *console_extra, const char *sms_extra, const char *more)
{
	char conf[4096], a[65], o[65], v[65];

	hex_sha256(ADMIN, a);
	hex_sha256(OFFICE, o);
	hex_sha256(VIEWER, v);
	snprintf(conf, sizeof(conf), CONF, a, o, v,
	    sms_extra != NULL ? sms_extra : "",
	    console_extra != NULL ? console_extra : "",
	    more != NULL ? more : "");
	tg_reconfigure(&T, conf);
}

static void
configure(const char *console_extra, const char *more)
{
	configure3(console_extra, NULL, more);
}

/* fupinctl -c conf ARGS with `input` on standard input; its exit code,
 * its output into *out (may be NULL). */
static int
ctl(const char *input, const char *args, char **out)
{
	char cmd[2048];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "printf '%%s\\n' '%s' | %s -c %s %s",
	    input, tu_bin("fupinctl"), T.conf, args);
	return tu_run(argv, out);
}

static void
setup(void)
{
	static const char *const kinds[] = { "cadres", "households",
	    "members", "enrollments", "trainings" };
	char args[256], *out = NULL;
	size_t i;

	tg_init(&T, NULL);
	configure(NULL, NULL);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(args, sizeof(args), "import %s data/demo/%s.csv",
		    kinds[i], kinds[i]);
		ck_assert_int_eq(ctl("", args, &out), 0);
		free(out);
	}
	ck_assert_int_eq(ctl(PW_ADMIN, "user add admin --role admin", &out),
	    0);
	free(out);
	ck_assert_int_eq(ctl(PW_OFFICE, "user add office --role office "
	    "--area 5134", &out), 0);
	free(out);
	ck_assert_int_eq(ctl(PW_VIEWER, "user add viewer --role viewer "
	    "--area 5134", &out), 0);
	free(out);
	tg_start(&T);
}

static void
teardown(void)
{
	tg_cleanup(&T);
}

/* ---- requests ------------------------------------------------------------ */

/* With a bearer token (NULL: none); the body parsed into *o when
 * wanted and JSON. */
static long
bearer(const char *method, const char *path, const char *token,
    const char *json, struct json_object **o)
{
	char auth[128];

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    token != NULL ? token : "");
	ck_assert_int_eq(tg_request(&T, method, path, json != NULL ?
	    "application/json" : NULL, json, json != NULL ? strlen(json) : 0,
	    token != NULL ? auth : NULL, false, &R), 0);
	if (o != NULL)
		*o = json_tokener_parse(R.body);
	return R.status;
}

/* o at a dotted path, "a.b[2].c"; NULL when absent. */
static struct json_object *
at(struct json_object *o, const char *path)
{
	char key[64];
	const char *p = path;

	while (o != NULL && *p != '\0') {
		size_t n = strcspn(p, ".[");

		if (n > 0) {
			snprintf(key, sizeof(key), "%.*s", (int)n, p);
			if (!json_object_object_get_ex(o, key, &o))
				return NULL;
			p += n;
		}
		if (*p == '[') {
			size_t i = (size_t)strtoul(p + 1, NULL, 10);

			o = json_object_get_type(o) == json_type_array &&
			    i < json_object_array_length(o) ?
			    json_object_array_get_idx(o, i) : NULL;
			p = strchr(p, ']');
			if (p == NULL)
				return NULL;
			p++;
		}
		if (*p == '.')
			p++;
	}
	return o;
}

static const char *
str(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	ck_assert_msg(v != NULL, "no %s", path);
	return json_object_get_string(v);
}

static long
num(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	ck_assert_msg(v != NULL, "no %s", path);
	return (long)json_object_get_int64(v);
}

static bool
boolean(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	ck_assert_msg(v != NULL && json_object_is_type(v, json_type_boolean),
	    "no boolean %s", path);
	return json_object_get_boolean(v);
}

/* The screen of `id` in the menu's screens; NULL when absent. */
static struct json_object *
screen(struct json_object *menu, const char *id)
{
	struct json_object *a = at(menu, "screens");
	size_t i;

	for (i = 0; a != NULL && i < json_object_array_length(a); i++) {
		struct json_object *s = json_object_array_get_idx(a, i);

		if (strcmp(str(s, "id"), id) == 0)
			return s;
	}
	return NULL;
}

/* ---- GET /api/v1/templates: the tree and the coverage -------------------- */

/* fupinctl templates check's coverage line of lang: its four numbers. */
static void
check_counts(const char *out, const char *lang, long n[4])
{
	char want[32];
	const char *p;

	snprintf(want, sizeof(want), "  %s  translated ", lang);
	p = strstr(out, want);
	ck_assert_msg(p != NULL, "no coverage of %s in:\n%s", lang, out);
	ck_assert_int_eq(sscanf(p + strlen(want), "%ld, machine-drafted %ld, "
	    "missing %ld (of %ld)", &n[0], &n[1], &n[2], &n[3]), 4);
}

START_TEST(templates_carry_the_menu_tree_and_the_coverage_of_templates_check)
{
	static const char *const langs[] = { "ii", "bo", "en" };
	struct json_object *o = NULL, *menu, *s, *miss;
	char path[64], *out = NULL;
	long n[4];
	size_t i;

	ck_assert_int_eq(bearer("GET", "/api/v1/templates?limit=1", VIEWER,
	    NULL, &o), 200);
	menu = at(o, "menu");
	ck_assert_ptr_nonnull(menu);
	ck_assert_str_eq(str(menu, "villager_start"), "main");
	ck_assert_str_eq(str(menu, "cadre_start"), "cadre");
	/* main: its text and six options, each with where it leads. */
	s = screen(menu, "main");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(str(s, "text"), "main");
	ck_assert_uint_eq(json_object_array_length(at(s, "options")), 6);
	ck_assert_str_eq(str(s, "options[3].text"), "opt_feedback");
	ck_assert_str_eq(str(s, "options[3].go"), "fb");
	ck_assert_str_eq(str(s, "texts[0]"), "main");
	ck_assert_str_eq(str(s, "texts[4]"), "opt_feedback");
	/* A screen with free text, one with a need and an action. */
	s = screen(menu, "fb_text");
	ck_assert_str_eq(str(s, "input"), "text");
	ck_assert_str_eq(str(s, "go"), "fb_confirm");
	s = screen(menu, "yl_enrolled");
	ck_assert_str_eq(str(s, "need"), "household");
	ck_assert_str_eq(str(s, "action"), "enroll");
	ck_assert_str_eq(str(s, "fail"), "enroll_failed");
	ck_assert(boolean(s, "end"));
	ck_assert(json_object_is_type(at(s, "list"), json_type_null));
	/* The language menu: Yi hidden (its menu texts are missing). */
	s = screen(menu, "lang");
	ck_assert_str_eq(str(s, "options[1].set"), "lang=ii");
	ck_assert(boolean(s, "options[1].hidden"));
	ck_assert_str_eq(str(s, "options[2].set"), "lang=bo");
	ck_assert(!boolean(s, "options[2].hidden"));
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(at(menu,
	    "engine_texts")), "\"verify_id6\""));
	ck_assert_str_eq(str(menu, "texts[0]"), "main");
	/* Coverage: what fupinctl templates check counts, language by
	 * language, with the missing keys in its order. */
	ck_assert_int_eq(ctl("", "templates check", &out), 0);
	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		check_counts(out, langs[i], n);
		snprintf(path, sizeof(path), "coverage.%s.translated", langs[i]);
		ck_assert_int_eq(num(o, path), n[0]);
		snprintf(path, sizeof(path), "coverage.%s.drafted", langs[i]);
		ck_assert_int_eq(num(o, path), n[1]);
		snprintf(path, sizeof(path), "coverage.%s.missing", langs[i]);
		ck_assert_int_eq(num(o, path), n[2]);
		snprintf(path, sizeof(path), "coverage.%s.total", langs[i]);
		ck_assert_int_eq(num(o, path), n[3]);
		snprintf(path, sizeof(path), "coverage.%s.missing_keys",
		    langs[i]);
		miss = at(o, path);
		ck_assert_int_eq((long)json_object_array_length(miss), n[2]);
	}
	ck_assert_ptr_nonnull(strstr(out, "      missing: ussd/main ussd/"
	    "opt_status "));
	ck_assert_str_eq(str(o, "coverage.ii.missing_keys[0]"), "ussd/main");
	ck_assert_str_eq(str(o, "coverage.ii.missing_keys[1]"),
	    "ussd/opt_status");
	ck_assert(!boolean(o, "coverage.ii.menu_complete"));
	ck_assert(!boolean(o, "coverage.ii.offered"));
	ck_assert(boolean(o, "coverage.bo.offered"));
	ck_assert(boolean(o, "coverage.en.menu_complete"));
	ck_assert(json_object_is_type(at(o, "coverage.bo.status_error"),
	    json_type_null));
	ck_assert_ptr_null(at(o, "coverage.zh"));
	ck_assert_str_eq(str(o, "service_code"), "*123#");
	free(out);
	json_object_put(o);
	/* Each text's state per language, as the coverage counts it. */
	ck_assert_int_eq(bearer("GET", "/api/v1/templates?group=ussd&limit=500",
	    ADMIN, NULL, &o), 200);
	ck_assert_ptr_nonnull(strstr(R.body, "\"key\":\"ussd/main\""));
	for (i = 0; i < json_object_array_length(at(o, "items")); i++) {
		snprintf(path, sizeof(path), "items[%zu].key", i);
		if (strcmp(str(o, path), "ussd/main") != 0)
			continue;
		snprintf(path, sizeof(path), "items[%zu].languages", i);
		s = at(o, path);
		ck_assert_str_eq(str(s, "zh.state"), "source");
		ck_assert_str_eq(str(s, "ii.state"), "missing");
		ck_assert_str_eq(str(s, "bo.state"), "drafted");
		ck_assert_str_eq(str(s, "en.state"), "translated");
	}
	ck_assert_ptr_nonnull(at(o, "menu.screens"));
	json_object_put(o);
	/* A signed-in clerk of any role reads them; nobody else. */
	ck_assert_int_eq(bearer("GET", "/api/v1/templates", NULL, NULL, NULL),
	    401);
}
END_TEST

Suite *
console_tools_suite(void)
{
	Suite *s = suite_create("console_tools");
	TCase *tc = tcase_create("texts, settings, phone");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc,
	    templates_carry_the_menu_tree_and_the_coverage_of_templates_check);
	suite_add_tcase(s, tc);
	return s;
}
