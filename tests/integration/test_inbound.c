/*
 * test_inbound.c: the SMS endpoints of the real gateway on a loopback
 * socket with the file provider: /sms/inbound (form, JSON), /sms/kannel
 * (GET, UCS-2 as UTF-16BE, post-url with a text/plain body), the three
 * auth modes, 400s that store nothing, idempotency, replies reaching the
 * outbox file as delivered, /dlr/kannel, /dlr, /cgi-bin/sendsms and the
 * admin API with roles and scope.
 */
#include <check.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dlr_callback.h"
#include "gwtest.h"
#include "http_stub.h"
#include "sha256.h"
#include "strbuf.h"
#include "testutil.h"

/* sha256("demo-admin-token"), sha256("office-5133"), sha256("viewer") */
#define TOKENS \
	"api = { tokens = (\n" \
	"  { name = \"ops\"; token_sha256 = \"91c16f0d6cc1bec3c3603972182a07c6" \
	"6ff4fa71618a975e963d6dbe42b6dd37\"; role = \"admin\"; area = \"\"; },\n" \
	"  { name = \"garze\"; token_sha256 = \"%s\"; role = \"office\"; " \
	"area = \"5133\"; },\n" \
	"  { name = \"look\"; token_sha256 = \"%s\"; role = \"viewer\"; " \
	"area = \"\"; } ); };\n"

static struct tg t;

/* SPEC 3.3a: the stubs' dlr-urls are allowed (none by default). */
#define DLR_ALLOW "sms = { dlr_url_allow = [ \"http://127.0.0.1:\" ]; };\n"

static void
setup_with(const char *routes)
{
	/* The whole demo registry, its programmes too. */
	static const char *const kinds[] = { "cadres", "households",
	    "members", "enrollments", "trainings", "payments" };
	char extra[2048], office[65], viewer[65];

	tu_token_sha256("office-5133", office);
	tu_token_sha256("viewer-token", viewer);
	snprintf(extra, sizeof(extra), TOKENS DLR_ALLOW "%s", office, viewer,
	    routes != NULL ? routes : "");
	tg_init(&t, extra);
	tg_import_demo_kinds(&t, kinds, sizeof(kinds) / sizeof(kinds[0]));
	tg_start(&t);
}

static void
setup(void)
{
	setup_with(NULL);
}

static void
teardown(void)
{
	tg_cleanup(&t);
}

static struct tg_reply r;

static long
post_form(const char *path, const char *body)
{
	ck_assert_int_eq(tg_request(&t, "POST", path,
	    "application/x-www-form-urlencoded", body, strlen(body), NULL,
	    false, &r), 0);
	return r.status;
}

START_TEST(inbound_form_is_accepted_answered_and_delivered)
{
	char *reply;

	/* 日火木呷, head of HH513431000001 (data/demo/README.md). */
	ck_assert_int_eq(post_form("/sms/inbound", "from=%2B8613908340107&"
	    "to=10690001&text=%E6%9F%A5%E8%AF%A2&id=AT-1"), 202);
	ck_assert_ptr_nonnull(strstr(r.body, "\"status\":\"accepted\""));
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in WHERE "
	    "provider_id = 'AT-1' AND command = 'CX'"), 1);
	/* The reply reaches the file provider and is delivered. */
	ck_assert(tg_wait_int(&t, "SELECT count(*) FROM sms_out WHERE "
	    "status = 'delivered' AND msisdn = '+8613908340107'", 1));
	reply = tg_query(&t, "SELECT text FROM sms_out");
	ck_assert_msg(strstr(reply, "日火木呷") != NULL, "%s", reply);
	free(reply);
	/* The same id again: the same answer, nothing new. */
	ck_assert_int_eq(post_form("/sms/inbound", "from=13908340107&to=1069"
	    "0001&text=%E6%9F%A5%E8%AF%A2&id=AT-1"), 202);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in"), 1);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out"), 1);
}
END_TEST

START_TEST(inbound_json_is_accepted)
{
	static const char body[] = "{\"from\":\"+8613908340107\",\"to\":"
	    "\"10690001\",\"text\":\"FK 路灯坏了\",\"id\":\"AT-2\"}";

	ck_assert_int_eq(tg_request(&t, "POST", "/sms/inbound",
	    "application/json", body, strlen(body), NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 202);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM feedback "
	    "WHERE text = '路灯坏了'"), 1);
}
END_TEST

START_TEST(malformed_input_gets_400_and_stores_nothing)
{
	static const char bad_json[] = "{\"from\":\"13908340107\",\"text\":";

	ck_assert_int_eq(post_form("/sms/inbound", "to=1&text=hi"), 400);
	ck_assert_ptr_nonnull(strstr(r.body, "\"error\":\"missing_parameter\""));
	ck_assert_int_eq(post_form("/sms/inbound", "from=12345&text=hi"), 400);
	ck_assert_ptr_nonnull(strstr(r.body, "\"error\":\"invalid_phone\""));
	ck_assert_int_eq(post_form("/sms/inbound", "from=13908340107&text=%ZZ"),
	    400);
	ck_assert_int_eq(post_form("/sms/inbound", "from=13908340107&text=%FF"),
	    400);
	ck_assert_int_eq(tg_request(&t, "POST", "/sms/inbound",
	    "application/json", bad_json, strlen(bad_json), NULL, false, &r),
	    0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in"), 0);
}
END_TEST

START_TEST(kannel_get_url_with_ucs2_text_is_converted)
{
	/* "查询" as UTF-16BE: 67 e5 8b e2, as Kannel passes it. */
	ck_assert_int_eq(tg_request(&t, "GET", "/sms/kannel?from=%2B86139083"
	    "40107&to=10690001&text=%67%E5%8B%E2&coding=2&charset=UTF-16BE&"
	    "id=k1&smsc=fake", NULL, NULL, 0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.len, 0);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in WHERE "
	    "text = '查询' AND command = 'CX' AND smsc = 'fake'"), 1);
}
END_TEST

