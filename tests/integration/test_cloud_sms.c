/*
 * test_cloud_sms.c: the real gateway with an aliyun or a tencent
 * provider against a fake of each cloud (tests/sim/cloud_sms_sim.py,
 * Python, written from the clouds' documentation: it recomputes every
 * request's signature and checks the template and its parameters), with
 * templates/provider_templates.conf written from the shipped texts and
 * menu (SPEC 11, issue 16).
 *
 * Covered, for each cloud: /api/v1/sms with a notice template, an SMS
 * reply to an MO (FK), a menu page by SMS (CD), a broadcast with a
 * notice template, each sent as its approved template with its
 * parameters, signed, and delivered by the fake's push on /dlr/aliyun or
 * /dlr/tencent; free text refused (400); throttling retried until sent;
 * a bad number failed with the cloud's reason; callbacks without the
 * route's token, malformed, oversized, naming another number, another
 * OutId, an unknown id or another provider's message change nothing;
 * `fupinctl templates check` names a missing mapping and a parameter
 * over the limit, and the gateway refuses to start (78) with one
 * missing.
 */
#include <check.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gwtest.h"
#include "sim_util.h"
#include "strbuf.h"
#include "templates.h"
#include "testutil.h"
#include "tplmap.h"
#include "ussd_engine.h"
#include "ussd_menu.h"

#define SIM		"tests/sim/cloud_sms_sim.py"
#define DLR_TOKEN	"dlr-token-0123456789"
#define ADMIN		"Authorization: Bearer demo-admin-token"
#define PHONE1		"13908340107"
#define PHONE2		"13908340114"
#define ADMIN_SHA	"91c16f0d6cc1bec3c3603972182a07c66ff4fa71618a975e963d6dbe42b6dd37"

static struct tg t;
static struct su_sim sim = { .in = -1 };	/* the fake; log: sim.log */
static bool is_ali;		/* the cloud of the running test */

/* ---- the mapping, from the shipped texts and menu -------------------------- */

struct gen {
	struct strbuf	 map_ali, map_tx, ok_ali, ok_tx;
	const char	*skip;		/* a key left out, or NULL */
	char		 seen[512][TPLMAP_KEY_MAX];
	size_t		 n;
};

static void
gen_one(const char *key, const char *lang, const char *const *vars,
    size_t n_vars, void *arg)
{
	struct gen *g = arg;
	size_t i, k;

	(void)lang;
	for (k = 0; k < g->n; k++)
		if (strcmp(g->seen[k], key) == 0)
			return;		/* one "*" entry a text */
	ck_assert_uint_lt(g->n, 512);
	snprintf(g->seen[g->n++], TPLMAP_KEY_MAX, "%s", key);
	if (g->skip != NULL && strcmp(key, g->skip) == 0)
		return;
	strbuf_printf(&g->map_ali, "%s    { text = \"%s\"; lang = \"*\"; "
	    "code = \"SMS_%06zu\"; params = [", g->n > 1 ? ",\n" : "", key,
	    g->n);
	strbuf_printf(&g->map_tx, "%s    { text = \"%s\"; code = \"%zu\"; "
	    "params = [", g->n > 1 ? ",\n" : "", key, 100000 + g->n);
	strbuf_printf(&g->ok_ali, "%s\"SMS_%06zu\": [", g->n > 1 ? ", " : "",
	    g->n);
	strbuf_printf(&g->ok_tx, "%s\"%zu\": [", g->n > 1 ? ", " : "",
	    100000 + g->n);
	for (i = 0; i < n_vars; i++) {
		/* Aliyun's names its own; ours differ to show the map. */
		strbuf_printf(&g->map_ali, "%s\"v_%s=%s\"", i > 0 ? ", " : "",
		    vars[i], vars[i]);
		strbuf_printf(&g->map_tx, "%s\"%s\"", i > 0 ? ", " : "",
		    vars[i]);
		strbuf_printf(&g->ok_ali, "%s\"v_%s\"", i > 0 ? ", " : "",
		    vars[i]);
		strbuf_printf(&g->ok_tx, "%s\"%s\"", i > 0 ? ", " : "",
		    vars[i]);
	}
	strbuf_adds(&g->map_ali, "]; }");
	strbuf_adds(&g->map_tx, "]; }");
	strbuf_adds(&g->ok_ali, "]");
	strbuf_adds(&g->ok_tx, "]");
}

/* The code of `key` in the written mapping (gen's order). */
static void
code_of(const char *key, char *out, size_t len)
{
	struct tplmap *m = NULL;
	const struct tplmap_entry *e;
	char path[700], *why = NULL;

	snprintf(path, sizeof(path), "%s/tpl/%s", t.dir, TPLMAP_FILE);
	ck_assert_int_eq(tplmap_load(path, &m, &why), FP_OK);
	e = tplmap_find(m, is_ali ? "ali" : "tx", key, "zh");
	ck_assert_ptr_nonnull(e);
	snprintf(out, len, "%s", e->code);
	tplmap_free(m);
}

