/*
 * test_console_tools.c: what the console's "Menus and texts" and "New
 * broadcast" pages read and do besides the read routes (SPEC 10, issue
 * 15 and 17), against the real gateway on loopback with the demo
 * registry and users made with the real fupinctl:
 *   - GET /api/v1/templates carries the menu tree (screens, options,
 *     texts, languages the language menu hides) and per language the
 *     coverage, the same counts as `fupinctl templates check`;
 *   - GET /api/v1/console/settings: quiet hours, programs, providers
 *     with the template-only ones, segments, languages, from the
 *     configuration, and nothing secret;
 *   - POST /api/v1/console/phone: the menu in a sandbox (console_phone.h)
 *     through a dialogue, writing no row anywhere; the ID challenge that
 *     never verifies a real household; roles, CSRF, bearer tokens, any
 *     number refused, bad fields, the rate per session, a test number
 *     that is a villager's refused.
 */
#include <check.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console_util.h"
#include "gwtest.h"
#include "strbuf.h"
#include "testutil.h"

Suite *console_tools_suite(void);

#define ADMIN	"admin-secret-token"
#define OFFICE	"office-secret-token"	/* 5134 */
#define VIEWER	"viewer-secret-token"	/* 5134 */
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
configure3(const char *console_extra, const char *sms_extra, const char *more)
{
	char conf[4096], a[65], o[65], v[65];

	tu_token_sha256(ADMIN, a);
	tu_token_sha256(OFFICE, o);
	tu_token_sha256(VIEWER, v);
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

static void
setup(void)
{
	static const char *const kinds[] = { "cadres", "households",
	    "members", "enrollments", "trainings" };

	tg_init(&T, NULL);
	configure(NULL, NULL);
	tg_import_demo_kinds(&T, kinds, sizeof(kinds) / sizeof(kinds[0]));
	cu_add_users(&T);
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
	long status = cu_bearer_request(&T, &R, method, path, token, json);

	if (o != NULL)
		*o = json_tokener_parse(R.body);
	return status;
}

/* With the session's cookie and csrf as the X-CSRF-Token (NULL: none). */
static long
as(const struct cu_session *s, const char *method, const char *path,
    const char *json, const char *csrf, struct json_object **o)
{
	long status = cu_session_request(&T, &R, s, method, path, json, csrf);

	if (o != NULL)
		*o = json_tokener_parse(R.body);
	return status;
}

/* The readers of this suite fail the test when the value is absent. */
static const char *
str(struct json_object *o, const char *path)
{
	struct json_object *v = cu_at(o, path);

	ck_assert_msg(v != NULL, "no %s", path);
	return json_object_get_string(v);
}

static long
num(struct json_object *o, const char *path)
{
	struct json_object *v = cu_at(o, path);

	ck_assert_msg(v != NULL, "no %s", path);
	return (long)json_object_get_int64(v);
}

static bool
boolean(struct json_object *o, const char *path)
{
	struct json_object *v = cu_at(o, path);

	ck_assert_msg(v != NULL && json_object_is_type(v, json_type_boolean),
	    "no boolean %s", path);
	return json_object_get_boolean(v);
}

/* The screen of `id` in the menu's screens; NULL when absent. */
static struct json_object *
screen(struct json_object *menu, const char *id)
{
	struct json_object *a = cu_at(menu, "screens");
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
	menu = cu_at(o, "menu");
	ck_assert_ptr_nonnull(menu);
	ck_assert_str_eq(str(menu, "villager_start"), "main");
	ck_assert_str_eq(str(menu, "cadre_start"), "cadre");
	/* main: its text and six options, each with where it leads. */
	s = screen(menu, "main");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(str(s, "text"), "main");
	ck_assert_uint_eq(json_object_array_length(cu_at(s, "options")), 6);
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
	ck_assert(json_object_is_type(cu_at(s, "list"), json_type_null));
	/* The language menu: Yi hidden (its menu texts are missing). */
	s = screen(menu, "lang");
	ck_assert_str_eq(str(s, "options[1].set"), "lang=ii");
	ck_assert(boolean(s, "options[1].hidden"));
	ck_assert_str_eq(str(s, "options[2].set"), "lang=bo");
	ck_assert(!boolean(s, "options[2].hidden"));
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(cu_at(menu,
	    "engine_texts")), "\"verify_id6\""));
	ck_assert_str_eq(str(menu, "texts[0]"), "main");
	/* Coverage: what fupinctl templates check counts, language by
	 * language, with the missing keys in its order. */
	ck_assert_int_eq(cu_ctl(&T, "", "templates check", &out), 0);
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
		miss = cu_at(o, path);
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
	ck_assert(json_object_is_type(cu_at(o, "coverage.bo.status_error"),
	    json_type_null));
	ck_assert_ptr_null(cu_at(o, "coverage.zh"));
	ck_assert_str_eq(str(o, "service_code"), "*123#");
	free(out);
	json_object_put(o);
	/* Each text's state per language, as the coverage counts it. */
	ck_assert_int_eq(bearer("GET", "/api/v1/templates?group=ussd&limit=500",
	    ADMIN, NULL, &o), 200);
	ck_assert_ptr_nonnull(strstr(R.body, "\"key\":\"ussd/main\""));
	for (i = 0; i < json_object_array_length(cu_at(o, "items")); i++) {
		snprintf(path, sizeof(path), "items[%zu].key", i);
		if (strcmp(str(o, path), "ussd/main") != 0)
			continue;
		snprintf(path, sizeof(path), "items[%zu].languages", i);
		s = cu_at(o, path);
		ck_assert_str_eq(str(s, "zh.state"), "source");
		ck_assert_str_eq(str(s, "ii.state"), "missing");
		ck_assert_str_eq(str(s, "bo.state"), "drafted");
		ck_assert_str_eq(str(s, "en.state"), "translated");
	}
	ck_assert_ptr_nonnull(cu_at(o, "menu.screens"));
	json_object_put(o);
	/* A signed-in clerk of any role reads them; nobody else. */
	ck_assert_int_eq(bearer("GET", "/api/v1/templates", NULL, NULL, NULL),
	    401);
}
END_TEST

