/*
 * test_provider.c: the providers driven by the real sender against a
 * local fake provider (http_stub.c): the exact Kannel sendsms parameters
 * and the http_json body and headers; 2xx / 4xx / 408 / 429 / 5xx /
 * garbage / hang classified as sent, failed or retried; the file
 * provider's JSON lines; a hanging provider not stalling another; the
 * rate limit; wake-ups; stopping with messages in hand.
 */
#include <check.h>
#include <json-c/json.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "http_stub.h"
#include "outbox.h"
#include "sender.h"
#include "store.h"
#include "testutil.h"

#define TO1	"+8613800000001"
#define TO2	"+8613900000002"
#define ZH	"你好，扶贫办通知：明天培训。"

static char *dir;
static char db_path[512];
static struct http_stub *stub, *stub2;
static struct cfg *cfg;
static struct store *st;
static struct sender *snd;

static void
setup(void)
{
	dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(dir);
	snprintf(db_path, sizeof(db_path), "%s/fupin.db", dir);
	stub = http_stub_start();
	stub2 = http_stub_start();
	ck_assert_ptr_nonnull(stub);
	ck_assert_ptr_nonnull(stub2);
	st = tu_open_store(db_path);
}

static void
teardown(void)
{
	sender_stop(snd);
	snd = NULL;
	http_stub_stop(stub);
	http_stub_stop(stub2);
	store_close(st);
	cfg_free(cfg);
	cfg = NULL;
	tu_rmtree(dir);
	free(dir);
}

/* Load a config with `providers` (libconfig list body) and start. */
static void
start(const char *default_provider, const char *providers)
{
	char text[8192];

	snprintf(text, sizeof(text),
	    "database = { path = \"%s\"; id_key_file = \"%s.key\"; };\n"
	    "http = { listen = \"127.0.0.1:8080\"; };\n"
	    "sms = { provider = \"%s\"; shortcode = \"10690001\"; };\n"
	    "providers = ( %s );\n", db_path, db_path, default_provider,
	    providers);
	cfg = tu_load_cfg(text);
	ck_assert_int_eq(sender_start(cfg, &snd), FP_OK);
}

static struct outbox_msg
test_msg(const char *to, const char *text, const char *kind,
    const char *provider)
{
	struct outbox_msg m;

	memset(&m, 0, sizeof(m));
	m.to = to;
	m.text = text;
	m.kind = kind;
	m.provider = provider;
	return m;
}

static int64_t
enqueue(const char *to, const char *text, const char *provider)
{
	int64_t id;

	ck_assert_int_eq(store_begin(st), FP_OK);
	id = tu_enqueue(st, cfg, provider, to, text, (int64_t)time(NULL));
	ck_assert_int_eq(store_commit(st), FP_OK);
	sender_wake(snd, provider);
	return id;
}

static int64_t
q_int(const char *sql, int64_t id)
{
	return tu_query_int(store_db(st), sql, id);
}

static const char *
q_text(const char *sql, int64_t id)
{
	return tu_query_text(store_db(st), sql, id);
}

static const char *
status_of(int64_t id)
{
	return q_text("SELECT status FROM sms_out WHERE id = ?", id);
}

/*
 * Keep a message the test has done with from being retried: its retry
 * could take the next answer the stub was set up for (on a slow machine
 * the first retry comes due within the test), and a provider id given
 * twice is kept once.
 */
