/*
 * test_outbox.c: the outbound queue's state machine on a migrated
 * in-memory store: enqueue counts encoding and segments (signature
 * included), claim marks "sending" and counts attempts, expiry, sent /
 * retry / failed, the ordering rules of delivery reports (delivered
 * before sent, a final state never overwritten), recovery after a crash,
 * one history row plus one "sms.status" event per transition, and the
 * sender's shortcut for "sent" (outbox_mark_sent_claimed) against
 * outbox_mark_sent.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "dlr.h"
#include "migrate.h"
#include "outbox.h"
#include "store.h"
#include "testutil.h"

#define TO1	"+8613800000001"
#define TO2	"+8613900000002"

static struct store *st;
static struct cfg *cfg;

static const char conf[] =
    "sms = { provider = \"local\"; shortcode = \"10690001\"; };\n"
    "providers = (\n"
    "  { name = \"local\"; type = \"file\"; path = \"/tmp/unused.jsonl\";\n"
    "    validity = 3600; },\n"
    "  { name = \"agg\"; type = \"http_json\"; url = \"http://127.0.0.1:9/\";\n"
    "    token = \"t\"; sign_name = \"扶贫办\"; }\n"
    ");\n";

static void
setup(void)
{
	cfg = tu_load_cfg(conf);
	st = tu_open_store(":memory:");
	outbox_set_include_msisdn(false);
}

static void
teardown(void)
{
	store_close(st);
	cfg_free(cfg);
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

/* The message's history as "queued,sending,...". */
static const char *
history_of(int64_t id)
{
	return q_text("SELECT group_concat(status, ',') FROM (SELECT status "
	    "FROM sms_out_history WHERE message_id = ? ORDER BY id)", id);
}

static int64_t
events_of(int64_t id)
{
	return q_int("SELECT count(*) FROM event_outbox WHERE type = "
	    "'sms.status' AND json_extract(data, '$.id') = ?", id);
}

static int64_t
enqueue(const char *to, const char *text, const char *provider)
{
	int64_t id = tu_enqueue(st, cfg, provider, to, text, TU_T0);

	ck_assert_int_gt(id, 0);
	return id;
}

static char *
repeat(const char *unit, int n)
{
	size_t len = strlen(unit);
	char *s = malloc(len * (size_t)n + 1);
	int i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++)
		memcpy(s + len * (size_t)i, unit, len);
	s[len * (size_t)n] = '\0';
	return s;
}

/* Claim exactly one message (the given one) now. */
static void
claim_one(int64_t id)
{
	struct outbox_item *items = NULL;
	size_t n = 0;

	ck_assert_int_eq(outbox_claim(st, "local", TU_T0, 1, &items, &n),
	    FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].id, id);
	outbox_items_free(items, n);
}

