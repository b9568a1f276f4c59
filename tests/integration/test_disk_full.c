/*
 * test_disk_full.c: nothing accepted is lost when the database's disk
 * is full (issue 14; tests/soak/repro_disk_full.py shows both bugs on a
 * real tmpfs).
 *
 * The sender, in this process, over the failing VFS (fullvfs.h): an
 * outcome the provider gave while the disk was full is held, written
 * once the disk has room, and its message never sent again, neither
 * meanwhile nor after a restart; with and without the gateway's writer.
 * Stopping with outcomes held keeps trying for a while and writes them
 * if the disk comes back in time.  A dlr-url call that was made is not
 * made again while its outcome waits for the disk.
 *
 * fupin-bridge, as a process beside a real mosquitto, its files capped
 * with RLIMIT_FSIZE (prlimit, raised again later: writes past the cap
 * fail as on a full disk, and SQLite says so): a registry update that
 * cannot be stored is held, unacknowledged, and applied once, when the
 * cap is lifted; a bridge stopped while holding one exits without
 * acknowledging it, and the next start applies it.
 *
 * Needs /usr/sbin/mosquitto and mosquitto_pub for the bridge cases.
 */
#define _GNU_SOURCE	/* prlimit */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "dlr_callback.h"
#include "fullvfs.h"
#include "http_stub.h"
#include "outbox.h"
#include "sender.h"
#include "sim_util.h"
#include "store.h"
#include "testutil.h"
#include "writer.h"

#define N_MSG		20
#define TO_FMT		"+86138000%05d"

/* ---- the sender, over the failing VFS --------------------------------- */

static struct {
	char		*dir;
	char		 db[512];
	struct http_stub *stub;
	struct cfg	*cfg;
	struct store	*st;		/* the test's own connection */
	struct sender	*snd;
	struct writer	*wr;
	struct dlr_callback *cb;
} S;

static void
sender_setup(void)
{
	memset(&S, 0, sizeof(S));
	S.dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(S.dir);
	snprintf(S.db, sizeof(S.db), "%s/fupin.db", S.dir);
	/* Before any connection: every one goes through it. */
	ck_assert(fullvfs_install());
	S.stub = http_stub_start();
	ck_assert_ptr_nonnull(S.stub);
	S.st = tu_open_store(S.db);
}

static void
sender_teardown(void)
{
	fullvfs_set_full(false);
	dlr_callback_stop(S.cb);
	sender_use_writer(S.snd, NULL);
	writer_stop(S.wr);
	sender_stop(S.snd);
	http_stub_stop(S.stub);
	store_close(S.st);
	cfg_free(S.cfg);
	fullvfs_uninstall();
	tu_rmtree(S.dir);
	free(S.dir);
}

/* An http_json provider answering with ids p1, p2, ... (once told);
 * with_writer: the rounds go through the gateway's group commit. */
static void
sender_begin(bool with_writer)
{
	char text[4096];

	snprintf(text, sizeof(text),
	    "database = { path = \"%s\"; id_key_file = \"%s.key\"; };\n"
	    "http = { listen = \"127.0.0.1:8080\"; };\n"
	    "sms = { provider = \"agg\"; shortcode = \"10690001\"; "
	    "dlr_url_allow = [ \"http://127.0.0.1:\" ]; };\n"
	    "providers = ( { name = \"agg\"; type = \"http_json\"; "
	    "url = \"http://127.0.0.1:%d/v1/sms\"; token = \"t\"; "
	    "rate = 1000; connections = 4; } );\n", S.db, S.db,
	    http_stub_port(S.stub));
	S.cfg = tu_load_cfg(text);
	ck_assert_int_eq(sender_start(S.cfg, &S.snd), FP_OK);
	if (with_writer) {
		ck_assert_int_eq(writer_start(S.cfg, NULL, NULL, &S.wr),
		    FP_OK);
		sender_use_writer(S.snd, S.wr);
	}
}

/*
 * Queue N_MSG messages as /cgi-bin/sendsms does when the sender has
 * room: inserted "sending" and committed, then handed to the sender;
 * the disk is full from the hand-over on, so every answer the provider
 * gives comes back to a database that will not take it.
 */
