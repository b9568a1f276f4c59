/*
 * test_routing.c: several links at once (issue 16): routing by number
 * prefix (gateway/core/route.c, the mt_routes rules checked by
 * common/cfg_mt.c), failover from a provider that is down to another
 * (gateway/send/failover.c in the sender's rounds, outbox_failover), and
 * an MO answered over the link it came in on.
 *
 * In process: route_pick on a table of numbers, the rules' refusals (a
 * bad file exits 78 naming FILE:LINE), outbox_enqueue routing and
 * outbox_failover on a migrated in-memory store, the failover state on
 * its own with a clock the test moves.  Through the real gateway: two
 * http_json providers played by tests/soak/sink.py (each logs every
 * message it accepts, so "exactly once" is read from the logs), one
 * answering 500 until it recovers; a cmpp provider whose ISMG never
 * answers; and the CMPP simulator (tests/sim/cmpp_sim.py) for an MO over
 * the link.
 */
#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "failover.h"
#include "gwtest.h"
#include "outbox.h"
#include "route.h"
#include "sim_util.h"
#include "store.h"
#include "testutil.h"

Suite *routing_suite(void);

#define SINK		"tests/soak/sink.py"
#define SECRET		"cmpp-shared-secret"
#define SP_ID		"901234"
/* sha256("demo-admin-token") */
#define TOKENS \
	"api = { tokens = ( { name = \"ops\"; token_sha256 = " \
	"\"91c16f0d6cc1bec3c3603972182a07c66ff4fa71618a975e963d6dbe42b6dd37\"; " \
	"role = \"admin\"; area = \"\"; } ); };\n"
#define ADMIN		"Authorization: Bearer demo-admin-token"

/* China Mobile's number blocks (the example rule). */
#define CM_PREFIXES \
	"\"+86134\", \"+86135\", \"+86136\", \"+86137\", \"+86138\", " \
	"\"+86139\", \"+86147\", \"+86150\", \"+86151\", \"+86152\", " \
	"\"+86157\", \"+86158\", \"+86159\", \"+86172\", \"+86178\", " \
	"\"+86182\", \"+86183\", \"+86184\", \"+86187\", \"+86188\", " \
	"\"+86195\", \"+86197\", \"+86198\""

/* ---- rules ---------------------------------------------------------------- */

static const char rules_conf[] =
    "providers = (\n"
    "  { name = \"cm\"; type = \"cmpp\"; host = \"127.0.0.1\";\n"
    "    source_addr = \"901234\"; shared_secret = \"s\"; },\n"
    "  { name = \"ct\"; type = \"file\"; path = \"/tmp/unused-ct\"; },\n"
    "  { name = \"ali\"; type = \"http_json\"; url = \"http://127.0.0.1:9/\";\n"
    "    token = \"t\"; sign_name = \"扶贫办公室\"; },\n"
    "  { name = \"smsc\"; type = \"smpp\"; host = \"127.0.0.1\";\n"
    "    system_id = \"fupin\"; password = \"pw\"; }\n"
    ");\n"
    "mt_routes = (\n"
    "  { prefixes = [ " CM_PREFIXES " ]; provider = \"cm\"; },\n"
    "  { prefixes = [ \"+86133\", \"+86153\", \"+86189\", \"+8619\" ];\n"
    "    provider = \"ct\"; },\n"
    "  { provider = \"ali\"; }\n"
    ");\n";

/* First match wins; the last rule, without prefixes, takes the rest. */
START_TEST(rules_pick_the_provider_by_prefix)
{
	static const struct {
		const char *to, *want;
	} cases[] = {
		{ "+8613908340107", "cm" },	/* 139: China Mobile */
		{ "+8615012345678", "cm" },
		{ "+8619812345678", "cm" },	/* 198 before ct's 19 */
		{ "+8613312345678", "ct" },	/* 133: China Telecom */
		{ "+8619912345678", "ct" },	/* ct's 19 */
		{ "+8618912345678", "ct" },
		{ "+8618612345678", "ali" },	/* 186: China Unicom */
		{ "+8613012345678", "ali" },
		{ "+85291234567", "ali" },	/* Hong Kong */
		{ "+86139", "cm" },		/* the prefix itself */
		{ "+8613", "ali" },		/* shorter than any prefix */
	};
	struct cfg *cfg = tu_load_cfg(rules_conf);
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(strcmp(route_pick(cfg, cases[i].to, NULL),
		    cases[i].want) == 0, "%s: %s, not %s", cases[i].to,
		    route_pick(cfg, cases[i].to, NULL), cases[i].want);
	/* The default rule is sms.provider, for whoever asks it. */
	ck_assert_str_eq(cfg->sms.provider, "ali");
	ck_assert_str_eq(route_pick(cfg, NULL, NULL), "ali");
	cfg_free(cfg);
}
END_TEST

/* route.h: the MO's own link first, whatever the rules say; any other
 * route is no hint. */