START_TEST(enqueue_counts_segments_and_encoding)
{
	char *g160 = repeat("a", 160), *g161 = repeat("a", 161);
	char *c70 = repeat("扶", 70), *c71 = repeat("扶", 71);
	char *c66 = repeat("贫", 66);
	int64_t id;

	id = enqueue(TO1, g160, NULL);
	ck_assert_str_eq(q_text("SELECT encoding || '/' || segments || '/' "
	    "|| provider || '/' || from_addr || '/' || status || '/' || "
	    "attempts FROM sms_out WHERE id = ?", id),
	    "gsm7/1/local/10690001/queued/0");
	/* Validity of the provider: expires an hour after creation. */
	ck_assert_int_eq(q_int("SELECT expires_at - created_at FROM sms_out "
	    "WHERE id = ?", id), 3600);
	ck_assert_int_eq(q_int("SELECT next_attempt_at - created_at FROM "
	    "sms_out WHERE id = ?", id), 0);
	id = enqueue(TO1, g161, NULL);
	ck_assert_str_eq(q_text("SELECT encoding || '/' || segments FROM "
	    "sms_out WHERE id = ?", id), "gsm7/2");
	id = enqueue(TO1, "{curly}", NULL);	/* extension chars count 2 */
	ck_assert_str_eq(q_text("SELECT encoding || '/' || segments FROM "
	    "sms_out WHERE id = ?", id), "gsm7/1");
	id = enqueue(TO1, c70, NULL);
	ck_assert_str_eq(q_text("SELECT encoding || '/' || segments FROM "
	    "sms_out WHERE id = ?", id), "ucs2/1");
	id = enqueue(TO1, c71, NULL);
	ck_assert_str_eq(q_text("SELECT encoding || '/' || segments FROM "
	    "sms_out WHERE id = ?", id), "ucs2/2");
	/* SPEC 4: 【扶贫办】 is billed: 66 + 5 = 71 units -> 2 parts. */
	id = enqueue(TO1, c66, NULL);
	ck_assert_str_eq(q_text("SELECT encoding || '/' || segments FROM "
	    "sms_out WHERE id = ?", id), "ucs2/1");
	id = enqueue(TO1, c66, "agg");
	ck_assert_str_eq(q_text("SELECT encoding || '/' || segments || '/' "
	    "|| provider FROM sms_out WHERE id = ?", id), "ucs2/2/agg");
	/* The signature is not GSM-7, so neither is the message. */
	id = enqueue(TO1, "Hello", "agg");
	ck_assert_str_eq(q_text("SELECT encoding || '/' || segments FROM "
	    "sms_out WHERE id = ?", id), "ucs2/1");
	/* The text itself is stored without the signature. */
	ck_assert_str_eq(q_text("SELECT text FROM sms_out WHERE id = ?", id),
	    "Hello");
	free(g160);
	free(g161);
	free(c70);
	free(c71);
	free(c66);
}
END_TEST

/* SPEC 4: more than sms.max_segments (default 8) is refused; the
 * provider's signature counts. */
START_TEST(check_length_refuses_more_than_max_segments)
{
	char *g1224 = repeat("a", 8 * 153), *g1225 = repeat("a", 8 * 153 + 1);
	char *c536 = repeat("扶", 8 * 67), *c532 = repeat("扶", 8 * 67 - 4);
	char *g45k = repeat("a", 299 * 153);
	size_t n = 0;

	ck_assert_int_eq(cfg->sms.max_segments, 8);
	ck_assert_int_eq(outbox_check_length(cfg, NULL, g1224, &n), FP_OK);
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(outbox_check_length(cfg, NULL, g1225, &n),
	    FP_ETOOBIG);
	ck_assert_uint_eq(n, 9);
	ck_assert_int_eq(outbox_check_length(cfg, NULL, g45k, &n), FP_ETOOBIG);
	ck_assert_uint_eq(n, 299);
	ck_assert_int_eq(outbox_check_length(cfg, "local", c536, NULL), FP_OK);
	/* 【扶贫办】 adds 5 units: 532 + 5 = 537 > 8 * 67. */
	ck_assert_int_eq(outbox_check_length(cfg, "local", c532, NULL), FP_OK);
	ck_assert_int_eq(outbox_check_length(cfg, "agg", c532, &n),
	    FP_ETOOBIG);
	ck_assert_uint_eq(n, 9);
	ck_assert_int_eq(outbox_check_length(cfg, "nope", "x", NULL),
	    FP_EINVAL);
	ck_assert_int_eq(outbox_check_length(cfg, NULL, "\xff", NULL),
	    FP_EINVAL);
	free(g1224);
	free(g1225);
	free(c536);
	free(c532);
	free(g45k);
}
END_TEST

START_TEST(enqueue_keeps_options_and_validity)
{
	struct outbox_msg m;
	int64_t id = 0;

	memset(&m, 0, sizeof(m));
	m.to = TO2;
	m.from = "95555";
	m.text = "hi";
	m.kind = "sendsms";
	m.dlr_url = "http://app.example/dlr?s=%d";
	m.dlr_mask = 3;
	m.validity_s = 120;
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_OK);
	ck_assert_str_eq(q_text("SELECT from_addr || '|' || kind || '|' || "
	    "dlr_url || '|' || dlr_mask FROM sms_out WHERE id = ?", id),
	    "95555|sendsms|http://app.example/dlr?s=%d|3");
	ck_assert_int_eq(q_int("SELECT expires_at - created_at FROM sms_out "
	    "WHERE id = ?", id), 120);
	ck_assert_int_eq(q_int("SELECT in_reply_to IS NULL AND broadcast_id "
	    "IS NULL AND task_id IS NULL FROM sms_out WHERE id = ?", id), 1);
}
END_TEST