/*
 * Charset names went to iconv unchecked: only those Kannel sends are
 * taken (any case); anything else is a 400 "unsupported charset", at
 * the MO endpoints and at sendsms, and nothing is stored.
 */
START_TEST(only_the_charsets_kannel_sends_are_taken)
{
	static const char *const bad[] = { "UTF-7", "EBCDIC-US", "UTF-32",
	    "..%2F..%2Fetc", "IBM037", "UTF-16LE" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/sms/kannel?from=13908340107&"
		    "text=CX&charset=%s&id=bad-%zu", bad[i], i);
		ck_assert_int_eq(tg_request(&t, "GET", path, NULL, NULL, 0,
		    NULL, false, &r), 0);
		ck_assert_msg(r.status == 400, "%s: %ld", bad[i], r.status);
		ck_assert_msg(strstr(r.body, "unsupported charset") != NULL,
		    "%s: %s", bad[i], r.body);
		snprintf(path, sizeof(path), "/cgi-bin/sendsms?username=ops&"
		    "password=demo-admin-token&to=13908340107&text=CX&"
		    "charset=%s", bad[i]);
		ck_assert_int_eq(tg_request(&t, "GET", path, NULL, NULL, 0,
		    NULL, false, &r), 0);
		ck_assert_msg(r.status == 400, "%s: %ld", bad[i], r.status);
		ck_assert_msg(strstr(r.body, "unsupported charset") != NULL,
		    "%s: %s", bad[i], r.body);
	}
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in"), 0);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out"), 0);
	/* Kannel's, in any case: UCS-2, Latin-1, GBK. */
	ck_assert_int_eq(tg_request(&t, "GET", "/sms/kannel?from=13908340107&"
	    "text=%67%E5%8B%E2&charset=ucs-2&id=ok-1", NULL, NULL, 0, NULL,
	    false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(tg_request(&t, "GET", "/sms/kannel?from=13908340107&"
	    "text=caf%E9&charset=iso-8859-1&id=ok-2", NULL, NULL, 0, NULL,
	    false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	/* 查询 in GBK: b2 e9 d1 af. */
	ck_assert_int_eq(tg_request(&t, "GET", "/sms/kannel?from=13908340107&"
	    "text=%B2%E9%D1%AF&charset=gbk&id=ok-3", NULL, NULL, 0, NULL,
	    false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in WHERE "
	    "text IN ('查询', 'café')"), 3);
}
END_TEST

START_TEST(kannel_post_url_takes_the_body_as_text)
{
	static const char text[] = "反馈 水管漏了";

	ck_assert_int_eq(tg_request(&t, "POST", "/sms/kannel?from=13908340107"
	    "&to=10690001", "text/plain", text, strlen(text), NULL, false, &r),
	    0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM feedback "
	    "WHERE text = '水管漏了'"), 1);
}
END_TEST

START_TEST(token_and_hmac_routes_refuse_wrong_credentials_with_401)
{
	static const char body[] = "from=13908340107&text=BZ";
	struct hmac_sha256_key k;
	uint8_t mac[SHA256_LEN];
	char hex[65], header[128];

	tg_stop(&t, SIGTERM);
	tg_reconfigure(&t, "sms = { routes = ( { path = \"/sms/kannel\"; "
	    "auth = \"token\"; token = \"s3cret-0123456789\"; }, { path = \"/sms/inbound\";"
	    " auth = \"hmac\"; secret = \"k3y-0123456789abcdef\"; } ); };\n");
	tg_start(&t);
	ck_assert_int_eq(tg_request(&t, "GET", "/sms/kannel?from=13908340107&"
	    "text=BZ&token=wrong", NULL, NULL, 0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(tg_request(&t, "GET", "/sms/kannel?from=13908340107&"
	    "text=BZ&token=s3cret-0123456789", NULL, NULL, 0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(post_form("/sms/inbound", body), 401);
	/* SPEC 3.1: over the timestamp, method, path, query and body. */
	{
		char signed_text[512];
		long long ts = (long long)time(NULL);

		snprintf(signed_text, sizeof(signed_text),
		    "%lld\nPOST\n/sms/inbound\n\n%s", ts, body);
		hmac_sha256_key_init(&k, "k3y-0123456789abcdef", 20);
		hmac_sha256(&k, signed_text, strlen(signed_text), mac);
		sha256_hex(mac, SHA256_LEN, hex);
		snprintf(header, sizeof(header), "X-Fupin-Timestamp: %lld\n"
		    "X-Fupin-Signature: sha256=%s", ts, hex);
	}
	ck_assert_int_eq(tg_request(&t, "POST", "/sms/inbound",
	    "application/x-www-form-urlencoded", body, strlen(body),
	    "X-Fupin-Signature: sha256=00", false, &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(tg_request(&t, "POST", "/sms/inbound",
	    "application/x-www-form-urlencoded", body, strlen(body), header,
	    false, &r), 0);
	ck_assert_int_eq(r.status, 202);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in"), 2);
}
END_TEST

START_TEST(kannel_dlr_marks_a_message_delivered_and_unknown_ids_get_200)
{
	long long id;

	ck_assert_int_eq(post_form("/sms/inbound", "from=13908340107&"
	    "text=BZ"), 202);
	ck_assert(tg_wait_int(&t, "SELECT count(*) FROM sms_out WHERE status "
	    "= 'delivered'", 1));
	id = tg_query_int(&t, "SELECT id FROM sms_out");
	{
		char path[128];

		/* A failure after delivery changes nothing: final stays. */
		snprintf(path, sizeof(path), "/dlr/kannel?msg=%lld&status=2",
		    id);
		ck_assert_int_eq(tg_request(&t, "GET", path, NULL, NULL, 0,
		    NULL, false, &r), 0);
		ck_assert_int_eq(r.status, 200);
	}
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out WHERE "
	    "status = 'delivered'"), 1);
	ck_assert_int_eq(tg_request(&t, "GET", "/dlr/kannel?msg=999999&"
	    "status=1", NULL, NULL, 0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(post_form("/dlr", "id=nope&status=Success"), 200);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM dlr WHERE "
	    "message_id IS NULL"), 0);
	ck_assert_int_eq(tg_request(&t, "GET", "/dlr/kannel?msg=1&status=77",
	    NULL, NULL, 0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 400);
}
END_TEST

START_TEST(sendsms_speaks_kannel)
{
	ck_assert_int_eq(tg_request(&t, "GET", "/cgi-bin/sendsms?username=ops"
	    "&password=demo-admin-token&to=13908340107+13908340108&"
	    "text=%E4%BD%A0%E5%A5%BD", NULL, NULL, 0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 202);
	ck_assert_str_eq(r.body, "0: Accepted for delivery");
	ck_assert(tg_wait_int(&t, "SELECT count(*) FROM sms_out WHERE kind = "
	    "'sendsms' AND text = '你好'", 2));
	ck_assert_int_eq(tg_request(&t, "GET", "/cgi-bin/sendsms?username=ops"
	    "&password=wrong&to=13908340107&text=x", NULL, NULL, 0, NULL,
	    false, &r), 0);
	ck_assert_int_eq(r.status, 403);
	ck_assert_ptr_nonnull(strstr(r.body, "Authorization failed"));
	/* A viewer token may not send. */
	ck_assert_int_eq(tg_request(&t, "GET", "/cgi-bin/sendsms?username="
	    "look&password=viewer-token&to=13908340107&text=x", NULL, NULL,
	    0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 403);
	ck_assert_int_eq(tg_request(&t, "GET", "/cgi-bin/sendsms?username=ops"
	    "&password=demo-admin-token&text=x", NULL, NULL, 0, NULL, false,
	    &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out"), 2);
}
END_TEST

/*
 * With room at the file provider's sender, sendsms messages go straight
 * to it at their commit: each is counted as direct, reaches "delivered"
 * on its first attempt, and its history still reads queued, sending,
 * sent, delivered.  A reply to an MO still goes through the queue.
 */
START_TEST(sendsms_messages_go_straight_to_the_sender)
{
	ck_assert_int_eq(tg_request(&t, "GET", "/cgi-bin/sendsms?username=ops"
	    "&password=demo-admin-token&to=13908340107+13908340108+"
	    "13908340109&text=straight", NULL, NULL, 0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 202);
	ck_assert(tg_wait_int(&t, "SELECT count(*) FROM sms_out WHERE text = "
	    "'straight' AND status = 'delivered' AND attempts = 1", 3));
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out o "
	    "WHERE text = 'straight' AND (SELECT group_concat(status, '>') "
	    "FROM (SELECT status FROM sms_out_history h WHERE h.message_id "
	    "= o.id ORDER BY h.id)) = 'queued>sending>sent>delivered'"), 3);
	ck_assert_int_eq(tg_request(&t, "GET", "/metrics", NULL, NULL, 0,
	    NULL, false, &r), 0);
	ck_assert_msg(strstr(r.body, "fupin_sms_direct_total{provider=\""
	    "local\"} 3\n") != NULL, "%s", r.body);
	/* An MO's reply is queued and claimed, not counted as direct. */
	ck_assert_int_eq(post_form("/sms/inbound", "from=13800000001&"
	    "text=BZ&id=direct-1"), 202);
	ck_assert(tg_wait_int(&t, "SELECT count(*) FROM sms_out WHERE kind = "
	    "'reply' AND status = 'delivered'", 1));
	ck_assert_int_eq(tg_request(&t, "GET", "/metrics", NULL, NULL, 0,
	    NULL, false, &r), 0);
	ck_assert_ptr_nonnull(strstr(r.body, "fupin_sms_direct_total{"
	    "provider=\"local\"} 3\n"));
}
END_TEST

START_TEST(sendsms_dlr_url_is_called_back_with_kannel_types)
{
	struct http_stub *stub = http_stub_start();
	char path[512];
	bool saw_sent = false, saw_delivered = false;
	size_t i;

	ck_assert_ptr_nonnull(stub);
	/* dlr-url=http://127.0.0.1:PORT/report?type=%d&msg=%I, encoded. */
	snprintf(path, sizeof(path), "/cgi-bin/sendsms?username=ops&password="
	    "demo-admin-token&to=13908340107&text=hi&dlr-mask=9&dlr-url="
	    "http%%3A%%2F%%2F127.0.0.1%%3A%d%%2Freport%%3Ftype%%3D%%25d%%26"
	    "msg%%3D%%25I", http_stub_port(stub));
	ck_assert_int_eq(tg_request(&t, "GET", path, NULL, NULL, 0, NULL,
	    false, &r), 0);
	ck_assert_int_eq(r.status, 202);
	/* Mask 9 = delivered (1) + accepted by the SMSC (8). */
	ck_assert(http_stub_wait(stub, 2, 10000));
	for (i = 0; i < http_stub_count(stub); i++) {
		const char *type = http_stub_arg(stub, i, "type");

		ck_assert_str_eq(http_stub_path(stub, i), "/report");
		ck_assert_ptr_nonnull(http_stub_arg(stub, i, "msg"));
		saw_sent |= strcmp(type, "8") == 0;
		saw_delivered |= strcmp(type, "1") == 0;
	}
	ck_assert(saw_sent && saw_delivered);
	http_stub_stop(stub);
}
END_TEST

/* sendsms with a dlr-url (percent-encoded here) and a dlr-mask. */
static long
sendsms_dlr(const char *to, const char *text, const char *dlr_url, int mask)
{
	char path[1024], enc[512];

	ck_assert_uint_lt(urlenc(enc, sizeof(enc), dlr_url), sizeof(enc));
	snprintf(path, sizeof(path), "/cgi-bin/sendsms?username=ops&password="
	    "demo-admin-token&to=%s&text=%s&dlr-mask=%d&dlr-url=%s", to, text,
	    mask, enc);
	ck_assert_int_eq(tg_request(&t, "GET", path, NULL, NULL, 0, NULL,
	    false, &r), 0);
	return r.status;
}

/*
 * SPEC 3.3a: a dlr-url must start with a prefix of sms.dlr_url_allow
 * (none by default); any http(s) URL used to be called (a blind SSRF).
 * Refused with a 400 before anything is stored.
 */
START_TEST(dlr_urls_outside_the_allow_list_are_refused)
{
	static const char *const bad[] = {
		"http://10.0.0.1/report?t=%d",
		"http://169.254.169.254/latest/meta-data/",
		"https://127.0.0.1.evil.example/x",
		"http://127.0.0.1:1@evil.example/x",	/* prefix, then a user */
		"http://127.0.0.1:%p@evil.example/x",
		"ftp://127.0.0.1:21/x",
		"file:///etc/passwd",
	};
	char office[65], viewer[65], extra[2048];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(sendsms_dlr("13908340107", "hi", bad[i], 31),
		    400);
		ck_assert_msg(strstr(r.body, "dlr-url") != NULL, "%s: %s",
		    bad[i], r.body);
	}
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out"), 0);
	ck_assert_int_eq(sendsms_dlr("13908340107", "hi",
	    "http://127.0.0.1:9/report?t=%d", 31), 202);
	/* Without sms.dlr_url_allow, no dlr-url at all. */
	tg_stop(&t, SIGTERM);
	tu_token_sha256("office-5133", office);
	tu_token_sha256("viewer-token", viewer);
	snprintf(extra, sizeof(extra), TOKENS, office, viewer);
	tg_reconfigure(&t, extra);
	tg_start(&t);
	ck_assert_int_eq(sendsms_dlr("13908340107", "hi",
	    "http://127.0.0.1:9/report?t=%d", 31), 400);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out"), 1);
}
END_TEST

/*
 * SPEC 3.3a: callbacks go through a queue, at most 4 at a time per host,
 * 5 s each: a host that never answers holds its own 4 slots and no
 * more, and another host's callbacks are made meanwhile (one slow host
 * used to stall every client's callbacks).
 */
START_TEST(a_hanging_callback_host_does_not_delay_another)
{
	struct http_stub *slow = http_stub_start(), *fast = http_stub_start();
	char url[128];
	int i;

	ck_assert_ptr_nonnull(slow);
	ck_assert_ptr_nonnull(fast);
	http_stub_hang(slow);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow?t=%%d&m=%%I",
	    http_stub_port(slow));
	for (i = 0; i < 6; i++)	/* mask 8: accepted by the SMSC */
		ck_assert_int_eq(sendsms_dlr("13908340107", "hi", url, 8), 202);
	ck_assert(http_stub_wait(slow, 4, 5000));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/fast?t=%%d&m=%%I",
	    http_stub_port(fast));
	ck_assert_int_eq(sendsms_dlr("13908340108", "hi", url, 8), 202);
	/* Well within the slow host's 5 s timeout. */
	ck_assert_msg(http_stub_wait(fast, 1, 2500), "the fast host waited");
	ck_assert_str_eq(http_stub_arg(fast, 0, "t"), "8");
	/* Four at a time at the slow host, never six. */
	ck_assert_uint_eq(http_stub_count(slow), 4);
	ck_assert(tg_wait_int(&t, "SELECT count(*) FROM dlr_callbacks", 6));
	http_stub_stop(fast);
	http_stub_stop(slow);
}
END_TEST

/*
 * A host that fails is tried again later, with backoff, from the durable
 * queue (it used to be tried 3 times at once, then dropped).
 */
START_TEST(a_failing_callback_host_is_retried_later)
{
	struct http_stub *stub = http_stub_start();
	struct timespec two_s = { 2, 0 };
	char url[128];
	sqlite3 *db;

	ck_assert_ptr_nonnull(stub);
	http_stub_reply(stub, 500, "busy");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/r?t=%%d",
	    http_stub_port(stub));
	ck_assert_int_eq(sendsms_dlr("13908340107", "hi", url, 8), 202);
	ck_assert(http_stub_wait(stub, 1, 5000));
	nanosleep(&two_s, NULL);
	ck_assert_uint_eq(http_stub_count(stub), 1);
	ck_assert(tg_wait_int(&t, "SELECT count(*) FROM dlr_callbacks WHERE "
	    "attempts = 1 AND last_error = 'http 500' AND next_at >= "
	    "created_at + 30", 1));
	/* Its time comes (the clock moved on): called again, then done. */
	http_stub_reply(stub, 200, "ok");
	ck_assert_int_eq(sqlite3_open(t.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE dlr_callbacks SET next_at = "
	    "0", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert(http_stub_wait(stub, 2, 5000));
	ck_assert(tg_wait_int(&t, "SELECT count(*) FROM dlr_callbacks", 0));
	ck_assert_uint_eq(http_stub_count(stub), 2);
	http_stub_stop(stub);
}
END_TEST

START_TEST(dlr_url_escapes_are_filled_and_encoded)
{
	char out[256];

	ck_assert_int_eq(dlr_callback_url("http://h/r?t=%d&i=%I&to=%p&a=%A&"
	    "x=%x&p=%%", 1, 42, "+8613900000000", "10690001", "ok done", 7,
	    out, sizeof(out)), FP_OK);
	ck_assert_str_eq(out, "http://h/r?t=1&i=42&to=%2B8613900000000&"
	    "a=ok%20done&x=%x&p=%");
	ck_assert_int_eq(dlr_callback_url("http://h/%d", 2, 1, "", "", "", 0,
	    out, 10), FP_ETOOBIG);
	ck_assert_int_eq(dlr_callback_type("delivered", NULL), 1);
	ck_assert_int_eq(dlr_callback_type("failed", "http 400 rejected"), 16);
	ck_assert_int_eq(dlr_callback_type("failed", "timeout"), 2);
	ck_assert_int_eq(dlr_callback_type("sent", NULL), 8);
	ck_assert_int_eq(dlr_callback_type("queued", NULL), 0);
}
END_TEST

START_TEST(api_sms_checks_token_role_and_area)
{
	static const char body[] = "{\"to\":\"13908340107\",\"text\":\"通知\"}";
	static const char tpl[] = "{\"to\":\"13908340107\",\"template\":"
	    "\"general_notice\",\"vars\":{\"text\":\"明天开会\"}}";
	static const char missing[] = "{\"to\":\"13908340107\",\"template\":"
	    "\"general_notice\"}";
	char path[64], id[32];
	char *text;

	ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/sms",
	    "application/json", body, strlen(body), NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/sms",
	    "application/json", body, strlen(body),
	    "Authorization: Bearer viewer-token", false, &r), 0);
	ck_assert_int_eq(r.status, 403);
	/* Office of Garze (5133) may not reach a Liangshan (5134) number. */
	ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/sms",
	    "application/json", body, strlen(body),
	    "Authorization: Bearer office-5133", false, &r), 0);
	ck_assert_int_eq(r.status, 403);
	ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/sms",
	    "application/json", missing, strlen(missing),
	    "Authorization: Bearer demo-admin-token", false, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "text"));
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out"), 0);
	ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/sms",
	    "application/json", tpl, strlen(tpl),
	    "Authorization: Bearer demo-admin-token", false, &r), 0);
	ck_assert_int_eq(r.status, 202);
	ck_assert_int_eq(sscanf(r.body, "{\"id\":\"%31[0-9]\"}", id), 1);
	text = tg_query(&t, "SELECT text FROM sms_out");
	ck_assert_msg(strstr(text, "明天开会") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "TD") != NULL, "%s", text);
	free(text);
	snprintf(path, sizeof(path), "/api/v1/messages/%s", id);
	ck_assert_int_eq(tg_request(&t, "GET", path, NULL, NULL, 0,
	    "Authorization: Bearer viewer-token", false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"direction\":\"out\""));
	ck_assert_ptr_nonnull(strstr(r.body, "\"history\":["));
	ck_assert_int_eq(tg_request(&t, "GET", path, NULL, NULL, 0,
	    "Authorization: Bearer office-5133", false, &r), 0);
	ck_assert_int_eq(r.status, 403);
	ck_assert_int_eq(tg_request(&t, "GET", "/api/v1/messages/424242",
	    NULL, NULL, 0, "Authorization: Bearer demo-admin-token", false,
	    &r), 0);
	ck_assert_int_eq(r.status, 404);
}
END_TEST