static void
send_while_full(void)
{
	struct outbox_item items[N_MSG];
	struct outbox_msg m;
	char to[32];
	int64_t id, end;
	int i;

	for (i = 0; i < N_MSG; i++) {
		end = tu_mono_ms() + 5000 * tu_slow();
		while (!sender_reserve(S.snd, "agg") && tu_mono_ms() < end)
			tu_sleep_ms(5);
	}
	ck_assert_int_eq(store_begin(S.st), FP_OK);
	for (i = 0; i < N_MSG; i++) {
		memset(&m, 0, sizeof(m));
		snprintf(to, sizeof(to), TO_FMT, i);
		m.to = to;
		m.text = "disk full test";
		m.kind = "sendsms";
		ck_assert_int_eq(outbox_enqueue_sending(S.st, S.cfg, &m,
		    (int64_t)time(NULL), &id, &items[i]), FP_OK);
	}
	ck_assert_int_eq(store_commit(S.st), FP_OK);
	fullvfs_set_full(true);
	for (i = 0; i < N_MSG; i++)
		sender_hand_over(S.snd, "agg", &items[i]);
}

static long long
q_int(const char *sql)
{
	return tu_query_int(store_db(S.st), sql, 0);
}

static bool
wait_int(const char *sql, long long want, int timeout_ms)
{
	return tu_wait_int(store_db(S.st), sql, 0, want,
	    timeout_ms * tu_slow());
}

#define Q_SENDING	"SELECT count(*) FROM sms_out WHERE status = 'sending'"
#define Q_SENT		"SELECT count(*) FROM sms_out WHERE status = 'sent' " \
			"AND provider_msgid LIKE 'p%'"

/*
 * The provider answers every message while the disk is full: the
 * answers are held (the messages stay "sending"; nothing is sent
 * twice), through several tries of the round.
 */
static void
answer_while_full(void)
{
	http_stub_reply_ids(S.stub, "id");
	send_while_full();
	ck_assert_msg(http_stub_wait(S.stub, N_MSG, 5000 * tu_slow()),
	    "sent %zu of %d", http_stub_count(S.stub), N_MSG);
	tu_sleep_ms(1500);
	ck_assert_uint_gt(fullvfs_refused(), 0);
	ck_assert_int_eq(q_int(Q_SENDING), N_MSG);
	ck_assert_uint_eq(http_stub_count(S.stub), N_MSG);
}

START_TEST(held_outcomes_are_written_when_the_disk_has_room)
{
	sender_begin(_i == 1);
	answer_while_full();
	fullvfs_set_full(false);
	ck_assert_msg(wait_int(Q_SENT, N_MSG, 10000), "sent %lld, sending %lld",
	    q_int(Q_SENT), q_int(Q_SENDING));
	ck_assert_int_eq(q_int("SELECT count(DISTINCT provider_msgid) FROM "
	    "sms_out"), N_MSG);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out_history WHERE "
	    "status = 'sent'"), N_MSG);
	/* Nothing left to recover at the next start, nothing sent again. */
	sender_use_writer(S.snd, NULL);
	writer_stop(S.wr);
	S.wr = NULL;
	sender_stop(S.snd);
	S.snd = NULL;
	ck_assert_int_eq(sender_start(S.cfg, &S.snd), FP_OK);
	tu_sleep_ms(500);
	ck_assert_uint_eq(http_stub_count(S.stub), N_MSG);
	ck_assert_int_eq(q_int(Q_SENT), N_MSG);
}
END_TEST

/* Not stretched under valgrind: the stop's allowance is not either. */
static void *
room_later(void *arg)
{
	(void)arg;
	tu_sleep_ms(1500);
	fullvfs_set_full(false);
	return NULL;
}

START_TEST(stop_keeps_trying_to_write_what_it_holds)
{
	pthread_t t;
	int64_t t0;

	sender_begin(false);
	answer_while_full();
	ck_assert_int_eq(pthread_create(&t, NULL, room_later, NULL), 0);
	t0 = tu_mono_ms();
	sender_stop(S.snd);
	S.snd = NULL;
	pthread_join(t, NULL);
	/* It waited for the disk, not for its whole allowance. */
	ck_assert_int_lt(tu_mono_ms() - t0, 12000 * tu_slow());
	ck_assert_int_eq(q_int(Q_SENT), N_MSG);
	ck_assert_int_eq(q_int(Q_SENDING), 0);
}
END_TEST