START_TEST(enqueue_shares_the_id_space_with_inbound)
{
	int64_t id;

	/* GET /api/v1/messages/{id} and Kannel's msg= name one message. */
	ck_assert_int_eq(sqlite3_exec(store_db(st), "INSERT INTO sms_in(id, "
	    "route, msisdn, text, received_at) VALUES (41, '/sms/inbound', "
	    "'+8613800000001', 'BZ', 0)", NULL, NULL, NULL), SQLITE_OK);
	id = enqueue(TO1, "after inbound", NULL);
	ck_assert_int_eq(id, 42);
	ck_assert_int_eq(enqueue(TO1, "next", NULL), 43);
}
END_TEST

START_TEST(enqueue_rejects_bad_input_and_stores_nothing)
{
	struct outbox_msg m;
	int64_t id = 0;

	memset(&m, 0, sizeof(m));
	m.text = "hi";
	m.to = "13800000001";			/* not E.164 */
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_EINVAL);
	m.to = "+86 138 0000 0001";		/* not normalised */
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_EINVAL);
	m.to = NULL;
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_EINVAL);
	m.to = TO1;
	m.text = "";
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_EINVAL);
	m.text = "bad \xff\xfe utf-8";
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_EINVAL);
	m.text = "hi";
	m.provider = "nope";
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_EINVAL);
	m.provider = NULL;
	m.kind = "spam";
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_EINVAL);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out", 0), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM event_outbox", 0), 0);
	ck_assert_int_eq(id, 0);
}
END_TEST

START_TEST(claim_marks_sending_and_counts_attempts)
{
	struct outbox_item *items = NULL;
	int64_t a, b, c, now = TU_T0;
	size_t n = 0;

	a = enqueue(TO1, "one", NULL);
	b = enqueue(TO2, "两", NULL);
	c = enqueue(TO1, "three", NULL);
	ck_assert_int_eq(outbox_claim(st, "local", now, 2, &items, &n), FP_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(items[0].id, a);
	ck_assert_int_eq(items[1].id, b);
	ck_assert_str_eq(items[1].to, TO2);
	ck_assert_str_eq(items[1].text, "两");
	ck_assert_str_eq(items[1].from, "10690001");
	ck_assert_int_eq(items[1].encoding, GSM_ENC_UCS2);
	ck_assert_int_eq(items[0].encoding, GSM_ENC_GSM7);
	ck_assert_int_eq(items[1].segments, 1);
	ck_assert_int_eq(items[0].attempts, 1);
	ck_assert_ptr_null(items[0].dlr_url);
	outbox_items_free(items, n);
	ck_assert_str_eq(status_of(a), "sending");
	ck_assert_str_eq(status_of(b), "sending");
	ck_assert_str_eq(status_of(c), "queued");
	ck_assert_int_eq(q_int("SELECT attempts FROM sms_out WHERE id = ?",
	    a), 1);
	/* The rest, then nothing. */
	ck_assert_int_eq(outbox_claim(st, "local", now, 10, &items, &n),
	    FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].id, c);
	outbox_items_free(items, n);
	ck_assert_int_eq(outbox_claim(st, "local", now, 10, &items, &n),
	    FP_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(items);
}
END_TEST

START_TEST(claim_takes_only_its_provider_and_due_messages)
{
	struct outbox_item *items = NULL;
	int64_t a, b, now = TU_T0;
	size_t n = 0;

	a = enqueue(TO1, "for agg", "agg");
	b = enqueue(TO1, "for local", NULL);
	ck_assert_int_eq(outbox_claim(st, "local", now, 10, &items, &n),
	    FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].id, b);
	outbox_items_free(items, n);
	ck_assert_str_eq(status_of(a), "queued");
	/* A retry is not due before its time; then it is. */
	ck_assert_int_eq(outbox_mark_retry(st, b, now + 30, "http 503", TU_T0),
	    FP_OK);
	ck_assert_int_eq(outbox_claim(st, "local", now + 29, 10, &items, &n),
	    FP_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(outbox_claim(st, "local", now + 30, 10, &items, &n),
	    FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].attempts, 2);
	outbox_items_free(items, n);
	ck_assert_int_eq(outbox_claim(st, "agg", now, 10, &items, &n), FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].id, a);
	outbox_items_free(items, n);
}
END_TEST

