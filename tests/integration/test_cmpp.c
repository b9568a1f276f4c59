/*
 * test_cmpp.c: the cmpp provider (gateway/send/provider_cmpp.c) against
 * an ISMG simulator written from the CMPP 2.0 specification in Python
 * (tests/sim/cmpp_sim.py, sharing nothing with the codec), started per
 * test on a free loopback port and stopped by its PID.
 *
 * The provider is driven as the sender drives a synchronous provider:
 * due messages claimed from the outbox, send_batch, the outcomes written
 * (sent with the provider id, retried, failed).  What the link receives
 * goes through link_inbound into a real writer and the SMS service
 * (sms_link_receive), as in the gateway.  The simulator logs every PDU as
 * a JSON line; the tests read that log for what went over the wire.
 *
 * Covered: login with the MD5 authenticator, a wrong one refused (status
 * 3) and retried with growing backoff, an ISMG that does not prove the
 * secret; 1,000 messages with Chinese long ones (UCS-2 parts, UDH,
 * Pk_total/Pk_number, one outbox row each, the first part's Msg_Id);
 * status reports per part making a long message delivered once, UNDELIV
 * failing it with the Stat; MO single and concatenated (parts in any
 * order) stored as a webhook MO is, a repeat processed once, a sender that
 * is no number and a malformed DELIVER answered without harm; never more
 * than 16 submits unanswered; an ISMG that goes silent (active test, or
 * mid-window) reconnected with nothing lost and no Sequence_Id reused;
 * Result 8 slowing down instead of failing; the link's counters.
 */
#include <check.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "gwtest.h"
#include "hex.h"
#include "link_inbound.h"
#include "link_util.h"
#include "outbox.h"
#include "provider.h"
#include "sim_util.h"
#include "store.h"
#include "testutil.h"

#define SECRET		"cmpp-shared-secret"
#define SP_ID		"901234"
#define EV_MAX		20000

static char *dir;
static char db_path[512];
static struct lu_link lk;	/* the gateway's side, cm its link */
static struct su_sim sim = { .in = -1 };	/* the ISMG; log: sim.log */

/* ---- the simulator ---------------------------------------------------------- */

/* The simulator's log, one json object per event (caller frees). */
static struct json_object **
sim_events(size_t *n)
{
	struct json_object **v = calloc(EV_MAX, sizeof(*v));
	char *text, *line, *save = NULL;
	size_t len = 0;

	*n = 0;
	ck_assert_ptr_nonnull(v);
	text = tu_read_file(sim.log, &len);
	if (text == NULL)
		return v;
	for (line = strtok_r(text, "\n", &save); line != NULL && *n < EV_MAX;
	    line = strtok_r(NULL, "\n", &save)) {
		v[*n] = json_tokener_parse(line);
		if (v[*n] != NULL)
			(*n)++;
	}
	free(text);
	return v;
}

static void
events_free(struct json_object **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_object_put(v[i]);
	free(v);
}

static const char *
ev_str(struct json_object *o, const char *key)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f))
		return "";
	return json_object_get_string(f);
}

static int64_t
ev_int(struct json_object *o, const char *key)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f))
		return -1;
	return json_object_get_int64(f);
}

static uint64_t
ev_u64(struct json_object *o, const char *key)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f))
		return 0;
	return json_object_get_uint64(f);
}

static bool
is_ev(struct json_object *o, const char *ev)
{
	return strcmp(ev_str(o, "ev"), ev) == 0;
}

/* How many events `ev` (and, when key is given, key == value). */
static size_t
count_ev(const char *ev, const char *key, int64_t value)
{
	struct json_object **v;
	size_t n, i, c = 0;

	v = sim_events(&n);
	for (i = 0; i < n; i++)
		if (is_ev(v[i], ev) && (key == NULL ||
		    ev_int(v[i], key) == value))
			c++;
	events_free(v, n);
	return c;
}

static bool
wait_ev(const char *ev, const char *key, int64_t value, size_t want,
    int ms)
{
	int64_t until = tu_mono_ms() + (int64_t)ms * tu_slow();

	while (tu_mono_ms() < until) {
		if (count_ev(ev, key, value) >= want)
			return true;
		tu_sleep_ms(50);
	}
	return count_ev(ev, key, value) >= want;
}

/* The simulator reported nothing the SP did wrong. */
static void
assert_no_sim_errors(void)
{
	struct json_object **v;
	size_t n, i;

	v = sim_events(&n);
	for (i = 0; i < n; i++)
		ck_assert_msg(!is_ev(v[i], "error"), "the simulator says: %s",
		    json_object_to_json_string(v[i]));
	events_free(v, n);
}

/* ---- the gateway side ------------------------------------------------------- */

static void
setup(void)
{
	dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(dir);
	snprintf(db_path, sizeof(db_path), "%s/fupin.db", dir);
	snprintf(sim.log, sizeof(sim.log), "%s/sim.log", dir);
	lu_open(&lk, db_path);
}

static void
teardown(void)
{
	lu_close(&lk);
	su_sim_stop(&sim, SIGTERM);
	tu_rmtree(dir);
	free(dir);
}