static void
park(int64_t id)
{
	sqlite3_stmt *stmt;

	ck_assert_int_eq(sqlite3_prepare_v2(store_db(st), "UPDATE sms_out SET "
	    "next_attempt_at = next_attempt_at + 86400 WHERE id = ?1 AND "
	    "status = 'queued'", -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_int64(stmt, 1, id);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_DONE);
	sqlite3_finalize(stmt);
	ck_assert_int_eq(sqlite3_changes(store_db(st)), 1);
}

/* Wait until the message has been tried and is no longer "sending". */
static const char *
wait_outcome(int64_t id, int timeout_ms)
{
	int64_t end = tu_mono_ms() + (int64_t)timeout_ms * tu_slow();

	while (tu_mono_ms() < end) {
		if (q_int("SELECT attempts > 0 AND status != 'sending' FROM "
		    "sms_out WHERE id = ?", id) == 1)
			return status_of(id);
		tu_sleep_ms(5);
	}
	return status_of(id);
}

/* Wait until `sql` (no parameters) gives n; false on timeout. */
static bool
wait_count(const char *sql, int64_t n, int timeout_ms)
{
	return tu_wait_int(store_db(st), sql, 0, n, timeout_ms * tu_slow());
}

struct seen {
	const char *provider;
	const char *metric;
	uint64_t v;
};

static void
on_metric(const char *provider, const char *metric, uint64_t v, void *arg)
{
	struct seen *s = arg;

	if (strcmp(provider, s->provider) == 0 &&
	    strcmp(metric, s->metric) == 0)
		s->v = v;
}

static uint64_t
metric(const char *provider, const char *name)
{
	struct seen s = { provider, name, UINT64_MAX };

	sender_metrics(snd, on_metric, &s);
	return s.v;
}

/* Index of the recorded request whose parameter `key` is `value`. */
static size_t
find_request(struct http_stub *s, const char *key, const char *value)
{
	size_t i, n = http_stub_count(s);

	for (i = 0; i < n; i++) {
		const char *v = http_stub_arg(s, i, key);

		if (v != NULL && strcmp(v, value) == 0)
			return i;
	}
	ck_abort_msg("no request with %s=%s", key, value);
	return 0;
}

static void
kannel_provider(char *buf, size_t len, const char *name, struct http_stub *s,
    const char *extra)
{
	snprintf(buf, len, "{ name = \"%s\"; type = \"kannel\"; "
	    "url = \"http://127.0.0.1:%d/cgi-bin/sendsms\"; "
	    "username = \"fupin\"; password = \"s3cr&t=+\"; "
	    "dlr_base = \"http://127.0.0.1:8080/\"; %s }", name,
	    http_stub_port(s), extra);
}

START_TEST(kannel_gets_exact_sendsms_parameters)
{
	char p[1024], dlr[256], idtext[24];
	int64_t zh, en;
	size_t i;

	kannel_provider(p, sizeof(p), "kannel", stub,
	    "rate = 1000; connections = 2;");
	start("kannel", p);
	zh = enqueue(TO1, ZH, NULL);
	en = enqueue(TO2, "Hello & bye+1 100%", NULL);
	ck_assert_str_eq(wait_outcome(zh, 3000), "sent");
	ck_assert_str_eq(wait_outcome(en, 3000), "sent");
	ck_assert_uint_eq(http_stub_count(stub), 2);

	i = find_request(stub, "to", TO1);
	ck_assert_str_eq(http_stub_method(stub, i), "GET");
	ck_assert_str_eq(http_stub_path(stub, i), "/cgi-bin/sendsms");
	ck_assert_str_eq(http_stub_arg(stub, i, "username"), "fupin");
	ck_assert_str_eq(http_stub_arg(stub, i, "password"), "s3cr&t=+");
	ck_assert_str_eq(http_stub_arg(stub, i, "from"), "10690001");
	ck_assert_str_eq(http_stub_arg(stub, i, "text"), ZH);
	ck_assert_str_eq(http_stub_arg(stub, i, "charset"), "UTF-8");
	ck_assert_str_eq(http_stub_arg(stub, i, "coding"), "2");
	ck_assert_str_eq(http_stub_arg(stub, i, "dlr-mask"), "31");
	/* Decoded once by Kannel: %d and %A left for it to fill in. */
	snprintf(dlr, sizeof(dlr), "http://127.0.0.1:8080/dlr/kannel?msg=%lld"
	    "&status=%%d&reply=%%A", (long long)zh);
	ck_assert_str_eq(http_stub_arg(stub, i, "dlr-url"), dlr);

	i = find_request(stub, "to", TO2);
	ck_assert_str_eq(http_stub_arg(stub, i, "text"), "Hello & bye+1 100%");
	ck_assert_str_eq(http_stub_arg(stub, i, "coding"), "0");
	snprintf(idtext, sizeof(idtext), "msg=%lld&", (long long)en);
	ck_assert_ptr_nonnull(strstr(http_stub_arg(stub, i, "dlr-url"),
	    idtext));

	/* Kannel has no id for us: reports come back by ours. */
	ck_assert_str_eq(q_text("SELECT ifnull(provider_msgid, 'none') FROM "
	    "sms_out WHERE id = ?", zh), "none");
	ck_assert_str_eq(q_text("SELECT group_concat(status) FROM (SELECT "
	    "status FROM sms_out_history WHERE message_id = ? ORDER BY id)",
	    zh), "queued,sending,sent");
	ck_assert_uint_eq(metric("kannel", "sent"), 2);
	ck_assert_uint_eq(metric("kannel", "segments_sent"), 2);
	ck_assert_uint_eq(metric("kannel", "failed"), 0);
}
END_TEST

START_TEST(answers_are_classified_failed_or_retried)
{
	static const struct {
		int	 status;
		const char *body;
		const char *outcome;
		const char *error;
	} cases[] = {
		{ 202, "0: Accepted for delivery", "sent", "NULL" },
		{ 200, "Sent.", "sent", "NULL" },
		{ 403, "Authorization failed", "failed",
		  "http 403: Authorization failed" },
		{ 400, "Missing receiver", "failed",
		  "http 400: Missing receiver" },
		{ 404, "", "failed", "http 404" },
		{ 503, "Queue full\nmore", "queued", "http 503: Queue full" },
		{ 500, "\"oops\"", "queued", "http 500: ?oops?" },
		{ 408, "", "queued", "http 408" },
		{ 429, "slow down", "queued", "http 429: slow down" },
	};
	char p[1024];
	int64_t id;
	size_t i;

	kannel_provider(p, sizeof(p), "kannel", stub, "max_attempts = 3;");
	start("kannel", p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http_stub_reply(stub, cases[i].status, cases[i].body);
		id = enqueue(TO1, "classify me", NULL);
		ck_assert_msg(strcmp(wait_outcome(id, 3000), cases[i].outcome)
		    == 0, "status %d: %s, not %s", cases[i].status,
		    status_of(id), cases[i].outcome);
		ck_assert_str_eq(q_text("SELECT ifnull(last_error, 'NULL') "
		    "FROM sms_out WHERE id = ?", id), cases[i].error);
		ck_assert_int_eq(q_int("SELECT attempts FROM sms_out WHERE "
		    "id = ?", id), 1);
		if (strcmp(cases[i].outcome, "queued") == 0) {
			/*
			 * First retry 2 s +/- 20 % (whole seconds) after the
			 * attempt, not after the enqueue: under valgrind the
			 * attempt itself may come seconds later.
			 */
			int64_t d = q_int("SELECT next_attempt_at - updated_at "
			    "FROM sms_out WHERE id = ?", id);

			ck_assert_int_ge(d, 1);
			ck_assert_int_le(d, 4);
			/* Park it, so its retry does not meet a later case. */
			ck_assert_int_eq(q_int("UPDATE sms_out SET "
			    "next_attempt_at = next_attempt_at + 3600 WHERE "
			    "id = ? RETURNING 1", id), 1);
		}
	}
	ck_assert_uint_eq(metric("kannel", "sent"), 2);
	ck_assert_uint_eq(metric("kannel", "failed"), 3);
	ck_assert_uint_eq(metric("kannel", "retried"), 4);
}
END_TEST

START_TEST(retries_end_in_failed_after_max_attempts)
{
	char p[1024];
	int64_t id;

	kannel_provider(p, sizeof(p), "once", stub, "max_attempts = 1;");
	start("once", p);
	http_stub_reply(stub, 503, "Queue full");
	id = enqueue(TO1, "only one try", NULL);
	ck_assert_str_eq(wait_outcome(id, 3000), "failed");
	ck_assert_str_eq(q_text("SELECT last_error FROM sms_out WHERE id = ?",
	    id), "http 503: Queue full; gave up after 1 attempts");
	ck_assert_uint_eq(metric("once", "failed"), 1);
	ck_assert_uint_eq(metric("once", "retried"), 0);
}
END_TEST

static void
json_provider(char *buf, size_t len, const char *name, struct http_stub *s,
    const char *extra)
{
	snprintf(buf, len, "{ name = \"%s\"; type = \"http_json\"; "
	    "url = \"http://127.0.0.1:%d/v1/sms\"; token = \"tok-123\"; %s }",
	    name, http_stub_port(s), extra);
}

static const char *
jfield(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "(missing)";
	return json_object_get_string(v);
}

START_TEST(http_json_posts_body_with_bearer_token)
{
	struct json_object *o;
	char p[1024], idtext[24];
	int64_t id, id2 = 0;

	struct outbox_msg m = test_msg(TO1, ZH, "api", NULL);

	json_provider(p, sizeof(p), "agg", stub, "sign_name = \"扶贫办\"; "
	    "template_code = \"SMS_001\"; id_field = \"msgId\";");
	start("agg", p);
	http_stub_reply_ids(stub, "msgId");
	/* SPEC 11: with a template_code only a template's rendering goes
	 * (free text is refused); without a mapping in
	 * provider_templates.conf the configured code goes with it. */
	m.tpl_key = "notices/general_notice";
	m.tpl_lang = "zh";
	m.tpl_vars = "{\"text\":\"x\"}";
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, (int64_t)time(NULL), &id),
	    FP_OK);
	m.tpl_key = NULL;
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, (int64_t)time(NULL), &id2),
	    FP_EINVAL);
	ck_assert_int_eq(store_commit(st), FP_OK);
	sender_wake(snd, NULL);
	ck_assert_str_eq(wait_outcome(id, 3000), "sent");
	ck_assert_uint_eq(http_stub_count(stub), 1);
	ck_assert_str_eq(http_stub_method(stub, 0), "POST");
	ck_assert_str_eq(http_stub_path(stub, 0), "/v1/sms");
	ck_assert_str_eq(http_stub_header(stub, 0, "Authorization"),
	    "Bearer tok-123");
	ck_assert_str_eq(http_stub_header(stub, 0, "Content-Type"),
	    "application/json");
	o = json_tokener_parse(http_stub_body(stub, 0));
	ck_assert_ptr_nonnull(o);
	snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
	ck_assert_str_eq(jfield(o, "to"), TO1);
	ck_assert_str_eq(jfield(o, "from"), "10690001");
	ck_assert_str_eq(jfield(o, "text"), ZH);
	ck_assert_str_eq(jfield(o, "sign_name"), "扶贫办");
	ck_assert_str_eq(jfield(o, "template_code"), "SMS_001");
	ck_assert_str_eq(jfield(o, "id"), idtext);
	ck_assert_int_eq(json_object_object_length(o), 6);
	json_object_put(o);
	/* The provider's id is what /dlr reports will name. */
	ck_assert_str_eq(q_text("SELECT provider_msgid FROM sms_out WHERE "
	    "id = ?", id), "p1");
	/* The signature was billed: 14 + 5 characters, still one part. */
	ck_assert_int_eq(q_int("SELECT segments FROM sms_out WHERE id = ?",
	    id), 1);
}
END_TEST

