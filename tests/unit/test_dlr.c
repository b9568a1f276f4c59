/*
 * test_dlr.c: delivery reports onto the outbox (SPEC 3.4) on a migrated
 * :memory: store: Kannel types, the generic words, a report faster than
 * the submit answer, duplicates and reordering, and unknown ids that
 * leave no rows.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "dlr.h"
#include "dlr_callback.h"
#include "migrate.h"
#include "outbox.h"
#include "store.h"
#include "testutil.h"

static struct store *st;
static struct cfg *cfg;

static void
setup(void)
{
	char *errors = NULL;

	ck_assert_int_eq(cfg_load(NULL, &cfg, &errors), FP_OK);
	ck_assert_int_eq(store_open(":memory:", STORE_DURABILITY_NORMAL, &st),
	    FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL), FP_OK);
}

static void
teardown(void)
{
	store_close(st);
	cfg_free(cfg);
}

static int64_t
queue_one(const char *text)
{
	struct outbox_msg m;
	int64_t id = 0;

	memset(&m, 0, sizeof(m));
	m.to = "+8613908340107";
	m.text = text;
	m.kind = "api";
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	return id;
}

/* Claim everything due: the messages are "sending". */
static void
claim_all(void)
{
	struct outbox_item *items = NULL;
	size_t n = 0;

	ck_assert_int_eq(outbox_claim(st, "local", TU_T0 + 1, 100,
	    &items, &n), FP_OK);
	ck_assert_uint_gt(n, 0);
	outbox_items_free(items, n);
}

static enum fp_err
in_tx_kannel(int64_t id, int type)
{
	enum dlr_state s;
	enum fp_err err;

	ck_assert(dlr_kannel_state(type, &s));
	ck_assert_int_eq(store_begin(st), FP_OK);
	err = dlr_apply_kannel(st, id, NULL, s, "test", TU_T0);
	ck_assert_int_eq(store_commit(st), FP_OK);
	return err;
}

static enum fp_err
in_tx_generic(const char *pid, const char *word)
{
	enum dlr_state s;
	enum fp_err err;

	ck_assert(dlr_generic_state(word, &s));
	ck_assert_int_eq(store_begin(st), FP_OK);
	err = dlr_apply_generic(st, pid, s, word, TU_T0);
	ck_assert_int_eq(store_commit(st), FP_OK);
	return err;
}

