/*
 * test_writer.c: the group-commit writer with durability "full", where
 * the writer commits without an fsync and the notifier fdatasyncs the
 * WAL before answering.  This file defines fdatasync(2) for the test
 * binary (every caller in it, SQLite included, reaches this one): it
 * counts the calls, remembers how many jobs had run when the last
 * successful one started, and can be told to fail once with EIO.
 *
 * What is checked: every answer (callback or writer_run return) comes
 * after an fsync that started once the job had run; jobs answered OK
 * are in the database; a failed fsync answers its group FP_EIO and the
 * writer goes on; quiet jobs alone never fsync; "normal" never fsyncs;
 * jobs that may run again (writer_submit_rerun) run once when none
 * fails, and when one fails the others of its run run again, are kept
 * once, and the failed one leaves nothing.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cfg.h"
#include "sqlite3.h"
#include "store.h"
#include "testutil.h"
#include "writer.h"

static atomic_long jobs_run;	/* jobs whose fn has returned */
static atomic_long synced_upto;	/* jobs_run when the last good fsync began */
static atomic_long n_syncs;
static atomic_int fail_next_sync;

int
fdatasync(int fd)
{
	long seen = atomic_load(&jobs_run), prev;

	atomic_fetch_add(&n_syncs, 1);
	if (atomic_exchange(&fail_next_sync, 0)) {
		errno = EIO;
		return -1;
	}
	if (syscall(SYS_fdatasync, fd) != 0)
		return -1;
	prev = atomic_load(&synced_upto);
	while (prev < seen &&
	    !atomic_compare_exchange_weak(&synced_upto, &prev, seen))
		continue;
	return 0;
}

static char *dir;
static struct cfg *cfg;
static struct writer *w;
static atomic_long commits_seen;	/* after_commit calls */

static void
on_commit(void *arg)
{
	(void)arg;
	atomic_fetch_add(&commits_seen, 1);
}

static enum fp_err
warm_job(struct store *st, void *arg)
{
	(void)arg;
	return store_exec(st, "INSERT INTO t (v) VALUES (-1)");
}