START_TEST(claim_expires_messages_past_validity)
{
	struct outbox_item *items = NULL;
	struct outbox_msg m;
	int64_t old, fresh, now = TU_T0;
	size_t n = 0, expired = 0;

	memset(&m, 0, sizeof(m));
	m.to = TO1;
	m.text = "short-lived";
	m.validity_s = 60;
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &old), FP_OK);
	fresh = enqueue(TO2, "long-lived", NULL);
	ck_assert_int_eq(outbox_claim_ex(st, "local", now + 61, 1, &items, &n,
	    &expired), FP_OK);
	/* The expired one does not use up the batch of one. */
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(expired, 1);
	ck_assert_int_eq(items[0].id, fresh);
	outbox_items_free(items, n);
	ck_assert_str_eq(status_of(old), "expired");
	ck_assert_str_eq(history_of(old), "queued,expired");
	/* Events from "sent" on, and retries: here only "expired". */
	ck_assert_int_eq(events_of(old), 1);
	ck_assert_str_eq(q_text("SELECT last_error FROM sms_out WHERE id = ?",
	    old), "validity expired");
	/* Final: a late report does not revive it. */
	ck_assert_int_eq(outbox_set_status(st, old, "delivered", "dlr", TU_T0),
	    FP_OK);
	ck_assert_int_eq(outbox_mark_sent(st, old, NULL, TU_T0), FP_OK);
	ck_assert_str_eq(status_of(old), "expired");
	ck_assert_str_eq(history_of(old), "queued,expired");
}
END_TEST

START_TEST(mark_sent_retry_and_failed)
{
	struct outbox_item *items = NULL;
	int64_t a, b, now = TU_T0, next;
	size_t n = 0;

	a = enqueue(TO1, "a", NULL);
	b = enqueue(TO2, "b", NULL);
	claim_one(a);
	next = now + 4;
	ck_assert_int_eq(outbox_mark_retry(st, a, next, "http 503: busy", TU_T0),
	    FP_OK);
	ck_assert_str_eq(status_of(a), "queued");
	ck_assert_int_eq(q_int("SELECT next_attempt_at FROM sms_out WHERE "
	    "id = ?", a), next);
	ck_assert_str_eq(q_text("SELECT last_error FROM sms_out WHERE id = ?",
	    a), "http 503: busy");
	/* b is due first now (a waits until `next`). */
	ck_assert_int_eq(outbox_claim(st, "local", now, 5, &items, &n), FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].id, b);
	outbox_items_free(items, n);
	ck_assert_int_eq(outbox_claim(st, "local", next, 5, &items, &n),
	    FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].id, a);
	ck_assert_int_eq(items[0].attempts, 2);
	outbox_items_free(items, n);
	ck_assert_int_eq(outbox_mark_sent(st, a, "p-1", TU_T0), FP_OK);
	ck_assert_str_eq(q_text("SELECT status || '/' || provider_msgid || "
	    "'/' || ifnull(last_error, 'none') FROM sms_out WHERE id = ?", a),
	    "sent/p-1/none");
	ck_assert_str_eq(history_of(a), "queued,sending,queued,sending,sent");
	ck_assert_int_eq(outbox_mark_failed(st, b, "http 400: bad number", TU_T0),
	    FP_OK);
	ck_assert_str_eq(status_of(b), "failed");
	ck_assert_str_eq(q_text("SELECT last_error FROM sms_out WHERE id = ?",
	    b), "http 400: bad number");
	ck_assert_int_eq(outbox_mark_sent(st, 99999, NULL, TU_T0), FP_ENOTFOUND);
	ck_assert_int_eq(outbox_mark_retry(st, 99999, now, "x", TU_T0), FP_ENOTFOUND);
}
END_TEST