/* The simulator with `sim_args`, then the writer and the link to it. */
static void
start(const char *sim_args, const char *secret, int timeout_s)
{
	char text[4096];

	su_cmpp_sim_start(&sim, SECRET, SP_ID, sim_args);
	snprintf(text, sizeof(text),
	    "database = { path = \"%s\"; id_key_file = \"%s.key\"; };\n"
	    "sms = { provider = \"cm\"; shortcode = \"10690001\"; "
	    "max_per_minute = 1000; max_segments = 16; };\n"
	    "providers = ( { name = \"cm\"; type = \"cmpp\"; "
	    "host = \"127.0.0.1\"; port = %d; source_addr = \"" SP_ID "\"; "
	    "shared_secret = \"%s\"; service_id = \"FUPIN\"; "
	    "timeout = %d; max_attempts = 100; rate = 10000; } );\n",
	    db_path, db_path, sim.port, secret, timeout_s);
	lu_start(&lk, &provider_cmpp_ops, text);
	ck_assert_int_eq(lk.cfg->providers[0].window, 16);
}

/* One message for cm, committed. */
static int64_t
enqueue(const char *to, const char *text)
{
	int64_t id;

	ck_assert_int_eq(store_begin(lk.st), FP_OK);
	id = lu_enqueue(&lk, "cm", to, text);
	ck_assert_int_eq(store_commit(lk.st), FP_OK);
	return id;
}

/* The sender's rounds over the cm link (link_util.h); send_all's ms
 * stretch under valgrind. */
static size_t
send_round(size_t max, struct lu_tally *t)
{
	return lu_send_round(&lk, "cm", max, t);
}

static void
send_all(size_t batch, int ms, struct lu_tally *t)
{
	lu_send_all(&lk, "cm", batch, ms * tu_slow(), t);
}

static long long
q_int(const char *sql, long long arg)
{
	return tu_query_int(store_db(lk.st), sql, arg);
}

static bool
wait_int(const char *sql, long long arg, long long want, int ms)
{
	return tu_wait_int(store_db(lk.st), sql, arg, want, ms * tu_slow());
}

struct stat_find {
	const char *metric;
	uint64_t v;
	bool found;
};

static void
stat_emit(const char *provider, const char *metric, uint64_t v, void *arg)
{
	struct stat_find *f = arg;

	if (strcmp(provider, "cm") == 0 && strcmp(metric, f->metric) == 0) {
		f->v = v;
		f->found = true;
	}
}

static uint64_t
link_stat(const char *metric)
{
	struct stat_find f = { metric, 0, false };

	link_stats_each(stat_emit, &f);
	ck_assert_msg(f.found, "no link metric %s", metric);
	return f.v;
}

/* A UTF-8 text's UTF-16BE, as hex. */
static void
utf16_hex(const char *text, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t o = 0;
	uint32_t cp;

	while (*s != '\0') {
		if (*s < 0x80)
			cp = *s++;
		else if (*s < 0xe0) {
			cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
			s += 2;
		} else {
			cp = (uint32_t)(s[0] & 0x0f) << 12 |
			    (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
			s += 3;
		}
		ck_assert_uint_lt(o + 5, cap);
		snprintf(out + o, cap - o, "%04x", (unsigned)cp);
		o += 4;
	}
	out[o] = '\0';
}

/* ---- configuration ------------------------------------------------------------ */

/* Load `providers` (a libconfig list body); the errors, or NULL. */
static char *
load_providers(const char *providers, struct cfg **out)
{
	char text[2048], *errors = NULL;

	snprintf(text, sizeof(text), "sms = { shortcode = \"10690001\"; };\n"
	    "providers = ( %s );\n", providers);
	*out = NULL;
	if (cfg_load_string(text, "t.conf", out, &errors) == FP_OK)
		return NULL;
	return errors != NULL ? errors : strdup("?");
}

START_TEST(config_defaults_and_refusals)
{
	struct cfg *c = NULL;
	char *e;

	e = load_providers("{ name = \"cm\"; type = \"cmpp\"; host = \"h\"; "
	    "source_addr = \"901234\"; shared_secret = \"x\"; }", &c);
	ck_assert_msg(e == NULL, "%s", e);
	ck_assert_int_eq(c->providers[0].type, CFG_PROVIDER_CMPP);
	ck_assert_int_eq(c->providers[0].port, 7890);
	ck_assert_int_eq(c->providers[0].window, 16);
	ck_assert_str_eq(c->providers[0].src_id, "10690001");
	ck_assert_str_eq(c->providers[0].service_id, "");
	ck_assert_str_eq(c->providers[0].version, "2.0");
	cfg_free(c);
	/* Every problem at once, each named. */
	e = load_providers("{ name = \"cm\"; type = \"cmpp\"; "
	    "source_addr = \"9012345\"; window = 0; version = \"3.0\"; }",
	    &c);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(e, "source_addr' must be at most 6") != NULL &&
	    strstr(e, "window' must be between 1 and 1024") != NULL &&
	    strstr(e, "version' must be one of \"2.0\"") != NULL &&
	    strstr(e, "needs a non-empty 'host'") != NULL &&
	    strstr(e, "needs a non-empty 'shared_secret'") != NULL, "%s", e);
	free(e);
	/* A link's keys on another type are unknown keys. */
	e = load_providers("{ name = \"k\"; type = \"kannel\"; "
	    "url = \"http://127.0.0.1:13013/\"; username = \"u\"; "
	    "password = \"p\"; shared_secret = \"x\"; }", &c);
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strstr(e, "'shared_secret' is not a key of kannel") !=
	    NULL, "%s", e);
	free(e);
}
END_TEST