/*
 * A sendsms client's dlr-url is called when its message is sent; the
 * client answers "later" while the disk is full, so the call's outcome
 * (try again in 30 s) cannot be written.  The row still says the call is
 * due, but it is not made again: the outcome waits, then is written.
 */
START_TEST(a_callback_made_is_not_made_again_while_its_outcome_waits)
{
	struct outbox_item *items = NULL;
	struct outbox_msg m;
	char url[256];
	int64_t id, now = (int64_t)time(NULL);
	size_t n = 0;

	sender_begin(false);
	sender_stop(S.snd);	/* the message is sent by hand below */
	S.snd = NULL;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/dlr?t=%%d&m=%%I",
	    http_stub_port(S.stub));
	memset(&m, 0, sizeof(m));
	m.to = "+8613800000001";
	m.text = "disk full test";
	m.kind = "sendsms";
	m.dlr_url = url;
	m.dlr_mask = 8;
	ck_assert_int_eq(store_begin(S.st), FP_OK);
	ck_assert_int_eq(outbox_enqueue(S.st, S.cfg, &m, now, &id), FP_OK);
	ck_assert_int_eq(store_commit(S.st), FP_OK);
	ck_assert_int_eq(outbox_claim(S.st, "agg", now, 1, &items, &n), FP_OK);
	ck_assert_uint_eq(n, 1);
	outbox_items_free(items, n);
	ck_assert_int_eq(store_begin(S.st), FP_OK);
	ck_assert_int_eq(outbox_mark_sent(S.st, id, "p1", now), FP_OK);
	ck_assert_int_eq(store_commit(S.st), FP_OK);

	http_stub_hang(S.stub);
	ck_assert_int_eq(dlr_callback_start(S.cfg, &S.cb), FP_OK);
	ck_assert(http_stub_wait(S.stub, 1, 5000 * tu_slow()));
	fullvfs_set_full(true);
	http_stub_reply(S.stub, 503, "later");
	/* Five turns of the callback thread. */
	tu_sleep_ms(2500);
	ck_assert_uint_gt(fullvfs_refused(), 0);
	ck_assert_uint_eq(http_stub_count(S.stub), 1);
	fullvfs_set_full(false);
	ck_assert(wait_int("SELECT count(*) FROM dlr_callbacks WHERE "
	    "attempts = 1 AND next_at > strftime('%s', 'now') AND "
	    "last_error = 'http 503'", 1, 5000));
	tu_sleep_ms(1000);
	ck_assert_uint_eq(http_stub_count(S.stub), 1);
}
END_TEST

/* ---- the bridge, its files capped ---------------------------------- */

#define MOSQUITTO	"/usr/sbin/mosquitto"
#define MOSQ_PUB	"/usr/bin/mosquitto_pub"
#define HH_TOPIC	"fupin/v1/registry/households"
#define N_HH		50

static struct {
	char	*dir;
	int	 port;
	char	 port_s[16];
	pid_t	 mosq, bridge, cat;
	char	 db[512], conf[512], mconf[512], log[512], mosq_log[512];
} B;

/* The bridge's log says needle want times within timeout_ms
 * (stretched). */
static bool
wait_log(const char *needle, int want, int timeout_ms)
{
	return tu_wait_count_in(B.log, needle, want, timeout_ms * tu_slow());
}

/* On the bridge's database, through connections of the test's own. */
static long long
bq_int(const char *sql)
{
	return tu_query_int_at(B.db, sql, 0);
}

static bool
bwait_int(const char *sql, long long want, int timeout_ms)
{
	return tu_wait_int_at(B.db, sql, 0, want, timeout_ms * tu_slow());
}

