/*
 * test_bridge.c: fupin-bridge as a process against a real mosquitto on a
 * free loopback port (persistence in the test's directory, so a
 * persistent subscriber survives a broker restart).  Events appended
 * through the store API are published with the SPEC fields and marked
 * relayed; a broker outage buffers 1,000 events in SQLite and delivers
 * each once, in order per type; registry messages are applied, deduped
 * by event_id and deleted; invalid ones go to <root>/errors and change
 * nothing; SIGTERM exits 0; the retained status is "online" while
 * running and the Last Will "offline" after SIGKILL.  The outbox's
 * claim / mark / prune functions are also tested directly.
 *
 * Crashes: a bridge SIGKILLed in the middle of relaying 5,000 events
 * loses none after a restart (duplicates only of rows not yet marked
 * relayed, at most the in-flight window; counted and printed), and one
 * SIGKILLed in the middle of a stream of registry messages loses none
 * (they are acknowledged only after their commit).  TLS: a mosquitto
 * with a password file, its own CA and client certificates (made with
 * openssl here) takes the right credentials; a wrong password, a wrong
 * CA and a missing CA file each fail with a clear log line.  SIGUSR1
 * logs the metrics line.
 *
 * Needs /usr/sbin/mosquitto, mosquitto_sub/mosquitto_pub/mosquitto_passwd
 * and openssl.
 */
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bridge_util.h"
#include "event_outbox.h"
#include "gwtest.h"
#include "migrate.h"
#include "sim_util.h"
#include "store.h"
#include "testutil.h"

#define MOSQUITTO	"/usr/sbin/mosquitto"
#define MOSQ_SUB	"/usr/bin/mosquitto_sub"
#define MOSQ_PUB	"/usr/bin/mosquitto_pub"
#define NODE		"tn1"
#define N_OUTAGE	1000
#define N_CRASH		5000
#define N_INTAKE	3000
/* EVENT_RELAY_WINDOW in broker-bridge/event_relay.h */
#define RELAY_WINDOW	1000
/* Events the tests append stand at a fixed time, not the machine's. */
#define T_EVENTS	1767225600	/* 2026-01-01T00:00:00Z */
#define TLS_USER	"fupin-gw"
#define TLS_PASSWORD	"s3cret-Pw.7"

static struct {
	char	*dir;
	int	 port;
	char	 port_s[16];
	pid_t	 mosq, bridge, sub;
	char	 db[512], conf[512], mconf[512];
	char	 sub_out[512], bridge_log[512], mosq_log[512];
} T;

static bool
port_open(void)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)T.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static void
mosq_start(void)
{
	char *argv[] = { MOSQUITTO, "-c", T.mconf, NULL };
	int i;

	T.mosq = su_spawn(argv, T.mosq_log, NULL);
	for (i = 0; i < 500 && !port_open(); i++)
		tu_sleep_ms(10);
	ck_assert_msg(port_open(), "mosquitto did not start");
}

static void
bridge_spawn(void)
{
	char bin[512];
	char *argv[] = { bin, "-c", T.conf, NULL };

	snprintf(bin, sizeof(bin), "%s", tu_bin("fupin-bridge"));
	T.bridge = su_spawn(argv, T.bridge_log, NULL);
}

static void
bridge_start(void)
{
	/* Ready once the broker has answered the subscriptions (a registry
	 * update published before that, on a first connect, is not kept). */
	int before = tu_count_in(T.bridge_log, "mqtt.subscribe");

	bridge_spawn();
	ck_assert_msg(tu_wait_count_in(T.bridge_log, "mqtt.subscribe",
	    before + 1, 10000), "bridge did not connect and subscribe");
}

/* A persistent QoS 1 subscriber to fupin/v1/#, appending to sub_out;
 * returns once it has seen the retained online status. */
static void
sub_start(void)
{
	char *argv[] = { MOSQ_SUB, "-h", "127.0.0.1", "-p", T.port_s, "-v",
	    "-q", "1", "-c", "-i", "fupin-test-sub", "-t", "fupin/v1/#", NULL };
	int before = tu_count_in(T.sub_out, "status/" NODE " online");

	T.sub = su_spawn(argv, T.sub_out, NULL);
	ck_assert_msg(tu_wait_count_in(T.sub_out, "status/" NODE " online",
	    before + 1, 10000), "subscriber saw no status");
}

/* The first column of sql's first row on the fixture's database, read
 * as the bridge writes it (-1: no row). */
static long long
q_int(const char *sql)
{
	return tu_query_int_at(T.db, sql, 0);
}

/* Poll q_int(sql) until it is want or timeout_ms pass. */
static bool
wait_int(const char *sql, long long want, int timeout_ms)
{
	return tu_wait_int_at(T.db, sql, 0, want, timeout_ms);
}

/* Append n events, alternating between two types, in one transaction. */
static void
append_events(int n)
{
	struct store *st;
	char data[64];
	int i;

	ck_assert_int_eq(store_open(T.db, STORE_DURABILITY_NORMAL, &st),
	    FP_OK);
	ck_assert_int_eq(store_begin(st), FP_OK);
	for (i = 0; i < n; i++) {
		snprintf(data, sizeof(data), "{\"seq\":%d,\"msisdn\":"
		    "\"+86138****0001\"}", i);
		ck_assert_int_eq(event_outbox_append(st, i % 2 == 0 ?
		    "sms.inbound" : "sms.status", data, T_EVENTS, NULL), FP_OK);
	}
	ck_assert_int_eq(store_commit(st), FP_OK);
	store_close(st);
}

static int
publish(char *topic, char *msg, char *file)
{
	char *argv[] = { MOSQ_PUB, "-h", "127.0.0.1", "-p", T.port_s, "-q",
	    "1", "-t", topic, file != NULL ? "-f" : "-m",
	    file != NULL ? file : msg, NULL };

	return tu_run(argv, NULL);
}

/* The retained status of NODE, "" when none arrives in 2 s. */
static char *
retained_status(void)
{
	char *argv[] = { MOSQ_SUB, "-h", "127.0.0.1", "-p", T.port_s, "-C",
	    "1", "-W", "2", "-t", "fupin/v1/status/" NODE, NULL };
	char *out = NULL;

	tu_run(argv, &out);
	ck_assert_ptr_nonnull(out);
	return out;
}