/* ---- GET /api/v1/console/settings ----------------------------------------- */

/*
 * t.dir/tpl: the shipped texts (links) and a provider_templates.conf
 * for "agg" made by fupinctl templates skeleton with every code filled,
 * so that the gateway starts with a template provider.
 */
static void
template_provider(void)
{
	static const char *const parts[] = { "zh", "ii", "bo", "en",
	    "menu.conf" };
	char dir[600], from[1024], to[700], cwd[512], *out = NULL, *text;
	struct strbuf b = STRBUF_INIT;
	const char *p, *q;
	size_t i, n = 0, len = 0;

	snprintf(dir, sizeof(dir), "%s/tpl", T.dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		snprintf(from, sizeof(from), "%s/templates/%s", cwd, parts[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, parts[i]);
		ck_assert_int_eq(symlink(from, to), 0);
	}
	ck_assert_int_eq(cu_ctl(&T, "", "templates skeleton agg", &out), 0);
	/* code = "" -> code = "T<n>" */
	for (p = out; (q = strstr(p, "code = \"\"")) != NULL; p = q + 9) {
		strbuf_add(&b, p, (size_t)(q - p));
		strbuf_printf(&b, "code = \"T%zu\"", ++n);
	}
	strbuf_adds(&b, p);
	ck_assert_uint_gt(n, 10);
	text = strbuf_take(&b, &len);
	ck_assert_ptr_nonnull(text);
	free(tu_write_file(dir, "provider_templates.conf", text, len));
	free(text);
	free(out);
}

START_TEST(settings_are_the_configuration_the_forms_need)
{
	static char providers[1024];
	char more[1024];
	struct json_object *o = NULL;
	struct cu_session office;

	/* A second provider that takes approved templates only. */
	tg_stop(&T, SIGTERM);
	snprintf(more, sizeof(more), "templates = { dir = \"%s/tpl\"; };\n",
	    T.dir);
	snprintf(providers, sizeof(providers), "{ name = \"local\"; type = "
	    "\"file\"; path = \"%s/outbox.jsonl\"; }, { name = \"agg\"; "
	    "type = \"http_json\"; url = \"http://127.0.0.1:9/send\"; "
	    "token = \"" AGG_TOKEN "\"; template_code = \"approved\"; }",
	    T.dir);
	T.providers = providers;
	configure(NULL, more);
	template_provider();
	tg_start(&T);
	ck_assert_int_eq(bearer("GET", "/api/v1/console/settings", VIEWER, NULL,
	    &o), 200);
	ck_assert_str_eq(str(o, "schedule.timezone"), "Asia/Shanghai");
	ck_assert_str_eq(str(o, "schedule.quiet_hours.start"), "22:30");
	ck_assert_str_eq(str(o, "schedule.quiet_hours.end"), "07:15");
	ck_assert_int_eq(num(o, "schedule.max_notices_per_day"), 3);
	ck_assert_str_eq(str(o, "programs[0].code"), "YL");
	ck_assert_str_eq(str(o, "programs[0].name"), "雨露计划");
	ck_assert_str_eq(str(o, "programs[3].code"), "JY");
	ck_assert_str_eq(str(o, "programs[3].name"), "就业帮扶");
	ck_assert_str_eq(str(o, "providers[0].name"), "local");
	ck_assert_str_eq(str(o, "providers[0].type"), "file");
	ck_assert(!boolean(o, "providers[0].templates_only"));
	ck_assert(boolean(o, "providers[0].default"));
	ck_assert(boolean(o, "providers[0].routed"));
	ck_assert_str_eq(str(o, "providers[1].name"), "agg");
	ck_assert_str_eq(str(o, "providers[1].type"), "http_json");
	ck_assert(boolean(o, "providers[1].templates_only"));
	ck_assert(!boolean(o, "providers[1].default"));
	ck_assert(!boolean(o, "providers[1].routed"));
	ck_assert_str_eq(str(o, "sms.default_provider"), "local");
	ck_assert(boolean(o, "sms.free_text"));
	ck_assert_int_eq(num(o, "sms.max_segments"), 6);
	ck_assert_str_eq(str(o, "languages.default"), "zh");
	ck_assert_str_eq(json_object_to_json_string_ext(cu_at(o,
	    "languages.all"), JSON_C_TO_STRING_PLAIN),
	    "[\"zh\",\"ii\",\"bo\",\"en\"]");
	ck_assert_str_eq(json_object_to_json_string_ext(cu_at(o,
	    "languages.menu"), JSON_C_TO_STRING_PLAIN),
	    "[\"zh\",\"bo\",\"en\"]");
	ck_assert_str_eq(str(o, "ussd.service_code"), "*123#");
	ck_assert(boolean(o, "phone.available"));
	ck_assert_int_eq(num(o, "phone.per_minute"), 8);
	/* Nothing secret, nothing of where a provider is. */
	ck_assert_ptr_null(strstr(R.body, AGG_TOKEN));
	ck_assert_ptr_null(strstr(R.body, "127.0.0.1:9"));
	ck_assert_ptr_null(strstr(R.body, "approved"));
	json_object_put(o);
	/* With the template provider the default, no free text. */
	tg_stop(&T, SIGTERM);
	snprintf(more, sizeof(more), "templates = { dir = \"%s/tpl\"; };\n",
	    T.dir);
	configure3(NULL, "provider = \"agg\";", more);
	tg_start(&T);
	cu_sign_in(&T, &R, "office", PW_OFFICE, &office);
	ck_assert_int_eq(as(&office, "GET", "/api/v1/console/settings", NULL,
	    NULL, &o), 200);
	ck_assert_str_eq(str(o, "sms.default_provider"), "agg");
	ck_assert(!boolean(o, "sms.free_text"));
	ck_assert(boolean(o, "providers[1].default"));
	json_object_put(o);
	/* Routed to by a rule (not the default): no free text either. */
	tg_stop(&T, SIGTERM);
	snprintf(more, sizeof(more), "templates = { dir = \"%s/tpl\"; };\n"
	    "mt_routes = ( { prefixes = [ \"+86134\" ]; provider = \"agg\"; "
	    "}, { provider = \"local\"; } );\n", T.dir);
	configure(NULL, more);
	tg_start(&T);
	ck_assert_int_eq(bearer("GET", "/api/v1/console/settings", VIEWER, NULL,
	    &o), 200);
	ck_assert_str_eq(str(o, "sms.default_provider"), "local");
	ck_assert(boolean(o, "providers[1].routed"));
	ck_assert(!boolean(o, "sms.free_text"));
	json_object_put(o);
	/* Every role reads it; nobody else; only GET; no parameter. */
	ck_assert_int_eq(bearer("GET", "/api/v1/console/settings", ADMIN, NULL,
	    NULL), 200);
	ck_assert_int_eq(bearer("GET", "/api/v1/console/settings", OFFICE,
	    NULL, NULL), 200);
	ck_assert_int_eq(bearer("GET", "/api/v1/console/settings", NULL, NULL,
	    NULL), 401);
	ck_assert_int_eq(bearer("GET", "/api/v1/console/settings",
	    "wrong-secret-token", NULL, NULL), 401);
	ck_assert_int_eq(bearer("POST", "/api/v1/console/settings", ADMIN,
	    "{}", NULL), 405);
	ck_assert_int_eq(bearer("GET", "/api/v1/console/settings?x=1", ADMIN,
	    NULL, NULL), 400);
	ck_assert_ptr_nonnull(strstr(R.body, "query: "));
}
END_TEST

/* ---- POST /api/v1/console/phone -------------------------------------------- */

/* Rows of every table the menu could write, added together. */
static long long
written(void)
{
	return tg_query_int(&T, "SELECT (SELECT count(*) FROM feedback) + "
	    "(SELECT count(*) FROM enrollments WHERE status = 'requested') + "
	    "(SELECT count(*) FROM sms_out) + (SELECT count(*) FROM tasks) + "
	    "(SELECT count(*) FROM event_outbox) + "
	    "(SELECT count(*) FROM ussd_sessions) + "
	    "(SELECT count(*) FROM ussd_ended) + "
	    "(SELECT count(*) FROM ussd_challenge_failures) + "
	    "(SELECT count(*) FROM ussd_challenge_locks) + "
	    "(SELECT count(*) FROM msisdn_prefs) + "
	    "(SELECT count(*) FROM optouts)");
}

/* One step of the session's phone: text (the inputs so far). */
static long
step(const struct cu_session *s, const char *text, const char *lang,
    struct json_object **o)
{
	char body[512];

	if (lang != NULL)
		snprintf(body, sizeof(body), "{\"text\":\"%s\",\"lang\":\"%s\"}",
		    text, lang);
	else
		snprintf(body, sizeof(body), "{\"text\":\"%s\"}", text);
	return as(s, "POST", "/api/v1/console/phone", body, s->csrf, o);
}

START_TEST(a_sandbox_dialogue_through_the_menu_writes_nothing)
{
	static const char *const steps[] = { "", "4", "4*1", "4*1*路灯坏了",
	    "4*1*路灯坏了*1" };
	struct json_object *o = NULL;
	struct cu_session office;
	long long before;
	size_t i;

	cu_sign_in(&T, &R, "office", PW_OFFICE, &office);
	before = written();
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ck_assert_msg(step(&office, steps[i], NULL, &o) == 200, "%s: "
		    "%ld %s", steps[i], R.status, R.body);
		ck_assert(boolean(o, "sandbox"));
		if (i + 1 < sizeof(steps) / sizeof(steps[0])) {
			ck_assert(!boolean(o, "end"));
			json_object_put(o);
		}
	}
	/* The villager's last screen, the ticket a placeholder. */
	ck_assert(boolean(o, "end"));
	ck_assert_str_eq(str(o, "screen_id"), "fb_done");
	ck_assert_str_eq(str(o, "screen"), "反馈已提交，编号F0。");
	ck_assert_str_eq(str(o, "skipped[0]"), "feedback");
	ck_assert_str_eq(str(o, "lang"), "zh");
	json_object_put(o);
	/* Step by step, the screens are the menu's (a second session: the
	 * phone takes 8 steps a minute per session here). */
	cu_sign_in(&T, &R, "office", PW_OFFICE, &office);
	ck_assert_int_eq(step(&office, "", NULL, &o), 200);
	ck_assert_str_eq(str(o, "screen_id"), "main");
	ck_assert_ptr_nonnull(strstr(str(o, "screen"), "精准扶贫服务"));
	json_object_put(o);
	ck_assert_int_eq(step(&office, "4*1", NULL, &o), 200);
	ck_assert_str_eq(str(o, "screen_id"), "fb_text");
	json_object_put(o);
	/* The language (Yi hidden: English is the third): this dialogue
	 * goes on in it, nothing remembered. */
	ck_assert_int_eq(step(&office, "6*3", NULL, &o), 200);
	ck_assert_str_eq(str(o, "screen"), "Language set to English.");
	ck_assert_str_eq(str(o, "skipped[0]"), "language");
	json_object_put(o);
	/* Asked in English from the start. */
	ck_assert_int_eq(step(&office, "", "en", &o), 200);
	ck_assert_ptr_nonnull(strstr(str(o, "screen"), "Poverty Relief"));
	ck_assert_str_eq(str(o, "lang"), "en");
	json_object_put(o);
	/* A call-back needs a household: the ID challenge first. */
	ck_assert_int_eq(step(&office, "5", NULL, &o), 200);
	ck_assert_str_eq(str(o, "screen_id"), "_id6");
	json_object_put(o);
	/* No row anywhere: feedback, enrollments, sms_out, tasks, events,
	 * sessions, the challenge, the number's language, opt-outs. */
	ck_assert_int_eq(written(), before);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM feedback"), 0);
	ck_assert_int_eq(tg_query_int(&T, "SELECT count(*) FROM sms_out"), 0);
}
END_TEST