START_TEST(an_mo_that_came_over_a_link_is_answered_over_it)
{
	struct cfg *cfg = tu_load_cfg(rules_conf);

	/* A Unicom number the rules send to ali, over cm's link: cm. */
	ck_assert_str_eq(route_pick(cfg, "+8618612345678", "cmpp:cm"), "cm");
	ck_assert_str_eq(route_pick(cfg, "+8613908340107", "smpp:smsc"),
	    "smsc");
	/* Not a link, a link of another type, a provider we do not have. */
	ck_assert_str_eq(route_pick(cfg, "+8613908340107", "kannel"), "cm");
	ck_assert_str_eq(route_pick(cfg, "+8613908340107", "inbound"), "cm");
	ck_assert_str_eq(route_pick(cfg, "+8613908340107", "smpp:cm"), "cm");
	ck_assert_str_eq(route_pick(cfg, "+8618612345678", "cmpp:smsc"),
	    "ali");
	ck_assert_str_eq(route_pick(cfg, "+8618612345678", "cmpp:gone"),
	    "ali");
	ck_assert_str_eq(route_pick(cfg, "+8618612345678", "cmpp:ct"), "ali");
	ck_assert_str_eq(route_pick(cfg, "+8618612345678", "cmppx:cm"), "ali");
	cfg_free(cfg);
}
END_TEST

START_TEST(without_a_default_rule_the_rest_go_to_sms_provider)
{
	struct cfg *cfg = tu_load_cfg(
	    "sms = { provider = \"ct\"; };\n"
	    "providers = (\n"
	    "  { name = \"cm\"; type = \"file\"; path = \"/tmp/unused-cm\"; },\n"
	    "  { name = \"ct\"; type = \"file\"; path = \"/tmp/unused-ct\"; },\n"
	    "  { name = \"spare\"; type = \"file\"; path = \"/tmp/u-s\"; }\n"
	    ");\n"
	    "mt_routes = ( { prefixes = [ \"+86139\" ]; provider = \"cm\"; } );\n");

	ck_assert_str_eq(route_pick(cfg, "+8613908340107", NULL), "cm");
	ck_assert_str_eq(route_pick(cfg, "+8618612345678", NULL), "ct");
	ck_assert(route_may_pick(cfg, cfg_provider_find(cfg, "cm")));
	ck_assert(route_may_pick(cfg, cfg_provider_find(cfg, "ct")));
	ck_assert(!route_may_pick(cfg, cfg_provider_find(cfg, "spare")));
	ck_assert(!route_may_pick(cfg, NULL));
	cfg_free(cfg);
}
END_TEST

/* No rules at all: as before issue 16, everything to sms.provider. */
START_TEST(without_rules_everything_goes_to_sms_provider)
{
	struct cfg *cfg = tu_load_cfg(
	    "providers = ( { name = \"only\"; type = \"file\"; "
	    "path = \"/tmp/unused\"; } );\n");

	ck_assert_uint_eq(cfg->n_mt_routes, 0);
	ck_assert_str_eq(route_pick(cfg, "+8613908340107", NULL), "only");
	ck_assert_str_eq(route_pick(cfg, "+8613908340107", "cmpp:only"),
	    "only");
	cfg_free(cfg);
}
END_TEST

/* SPEC 8: the gateway refuses to start, every problem at its line. */
START_TEST(a_bad_route_config_exits_78_naming_file_and_line)
{
	static const char *const files[] = {
		"tests/data/bad_mt_routes.conf",
		"tests/data/bad_mt_routes_unreachable.conf",
		"tests/data/bad_failover.conf",
	};
	static const char *const want[] = {
		"tests/data/bad_mt_routes.conf:11: 'mt_routes[0].provider' is "
		    "'cmcc', not a configured provider",
		"tests/data/bad_mt_routes_unreachable.conf:12: 'mt_routes[3]' "
		    "can never match",
		"tests/data/bad_failover.conf:6: 'providers[0].failover' is "
		    "'tencent', not a configured provider",
	};
	char bin[512], *out = NULL;
	size_t i;

	snprintf(bin, sizeof(bin), "%s", tu_bin("fupin-gateway"));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *argv[] = { bin, "-c", (char *)(uintptr_t)files[i], NULL };

		ck_assert_int_eq(tu_run(argv, &out), 78);
		ck_assert_msg(strstr(out, want[i]) != NULL, "%s", out);
		free(out);
		out = NULL;
	}
}
END_TEST

/* ---- the outbox ------------------------------------------------------------- */

static struct store *st;
static struct cfg *ocfg;

static const char outbox_conf[] =
    "sms = { shortcode = \"10690001\"; };\n"
    "providers = (\n"
    "  { name = \"cm\"; type = \"cmpp\"; host = \"127.0.0.1\";\n"
    "    source_addr = \"901234\"; shared_secret = \"s\";\n"
    "    failover = \"ali\"; failover_after = 2; },\n"
    "  { name = \"ali\"; type = \"http_json\"; url = \"http://127.0.0.1:9/\";\n"
    "    token = \"t\"; sign_name = \"扶贫开发领导小组办公室\"; },\n"
    "  { name = \"tx\"; type = \"tencent\"; secret_id = \"id\";\n"
    "    secret_key = \"k\"; sdk_app_id = \"1400000000\";\n"
    "    sign_name = \"扶贫\"; }\n"
    ");\n"
    "mt_routes = ( { prefixes = [ \"+86139\" ]; provider = \"cm\"; },\n"
    "  { provider = \"ali\"; } );\n";

static void
outbox_setup(void)
{
	ocfg = tu_load_cfg(outbox_conf);
	st = tu_open_store(":memory:");
	outbox_set_include_msisdn(false);
}

static void
outbox_teardown(void)
{
	store_close(st);
	cfg_free(ocfg);
}