static void
setup(void)
{
	char text[2048];
	int n;

	memset(&T, 0, sizeof(T));
	T.dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(T.dir);
	T.port = tu_free_port();
	snprintf(T.port_s, sizeof(T.port_s), "%d", T.port);
	snprintf(T.db, sizeof(T.db), "%s/fupin.db", T.dir);
	snprintf(T.sub_out, sizeof(T.sub_out), "%s/sub.out", T.dir);
	snprintf(T.bridge_log, sizeof(T.bridge_log), "%s/bridge.log", T.dir);
	snprintf(T.mosq_log, sizeof(T.mosq_log), "%s/mosquitto.log", T.dir);
	n = snprintf(text, sizeof(text), "listener %d 127.0.0.1\n"
	    "allow_anonymous true\npersistence true\n"
	    "persistence_location %s/\nmax_queued_messages 20000\n", T.port,
	    T.dir);
	free(tu_write_file(T.dir, "mosquitto.conf", text, (size_t)n));
	snprintf(T.mconf, sizeof(T.mconf), "%s/mosquitto.conf", T.dir);
	n = snprintf(text, sizeof(text), "node_id = \"" NODE "\";\n"
	    "database = { path = \"%s\"; id_key_file = \"%s.key\"; };\n"
	    "mqtt = { uri = \"tcp://127.0.0.1:%d\"; "
	    "client_id = \"br-%d\"; };\n",
	    T.db, T.db, T.port, T.port);
	free(tu_write_file(T.dir, "fupin.conf", text, (size_t)n));
	snprintf(T.conf, sizeof(T.conf), "%s/fupin.conf", T.dir);
	store_close(tu_open_store(T.db));
}

static void
teardown(void)
{
	su_stop(&T.sub, SIGTERM, 5000);
	su_stop(&T.bridge, SIGKILL, 5000);
	su_stop(&T.mosq, SIGTERM, 5000);
	tu_rmtree(T.dir);
	free(T.dir);
	T.dir = NULL;
}

START_TEST(event_is_published_with_spec_fields_and_marked)
{
	char *text, *line;

	mosq_start();
	bridge_start();
	sub_start();
	append_events(1);
	ck_assert(tu_wait_count_in(T.sub_out, "fupin/v1/events/sms.inbound {",
	    1, 10000));
	ck_assert(wait_int("SELECT count(*) FROM event_outbox WHERE "
	    "relayed_at IS NULL", 0, 5000));
	text = tu_read_file(T.sub_out, NULL);
	line = strstr(text, "fupin/v1/events/sms.inbound {");
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line, "{\"event_id\":\""));
	ck_assert_ptr_nonnull(strstr(line, "\"type\":\"sms.inbound\","
	    "\"occurred_at\":\""));
	ck_assert_ptr_nonnull(strstr(line, "\"node\":\"" NODE "\","
	    "\"data\":{\"seq\":0,\"msisdn\":\"+86138****0001\"}}"));
	free(text);
	ck_assert_int_eq(q_int("SELECT count(*) FROM event_outbox WHERE "
	    "relayed_at IS NOT NULL"), 1);
}
END_TEST

struct seen {
	char	 id[40];
	long long row;
};

static int
seen_cmp(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->id,
	    ((const struct seen *)b)->id);
}

/* Fill ids[] (sorted by event_id) with every event's id and row id. */
static void
load_ids(struct seen *ids, int n)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	int i = 0;

	ck_assert_int_eq(sqlite3_open(T.db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT event_id, id FROM "
	    "event_outbox", -1, &stmt, NULL), SQLITE_OK);
	while (i < n && sqlite3_step(stmt) == SQLITE_ROW) {
		snprintf(ids[i].id, sizeof(ids[i].id), "%s",
		    (const char *)sqlite3_column_text(stmt, 0));
		ids[i].row = sqlite3_column_int64(stmt, 1);
		i++;
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	ck_assert_int_eq(i, n);
	qsort(ids, (size_t)n, sizeof(*ids), seen_cmp);
}

START_TEST(outage_buffers_in_sqlite_and_delivers_each_once_in_order)
{
	static struct seen ids[N_OUTAGE];
	static int hits[N_OUTAGE];
	long long last[2] = { 0, 0 };
	char *text, *p, *save = NULL;
	int n_lines = 0;

	mosq_start();
	bridge_start();
	sub_start();
	/* The subscriber's session stays in the broker, which saves it. */
	su_stop(&T.sub, SIGTERM, 5000);
	su_stop(&T.mosq, SIGTERM, 5000);
	append_events(N_OUTAGE);
	tu_sleep_ms(500);
	ck_assert_int_eq(q_int("SELECT count(*) FROM event_outbox WHERE "
	    "relayed_at IS NULL"), N_OUTAGE);
	ck_assert_int_eq(kill(T.bridge, 0), 0);
	mosq_start();
	sub_start();
	ck_assert_msg(tu_wait_count_in(T.sub_out, "fupin/v1/events/", N_OUTAGE,
	    20000), "only %d events arrived",
	    tu_count_in(T.sub_out, "fupin/v1/events/"));
	ck_assert(wait_int("SELECT count(*) FROM event_outbox WHERE "
	    "relayed_at IS NULL", 0, 5000));
	tu_sleep_ms(300);	/* any duplicate would arrive now */

	load_ids(ids, N_OUTAGE);
	memset(hits, 0, sizeof(hits));
	text = tu_read_file(T.sub_out, NULL);
	ck_assert_ptr_nonnull(text);
	for (p = strtok_r(text, "\n", &save); p != NULL;
	    p = strtok_r(NULL, "\n", &save)) {
		struct seen key = { "", 0 }, *found;
		char *id;
		int type;

		if (strncmp(p, "fupin/v1/events/", 16) != 0)
			continue;
		type = strncmp(p + 16, "sms.inbound ", 12) == 0 ? 0 : 1;
		id = strstr(p, "\"event_id\":\"");
		ck_assert_ptr_nonnull(id);
		snprintf(key.id, sizeof(key.id), "%.36s", id + 12);
		found = bsearch(&key, ids, N_OUTAGE, sizeof(*ids), seen_cmp);
		ck_assert_ptr_nonnull(found);
		hits[found - ids]++;
		ck_assert_msg(found->row > last[type], "out of order");
		last[type] = found->row;
		n_lines++;
	}
	free(text);
	ck_assert_int_eq(n_lines, N_OUTAGE);
	for (n_lines = 0; n_lines < N_OUTAGE; n_lines++)
		ck_assert_int_eq(hits[n_lines], 1);
}
END_TEST