START_TEST(the_sandbox_challenge_never_verifies_a_real_household)
{
	struct json_object *o = NULL;
	struct cu_session admin;
	long long before;
	const char *form = "sessionId=real-1&serviceCode=%2A123%23&"
	    "phoneNumber=13800000099&text=1%2A174074%2A513431000001";

	cu_sign_in(&T, &R, "admin", PW_ADMIN, &admin);
	before = written();
	/* The demo head of household's real last 6 and household number. */
	ck_assert_int_eq(step(&admin, "1", NULL, &o), 200);
	ck_assert_str_eq(str(o, "screen_id"), "_id6");
	json_object_put(o);
	ck_assert_int_eq(step(&admin, "1*174074", NULL, &o), 200);
	ck_assert_str_eq(str(o, "screen_id"), "_hh");
	json_object_put(o);
	ck_assert_int_eq(step(&admin, "1*174074*513431000001", NULL, &o), 200);
	ck_assert_str_eq(str(o, "screen_id"), "_id6");
	ck_assert_ptr_nonnull(strstr(str(o, "screen"), "还可试2次"));
	ck_assert_ptr_null(strstr(R.body, "日火木呷"));
	json_object_put(o);
	ck_assert_int_eq(step(&admin, "1*174074*513431000001*174074*"
	    "513431000001", NULL, &o), 200);
	ck_assert_ptr_nonnull(strstr(str(o, "screen"), "还可试1次"));
	json_object_put(o);
	ck_assert_int_eq(step(&admin, "1*174074*513431000001*174074*"
	    "513431000001*174074*513431000001", NULL, &o), 200);
	ck_assert_str_eq(str(o, "screen_id"), "_locked");
	ck_assert(boolean(o, "end"));
	json_object_put(o);
	/* Nothing counted against anyone. */
	ck_assert_int_eq(written(), before);
	/* The same answers through /ussd from a number of nobody do
	 * verify: the sandbox's refusal is its own. */
	ck_assert_int_eq(tg_request(&T, "POST", "/ussd",
	    "application/x-www-form-urlencoded", form, strlen(form), NULL,
	    false, &R), 0);
	ck_assert_int_eq(R.status, 200);
	ck_assert_msg(strstr(R.body, "日火木呷") != NULL, "%s", R.body);
}
END_TEST