/*
 * t.dir/tpl: the shipped templates (links) and a provider_templates.conf
 * mapping every outgoing text for "ali" and "tx" (but `skip`); the
 * fake's approved templates in t.dir/approved_{ali,tx}.json.
 */
static void
write_templates(const char *skip, const char *ali_extra, const char *tx_extra)
{
	static const char *const parts[] = { "zh", "ii", "bo", "en",
	    "menu.conf" };
	struct templates *tpl = NULL;
	struct ussd_menu *menu = NULL;
	struct tplmap_texts *x = NULL;
	struct gen *g = calloc(1, sizeof(*g));
	char dir[600], from[1024], to[700], cwd[512], *bad = NULL, *why = NULL;
	char *text, *path;
	size_t i, len;

	ck_assert_ptr_nonnull(g);
	g->skip = skip;
	snprintf(dir, sizeof(dir), "%s/tpl", t.dir);
	if (mkdir(dir, 0700) == 0) {
		ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
		for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			snprintf(from, sizeof(from), "%s/templates/%s", cwd,
			    parts[i]);
			snprintf(to, sizeof(to), "%s/%s", dir, parts[i]);
			ck_assert_int_eq(symlink(from, to), 0);
		}
	}
	ck_assert_int_eq(templates_load("templates", "zh", &tpl, &bad), FP_OK);
	ck_assert_int_eq(ussd_menu_load("templates/menu.conf", &menu, &why),
	    FP_OK);
	ck_assert_int_eq(ussd_outgoing_texts(tpl, menu, &x), FP_OK);
	tplmap_texts_each(x, gen_one, g);
	tplmap_texts_free(x);
	ussd_menu_free(menu);
	templates_free(tpl);
	text = NULL;
	{
		struct strbuf b = STRBUF_INIT;

		strbuf_printf(&b, "# written by test_cloud_sms.c\nproviders = (\n"
		    "  { provider = \"ali\";%s\n  texts = (\n%s\n  ); },\n"
		    "  { provider = \"tx\";%s\n  texts = (\n%s\n"
		    "  ); } );\n", ali_extra != NULL ? ali_extra :
		    " param_max = 0;", strbuf_str(&g->map_ali),
		    tx_extra != NULL ? tx_extra : " param_max = 0;",
		    strbuf_str(&g->map_tx));
		text = strbuf_take(&b, &len);
	}
	path = tu_write_file(dir, TPLMAP_FILE, text, len);
	free(path);
	free(text);
	strbuf_printf(&g->ok_ali, "%s", "");
	text = NULL;
	{
		struct strbuf b = STRBUF_INIT;

		strbuf_printf(&b, "{%s}", strbuf_str(&g->ok_ali));
		text = strbuf_take(&b, &len);
		path = tu_write_file(t.dir, "approved_ali.json", text, len);
		free(path);
		free(text);
		strbuf_printf(&b, "{%s}", strbuf_str(&g->ok_tx));
		text = strbuf_take(&b, &len);
		path = tu_write_file(t.dir, "approved_tx.json", text, len);
		free(path);
		free(text);
	}
	strbuf_free(&g->map_ali);
	strbuf_free(&g->map_tx);
	strbuf_free(&g->ok_ali);
	strbuf_free(&g->ok_tx);
	free(g);
}

/* ---- the fake cloud --------------------------------------------------------- */

/* Start the fake for the current cloud with `extra` options. */
static int
sim_start(const char *extra)
{
	char port[16], approved[700], dlr[256], *argv[40];
	char *copy, *save = NULL, *w;
	int argc = 0, p = tu_free_port(), tries = 0;

	/* Not the port the gateway is about to take (tg_init chose it and
	 * let it go: the kernel may hand it out again). */
	while (p == t.port && tries++ < 50)
		p = tu_free_port();
	snprintf(port, sizeof(port), "%d", p);
	snprintf(sim.log, sizeof(sim.log), "%s/sim.log", t.dir);
	snprintf(approved, sizeof(approved), "%s/approved_%s.json", t.dir,
	    is_ali ? "ali" : "tx");
	snprintf(dlr, sizeof(dlr), "http://127.0.0.1:%d/dlr/%s?token=%s",
	    t.port, is_ali ? "aliyun" : "tencent", DLR_TOKEN);
	argv[argc++] = "/usr/bin/python3";
	argv[argc++] = SIM;
	argv[argc++] = "--cloud";
	argv[argc++] = is_ali ? "aliyun" : "tencent";
	argv[argc++] = "--port";
	argv[argc++] = port;
	argv[argc++] = "--key-id";
	argv[argc++] = is_ali ? "testId" : "AKIDtest";
	argv[argc++] = "--secret";
	argv[argc++] = is_ali ? "testSecret" : "tx-secret-key";
	argv[argc++] = "--sign-name";
	argv[argc++] = "扶贫办";
	argv[argc++] = "--sdk-app-id";
	argv[argc++] = "1400006666";
	argv[argc++] = "--approved";
	argv[argc++] = approved;
	argv[argc++] = "--param-max";
	argv[argc++] = "500";
	argv[argc++] = "--log";
	argv[argc++] = sim.log;
	copy = strdup(extra != NULL ? extra : "");
	for (w = strtok_r(copy, " ", &save); w != NULL && argc < 36;
	    w = strtok_r(NULL, " ", &save)) {
		if (strcmp(w, "DLR") == 0) {
			argv[argc++] = "--dlr-url";
			argv[argc++] = dlr;
		} else
			argv[argc++] = w;
	}
	argv[argc] = NULL;
	su_sim_start(&sim, argv, "the fake");
	free(copy);
	return sim.port;
}