/* Quotes, backslashes, control characters and UTF-8 reach the provider
 * as they were, in a body any JSON parser reads. */
START_TEST(http_json_body_escapes_what_json_must)
{
	static const char text[] = "say \"hi\" \\ path/to\n\ttab\x01\x1f "
	    "返乡创业 ꆈꌠ བོད 😀";
	struct json_object *o;
	char p[1024];
	int64_t id;

	json_provider(p, sizeof(p), "agg", stub, "");
	start("agg", p);
	http_stub_reply_ids(stub, "id");
	id = enqueue(TO1, text, NULL);
	ck_assert_str_eq(wait_outcome(id, 3000), "sent");
	ck_assert_ptr_nonnull(strstr(http_stub_body(stub, 0),
	    "\\\"hi\\\" \\\\ path/to\\n\\ttab\\u0001\\u001f"));
	o = json_tokener_parse(http_stub_body(stub, 0));
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(jfield(o, "text"), text);
	ck_assert_str_eq(jfield(o, "to"), TO1);
	ck_assert_int_eq(json_object_object_length(o), 4);
	json_object_put(o);
}
END_TEST

START_TEST(http_json_without_optional_fields_or_id_is_retried)
{
	struct json_object *o;
	char p[1024];
	int64_t id;

	json_provider(p, sizeof(p), "agg", stub, "");
	start("agg", p);
	/* A 2xx we cannot read: we cannot match reports, so retry. */
	http_stub_reply(stub, 200, "<html>busy</html>");
	id = enqueue(TO1, "garbage answer", NULL);
	ck_assert_str_eq(wait_outcome(id, 3000), "queued");
	park(id);
	ck_assert_str_eq(q_text("SELECT last_error FROM sms_out WHERE id = ?",
	    id), "http 200: answer without a message id in field id");
	o = json_tokener_parse(http_stub_body(stub, 0));
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(jfield(o, "sign_name"), "(missing)");
	ck_assert_str_eq(jfield(o, "template_code"), "(missing)");
	ck_assert_int_eq(json_object_object_length(o), 4);
	json_object_put(o);

	http_stub_reply(stub, 200, "{\"status\":\"ok\"}");
	id = enqueue(TO1, "no id", NULL);
	ck_assert_str_eq(wait_outcome(id, 3000), "queued");
	park(id);
	http_stub_reply(stub, 200, "{\"id\":\"\"}");
	id = enqueue(TO1, "empty id", NULL);
	ck_assert_str_eq(wait_outcome(id, 3000), "queued");
	park(id);
	/* A numeric id is fine. */
	http_stub_reply(stub, 201, "{\"id\":12345}");
	id = enqueue(TO1, "numeric id", NULL);
	ck_assert_str_eq(wait_outcome(id, 3000), "sent");
	ck_assert_str_eq(q_text("SELECT provider_msgid FROM sms_out WHERE "
	    "id = ?", id), "12345");
	http_stub_reply(stub, 401, "{\"error\":\"bad token\"}");
	id = enqueue(TO1, "bad token", NULL);
	ck_assert_str_eq(wait_outcome(id, 3000), "failed");
	ck_assert_str_eq(q_text("SELECT last_error FROM sms_out WHERE id = ?",
	    id), "http 401: {?error?:?bad token?}");
}
END_TEST

