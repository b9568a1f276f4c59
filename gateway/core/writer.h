/*
 * writer.h: group commit.  One thread owns the gateway's writing
 * connection; HTTP handlers hand it jobs and wait (writer_run) or are
 * called back (writer_submit).  It runs every job that is waiting inside
 * one transaction, each job in its own savepoint (a failing job is
 * rolled back alone), commits once, then wakes them all.
 * With database.durability = "full" that is one fsync for many requests,
 * which is what makes "a 2xx means committed" affordable: the callers of
 * a group are woken once an fdatasync of the WAL that began after its
 * commit has returned (writer.c), and the next group runs meanwhile.
 */
#ifndef FP_WRITER_H
#define FP_WRITER_H

#include "cfg.h"
#include "err.h"
#include "store.h"

struct writer;

/* A job: runs on the writer thread inside the shared transaction.  Its
 * result is the job's result; FP_OK jobs are committed together. */
typedef enum fp_err writer_fn(struct store *st, void *arg);

/*
 * Start the writer thread on its own connection to the configured
 * database.  after_commit (may be NULL) is called on the writer thread
 * after each successful commit, with `cb_arg` (e.g. to wake the sender).
 * FP_EIO: the database cannot be opened.  FP_ENOMEM.
 */
enum fp_err writer_start(const struct cfg *cfg,
    void (*after_commit)(void *), void *cb_arg, struct writer **out);

/* Finish the jobs already handed over, stop the thread, close.  NULL ok. */
void writer_stop(struct writer *w);

/*
 * Run fn(st, arg) in the next group transaction and wait until it is
 * committed (with durability "full": and fsynced).  Returns fn's result
 * when that is not FP_OK (its changes are rolled back), FP_OK once
 * committed, or FP_EBUSY / FP_EIO when the commit itself failed (nothing
 * of the group was kept); FP_EIO also when the fsync failed (the group
 * is committed, but may not survive a power loss).
 * FP_EBUSY also when the writer is stopping.
 */
enum fp_err writer_run(struct writer *w, writer_fn *fn, void *arg);

/*
 * writer_run for the gateway's own bookkeeping (the sender's claims and
 * outcomes): the job shares the next group transaction, but does not by
 * itself call after_commit, and a group of such jobs alone commits
 * without an fsync (synchronous=NORMAL, as the sender's own connection
 * did): they write status that at-least-once delivery may repeat, never
 * what a 2xx promised.  A group with any writer_run job is fsynced as
 * database.durability says.  Results as writer_run.
 */
enum fp_err writer_run_quiet(struct writer *w, writer_fn *fn, void *arg);

/* Called once with a submitted job's result (as writer_run returns). */
typedef void writer_done_fn(void *done_arg, enum fp_err result);

/*
 * writer_run without waiting: fn(st, arg) runs in the next group
 * transaction and on_done(done_arg, result) is called after the commit
 * (and its fsync, as writer_run), on the writer's notifier thread (keep
 * it short: later answers wait for it), or at once on the caller's
 * thread with FP_EBUSY when the writer is stopping or FP_ENOMEM.  FP_EIO
 * also when the fsync failed.  `arg` must stay valid until on_done.
 */
void writer_submit(struct writer *w, writer_fn *fn, void *arg,
    writer_done_fn *on_done, void *done_arg);

/*
 * writer_submit for a job that may run more than once.  Such jobs next
 * to each other in a group share one savepoint (none when they open the
 * transaction) instead of one each: a savepoint makes SQLite copy every
 * page the job changes into a statement journal, a good part of an
 * MO's cost.  When one of them fails, their changes are rolled back
 * together and each runs again in its own savepoint, so fn must leave
 * nothing behind but its database changes and what it writes into
 * `arg`, each call starting afresh (free what an earlier call made).
 * Results and on_done as writer_submit.
 */
void writer_submit_rerun(struct writer *w, writer_fn *fn, void *arg,
    writer_done_fn *on_done, void *done_arg);

#endif
