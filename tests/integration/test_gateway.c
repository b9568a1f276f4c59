/*
 * test_gateway.c: the fupin-gateway binary on a real loopback socket:
 * /healthz, /metrics, 404/405/413 with JSON errors (SPEC section 3),
 * clean exit 0 on SIGTERM, exit 78 with FILE:LINE on a bad config and
 * no database created, exit 69 when the port is taken.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gwtest.h"
#include "migrate.h"
#include "sqlite3.h"
#include "testutil.h"

static struct tg t;
static char *dir;	/* t.dir, for the tests that need no gateway */

static int
request(const char *method, const char *path, const char *body,
    size_t body_len, bool chunked, struct tg_reply *r)
{
	return tg_request(&t, method, path, "text/plain", body, body_len,
	    NULL, chunked, r);
}

static void
setup(void)
{
	tg_init(&t, NULL);
	dir = t.dir;
	tg_start(&t);
}

static void
teardown(void)
{
	tg_cleanup(&t);
}

START_TEST(healthz_answers_ok_with_the_schema_version)
{
	struct tg_reply r;
	char want[64];

	ck_assert_int_eq(request("GET", "/healthz", NULL, 0, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"status\":\"ok\""));
	snprintf(want, sizeof(want), "\"schema_version\":%d", migrate_latest());
	ck_assert_ptr_nonnull(strstr(r.body, want));
	ck_assert_ptr_nonnull(strstr(r.headers, "application/json"));
}
END_TEST

START_TEST(unknown_paths_get_404_with_a_json_error)
{
	struct tg_reply r;

	ck_assert_int_eq(request("GET", "/nope", NULL, 0, false, &r), 0);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.body, "{\"error\":\"not_found\",\"message\":"
	    "\"no such path\"}");
	ck_assert_int_eq(request("GET", "/healthzz", NULL, 0, false, &r), 0);
	ck_assert_int_eq(r.status, 404);
}
END_TEST

START_TEST(wrong_methods_get_405_with_allow)
{
	struct tg_reply r;

	ck_assert_int_eq(request("POST", "/healthz", "x", 1, false, &r), 0);
	ck_assert_int_eq(r.status, 405);
	ck_assert_ptr_nonnull(strstr(r.headers, "Allow: GET, HEAD"));
	ck_assert_ptr_nonnull(strstr(r.body, "\"error\":\"method_not_allowed\""));
	ck_assert_int_eq(request("DELETE", "/metrics", NULL, 0, false, &r), 0);
	ck_assert_int_eq(r.status, 405);
}
END_TEST