START_TEST(delivered_may_come_before_sent)
{
	int64_t id = enqueue(TO1, "fast report", NULL);

	claim_one(id);
	/* The report overtakes the provider's answer. */
	ck_assert_int_eq(outbox_set_status(st, id, "delivered", "dlr", TU_T0), FP_OK);
	ck_assert_str_eq(status_of(id), "delivered");
	ck_assert_int_eq(outbox_mark_sent(st, id, "p-7", TU_T0), FP_OK);
	ck_assert_str_eq(status_of(id), "delivered");
	/* The provider id is kept for later reports all the same. */
	ck_assert_str_eq(q_text("SELECT provider_msgid FROM sms_out WHERE "
	    "id = ?", id), "p-7");
	ck_assert_int_eq(outbox_set_status(st, id, "sent", "dlr 8", TU_T0), FP_OK);
	ck_assert_str_eq(status_of(id), "delivered");
	/* A lost answer retried after the report: still delivered. */
	ck_assert_int_eq(outbox_mark_retry(st, id, TU_T0, "timeout", TU_T0),
	    FP_OK);
	ck_assert_str_eq(status_of(id), "delivered");
	ck_assert_str_eq(history_of(id), "queued,sending,delivered");
	ck_assert_int_eq(events_of(id), 1);
}
END_TEST

START_TEST(final_state_is_never_overwritten)
{
	int64_t f = enqueue(TO1, "f", NULL), d = enqueue(TO2, "d", NULL);

	ck_assert_int_eq(outbox_set_status(st, f, "failed", "rejected", TU_T0),
	    FP_OK);
	ck_assert_int_eq(outbox_set_status(st, f, "delivered", "late", TU_T0), FP_OK);
	ck_assert_int_eq(outbox_set_status(st, f, "sent", "late", TU_T0), FP_OK);
	ck_assert_int_eq(outbox_mark_failed(st, f, "again", TU_T0), FP_OK);
	ck_assert_str_eq(status_of(f), "failed");
	ck_assert_str_eq(history_of(f), "queued,failed");
	ck_assert_str_eq(q_text("SELECT last_error FROM sms_out WHERE id = ?",
	    f), "rejected");

	claim_one(d);
	ck_assert_int_eq(outbox_mark_sent(st, d, NULL, TU_T0), FP_OK);
	ck_assert_int_eq(outbox_set_status(st, d, "sent", "repeat", TU_T0), FP_OK);
	ck_assert_str_eq(history_of(d), "queued,sending,sent");
	ck_assert_int_eq(outbox_set_status(st, d, "delivered", "dlr", TU_T0), FP_OK);
	ck_assert_int_eq(outbox_set_status(st, d, "failed", "dlr 16", TU_T0), FP_OK);
	ck_assert_int_eq(outbox_set_status(st, d, "delivered", "dup", TU_T0), FP_OK);
	ck_assert_str_eq(status_of(d), "delivered");
	ck_assert_str_eq(history_of(d), "queued,sending,sent,delivered");

	ck_assert_int_eq(outbox_set_status(st, d, "bogus", NULL, TU_T0), FP_EINVAL);
	ck_assert_int_eq(outbox_set_status(st, d, "queued", NULL, TU_T0), FP_EINVAL);
	ck_assert_int_eq(outbox_set_status(st, 424242, "sent", NULL, TU_T0),
	    FP_ENOTFOUND);
}
END_TEST

START_TEST(early_report_is_applied_when_sent)
{
	int64_t id = enqueue(TO1, "json provider", "agg");
	struct outbox_item *items = NULL;
	size_t n = 0;

	ck_assert_int_eq(outbox_claim(st, "agg", TU_T0, 1, &items, &n),
	    FP_OK);
	ck_assert_uint_eq(n, 1);
	outbox_items_free(items, n);
	/* A /dlr report names a provider id we do not know yet. */
	ck_assert_int_eq(dlr_apply_generic(st, "agg-77", DLR_DELIVERED,
	    "Success", TU_T0), FP_OK);
	ck_assert_str_eq(status_of(id), "sending");
	/* mark_sent learns the id and reconciles the early report. */
	ck_assert_int_eq(outbox_mark_sent(st, id, "agg-77", TU_T0), FP_OK);
	ck_assert_str_eq(status_of(id), "delivered");
	ck_assert_str_eq(history_of(id), "queued,sending,sent,delivered");
}
END_TEST

