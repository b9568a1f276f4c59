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
 * if the disk comes back in time.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "fullvfs.h"
#include "http_stub.h"
#include "migrate.h"
#include "outbox.h"
#include "sender.h"
#include "store.h"
#include "testutil.h"
#include "writer.h"

#define N_MSG		20
#define TO_FMT		"+86138000%05d"

/* Timing bounds stretch under valgrind (make valgrind-test). */
static int
slow(void)
{
	return getenv("FUPIN_VALGRIND") != NULL ? 10 : 1;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- the sender, over the failing VFS --------------------------------- */

static struct {
	char		*dir;
	char		 db[512];
	struct http_stub *stub;
	struct cfg	*cfg;
	struct store	*st;		/* the test's own connection */
	struct sender	*snd;
	struct writer	*wr;
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
	ck_assert_int_eq(store_open(S.db, STORE_DURABILITY_NORMAL, &S.st),
	    FP_OK);
	ck_assert_int_eq(migrate_to(S.st, migrate_latest(), NULL, NULL),
	    FP_OK);
}

static void
sender_teardown(void)
{
	fullvfs_set_full(false);
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
	char text[4096], *errors = NULL;

	snprintf(text, sizeof(text),
	    "database = { path = \"%s\"; id_key_file = \"%s.key\"; };\n"
	    "http = { listen = \"127.0.0.1:8080\"; };\n"
	    "sms = { provider = \"agg\"; shortcode = \"10690001\"; };\n"
	    "providers = ( { name = \"agg\"; type = \"http_json\"; "
	    "url = \"http://127.0.0.1:%d/v1/sms\"; token = \"t\"; "
	    "rate = 1000; connections = 4; } );\n", S.db, S.db,
	    http_stub_port(S.stub));
	if (cfg_load_string(text, "test.conf", &S.cfg, &errors) != FP_OK)
		ck_abort_msg("config: %s", errors != NULL ? errors : "?");
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
		end = mono_ms() + 5000 * slow();
		while (!sender_reserve(S.snd, "agg") && mono_ms() < end)
			sleep_ms(5);
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
	int64_t end = mono_ms() + (int64_t)timeout_ms * slow();

	while (mono_ms() < end) {
		if (q_int(sql) == want)
			return true;
		sleep_ms(10);
	}
	return q_int(sql) == want;
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
	ck_assert_msg(http_stub_wait(S.stub, N_MSG, 5000 * slow()),
	    "sent %zu of %d", http_stub_count(S.stub), N_MSG);
	sleep_ms(1500);
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
	sleep_ms(500);
	ck_assert_uint_eq(http_stub_count(S.stub), N_MSG);
	ck_assert_int_eq(q_int(Q_SENT), N_MSG);
}
END_TEST

static void *
room_later(void *arg)
{
	(void)arg;
	sleep_ms(1500 * slow());
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
	t0 = mono_ms();
	sender_stop(S.snd);
	S.snd = NULL;
	pthread_join(t, NULL);
	/* It waited for the disk, not for its whole allowance. */
	ck_assert_int_lt(mono_ms() - t0, 12000 * slow());
	ck_assert_int_eq(q_int(Q_SENT), N_MSG);
	ck_assert_int_eq(q_int(Q_SENDING), 0);
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
	suite_add_tcase(s, tc);
	return s;
}
