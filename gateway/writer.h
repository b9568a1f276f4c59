/*
 * writer.h: group commit.  One thread owns the gateway's writing
 * connection; HTTP workers hand it jobs and wait.  It runs every job that
 * is waiting inside one transaction, each job in its own savepoint (a
 * failing job is rolled back alone), commits once, then wakes them all.
 * With database.durability = "full" that is one fsync for many requests,
 * which is what makes "a 2xx means committed" affordable.
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
 * committed.  Returns fn's result when that is not FP_OK (its changes are
 * rolled back), FP_OK once committed, or FP_EBUSY / FP_EIO when the
 * commit itself failed (nothing of the group was kept).
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

#endif