/* The fake's events of kind `ev` as a JSON array (caller puts it). */
static struct json_object *
sim_events(const char *ev)
{
	struct json_object *all = json_object_new_array(), *o, *e;
	char *text = tu_read_file(sim.log, NULL), *line, *save = NULL;

	for (line = text != NULL ? strtok_r(text, "\n", &save) : NULL;
	    line != NULL; line = strtok_r(NULL, "\n", &save)) {
		o = json_tokener_parse(line);
		if (o != NULL && json_object_object_get_ex(o, "ev", &e) &&
		    strcmp(json_object_get_string(e), ev) == 0)
			json_object_array_add(all, o);
		else
			json_object_put(o);
	}
	free(text);
	return all;
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	return json_object_get_string(v);
}

/* ---- the gateway ----------------------------------------------------------- */

static void
write_secret(const char *name, const char *secret)
{
	char *p = tu_write_file(t.dir, name, secret, strlen(secret));

	ck_assert_ptr_nonnull(p);
	chmod(p, 0600);
	free(p);
}

/* Config for a gateway whose providers talk to the fake on `port`. */
static void
configure(int port, const char *provider)
{
	static char providers[2048];
	char extra[2048];

	write_secret("ali.secret", "testSecret\n");
	write_secret("tx.secret", "tx-secret-key\n");
	snprintf(providers, sizeof(providers),
	    "{ name = \"ali\"; type = \"aliyun\"; access_key_id = \"testId\"; "
	    "access_key_secret_file = \"%s/ali.secret\"; sign_name = "
	    "\"扶贫办\"; endpoint = \"http://127.0.0.1:%d/\"; rate = 200; "
	    "timeout = 5; },\n"
	    "{ name = \"tx\"; type = \"tencent\"; secret_id = \"AKIDtest\"; "
	    "secret_key_file = \"%s/tx.secret\"; sdk_app_id = \"1400006666\"; "
	    "sign_name = \"扶贫办\"; endpoint = \"http://127.0.0.1:%d/\"; "
	    "rate = 200; timeout = 5; }", t.dir, port, t.dir, port);
	t.providers = providers;
	snprintf(extra, sizeof(extra),
	    "sms = { provider = \"%s\"; routes = (\n"
	    "  { path = \"/sms/inbound\"; auth = \"loopback\"; },\n"
	    "  { path = \"/dlr/aliyun\"; auth = \"token\"; token = \""
	    DLR_TOKEN "\"; },\n"
	    "  { path = \"/dlr/tencent\"; auth = \"token\"; token = \""
	    DLR_TOKEN "\"; } ); };\n"
	    "schedule = { quiet_hours = \"\"; };\n"
	    "templates = { dir = \"%s/tpl\"; };\n"
	    "api = { tokens = ( { name = \"ops\"; token_sha256 = \"" ADMIN_SHA
	    "\"; role = \"admin\"; area = \"\"; } ); };\n", provider, t.dir);
	tg_reconfigure(&t, extra);
}

static void
run_ctl(const char *const *args, int want, char **out)
{
	char *argv[16];
	int i = 0, k, rc;

	argv[i++] = strdup(tu_bin("fupinctl"));
	argv[i++] = strdup("-c");
	argv[i++] = strdup(t.conf);
	for (; *args != NULL && i < 15; args++)
		argv[i++] = strdup(*args);
	argv[i] = NULL;
	rc = tu_run(argv, out);
	ck_assert_msg(rc == want, "fupinctl %s: exit %d, not %d: %s", argv[3],
	    rc, want, *out != NULL ? *out : "");
	for (k = 0; k < i; k++)
		free(argv[k]);
}