START_TEST(recover_requeues_what_a_crash_left_sending)
{
	struct outbox_item *items = NULL;
	int64_t a, b, c, n_rec = -1;
	size_t n = 0;

	a = enqueue(TO1, "a", NULL);
	b = enqueue(TO2, "b", NULL);
	c = enqueue(TO1, "c", NULL);
	ck_assert_int_eq(outbox_claim(st, "local", TU_T0, 3, &items, &n),
	    FP_OK);
	ck_assert_uint_eq(n, 3);
	outbox_items_free(items, n);
	ck_assert_int_eq(outbox_mark_sent(st, c, NULL, TU_T0), FP_OK);
	/* Crash here: a and b were handed to the provider, or not. */
	ck_assert_int_eq(outbox_recover(st, TU_T0, &n_rec), FP_OK);
	ck_assert_int_eq(n_rec, 2);
	ck_assert_str_eq(status_of(a), "queued");
	ck_assert_str_eq(status_of(b), "queued");
	ck_assert_str_eq(status_of(c), "sent");
	ck_assert_int_le(q_int("SELECT next_attempt_at FROM sms_out WHERE "
	    "id = ?", a), TU_T0);
	/* The attempt counts; the history says why. */
	ck_assert_int_eq(q_int("SELECT attempts FROM sms_out WHERE id = ?",
	    a), 1);
	ck_assert_str_eq(history_of(a), "queued,sending,queued");
	ck_assert_str_eq(q_text("SELECT detail FROM sms_out_history WHERE "
	    "message_id = ? ORDER BY id DESC LIMIT 1", a),
	    "recovered after restart");
	/* Recovery is not news either: no event, the history has it. */
	ck_assert_int_eq(events_of(b), 0);
	ck_assert_int_eq(outbox_recover(st, TU_T0, &n_rec), FP_OK);
	ck_assert_int_eq(n_rec, 0);
	/* And they go out again. */
	ck_assert_int_eq(outbox_claim(st, "local", TU_T0, 5, &items, &n),
	    FP_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(items[0].attempts, 2);
	outbox_items_free(items, n);
}
END_TEST

START_TEST(unclaim_gives_back_the_attempt)
{
	int64_t id = enqueue(TO1, "never sent", NULL);

	claim_one(id);
	ck_assert_int_eq(outbox_unclaim(st, id, TU_T0), FP_OK);
	ck_assert_str_eq(q_text("SELECT status || '/' || attempts FROM "
	    "sms_out WHERE id = ?", id), "queued/0");
	ck_assert_str_eq(history_of(id), "queued,sending,queued");
	/* Not sending: left alone. */
	ck_assert_int_eq(outbox_unclaim(st, id, TU_T0), FP_OK);
	ck_assert_str_eq(history_of(id), "queued,sending,queued");
}
END_TEST

/* The data object of the message's last "sms.status" event. */
static struct json_object *
last_event(int64_t id)
{
	struct json_object *o;

	o = json_tokener_parse(q_text("SELECT data FROM event_outbox WHERE "
	    "type = 'sms.status' AND json_extract(data, '$.id') = ? "
	    "ORDER BY id DESC LIMIT 1", id));
	ck_assert_ptr_nonnull(o);
	return o;
}

static const char *
field(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return "(missing)";
	return v == NULL ? "(null)" : json_object_get_string(v);
}

START_TEST(every_transition_writes_history_and_an_event)
{
	struct json_object *o;
	int64_t id, before;

	before = q_int("SELECT count(*) FROM event_outbox", 0);
	id = enqueue(TO1, "lifecycle 生命周期", NULL);
	/* Queued and sending are not news; a retry is. */
	ck_assert_int_eq(events_of(id), 0);
	claim_one(id);
	ck_assert_int_eq(outbox_mark_retry(st, id, TU_T0, "http 503", TU_T0),
	    FP_OK);
	o = last_event(id);
	ck_assert_str_eq(field(o, "status"), "queued");
	ck_assert_str_eq(field(o, "error"), "http 503");
	ck_assert_str_eq(field(o, "attempts"), "1");
	json_object_put(o);
	claim_one(id);
	ck_assert_int_eq(outbox_mark_sent(st, id, NULL, TU_T0), FP_OK);
	ck_assert_int_eq(outbox_set_status(st, id, "delivered", "dlr", TU_T0), FP_OK);
	ck_assert_str_eq(history_of(id),
	    "queued,sending,queued,sending,sent,delivered");
	ck_assert_int_eq(events_of(id), 3);
	ck_assert_int_eq(q_int("SELECT count(*) FROM event_outbox", 0) - before,
	    3);

	o = last_event(id);
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(o,
	    "id")), id);
	ck_assert_str_eq(field(o, "status"), "delivered");
	ck_assert_str_eq(field(o, "provider"), "local");
	ck_assert_str_eq(field(o, "to"), "+86138****0001");
	ck_assert_str_eq(field(o, "segments"), "1");
	ck_assert_str_eq(field(o, "attempts"), "2");
	ck_assert_str_eq(field(o, "error"), "(null)");
	json_object_put(o);
	/* Texts never go into events. */
	ck_assert_int_eq(q_int("SELECT count(*) FROM event_outbox WHERE "
	    "data LIKE '%lifecycle%' OR data LIKE '%13800000001%'", 0), 0);

	/* mqtt.include_msisdn = true: the full number. */
	outbox_set_include_msisdn(true);
	id = enqueue(TO2, "x", NULL);
	claim_one(id);
	ck_assert_int_eq(outbox_mark_sent(st, id, NULL, TU_T0), FP_OK);
	o = last_event(id);
	ck_assert_str_eq(field(o, "to"), TO2);
	json_object_put(o);
	outbox_set_include_msisdn(false);
}
END_TEST