/* A text of `n` times `unit`, percent-encoded when `pct`. */
static char *
long_text(const char *unit, int n)
{
	size_t len = strlen(unit);
	char *s = malloc(len * (size_t)n + 1);
	int i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++)
		memcpy(s + (size_t)i * len, unit, len);
	s[len * (size_t)n] = '\0';
	return s;
}

/*
 * SPEC 4: a text longer than sms.max_segments (8) segments is a 400 at
 * every API that sends; once one request made a 299-segment SMS.
 */
START_TEST(texts_longer_than_max_segments_are_refused)
{
	char *text = long_text("a", 8 * 153 + 1), *path, *body;
	char *fits = long_text("a", 8 * 153);
	size_t n;

	n = strlen(text) + 256;
	path = malloc(n);
	body = malloc(n);
	snprintf(path, n, "/cgi-bin/sendsms?username=ops&password="
	    "demo-admin-token&to=13908340107&text=%s", text);
	ck_assert_int_eq(tg_request(&t, "GET", path, NULL, NULL, 0, NULL,
	    false, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, "too long") != NULL, "%s", r.body);
	/* As a form body too. */
	snprintf(body, n, "username=ops&password=demo-admin-token&"
	    "to=13908340107&text=%s", text);
	ck_assert_int_eq(post_form("/cgi-bin/sendsms", body), 400);
	/* The admin API: a text, and a template whose rendering is long. */
	snprintf(body, n, "{\"to\":\"13908340107\",\"text\":\"%s\"}",
	    text);
	ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/sms",
	    "application/json", body, strlen(body),
	    "Authorization: Bearer demo-admin-token", false, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, "\"error\":\"too_long\"") != NULL, "%s",
	    r.body);
	snprintf(body, n, "{\"to\":\"13908340107\",\"template\":"
	    "\"general_notice\",\"vars\":{\"text\":\"%s\"}}", fits);
	ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/sms",
	    "application/json", body, strlen(body),
	    "Authorization: Bearer demo-admin-token", false, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, "\"error\":\"too_long\"") != NULL, "%s",
	    r.body);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out"), 0);
	/* Exactly 8 segments is fine, at both. */
	snprintf(path, n, "/cgi-bin/sendsms?username=ops&password="
	    "demo-admin-token&to=13908340107&text=%s", fits);
	ck_assert_int_eq(tg_request(&t, "GET", path, NULL, NULL, 0, NULL,
	    false, &r), 0);
	ck_assert_int_eq(r.status, 202);
	snprintf(body, n, "{\"to\":\"13908340107\",\"text\":\"%s\"}",
	    fits);
	ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/sms",
	    "application/json", body, strlen(body),
	    "Authorization: Bearer demo-admin-token", false, &r), 0);
	ck_assert_int_eq(r.status, 202);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out WHERE "
	    "segments = 8"), 2);
	free(text);
	free(fits);
	free(path);
	free(body);
}
END_TEST