/* A household of two members in 513431, imported with fupinctl. */
static void
registry(void)
{
	static const char cadres[] = "cadre_id,name,phone,area_code,title\n"
	    "C1,李明辉,19908349001,513431100201,驻村第一书记\n";
	static const char households[] = "household_id,area_code,head_name,"
	    "members,status,poverty_cause,cadre_id,exit_year,language\n"
	    "HH513431000001,513431100201,日火木呷,2,poor,因学,C1,,zh\n";
	static const char members[] = "member_id,household_id,name,id_number,"
	    "phone,relation\n"
	    "M1,HH513431000001,日火木呷,513431198609174074," PHONE1 ",户主\n"
	    "M2,HH513431000001,比子阿衣,513431198912013863," PHONE2 ",配偶\n";
	const char *files[][2] = { { "cadres", cadres },
	    { "households", households }, { "members", members } };
	const char *migrate[] = { "migrate", NULL };
	const char *import[4] = { "import", NULL, NULL, NULL };
	char *out = NULL, *path;
	size_t i;

	run_ctl(migrate, 0, &out);
	free(out);
	for (i = 0; i < 3; i++) {
		path = tu_write_file(t.dir, files[i][0], files[i][1],
		    strlen(files[i][1]));
		import[1] = files[i][0];
		import[2] = path;
		out = NULL;
		run_ctl(import, 0, &out);
		ck_assert_msg(strstr(out, "rejected=0") != NULL, "%s", out);
		free(out);
		free(path);
	}
}

static void
setup(void)
{
	tg_init(&t, NULL);
	write_templates(NULL, NULL, NULL);
}

static void
teardown(void)
{
	su_sim_stop(&sim, 0);	/* it stops at the EOF on its stdin */
	tg_cleanup(&t);
}

/* Start the fake (options), then the gateway sending through it. */
static void
start(const char *sim_options)
{
	int port = sim_start(sim_options);

	configure(port, is_ali ? "ali" : "tx");
	registry();
	tg_start(&t);
}

/* Poll `sql` until it gives `want`, up to secs (stretched). */
static void
wait_text(const char *sql, const char *want, int secs)
{
	int64_t until = tu_mono_ms() + (int64_t)secs * 1000 * tu_slow();
	char *v = NULL;

	for (;;) {
		free(v);
		v = tg_query(&t, sql);
		if (strcmp(v, want) == 0 || tu_mono_ms() > until)
			break;
		tu_sleep_ms(50);
	}
	ck_assert_msg(strcmp(v, want) == 0, "%s: \"%s\", not \"%s\"", sql, v,
	    want);
	free(v);
}

static void
wait_status(long long id, const char *status, int secs)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT status FROM sms_out WHERE id = %lld",
	    id);
	wait_text(sql, status, secs);
}

static long long
post_json(const char *path, const char *body, long want)
{
	struct tg_reply r;
	struct json_object *o, *id;
	long long n = 0;

	ck_assert_int_eq(tg_request(&t, "POST", path, "application/json", body,
	    strlen(body), ADMIN, false, &r), 0);
	ck_assert_msg(r.status == want, "%s: %ld %s", path, r.status, r.body);
	o = json_tokener_parse(r.body);
	if (o != NULL && json_object_object_get_ex(o, "id", &id))
		n = strtoll(json_object_get_string(id), NULL, 10);
	json_object_put(o);
	return n;
}

/* An MO from `from`; returns the id of its reply. */
static long long
mo(const char *from, const char *text)
{
	struct tg_reply r;
	char body[256], sql[128];
	struct json_object *o, *id;
	long long in;

	snprintf(body, sizeof(body), "{\"from\":\"%s\",\"to\":\"10690001\","
	    "\"text\":\"%s\"}", from, text);
	ck_assert_int_eq(tg_request(&t, "POST", "/sms/inbound",
	    "application/json", body, strlen(body), NULL, false, &r), 0);
	ck_assert_msg(r.status == 202, "%ld %s", r.status, r.body);
	o = json_tokener_parse(r.body);
	ck_assert(json_object_object_get_ex(o, "id", &id));
	in = strtoll(json_object_get_string(id), NULL, 10);
	json_object_put(o);
	snprintf(sql, sizeof(sql), "SELECT id FROM sms_out WHERE in_reply_to "
	    "= %lld", in);
	return tg_query_int(&t, sql);
}

/* The fake's accepted send of message `id` (its OutId/SessionContext). */
static struct json_object *
sent_of(long long id)
{
	struct json_object *all = sim_events("send"), *e, *hit = NULL;
	char want[24];
	size_t i;

	snprintf(want, sizeof(want), "%lld", id);
	for (i = 0; i < json_object_array_length(all); i++) {
		e = json_object_array_get_idx(all, i);
		if (strcmp(jstr(e, is_ali ? "out_id" : "session"), want) == 0 &&
		    (strcmp(jstr(e, "code"), "OK") == 0 ||
		    strcmp(jstr(e, "code"), "Ok") == 0))
			hit = json_object_get(e);
	}
	json_object_put(all);
	ck_assert_msg(hit != NULL, "the fake never accepted message %s", want);
	return hit;
}

/* The fake got message `id` as the approved template of `key` with
 * our variable `var` (its parameter) holding `value` (NULL: any). */