START_TEST(the_sandbox_phone_is_for_admin_and_office_with_csrf)
{
	struct cu_session admin, office, viewer;
	const char *body = "{\"text\":\"\"}";

	cu_sign_in(&T, &R, "admin", PW_ADMIN, &admin);
	cu_sign_in(&T, &R, "office", PW_OFFICE, &office);
	cu_sign_in(&T, &R, "viewer", PW_VIEWER, &viewer);
	ck_assert_int_eq(as(&admin, "POST", "/api/v1/console/phone", body,
	    admin.csrf, NULL), 200);
	ck_assert_int_eq(as(&office, "POST", "/api/v1/console/phone", body,
	    office.csrf, NULL), 200);
	/* A viewer reads the texts, but may not use the phone. */
	ck_assert_int_eq(as(&viewer, "POST", "/api/v1/console/phone", body,
	    viewer.csrf, NULL), 403);
	ck_assert_ptr_nonnull(strstr(R.body, "forbidden"));
	/* The session without its CSRF header, or with another's. */
	ck_assert_int_eq(as(&office, "POST", "/api/v1/console/phone", body,
	    NULL, NULL), 403);
	ck_assert_ptr_nonnull(strstr(R.body, "\"csrf\""));
	ck_assert_int_eq(as(&office, "POST", "/api/v1/console/phone", body,
	    admin.csrf, NULL), 403);
	/* Bearer tokens: admin and office only. */
	ck_assert_int_eq(bearer("POST", "/api/v1/console/phone", ADMIN, body,
	    NULL), 200);
	ck_assert_int_eq(bearer("POST", "/api/v1/console/phone", OFFICE, body,
	    NULL), 200);
	ck_assert_int_eq(bearer("POST", "/api/v1/console/phone", VIEWER, body,
	    NULL), 403);
	ck_assert_int_eq(bearer("POST", "/api/v1/console/phone", NULL, body,
	    NULL), 401);
	ck_assert_int_eq(bearer("POST", "/api/v1/console/phone",
	    "wrong-secret-token", body, NULL), 401);
	ck_assert_int_eq(bearer("GET", "/api/v1/console/phone", ADMIN, NULL,
	    NULL), 405);
}
END_TEST

