/*
 * test_security.c: the findings of the outside review of 2026-12-06,
 * each reproduced as it was found against the real gateway on loopback,
 * and shown fixed: forged query over a signed body, replay, stale
 * timestamps, a signed GET, the USSD phone override, a parameter in both
 * query and body, idle sockets from one address, log injection, the
 * proxy's loopback, /metrics off loopback, the /dlr route entry.
 * (ID numbers from a database copy: test_store.c; short secrets and the
 * demo token: test_cfg.c's bad files; the USSD challenge: test_ussd.c.)
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "gwtest.h"
#include "hex.h"
#include "sha256.h"
#include "testutil.h"

#define SECRET	"sec-0123456789abcdef-xyz"
#define DLR_TOKEN "dlr-token-0123456789"
#define ROUTES \
	"sms = { routes = ( { path = \"/sms/inbound\"; auth = \"hmac\"; " \
	"secret = \"" SECRET "\"; }, { path = \"/sms/kannel\"; auth = " \
	"\"hmac\"; secret = \"" SECRET "\"; }, { path = \"/ussd\"; auth = " \
	"\"hmac\"; secret = \"" SECRET "\"; }, { path = \"/dlr\"; auth = " \
	"\"token\"; token = \"" DLR_TOKEN "\"; } ); };\n"

static struct tg t;
static struct tg_reply r;

static void
setup(void)
{
	tg_init(&t, ROUTES);
	tg_start(&t);
}

static void
teardown(void)
{
	tg_cleanup(&t);
}

/*
 * The headers of a request signed as SPEC 3.1 says, computed here
 * independently of the gateway's code: one HMAC over the concatenation.
 */
static void
sign(char *hdr, size_t len, long long ts, const char *method,
    const char *path, const char *query, const char *body)
{
	struct hmac_sha256_key k;
	char *text, hex[65];
	uint8_t mac[SHA256_LEN];
	size_t n = strlen(method) + strlen(path) + strlen(query) +
	    strlen(body) + 64;

	text = malloc(n);
	ck_assert_ptr_nonnull(text);
	snprintf(text, n, "%lld\n%s\n%s\n%s\n%s", ts, method, path, query,
	    body);
	hmac_sha256_key_init(&k, SECRET, strlen(SECRET));
	hmac_sha256(&k, text, strlen(text), mac);
	hex_encode(mac, SHA256_LEN, hex);
	snprintf(hdr, len, "X-Fupin-Timestamp: %lld\nX-Fupin-Signature: "
	    "sha256=%s", ts, hex);
	free(text);
}

static long
post_signed(const char *path, const char *query, const char *body,
    long long ts, const char *send_query)
{
	char hdr[256], url[512];

	sign(hdr, sizeof(hdr), ts, "POST", path, query, body);
	snprintf(url, sizeof(url), "%s%s%s", path, *send_query != '\0' ?
	    "?" : "", send_query);
	ck_assert_int_eq(tg_request(&t, "POST", url,
	    "application/x-www-form-urlencoded", body, strlen(body), hdr,
	    false, &r), 0);
	return r.status;
}

static long long
now(void)
{
	return (long long)time(NULL);
}

START_TEST(a_signed_body_with_a_forged_query_is_refused)
{
	const char *body = "from=13908340107&text=FK+lamp&id=p-1";

	/* Found: the signature covered the body only, and `from` was read
	 * from the query first. */
	ck_assert_int_eq(post_signed("/sms/inbound", "", body, now(),
	    "from=13800000001"), 401);
	ck_assert_int_eq(post_signed("/sms/inbound", "", body, now(),
	    "id=p-2"), 401);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in"), 0);
	/* The same request as signed goes through. */
	ck_assert_int_eq(post_signed("/sms/inbound", "", body, now(), ""),
	    202);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in"), 1);
}
END_TEST