#define HH_TOPIC "fupin/v1/registry/households"

START_TEST(registry_upsert_dedupe_and_delete)
{
	mosq_start();
	bridge_start();
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"ev-1\","
	    "\"household_id\":\"HH1\",\"area_code\":513431100201,"
	    "\"head_name\":\"吉克阿木\",\"members\":3,\"status\":\"poor\"}",
	    NULL), 0);
	ck_assert(wait_int("SELECT count(*) FROM households WHERE "
	    "household_id = 'HH1' AND members = 3", 1, 5000));
	/* The same event_id again is ignored, whatever it says. */
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"ev-1\","
	    "\"household_id\":\"HH1\",\"area_code\":\"513431100201\","
	    "\"head_name\":\"X\",\"members\":\"7\",\"status\":\"poor\"}", NULL),
	    0);
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"ev-2\","
	    "\"op\":\"upsert\",\"records\":[{\"household_id\":\"HH2\","
	    "\"area_code\":\"513431100201\",\"head_name\":\"B\","
	    "\"members\":\"2\",\"status\":\"monitored\"}]}", NULL), 0);
	ck_assert(wait_int("SELECT count(*) FROM households", 2, 5000));
	ck_assert_int_eq(q_int("SELECT members FROM households WHERE "
	    "household_id = 'HH1'"), 3);
	ck_assert_int_eq(q_int("SELECT count(*) FROM processed_messages WHERE "
	    "kind = 'registry'"), 2);
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"ev-3\","
	    "\"op\":\"delete\",\"records\":[{\"household_id\":\"HH1\"}]}",
	    NULL), 0);
	ck_assert(wait_int("SELECT count(*) FROM households WHERE "
	    "household_id = 'HH1'", 0, 5000));
	ck_assert_int_eq(q_int("SELECT count(*) FROM households"), 1);
}
END_TEST

