/*
 * fullvfs.h: a full disk for the tests, without a file system to fill:
 * an SQLite VFS over the default one that passes everything through
 * until told the disk is full, and then fails every write to a
 * database, its WAL or its journal with SQLITE_FULL, as SQLite's own
 * unix VFS does when write() says ENOSPC.  Reads keep working, so a
 * test can watch the database while nothing can be written to it.
 *
 * fullvfs_install makes it the process's default VFS: every connection
 * opened afterwards (the sender's, the writer's, the test's own) goes
 * through it.  Check forks each test, but CK_FORK=no does not: a
 * fixture that installs it must call fullvfs_uninstall.
 */
#ifndef FP_FULLVFS_H
#define FP_FULLVFS_H

#include <stdbool.h>
#include <stdint.h>

/* Register the VFS as the default (wrapping the current default); true
 * when it is in place. */
bool fullvfs_install(void);

/* Give the previous default back (a no-op when not installed). */
void fullvfs_uninstall(void);

/* From now on, writes fail (true) or pass (false). */
void fullvfs_set_full(bool is_full);

/* Writes refused since the install. */
uint64_t fullvfs_refused(void);

#endif