START_TEST(connection_refused_is_retried)
{
	char p[1024];
	int64_t id;
	int port = tu_free_port();

	snprintf(p, sizeof(p), "{ name = \"gone\"; type = \"http_json\"; "
	    "url = \"http://127.0.0.1:%d/\"; token = \"t\"; }", port);
	start("gone", p);
	id = enqueue(TO1, "nobody home", NULL);
	ck_assert_str_eq(wait_outcome(id, 3000), "queued");
	ck_assert_str_eq(q_text("SELECT substr(last_error, 1, 11) FROM sms_out "
	    "WHERE id = ?", id), "connection:");
}
END_TEST

START_TEST(hanging_provider_times_out_and_is_retried)
{
	char p[1024];
	int64_t id, t0;

	kannel_provider(p, sizeof(p), "kannel", stub, "timeout = 1;");
	start("kannel", p);
	http_stub_hang(stub);
	t0 = tu_mono_ms();
	id = enqueue(TO1, "into the void", NULL);
	ck_assert(http_stub_wait(stub, 1, 2000 * tu_slow()));
	ck_assert_str_eq(wait_outcome(id, 4000), "queued");
	/* The timeout fired: about one second, not the stub's 30. */
	ck_assert_int_ge(tu_mono_ms() - t0, 900);
	ck_assert_str_eq(q_text("SELECT substr(last_error, 1, 8) FROM sms_out "
	    "WHERE id = ?", id), "timeout:");
	ck_assert_int_eq(q_int("SELECT attempts FROM sms_out WHERE id = ?",
	    id), 1);
}
END_TEST