/* Claim the next message of `provider` now; the caller frees *items. */
static struct outbox_item *
claim_item(const char *provider, int64_t id)
{
	struct outbox_item *items = NULL;
	size_t n = 0;

	ck_assert_int_eq(outbox_claim(st, provider, TU_T0, 1, &items,
	    &n), FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(items[0].id, id);
	return items;
}

START_TEST(mark_sent_claimed_writes_what_mark_sent_writes)
{
	struct outbox_item *a_it, *b_it;
	struct json_object *ea, *eb;
	int64_t a, b;

	/* Two messages through the two ways: the same row, history and
	 * event (but for the id). */
	a = enqueue(TO1, "slow path", "agg");
	a_it = claim_item("agg", a);
	ck_assert_int_eq(outbox_mark_sent(st, a, "m-1", TU_T0), FP_OK);
	b = enqueue(TO1, "fast path", "agg");
	b_it = claim_item("agg", b);
	ck_assert_int_eq(outbox_mark_sent_claimed(st, b_it, "agg", "m-2", TU_T0),
	    FP_OK);
	ck_assert_str_eq(q_text("SELECT status || '/' || provider_msgid || "
	    "'/' || ifnull(last_error, 'none') FROM sms_out WHERE id = ?", b),
	    "sent/m-2/none");
	ck_assert_str_eq(history_of(b), history_of(a));
	ck_assert_str_eq(q_text("SELECT detail FROM sms_out_history WHERE "
	    "message_id = ? AND status = 'sent'", b), "m-2");
	ea = last_event(a);
	eb = last_event(b);
	ck_assert_str_eq(field(eb, "status"), "sent");
	ck_assert_str_eq(field(eb, "provider"), field(ea, "provider"));
	ck_assert_str_eq(field(eb, "to"), field(ea, "to"));
	ck_assert_str_eq(field(eb, "segments"), field(ea, "segments"));
	ck_assert_str_eq(field(eb, "attempts"), field(ea, "attempts"));
	ck_assert_str_eq(field(eb, "error"), "(null)");
	json_object_put(ea);
	json_object_put(eb);
	ck_assert_int_eq(events_of(b), 1);
	/* A repeat (at least once: the round ran again) changes nothing. */
	ck_assert_int_eq(outbox_mark_sent_claimed(st, b_it, "agg", "m-2", TU_T0),
	    FP_OK);
	ck_assert_str_eq(history_of(b), "queued,sending,sent");
	ck_assert_int_eq(events_of(b), 1);
	/* An id the provider gave before: kept sent, without the id. */
	outbox_items_free(a_it, 1);
	a = enqueue(TO2, "dup id", "agg");
	a_it = claim_item("agg", a);
	ck_assert_int_eq(outbox_mark_sent_claimed(st, a_it, "agg", "m-2", TU_T0),
	    FP_OK);
	ck_assert_str_eq(q_text("SELECT status || '/' || "
	    "ifnull(provider_msgid, 'none') FROM sms_out WHERE id = ?", a),
	    "sent/none");
	outbox_items_free(a_it, 1);
	outbox_items_free(b_it, 1);
}
END_TEST

START_TEST(mark_sent_claimed_leaves_the_rest_to_mark_sent)
{
	struct outbox_item *it;
	int64_t id;

	/* A report overtook the answer: the final state stays, the
	 * provider id is still recorded. */
	id = enqueue(TO1, "overtaken", "agg");
	it = claim_item("agg", id);
	ck_assert_int_eq(outbox_set_status(st, id, "delivered", "dlr", TU_T0), FP_OK);
	ck_assert_int_eq(outbox_mark_sent_claimed(st, it, "agg", "x-1", TU_T0),
	    FP_OK);
	ck_assert_str_eq(status_of(id), "delivered");
	ck_assert_str_eq(q_text("SELECT provider_msgid FROM sms_out WHERE "
	    "id = ?", id), "x-1");
	ck_assert_str_eq(history_of(id), "queued,sending,delivered");
	outbox_items_free(it, 1);
	/* An early report waiting under the id is applied. */
	id = enqueue(TO2, "early report", "agg");
	it = claim_item("agg", id);
	ck_assert_int_eq(dlr_apply_generic(st, "x-2", DLR_DELIVERED,
	    "Success", TU_T0), FP_OK);
	ck_assert_int_eq(outbox_mark_sent_claimed(st, it, "agg", "x-2", TU_T0),
	    FP_OK);
	ck_assert_str_eq(status_of(id), "delivered");
	ck_assert_str_eq(history_of(id), "queued,sending,sent,delivered");
	/* Deleted meanwhile. */
	ck_assert_int_eq(store_exec(st, "DELETE FROM sms_out"), FP_OK);
	ck_assert_int_eq(outbox_mark_sent_claimed(st, it, "agg", "x-3", TU_T0),
	    FP_ENOTFOUND);
	outbox_items_free(it, 1);
}
END_TEST

START_TEST(transitions_roll_back_with_the_callers_transaction)
{
	int64_t id;

	ck_assert_int_eq(store_begin(st), FP_OK);
	id = enqueue(TO1, "rolled back", NULL);
	store_rollback(st);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out", 0), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out_history", 0), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM event_outbox", 0), 0);
	ck_assert_int_gt(id, 0);
}
END_TEST