static int64_t
enqueue(const char *to, const char *provider, const char *via,
    const char *tpl_key, int64_t now)
{
	struct outbox_msg m;
	int64_t id = 0;

	memset(&m, 0, sizeof(m));
	m.to = to;
	m.text = "您好";
	m.provider = provider;
	m.via = via;
	m.tpl_key = tpl_key;
	ck_assert_int_eq(outbox_enqueue(st, ocfg, &m, now, &id), FP_OK);
	return id;
}

static const char *
provider_of(int64_t id)
{
	return tu_query_text(store_db(st), "SELECT provider FROM sms_out "
	    "WHERE id = ?", id);
}

START_TEST(the_outbox_routes_messages_without_a_provider)
{
	int64_t a, b, c, d;

	a = enqueue("+8613908340107", NULL, NULL, NULL, TU_T0);
	b = enqueue("+8618612345678", NULL, NULL, NULL, TU_T0);
	c = enqueue("+8618612345678", NULL, "cmpp:cm", NULL, TU_T0);
	d = enqueue("+8613908340107", "ali", "cmpp:cm", NULL, TU_T0);
	ck_assert_str_eq(provider_of(a), "cm");
	ck_assert_str_eq(provider_of(b), "ali");
	ck_assert_str_eq(provider_of(c), "cm");	/* back over the link */
	ck_assert_str_eq(provider_of(d), "ali");	/* explicit stays */
}
END_TEST

/* Free text never reaches a template provider, routed or not. */
START_TEST(a_route_to_a_template_provider_refuses_free_text)
{
	struct cfg *cfg = tu_load_cfg(
	    "providers = (\n"
	    "  { name = \"cm\"; type = \"file\"; path = \"/tmp/unused-cm\"; },\n"
	    "  { name = \"tx\"; type = \"tencent\"; secret_id = \"id\";\n"
	    "    secret_key = \"k\"; sdk_app_id = \"1400000000\";\n"
	    "    sign_name = \"扶贫\"; }\n"
	    ");\n"
	    "mt_routes = ( { prefixes = [ \"+86139\" ]; provider = \"cm\"; },\n"
	    "  { provider = \"tx\"; } );\n");
	struct outbox_msg m;
	int64_t id;

	memset(&m, 0, sizeof(m));
	m.to = "+8613908340107";
	m.text = "您好";
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_OK);
	m.to = "+8618612345678";
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_EINVAL);
	m.tpl_key = "sms/help";
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_OK);
	ck_assert_str_eq(provider_of(id), "tx");
	cfg_free(cfg);
}
END_TEST

/* Not known yet where it goes: counted as the longest signature would
 * make it; a named provider counts its own. */