/* ---- login -------------------------------------------------------------------- */

START_TEST(login_with_the_md5_authenticator_binds)
{
	struct lu_tally t = { 0 };
	struct json_object **v;
	size_t n, i, connects = 0;

	start(NULL, SECRET, 2);
	enqueue("+8613800000001", "hello");
	send_all(16, 10000, &t);
	ck_assert_uint_eq(t.accepted, 1);
	v = sim_events(&n);
	for (i = 0; i < n; i++)
		if (is_ev(v[i], "connect")) {
			connects++;
			ck_assert_int_eq(ev_int(v[i], "status"), 0);
			ck_assert_str_eq(ev_str(v[i], "source_addr"), SP_ID);
			ck_assert_int_eq(ev_int(v[i], "version"), 0x20);
		}
	events_free(v, n);
	ck_assert_uint_eq(connects, 1);
	ck_assert_uint_eq(link_stat("binds"), 1);
	ck_assert_uint_eq(link_stat("up"), 1);
	assert_no_sim_errors();
}
END_TEST

START_TEST(wrong_authenticator_is_refused_reported_and_retried_with_backoff)
{
	struct lu_tally t = { 0 };
	struct json_object **v;
	size_t n, i, k = 0;
	double at[8] = { 0 };

	start(NULL, "not-the-secret", 2);
	enqueue("+8613800000001", "hello");
	ck_assert_uint_eq(send_round(16, &t), 1);
	/* Not failed: handed back to be retried, saying why. */
	ck_assert_uint_eq(t.retried, 1);
	ck_assert_uint_eq(t.accepted + t.rejected, 0);
	ck_assert_msg(strstr(t.last_error, "status 3") != NULL &&
	    strstr(t.last_error, "authentication") != NULL, "error: %s",
	    t.last_error);
	ck_assert_str_eq(tu_query_text(store_db(lk.st), "SELECT status FROM "
	    "sms_out", -1), "queued");
	/* Attempts 1 s, then 2 s apart (+-20%): 3 within ~4 s. */
	ck_assert(wait_ev("connect", "status", 3, 3, 8000));
	v = sim_events(&n);
	for (i = 0; i < n && k < 8; i++)
		if (is_ev(v[i], "connect")) {
			ck_assert_int_eq(ev_int(v[i], "status"), 3);
			at[k++] = json_object_get_double(
			    json_object_object_get(v[i], "t"));
		}
	events_free(v, n);
	ck_assert_uint_ge(k, 3);
	ck_assert_msg(at[1] - at[0] >= 0.7 && at[1] - at[0] <= 1.5,
	    "first backoff %.3f s", at[1] - at[0]);
	ck_assert_msg(at[2] - at[1] > at[1] - at[0] + 0.2,
	    "backoff did not grow: %.3f then %.3f s", at[1] - at[0],
	    at[2] - at[1]);
	ck_assert_uint_ge(link_stat("bind_failures"), 3);
	ck_assert_uint_eq(link_stat("binds"), 0);
	ck_assert_uint_eq(link_stat("up"), 0);
}
END_TEST

START_TEST(an_ismg_that_does_not_prove_the_secret_is_refused)
{
	struct lu_tally t = { 0 };

	start("--bad-ismg-auth", SECRET, 2);
	enqueue("+8613800000001", "hello");
	ck_assert_uint_eq(send_round(16, &t), 1);
	ck_assert_uint_eq(t.retried, 1);
	ck_assert_msg(strstr(t.last_error, "authenticator") != NULL, "%s",
	    t.last_error);
	ck_assert_uint_eq(count_ev("submit", NULL, 0), 0);
}
END_TEST

/* ---- submits -------------------------------------------------------------------- */

#define N_MSG		1000
#define LONG_EVERY	3

static void
msg_text(int i, char *out, size_t cap)
{
	static const char filler[] = "扶贫办通知：雨露计划职业培训下周一开班，"
	    "请建档立卡户家庭的学生带上身份证和户口本到乡政府报名，"
	    "返乡创业补贴同时受理，详情咨询驻村干部。培训期间提供免费食宿和"
	    "交通补助，结业后推荐就业，考核合格者另发技能证书，欢迎大家踊跃"
	    "报名参加。名额有限，先到先得，报满为止，请相互转告。";

	if (i % LONG_EVERY == 0)
		snprintf(out, cap, "第%d条：%s", i, filler);	/* 3 parts */
	else if (i % LONG_EVERY == 1)
		snprintf(out, cap, "CX %d ok", i);		/* ASCII */
	else
		snprintf(out, cap, "第%d条：明天开会", i);	/* UCS-2 */
}