static void
check_sent(long long id, const char *key, const char *var, const char *value)
{
	struct json_object *e = sent_of(id), *params, *v;
	char code[64], name[64];

	code_of(key, code, sizeof(code));
	ck_assert_str_eq(jstr(e, "template"), code);
	ck_assert_str_eq(jstr(e, "sign"), "扶贫办");
	ck_assert_str_eq(jstr(e, "sig_ok"), "true");
	params = json_object_object_get(e, "params");
	if (is_ali) {
		snprintf(name, sizeof(name), "v_%s", var);
		ck_assert_msg(json_object_object_get_ex(params, name, &v),
		    "%s has no %s", json_object_to_json_string(params), name);
	} else {
		ck_assert_int_ge(json_object_array_length(params), 1);
		v = json_object_array_get_idx(params, 0);
	}
	if (value != NULL)
		ck_assert_str_eq(json_object_get_string(v), value);
	json_object_put(e);
}

/* ---- the tests --------------------------------------------------------------- */

static void
sends_everything_as_approved_templates(void)
{
	char sql[256], body[512];
	long long api, reply, menu, bc, n;
	struct json_object *all;
	size_t i;
	char *log;

	start("DLR");
	/* The admin API with a notice template. */
	api = post_json("/api/v1/sms", "{\"to\":\"" PHONE1 "\",\"template\":"
	    "\"general_notice\",\"vars\":{\"text\":\"明天开会\"}}", 202);
	wait_status(api, "delivered", 15);
	check_sent(api, "notices/general_notice", "text", "明天开会");
	/* Free text cannot go through a template provider. */
	(void)post_json("/api/v1/sms", "{\"to\":\"" PHONE1 "\",\"text\":"
	    "\"hello\"}", 400);
	/* An SMS reply to an MO, with its ticket as the parameter. */
	reply = mo(PHONE1, "FK 路灯坏了");
	ck_assert_int_gt(reply, 0);
	wait_status(reply, "delivered", 15);
	snprintf(sql, sizeof(sql), "SELECT ticket FROM feedback ORDER BY id "
	    "DESC LIMIT 1");
	log = tg_query(&t, sql);
	check_sent(reply, "sms/fk_ok", "ticket", log);
	free(log);
	/* A menu page by SMS: its screen's template, the page whole. */
	menu = mo(PHONE1, "CD");
	wait_status(menu, "delivered", 15);
	snprintf(sql, sizeof(sql), "SELECT text FROM sms_out WHERE id = %lld",
	    menu);
	log = tg_query(&t, sql);
	check_sent(menu, "menu/main", "screen", log);
	free(log);
	/* A broadcast with a notice template to the household's area. */
	snprintf(body, sizeof(body), "{\"template\":\"general_notice\","
	    "\"vars\":{\"text\":\"培训通知\"},\"audience\":{\"area\":"
	    "\"513431\"}}");
	ck_assert_int_gt(bc = post_json("/api/v1/broadcasts", body, 201), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sms_out WHERE "
	    "broadcast_id = %lld AND status = 'delivered'", bc);
	wait_text(sql, "2", 20);
	/* Every request the fake got was signed right and answered OK, and
	 * every push was answered as the cloud expects. */
	all = sim_events("send");
	n = (long long)json_object_array_length(all);
	ck_assert_int_eq(n, 5);
	for (i = 0; i < (size_t)n; i++) {
		struct json_object *e = json_object_array_get_idx(all, i);

		ck_assert_str_eq(jstr(e, "sig_ok"), "true");
		ck_assert_str_eq(jstr(e, "code"), is_ali ? "OK" : "Ok");
	}
	json_object_put(all);
	all = sim_events("report");
	ck_assert_int_eq(json_object_array_length(all), 5);
	for (i = 0; i < 5; i++) {
		struct json_object *e = json_object_array_get_idx(all, i);

		ck_assert_str_eq(jstr(e, "http"), "200");
		ck_assert_str_eq(jstr(e, "body"), is_ali ?
		    "{\"code\":0,\"msg\":\"成功\"}" :
		    "{\"result\":0,\"errmsg\":\"OK\"}");
	}
	json_object_put(all);
	/* No secret and no full number in the gateway's log. */
	snprintf(body, sizeof(body), "%s/gateway.log", t.dir);
	log = tu_read_file(body, NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert_ptr_null(strstr(log, PHONE1));
	ck_assert_ptr_null(strstr(log, "testSecret"));
	ck_assert_ptr_null(strstr(log, "tx-secret-key"));
	free(log);
	ck_assert_int_eq(tg_stop(&t, SIGTERM), 0);
}

START_TEST(aliyun_sends_replies_api_menu_and_broadcasts_as_templates)
{
	is_ali = true;
	sends_everything_as_approved_templates();
}
END_TEST

START_TEST(tencent_sends_replies_api_menu_and_broadcasts_as_templates)
{
	is_ali = false;
	sends_everything_as_approved_templates();
}
END_TEST

static void
throttling_retried_hard_errors_failed(void)
{
	char sql[200], want[200];
	long long ok, bad;

	start("DLR --throttle 2 --fail-number " PHONE2);
	ok = post_json("/api/v1/sms", "{\"to\":\"" PHONE1 "\",\"template\":"
	    "\"general_notice\",\"vars\":{\"text\":\"x\"}}", 202);
	/* Two throttled answers, each a retry after the backoff (2 s, 4 s
	 * +/- 20 %), then sent and delivered. */
	wait_status(ok, "delivered", 30);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sms_out_history "
	    "WHERE message_id = %lld AND status = 'queued' AND detail LIKE "
	    "'%s%%'", ok, is_ali ? "aliyun isv.BUSINESS_LIMIT_CONTROL" :
	    "tencent LimitExceeded.PhoneNumberThirtySecondLimit");
	wait_text(sql, "2", 1);
	bad = post_json("/api/v1/sms", "{\"to\":\"" PHONE2 "\",\"template\":"
	    "\"general_notice\",\"vars\":{\"text\":\"x\"}}", 202);
	wait_status(bad, "failed", 15);
	snprintf(sql, sizeof(sql), "SELECT last_error FROM sms_out WHERE id = "
	    "%lld", bad);
	snprintf(want, sizeof(want), "%s", is_ali ?
	    "aliyun isv.MOBILE_NUMBER_ILLEGAL: 非法手机号" :
	    "tencent InvalidParameterValue.IncorrectPhoneNumber: 手机号格式错误");
	wait_text(sql, want, 1);
	/* Failed at once: one attempt. */
	snprintf(sql, sizeof(sql), "SELECT attempts FROM sms_out WHERE id = "
	    "%lld", bad);
	wait_text(sql, "1", 1);
	ck_assert_int_eq(tg_stop(&t, SIGTERM), 0);
	/* A queued message whose text has no approved template (a row from
	 * before the mapping changed): failed at its first attempt with
	 * why, never retried until max_attempts. */
	{
		sqlite3 *h = NULL;
		char ins[512];
		long long now = (long long)time(NULL);

		ck_assert_int_eq(sqlite3_open(t.db, &h), SQLITE_OK);
		snprintf(ins, sizeof(ins), "INSERT INTO sms_out(msisdn, text, "
		    "kind, encoding, segments, provider, next_attempt_at, "
		    "expires_at, created_at, updated_at, tpl_key, tpl_lang, "
		    "tpl_vars) VALUES ('" PHONE1 "', 'x', 'api', 'gsm7', 1, "
		    "'%s', 0, %lld, %lld, %lld, 'sms/no_such_text', 'zh', "
		    "'{}')", is_ali ? "ali" : "tx", now + 86400, now, now);
		ck_assert_int_eq(sqlite3_exec(h, ins, NULL, NULL, NULL),
		    SQLITE_OK);
		bad = (long long)sqlite3_last_insert_rowid(h);
		sqlite3_close(h);
	}
	tg_start(&t);
	wait_status(bad, "failed", 15);
	snprintf(sql, sizeof(sql), "SELECT attempts || ' ' || (last_error "
	    "LIKE '%%no approved template%%') FROM sms_out WHERE id = %lld",
	    bad);
	wait_text(sql, "1 1", 1);
	ck_assert_int_eq(tg_stop(&t, SIGTERM), 0);
}