/* SPEC 3.5: vars may not override the recipient's record. */
START_TEST(api_sms_refuses_vars_naming_a_record_field)
{
	static const char body[] = "{\"to\":\"13908340107\",\"template\":"
	    "\"return_home_support\",\"vars\":{\"name\":\"冒名\"}}";

	ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/sms",
	    "application/json", body, strlen(body),
	    "Authorization: Bearer demo-admin-token", false, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, "record field") != NULL, "%s", r.body);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out"), 0);
}
END_TEST

/*
 * NUL bytes were stored in texts or silently cut them: every API refuses
 * them with a 400 and stores nothing.  UCS-2 bytes may hold NULs before
 * their conversion; the converted text may not.
 */
START_TEST(nul_bytes_are_refused_everywhere)
{
	static const char *const api_bodies[] = {
		"{\"to\":\"13908340107\",\"text\":\"通知\\u0000后面\"}",
		"{\"to\":\"13908340107\",\"text\":\"\\u0000\"}",
		"{\"to\":\"13908340107\",\"template\":\"general_notice\","
		    "\"vars\":{\"text\":\"开会\\u0000\"}}",
		"{\"to\":\"13908340107\",\"template\":\"general_notice\","
		    "\"vars\":{\"text\":\"开会\",\"x\\u0000\":\"y\"}}",
	};
	static const char mo_json[] = "{\"from\":\"13908340107\",\"text\":"
	    "\"CX\\u0000\"}";
	size_t i;

	/* MO: form, JSON, and UCS-2 whose conversion holds U+0000. */
	ck_assert_int_eq(post_form("/sms/inbound", "from=13908340107&"
	    "text=CX%00abc"), 400);
	ck_assert_int_eq(tg_request(&t, "POST", "/sms/inbound",
	    "application/json", mo_json, strlen(mo_json), NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_int_eq(tg_request(&t, "GET", "/sms/kannel?from=13908340107&"
	    "text=%00C%00X%00%00&coding=2&charset=UTF-16BE&id=k-nul", NULL,
	    NULL, 0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 400);
	/* UCS-2 "CX" (00 43 00 58): NUL bytes before conversion are fine. */
	ck_assert_int_eq(tg_request(&t, "GET", "/sms/kannel?from=13908340107&"
	    "text=%00C%00X&coding=2&charset=UTF-16BE&id=k-ok", NULL, NULL, 0,
	    NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in"), 1);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in WHERE "
	    "text = 'CX'"), 1);
	/* sendsms: the text, a number, the sender. */
	ck_assert_int_eq(tg_request(&t, "GET", "/cgi-bin/sendsms?username=ops"
	    "&password=demo-admin-token&to=13908340107&text=a%00b", NULL,
	    NULL, 0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_int_eq(tg_request(&t, "GET", "/cgi-bin/sendsms?username=ops"
	    "&password=demo-admin-token&to=13908340107%00x&text=ab", NULL,
	    NULL, 0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_int_eq(tg_request(&t, "GET", "/cgi-bin/sendsms?username=ops"
	    "&password=demo-admin-token&to=13908340107&from=1069%00x&text=ab",
	    NULL, NULL, 0, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 400);
	/* The admin API: JSON's \u0000 in a text, a value or a key. */
	for (i = 0; i < sizeof(api_bodies) / sizeof(api_bodies[0]); i++) {
		ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/sms",
		    "application/json", api_bodies[i], strlen(api_bodies[i]),
		    "Authorization: Bearer demo-admin-token", false, &r), 0);
		ck_assert_msg(r.status == 400, "%s: %ld %s", api_bodies[i],
		    r.status, r.body);
	}
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_out WHERE "
	    "kind <> 'reply'"), 0);
	/* An escaped backslash before u0000 is no NUL. */
	{
		static const char ok[] = "{\"to\":\"13908340107\",\"text\":"
		    "\"a\\\\u0000\"}";

		ck_assert_int_eq(tg_request(&t, "POST", "/api/v1/sms",
		    "application/json", ok, strlen(ok),
		    "Authorization: Bearer demo-admin-token", false, &r), 0);
		ck_assert_msg(r.status == 202, "%ld %s", r.status, r.body);
	}
}
END_TEST

START_TEST(inbound_and_outbound_ids_never_collide)
{
	long long in_id, out_id;
	char path[64];

	ck_assert_int_eq(post_form("/sms/inbound", "from=13908340107&"
	    "text=BZ"), 202);
	in_id = tg_query_int(&t, "SELECT id FROM sms_in");
	out_id = tg_query_int(&t, "SELECT id FROM sms_out");
	ck_assert_int_ne(in_id, out_id);
	snprintf(path, sizeof(path), "/api/v1/messages/%lld", in_id);
	ck_assert_int_eq(tg_request(&t, "GET", path, NULL, NULL, 0,
	    "Authorization: Bearer demo-admin-token", false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"direction\":\"in\""));
}
END_TEST

START_TEST(no_full_phone_number_reaches_the_log)
{
	char path[600], *log;

	post_form("/sms/inbound", "from=13908340107&text=CX");
	tg_wait_int(&t, "SELECT count(*) FROM sms_out WHERE status = "
	    "'delivered'", 1);
	tg_stop(&t, SIGTERM);
	snprintf(path, sizeof(path), "%s/gateway.log", t.dir);
	log = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert_ptr_null(strstr(log, "13908340107"));
	ck_assert_ptr_nonnull(strstr(log, "139****0107"));
	free(log);
}
END_TEST

/* An admin API request as ops; the status, the answer in r. */
static long
admin(const char *method, const char *path, const char *body)
{
	ck_assert_int_eq(tg_request(&t, method, path, body != NULL ?
	    "application/json" : NULL, body, body != NULL ? strlen(body) : 0,
	    "Authorization: Bearer demo-admin-token", false, &r), 0);
	return r.status;
}

/*
 * SPEC 3.5: an alert's due is YYYY-MM-DD or RFC 3339; a time was
 * refused as "text, template and due must be strings" (longer than a
 * date).  The cadre reads it in the schedule's zone (Asia/Shanghai).
 */
START_TEST(alerts_take_a_due_date_or_an_rfc3339_time)
{
	static const struct {
		const char	*due;
		const char	*shown;
	} good[] = {
		{ "2026-12-10T18:00:00+08:00", "2026-12-10 18:00" },
		{ "2026-12-10T10:00:00Z", "2026-12-10 18:00" },
		{ "2026-12-10t10:30:00.250z", "2026-12-10 18:30" },
		{ "2026-12-10T00:00:00-05:00", "2026-12-10 13:00" },
		{ "2026-12-10", "2026-12-10" },
	};
	static const char *const bad[] = {
		"2026-12-10T18:00:00", "2026-12-10 18:00:00+08:00",
		"2026-12-10T 8:00:00+08:00", "2026-12-10T18:00:00+8:00",
		"2026-02-30T18:00:00+08:00", "2026-12-10T24:00:00+08:00",
		"2026-12-10T18:00:00.+08:00", "2026-12-10T18:00:00+08:00x",
		"2019-12-10", "2019-12-10T18:00:00Z", "10/12/2026", "",
	};
	char body[256], sql[128], *v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(body, sizeof(body), "{\"cadres\":[\"C513431001\"],"
		    "\"text\":\"核实住房\",\"due\":\"%s\",\"urgent\":true}",
		    good[i].due);
		ck_assert_msg(admin("POST", "/api/v1/alerts", body) == 201,
		    "%s: %ld %s", good[i].due, r.status, r.body);
		snprintf(sql, sizeof(sql), "SELECT due FROM tasks WHERE id = "
		    "%zu", i + 1);
		v = tg_query(&t, sql);
		ck_assert_str_eq(v, good[i].shown);
		free(v);
		snprintf(sql, sizeof(sql), "SELECT text FROM sms_out WHERE "
		    "task_id = %zu", i + 1);
		v = tg_query(&t, sql);
		ck_assert_msg(strstr(v, good[i].shown) != NULL, "%s", v);
		free(v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "{\"cadres\":[\"C513431001\"],"
		    "\"text\":\"核实住房\",\"due\":\"%s\"}", bad[i]);
		ck_assert_msg(admin("POST", "/api/v1/alerts", body) == 400,
		    "%s: %ld", bad[i], r.status);
		ck_assert_msg(strstr(r.body, "\"message\":\"due: must be a ")
		    != NULL, "%s: %s", bad[i], r.body);
	}
	ck_assert_int_eq(admin("POST", "/api/v1/alerts", "{\"cadres\":"
	    "[\"C513431001\"],\"text\":\"x\",\"due\":20261210}"), 400);
	ck_assert_msg(strstr(r.body, "\"message\":\"due: must be a date "
	    "YYYY-MM-DD or an RFC 3339 time") != NULL, "%s", r.body);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM tasks"),
	    (long long)(sizeof(good) / sizeof(good[0])));
}
END_TEST

/*
 * SPEC 3.5: "every 400 names the field that failed and why": each
 * refusal of the alerts API (and of the helpers every admin handler
 * shares) starts with the field's name.
 */
START_TEST(every_alert_400_names_its_field)
{
	static const struct {
		const char	*method;
		const char	*path;
		const char	*body;
		const char	*field;
	} cases[] = {
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"text\":\"x\",\"extra\":1}", "extra: unknown field" },
		{ "POST", "/api/v1/alerts", "{\"cadres\":\"C1\",\"text\":"
		    "\"x\"}", "cadres: " },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\",7],"
		    "\"text\":\"x\"}", "cadres[1]: " },
		{ "POST", "/api/v1/alerts", "{\"area\":5134,\"text\":\"x\"}",
		    "area: " },
		{ "POST", "/api/v1/alerts", "{\"area\":\"51a\",\"text\":"
		    "\"x\"}", "area: " },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"area\":\"5134\",\"text\":\"x\"}", "area: " },
		{ "POST", "/api/v1/alerts", "{\"text\":\"x\"}", "cadres: " },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"text\":7}", "text: " },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"]}",
		    "text: " },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"template\":true}", "template: " },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"text\":\"x\",\"template\":\"task_alert\"}",
		    "template: " },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"template\":\"no_such\"}", "template: no such template" },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"text\":\"x\",\"urgent\":\"yes\"}", "urgent: " },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"text\":\"x\",\"ack_required\":1}", "ack_required: " },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"template\":\"general_notice\",\"vars\":[]}", "vars: " },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"template\":\"general_notice\",\"vars\":{\"text\":1}}",
		    "vars.text: must be a string" },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"template\":\"general_notice\",\"vars\":{\"text\":\"x\","
		    "\"due\":\"x\"}}", "vars.due: " },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"template\":\"general_notice\"}",
		    "vars: template variable 'text' has no value" },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C999\"],\"text\":"
		    "\"x\"}", "cadres: " },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C513431001\"],"
		    "\"text\":\"x\\u0000\"}", "text: holds a NUL" },
		{ "POST", "/api/v1/alerts", "{\"cadres\":[\"C51\\u0000\"],"
		    "\"text\":\"x\"}", "cadres[0]: holds a NUL" },
		{ "POST", "/api/v1/alerts?text=y", "{\"cadres\":"
		    "[\"C513431001\"],\"text\":\"x\"}", "text: given both" },
		{ "GET", "/api/v1/feedback?limit=0", NULL, "limit: " },
		{ "GET", "/api/v1/feedback?offset=-1", NULL, "offset: " },
		{ "GET", "/api/v1/feedback?status=maybe", NULL, "status: " },
		{ "GET", "/api/v1/feedback?area=51x", NULL, "area: " },
		{ "POST", "/api/v1/feedback/F1/close", "{\"resolution\":1}",
		    "resolution: " },
		{ "POST", "/api/v1/feedback/F1/close", "{\"note\":\"x\"}",
		    "note: unknown field (resolution)" },
		{ "POST", "/api/v1/sms", "{\"to\":\"12\",\"text\":\"x\"}",
		    "to: " },
		{ "POST", "/api/v1/sms", "{\"to\":\"13800138000\"}",
		    "text: " },
		{ "POST", "/api/v1/sms", "{\"to\":\"13800138000\","
		    "\"text\":\"\"}", "text: " },
		{ "POST", "/api/v1/sms", "{\"to\":\"13800138000\","
		    "\"text\":\"x\",\"provider\":\"nope\"}", "provider: " },
		{ "POST", "/api/v1/sms", "{\"to\":\"13800138000\","
		    "\"template\":\"no_such\"}", "template: " },
		{ "POST", "/api/v1/sms", "{\"to\":\"13800138000\","
		    "\"template\":\"general_notice\",\"vars\":[]}", "vars: " },
		{ "POST", "/api/v1/broadcasts", "[]", "body: " },
		{ "POST", "/api/v1/broadcasts", "{\"text\":\"x\","
		    "\"colour\":1}", "colour: unknown field" },
		{ "POST", "/api/v1/broadcasts", "{\"text\":7}", "text: " },
		{ "POST", "/api/v1/broadcasts", "{\"text\":\"x\","
		    "\"template\":\"general_notice\"}", "template: " },
		{ "POST", "/api/v1/broadcasts", "{\"text\":\"x\","
		    "\"send_at\":\"2026-12-10 18:00\"}", "send_at: " },
		{ "POST", "/api/v1/broadcasts", "{\"text\":\"x\","
		    "\"audience\":{\"area\":\"51a\"}}", "audience.area: " },
		{ "POST", "/api/v1/broadcasts", "{\"text\":\"x\","
		    "\"audience\":{\"colour\":\"red\"}}", "audience: " },
		{ "POST", "/api/v1/broadcasts", "{\"text\":\"x\","
		    "\"audience\":{\"enrollment\":\"enrolled\"}}",
		    "audience.enrollment: " },
		{ "POST", "/api/v1/broadcasts", "{\"text\":\"x\","
		    "\"dry_run\":\"yes\"}", "dry_run: " },
		{ "POST", "/api/v1/broadcasts", "{\"text\":\"x\","
		    "\"provider\":\"nope\"}", "provider: " },
		{ "POST", "/api/v1/broadcasts", "{\"template\":"
		    "\"no_such\"}", "template: " },
		{ "GET", "/api/v1/broadcasts?status=maybe", NULL, "status: " },
	};
	char want[128], *text, *body;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(admin(cases[i].method, cases[i].path,
		    cases[i].body) == 400, "%s: %ld %s", cases[i].body,
		    r.status, r.body);
		snprintf(want, sizeof(want), "\"message\":\"%s",
		    cases[i].field);
		ck_assert_msg(strstr(r.body, want) != NULL, "%s %s: %s",
		    cases[i].path, cases[i].body != NULL ? cases[i].body : "",
		    r.body);
	}
	/* A rendering longer than sms.max_segments names the template. */
	text = long_text("扶", 600);
	body = malloc(strlen(text) + 128);
	sprintf(body, "{\"cadres\":[\"C513431001\"],\"template\":"
	    "\"general_notice\",\"vars\":{\"text\":\"%s\"}}", text);
	ck_assert_int_eq(admin("POST", "/api/v1/alerts", body), 400);
	ck_assert_msg(strstr(r.body, "\"error\":\"too_long\",\"message\":"
	    "\"template: ") != NULL, "%s", r.body);
	free(body);
	free(text);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM tasks"), 0);
}
END_TEST