/* The accepted submits, per destination: checks each part and joins
 * the UCS-2 or ASCII text (hex of the bytes without UDH). */
struct got {
	int	 parts;
	int	 total;
	int	 ref;
	int	 fmt;
	bool	 seen[16];
	char	 body[16][400];
	uint64_t first_msgid;
};

START_TEST(a_thousand_messages_with_chinese_long_ones_go_as_ucs2_parts)
{
	static struct got got[N_MSG];
	static int64_t ids[N_MSG];
	struct lu_tally t = { 0 };
	struct json_object **v, *sub;
	char text[512], dest[32], want[2048], joined[8000];
	size_t n, i, k, len;
	int64_t t0;

	start(NULL, SECRET, 5);
	for (i = 0; i < N_MSG; i++) {
		snprintf(dest, sizeof(dest), "+86138%08zu", i);
		msg_text((int)i, text, sizeof(text));
		ids[i] = enqueue(dest, text);
	}
	t0 = tu_mono_ms();
	send_all(128, 60000, &t);
	ck_assert_uint_eq(t.accepted, N_MSG);
	ck_assert_uint_eq(t.retried + t.rejected, 0);
	fprintf(stderr, "cmpp: %d messages (%d long) in %lld ms\n", N_MSG,
	    (N_MSG + LONG_EVERY - 1) / LONG_EVERY,
	    (long long)(tu_mono_ms() - t0));
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out WHERE status = "
	    "'sent' AND provider_msgid IS NOT NULL", -1), N_MSG);

	/* Over the wire: every submit answered 0, once per part. */
	memset(got, 0, sizeof(got));
	v = sim_events(&n);
	for (i = 0; i < n; i++) {
		const char *d, *c;
		size_t idx, num, off;
		int64_t seq, conn;

		if (!is_ev(v[i], "resp"))
			continue;
		ck_assert_int_eq(ev_int(v[i], "result"), 0);
		seq = ev_int(v[i], "seq");
		conn = ev_int(v[i], "conn");
		for (sub = NULL, k = 0; k < i; k++)
			if (is_ev(v[k], "submit") &&
			    ev_int(v[k], "seq") == seq &&
			    ev_int(v[k], "conn") == conn)
				sub = v[k];
		ck_assert_ptr_nonnull(sub);
		d = json_object_get_string(json_object_array_get_idx(
		    json_object_object_get(sub, "dest"), 0));
		ck_assert_int_eq(strncmp(d, "138", 3), 0);	/* no +86 */
		idx = (size_t)strtoul(d + 3, NULL, 10);
		ck_assert_uint_lt(idx, N_MSG);
		num = (size_t)ev_int(sub, "pk_number");
		ck_assert_uint_ge(num, 1);
		ck_assert_uint_le(num, 15);
		ck_assert_msg(!got[idx].seen[num], "part %zu of %zu twice",
		    num, idx);
		got[idx].seen[num] = true;
		got[idx].parts++;
		got[idx].total = (int)ev_int(sub, "pk_total");
		got[idx].fmt = (int)ev_int(sub, "fmt");
		ck_assert_int_eq(ev_int(sub, "reg"), 1);
		ck_assert_str_eq(ev_str(sub, "src_id"), "10690001");
		ck_assert_str_eq(ev_str(sub, "service_id"), "FUPIN");
		c = ev_str(sub, "content");
		off = 0;
		if (ev_int(sub, "udhi") == 1) {
			char udh[13];
			int ref = hex_digit(c[6]) * 16 + hex_digit(c[7]);

			snprintf(udh, sizeof(udh), "050003%02x%02x%02x", ref,
			    got[idx].total, (int)num);
			ck_assert_int_eq(strncmp(c, udh, 12), 0);
			if (got[idx].parts > 1)
				ck_assert_int_eq(ref, got[idx].ref);
			got[idx].ref = ref;
			off = 12;
		}
		snprintf(got[idx].body[num], sizeof(got[idx].body[num]), "%s",
		    c + off);
		if (num == 1)
			got[idx].first_msgid = ev_u64(v[i], "msg_id");
	}
	events_free(v, n);

	for (i = 0; i < N_MSG; i++) {
		char id[24];

		msg_text((int)i, text, sizeof(text));
		ck_assert_int_eq(got[i].parts, got[i].total);
		ck_assert_int_eq(got[i].total, (int)q_int("SELECT segments "
		    "FROM sms_out WHERE id = ?1", ids[i]));
		if (i % LONG_EVERY == 0)
			ck_assert_int_eq(got[i].total, 3);
		for (len = 0, k = 1; k <= (size_t)got[i].total; k++)
			len += (size_t)snprintf(joined + len,
			    sizeof(joined) - len, "%s", got[i].body[k]);
		if (i % LONG_EVERY == 1) {
			ck_assert_int_eq(got[i].fmt, 0);
			for (k = 0; text[k] != '\0'; k++)
				snprintf(want + 2 * k, 3, "%02x",
				    (unsigned char)text[k]);
		} else {
			ck_assert_int_eq(got[i].fmt, 8);
			utf16_hex(text, want, sizeof(want));
		}
		ck_assert_str_eq(joined, want);
		/* The first part's Msg_Id is the message's provider id. */
		snprintf(id, sizeof(id), "%llu",
		    (unsigned long long)got[i].first_msgid);
		ck_assert_str_eq(tu_query_text(store_db(lk.st), "SELECT "
		    "provider_msgid FROM sms_out WHERE id = ?1", ids[i]), id);
	}
	/* Each long message's parts are kept for their reports. */
	ck_assert(wait_int("SELECT count(*) FROM dlr WHERE part > 0 AND "
	    "status = 'sent'", -1, 3 * ((N_MSG + LONG_EVERY - 1) /
	    LONG_EVERY), 10000));
	assert_no_sim_errors();
	ck_assert_uint_eq(link_stat("latency_count"), link_stat("submits"));
}
END_TEST