START_TEST(a_replayed_signature_gets_the_first_answer_and_changes_nothing)
{
	/* No provider id: only the signature can tell the repeat. */
	const char *body = "from=13908340107&text=TD";
	long long ts = now();
	char first[256];

	ck_assert_int_eq(post_signed("/sms/inbound", "", body, ts, ""), 202);
	snprintf(first, sizeof(first), "%.*s", (int)r.len, r.body);
	ck_assert_ptr_nonnull(strstr(first, "\"accepted\""));
	ck_assert_int_eq(post_signed("/sms/inbound", "", body, ts, ""), 202);
	ck_assert_str_eq(r.body, first);
	ck_assert_int_eq(post_signed("/sms/inbound", "", body, ts, ""), 202);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in"), 1);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM optouts"), 1);
}
END_TEST

START_TEST(a_stale_or_future_timestamp_is_refused)
{
	const char *body = "from=13908340107&text=BZ";

	ck_assert_int_eq(post_signed("/sms/inbound", "", body, now() - 301,
	    ""), 401);
	ck_assert_int_eq(post_signed("/sms/inbound", "", body, now() + 301,
	    ""), 401);
	ck_assert_int_eq(post_signed("/sms/inbound", "", body, now() - 200,
	    ""), 202);
	/* Without the timestamp header, or with garbage in it. */
	ck_assert_int_eq(tg_request(&t, "POST", "/sms/inbound",
	    "application/x-www-form-urlencoded", body, strlen(body),
	    "X-Fupin-Signature: sha256=00", false, &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(tg_request(&t, "POST", "/sms/inbound",
	    "application/x-www-form-urlencoded", body, strlen(body),
	    "X-Fupin-Timestamp: 1e9\nX-Fupin-Signature: sha256=00", false,
	    &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in"), 1);
}
END_TEST

START_TEST(a_signed_get_binds_its_query)
{
	const char *q = "from=13908340107&text=BZ&id=k-1";
	char hdr[256], url[256];

	/* Kannel's get-url: no body, everything in the query. */
	sign(hdr, sizeof(hdr), now(), "GET", "/sms/kannel", q, "");
	snprintf(url, sizeof(url), "/sms/kannel?%s", q);
	ck_assert_int_eq(tg_request(&t, "GET", url, NULL, NULL, 0, hdr, false,
	    &r), 0);
	ck_assert_int_eq(r.status, 200);
	/* The same signature over another query. */
	snprintf(url, sizeof(url), "/sms/kannel?%s", "from=13800000001&"
	    "text=BZ&id=k-1");
	ck_assert_int_eq(tg_request(&t, "GET", url, NULL, NULL, 0, hdr, false,
	    &r), 0);
	ck_assert_int_eq(r.status, 401);
	/* And as a POST: the method is signed too. */
	ck_assert_int_eq(tg_request(&t, "POST", "/sms/kannel?from="
	    "13908340107&text=BZ&id=k-1", NULL, NULL, 0, hdr, false, &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in"), 1);
}
END_TEST

START_TEST(ussd_cannot_take_another_phone_from_the_query)
{
	const char *body = "sessionId=s1&serviceCode=%2A123%23&phoneNumber="
	    "13800000001&text=1";

	/* Found: a signed body for one number, ?phoneNumber=<a member's>
	 * gave that household's status. */
	ck_assert_int_eq(post_signed("/ussd", "", body, now(),
	    "phoneNumber=13908340107"), 401);
	/* Signed with the query too: still one parameter in two places. */
	ck_assert_int_eq(post_signed("/ussd", "phoneNumber=13908340107", body,
	    now(), "phoneNumber=13908340107"), 400);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM "
	    "ussd_sessions"), 0);
}
END_TEST

START_TEST(a_parameter_in_both_query_and_body_is_a_400)
{
	tg_stop(&t, SIGTERM);
	tg_reconfigure(&t, NULL);	/* loopback routes */
	tg_start(&t);
	ck_assert_int_eq(tg_request(&t, "POST", "/sms/inbound?from="
	    "13800000001", "application/x-www-form-urlencoded",
	    "from=13908340107&text=BZ", 24, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_int_eq(tg_request(&t, "POST", "/sms/inbound?text=TD",
	    "application/json", "{\"from\":\"13908340107\",\"text\":\"BZ\"}",
	    35, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_int_eq(tg_query_int(&t, "SELECT count(*) FROM sms_in"), 0);
	/* Apart, each place is fine. */
	ck_assert_int_eq(tg_request(&t, "POST", "/sms/inbound?from="
	    "13908340107", "application/x-www-form-urlencoded", "text=BZ", 7,
	    NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 202);
}
END_TEST

/* Open n idle TCP connections from `from` to the gateway; fds into v. */
static int
open_idle(const char *from, int n, int *v)
{
	struct sockaddr_in src, dst;
	int i, k = 0;

	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	inet_pton(AF_INET, from, &src.sin_addr);
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)t.port);
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			break;
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
		    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0) {
			close(fd);
			continue;
		}
		v[k++] = fd;
	}
	return k;
}

START_TEST(idle_sockets_from_one_address_do_not_block_the_others)
{
	struct rlimit rl;
	struct timeval t0, t1;
	int *fds, n, i;
	char *log;

	/* Found: 1,030 idle sockets from one host and /healthz timed out
	 * for everyone, with 1,030 log lines. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	fds = calloc(1100, sizeof(*fds));
	ck_assert_ptr_nonnull(fds);
	n = open_idle("127.0.0.2", 1100, fds);
	ck_assert_int_gt(n, 500);
	gettimeofday(&t0, NULL);
	ck_assert_int_eq(tg_request(&t, "GET", "/healthz", NULL, NULL, 0,
	    NULL, false, &r), 0);
	gettimeofday(&t1, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_lt((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_usec - t0.tv_usec) / 1000, 2000);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	/* The refusals were logged, but not once each. */
	{
		char path[600];
		size_t len = 0, lines = 0, j;

		snprintf(path, sizeof(path), "%s/gateway.log", t.dir);
		log = tu_read_file(path, &len);
		ck_assert_ptr_nonnull(log);
		for (j = 0; j < len; j++)
			lines += log[j] == '\n';
		ck_assert_int_lt(lines, 200);
		free(log);
	}
}
END_TEST

START_TEST(a_newline_from_outside_never_starts_a_log_line)
{
	char path[600], *log, *p;
	size_t len = 0;

	/* Found: a /dlr id with a newline and "<0>" forged an
	 * emergency-level journald entry. */
	ck_assert_int_eq(tg_request(&t, "POST", "/dlr?token=" DLR_TOKEN,
	    "application/x-www-form-urlencoded",
	    "id=x%0A%3C0%3Eforged&status=Success", 35, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	tg_stop(&t, SIGTERM);
	snprintf(path, sizeof(path), "%s/gateway.log", t.dir);
	log = tu_read_file(path, &len);
	ck_assert_ptr_nonnull(log);
	ck_assert_ptr_nonnull(strstr(log, "\\x0a<0>forged"));
	for (p = log; p != NULL; p = strchr(p + 1, '\n'))
		ck_assert_msg(strncmp(p + (*p == '\n'), "<0>", 3) != 0,
		    "a line starts with <0>");
	free(log);
}
END_TEST

START_TEST(behind_a_proxy_nothing_is_loopback)
{
	tg_stop(&t, SIGTERM);
	t.http_extra = "behind_proxy = true;";
	tg_reconfigure(&t, NULL);
	tg_start(&t);
	/* Found: behind a reverse proxy every request looked like
	 * loopback, so loopback routes were open to the world. */
	ck_assert_int_eq(tg_request(&t, "POST", "/sms/inbound",
	    "application/x-www-form-urlencoded", "from=13908340107&text=BZ",
	    24, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(tg_request(&t, "GET", "/metrics", NULL, NULL, 0,
	    NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 401);
}
END_TEST

START_TEST(metrics_off_loopback_need_an_admin_token)
{
	/* viewer: sha256("viewer-token-0123"); admin: "admin-token-0123" */
	char conf[1024], hv[65], ha[65];
	uint8_t h[SHA256_LEN];

	sha256("viewer-token-0123", 17, h);
	hex_encode(h, SHA256_LEN, hv);
	sha256("admin-token-0123", 16, h);
	hex_encode(h, SHA256_LEN, ha);
	snprintf(conf, sizeof(conf), "api = { tokens = ( { name = \"v\"; token_sha256 = \"%s\"; "
	    "role = \"viewer\"; area = \"5134\"; }, { name = \"a\"; "
	    "token_sha256 = \"%s\"; role = \"admin\"; area = \"\"; } ); };\n",
	    hv, ha);
	tg_stop(&t, SIGTERM);
	t.http_extra = "behind_proxy = true;";
	tg_reconfigure(&t, conf);
	tg_start(&t);
	ck_assert_int_eq(tg_request(&t, "GET", "/metrics", NULL, NULL, 0,
	    "Authorization: Bearer viewer-token-0123", false, &r), 0);
	ck_assert_int_eq(r.status, 403);
	ck_assert_int_eq(tg_request(&t, "GET", "/metrics", NULL, NULL, 0,
	    "Authorization: Bearer admin-token-0123", false, &r), 0);
	ck_assert_int_eq(r.status, 200);
}
END_TEST

START_TEST(dlr_has_its_own_route_entry)
{
	/* /sms/inbound is signed; /dlr takes the token aggregators can
	 * put in a callback URL. */
	ck_assert_int_eq(tg_request(&t, "POST", "/dlr",
	    "application/x-www-form-urlencoded", "id=nope&status=Success", 22,
	    NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(tg_request(&t, "POST", "/dlr?token=wrong-token-"
	    "0123456789", "application/x-www-form-urlencoded",
	    "id=nope&status=Success", 22, NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 401);
	ck_assert_int_eq(tg_request(&t, "POST", "/dlr?token=" DLR_TOKEN,
	    "application/x-www-form-urlencoded", "id=nope&status=Success", 22,
	    NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
}
END_TEST

START_TEST(the_installed_config_holds_no_token)
{
	char *argv[] = { "/bin/sh", "tools/install-config",
	    "config/fupin.conf", "/usr/local", NULL };
	char *out = NULL, *path, *errors = NULL;
	struct cfg *cfg = NULL;

	/* Found: `make install` shipped the demo admin token in a
	 * world-readable /etc/fupin/fupin.conf. */
	ck_assert_int_eq(tu_run(argv, &out), 0);
	ck_assert_ptr_null(strstr(out, "91c16f0d6cc1bec3"));
	ck_assert_ptr_nonnull(strstr(out, "tokens = ( );"));
	ck_assert_ptr_nonnull(strstr(out, "\"/var/lib/fupin/id.key\""));
	path = tu_write_file(t.dir, "installed.conf", out, strlen(out));
	ck_assert_int_eq(cfg_load(path, &cfg, &errors), FP_OK);
	ck_assert_uint_eq(cfg->api.n_tokens, 0);
	cfg_free(cfg);
	free(path);
	free(out);
}
END_TEST

Suite *
security_suite(void)
{
	Suite *s = suite_create("security");
	TCase *tc = tcase_create("review");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_signed_body_with_a_forged_query_is_refused);
	tcase_add_test(tc,
	    a_replayed_signature_gets_the_first_answer_and_changes_nothing);
	tcase_add_test(tc, a_stale_or_future_timestamp_is_refused);
	tcase_add_test(tc, a_signed_get_binds_its_query);
	tcase_add_test(tc, ussd_cannot_take_another_phone_from_the_query);
	tcase_add_test(tc, a_parameter_in_both_query_and_body_is_a_400);
	tcase_add_test(tc, idle_sockets_from_one_address_do_not_block_the_others);
	tcase_add_test(tc, a_newline_from_outside_never_starts_a_log_line);
	tcase_add_test(tc, behind_a_proxy_nothing_is_loopback);
	tcase_add_test(tc, metrics_off_loopback_need_an_admin_token);
	tcase_add_test(tc, dlr_has_its_own_route_entry);
	tcase_add_test(tc, the_installed_config_holds_no_token);
	suite_add_tcase(s, tc);
	return s;
}
