/*
 * test_crash.c: nothing accepted is ever lost (SPEC 3: a 2xx means
 * committed).  2,000 inbound messages are posted concurrently; midway the
 * gateway is killed with SIGKILL, then restarted.  Every message that got
 * a 2xx must be stored, must have exactly one reply queued, and the
 * outbox must drain (every reply delivered by the file provider).
 */
#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwtest.h"

#define CRASH_MESSAGES	2000
#define CRASH_PARALLEL	50
#define CRASH_KILL_AT	600	/* answers seen before the kill */

struct post {
	CURL	*easy;
	char	 body[128];
	long	 status;
	bool	 done;
};

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

START_TEST(every_2xx_survives_sigkill_and_gets_exactly_one_reply)
{
	static struct post posts[CRASH_MESSAGES];
	struct tg t;
	CURLM *multi;
	char url[128], sql[256];
	int next = 0, running = 0, answered = 0, accepted = 0, i;
	bool killed = false;

	tg_init(&t, NULL);
	t.durability = "full";
	tg_reconfigure(&t, NULL);
	tg_start(&t);
	multi = curl_multi_init();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/sms/inbound", t.port);
	for (;;) {
		CURLMsg *m;
		int left;

		while (!killed && running < CRASH_PARALLEL &&
		    next < CRASH_MESSAGES) {
			struct post *p = &posts[next];

			/* Distinct numbers: flood control must not interfere. */
			snprintf(p->body, sizeof(p->body), "from=139%08d&"
			    "to=10690001&text=BZ&id=crash-%d", next, next);
			p->easy = curl_easy_init();
			curl_easy_setopt(p->easy, CURLOPT_URL, url);
			curl_easy_setopt(p->easy, CURLOPT_POSTFIELDS, p->body);
			curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION,
			    discard);
			curl_easy_setopt(p->easy, CURLOPT_TIMEOUT, 20L);
			curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
			curl_multi_add_handle(multi, p->easy);
			next++;
			running++;
		}
		if (running == 0)
			break;
		curl_multi_perform(multi, &left);
		curl_multi_poll(multi, NULL, 0, 100, NULL);
		while ((m = curl_multi_info_read(multi, &left)) != NULL) {
			struct post *p = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    (char **)&p);
			if (m->data.result == CURLE_OK)
				curl_easy_getinfo(m->easy_handle,
				    CURLINFO_RESPONSE_CODE, &p->status);
			p->done = true;
			curl_multi_remove_handle(multi, m->easy_handle);
			curl_easy_cleanup(m->easy_handle);
			p->easy = NULL;
			running--;
			answered++;
			if (p->status >= 200 && p->status < 300)
				accepted++;
		}
		if (!killed && answered >= CRASH_KILL_AT) {
			ck_assert_int_eq(tg_stop(&t, SIGKILL), -1);
			killed = true;
		}
	}
	curl_multi_cleanup(multi);
	ck_assert(killed);
	ck_assert_int_ge(accepted, CRASH_KILL_AT - CRASH_PARALLEL);
	ck_assert_int_lt(accepted, CRASH_MESSAGES);

	tg_start(&t);
	for (i = 0; i < CRASH_MESSAGES; i++) {
		if (posts[i].status < 200 || posts[i].status >= 300)
			continue;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sms_in i JOIN "
		    "sms_out o ON o.in_reply_to = i.id WHERE i.provider_id = "
		    "'crash-%d'", i);
		ck_assert_msg(tg_query_int(&t, sql) == 1,
		    "message %d got a 2xx but has %lld replies", i,
		    tg_query_int(&t, sql));
	}
	/* Nothing half-done: every stored message has exactly one reply. */
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in i "
	    "WHERE (SELECT count(*) FROM sms_out o WHERE o.in_reply_to = "
	    "i.id) != 1"), 0);
	ck_assert_int_ge(tg_query_int(&t, "SELECT count(*) FROM sms_in"),
	    accepted);
	/* The outbox drains after the restart. */
	if (!tg_wait_int(&t, "SELECT count(*) FROM sms_out WHERE status != "
	    "'delivered'", 0)) {
		char *left = tg_query(&t, "SELECT group_concat(status || ':' "
		    "|| n || ':' || a, ' ') FROM (SELECT status, count(*) n, "
		    "max(attempts) a FROM sms_out WHERE status != 'delivered' "
		    "GROUP BY status)");

		ck_abort_msg("outbox did not drain: %s", left);
	}
	tg_cleanup(&t);
}
END_TEST

Suite *
crash_suite(void)
{
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("sigkill");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_2xx_survives_sigkill_and_gets_exactly_one_reply);
	suite_add_tcase(s, tc);
	return s;
}