static void
bridge_setup(void)
{
	char text[2048];
	int n;

	memset(&B, 0, sizeof(B));
	B.dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(B.dir);
	B.port = tu_free_port();
	snprintf(B.port_s, sizeof(B.port_s), "%d", B.port);
	snprintf(B.db, sizeof(B.db), "%s/fupin.db", B.dir);
	snprintf(B.log, sizeof(B.log), "%s/bridge.log", B.dir);
	snprintf(B.mosq_log, sizeof(B.mosq_log), "%s/mosquitto.log", B.dir);
	n = snprintf(text, sizeof(text), "listener %d 127.0.0.1\n"
	    "allow_anonymous true\npersistence true\n"
	    "persistence_location %s/\n", B.port, B.dir);
	free(tu_write_file(B.dir, "mosquitto.conf", text, (size_t)n));
	snprintf(B.mconf, sizeof(B.mconf), "%s/mosquitto.conf", B.dir);
	n = snprintf(text, sizeof(text), "node_id = \"df1\";\n"
	    "database = { path = \"%s\"; id_key_file = \"%s.key\"; };\n"
	    "mqtt = { uri = \"tcp://127.0.0.1:%d\"; "
	    "client_id = \"br-df-%d\"; };\n", B.db, B.db, B.port, B.port);
	free(tu_write_file(B.dir, "fupin.conf", text, (size_t)n));
	snprintf(B.conf, sizeof(B.conf), "%s/fupin.conf", B.dir);
	store_close(tu_open_store(B.db));
	{
		char *argv[] = { MOSQUITTO, "-c", B.mconf, NULL };

		B.mosq = su_spawn(argv, B.mosq_log, NULL);
	}
	ck_assert_msg(tu_wait_count_in(B.mosq_log, "running", 1, 4000),
	    "mosquitto did not start");
}

static void
bridge_teardown(void)
{
	su_stop(&B.bridge, SIGKILL, 5000);
	su_stop(&B.cat, SIGTERM, 5000);
	su_stop(&B.mosq, SIGTERM, 5000);
	tu_rmtree(B.dir);
	free(B.dir);
}

/*
 * Start the bridge with its output through a pipe to cat, which appends
 * it to B.log: a cap on the bridge's file sizes must not silence its
 * log.  SIGXFSZ ignored (inherited through exec), so a write past the
 * cap fails with EFBIG instead of killing it.
 */
static void
bridge_start(void)
{
	char bin[512];
	char *argv[] = { bin, "-c", B.conf, NULL };
	char *cat_argv[] = { "/bin/cat", NULL };
	/* Ready once the broker has answered the subscriptions. */
	int before = tu_count_in(B.log, "mqtt.subscribe");
	int to_cat;

	snprintf(bin, sizeof(bin), "%s", tu_bin("fupin-bridge"));
	su_stop(&B.cat, SIGTERM, 5000);
	B.cat = su_spawn(cat_argv, B.log, &to_cat);
	B.bridge = fork();
	ck_assert_int_ge(B.bridge, 0);
	if (B.bridge == 0) {
		signal(SIGXFSZ, SIG_IGN);
		dup2(to_cat, 1);
		dup2(to_cat, 2);
		close(to_cat);
		execv(argv[0], argv);
		_exit(127);
	}
	close(to_cat);
	if (!wait_log("mqtt.subscribe", before + 1, 10000)) {
		char *text = tu_read_file(B.log, NULL);

		ck_abort_msg("bridge did not connect: %.300s", text != NULL ?
		    text : "(no log)");
	}
}

/* Cap the bridge's file sizes (RLIM_INFINITY: no cap): a write past
 * the cap fails, as on a full disk. */
static void
bridge_cap(rlim_t bytes)
{
	struct rlimit rl = { bytes, RLIM_INFINITY };

	ck_assert_msg(prlimit(B.bridge, RLIMIT_FSIZE, &rl, NULL) == 0,
	    "prlimit: %s", strerror(errno));
}