START_TEST(invalid_messages_go_to_errors_and_change_nothing)
{
	char *big, *path, *text;
	size_t i, n = 300 * 1024;

	mosq_start();
	bridge_start();
	sub_start();
	big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "{\"event_id\":\"big\",\"note\":\"", 26);
	for (i = 26; i < n - 2; i++)
		big[i] = 'x';
	memcpy(big + n - 2, "\"}", 2);
	path = tu_write_file(T.dir, "big.json", big, n);
	free(big);
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"e1\",", NULL), 0);
	ck_assert_int_eq(publish(HH_TOPIC, "{\"household_id\":\"HH9\","
	    "\"area_code\":\"513431\",\"head_name\":\"A\",\"members\":1,"
	    "\"status\":\"poor\"}", NULL), 0);
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"e3\",\"op\":"
	    "\"upsert\",\"records\":[{\"household_id\":\"HH8\",\"area_code\":"
	    "\"513431\",\"head_name\":\"A\",\"members\":1,\"status\":"
	    "\"poor\"},{\"household_id\":\"HH9\",\"area_code\":\"513431\","
	    "\"head_name\":\"A\",\"members\":1,\"status\":\"rich\"}]}", NULL),
	    0);
	ck_assert_int_eq(publish(HH_TOPIC, NULL, path), 0);
	free(path);
	ck_assert_msg(tu_wait_count_in(T.sub_out, "fupin/v1/errors {", 4,
	    10000), "errors seen: %d", tu_count_in(T.sub_out,
	    "fupin/v1/errors {"));
	text = tu_read_file(T.sub_out, NULL);
	ck_assert_ptr_nonnull(strstr(text, "\"error\":\"invalid JSON"));
	ck_assert_ptr_nonnull(strstr(text, "\"error\":\"event_id: is "
	    "required\""));
	ck_assert_ptr_nonnull(strstr(text, "\"event_id\":\"e3\",\"error\":"
	    "\"record 2: status:"));
	ck_assert_ptr_nonnull(strstr(text, "\"error\":\"payload too large"));
	ck_assert_ptr_nonnull(strstr(text, "{\"topic\":\"" HH_TOPIC "\""));
	free(text);
	ck_assert_int_eq(q_int("SELECT count(*) FROM households"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM processed_messages"), 0);
}
END_TEST

START_TEST(sigterm_exits_0_and_status_follows_the_will)
{
	char *s;
	int status;

	mosq_start();
	bridge_start();
	s = retained_status();
	ck_assert_str_eq(s, "online\n");
	free(s);
	status = su_stop(&T.bridge, SIGTERM, 5000);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(tu_count_in(T.bridge_log, "bridge.stopped"), 1);

	bridge_start();
	s = retained_status();
	ck_assert_str_eq(s, "online\n");
	free(s);
	su_stop(&T.bridge, SIGKILL, 5000);
	s = retained_status();
	ck_assert_str_eq(s, "offline\n");
	free(s);
}
END_TEST

START_TEST(refuses_an_unmigrated_database)
{
	char bin[512];
	char *argv[] = { bin, "-c", T.conf, NULL };
	char *out = NULL;

	unlink(T.db);
	snprintf(bin, sizeof(bin), "%s", tu_bin("fupin-bridge"));
	ck_assert_int_eq(tu_run(argv, &out), 69);
	ck_assert_ptr_nonnull(strstr(out, "fupinctl migrate"));
	free(out);
}
END_TEST

START_TEST(outbox_claim_mark_and_prune)
{
	struct event_outbox_row rows[8];
	struct store *st;
	int64_t ids[2], n64 = 0, age = -1;
	size_t n = 0;
	int i;

	ck_assert_int_eq(store_open(":memory:", STORE_DURABILITY_NORMAL, &st),
	    FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL), FP_OK);
	ck_assert_int_eq(event_outbox_claim(st, 0, 8, rows, &n), FP_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(event_outbox_oldest_age(st, T_EVENTS, &age), FP_OK);
	ck_assert_int_eq(age, 0);
	ck_assert_int_eq(store_begin(st), FP_OK);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(event_outbox_append(st, "sms.inbound",
		    "{\"n\":1}", T_EVENTS + i, NULL), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);

	/* In id order, at most `max`, after the cursor. */
	ck_assert_int_eq(event_outbox_claim(st, 0, 3, rows, &n), FP_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_lt(rows[0].id, rows[1].id);
	ck_assert_int_lt(rows[1].id, rows[2].id);
	ck_assert_str_eq(rows[0].type, "sms.inbound");
	ck_assert_str_eq(rows[0].data, "{\"n\":1}");
	ck_assert_uint_eq(strlen(rows[0].event_id), 36);
	ids[0] = rows[0].id;
	ids[1] = rows[2].id;
	event_outbox_rows_cleanup(rows, n);
	ck_assert_int_eq(event_outbox_claim(st, ids[1], 8, rows, &n), FP_OK);
	ck_assert_uint_eq(n, 2);
	event_outbox_rows_cleanup(rows, n);

	/* Marked rows are not claimed again and are the only ones pruned. */
	ck_assert_int_eq(event_outbox_mark_relayed(st, ids, 2, 1000), FP_OK);
	ck_assert_int_eq(event_outbox_claim(st, 0, 8, rows, &n), FP_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_gt(rows[0].id, ids[0]);
	event_outbox_rows_cleanup(rows, n);
	ck_assert_int_eq(event_outbox_pending(st, &n64), FP_OK);
	ck_assert_int_eq(n64, 3);
	/* Left: the 2nd, 4th and 5th; the 2nd was appended at T_EVENTS + 1. */
	ck_assert_int_eq(event_outbox_oldest_age(st, T_EVENTS + 60, &age),
	    FP_OK);
	ck_assert_int_eq(age, 59);
	ck_assert_int_eq(event_outbox_prune(st, 1000, &n64), FP_OK);
	ck_assert_int_eq(n64, 0);
	ck_assert_int_eq(event_outbox_prune(st, 1001, &n64), FP_OK);
	ck_assert_int_eq(n64, 2);
	ck_assert_int_eq(event_outbox_pending(st, &n64), FP_OK);
	ck_assert_int_eq(n64, 3);
	store_close(st);
}
END_TEST

/* ---- crashes ---- */

START_TEST(crash_mid_relay_loses_no_event)
{
	struct bu_event *evs;
	long long marked = 0;
	char *text;
	size_t n = 0, i;
	long lines;
	int waited, dups = 0, missing = 0, dup_of_marked = 0;

	mosq_start();
	bridge_start();
	sub_start();
	append_events(N_CRASH);
	/* SIGKILL as soon as the first PUBACKs are marked in the outbox. */
	for (waited = 0; waited < 20000 && marked == 0; waited += 2) {
		marked = q_int("SELECT count(*) FROM event_outbox WHERE "
		    "relayed_at IS NOT NULL");
		if (marked == 0)
			tu_sleep_ms(2);
	}
	su_stop(&T.bridge, SIGKILL, 5000);
	/* What the outbox says now is what the restarted bridge finds. */
	evs = bu_load_events(T.db, &n);
	ck_assert_ptr_nonnull(evs);
	ck_assert_uint_eq(n, N_CRASH);
	for (marked = 0, i = 0; i < n; i++)
		marked += evs[i].was_relayed;
	ck_assert_msg(marked > 0 && marked < N_CRASH, "not mid-relay: %lld "
	    "of %d marked relayed at SIGKILL", marked, N_CRASH);

	bridge_start();
	ck_assert(wait_int("SELECT count(*) FROM event_outbox WHERE "
	    "relayed_at IS NULL", 0, 30000));
	ck_assert_msg(tu_wait_count_in(T.sub_out, "fupin/v1/events/", N_CRASH,
	    20000), "only %d event lines", tu_count_in(T.sub_out,
	    "fupin/v1/events/"));
	tu_sleep_ms(300);	/* any late duplicate would arrive now */
	text = tu_read_file(T.sub_out, NULL);
	ck_assert_ptr_nonnull(text);
	lines = bu_count_hits(evs, n, text);
	free(text);
	ck_assert_int_ge(lines, N_CRASH);
	for (i = 0; i < n; i++) {
		if (evs[i].hits == 0)
			missing++;
		if (evs[i].hits > 1) {
			dups += evs[i].hits - 1;
			/* A row marked relayed was acknowledged: never again. */
			if (evs[i].was_relayed)
				dup_of_marked++;
		}
	}
	printf("bridge crash: %d events, %lld marked relayed at SIGKILL, "
	    "%ld delivered, %d duplicates (window %d), %d missing\n",
	    N_CRASH, marked, lines, dups, RELAY_WINDOW, missing);
	free(evs);
	ck_assert_int_eq(missing, 0);
	ck_assert_int_eq(dup_of_marked, 0);
	ck_assert_int_le(dups, RELAY_WINDOW);
	ck_assert_int_eq(lines, N_CRASH + dups);
}
END_TEST

START_TEST(crash_during_registry_intake_loses_no_message)
{
	char *line_buf, *path, script[1024];
	long long at_kill = 0;
	size_t len = 0, cap = (size_t)N_INTAKE * 160;
	pid_t pub;
	int i, waited, status;

	mosq_start();
	bridge_start();
	line_buf = malloc(cap);
	ck_assert_ptr_nonnull(line_buf);
	for (i = 0; i < N_INTAKE; i++)
		len += (size_t)snprintf(line_buf + len, cap - len,
		    "{\"event_id\":\"crash-%d\",\"household_id\":\"HC%05d\","
		    "\"area_code\":\"513431100201\",\"head_name\":\"A\","
		    "\"members\":%d,\"status\":\"poor\"}\n", i, i, 1 + i % 7);
	path = tu_write_file(T.dir, "intake.txt", line_buf, len);
	free(line_buf);
	/* One message per line, as fast as mosquitto_pub can (QoS 1). */
	snprintf(script, sizeof(script), "exec " MOSQ_PUB " -h 127.0.0.1 "
	    "-p %s -q 1 -t " HH_TOPIC " -l < '%s'", T.port_s, path);
	free(path);
	{
		char *argv[] = { "/bin/sh", "-c", script, NULL };

		pub = su_spawn(argv, T.mosq_log, NULL);
	}
	for (waited = 0; waited < 20000 && at_kill == 0; waited += 2) {
		at_kill = q_int("SELECT count(*) FROM households");
		if (at_kill == 0)
			tu_sleep_ms(2);
	}
	su_stop(&T.bridge, SIGKILL, 5000);
	at_kill = q_int("SELECT count(*) FROM households");
	ck_assert_msg(at_kill > 0 && at_kill < N_INTAKE, "not mid-intake: "
	    "%lld of %d applied at SIGKILL", at_kill, N_INTAKE);
	/* The broker keeps the rest for the bridge's persistent session. */
	for (waited = 0; waited < 30000; waited += 20) {
		if (waitpid(pub, &status, WNOHANG) == pub)
			break;
		tu_sleep_ms(20);
	}
	ck_assert_msg(waited < 30000, "mosquitto_pub did not finish");
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	bridge_start();
	ck_assert_msg(wait_int("SELECT count(*) FROM households", N_INTAKE,
	    30000), "%lld of %d households after the restart",
	    q_int("SELECT count(*) FROM households"), N_INTAKE);
	ck_assert_int_eq(q_int("SELECT count(*) FROM processed_messages "
	    "WHERE kind = 'registry'"), N_INTAKE);
	ck_assert_int_eq(q_int("SELECT members FROM households WHERE "
	    "household_id = 'HC02999'"), 1 + 2999 % 7);
	printf("registry crash: %lld of %d messages applied at SIGKILL, "
	    "%d after the restart\n", at_kill, N_INTAKE, N_INTAKE);
}
END_TEST

/* ---- TLS and credentials ---- */

/* A TLS-only mosquitto that wants a password and a client certificate. */
static void
tls_broker_setup(void)
{
	char text[2048], *why = NULL;
	int n;

	ck_assert_msg(bu_make_tls(T.dir, TLS_USER, TLS_PASSWORD, &why),
	    "making certificates: %s", why != NULL ? why : "?");
	n = snprintf(text, sizeof(text), "listener %d 127.0.0.1\n"
	    "allow_anonymous false\npassword_file %s/passwd\n"
	    "cafile %s/ca.crt\ncertfile %s/server.crt\n"
	    "keyfile %s/server.key\nrequire_certificate true\n"
	    /* As root, mosquitto would switch to its own user, who may
	     * not read the test's 0700 directory. */
	    "user root\n", T.port, T.dir, T.dir, T.dir, T.dir);
	free(tu_write_file(T.dir, "mosquitto.conf", text, (size_t)n));
}

static void
tls_bridge_conf(const char *password, const char *ca)
{
	char text[2048];
	int n;

	n = snprintf(text, sizeof(text), "node_id = \"" NODE "\";\n"
	    "database = { path = \"%s\"; id_key_file = \"%s.key\"; };\n"
	    "mqtt = { uri = \"ssl://127.0.0.1:%d\"; client_id = \"br-%d\";\n"
	    "  username = \"" TLS_USER "\"; password = \"%s\";\n"
	    "  ca_file = \"%s/%s\"; cert_file = \"%s/client.crt\";\n"
	    "  key_file = \"%s/client.key\"; };\n", T.db, T.db, T.port, T.port,
	    password, T.dir, ca, T.dir, T.dir);
	free(tu_write_file(T.dir, "fupin.conf", text, (size_t)n));
}

START_TEST(tls_and_password_connect_and_refusals_are_logged)
{
	char bin[512];
	char *argv[] = { bin, "-c", T.conf, NULL };
	char *out = NULL;
	int status;

	tls_broker_setup();
	mosq_start();

	/* The right password, CA and client certificate: connected over
	 * TLS with MQTT 5, and an event goes out and is acknowledged. */
	tls_bridge_conf(TLS_PASSWORD, "ca.crt");
	bridge_start();
	ck_assert_int_eq(tu_count_in(T.bridge_log, "mqtt.connected "
	    "uri=ssl://127.0.0.1"), 1);
	ck_assert_int_eq(tu_count_in(T.bridge_log, "version=5"), 1);
	append_events(1);
	ck_assert(wait_int("SELECT count(*) FROM event_outbox WHERE "
	    "relayed_at IS NOT NULL", 1, 10000));
	status = su_stop(&T.bridge, SIGTERM, 5000);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* A wrong password: one clear error line naming the user and the
	 * broker's reason; no fallback to 3.1.1; the bridge keeps trying. */
	tls_bridge_conf("wrong-Pw.7", "ca.crt");
	bridge_spawn();
	ck_assert_msg(tu_wait_count_in(T.bridge_log, "mqtt.auth_failed "
	    "uri=ssl://127.0.0.1", 1, 10000), "no auth_failed line");
	/* mosquitto says "not authorized" (0x87) for a wrong password;
	 * another broker may say "bad user name or password" (0x86). */
	ck_assert_int_eq(tu_count_in(T.bridge_log, "error mqtt.auth_failed "
	    "uri=ssl://") + tu_count_in(T.bridge_log, "<3>mqtt.auth_failed "
	    "uri=ssl://"), 1);	/* level error, to stderr or journald */
	ck_assert_int_eq(tu_count_in(T.bridge_log, "username=" TLS_USER
	    " reason=\"Not authorized\"") + tu_count_in(T.bridge_log,
	    "username=" TLS_USER " reason=\"Bad User Name or Password\""), 1);
	ck_assert_int_eq(kill(T.bridge, 0), 0);
	status = su_stop(&T.bridge, SIGTERM, 5000);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(tu_count_in(T.bridge_log, "mqtt.connected"), 1);
	ck_assert_int_eq(tu_count_in(T.bridge_log, "mqtt.fallback"), 0);
	ck_assert_int_eq(tu_count_in(T.bridge_log, "Pw.7"), 0);

	/* A broker certificate the CA file does not vouch for. */
	tls_bridge_conf(TLS_PASSWORD, "other-ca.crt");
	bridge_spawn();
	ck_assert_msg(tu_wait_count_in(T.bridge_log, "mqtt.connect_failed "
	    "uri=ssl://127.0.0.1", 1, 10000), "no connect_failed line");
	ck_assert_int_ge(tu_count_in(T.bridge_log, "certificate verify failed"),
	    1);
	su_stop(&T.bridge, SIGTERM, 5000);
	ck_assert_int_eq(tu_count_in(T.bridge_log, "mqtt.connected"), 1);

	/* A CA file that is not there: a config error before READY. */
	tls_bridge_conf(TLS_PASSWORD, "no-such-ca.crt");
	snprintf(bin, sizeof(bin), "%s", tu_bin("fupin-bridge"));
	ck_assert_int_eq(tu_run(argv, &out), 78);
	ck_assert_ptr_nonnull(strstr(out, "mqtt.tls_file key=mqtt.ca_file "
	    "path="));
	ck_assert_ptr_nonnull(strstr(out, "No such file or directory"));
	free(out);
}
END_TEST

/* ---- metrics ---- */

/* The value of `key` in the last bridge.stats line of the log; -1. */
static double
last_stat(const char *key)
{
	char *text = tu_read_file(T.bridge_log, NULL), *line, *p;
	char want[64];
	double v = -1;

	ck_assert_ptr_nonnull(text);
	line = NULL;
	for (p = strstr(text, "bridge.stats "); p != NULL;
	    p = strstr(p + 1, "bridge.stats "))
		line = p;
	snprintf(want, sizeof(want), " %s=", key);
	if (line != NULL) {
		char *eol = strchr(line, '\n');

		if (eol != NULL)
			*eol = '\0';
		p = strstr(line, want);
		if (p != NULL)
			v = strtod(p + strlen(want), NULL);
	}
	free(text);
	return v;
}

START_TEST(metrics_line_shows_backlog_age_rates_and_reconnects)
{
	mosq_start();
	bridge_start();
	append_events(3);
	ck_assert(wait_int("SELECT count(*) FROM event_outbox WHERE "
	    "relayed_at IS NULL", 0, 10000));
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"m-1\","
	    "\"household_id\":\"HM1\",\"area_code\":\"513431\",\"head_name\":"
	    "\"A\",\"members\":1,\"status\":\"poor\"}", NULL), 0);
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"m-2\"}", NULL), 0);
	ck_assert(tu_wait_count_in(T.bridge_log, "registry.rejected", 1,
	    10000));
	ck_assert(wait_int("SELECT count(*) FROM households", 1, 10000));

	kill(T.bridge, SIGUSR1);
	ck_assert(tu_wait_count_in(T.bridge_log, "bridge.stats ", 1, 10000));
	ck_assert(last_stat("backlog") == 0);
	ck_assert(last_stat("oldest_unrelayed_s") == 0);
	ck_assert(last_stat("in_flight") == 0);
	ck_assert(last_stat("published") == 3);
	ck_assert(last_stat("relayed") == 3);
	ck_assert(last_stat("publish_rate_per_s") > 0);
	ck_assert(last_stat("relay_rate_per_s") > 0);
	ck_assert(last_stat("reconnects") == 0);
	ck_assert(last_stat("registry_applied") == 1);
	ck_assert(last_stat("registry_records") == 1);
	ck_assert(last_stat("registry_rejected") == 1);
	ck_assert_int_eq(tu_count_in(T.bridge_log, "connected=yes"), 1);

	/* Broker gone: the backlog grows and ages; one reconnect counted. */
	su_stop(&T.mosq, SIGTERM, 5000);
	ck_assert(tu_wait_count_in(T.bridge_log, "mqtt.lost", 1, 10000));
	append_events(2);
	tu_sleep_ms(2200);
	kill(T.bridge, SIGUSR1);
	ck_assert(tu_wait_count_in(T.bridge_log, "bridge.stats ", 2, 10000));
	ck_assert(last_stat("backlog") == 2);
	ck_assert(last_stat("oldest_unrelayed_s") >= 2);
	ck_assert(last_stat("publish_rate_per_s") == 0);
	ck_assert(last_stat("reconnects") == 1);
	ck_assert_int_eq(tu_count_in(T.bridge_log, "connected=no"), 1);
}
END_TEST

