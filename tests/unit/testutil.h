/*
 * testutil.h: small helpers shared by the unit suites: temporary
 * directories and files, reading a file back, and where the built
 * binaries are (FUPIN_BIN, default "bin"); the clock and the waits of
 * suites that watch threads or processes; a config and a migrated
 * database for a test, a registry record and an outbox message in it;
 * a code point as UTF-8.
 */
#ifndef FP_TESTUTIL_H
#define FP_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry.h"

/*
 * The clock of tests that stamp or decide by time: a fixed instant, never
 * the machine's, so the suite passes whatever the date (functions take
 * `now` from their caller).  Tests against a running gateway, bridge or
 * sender use the machine's clock, as those processes do.
 */
#define TU_T0	1790000000	/* 2026-09-21T14:13:20Z */

struct hmac_sha256_key;

/* The fixed ID-number key of suites that hash ID numbers in process. */
const struct hmac_sha256_key *tu_id_key(void);

/* The SHA-256 of a token as the 64 hex digits api.tokens[].token_sha256
 * holds. */
void tu_token_sha256(const char *token, char out[65]);

/* A fresh directory under /tmp; the caller frees the path. */
char *tu_mkdtemp(void);

/* Write `len` bytes to dir/name; returns the malloc'd full path. */
char *tu_write_file(const char *dir, const char *name, const void *data,
    size_t len);

/* Read a whole file into a malloc'd NUL-terminated buffer; NULL on error. */
char *tu_read_file(const char *path, size_t *len);

/* Write text to dir/rel, making the directories rel names on the way;
 * fails the test when it cannot. */
void tu_put_file(const char *dir, const char *rel, const char *text);

/* Remove a directory tree (rm -rf). */
void tu_rmtree(const char *dir);

/* "bin/fupinctl" etc.: FUPIN_BIN or "bin", then "/" name.  Static buffer. */
const char *tu_bin(const char *name);

/*
 * Run argv (argv[0] a path) with stdout and stderr captured into a
 * malloc'd string *out (may be NULL to discard); returns the exit status,
 * or -1 when it did not exit normally.
 */
int tu_run(char *const argv[], char **out);

struct sqlite3;

/*
 * The first column of the first row of `sql` on db, with ?1 bound to
 * arg when the statement has a parameter: as an integer (-1 for no row),
 * or as text in a static buffer ("" for no row, "NULL" for NULL).  A
 * statement that does not compile fails the test.
 */
long long tu_query_int(struct sqlite3 *db, const char *sql, long long arg);
const char *tu_query_text(struct sqlite3 *db, const char *sql,
    long long arg);

/*
 * Poll tu_query_int(db, sql, arg) until it equals want or timeout_ms
 * pass (not stretched: callers multiply by tu_slow() where valgrind
 * should get longer); whether it did.
 */
bool tu_wait_int(struct sqlite3 *db, const char *sql, long long arg,
    long long want, int timeout_ms);

/*
 * A connection of the test's own to the database at path, which another
 * process (a gateway, a bridge) writes: it waits up to 5 s for that
 * process's lock.  Fails the test if it cannot open; the caller closes
 * it (sqlite3_close).
 */
struct sqlite3 *tu_open_sqlite(const char *path);

/* tu_query_int and tu_wait_int on a connection of their own to the
 * database at path (tu_open_sqlite), closed before they return. */
long long tu_query_int_at(const char *path, const char *sql, long long arg);
bool tu_wait_int_at(const char *path, const char *sql, long long arg,
    long long want, int timeout_ms);

/* A free TCP port on 127.0.0.1 (bound then released). */
int tu_free_port(void);

/*
 * Timing bounds stretch under valgrind (make valgrind-test sets
 * FUPIN_VALGRIND): 10 there, else 1.
 */
int tu_slow(void);

/* Milliseconds on the monotonic clock: for deadlines and durations. */
int64_t tu_mono_ms(void);

/* Sleep ms milliseconds, the whole of them even if a signal comes. */
void tu_sleep_ms(int ms);

/* How often needle occurs in the file at path (0 when unreadable). */
int tu_count_in(const char *path, const char *needle);

/* Poll tu_count_in until it reaches want or timeout_ms pass (not
 * stretched); whether it did. */
bool tu_wait_count_in(const char *path, const char *needle, int want,
    int timeout_ms);

struct cfg;
struct store;

/* Load a whole config from text, or fail the test with its errors.  The
 * caller frees it (cfg_free). */
struct cfg *tu_load_cfg(const char *text);

/* Open the database at path (":memory:" too) and migrate it to the
 * latest version, or fail the test.  The caller closes it. */
struct store *tu_open_store(const char *path);

/*
 * Upsert one record of `kind` whose columns, in SPEC order, are
 * values[] (borrowed for the call) at TU_T0, in the caller's
 * transaction; the registry's reason fails the test.
 */
void tu_reg_put(struct registry *reg, enum reg_kind kind,
    const char *const *values);

/*
 * An "api" message to `to` through provider (NULL: as the routes say),
 * enqueued at `now` in the caller's transaction if one is open; the
 * test fails if it is refused.  Its id.
 */
int64_t tu_enqueue(struct store *st, const struct cfg *cfg,
    const char *provider, const char *to, const char *text, int64_t now);

/*
 * Code point cp as UTF-8 into out (room for 4 bytes; no NUL added); its
 * length.  The tests' own encoder, so that what they feed the codecs
 * does not come from the code under test.
 */
size_t tu_utf8_put(uint32_t cp, char *out);

#endif
