/*
 * migrate.h: versioned schema migrations.  The schema version lives in
 * PRAGMA user_version; each migration runs in its own transaction with
 * its version bump, so a crash leaves the database at a whole version.
 * Run by `fupinctl migrate` and at gateway start.
 */
#ifndef FP_MIGRATE_H
#define FP_MIGRATE_H

#include "err.h"
#include "store.h"

/* The version the code expects (the last migration's number). */
int migrate_latest(void);

/* The database's current version in *version (0: empty). */
enum fp_err migrate_version(struct store *st, int *version);

/*
 * Bring the database to version `target` (migrate_latest() for the
 * newest); logs one line per step.  *from and *to (may be NULL) get the
 * versions before and after.
 * FP_EINVAL: the database is newer than this program knows (a downgrade
 * is refused) or target is out of range.  FP_EBUSY, FP_EIO.
 */
enum fp_err migrate_to(struct store *st, int target, int *from, int *to);

#endif