/* The gateway's /metrics shows the relay backlog from the database. */
START_TEST(gateway_metrics_show_the_outbox_backlog_and_its_age)
{
	static struct tg t;
	static struct tg_reply r;
	struct store *st;

	tg_init(&t, NULL);
	tg_start(&t);
	ck_assert_int_eq(store_open(t.db, STORE_DURABILITY_NORMAL, &st),
	    FP_OK);
	ck_assert_int_eq(store_begin(st), FP_OK);
	/* Against a running bridge: its clock is the machine's. */
	ck_assert_int_eq(event_outbox_append(st, "sms.inbound", "{\"n\":1}",
	    (int64_t)time(NULL), NULL), FP_OK);
	ck_assert_int_eq(store_exec(st, "UPDATE event_outbox SET occurred_at "
	    "= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-90 seconds')"), FP_OK);
	ck_assert_int_eq(store_commit(st), FP_OK);
	store_close(st);
	ck_assert_int_eq(tg_request(&t, "GET", "/metrics", NULL, NULL, 0,
	    NULL, false, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\nfupin_event_outbox_pending "
	    "1\n"));
	/* 90 s old, give or take the second boundaries. */
	ck_assert_msg(strstr(r.body, "\nfupin_event_outbox_oldest_pending_"
	    "seconds 9") != NULL, "%s", r.body);
	tg_cleanup(&t);
}
END_TEST