Suite *
inbound_suite(void)
{
	Suite *s = suite_create("inbound");
	TCase *tc = tcase_create("http");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, inbound_form_is_accepted_answered_and_delivered);
	tcase_add_test(tc, inbound_json_is_accepted);
	tcase_add_test(tc, malformed_input_gets_400_and_stores_nothing);
	tcase_add_test(tc, kannel_get_url_with_ucs2_text_is_converted);
	tcase_add_test(tc, kannel_post_url_takes_the_body_as_text);
	tcase_add_test(tc, only_the_charsets_kannel_sends_are_taken);
	tcase_add_test(tc,
	    token_and_hmac_routes_refuse_wrong_credentials_with_401);
	tcase_add_test(tc,
	    kannel_dlr_marks_a_message_delivered_and_unknown_ids_get_200);
	tcase_add_test(tc, sendsms_speaks_kannel);
	tcase_add_test(tc, api_sms_checks_token_role_and_area);
	tcase_add_test(tc, sendsms_messages_go_straight_to_the_sender);
	tcase_add_test(tc, sendsms_dlr_url_is_called_back_with_kannel_types);
	tcase_add_test(tc, dlr_url_escapes_are_filled_and_encoded);
	tcase_add_test(tc, dlr_urls_outside_the_allow_list_are_refused);
	tcase_add_test(tc, a_hanging_callback_host_does_not_delay_another);
	tcase_add_test(tc, a_failing_callback_host_is_retried_later);
	tcase_add_test(tc, texts_longer_than_max_segments_are_refused);
	tcase_add_test(tc, api_sms_refuses_vars_naming_a_record_field);
	tcase_add_test(tc, nul_bytes_are_refused_everywhere);
	tcase_add_test(tc, inbound_and_outbound_ids_never_collide);
	tcase_add_test(tc, no_full_phone_number_reaches_the_log);
	tcase_add_test(tc, alerts_take_a_due_date_or_an_rfc3339_time);
	tcase_add_test(tc, every_alert_400_names_its_field);
	suite_add_tcase(s, tc);
	return s;
}