START_TEST(hanging_provider_does_not_stall_another)
{
	char slow_p[1024], fast_p[1024], both[2100], timeout[64];
	int64_t t0, first_slow = 0;
	int i;

	snprintf(timeout, sizeof(timeout), "timeout = %d; connections = 1;",
	    2 * tu_slow());
	kannel_provider(slow_p, sizeof(slow_p), "slow", stub, timeout);
	json_provider(fast_p, sizeof(fast_p), "fast", stub2, "rate = 1000;");
	snprintf(both, sizeof(both), "%s, %s", slow_p, fast_p);
	start("slow", both);
	http_stub_hang(stub);
	http_stub_reply_ids(stub2, "id");
	for (i = 0; i < 5; i++) {
		int64_t id = enqueue(TO1, "stuck", "slow");

		if (first_slow == 0)
			first_slow = id;
	}
	ck_assert(http_stub_wait(stub, 1, 2000 * tu_slow()));
	t0 = tu_mono_ms();
	for (i = 0; i < 20; i++)
		enqueue(TO2, "goes through", "fast");
	ck_assert(wait_count("SELECT count(*) FROM sms_out WHERE provider = "
	    "'fast' AND status = 'sent'", 20, 1500));
	/* Well before the hanging request could even time out. */
	ck_assert_int_lt(tu_mono_ms() - t0, 1500 * tu_slow());
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out WHERE provider "
	    "= 'slow' AND status = 'sent'", 0), 0);
	ck_assert_str_eq(status_of(first_slow), "sending");
	ck_assert_uint_eq(http_stub_count(stub2), 20);
}
END_TEST