static void
start(const char *durability)
{
	char conf[512], *errors = NULL;
	struct store *st;

	dir = tu_mkdtemp();
	snprintf(conf, sizeof(conf),
	    "database = { path = \"%s/w.db\"; durability = \"%s\"; "
	    "id_key_file = \"%s/id.key\"; };\n",
	    dir, durability, dir);
	ck_assert_int_eq(cfg_load_string(conf, "test.conf", &cfg, &errors),
	    FP_OK);
	ck_assert_int_eq(store_open(cfg->database.path,
	    STORE_DURABILITY_NORMAL, &st), FP_OK);
	ck_assert_int_eq(store_exec(st,
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)"), FP_OK);
	store_close(st);
	ck_assert_int_eq(writer_start(cfg, on_commit, NULL, &w), FP_OK);
	/* SQLite syncs a new WAL's header itself, at the first commit:
	 * count from after it. */
	ck_assert_int_eq(writer_run_quiet(w, warm_job, NULL), FP_OK);
	atomic_store(&jobs_run, 0);
	atomic_store(&synced_upto, 0);
	atomic_store(&n_syncs, 0);
	atomic_store(&fail_next_sync, 0);
	atomic_store(&commits_seen, 0);
}

static void
stop(void)
{
	writer_stop(w);
	cfg_free(cfg);
	tu_rmtree(dir);
	free(dir);
}

struct job {
	long		 v;
	long		 run_index;	/* jobs_run after fn */
	bool		 fail;		/* fn returns FP_EINVAL */
	atomic_int	 answered;
	enum fp_err	 result;
	long		 synced_at_answer;
};

static enum fp_err
insert_job(struct store *st, void *arg)
{
	struct job *j = arg;
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (j->fail) {
		j->run_index = atomic_fetch_add(&jobs_run, 1) + 1;
		return FP_EINVAL;
	}
	err = store_stmt(st, "INSERT INTO t (v) VALUES (?1)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, j->v);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	j->run_index = atomic_fetch_add(&jobs_run, 1) + 1;
	return rc == SQLITE_DONE ? FP_OK : FP_EIO;
}

static void
on_done(void *arg, enum fp_err result)
{
	struct job *j = arg;

	j->result = result;
	j->synced_at_answer = atomic_load(&synced_upto);
	atomic_store(&j->answered, 1);
}

static void
wait_answered(struct job *jobs, int n)
{
	int i, spins;

	for (i = 0; i < n; i++)
		for (spins = 0; !atomic_load(&jobs[i].answered); spins++) {
			ck_assert_int_lt(spins, 10000);
			usleep(1000);
		}
}

static long
rows(void)
{
	struct store *st;
	long n;

	ck_assert_int_eq(store_open(cfg->database.path,
	    STORE_DURABILITY_NORMAL, &st), FP_OK);
	n = (long)tu_query_int(store_db(st), "SELECT count(*) FROM t", 0);
	store_close(st);
	return n;
}

#define N_SUBMIT 400

START_TEST(full_answers_only_after_fsync)
{
	static struct job jobs[N_SUBMIT];
	int i;

	start("full");
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < N_SUBMIT; i++) {
		jobs[i].v = i;
		jobs[i].fail = i % 50 == 7;
		writer_submit(w, insert_job, &jobs[i], on_done, &jobs[i]);
	}
	wait_answered(jobs, N_SUBMIT);
	for (i = 0; i < N_SUBMIT; i++) {
		if (jobs[i].fail) {
			ck_assert_int_eq(jobs[i].result, FP_EINVAL);
			continue;
		}
		ck_assert_int_eq(jobs[i].result, FP_OK);
		/* The fsync that let this answer go began after the job ran. */
		ck_assert_int_ge(jobs[i].synced_at_answer, jobs[i].run_index);
	}
	/* Groups share their fsyncs; each one was needed by someone. */
	ck_assert_int_ge(atomic_load(&n_syncs), 1);
	ck_assert_int_le(atomic_load(&n_syncs), N_SUBMIT);
	ck_assert_int_ge(atomic_load(&commits_seen), 1);
	ck_assert_int_eq(rows(), 1 + N_SUBMIT - N_SUBMIT / 50);
	stop();
}
END_TEST

struct runner {
	int		 n;
	bool		 is_quiet;
	long		 bad;	/* answers that came before their fsync */
	long		 failed;
};

static void *
run_many(void *arg)
{
	struct runner *r = arg;
	struct job j;
	enum fp_err err;
	int i;

	for (i = 0; i < r->n; i++) {
		memset(&j, 0, sizeof(j));
		j.v = i;
		err = r->is_quiet ? writer_run_quiet(w, insert_job, &j) :
		    writer_run(w, insert_job, &j);
		if (err != FP_OK)
			r->failed++;
		else if (!r->is_quiet &&
		    atomic_load(&synced_upto) < j.run_index)
			r->bad++;
	}
	return NULL;
}

START_TEST(full_writer_run_waits_for_fsync)
{
	struct runner r[4];
	pthread_t t[4];
	int i;

	start("full");
	for (i = 0; i < 4; i++) {
		r[i] = (struct runner){ .n = 100, .is_quiet = i == 3 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, run_many, &r[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(r[i].failed, 0);
		ck_assert_int_eq(r[i].bad, 0);
	}
	ck_assert_int_eq(rows(), 1 + 400);
	stop();
}
END_TEST

START_TEST(full_failed_fsync_answers_eio)
{
	struct job a, b;

	start("full");
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	atomic_store(&fail_next_sync, 1);
	writer_submit(w, insert_job, &a, on_done, &a);
	wait_answered(&a, 1);
	ck_assert_int_eq(a.result, FP_EIO);
	/* The writer goes on: the next group is answered OK. */
	writer_submit(w, insert_job, &b, on_done, &b);
	wait_answered(&b, 1);
	ck_assert_int_eq(b.result, FP_OK);
	ck_assert_int_ge(b.synced_at_answer, b.run_index);
	stop();
}
END_TEST

START_TEST(quiet_jobs_alone_never_fsync)
{
	struct runner r = { .n = 50, .is_quiet = true };

	start("full");
	run_many(&r);
	ck_assert_int_eq(r.failed, 0);
	ck_assert_int_eq(atomic_load(&n_syncs), 0);
	ck_assert_int_eq(atomic_load(&commits_seen), 0);
	ck_assert_int_eq(rows(), 1 + 50);
	stop();
}
END_TEST

START_TEST(normal_never_fsyncs)
{
	struct runner r = { .n = 50 };

	start("normal");
	run_many(&r);
	ck_assert_int_eq(r.failed, 0);
	ck_assert_int_eq(atomic_load(&n_syncs), 0);
	ck_assert_int_eq(atomic_load(&commits_seen), 50);	/* each group */
	stop();
}
END_TEST

/* ---- jobs that may run again ------------------------------------------ */

struct rjob {
	long		 v;
	bool		 fail;		/* returns FP_EINVAL after its insert */
	bool		 hold;		/* its first call waits for `release` */
	bool		 rollback;	/* ends the transaction as SQLite does
					 * itself after SQLITE_FULL or IOERR */
	atomic_int	 calls;
	atomic_int	 answered;
	enum fp_err	 result;
};

static atomic_int held;		/* a hold job is waiting */
static atomic_int release;

static enum fp_err
rerun_job(struct store *st, void *arg)
{
	struct rjob *j = arg;
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc, spins;

	if (atomic_fetch_add(&j->calls, 1) == 0 && j->hold) {
		atomic_store(&held, 1);
		for (spins = 0; !atomic_load(&release) && spins < 10000;
		    spins++)
			usleep(1000);
	}
	err = store_stmt(st, "INSERT INTO t (v) VALUES (?1)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, j->v);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return FP_EIO;
	if (j->rollback) {
		sqlite3_exec(store_db(st), "ROLLBACK", NULL, NULL, NULL);
		return FP_EIO;
	}
	/* A failure after a write: the write must not stay. */
	return j->fail ? FP_EINVAL : FP_OK;
}

static void
on_rdone(void *arg, enum fp_err result)
{
	struct rjob *j = arg;

	j->result = result;
	atomic_store(&j->answered, 1);
}

static void
wait_rdone(struct rjob *jobs, int n)
{
	int i, spins;

	for (i = 0; i < n; i++)
		for (spins = 0; !atomic_load(&jobs[i].answered); spins++) {
			ck_assert_int_lt(spins, 10000);
			usleep(1000);
		}
}

/* Rows with v, in the database now. */
static long
rows_with(long v)
{
	struct store *st;
	char sql[80];
	long n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM t WHERE v = %ld", v);
	ck_assert_int_eq(store_open(cfg->database.path,
	    STORE_DURABILITY_NORMAL, &st), FP_OK);
	n = (long)tu_query_int(store_db(st), sql, 0);
	store_close(st);
	return n;
}

/*
 * Job 0 holds the writer while 1..N are queued, so they make one group:
 * 1..14 a run that opens the transaction (10 fails), 15 a writer_submit
 * job, 16..N a run in a savepoint (20 fails).
 */
#define N_RERUN 30

static void
submit_group(struct rjob *jobs, bool with_failures)
{
	int i, spins;

	memset(jobs, 0, sizeof(*jobs) * (N_RERUN + 1));
	atomic_store(&held, 0);
	atomic_store(&release, 0);
	for (i = 0; i <= N_RERUN; i++) {
		jobs[i].v = 1000 + i;
		jobs[i].fail = with_failures && (i == 10 || i == 20);
	}
	jobs[0].hold = true;
	writer_submit_rerun(w, rerun_job, &jobs[0], on_rdone, &jobs[0]);
	for (spins = 0; !atomic_load(&held); spins++) {
		ck_assert_int_lt(spins, 10000);
		usleep(1000);
	}
	for (i = 1; i <= N_RERUN; i++) {
		if (i == 15)
			writer_submit(w, rerun_job, &jobs[i], on_rdone,
			    &jobs[i]);
		else
			writer_submit_rerun(w, rerun_job, &jobs[i], on_rdone,
			    &jobs[i]);
	}
	atomic_store(&release, 1);
	wait_rdone(jobs, N_RERUN + 1);
}

/*
 * A statement the database answers SQLITE_FULL or IOERR rolls the whole
 * transaction back.  Every job is answered as what it left: nothing of
 * the group is kept, and no job after it runs in a transaction of its
 * own (which its RELEASE would commit, answered as failed).
 */
START_TEST(a_group_the_database_rolled_back_keeps_nothing)
{
	static struct rjob jobs[N_RERUN + 1];
	int i, spins;

	start("full");
	memset(jobs, 0, sizeof(jobs));
	atomic_store(&held, 0);
	atomic_store(&release, 0);
	for (i = 0; i <= N_RERUN; i++)
		jobs[i].v = 3000 + i;
	jobs[0].hold = true;
	jobs[15].rollback = true;
	writer_submit_rerun(w, rerun_job, &jobs[0], on_rdone, &jobs[0]);
	for (spins = 0; !atomic_load(&held); spins++) {
		ck_assert_int_lt(spins, 10000);
		usleep(1000);
	}
	for (i = 1; i <= N_RERUN; i++)
		if (i == 15 || i == 22)
			writer_submit(w, rerun_job, &jobs[i], on_rdone,
			    &jobs[i]);
		else
			writer_submit_rerun(w, rerun_job, &jobs[i], on_rdone,
			    &jobs[i]);
	atomic_store(&release, 1);
	wait_rdone(jobs, N_RERUN + 1);
	/* Job 0 was a group of its own, before. */
	ck_assert_int_eq(jobs[0].result, FP_OK);
	ck_assert_int_eq(rows_with(jobs[0].v), 1);
	for (i = 1; i <= N_RERUN; i++) {
		ck_assert_msg(jobs[i].result != FP_OK, "job %d answered OK", i);
		ck_assert_msg(rows_with(jobs[i].v) == 0, "job %d kept", i);
	}
	/* The writer goes on: the next job is committed. */
	memset(&jobs[0], 0, sizeof(jobs[0]));
	jobs[0].v = 4000;
	writer_submit(w, rerun_job, &jobs[0], on_rdone, &jobs[0]);
	wait_rdone(jobs, 1);
	ck_assert_int_eq(jobs[0].result, FP_OK);
	ck_assert_int_eq(rows_with(4000), 1);
	stop();
}
END_TEST

START_TEST(rerun_jobs_run_once_when_none_fails)
{
	static struct rjob jobs[N_RERUN + 1];
	int i;

	start("full");
	submit_group(jobs, false);
	for (i = 0; i <= N_RERUN; i++) {
		ck_assert_int_eq(jobs[i].result, FP_OK);
		ck_assert_int_eq(atomic_load(&jobs[i].calls), 1);
		ck_assert_int_eq(rows_with(jobs[i].v), 1);
	}
	ck_assert_int_eq(rows(), 1 + 1 + N_RERUN);
	stop();
}
END_TEST

START_TEST(rerun_failure_undoes_it_alone)
{
	static struct rjob jobs[N_RERUN + 1];
	int i, calls;

	start("full");
	submit_group(jobs, true);
	for (i = 0; i <= N_RERUN; i++) {
		calls = atomic_load(&jobs[i].calls);
		if (jobs[i].fail) {
			ck_assert_int_eq(jobs[i].result, FP_EINVAL);
			ck_assert_int_eq(rows_with(jobs[i].v), 0);
			ck_assert_int_eq(calls, 2);	/* together, then alone */
			continue;
		}
		ck_assert_int_eq(jobs[i].result, FP_OK);
		ck_assert_int_eq(rows_with(jobs[i].v), 1);
		/* Those before a failure in its run ran again; the others
		 * (and job 15, alone from the start) once. */
		if ((i >= 1 && i < 10) || (i >= 16 && i < 20))
			ck_assert_int_eq(calls, 2);
		else
			ck_assert_int_eq(calls, 1);
	}
	ck_assert_int_eq(rows(), 1 + 1 + N_RERUN - 2);
	stop();
}
END_TEST

Suite *
writer_suite(void)
{
	Suite *s = suite_create("writer");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, full_answers_only_after_fsync);
	tcase_add_test(tc, full_writer_run_waits_for_fsync);
	tcase_add_test(tc, full_failed_fsync_answers_eio);
	tcase_add_test(tc, quiet_jobs_alone_never_fsync);
	tcase_add_test(tc, normal_never_fsyncs);
	tcase_add_test(tc, rerun_jobs_run_once_when_none_fails);
	tcase_add_test(tc, rerun_failure_undoes_it_alone);
	tcase_add_test(tc, a_group_the_database_rolled_back_keeps_nothing);
	suite_add_tcase(s, tc);
	return s;
}