#define CMD_BC "fupin/v1/cmd/broadcast"
#define CMD_AL "fupin/v1/cmd/alert"

static void
add_cadre(const char *db)
{
	sqlite3 *h = tu_open_sqlite(db);

	ck_assert_int_eq(sqlite3_exec(h, "INSERT INTO cadres(cadre_id, name, "
	    "phone, area_code, updated_at) VALUES ('C1', '李明辉', "
	    "'+8619908349001', '513431100', 0)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/*
 * SPEC 5: registry event_ids and command command_ids are deduplicated
 * apart: a registry event "cmd:x" had suppressed command x (commands
 * were kept as "cmd:<id>" beside the event ids), and a command can
 * never suppress a registry event either.
 */
START_TEST(registry_events_and_commands_are_deduplicated_apart)
{
	mosq_start();
	bridge_start();
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"cmd:x1\","
	    "\"household_id\":\"HH1\",\"area_code\":\"513431100201\","
	    "\"head_name\":\"吉克阿木\",\"members\":3,\"status\":\"poor\"}",
	    NULL), 0);
	ck_assert(wait_int("SELECT count(*) FROM households", 1, 5000));
	ck_assert_int_eq(publish(CMD_BC, "{\"command_id\":\"x1\",\"text\":"
	    "\"明天开会\",\"audience\":{\"area\":\"5134\"}}", NULL), 0);
	ck_assert(wait_int("SELECT count(*) FROM broadcasts WHERE command_id = "
	    "'x1'", 1, 10000));
	/* The other way round: a command first, then an event of its id. */
	ck_assert_int_eq(publish(CMD_BC, "{\"command_id\":\"y2\",\"text\":"
	    "\"后天开会\",\"audience\":{\"area\":\"5134\"}}", NULL), 0);
	ck_assert(wait_int("SELECT count(*) FROM broadcasts WHERE command_id = "
	    "'y2'", 1, 10000));
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"y2\","
	    "\"household_id\":\"HH2\",\"area_code\":\"513431100201\","
	    "\"head_name\":\"阿苏\",\"members\":2,\"status\":\"poor\"}",
	    NULL), 0);
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"cmd:y2\","
	    "\"household_id\":\"HH3\",\"area_code\":\"513431100201\","
	    "\"head_name\":\"曲比\",\"members\":2,\"status\":\"poor\"}",
	    NULL), 0);
	ck_assert(wait_int("SELECT count(*) FROM households", 3, 5000));
	/* Each still deduplicated within its own kind. */
	ck_assert_int_eq(publish(CMD_BC, "{\"command_id\":\"x1\",\"text\":"
	    "\"again\"}", NULL), 0);
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"y2\","
	    "\"household_id\":\"HH4\",\"area_code\":\"513431100201\","
	    "\"head_name\":\"X\",\"members\":2,\"status\":\"poor\"}",
	    NULL), 0);
	/* A marker after both: once it is in, they were handled. */
	ck_assert_int_eq(publish(HH_TOPIC, "{\"event_id\":\"last\","
	    "\"household_id\":\"HH5\",\"area_code\":\"513431100201\","
	    "\"head_name\":\"Y\",\"members\":2,\"status\":\"poor\"}",
	    NULL), 0);
	ck_assert(wait_int("SELECT count(*) FROM households WHERE "
	    "household_id = 'HH5'", 1, 5000));
	ck_assert(wait_int("SELECT count(*) FROM broadcasts", 2, 5000));
	ck_assert_int_eq(q_int("SELECT count(*) FROM households WHERE "
	    "household_id = 'HH4'"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM processed_messages WHERE "
	    "kind = 'command'"), 2);
	ck_assert_int_eq(q_int("SELECT count(*) FROM processed_messages WHERE "
	    "kind = 'registry'"), 4);
}
END_TEST