START_TEST(never_more_than_16_submits_are_unanswered)
{
	struct lu_tally t = { 0 };
	struct json_object **v;
	size_t n, i;
	int64_t max = 0;
	char to[32];

	start("--resp-delay-ms 40", SECRET, 5);
	for (i = 0; i < 200; i++) {
		snprintf(to, sizeof(to), "+8613900%06zu", i);
		enqueue(to, "第二批培训通知");
	}
	send_all(256, 30000, &t);
	ck_assert_uint_eq(t.accepted, 200);
	v = sim_events(&n);
	for (i = 0; i < n; i++)
		if (is_ev(v[i], "submit") && ev_int(v[i], "outstanding") > max)
			max = ev_int(v[i], "outstanding");
	events_free(v, n);
	ck_assert_int_eq(max, 16);	/* reached, never passed */
	ck_assert_uint_eq(link_stat("window_size"), 16);
	assert_no_sim_errors();
}
END_TEST

START_TEST(result_8_slows_down_instead_of_failing)
{
	struct lu_tally t = { 0 };
	struct json_object **v;
	size_t n, i, submits = 0;
	double first = -1, last = 0;

	start("--throttle 5", SECRET, 5);
	for (i = 0; i < 3; i++)
		enqueue("+8613800000001", "限流测试");
	ck_assert_uint_eq(send_round(16, &t), 3);
	/* All accepted in the same round: none failed, none handed back. */
	ck_assert_uint_eq(t.accepted, 3);
	ck_assert_uint_eq(t.retried + t.rejected, 0);
	ck_assert_uint_eq(link_stat("throttled"), 5);
	v = sim_events(&n);
	for (i = 0; i < n; i++)
		if (is_ev(v[i], "submit")) {
			double at = json_object_get_double(
			    json_object_object_get(v[i], "t"));

			submits++;
			if (first < 0)
				first = at;
			last = at;
		}
	events_free(v, n);
	ck_assert_uint_eq(submits, 3 + 5);
	/* Paused 50, 100, 200 ... ms: the resends came well after. */
	ck_assert_msg(last - first >= 0.14, "no slowing: %.3f s",
	    last - first);
	assert_no_sim_errors();
}
END_TEST

/* ---- reports ---------------------------------------------------------------------- */

START_TEST(reports_for_every_part_make_a_long_message_delivered_once)
{
	struct lu_tally t = { 0 };
	int64_t ids[10];
	char text[512], to[32];
	size_t i;

	start("--report", SECRET, 5);
	for (i = 0; i < 10; i++) {
		snprintf(to, sizeof(to), "+8613700%06zu", i);
		msg_text(i % 2 == 0 ? 0 : 2, text, sizeof(text));
		ids[i] = enqueue(to, text);
	}
	send_all(16, 20000, &t);
	ck_assert_uint_eq(t.accepted, 10);
	ck_assert(wait_int("SELECT count(*) FROM sms_out WHERE status = "
	    "'delivered'", -1, 10, 10000));
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out_history "
		    "WHERE message_id = ?1 AND status = 'delivered'", ids[i]),
		    1);
		ck_assert_int_eq(q_int("SELECT count(*) FROM dlr WHERE "
		    "message_id = ?1 AND status = 'delivered'", ids[i]),
		    i % 2 == 0 ? 3 : 1);
	}
	/* Every report was answered after its commit, with Result 0. */
	ck_assert(wait_ev("deliver_resp", "result", 0, 20, 5000));
	ck_assert_uint_eq(count_ev("deliver_resp", NULL, 0), 20);
	ck_assert_uint_eq(link_stat("reports"), 20);
	assert_no_sim_errors();
}
END_TEST

START_TEST(undeliv_fails_the_message_with_the_stat_as_reason)
{
	struct lu_tally t = { 0 };
	char text[512];
	int64_t id;

	start("--report --report-stat UNDELIV", SECRET, 5);
	msg_text(0, text, sizeof(text));
	id = enqueue("+8613700000001", text);
	send_all(16, 20000, &t);
	ck_assert_uint_eq(t.accepted, 1);
	ck_assert(wait_int("SELECT count(*) FROM sms_out WHERE status = "
	    "'failed' AND id = ?1", id, 1, 10000));
	ck_assert_msg(strstr(tu_query_text(store_db(lk.st), "SELECT last_error "
	    "FROM sms_out WHERE id = ?1", id), "UNDELIV") != NULL,
	    "reason: %s", tu_query_text(store_db(lk.st), "SELECT last_error "
	    "FROM sms_out WHERE id = ?1", id));
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out_history WHERE "
	    "message_id = ?1 AND status = 'failed'", id), 1);
}
END_TEST

