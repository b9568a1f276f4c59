/*
 * checkpoint.h: moves the WAL into the database file from a thread of its
 * own.  SQLite's automatic checkpoint runs inside whichever commit crosses
 * the threshold, so the writer or a sender would pay for everyone's pages
 * while holding the write lock; the gateway's writing connections turn it
 * off (gw_store_open) and this thread does a PASSIVE checkpoint, which
 * never blocks writers, every CHECKPOINT_INTERVAL_MS, and a RESTART when
 * the log has grown past CHECKPOINT_RESTART_FRAMES.
 */
#ifndef FP_CHECKPOINT_H
#define FP_CHECKPOINT_H

#include "cfg.h"
#include "err.h"

#define CHECKPOINT_INTERVAL_MS 200
#define CHECKPOINT_RESTART_FRAMES 4096	/* 16 MiB of 4 KiB pages */

struct checkpointer;

/* Start the thread on its own connection.  FP_EIO, FP_ENOMEM. */
enum fp_err checkpoint_start(const struct cfg *cfg, struct checkpointer **out);

/* A last checkpoint, then stop and join.  NULL is a no-op. */
void checkpoint_stop(struct checkpointer *c);

#endif