START_TEST(bodies_over_max_body_get_413_declared_or_chunked)
{
	static char big[4096];
	struct tg_reply r;

	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(request("GET", "/healthz", big, sizeof(big), false,
	    &r), 0);
	ck_assert_int_eq(r.status, 413);
	ck_assert_ptr_nonnull(strstr(r.body, "\"error\":\"body_too_large\""));
	ck_assert_int_eq(request("GET", "/healthz", big, sizeof(big), true,
	    &r), 0);
	ck_assert_int_eq(r.status, 413);
	/* Under the limit is fine. */
	ck_assert_int_eq(request("GET", "/healthz", big, 1000, true, &r), 0);
	ck_assert_int_eq(r.status, 200);
	/* And the server is still there. */
	ck_assert_int_eq(request("GET", "/healthz", NULL, 0, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
}
END_TEST

START_TEST(metrics_count_requests_by_route_and_status)
{
	struct tg_reply r;

	request("GET", "/nope", NULL, 0, false, &r);
	request("GET", "/nope", NULL, 0, false, &r);
	ck_assert_int_eq(request("GET", "/metrics", NULL, 0, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "fupin_build_info{version="));
	ck_assert_ptr_nonnull(strstr(r.body,
	    "fupin_http_requests_total{route=\"unmatched\",status=\"404\"} 2"));
	ck_assert_ptr_nonnull(strstr(r.body,
	    "fupin_http_requests_total{route=\"/healthz\",status=\"200\"}"));
	ck_assert_ptr_nonnull(strstr(r.body, "fupin_database_bytes "));
	ck_assert_ptr_nonnull(strstr(r.body, "fupin_event_outbox_pending 0"));
	ck_assert_ptr_nonnull(strstr(r.headers, "text/plain; version=0.0.4"));
}
END_TEST

/*
 * Queue depths, not totals: 3 queued and 1 sending of a provider no
 * sender serves, 2 delivered (not shown), and 2 pending recipients of a
 * broadcast due next year (1 queued: not shown).
 */
START_TEST(metrics_show_queue_depths)
{
	static const char sql[] =
	    "WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 "
	    "FROM n WHERE value < 6) "
	    "INSERT INTO sms_out(msisdn, text, kind, encoding, segments, "
	    "provider, status, attempts, next_attempt_at, expires_at, "
	    "created_at, updated_at) SELECT '+8613900000000', 'x', "
	    "'sendsms', 'gsm7', 1, 'nowhere', CASE WHEN value <= 3 THEN "
	    "'queued' WHEN value = 4 THEN 'sending' ELSE 'delivered' END, "
	    "1, 0, 4102444800, 0, 0 FROM n;"
	    "INSERT INTO broadcasts(id, text, audience, send_at, created_at) "
	    "VALUES (7, 'x', '{}', 4102444800, 0);"
	    "WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 "
	    "FROM n WHERE value < 3) "
	    "INSERT INTO broadcast_recipients(broadcast_id, msisdn, status, "
	    "not_before) SELECT 7, '+8613900000000', CASE WHEN value <= 2 "
	    "THEN 'pending' ELSE 'queued' END, 4102444800 "
	    "FROM n;";
	struct tg_reply r;
	sqlite3 *db;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(t.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s", msg != NULL ? msg : "?");
	sqlite3_close(db);
	ck_assert_int_eq(request("GET", "/metrics", NULL, 0, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "\nfupin_sms_out_messages{status="
	    "\"queued\"} 3\n") != NULL, "%s", r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "\nfupin_sms_out_messages{"
	    "status=\"sending\"} 1\n"));
	ck_assert_ptr_null(strstr(r.body, "status=\"delivered\""));
	ck_assert_ptr_nonnull(strstr(r.body, "\nfupin_broadcast_recipients{"
	    "status=\"pending\"} 2\n"));
	ck_assert_ptr_null(strstr(r.body, "recipients{status=\"queued\""));
}
END_TEST

START_TEST(sigterm_stops_cleanly_with_exit_0)
{
	ck_assert_int_eq(tg_stop(&t, SIGTERM), 0);
}
END_TEST

START_TEST(sigint_stops_cleanly_with_exit_0)
{
	ck_assert_int_eq(tg_stop(&t, SIGINT), 0);
}
END_TEST

START_TEST(a_taken_port_exits_69)
{
	char log[600];
	pid_t second;
	int status;

	snprintf(log, sizeof(log), "%s/second.log", dir);
	second = tg_spawn(t.conf, log);
	ck_assert_int_eq(waitpid(second, &status, 0), second);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 69);
}
END_TEST

/* ---- systemd notify protocol --------------------------------------- */

/* Wait up to timeout_ms for a datagram containing `want`. */
static bool
await_notify(int fd, const char *want, int timeout_ms)
{
	char buf[256];
	struct timeval tv = { 0, 100000 };
	int waited;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (waited = 0; waited < timeout_ms; waited += 100) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, want) != NULL)
			return true;
	}
	return false;
}

START_TEST(tells_systemd_ready_watchdog_and_stopping)
{
	struct sockaddr_un sa;
	char log[600];
	int fd, status;
	pid_t pid;

	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(log, sizeof(log), "%s/notify.log", dir);
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	setenv("WATCHDOG_USEC", "400000", 1);
	pid = tg_spawn(t.conf, log);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	ck_assert_msg(await_notify(fd, "READY=1", 10000), "no READY=1");
	/* Fed at half the interval: at least one within a second. */
	ck_assert_msg(await_notify(fd, "WATCHDOG=1", 2000), "no WATCHDOG=1");
	ck_assert_msg(await_notify(fd, "WATCHDOG=1", 2000), "watchdog stopped");
	kill(pid, SIGTERM);
	ck_assert_msg(await_notify(fd, "STOPPING=1", 10000), "no STOPPING=1");
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
}
END_TEST

static void
setup_conf(void)
{
	tg_init(&t, NULL);
	dir = t.dir;
}

static void
teardown_conf(void)
{
	tg_cleanup(&t);
}

TCase *gateway_live_tcase(void);