START_TEST(commands_create_broadcasts_and_alerts_once)
{
	char *text;

	add_cadre(T.db);
	mosq_start();
	bridge_start();
	sub_start();
	ck_assert_int_eq(publish(CMD_BC, "{\"command_id\":\"c1\",\"text\":"
	    "\"明天开会\",\"audience\":{\"area\":\"5134\"}}", NULL), 0);
	ck_assert(wait_int("SELECT count(*) FROM broadcasts WHERE created_by = "
	    "'mqtt' AND command_id = 'c1' AND text = '明天开会'", 1, 10000));
	/* The same command again: applied once. */
	ck_assert_int_eq(publish(CMD_BC, "{\"command_id\":\"c1\",\"text\":"
	    "\"again\"}", NULL), 0);
	ck_assert_int_eq(publish(CMD_AL, "{\"command_id\":\"a1\",\"cadres\":"
	    "[\"C1\"],\"text\":\"核实住房\",\"urgent\":true}", NULL), 0);
	ck_assert(wait_int("SELECT count(*) FROM tasks WHERE cadre_id = 'C1'",
	    1, 10000));
	ck_assert(wait_int("SELECT count(*) FROM sms_out WHERE kind = 'alert'",
	    1, 5000));
	/* Refused commands go to errors and change nothing. */
	ck_assert_int_eq(publish(CMD_BC, "{\"text\":\"no id\"}", NULL), 0);
	ck_assert_int_eq(publish(CMD_BC, "{\"command_id\":\"c2\",\"text\":"
	    "\"x\",\"audience\":{\"area\":\"x\"}}", NULL), 0);
	ck_assert_int_eq(publish(CMD_BC, "{\"command_id\":\"c3\",\"template\":"
	    "\"training_notice\"}", NULL), 0);
	ck_assert_int_eq(publish(CMD_AL, "{\"command_id\":\"a2\",\"cadres\":"
	    "[\"C9\"],\"text\":\"x\"}", NULL), 0);
	ck_assert_msg(tu_wait_count_in(T.sub_out, "fupin/v1/errors {", 4,
	    10000), "errors seen: %d", tu_count_in(T.sub_out,
	    "fupin/v1/errors {"));
	text = tu_read_file(T.sub_out, NULL);
	ck_assert_ptr_nonnull(strstr(text, "command_id: a string"));
	ck_assert_ptr_nonnull(strstr(text, "\"event_id\":\"c3\",\"error\":"
	    "\"vars: a template variable has no value: training_title"));
	ck_assert_ptr_nonnull(strstr(text, "a cadre id is not in the registry"));
	free(text);
	ck_assert_int_eq(q_int("SELECT count(*) FROM broadcasts"), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM tasks"), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM processed_messages WHERE "
	    "kind = 'command'"), 2);
}
END_TEST