Suite *
outbox_suite(void)
{
	Suite *s = suite_create("outbox");
	TCase *tc = tcase_create("enqueue");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, enqueue_counts_segments_and_encoding);
	tcase_add_test(tc, check_length_refuses_more_than_max_segments);
	tcase_add_test(tc, enqueue_keeps_options_and_validity);
	tcase_add_test(tc, enqueue_shares_the_id_space_with_inbound);
	tcase_add_test(tc, enqueue_rejects_bad_input_and_stores_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("claim");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, claim_marks_sending_and_counts_attempts);
	tcase_add_test(tc, claim_takes_only_its_provider_and_due_messages);
	tcase_add_test(tc, claim_expires_messages_past_validity);
	tcase_add_test(tc, unclaim_gives_back_the_attempt);
	tcase_add_test(tc, recover_requeues_what_a_crash_left_sending);
	suite_add_tcase(s, tc);

	tc = tcase_create("transitions");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mark_sent_retry_and_failed);
	tcase_add_test(tc, delivered_may_come_before_sent);
	tcase_add_test(tc, final_state_is_never_overwritten);
	tcase_add_test(tc, early_report_is_applied_when_sent);
	tcase_add_test(tc, every_transition_writes_history_and_an_event);
	tcase_add_test(tc, mark_sent_claimed_writes_what_mark_sent_writes);
	tcase_add_test(tc, mark_sent_claimed_leaves_the_rest_to_mark_sent);
	tcase_add_test(tc, transitions_roll_back_with_the_callers_transaction);
	suite_add_tcase(s, tc);
	return s;
}