START_TEST(file_provider_writes_json_lines_and_delivers)
{
	char p[1024], path[600], idtext[24];
	const char *texts[2] = { "Hi \"there\" / back\\slash", ZH };
	const char *tos[2] = { TO1, TO2 };
	const char *encs[2] = { "gsm7", "ucs2" };
	struct json_object *o;
	int64_t ids[2];
	char *data, *line, *save = NULL;
	int i;

	snprintf(path, sizeof(path), "%s/var/outbox.jsonl", dir);
	snprintf(p, sizeof(p), "{ name = \"local\"; type = \"file\"; "
	    "path = \"%s\"; }", path);
	start("local", p);
	for (i = 0; i < 2; i++)
		ids[i] = enqueue(tos[i], texts[i], NULL);
	for (i = 0; i < 2; i++)
		ck_assert_str_eq(wait_outcome(ids[i], 3000), "delivered");
	data = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(data);
	line = strtok_r(data, "\n", &save);
	for (i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(line);
		o = json_tokener_parse(line);
		ck_assert_ptr_nonnull(o);
		snprintf(idtext, sizeof(idtext), "%lld", (long long)ids[i]);
		ck_assert_str_eq(jfield(o, "id"), idtext);
		ck_assert(json_object_is_type(json_object_object_get(o, "id"),
		    json_type_string));
		ck_assert_str_eq(jfield(o, "to"), tos[i]);
		ck_assert_str_eq(jfield(o, "from"), "10690001");
		ck_assert_str_eq(jfield(o, "text"), texts[i]);
		ck_assert_str_eq(jfield(o, "segments"), "1");
		ck_assert(json_object_is_type(json_object_object_get(o,
		    "segments"), json_type_int));
		ck_assert_str_eq(jfield(o, "encoding"), encs[i]);
		/* RFC 3339 UTC: 2024-05-01T08:00:00.123Z */
		ck_assert_uint_eq(strlen(jfield(o, "sent_at")), 24);
		ck_assert_int_eq(jfield(o, "sent_at")[10], 'T');
		ck_assert_int_eq(jfield(o, "sent_at")[23], 'Z');
		ck_assert_int_eq(json_object_object_length(o), 7);
		json_object_put(o);
		/* Its provider id is the gateway's own. */
		ck_assert_str_eq(q_text("SELECT provider_msgid FROM sms_out "
		    "WHERE id = ?", ids[i]), idtext);
		line = strtok_r(NULL, "\n", &save);
	}
	ck_assert_ptr_null(line);
	free(data);
	ck_assert_str_eq(q_text("SELECT group_concat(status) FROM (SELECT "
	    "status FROM sms_out_history WHERE message_id = ? ORDER BY id)",
	    ids[1]), "queued,sending,sent,delivered");
	ck_assert_uint_eq(metric("local", "delivered"), 2);
	ck_assert_uint_eq(metric("local", "sent"), 2);
}
END_TEST