/* ---- MO ---------------------------------------------------------------------------- */

/* Up and idle: one message through, so the link is logged in. */
static void
bind_now(void)
{
	struct lu_tally t = { 0 };

	enqueue("+8613800000009", "hello");
	send_all(16, 10000, &t);
	ck_assert_uint_eq(t.accepted, 1);
}

START_TEST(mo_single_and_concatenated_arrive_as_webhook_mo)
{
	char a[256], b[256], c[64];

	start(NULL, SECRET, 5);
	bind_now();
	/* 查询 as UCS-2, from a number written without +86. */
	utf16_hex("查询", c, sizeof(c));
	su_say(&sim, "mo 13908340107 10690001 8 0 %s 4242", c);
	ck_assert(wait_int("SELECT count(*) FROM sms_in", -1, 1, 10000));
	ck_assert_str_eq(tu_query_text(store_db(lk.st), "SELECT msisdn || '|' "
	    "|| route || '|' || provider_id || '|' || text || '|' || "
	    "to_addr FROM sms_in", -1),
	    "+8613908340107|cmpp:cm|4242|查询|10690001");
	/* As a webhook MO: answered (the help text: an unknown caller),
	 * its sms.inbound event written. */
	ck_assert(wait_int("SELECT count(*) FROM sms_out WHERE in_reply_to "
	    "= (SELECT id FROM sms_in)", -1, 1, 5000));
	ck_assert_int_eq(q_int("SELECT count(*) FROM event_outbox WHERE "
	    "type = 'sms.inbound'", -1), 1);
	/* The same Msg_Id again (its answer lost): processed once. */
	su_say(&sim, "mo 13908340107 10690001 8 0 %s 4242", c);
	ck_assert(wait_ev("deliver_resp", "result", 0, 2, 5000));
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_in", -1), 1);

	/* Two parts, the second first; 8-bit reference 0x2a. */
	utf16_hex("反馈路灯坏了，晚上看不见路，", a, sizeof(a));
	utf16_hex("请尽快派人修理。", b, sizeof(b));
	su_say(&sim, "mo 13908340108 10690001 8 1 0500032a0202%s", b);
	tu_sleep_ms(200);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_in", -1), 1);
	ck_assert_uint_eq(count_ev("deliver_resp", NULL, 0), 2);
	su_say(&sim, "mo 13908340108 10690001 8 1 0500032a0201%s", a);
	ck_assert(wait_int("SELECT count(*) FROM sms_in", -1, 2, 10000));
	ck_assert_str_eq(tu_query_text(store_db(lk.st), "SELECT text FROM "
	    "sms_in WHERE msisdn = '+8613908340108'", -1),
	    "反馈路灯坏了，晚上看不见路，请尽快派人修理。");
	/* Both parts answered only now, after the commit. */
	ck_assert(wait_ev("deliver_resp", "result", 0, 4, 5000));
	ck_assert_uint_eq(link_stat("mo"), 3);
	assert_no_sim_errors();
}
END_TEST

START_TEST(an_mo_whose_parts_stop_coming_is_stored_as_it_is)
{
	char a[256];

	start(NULL, SECRET, 1);
	bind_now();
	/* Part 1 of 3 only: kept, unanswered, then after 2 x timeout (2 s)
	 * stored with the gap marked, and answered. */
	utf16_hex("反馈：水管坏了", a, sizeof(a));
	su_say(&sim, "mo 13908340107 10690001 8 1 05000307030%d%s", 1, a);
	tu_sleep_ms(1000);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_in", -1), 0);
	ck_assert_uint_eq(count_ev("deliver_resp", NULL, 0), 0);
	ck_assert(wait_int("SELECT count(*) FROM sms_in", -1, 1, 5000));
	ck_assert_str_eq(tu_query_text(store_db(lk.st), "SELECT text FROM "
	    "sms_in", -1), "反馈：水管坏了…");
	ck_assert(wait_ev("deliver_resp", "result", 0, 1, 5000));
}
END_TEST

START_TEST(hostile_delivers_are_answered_and_store_nothing)
{
	char c[64];
	struct lu_tally t = { 0 };

	start(NULL, SECRET, 5);
	bind_now();
	utf16_hex("查询", c, sizeof(c));
	/* A sender that is no phone number: acknowledged, not stored. */
	su_say(&sim, "mo 12 10690001 8 0 %s", c);
	ck_assert(wait_ev("deliver_resp", "result", 0, 1, 5000));
	/* A UDH longer than the message: refused with Result 1. */
	su_say(&sim, "mo 13908340107 10690001 8 1 09000301024f60");
	ck_assert(wait_ev("deliver_resp", "result", 1, 1, 5000));
	/* A PDU claiming 5 GB: the link drops it and logs in again. */
	su_say(&sim, "raw ffffffff0000000500000001");
	ck_assert(wait_ev("connect", NULL, 0, 2, 10000));
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_in", -1), 0);
	/* And still works. */
	enqueue("+8613800000010", "after");
	send_all(16, 10000, &t);
	ck_assert_uint_eq(t.accepted, 1);
}
END_TEST