TCase *
gateway_live_tcase(void)
{
	TCase *tc = tcase_create("live");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, healthz_answers_ok_with_the_schema_version);
	tcase_add_test(tc, unknown_paths_get_404_with_a_json_error);
	tcase_add_test(tc, wrong_methods_get_405_with_allow);
	tcase_add_test(tc, bodies_over_max_body_get_413_declared_or_chunked);
	tcase_add_test(tc, metrics_count_requests_by_route_and_status);
	tcase_add_test(tc, metrics_show_queue_depths);
	tcase_add_test(tc, sigterm_stops_cleanly_with_exit_0);
	tcase_add_test(tc, sigint_stops_cleanly_with_exit_0);
	tcase_add_test(tc, a_taken_port_exits_69);
	return tc;
}

/* ---- configuration errors on each binary ------------------------- */

static void
setup_dir(void)
{
	tg_init(&t, NULL);
	dir = t.dir;
}

static void
teardown_dir(void)
{
	tg_cleanup(&t);
}

static const char *const binaries[] = { "fupin-gateway", "fupin-bridge",
    "fupinctl" };

START_TEST(a_bad_config_exits_78_with_file_line_and_touches_nothing)
{
	char *bad;
	char db[600], bin[512], *out = NULL, needle[700];
	char *argv[] = { bin, "-c", NULL, "migrate", NULL };
	struct stat sb;

	tg_reconfigure(&t, "http = { nonsense = 1; };\n");
	bad = t.conf;
	argv[2] = bad;
	snprintf(bin, sizeof(bin), "%s", tu_bin(binaries[_i]));
	if (_i != 2)
		argv[3] = NULL;
	ck_assert_int_eq(tu_run(argv, &out), 78);
	/* libconfig reports the duplicate group at line 4. */
	snprintf(needle, sizeof(needle), "%s:4: ", bad);
	ck_assert_msg(strstr(out, needle) != NULL, "%s", out);
	snprintf(db, sizeof(db), "%s/fupin.db", dir);
	ck_assert_int_ne(stat(db, &sb), 0);
	free(out);
}
END_TEST

START_TEST(unknown_keys_are_named_with_their_line)
{
	static const char text[] = "node_id = \"gw1\";\n\nhttp = {\n"
	    "  listen = \"127.0.0.1:8080\";\n  max_bodyy = 100;\n};\n";
	char *bad = tu_write_file(dir, "unknown.conf", text, strlen(text));
	char bin[512], *out = NULL, needle[700];
	char *argv[] = { bin, "-c", bad, "--check-config", NULL };

	snprintf(bin, sizeof(bin), "%s", tu_bin(binaries[_i]));
	ck_assert_int_eq(tu_run(argv, &out), 78);
	snprintf(needle, sizeof(needle), "%s:5: unknown key 'max_bodyy'", bad);
	ck_assert_msg(strstr(out, needle) != NULL, "%s", out);
	free(out);
	free(bad);
}
END_TEST

START_TEST(check_config_accepts_the_shipped_config)
{
	char bin[512], *out = NULL;
	char *argv[] = { bin, "-c", "config/fupin.conf", "--check-config",
	    NULL };

	snprintf(bin, sizeof(bin), "%s", tu_bin(binaries[_i]));
	ck_assert_int_eq(tu_run(argv, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "configuration OK"));
	free(out);
}
END_TEST

START_TEST(a_missing_config_file_exits_78)
{
	char bin[512], *out = NULL;
	char *argv[] = { bin, "-c", "/nonexistent/fupin.conf",
	    "--check-config", NULL };

	snprintf(bin, sizeof(bin), "%s", tu_bin(binaries[_i]));
	ck_assert_int_eq(tu_run(argv, &out), 78);
	ck_assert_ptr_nonnull(strstr(out, "/nonexistent/fupin.conf"));
	free(out);
}
END_TEST

Suite *
gateway_suite(void)
{
	Suite *s = suite_create("gateway");
	TCase *tc;

	suite_add_tcase(s, gateway_live_tcase());
	tc = tcase_create("systemd");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup_conf, teardown_conf);
	tcase_add_test(tc, tells_systemd_ready_watchdog_and_stopping);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_checked_fixture(tc, setup_dir, teardown_dir);
	tcase_add_loop_test(tc,
	    a_bad_config_exits_78_with_file_line_and_touches_nothing, 0, 3);
	tcase_add_loop_test(tc, unknown_keys_are_named_with_their_line, 0, 3);
	tcase_add_loop_test(tc, check_config_accepts_the_shipped_config, 0, 3);
	tcase_add_loop_test(tc, a_missing_config_file_exits_78, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}