START_TEST(the_sandbox_refuses_any_number_and_bad_fields)
{
	static const struct {
		const char	*body;
		const char	*field;
	} bad[] = {
		{ "{\"text\":\"1\",\"msisdn\":\"13908340107\"}", "msisdn" },
		{ "{\"phoneNumber\":\"+8613908340107\"}", "phoneNumber" },
		{ "{\"phone\":\"13908340107\"}", "phone" },
		{ "{\"from\":\"13908340107\"}", "from" },
		{ "{\"msisdn\":\"\"}", "msisdn" },
		{ "{\"sessionId\":\"x\"}", "sessionId" },
		{ "{\"text\":1}", "text" },
		{ "{\"lang\":\"fr\"}", "lang" },
		{ "{\"lang\":null}", "lang" },
		{ "{\"text\":\"\\u0000\"}", "text" },
		{ "[]", NULL },
		{ "not json", NULL },
	};
	struct json_object *o = NULL;
	struct cu_session admin;
	long long before = written();
	char want[64];
	size_t i;

	cu_sign_in(&T, &R, "admin", PW_ADMIN, &admin);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(as(&admin, "POST", "/api/v1/console/phone",
		    bad[i].body, admin.csrf, &o) == 400, "%s: %ld %s",
		    bad[i].body, R.status, R.body);
		if (bad[i].field != NULL) {
			snprintf(want, sizeof(want), "%s: ", bad[i].field);
			ck_assert_msg(strncmp(str(o, "message"), want,
			    strlen(want)) == 0, "%s: %s", bad[i].body, R.body);
		} else
			ck_assert_str_eq(str(o, "error"), "invalid_json");
		json_object_put(o);
		o = NULL;
		/* A fresh session now and then: 8 steps a minute each. */
		if (i % 6 == 5)
			cu_sign_in(&T, &R, "admin", PW_ADMIN, &admin);
	}
	/* A number in the query is refused too. */
	cu_sign_in(&T, &R, "admin", PW_ADMIN, &admin);
	ck_assert_int_eq(as(&admin, "POST", "/api/v1/console/phone?"
	    "phoneNumber=13908340107", "{}", admin.csrf, NULL), 400);
	/* Longer than the body limit: refused before anything runs. */
	{
		char big[3000];

		memset(big, '1', sizeof(big));
		memcpy(big, "{\"text\":\"", 9);
		memcpy(big + sizeof(big) - 3, "\"}", 3);
		ck_assert_int_eq(as(&admin, "POST", "/api/v1/console/phone",
		    big, admin.csrf, NULL), 413);
	}
	ck_assert_int_eq(written(), before);
}
END_TEST