START_TEST(aliyun_throttling_is_retried_and_a_bad_number_fails)
{
	is_ali = true;
	throttling_retried_hard_errors_failed();
}
END_TEST

START_TEST(tencent_throttling_is_retried_and_a_bad_number_fails)
{
	is_ali = false;
	throttling_retried_hard_errors_failed();
}
END_TEST

/* POST a callback body to path; returns the status. */
static long
callback(const char *path, const char *body, size_t len)
{
	struct tg_reply r;

	ck_assert_int_eq(tg_request(&t, "POST", path, "application/json", body,
	    len, NULL, false, &r), 0);
	return r.status;
}

/* One report in the cloud's push format (ali: Aliyun's, else Tencent's). */
static void
report_body(char *out, size_t len, bool ali, const char *phone,
    long long out_id, const char *msgid, bool ok)
{
	if (ali)
		snprintf(out, len, "[{\"phone_number\":\"%s\",\"send_time\":"
		    "\"2026-01-01 00:00:00\",\"report_time\":\"2026-01-01 "
		    "00:00:01\",\"success\":%s,\"err_code\":\"%s\",\"err_msg\":"
		    "\"%s\",\"sms_size\":\"1\",\"biz_id\":\"%s\",\"out_id\":"
		    "\"%lld\"}]", phone, ok ? "true" : "false", ok ? "DELIVERED" :
		    "UNDELIV", ok ? "用户接收成功" : "用户接收失败", msgid, out_id);
	else
		snprintf(out, len, "[{\"user_receive_time\":\"2026-01-01 "
		    "00:00:01\",\"nationcode\":\"86\",\"mobile\":\"%s\","
		    "\"report_status\":\"%s\",\"errmsg\":\"%s\",\"description\":"
		    "\"%s\",\"sid\":\"%s\"}]", phone, ok ? "SUCCESS" : "FAIL",
		    ok ? "DELIVRD" : "UNDELIV", ok ? "用户短信送达成功" :
		    "用户短信接收失败", msgid);
}