/* Second node: its own database and config, the same broker. */
static void
second_node(char *db, size_t dlen, char *conf, size_t clen, const char *group)
{
	char text[2048];
	int n;

	snprintf(db, dlen, "%s/node2.db", T.dir);
	store_close(tu_open_store(db));
	n = snprintf(text, sizeof(text), "node_id = \"tn2\";\n"
	    "database = { path = \"%s\"; id_key_file = \"%s.key\"; };\n"
	    "mqtt = { uri = \"tcp://127.0.0.1:%d\"; client_id = \"br2-%d\"; "
	    "shared_group = \"%s\"; };\n", db, db, T.port, T.port, group);
	free(tu_write_file(T.dir, "node2.conf", text, (size_t)n));
	snprintf(conf, clen, "%s/node2.conf", T.dir);
}

START_TEST(shared_subscription_splits_commands_between_two_nodes)
{
	char db2[512], conf2[512], log2[512], text[2048], bin[512];
	char *argv[] = { bin, "-c", conf2, NULL };
	char *lines, *path;
	pid_t node2;
	size_t off = 0;
	long long n1 = 0, n2 = 0, both;
	int i, waited;

	/* Node 1: the fixture's, with the group. */
	snprintf(text, sizeof(text), "node_id = \"" NODE "\";\n"
	    "database = { path = \"%s\"; id_key_file = \"%s.key\"; };\n"
	    "mqtt = { uri = \"tcp://127.0.0.1:%d\"; client_id = \"br-%d\"; "
	    "shared_group = \"gws\"; };\n", T.db, T.db, T.port, T.port);
	free(tu_write_file(T.dir, "fupin.conf", text, strlen(text)));
	second_node(db2, sizeof(db2), conf2, sizeof(conf2), "gws");
	snprintf(log2, sizeof(log2), "%s/bridge2.log", T.dir);
	mosq_start();
	bridge_start();
	snprintf(bin, sizeof(bin), "%s", tu_bin("fupin-bridge"));
	node2 = su_spawn(argv, log2, NULL);
	ck_assert_msg(tu_wait_count_in(log2, "mqtt.subscribed", 1, 10000),
	    "node 2 did not connect and subscribe");
	lines = malloc(200 * 96);
	ck_assert_ptr_nonnull(lines);
	for (i = 0; i < 200; i++)
		off += (size_t)snprintf(lines + off, 200 * 96 - off,
		    "{\"command_id\":\"s%03d\",\"text\":\"通知%d\"}\n", i, i);
	path = tu_write_file(T.dir, "cmds.txt", lines, off);
	free(lines);
	{
		char cmd[1024];
		char *sh[] = { "/bin/sh", "-c", cmd, NULL };

		/* One publisher, 200 messages, as fast as it goes. */
		snprintf(cmd, sizeof(cmd), "%s -h 127.0.0.1 -p %s -q 1 -t %s -l "
		    "< '%s'", MOSQ_PUB, T.port_s, CMD_BC, path);
		ck_assert_int_eq(tu_run(sh, NULL), 0);
	}
	free(path);
	for (waited = 0; waited < 20000; waited += 100) {
		n1 = tu_query_int_at(T.db, "SELECT count(*) FROM broadcasts",
		    0);
		n2 = tu_query_int_at(db2, "SELECT count(*) FROM broadcasts",
		    0);
		if (n1 + n2 >= 200)
			break;
		tu_sleep_ms(100);
	}
	su_stop(&node2, SIGTERM, 5000);
	printf("shared subscription: node 1 applied %lld, node 2 %lld of 200\n",
	    n1, n2);
	ck_assert_int_eq(n1 + n2, 200);
	ck_assert_int_gt(n1, 0);
	ck_assert_int_gt(n2, 0);
	/* Each command on exactly one node. */
	snprintf(text, sizeof(text), "SELECT count(*) FROM broadcasts WHERE "
	    "command_id IN (SELECT command_id FROM n2.broadcasts)");
	{
		sqlite3 *h;
		sqlite3_stmt *stmt;
		char attach[600];

		ck_assert_int_eq(sqlite3_open(T.db, &h), SQLITE_OK);
		snprintf(attach, sizeof(attach), "ATTACH '%s' AS n2", db2);
		ck_assert_int_eq(sqlite3_exec(h, attach, NULL, NULL, NULL),
		    SQLITE_OK);
		ck_assert_int_eq(sqlite3_prepare_v2(h, text, -1, &stmt, NULL),
		    SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
		both = sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
		sqlite3_close(h);
	}
	ck_assert_int_eq(both, 0);
}
END_TEST

Suite *
bridge_suite(void)
{
	Suite *s = suite_create("bridge");
	TCase *tc = tcase_create("outbox");

	tcase_add_test(tc, outbox_claim_mark_and_prune);
	suite_add_tcase(s, tc);

	tc = tcase_create("mqtt");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, event_is_published_with_spec_fields_and_marked);
	tcase_add_test(tc,
	    outage_buffers_in_sqlite_and_delivers_each_once_in_order);
	tcase_add_test(tc, registry_upsert_dedupe_and_delete);
	tcase_add_test(tc, invalid_messages_go_to_errors_and_change_nothing);
	tcase_add_test(tc, sigterm_exits_0_and_status_follows_the_will);
	tcase_add_test(tc, refuses_an_unmigrated_database);
	tcase_add_test(tc, metrics_line_shows_backlog_age_rates_and_reconnects);
	tcase_add_test(tc, tls_and_password_connect_and_refusals_are_logged);
	tcase_add_test(tc, commands_create_broadcasts_and_alerts_once);
	tcase_add_test(tc,
	    registry_events_and_commands_are_deduplicated_apart);
	tcase_add_test(tc,
	    shared_subscription_splits_commands_between_two_nodes);
	suite_add_tcase(s, tc);

	tc = tcase_create("metrics");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, gateway_metrics_show_the_outbox_backlog_and_its_age);
	suite_add_tcase(s, tc);

	tc = tcase_create("crash");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, crash_mid_relay_loses_no_event);
	tcase_add_test(tc, crash_during_registry_intake_loses_no_message);
	suite_add_tcase(s, tc);
	return s;
}