START_TEST(the_sandbox_phone_is_rate_limited_per_session)
{
	struct cu_session a, b;
	const char *retry;
	int i;

	cu_sign_in(&T, &R, "office", PW_OFFICE, &a);
	cu_sign_in(&T, &R, "office", PW_OFFICE, &b);
	for (i = 0; i < 8; i++)
		ck_assert_msg(step(&a, "", NULL, NULL) == 200, "step %d: %ld", i,
		    R.status);
	ck_assert_int_eq(step(&a, "", NULL, NULL), 429);
	ck_assert_ptr_nonnull(strstr(R.body, "rate_limited"));
	retry = cu_header(&R, "Retry-After");
	ck_assert_ptr_nonnull(retry);
	ck_assert_int_ge(strtol(retry, NULL, 10), 1);
	ck_assert_int_le(strtol(retry, NULL, 10), 60);
	/* Another session of the same user has its own. */
	ck_assert_int_eq(step(&b, "", NULL, NULL), 200);
	/* A token's steps count apart from every session's. */
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(bearer("POST", "/api/v1/console/phone", OFFICE,
		    "{}", NULL), 200);
	ck_assert_int_eq(bearer("POST", "/api/v1/console/phone", OFFICE, "{}",
	    NULL), 429);
	ck_assert_int_eq(bearer("POST", "/api/v1/console/phone", ADMIN, "{}",
	    NULL), 200);
}
END_TEST