/* ---- silence ----------------------------------------------------------------------- */

/* Each message's every part accepted exactly once; no Sequence_Id
 * twice on a connection (the simulator says "sequence reused"). */
static void
assert_each_accepted_once(size_t n_msg)
{
	static int accepted[1000][16], total[1000];
	struct json_object **v;
	size_t n, i, k, num;

	memset(accepted, 0, sizeof(accepted));
	memset(total, 0, sizeof(total));
	v = sim_events(&n);
	for (i = 0; i < n; i++) {
		struct json_object *sub = NULL;

		if (!is_ev(v[i], "resp") || ev_int(v[i], "result") != 0)
			continue;
		for (k = 0; k < i; k++)
			if (is_ev(v[k], "submit") &&
			    ev_int(v[k], "seq") == ev_int(v[i], "seq") &&
			    ev_int(v[k], "conn") == ev_int(v[i], "conn"))
				sub = v[k];
		ck_assert_ptr_nonnull(sub);
		k = (size_t)strtoul(json_object_get_string(
		    json_object_array_get_idx(json_object_object_get(sub,
		    "dest"), 0)) + 3, NULL, 10);
		num = (size_t)ev_int(sub, "pk_number");
		ck_assert_uint_lt(k, n_msg);
		ck_assert_uint_lt(num, 16);
		accepted[k][num]++;
		total[k] = (int)ev_int(sub, "pk_total");
	}
	events_free(v, n);
	for (i = 0; i < n_msg; i++) {
		ck_assert_msg(total[i] >= 1, "message %zu never accepted", i);
		for (num = 1; num <= (size_t)total[i]; num++)
			ck_assert_msg(accepted[i][num] == 1, "part %zu of "
			    "message %zu accepted %d times", num, i,
			    accepted[i][num]);
	}
	assert_no_sim_errors();
}

START_TEST(active_test_timeout_reconnects_nothing_lost_nothing_twice)
{
	struct lu_tally t = { 0 };
	char to[32];
	size_t i;

	start("--mute-active-test", SECRET, 1);
	for (i = 0; i < 5; i++) {
		snprintf(to, sizeof(to), "+86136%08zu", i);
		enqueue(to, "第一批");
	}
	send_all(16, 10000, &t);
	ck_assert_uint_eq(t.accepted, 5);
	/* Idle 3 s: an active test, unanswered for 1 s: a new login. */
	ck_assert(wait_ev("active_test", "answered", 0, 1, 6000));
	ck_assert(wait_ev("connect", "status", 0, 2, 6000));
	for (i = 5; i < 10; i++) {
		snprintf(to, sizeof(to), "+86136%08zu", i);
		enqueue(to, "第二批");
	}
	send_all(16, 10000, &t);
	ck_assert_uint_eq(t.accepted, 10);
	ck_assert_uint_eq(t.retried + t.rejected, 0);
	assert_each_accepted_once(10);
	ck_assert_uint_eq(link_stat("binds"), 2);
}
END_TEST

START_TEST(an_ismg_silent_mid_window_loses_nothing_and_reuses_no_sequence)
{
	struct lu_tally t = { 0 };
	char to[32], text[512];
	size_t i;

	/* The first connection answers 20 submits, then nothing. */
	start("--mute-after 21", SECRET, 1);
	for (i = 0; i < 100; i++) {
		snprintf(to, sizeof(to), "+86135%08zu", i);
		msg_text((int)i, text, sizeof(text));
		enqueue(to, text);
	}
	send_all(128, 30000, &t);
	ck_assert_uint_eq(t.accepted, 100);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out WHERE status = "
	    "'sent'", -1), 100);
	ck_assert_uint_ge(count_ev("connect", "status", 0), 2);
	assert_each_accepted_once(100);
}
END_TEST

static void *
interrupt_later(void *arg)
{
	(void)arg;
	tu_sleep_ms(300);
	provider_cmpp_ops.interrupt(lk.pctx);
	return NULL;
}

START_TEST(interrupt_hands_back_a_waiting_batch_at_once)
{
	struct lu_tally t = { 0 };
	pthread_t th;
	int64_t t0;

	/* The ISMG answers nothing: the batch would wait 2 x 5 s. */
	start("--mute-after 1", SECRET, 5);
	enqueue("+8613800000001", "一");
	enqueue("+8613800000002", "二");
	ck_assert_int_eq(pthread_create(&th, NULL, interrupt_later, NULL), 0);
	t0 = tu_mono_ms();
	ck_assert_uint_eq(send_round(16, &t), 2);
	ck_assert_int_lt(tu_mono_ms() - t0, 2000 * tu_slow());
	pthread_join(th, NULL);
	ck_assert_uint_eq(t.retried, 2);
	ck_assert_str_eq(t.last_error, "cmpp: stopping");
	/* And any later batch at once. */
	t0 = tu_mono_ms();
	ck_assert_uint_eq(send_round(16, &t), 2);
	ck_assert_int_lt(tu_mono_ms() - t0, 500 * tu_slow());
	ck_assert_uint_eq(t.retried, 4);
}
END_TEST