START_TEST(rate_limit_is_never_exceeded)
{
	char p[1024];
	int64_t first, last;
	int i, n = 12;

	/* 20/s, burst 1: 12 messages need at least 11/20 s. */
	kannel_provider(p, sizeof(p), "kannel", stub,
	    "rate = 20; connections = 4;");
	start("kannel", p);
	for (i = 0; i < n; i++)
		enqueue(TO1, "paced", NULL);
	ck_assert(wait_count("SELECT count(*) FROM sms_out WHERE status = "
	    "'sent'", n, 3000));
	ck_assert_uint_eq(http_stub_count(stub), (size_t)n);
	first = http_stub_time_ns(stub, 0);
	last = http_stub_time_ns(stub, (size_t)n - 1);
	ck_assert_int_ge(last - first, (int64_t)(n - 1) * 50000000 - 5000000);
	/* ... and not much more: the limiter does not idle. */
	ck_assert_int_lt(last - first, (int64_t)(n - 1) * 50000000 +
	    400000000LL * tu_slow());
	/* Any 4 in a row span at least 3 intervals; arrival times jitter
	 * (a late request shortens the next gap), so allow 60 ms. */
	for (i = 3; i < n; i++)
		ck_assert_int_ge(http_stub_time_ns(stub, (size_t)i) -
		    http_stub_time_ns(stub, (size_t)i - 3), 150000000 - 60000000);
}
END_TEST

/* enqueue, straight to the sender when it has room: true if it did. */
static bool
enqueue_direct(const char *to, const char *text, const char *provider)
{
	struct outbox_msg m = test_msg(to, text, "sendsms", provider);
	struct outbox_item it;
	int64_t id = 0;

	if (!sender_reserve(snd, provider)) {
		enqueue(to, text, provider);
		return false;
	}
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(outbox_enqueue_sending(st, cfg, &m, (int64_t)time(NULL), &id, &it), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_str_eq(q_text("SELECT status FROM sms_out WHERE id = ?", id),
	    "sending");
	sender_hand_over(snd, provider, &it);
	return true;
}

/*
 * Room for direct hand-over is what the bucket allows soon (20/s, burst
 * 1: a few within the 100 ms horizon), comes back when released, and
 * messages handed over keep the pace as claimed ones do.
 */
START_TEST(direct_hand_over_is_bounded_and_paced)
{
	char p[1024];
	int i, n = 0, m = 0, direct = 0, total = 12;

	kannel_provider(p, sizeof(p), "kannel", stub,
	    "rate = 20; connections = 4;");
	start("kannel", p);
	ck_assert(!sender_reserve(snd, "nowhere"));
	while (n < 1000 && sender_reserve(snd, "kannel"))
		n++;
	ck_assert_int_ge(n, 1);
	ck_assert_int_le(n, 5);
	for (i = 0; i < n; i++)
		sender_release(snd, "kannel");
	while (m < 1000 && sender_reserve(snd, "kannel"))
		m++;
	ck_assert_int_ge(m, n);
	ck_assert_int_le(m, 5);
	for (i = 0; i < m; i++)
		sender_release(snd, "kannel");

	for (i = 0; i < total; i++)
		direct += enqueue_direct(TO1, "paced", "kannel");
	ck_assert_int_ge(direct, 1);
	ck_assert(wait_count("SELECT count(*) FROM sms_out WHERE status = "
	    "'sent' AND attempts = 1", total, 3000));
	ck_assert_uint_eq(http_stub_count(stub), (size_t)total);
	for (i = 3; i < total; i++)
		ck_assert_int_ge(http_stub_time_ns(stub, (size_t)i) -
		    http_stub_time_ns(stub, (size_t)i - 3), 150000000 - 60000000);
}
END_TEST

START_TEST(file_rate_limit_is_never_exceeded)
{
	char p[1024];
	int64_t t0;
	int i, n = 12;

	snprintf(p, sizeof(p), "{ name = \"local\"; type = \"file\"; "
	    "path = \"%s/out.jsonl\"; rate = 20; }", dir);
	start("local", p);
	t0 = tu_mono_ms();
	for (i = 0; i < n; i++)
		enqueue(TO1, "paced", NULL);
	ck_assert(wait_count("SELECT count(*) FROM sms_out WHERE status = "
	    "'delivered'", n, 3000));
	ck_assert_int_ge(tu_mono_ms() - t0, (n - 1) * 50 - 5);
}
END_TEST

START_TEST(wake_sends_at_once_instead_of_at_the_next_poll)
{
	char p[1024];
	int64_t id, t0, total = 0;
	int i;

	if (tu_slow() > 1)
		return;	/* a timing test; meaningless under valgrind */
	snprintf(p, sizeof(p), "{ name = \"local\"; type = \"file\"; "
	    "path = \"%s/out.jsonl\"; }", dir);
	start("local", p);
	/* Idle polls are 200 ms apart: unwoken, the mean wait is ~100. */
	for (i = 0; i < 4; i++) {
		tu_sleep_ms(230);
		t0 = tu_mono_ms();
		id = enqueue(TO1, "now please", NULL);
		ck_assert_str_eq(wait_outcome(id, 1000), "delivered");
		total += tu_mono_ms() - t0;
	}
	ck_assert_int_lt(total / 4, 50);
}
END_TEST

START_TEST(stop_gives_back_unsent_and_recovery_requeues_the_rest)
{
	struct outbox_msg m;
	char p[1024];
	int64_t ids[3], n_rec = 0;
	int i;

	/* One connection, hanging: one in flight, one claimed waiting. */
	kannel_provider(p, sizeof(p), "kannel", stub,
	    "timeout = 1; connections = 1; rate = 1000;");
	http_stub_hang(stub);
	start("kannel", p);
	/* All three in one transaction: the first claim sees them all. */
	memset(&m, 0, sizeof(m));
	m.to = TO1;
	m.text = "interrupted";
	ck_assert_int_eq(store_begin(st), FP_OK);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(outbox_enqueue(st, cfg, &m, (int64_t)time(NULL), &ids[i]), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	sender_wake(snd, NULL);
	ck_assert(http_stub_wait(stub, 1, 2000 * tu_slow()));
	tu_sleep_ms(50);
	sender_stop(snd);
	snd = NULL;
	/* Nothing lost: every message is queued again or still sending
	 * (abandoned in flight), none claims a second attempt. */
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out WHERE status "
	    "NOT IN ('queued', 'sending')", 0), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out WHERE status = "
	    "'queued' AND attempts = 0", 0), 2);
	ck_assert_str_eq(q_text("SELECT detail FROM sms_out_history WHERE "
	    "message_id = ? ORDER BY id DESC LIMIT 1", ids[1]), "not sent");
	ck_assert_int_eq(outbox_recover(st, (int64_t)time(NULL), &n_rec), FP_OK);
	ck_assert_int_le(n_rec, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out WHERE status = "
	    "'queued'", 0), 3);
	ck_assert_int_eq(http_stub_count(stub), 1);
	(void)ids[2];
}
END_TEST