START_TEST(the_sandbox_never_speaks_as_a_registered_number)
{
	struct cu_session admin;
	long long before;

	/* A villager's number configured as the test number. */
	tg_stop(&T, SIGTERM);
	configure("phone_msisdn = \"+8613908340107\";", NULL);
	tg_start(&T);
	before = written();
	cu_sign_in(&T, &R, "admin", PW_ADMIN, &admin);
	ck_assert_int_eq(step(&admin, "", NULL, NULL), 503);
	ck_assert_ptr_nonnull(strstr(R.body, "phone_number_registered"));
	ck_assert_int_eq(step(&admin, "4*1*路灯坏了*1", NULL, NULL), 503);
	/* A cadre's: the same. */
	tg_stop(&T, SIGTERM);
	configure("phone_msisdn = \"+8619908349001\";", NULL);
	tg_start(&T);
	cu_sign_in(&T, &R, "admin", PW_ADMIN, &admin);
	ck_assert_int_eq(step(&admin, "", NULL, NULL), 503);
	ck_assert_int_eq(written(), before);
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
	tcase_add_test(tc, settings_are_the_configuration_the_forms_need);
	tcase_add_test(tc, a_sandbox_dialogue_through_the_menu_writes_nothing);
	tcase_add_test(tc, the_sandbox_challenge_never_verifies_a_real_household);
	tcase_add_test(tc, the_sandbox_phone_is_for_admin_and_office_with_csrf);
	tcase_add_test(tc, the_sandbox_refuses_any_number_and_bad_fields);
	tcase_add_test(tc, the_sandbox_phone_is_rate_limited_per_session);
	tcase_add_test(tc, the_sandbox_never_speaks_as_a_registered_number);
	suite_add_tcase(s, tc);
	return s;
}