static void
forged_callbacks_change_nothing(void)
{
	char path[128], other[128], body[4096], sql[200], msgid[160], *v;
	const char *cloud = is_ali ? "aliyun" : "tencent";
	long long id;
	int i;

	start("");	/* no pushes of its own */
	id = post_json("/api/v1/sms", "{\"to\":\"" PHONE1 "\",\"template\":"
	    "\"general_notice\",\"vars\":{\"text\":\"x\"}}", 202);
	wait_status(id, "sent", 15);
	snprintf(sql, sizeof(sql), "SELECT provider_msgid FROM sms_out WHERE "
	    "id = %lld", id);
	v = tg_query(&t, sql);
	snprintf(msgid, sizeof(msgid), "%s", v);
	free(v);
	ck_assert_uint_gt(strlen(msgid), 0);
	snprintf(path, sizeof(path), "/dlr/%s?token=%s", cloud, DLR_TOKEN);

	/* No token, a wrong one: 401. */
	report_body(body, sizeof(body), is_ali, PHONE1, id, msgid, true);
	snprintf(other, sizeof(other), "/dlr/%s", cloud);
	ck_assert_int_eq(callback(other, body, strlen(body)), 401);
	snprintf(other, sizeof(other), "/dlr/%s?token=wrong-token-0123456789",
	    cloud);
	ck_assert_int_eq(callback(other, body, strlen(body)), 401);
	/* Malformed: not JSON, not an array, empty, a field of the wrong
	 * type, an id missing. */
	ck_assert_int_eq(callback(path, "{not json", 9), 400);
	ck_assert_int_eq(callback(path, "{\"biz_id\":\"1\"}", 14), 400);
	ck_assert_int_eq(callback(path, "[]", 2), 400);
	snprintf(body, sizeof(body), is_ali ? "[{\"phone_number\":\"" PHONE1
	    "\",\"success\":\"yes\",\"biz_id\":\"%s\",\"out_id\":\"%lld\"}]" :
	    "[{\"mobile\":\"" PHONE1 "\",\"nationcode\":86,\"report_status\":"
	    "\"SUCCESS\",\"sid\":\"%s\",\"x\":\"%lld\"}]", msgid, id);
	ck_assert_int_eq(callback(path, body, strlen(body)), 400);
	report_body(body, sizeof(body), is_ali, PHONE1, id, "", true);
	ck_assert_int_eq(callback(path, body, strlen(body)), 400);
	/* Oversized: over http.max_body (2048 here), before any handler. */
	memset(body, ' ', sizeof(body));
	body[0] = '[';
	body[sizeof(body) - 1] = ']';
	ck_assert_int_eq(callback(path, body, sizeof(body)), 413);
	/* Our message's id, but another number. */
	report_body(body, sizeof(body), is_ali, PHONE2, id, msgid, true);
	ck_assert_int_eq(callback(path, body, strlen(body)), 200);
	/* Aliyun: the right number but another OutId. */
	if (is_ali) {
		report_body(body, sizeof(body), true, PHONE1, id + 1000, msgid,
		    true);
		ck_assert_int_eq(callback(path, body, strlen(body)), 200);
	}
	/* An id nobody has. */
	report_body(body, sizeof(body), is_ali, PHONE1, id, "no-such-id",
	    true);
	ck_assert_int_eq(callback(path, body, strlen(body)), 200);
	/* The other cloud's callback naming this message: not its own. */
	report_body(body, sizeof(body), !is_ali, PHONE1, id, msgid, true);
	snprintf(other, sizeof(other), "/dlr/%s?token=%s", is_ali ? "tencent" :
	    "aliyun", DLR_TOKEN);
	ck_assert_int_eq(callback(other, body, strlen(body)), 200);
	/* None of them changed anything. */
	snprintf(sql, sizeof(sql), "SELECT status || ',' || (SELECT count(*) "
	    "FROM dlr WHERE message_id = %lld) FROM sms_out WHERE id = %lld",
	    id, id);
	wait_text(sql, "sent,0", 1);
	/* The genuine report: delivered (twice: harmless); a later failure
	 * cannot undo it. */
	report_body(body, sizeof(body), is_ali, PHONE1, id, msgid, true);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(callback(path, body, strlen(body)), 200);
	wait_status(id, "delivered", 1);
	report_body(body, sizeof(body), is_ali, PHONE1, id, msgid, false);
	ck_assert_int_eq(callback(path, body, strlen(body)), 200);
	wait_status(id, "delivered", 1);
	ck_assert_int_eq(tg_stop(&t, SIGTERM), 0);
}