START_TEST(a_text_is_measured_for_every_provider_it_may_be_routed_to)
{
	char text[200];
	size_t n = 0;

	/* 60 characters of Chinese: 1 part alone or with a short sign,
	 * 2 with ali's 12-character 【...】. */
	memset(text, 0, sizeof(text));
	for (size_t i = 0; i < 60; i++)
		memcpy(text + i * 3, "扶", 3);
	ck_assert_int_eq(outbox_segments(ocfg, "cm", text, &n), FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(outbox_segments(ocfg, "ali", text, &n), FP_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(outbox_segments(ocfg, NULL, text, &n), FP_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(outbox_segments(ocfg, "nobody", text, &n),
	    FP_EINVAL);
}
END_TEST

START_TEST(failover_moves_due_queued_messages_once_with_their_history)
{
	int64_t a, sending, l, other, free_text, tpl;
	struct outbox_item *items = NULL;
	size_t n = 0, moved = 0;

	a = enqueue("+8613908340101", NULL, NULL, NULL, TU_T0);
	sending = enqueue("+8613908340102", NULL, NULL, NULL, TU_T0);
	l = enqueue("+8613908340103", NULL, NULL, NULL, TU_T0);
	other = enqueue("+8618612345678", NULL, NULL, NULL, TU_T0);
	ck_assert_str_eq(provider_of(other), "ali");
	/* All three tried; two retried to later with an attempt spent, one
	 * still being sent. */
	ck_assert_int_eq(outbox_claim(st, "cm", TU_T0, 3, &items, &n), FP_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(outbox_mark_retry(st, a, TU_T0 + 100, "http 500",
	    TU_T0), FP_OK);
	ck_assert_int_eq(outbox_mark_retry(st, l, TU_T0 + 100, "http 500",
	    TU_T0), FP_OK);
	outbox_items_free(items, n);
	ck_assert_int_eq(store_begin(st), FP_OK);
	/* Queued, due or still backing off: at most `max` a time, the
	 * earliest due first, each once. */
	ck_assert_int_eq(outbox_failover(st, "cm", "ali", false, TU_T0 + 50,
	    1, &moved), FP_OK);
	ck_assert_uint_eq(moved, 1);
	ck_assert_str_eq(provider_of(a), "ali");
	ck_assert_str_eq(provider_of(l), "cm");
	ck_assert_int_eq(outbox_failover(st, "cm", "ali", false, TU_T0 + 50,
	    100, &moved), FP_OK);
	ck_assert_uint_eq(moved, 1);
	ck_assert_int_eq(outbox_failover(st, "cm", "ali", false, TU_T0 + 50,
	    100, &moved), FP_OK);
	ck_assert_uint_eq(moved, 0);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_str_eq(provider_of(l), "ali");
	ck_assert_str_eq(provider_of(sending), "cm");	/* in flight */
	ck_assert_str_eq(provider_of(other), "ali");
	/* Its attempts start again there; due at once. */
	ck_assert_int_eq(tu_query_int(store_db(st), "SELECT attempts FROM "
	    "sms_out WHERE id = ?", a), 0);
	ck_assert_int_eq(tu_query_int(store_db(st), "SELECT next_attempt_at "
	    "FROM sms_out WHERE id = ?", a), TU_T0 + 50);
	ck_assert_int_eq(tu_query_int(store_db(st), "SELECT count(*) FROM "
	    "sms_out_history WHERE detail = 'failover from cm to ali'", 0), 2);
	ck_assert_int_eq(tu_query_int(store_db(st), "SELECT count(*) FROM "
	    "sms_out_history WHERE message_id = ? AND status = 'queued' AND "
	    "detail = 'failover from cm to ali'", a), 1);
	/* To a template provider only what a template made moves. */
	free_text = enqueue("+8613908340104", NULL, NULL, NULL, TU_T0);
	tpl = enqueue("+8613908340105", NULL, NULL, "sms/help", TU_T0);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(outbox_failover(st, "cm", "tx", true, TU_T0 + 200,
	    100, &moved), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_uint_eq(moved, 1);
	ck_assert_str_eq(provider_of(tpl), "tx");
	ck_assert_str_eq(provider_of(free_text), "cm");
}
END_TEST

/* ---- the failover state ---------------------------------------------------- */

START_TEST(retries_for_failover_after_begin_a_failover)
{
	struct failover f;
	int64_t t = TU_T0;

	failover_init(&f, 300);
	ck_assert_int_eq(failover_update(&f, t), FAILOVER_SAME);
	failover_outcome(&f, PROVIDER_RETRY, t);
	failover_outcome(&f, PROVIDER_RETRY, t + 200);
	ck_assert(failover_is_failing(&f));
	ck_assert_int_eq(failover_update(&f, t + 299), FAILOVER_SAME);
	ck_assert(!failover_is_over(&f));
	ck_assert_int_eq(failover_update(&f, t + 300), FAILOVER_BEGIN);
	ck_assert(failover_is_over(&f));
	ck_assert_int_eq(failover_update(&f, t + 301), FAILOVER_SAME);
	/* An answer in between starts the count again. */
	failover_init(&f, 300);
	failover_outcome(&f, PROVIDER_RETRY, t);
	failover_outcome(&f, PROVIDER_ACCEPTED, t + 100);
	failover_outcome(&f, PROVIDER_RETRY, t + 200);
	ck_assert_int_eq(failover_update(&f, t + 400), FAILOVER_SAME);
	ck_assert_int_eq(failover_update(&f, t + 500), FAILOVER_BEGIN);
	/* A refusal is an answer too: the provider is there. */
	failover_init(&f, 300);
	failover_outcome(&f, PROVIDER_RETRY, t);
	failover_outcome(&f, PROVIDER_REJECTED, t + 100);
	ck_assert(!failover_is_failing(&f));
	ck_assert_int_eq(failover_update(&f, t + 1000), FAILOVER_SAME);
}
END_TEST

START_TEST(a_probe_now_and_then_and_its_answer_end_the_failover)
{
	struct failover f;
	int64_t t = TU_T0;

	failover_init(&f, 300);
	ck_assert(!failover_probe_due(&f, t));
	failover_outcome(&f, PROVIDER_RETRY, t);
	ck_assert_int_eq(failover_update(&f, t + 300), FAILOVER_BEGIN);
	/* Every min(after, 30 s). */
	ck_assert(!failover_probe_due(&f, t + 329));
	ck_assert(failover_probe_due(&f, t + 330));
	failover_probe_taken(&f, t + 330);
	ck_assert(!failover_probe_due(&f, t + 331));
	failover_outcome(&f, PROVIDER_RETRY, t + 331);
	ck_assert_int_eq(failover_update(&f, t + 331), FAILOVER_SAME);
	ck_assert(failover_probe_due(&f, t + 360));
	failover_outcome(&f, PROVIDER_ACCEPTED, t + 361);
	ck_assert_int_eq(failover_update(&f, t + 361), FAILOVER_END);
	ck_assert(!failover_is_over(&f));
	ck_assert(!failover_probe_due(&f, t + 1000));
	/* A short failover_after probes as often. */
	failover_init(&f, 2);
	failover_outcome(&f, PROVIDER_RETRY, t);
	ck_assert_int_eq(failover_update(&f, t + 2), FAILOVER_BEGIN);
	ck_assert(failover_probe_due(&f, t + 4));
}
END_TEST

START_TEST(a_link_that_is_not_bound_fails_over_until_it_binds)
{
	struct failover f;
	int64_t t = TU_T0;

	failover_init(&f, 60);
	failover_link(&f, -1, t);	/* no link: nothing */
	ck_assert(!failover_is_failing(&f));
	failover_link(&f, 0, t);
	failover_link(&f, 0, t + 30);
	ck_assert_int_eq(failover_down_since(&f), t);
	ck_assert_int_eq(failover_update(&f, t + 59), FAILOVER_SAME);
	ck_assert_int_eq(failover_update(&f, t + 60), FAILOVER_BEGIN);
	/* Unbound: no probe, however long. */
	ck_assert(!failover_probe_due(&f, t + 1000));
	failover_link(&f, 1, t + 1000);
	ck_assert_int_eq(failover_update(&f, t + 1000), FAILOVER_END);
	/* Bound again but its submits were retried: a probe decides. */
	failover_link(&f, 0, t + 2000);
	failover_outcome(&f, PROVIDER_RETRY, t + 2010);
	ck_assert_int_eq(failover_update(&f, t + 2060), FAILOVER_BEGIN);
	failover_link(&f, 1, t + 2070);
	ck_assert_int_eq(failover_update(&f, t + 2070), FAILOVER_SAME);
	ck_assert(failover_probe_due(&f, t + 2090));
	failover_outcome(&f, PROVIDER_ACCEPTED, t + 2091);
	ck_assert_int_eq(failover_update(&f, t + 2091), FAILOVER_END);
}
END_TEST

/* ---- helpers for the gateway tests ----------------------------------------- */

static struct tg gt;
static char *dir;

/* Two http_json providers (tests/soak/sink.py) and the CMPP simulator. */
static struct su_sim sink_a, sink_b, sim;

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* GET http://127.0.0.1:port/path; the status, 0 when nobody answered. */
static long
http_get(int port, const char *path)
{
	char url[256];
	long status = 0;
	CURL *c = curl_easy_init();

	ck_assert_ptr_nonnull(c);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return status;
}

/* A provider that accepts ("ok"), answers 500 ("500"), or hangs. */
static void
sink_start(struct su_sim *s, const char *name)
{
	char port[16], out[600], *argv[5];
	int64_t until;

	s->in = -1;
	s->port = tu_free_port();
	ck_assert_int_gt(s->port, 0);
	snprintf(port, sizeof(port), "%d", s->port);
	snprintf(s->log, sizeof(s->log), "%s/%s.log", dir, name);
	snprintf(out, sizeof(out), "%s/%s.out", dir, name);
	argv[0] = "/usr/bin/python3";
	argv[1] = SINK;
	argv[2] = port;
	argv[3] = s->log;
	argv[4] = NULL;
	s->pid = su_spawn(argv, out, NULL);
	until = tu_mono_ms() + 10000;
	while (http_get(s->port, "/_soak/stats") != 200) {
		ck_assert_msg(tu_mono_ms() < until, "%s did not start", name);
		tu_sleep_ms(50);
	}
}

static void
sink_mode(const struct su_sim *s, const char *mode)
{
	char path[64];

	snprintf(path, sizeof(path), "/_soak/mode?set=%s", mode);
	ck_assert_int_eq(http_get(s->port, path), 200);
}

/* Lines "<ms> <what> <id> ..." of a sink's log with that id (id < 0:
 * any). */
static int
sink_count(const struct su_sim *s, const char *what, long long id)
{
	char *text, *line, *save = NULL, w[16];
	long long ms, got;
	int n = 0;

	text = tu_read_file(s->log, NULL);
	if (text == NULL)
		return 0;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%lld %15s %lld", &ms, w, &got) == 3 &&
		    strcmp(w, what) == 0 && (id < 0 || got == id))
			n++;
	free(text);
	return n;
}

static bool
wait_sink(const struct su_sim *s, const char *what, int want, int ms)
{
	int64_t until = tu_mono_ms() + (int64_t)ms * tu_slow();

	while (tu_mono_ms() < until) {
		if (sink_count(s, what, -1) >= want)
			return true;
		tu_sleep_ms(50);
	}
	return sink_count(s, what, -1) >= want;
}

/* The gateway's log says needle within ms (stretched). */
static bool
wait_log(const char *needle, int ms)
{
	char path[640];

	snprintf(path, sizeof(path), "%s/gateway.log", gt.dir);
	return tu_wait_count_in(path, needle, 1, ms * tu_slow());
}

/* Kannel's sendsms to `to` ("139...+186..."): routed (it names none). */
static void
sendsms(const char *to)
{
	struct tg_reply r;
	char path[4096];

	snprintf(path, sizeof(path), "/cgi-bin/sendsms?username=ops&"
	    "password=demo-admin-token&to=%s&text=hello", to);
	ck_assert_int_eq(tg_request(&gt, "GET", path, NULL, NULL, 0, NULL,
	    false, &r), 0);
	ck_assert_msg(r.status == 202, "%ld %s", r.status, r.body);
}

/* A villager's MO on /sms/inbound; the id of its reply. */
static long long
mo_inbound(const char *from)
{
	struct tg_reply r;
	char body[128], sql[160];

	snprintf(body, sizeof(body), "from=%s&text=BZ", from);
	ck_assert_int_eq(tg_request(&gt, "POST", "/sms/inbound",
	    "application/x-www-form-urlencoded", body, strlen(body), NULL,
	    false, &r), 0);
	ck_assert_msg(r.status == 202 || r.status == 200, "%ld %s", r.status,
	    r.body);
	snprintf(sql, sizeof(sql), "SELECT o.id FROM sms_out o JOIN sms_in i "
	    "ON o.in_reply_to = i.id WHERE i.msisdn = '+86%s'", from);
	return tg_query_int(&gt, sql);
}

static long long
id_to(const char *e164)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT max(id) FROM sms_out WHERE msisdn "
	    "= '%s'", e164);
	return tg_query_int(&gt, sql);
}

/* Every message the gateway has is accepted by exactly one of the two
 * sinks, once, and is "sent". */
static void
assert_each_sent_once(const struct su_sim *a, const struct su_sim *b)
{
	char *ids = tg_query(&gt, "SELECT group_concat(id) FROM sms_out");
	char *tok, *save = NULL;
	int n = 0;

	ck_assert_ptr_nonnull(ids);
	for (tok = strtok_r(ids, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		long long id = strtoll(tok, NULL, 10);
		int k = sink_count(a, "ok", id) + sink_count(b, "ok", id);

		ck_assert_msg(k == 1, "message %lld accepted %d times", id, k);
		n++;
	}
	free(ids);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(tg_query_int(&gt, "SELECT count(*) FROM sms_out "
	    "WHERE status <> 'sent'"), 0);
	ck_assert_int_eq(sink_count(a, "ok", -1) + sink_count(b, "ok", -1), n);
}

static void
gw_setup(void)
{
	dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(dir);
	sink_a.pid = sink_b.pid = sim.pid = 0;
	sink_a.in = sink_b.in = sim.in = -1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void
gw_teardown(void)
{
	tg_cleanup(&gt);
	su_sim_stop(&sink_a, SIGTERM);
	su_sim_stop(&sink_b, SIGTERM);
	su_sim_stop(&sim, SIGTERM);
	tu_rmtree(dir);
	free(dir);
	curl_global_cleanup();
}

static void
http_json_provider(char *buf, size_t size, const char *name,
    const struct su_sim *s, const char *extra)
{
	snprintf(buf, size, "{ name = \"%s\"; type = \"http_json\"; "
	    "url = \"http://127.0.0.1:%d/\"; token = \"t\"; rate = 200; "
	    "timeout = 2; %s }", name, s->port, extra);
}

/* ---- through the gateway ---------------------------------------------------- */

/*
 * The example: China Mobile's numbers to one provider, the rest
 * to another; replies, sendsms and an API message without a provider
 * follow the rule, an API message naming a provider goes there.
 */
START_TEST(the_gateway_sends_china_mobile_numbers_one_way_and_the_rest_another)
{
	char a[256], b[256], providers[600], extra[2048];
	struct tg_reply r;
	static const char api[] = "{\"to\":\"13912340000\",\"text\":\"hi\","
	    "\"provider\":\"ali\"}";
	long long cm_reply, other_reply;

	sink_start(&sink_a, "cm");
	sink_start(&sink_b, "ali");
	http_json_provider(a, sizeof(a), "cm", &sink_a, "");
	http_json_provider(b, sizeof(b), "ali", &sink_b, "");
	snprintf(providers, sizeof(providers), "%s, %s", a, b);
	tg_init(&gt, NULL);
	gt.providers = providers;
	snprintf(extra, sizeof(extra), "mt_routes = (\n"
	    "  { prefixes = [ " CM_PREFIXES " ]; provider = \"cm\"; },\n"
	    "  { provider = \"ali\"; } );\n%s", TOKENS);
	tg_reconfigure(&gt, extra);
	tg_start(&gt);

	sendsms("13912345678+15012345678+19812345678+18612345678+"
	    "13312345678");
	cm_reply = mo_inbound("13800000001");
	other_reply = mo_inbound("18600000001");
	ck_assert_int_eq(tg_request(&gt, "POST", "/api/v1/sms",
	    "application/json", api, strlen(api), ADMIN, false, &r), 0);
	ck_assert_msg(r.status == 202, "%ld %s", r.status, r.body);
	ck_assert(wait_sink(&sink_a, "ok", 4, 10000));
	ck_assert(wait_sink(&sink_b, "ok", 4, 10000));
	ck_assert(tg_wait_int(&gt, "SELECT count(*) FROM sms_out WHERE "
	    "status = 'sent'", 8));

	ck_assert_int_eq(sink_count(&sink_a, "ok", id_to("+8613912345678")),
	    1);
	ck_assert_int_eq(sink_count(&sink_a, "ok", id_to("+8615012345678")),
	    1);
	ck_assert_int_eq(sink_count(&sink_a, "ok", id_to("+8619812345678")),
	    1);
	ck_assert_int_eq(sink_count(&sink_a, "ok", cm_reply), 1);
	ck_assert_int_eq(sink_count(&sink_b, "ok", id_to("+8618612345678")),
	    1);
	ck_assert_int_eq(sink_count(&sink_b, "ok", id_to("+8613312345678")),
	    1);
	ck_assert_int_eq(sink_count(&sink_b, "ok", other_reply), 1);
	/* Named explicitly: not routed, though 139 is China Mobile's. */
	ck_assert_int_eq(sink_count(&sink_b, "ok", id_to("+8613912340000")),
	    1);
	ck_assert_int_eq(tg_query_int(&gt, "SELECT count(*) FROM sms_out "
	    "WHERE provider = 'cm'"), 4);
	assert_each_sent_once(&sink_a, &sink_b);
	ck_assert_int_eq(tg_stop(&gt, SIGTERM), 0);
}
END_TEST

/*
 * Provider A answers 500 longer than its failover_after (2 s): its
 * messages go out through B, each once, and the log says so.  A
 * recovers: a probe finds it, and new messages go to A again while
 * those that moved stay with B.
 */
START_TEST(a_provider_down_longer_than_failover_after_fails_over_and_back)
{
	char a[256], b[256], providers[600], extra[1024], to[2048];
	char *log;
	size_t len = 0;
	int i, moved, n_before;
	int64_t until;

	sink_start(&sink_a, "a");
	sink_start(&sink_b, "b");
	sink_mode(&sink_a, "500");
	http_json_provider(a, sizeof(a), "A", &sink_a,
	    "failover = \"B\"; failover_after = 2;");
	http_json_provider(b, sizeof(b), "B", &sink_b, "");
	snprintf(providers, sizeof(providers), "%s, %s", a, b);
	tg_init(&gt, NULL);
	gt.providers = providers;
	snprintf(extra, sizeof(extra), "sms = { provider = \"A\"; };\n%s",
	    TOKENS);
	tg_reconfigure(&gt, extra);
	tg_start(&gt);

	for (i = 0; i < 20; i++)
		len += (size_t)snprintf(to + len, sizeof(to) - len, "%s139100000%02d",
		    i > 0 ? "+" : "", i);
	sendsms(to);
	if (!wait_sink(&sink_b, "ok", 20, 20000)) {
		char *left = tg_query(&gt, "SELECT group_concat(id || ' ' || "
		    "provider || ' ' || status || ' ' || attempts || ' ' || "
		    "(next_attempt_at - strftime('%s', 'now')), ', ') FROM "
		    "sms_out WHERE provider <> 'B' OR status <> 'sent'");

		ck_abort_msg("B took %d; left (id provider status attempts "
		    "due_in_s): %s", sink_count(&sink_b, "ok", -1), left);
	}
	ck_assert_int_eq(sink_count(&sink_a, "ok", -1), 0);
	ck_assert_int_gt(sink_count(&sink_a, "rej", -1), 0);
	ck_assert(tg_wait_int(&gt, "SELECT count(*) FROM sms_out WHERE "
	    "provider = 'B' AND status = 'sent'", 20));
	/* Recorded: each moved once, with its history row. */
	moved = (int)tg_query_int(&gt, "SELECT count(*) FROM sms_out_history "
	    "WHERE detail = 'failover from A to B'");
	ck_assert_int_eq(moved, 20);
	ck_assert_int_eq(tg_query_int(&gt, "SELECT count(DISTINCT message_id) "
	    "FROM sms_out_history WHERE detail = 'failover from A to B'"), 20);
	log = tg_log(&gt);
	ck_assert_msg(strstr(log, "sender.down provider=A failover=B") != NULL &&
	    strstr(log, "reason=retries") != NULL, "%s", log);
	ck_assert_msg(strstr(log, "sender.failover from=A to=B count=") != NULL,
	    "%s", log);
	free(log);
	assert_each_sent_once(&sink_a, &sink_b);

	/* A is back: a message now and then tries it until one is taken. */
	sink_mode(&sink_a, "ok");
	until = tu_mono_ms() + 20000 * tu_slow();
	for (i = 0; !wait_log("sender.up provider=A", 300); i++) {
		ck_assert_msg(tu_mono_ms() < until, "A never came back");
		snprintf(to, sizeof(to), "1391001%04d", i);
		sendsms(to);
	}
	ck_assert_int_ge(sink_count(&sink_a, "ok", -1), 1);
	n_before = sink_count(&sink_a, "ok", -1);
	for (i = 0; i < 10; i++) {
		snprintf(to, sizeof(to), "1391002%04d", i);
		sendsms(to);
	}
	ck_assert(wait_sink(&sink_a, "ok", n_before + 10, 10000));
	for (i = 0; i < 10; i++) {
		char num[32];

		snprintf(num, sizeof(num), "+861391002%04d", i);
		ck_assert_int_eq(sink_count(&sink_a, "ok", id_to(num)), 1);
	}
	/* What moved stayed with B. */
	ck_assert_int_ge(tg_query_int(&gt, "SELECT count(*) FROM sms_out WHERE "
	    "provider = 'B' AND msisdn LIKE '+86139100000%'"), 20);
	ck_assert(tg_wait_int(&gt, "SELECT count(*) FROM sms_out WHERE "
	    "status <> 'sent'", 0));
	assert_each_sent_once(&sink_a, &sink_b);
	ck_assert_int_eq(tg_stop(&gt, SIGTERM), 0);
}
END_TEST

/* A cmpp link that never binds (nobody listens) fails over on its own
 * signal: not bound for failover_after. */
START_TEST(a_link_that_does_not_bind_fails_over)
{
	char providers[600], extra[1024];
	char *log;
	int port = tu_free_port();

	sink_start(&sink_b, "b");
	snprintf(providers, sizeof(providers),
	    "{ name = \"cm\"; type = \"cmpp\"; host = \"127.0.0.1\"; "
	    "port = %d; source_addr = \"" SP_ID "\"; shared_secret = \""
	    SECRET "\"; timeout = 1; failover = \"ali\"; "
	    "failover_after = 2; }, "
	    "{ name = \"ali\"; type = \"http_json\"; url = "
	    "\"http://127.0.0.1:%d/\"; token = \"t\"; rate = 200; }",
	    port, sink_b.port);
	tg_init(&gt, NULL);
	gt.providers = providers;
	snprintf(extra, sizeof(extra), "mt_routes = ( { prefixes = [ "
	    CM_PREFIXES " ]; provider = \"cm\"; }, { provider = \"ali\"; } );\n"
	    "%s", TOKENS);
	tg_reconfigure(&gt, extra);
	tg_start(&gt);
	sendsms("13912345601+13912345602+13912345603");
	ck_assert(wait_sink(&sink_b, "ok", 3, 20000));
	ck_assert(tg_wait_int(&gt, "SELECT count(*) FROM sms_out WHERE "
	    "provider = 'ali' AND status = 'sent'", 3));
	log = tg_log(&gt);
	ck_assert_msg(strstr(log, "sender.down provider=cm failover=ali") !=
	    NULL && strstr(log, "reason=unbound") != NULL, "%s", log);
	free(log);
	ck_assert_int_eq(sink_count(&sink_b, "ok", -1), 3);
	ck_assert_int_eq(tg_stop(&gt, SIGTERM), 0);
}
END_TEST

/*
 * route.h's decision: the rules send everything to ali, yet an MO that
 * came over the cmpp link is answered over it; a message to the same
 * number that answers nothing follows the rules.
 */
START_TEST(an_mo_over_a_cmpp_link_is_answered_over_it_whatever_the_rules)
{
	char providers[600], extra[1024];

	sink_start(&sink_b, "ali");
	snprintf(sim.log, sizeof(sim.log), "%s/sim.log", dir);
	su_cmpp_sim_start(&sim, SECRET, SP_ID, NULL);
	snprintf(providers, sizeof(providers),
	    "{ name = \"cm\"; type = \"cmpp\"; host = \"127.0.0.1\"; "
	    "port = %d; source_addr = \"" SP_ID "\"; shared_secret = \""
	    SECRET "\"; rate = 200; }, "
	    "{ name = \"ali\"; type = \"http_json\"; url = "
	    "\"http://127.0.0.1:%d/\"; token = \"t\"; rate = 200; }",
	    sim.port, sink_b.port);
	tg_init(&gt, NULL);
	gt.providers = providers;
	snprintf(extra, sizeof(extra), "sms = { shortcode = \"10690001\"; };\n"
	    "mt_routes = ( { provider = \"ali\"; } );\n%s", TOKENS);
	tg_reconfigure(&gt, extra);
	tg_start(&gt);
	ck_assert_msg(tu_wait_count_in(sim.log, "\"ev\": \"connect\"", 1,
	    10000 * tu_slow()), "no login");
	/* "BZ" (help) as UCS-2 from a China Mobile number, over the link. */
	su_say(&sim, "mo 13908340107 10690001 8 0 0042005a 7001");
	ck_assert(tg_wait_int(&gt, "SELECT count(*) FROM sms_in WHERE route "
	    "= 'cmpp:cm'", 1));
	ck_assert(tg_wait_int(&gt, "SELECT count(*) FROM sms_out WHERE "
	    "in_reply_to IS NOT NULL AND provider = 'cm' AND status = 'sent'",
	    1));
	ck_assert_msg(tu_wait_count_in(sim.log, "\"ev\": \"submit\"", 1,
	    10000 * tu_slow()), "no submit over the link");
	/* The same number, no MO to answer: the rules. */
	sendsms("13908340107");
	ck_assert(wait_sink(&sink_b, "ok", 1, 10000));
	ck_assert_int_eq(sink_count(&sink_b, "ok", id_to("+8613908340107")),
	    1);
	ck_assert_int_eq(tg_query_int(&gt, "SELECT count(*) FROM sms_out "
	    "WHERE provider = 'cm'"), 1);
	ck_assert_int_eq(tg_stop(&gt, SIGTERM), 0);
}
END_TEST

Suite *
routing_suite(void)
{
	Suite *s = suite_create("routing");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, rules_pick_the_provider_by_prefix);
	tcase_add_test(tc, an_mo_that_came_over_a_link_is_answered_over_it);
	tcase_add_test(tc, without_a_default_rule_the_rest_go_to_sms_provider);
	tcase_add_test(tc, without_rules_everything_goes_to_sms_provider);
	tcase_add_test(tc, a_bad_route_config_exits_78_naming_file_and_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("outbox");
	tcase_add_checked_fixture(tc, outbox_setup, outbox_teardown);
	tcase_add_test(tc, the_outbox_routes_messages_without_a_provider);
	tcase_add_test(tc, a_route_to_a_template_provider_refuses_free_text);
	tcase_add_test(tc,
	    a_text_is_measured_for_every_provider_it_may_be_routed_to);
	tcase_add_test(tc,
	    failover_moves_due_queued_messages_once_with_their_history);
	suite_add_tcase(s, tc);

	tc = tcase_create("failover");
	tcase_add_test(tc, retries_for_failover_after_begin_a_failover);
	tcase_add_test(tc, a_probe_now_and_then_and_its_answer_end_the_failover);
	tcase_add_test(tc, a_link_that_is_not_bound_fails_over_until_it_binds);
	suite_add_tcase(s, tc);

	tc = tcase_create("gateway");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, gw_setup, gw_teardown);
	tcase_add_test(tc,
	    the_gateway_sends_china_mobile_numbers_one_way_and_the_rest_another);
	tcase_add_test(tc,
	    a_provider_down_longer_than_failover_after_fails_over_and_back);
	tcase_add_test(tc, a_link_that_does_not_bind_fails_over);
	tcase_add_test(tc,
	    an_mo_over_a_cmpp_link_is_answered_over_it_whatever_the_rules);
	suite_add_tcase(s, tc);
	return s;
}