/* ---- the whole gateway over a CMPP link --------------------------------------- */

static struct tg gt;

static void
gw_setup(void)
{
	dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(dir);
	snprintf(sim.log, sizeof(sim.log), "%s/sim.log", dir);
}

static void
gw_teardown(void)
{
	tg_cleanup(&gt);
	su_sim_stop(&sim, SIGTERM);
	tu_rmtree(dir);
	free(dir);
}

/*
 * fupin-gateway with only a cmpp provider: a villager's MO over the link
 * is stored and answered over the link, the report marks the answer
 * delivered, and an admin API message goes out the same way.
 */
START_TEST(the_gateway_takes_mo_and_sends_over_a_cmpp_link)
{
	char prov[512], c[64];

	su_cmpp_sim_start(&sim, SECRET, SP_ID, "--report");
	snprintf(prov, sizeof(prov), "{ name = \"cm\"; type = \"cmpp\"; "
	    "host = \"127.0.0.1\"; port = %d; source_addr = \"%s\"; "
	    "shared_secret = \"%s\"; rate = 200; }", sim.port, SP_ID, SECRET);
	tg_init(&gt, NULL);
	gt.providers = prov;
	tg_reconfigure(&gt, "sms = { shortcode = \"10690001\"; };\n");
	tg_import_demo(&gt);
	tg_start(&gt);
	if (!wait_ev("connect", NULL, 0, 1, 10000))
		ck_abort_msg("no login; the gateway said: %s", tg_log(&gt));
	/* 查询 from 日火木呷 (data/demo/README.md), over the link. */
	utf16_hex("查询", c, sizeof(c));
	su_say(&sim, "mo 13908340107 10690001 8 0 %s 7001", c);
	ck_assert(tg_wait_int(&gt, "SELECT count(*) FROM sms_in WHERE route "
	    "= 'cmpp:cm' AND provider_id = '7001'", 1));
	ck_assert(tg_wait_int(&gt, "SELECT count(*) FROM sms_out WHERE "
	    "in_reply_to IS NOT NULL AND status = 'delivered'", 1));
	ck_assert_int_eq(tg_query_int(&gt, "SELECT count(*) FROM sms_out "
	    "WHERE provider = 'cm' AND msisdn = '+8613908340107'"), 1);
	ck_assert_uint_eq(count_ev("submit", NULL, 0), 1);
	assert_no_sim_errors();
	/* The link on /metrics: bound, one submit, its answer timed. */
	{
		static struct tg_reply mr;

		ck_assert_int_eq(tg_request(&gt, "GET", "/metrics", NULL, NULL,
		    0, NULL, false, &mr), 0);
		ck_assert_int_eq(mr.status, 200);
		ck_assert_msg(strstr(mr.body, "fupin_link_up{provider=\"cm\"} "
		    "1\n") != NULL && strstr(mr.body, "fupin_link_submits_total"
		    "{provider=\"cm\"} 1\n") != NULL && strstr(mr.body,
		    "fupin_link_mo_total{provider=\"cm\"} 1\n") != NULL &&
		    strstr(mr.body, "fupin_link_submit_latency_seconds_count"
		    "{provider=\"cm\"} 1\n") != NULL && strstr(mr.body,
		    "# TYPE fupin_link_submit_latency_seconds histogram") !=
		    NULL, "%s", mr.body);
	}
}
END_TEST

Suite *
cmpp_suite(void)
{
	Suite *s = suite_create("cmpp");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, config_defaults_and_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("login");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, login_with_the_md5_authenticator_binds);
	tcase_add_test(tc,
	    wrong_authenticator_is_refused_reported_and_retried_with_backoff);
	tcase_add_test(tc, an_ismg_that_does_not_prove_the_secret_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("submit");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    a_thousand_messages_with_chinese_long_ones_go_as_ucs2_parts);
	tcase_add_test(tc, never_more_than_16_submits_are_unanswered);
	tcase_add_test(tc, result_8_slows_down_instead_of_failing);
	suite_add_tcase(s, tc);

	tc = tcase_create("deliver");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    reports_for_every_part_make_a_long_message_delivered_once);
	tcase_add_test(tc, undeliv_fails_the_message_with_the_stat_as_reason);
	tcase_add_test(tc, mo_single_and_concatenated_arrive_as_webhook_mo);
	tcase_add_test(tc, an_mo_whose_parts_stop_coming_is_stored_as_it_is);
	tcase_add_test(tc, hostile_delivers_are_answered_and_store_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("gateway");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, gw_setup, gw_teardown);
	tcase_add_test(tc, the_gateway_takes_mo_and_sends_over_a_cmpp_link);
	suite_add_tcase(s, tc);

	tc = tcase_create("silence");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    active_test_timeout_reconnects_nothing_lost_nothing_twice);
	tcase_add_test(tc,
	    an_ismg_silent_mid_window_loses_nothing_and_reuses_no_sequence);
	tcase_add_test(tc, interrupt_hands_back_a_waiting_batch_at_once);
	suite_add_tcase(s, tc);
	return s;
}