Suite *
provider_suite(void)
{
	Suite *s = suite_create("provider");
	TCase *tc = tcase_create("http");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, kannel_gets_exact_sendsms_parameters);
	tcase_add_test(tc, answers_are_classified_failed_or_retried);
	tcase_add_test(tc, retries_end_in_failed_after_max_attempts);
	tcase_add_test(tc, http_json_posts_body_with_bearer_token);
	tcase_add_test(tc, http_json_body_escapes_what_json_must);
	tcase_add_test(tc, http_json_without_optional_fields_or_id_is_retried);
	tcase_add_test(tc, connection_refused_is_retried);
	tcase_add_test(tc, hanging_provider_times_out_and_is_retried);
	tcase_add_test(tc, hanging_provider_does_not_stall_another);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, file_provider_writes_json_lines_and_delivers);
	suite_add_tcase(s, tc);

	tc = tcase_create("sender");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rate_limit_is_never_exceeded);
	tcase_add_test(tc, direct_hand_over_is_bounded_and_paced);
	tcase_add_test(tc, file_rate_limit_is_never_exceeded);
	tcase_add_test(tc, wake_sends_at_once_instead_of_at_the_next_poll);
	tcase_add_test(tc,
	    stop_gives_back_unsent_and_recovery_requeues_the_rest);
	suite_add_tcase(s, tc);
	return s;
}