START_TEST(aliyun_forged_oversized_or_malformed_callbacks_change_nothing)
{
	is_ali = true;
	forged_callbacks_change_nothing();
}
END_TEST

START_TEST(tencent_forged_oversized_or_malformed_callbacks_change_nothing)
{
	is_ali = false;
	forged_callbacks_change_nothing();
}
END_TEST

START_TEST(a_failed_report_fails_the_message_with_the_clouds_reason)
{
	long long id;

	is_ali = false;
	start("DLR --report failed");
	id = post_json("/api/v1/sms", "{\"to\":\"" PHONE1 "\",\"template\":"
	    "\"general_notice\",\"vars\":{\"text\":\"x\"}}", 202);
	wait_status(id, "failed", 15);
	{
		char sql[128];

		snprintf(sql, sizeof(sql), "SELECT last_error FROM sms_out "
		    "WHERE id = %lld", id);
		wait_text(sql, "tencent UNDELIV 用户短信接收失败", 1);
	}
	ck_assert_int_eq(tg_stop(&t, SIGTERM), 0);
}
END_TEST

START_TEST(a_missing_mapping_is_named_by_the_check_and_stops_the_start)
{
	const char *check[] = { "templates", "check", NULL };
	const char *skeleton[] = { "templates", "skeleton", "ali", NULL };
	char *out = NULL, log[700], *text;
	pid_t pid;
	int status;

	is_ali = true;
	write_templates("sms/fk_ok", NULL, NULL);
	configure(9, "ali");
	run_ctl(check, 65, &out);
	ck_assert_msg(strstr(out, "provider ali: no approved template for "
	    "sms/fk_ok (zh)") != NULL, "%s", out);
	/* That one, and nothing else. */
	ck_assert_ptr_null(strstr(out, "no approved template for sms/help"));
	ck_assert_ptr_null(strstr(out, "no approved template for menu/"));
	free(out);
	/* The gateway says the same and does not start. */
	snprintf(log, sizeof(log), "%s/refused.log", t.dir);
	pid = tg_spawn(t.conf, log);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 78);
	text = tu_read_file(log, NULL);
	ck_assert_msg(strstr(text, "no approved template for sms/fk_ok (zh)") !=
	    NULL, "%s", text);
	free(text);

	/* Complete, but with the documented limits (Aliyun 35, Tencent 12
	 * characters): a menu page is too long for either, the household
	 * status's programs for Tencent. */
	write_templates(NULL, "", "");
	out = NULL;
	run_ctl(check, 65, &out);
	ck_assert_msg(strstr(out, "menu/main (*): parameter v_screen "
	    "({screen}) may be 160 characters, over the provider's 35 "
	    "(param_max)") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "provider tx: sms/cx_status (*): parameter "
	    "programs ({programs}) may be 28 characters, over the provider's "
	    "12 (param_max)") != NULL, "%s", out);
	free(out);
	/* All there and within the limits: OK. */
	write_templates(NULL, NULL, NULL);
	out = NULL;
	run_ctl(check, 0, &out);
	ck_assert_ptr_nonnull(strstr(out, "approved templates"));
	free(out);
	/* The operator's start: every text with its variables, codes to
	 * fill in. */
	out = NULL;
	run_ctl(skeleton, 0, &out);
	ck_assert_msg(strstr(out, "{ provider = \"ali\";") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "{ text = \"sms/fk_ok\"; lang = \"*\"; "
	    "code = \"\";\n        params = [ \"ticket\" ]; }") != NULL, "%s",
	    out);
	ck_assert_ptr_nonnull(strstr(out, "{ text = \"menu/main\";"));
	free(out);
}
END_TEST

Suite *
cloud_sms_suite(void)
{
	Suite *s = suite_create("cloud_sms");
	TCase *tc;

	tc = tcase_create("aliyun");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc,
	    aliyun_sends_replies_api_menu_and_broadcasts_as_templates);
	tcase_add_test(tc, aliyun_throttling_is_retried_and_a_bad_number_fails);
	tcase_add_test(tc,
	    aliyun_forged_oversized_or_malformed_callbacks_change_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("tencent");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc,
	    tencent_sends_replies_api_menu_and_broadcasts_as_templates);
	tcase_add_test(tc,
	    tencent_throttling_is_retried_and_a_bad_number_fails);
	tcase_add_test(tc,
	    tencent_forged_oversized_or_malformed_callbacks_change_nothing);
	tcase_add_test(tc,
	    a_failed_report_fails_the_message_with_the_clouds_reason);
	suite_add_tcase(s, tc);

	tc = tcase_create("templates");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc,
	    a_missing_mapping_is_named_by_the_check_and_stops_the_start);
	suite_add_tcase(s, tc);
	return s;
}