/* An upsert of N_HH households HD<tag>-<i>, published at QoS 1. */
static void
publish_upsert(const char *event_id, const char *tag)
{
	char *msg, *p;
	char *argv[] = { MOSQ_PUB, "-h", "127.0.0.1", "-p", B.port_s, "-q",
	    "1", "-t", HH_TOPIC, "-m", NULL, NULL };
	size_t cap = 256 + N_HH * 160;
	int i;

	msg = malloc(cap);
	ck_assert_ptr_nonnull(msg);
	p = msg + snprintf(msg, cap, "{\"event_id\":\"%s\",\"op\":\"upsert\","
	    "\"records\":[", event_id);
	for (i = 0; i < N_HH; i++)
		p += snprintf(p, cap - (size_t)(p - msg), "%s{\"household_id\":"
		    "\"HD%s-%03d\",\"area_code\":\"513431100201\","
		    "\"head_name\":\"R\",\"members\":2,\"status\":\"poor\"}",
		    i > 0 ? "," : "", tag, i);
	snprintf(p, cap - (size_t)(p - msg), "]}");
	argv[10] = msg;
	ck_assert_int_eq(tu_run(argv, NULL), 0);
	free(msg);
}

#define Q_HH(tag) "SELECT count(*) FROM households WHERE household_id " \
		  "LIKE 'HD" tag "-%'"

/* A first update goes in; the cap is set; a second one is held. */
static void
hold_one(void)
{
	bridge_start();
	publish_upsert("df-1", "A");
	ck_assert(bwait_int(Q_HH("A"), N_HH, 10000));
	bridge_cap(1);
	publish_upsert("df-2", "B");
	ck_assert_msg(wait_log("registry.held", 1, 10000),
	    "not held; the bridge said: %s", tu_count_in(B.log,
	    "not applied") > 0 ? "not applied" : "nothing");
	tu_sleep_ms(1500);
	ck_assert_int_eq(bq_int(Q_HH("B")), 0);
	ck_assert_int_eq(tu_count_in(B.log, "not applied"), 0);
}

START_TEST(registry_update_held_on_a_full_disk_is_applied_once)
{
	hold_one();
	bridge_cap(RLIM_INFINITY);
	ck_assert_msg(bwait_int(Q_HH("B"), N_HH, 20000), "applied %lld",
	    bq_int(Q_HH("B")));
	ck_assert_int_eq(bq_int("SELECT count(*) FROM processed_messages "
	    "WHERE kind = 'registry' AND id = 'df-2'"), 1);
	ck_assert(wait_log("registry.applied", 2, 5000));
	/* Once, and nothing reported on the errors topic. */
	tu_sleep_ms(500);
	ck_assert_int_eq(tu_count_in(B.log, "event_id=df-2 op=upsert"), 1);
	ck_assert_int_eq(tu_count_in(B.log, "registry.rejected"), 0);
	ck_assert_int_eq(waitpid(B.bridge, NULL, WNOHANG), 0);
}
END_TEST

START_TEST(a_bridge_stopped_while_holding_leaves_the_update_to_the_broker)
{
	int status;

	hold_one();
	status = su_stop(&B.bridge, SIGTERM, 10000);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "status %d", status);
	ck_assert_int_eq(bq_int(Q_HH("B")), 0);
	/* The broker kept it: the next start applies it. */
	bridge_start();
	ck_assert_msg(bwait_int(Q_HH("B"), N_HH, 20000), "applied %lld",
	    bq_int(Q_HH("B")));
	ck_assert_int_eq(bq_int("SELECT count(*) FROM processed_messages "
	    "WHERE kind = 'registry' AND id = 'df-2'"), 1);
	ck_assert_int_eq(tu_count_in(B.log, "registry.rejected"), 0);
}
END_TEST

Suite *
disk_full_suite(void)
{
	Suite *s = suite_create("disk_full");
	TCase *tc = tcase_create("sender");

	tcase_add_checked_fixture(tc, sender_setup, sender_teardown);
	tcase_set_timeout(tc, 60);
	/* 0: the sender's own connection; 1: through the writer. */
	tcase_add_loop_test(tc,
	    held_outcomes_are_written_when_the_disk_has_room, 0, 2);
	tcase_add_test(tc, stop_keeps_trying_to_write_what_it_holds);
	tcase_add_test(tc,
	    a_callback_made_is_not_made_again_while_its_outcome_waits);
	suite_add_tcase(s, tc);

	tc = tcase_create("bridge");
	tcase_add_checked_fixture(tc, bridge_setup, bridge_teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, registry_update_held_on_a_full_disk_is_applied_once);
	tcase_add_test(tc,
	    a_bridge_stopped_while_holding_leaves_the_update_to_the_broker);
	suite_add_tcase(s, tc);
	return s;
}