static void
mark_sent(int64_t id, const char *pid)
{
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(outbox_mark_sent(st, id, pid, TU_T0), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
}

static char *
status_of(int64_t id)
{
	sqlite3_stmt *stmt;
	char *v = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(store_db(st), "SELECT status FROM "
	    "sms_out WHERE id = ?1", -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = strdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return v != NULL ? v : strdup("");
}

static void
assert_status(int64_t id, const char *want)
{
	char *got = status_of(id);

	ck_assert_str_eq(got, want);
	free(got);
}

static int64_t
count(const char *sql)
{
	return tu_query_int(store_db(st), sql, 0);
}

START_TEST(kannel_types_map_onto_the_lifecycle)
{
	enum dlr_state s;

	ck_assert(dlr_kannel_state(1, &s) && s == DLR_DELIVERED);
	ck_assert(dlr_kannel_state(2, &s) && s == DLR_FAILED);
	ck_assert(dlr_kannel_state(16, &s) && s == DLR_FAILED);
	ck_assert(dlr_kannel_state(4, &s) && s == DLR_SENT);
	ck_assert(dlr_kannel_state(8, &s) && s == DLR_SENT);
	ck_assert(!dlr_kannel_state(3, &s));
	ck_assert(dlr_generic_state("Success", &s) && s == DLR_DELIVERED);
	ck_assert(dlr_generic_state("Rejected", &s) && s == DLR_FAILED);
	ck_assert(dlr_generic_state("Buffered", &s) && s == DLR_SENT);
	ck_assert(!dlr_generic_state("success", &s));
}
END_TEST

START_TEST(a_final_state_is_never_overwritten_by_a_later_report)
{
	int64_t id = queue_one("hello");

	claim_all();
	mark_sent(id, NULL);
	ck_assert_int_eq(in_tx_kannel(id, 8), FP_OK);
	assert_status(id, "sent");
	ck_assert_int_eq(in_tx_kannel(id, 1), FP_OK);
	assert_status(id, "delivered");
	/* Late, repeated and contradicting reports change nothing. */
	ck_assert_int_eq(in_tx_kannel(id, 8), FP_OK);
	ck_assert_int_eq(in_tx_kannel(id, 1), FP_OK);
	ck_assert_int_eq(in_tx_kannel(id, 2), FP_OK);
	assert_status(id, "delivered");
	ck_assert_int_eq(count("SELECT count(*) FROM sms_out_history WHERE "
	    "status = 'delivered'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM event_outbox WHERE type = "
	    "'sms.status' AND data LIKE '%delivered%'"), 1);
}
END_TEST

START_TEST(a_delivered_report_before_the_submit_answer_lands)
{
	int64_t id = queue_one("fast network");

	claim_all();
	/* The provider's report comes before its answer to our POST. */
	ck_assert_int_eq(in_tx_generic("prov-77", "Success"), FP_OK);
	assert_status(id, "sending");
	ck_assert_int_eq(count("SELECT count(*) FROM dlr WHERE message_id IS "
	    "NULL"), 1);
	mark_sent(id, "prov-77");
	assert_status(id, "delivered");
	ck_assert_int_eq(count("SELECT count(*) FROM dlr WHERE message_id IS "
	    "NULL"), 0);
}
END_TEST

START_TEST(unknown_ids_create_no_rows)
{
	int64_t id = queue_one("x");

	claim_all();
	mark_sent(id, "known");
	/* Nothing is being sent: an unknown id is just unknown. */
	ck_assert_int_eq(in_tx_generic("never-seen", "Success"), FP_ENOTFOUND);
	ck_assert_int_eq(in_tx_kannel(987654, 1), FP_ENOTFOUND);
	ck_assert_int_eq(count("SELECT count(*) FROM dlr"), 0);
	ck_assert_int_eq(in_tx_generic("known", "Failed"), FP_OK);
	assert_status(id, "failed");
}
END_TEST

START_TEST(a_kannel_report_speaks_for_a_long_message)
{
	char text[400];
	int64_t id;

	memset(text, 'a', 300);
	text[300] = '\0';
	id = queue_one(text);
	ck_assert_int_eq(count("SELECT segments FROM sms_out"), 2);
	claim_all();
	mark_sent(id, NULL);
	/* Kannel asks the SMSC for a report on the first part only. */
	ck_assert_int_eq(in_tx_kannel(id, 1), FP_OK);
	assert_status(id, "delivered");
}
END_TEST

/* ---- sendsms dlr-url callbacks: the queue's pieces, at a fixed clock -- */

START_TEST(callback_retries_back_off_for_a_day_then_stop)
{
	const int64_t q = TU_T0, day = 24 * 3600;

	ck_assert_int_eq(dlr_callback_retry_at(q, 1, q + 5), q + 35);
	ck_assert_int_eq(dlr_callback_retry_at(q, 2, q + 40), q + 100);
	ck_assert_int_eq(dlr_callback_retry_at(q, 3, q + 100), q + 220);
	/* Doubling up to an hour. */
	ck_assert_int_eq(dlr_callback_retry_at(q, 8, q + 5000), q + 8600);
	ck_assert_int_eq(dlr_callback_retry_at(q, 30, q + 9000), q + 12600);
	/* Never after the day; once it is over, dropped. */
	ck_assert_int_eq(dlr_callback_retry_at(q, 30, q + day - 60), q + day);
	ck_assert_int_eq(dlr_callback_retry_at(q, 31, q + day), -1);
	ck_assert_int_eq(dlr_callback_retry_at(q, 1, q + 2 * day), -1);
}
END_TEST

START_TEST(callback_hosts_and_the_allow_list)
{
	struct cfg *c = NULL;
	char *errors = NULL, host[DLR_CALLBACK_HOST_MAX];

	ck_assert_int_eq(dlr_callback_host("http://Example.COM/r?t=1", host,
	    sizeof(host)), FP_OK);
	ck_assert_str_eq(host, "example.com:80");
	ck_assert_int_eq(dlr_callback_host("https://h.example:8443", host,
	    sizeof(host)), FP_OK);
	ck_assert_str_eq(host, "h.example:8443");
	ck_assert_int_eq(dlr_callback_host("https://h.example/", host,
	    sizeof(host)), FP_OK);
	ck_assert_str_eq(host, "h.example:443");
	ck_assert_int_eq(dlr_callback_host("ftp://h/x", host, sizeof(host)),
	    FP_EINVAL);
	ck_assert_int_eq(dlr_callback_host("nonsense", host, sizeof(host)),
	    FP_EINVAL);
	/* None allowed by default. */
	ck_assert(!dlr_callback_url_allowed(cfg, "http://127.0.0.1/r"));
	ck_assert_int_eq(cfg_load_string("sms = { dlr_url_allow = [ "
	    "\"http://127.0.0.1:9000/\", \"https://cb.example.org/dlr\" ]; };",
	    "t.conf", &c, &errors), FP_OK);
	ck_assert(dlr_callback_url_allowed(c, "http://127.0.0.1:9000/r?t=%d"));
	ck_assert(dlr_callback_url_allowed(c, "https://cb.example.org/dlr?i=%I"));
	ck_assert(!dlr_callback_url_allowed(c, "http://127.0.0.1:9001/r"));
	ck_assert(!dlr_callback_url_allowed(c, "https://cb.example.org.evil/"));
	ck_assert(!dlr_callback_url_allowed(c, "HTTP://127.0.0.1:9000/r"));
	ck_assert(!dlr_callback_url_allowed(c, "http://127.0.0.1:9000/r x"));
	cfg_free(c);
	ck_assert_int_eq(cfg_load_string("sms = { dlr_url_allow = [ "
	    "\"http://127.0.0.1:\" ]; };", "t.conf", &c, &errors), FP_OK);
	ck_assert(dlr_callback_url_allowed(c, "http://127.0.0.1:9000/r"));
	/* The prefix, then a user part: the host would be elsewhere. */
	ck_assert(!dlr_callback_url_allowed(c, "http://127.0.0.1:1@evil/"));
	ck_assert(!dlr_callback_url_allowed(c, "http://127.0.0.1:%p@evil/"));
	ck_assert(!dlr_callback_url_allowed(c, "http://127.0.0.1:1\\@evil/"));
	cfg_free(c);
}
END_TEST

/* A sendsms message with a dlr-url and mask, queued at TU_T0. */
static int64_t
queue_dlr(const char *url, int mask)
{
	struct outbox_msg m;
	int64_t id = 0;

	memset(&m, 0, sizeof(m));
	m.to = "+8613908340107";
	m.text = "hi";
	m.kind = "sendsms";
	m.dlr_url = url;
	m.dlr_mask = mask;
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, TU_T0, &id), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	return id;
}

/*
 * The history becomes queued calls, once each, with the report types
 * the mask asks for, due at the clock given; the position is kept with
 * them, so a restart queues nothing twice.
 */
START_TEST(callbacks_are_queued_from_the_history_once)
{
	long long cursor = 0, again;
	size_t added = 0, scanned = 0;
	int64_t a, b;

	a = queue_dlr("http://127.0.0.1:9000/r?t=%d&m=%I", 9);
	b = queue_dlr("http://Cb.Example:8080/r?t=%d", 1);
	claim_all();
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(outbox_mark_sent(st, a, "p1", TU_T0 + 2), FP_OK);
	ck_assert_int_eq(outbox_mark_sent(st, b, "p2", TU_T0 + 2), FP_OK);
	ck_assert_int_eq(outbox_set_status(st, a, "delivered", NULL,
	    TU_T0 + 3), FP_OK);
	ck_assert_int_eq(outbox_set_status(st, b, "delivered", NULL,
	    TU_T0 + 3), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	ck_assert_int_eq(dlr_callback_collect(st, &cursor, false, TU_T0 + 5,
	    &added, &scanned), FP_OK);
	/* a: sent (8) and delivered (1); b: delivered only. */
	ck_assert_uint_eq(added, 3);
	ck_assert_int_eq(tu_query_int(store_db(st), "SELECT count(*) FROM "
	    "dlr_callbacks WHERE created_at = ? AND next_at = created_at AND "
	    "attempts = 0", TU_T0 + 5), 3);
	ck_assert_str_eq(tu_query_text(store_db(st), "SELECT group_concat("
	    "host || ' ' || type, ',') FROM (SELECT host, type FROM "
	    "dlr_callbacks ORDER BY id)", 0), "127.0.0.1:9000 8,"
	    "127.0.0.1:9000 1,cb.example:8080 1");
	ck_assert_int_eq(tu_query_int(store_db(st), "SELECT count(*) FROM "
	    "dlr_callbacks WHERE url = 'http://127.0.0.1:9000/r?t=8&m=' || ?",
	    a), 1);
	/* Again, and after a restart (from the saved position): nothing. */
	ck_assert_int_eq(dlr_callback_collect(st, &cursor, false, TU_T0 + 6,
	    &added, &scanned), FP_OK);
	ck_assert_uint_eq(added, 0);
	again = tu_query_int(store_db(st), "SELECT CAST(value AS INTEGER) "
	    "FROM meta WHERE key = 'dlr_callback_cursor'", 0);
	ck_assert_int_eq(again, cursor);
	ck_assert_int_eq(dlr_callback_collect(st, &again, false, TU_T0 + 7,
	    &added, &scanned), FP_OK);
	ck_assert_uint_eq(added, 0);
	ck_assert_int_eq(tu_query_int(store_db(st), "SELECT count(*) FROM "
	    "dlr_callbacks", 0), 3);
}
END_TEST

Suite *
dlr_suite(void)
{
	Suite *s = suite_create("dlr");
	TCase *tc = tcase_create("reports");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, kannel_types_map_onto_the_lifecycle);
	tcase_add_test(tc, a_final_state_is_never_overwritten_by_a_later_report);
	tcase_add_test(tc, a_delivered_report_before_the_submit_answer_lands);
	tcase_add_test(tc, unknown_ids_create_no_rows);
	tcase_add_test(tc, a_kannel_report_speaks_for_a_long_message);
	suite_add_tcase(s, tc);
	tc = tcase_create("callbacks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, callback_retries_back_off_for_a_day_then_stop);
	tcase_add_test(tc, callback_hosts_and_the_allow_list);
	tcase_add_test(tc, callbacks_are_queued_from_the_history_once);
	suite_add_tcase(s, tc);
	return s;
}
