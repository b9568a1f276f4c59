/*
 * store.h: the SQLite database.  Opens it in WAL mode with a busy
 * timeout, maps database.durability onto PRAGMA synchronous, runs
 * transactions, and keeps a cache of prepared statements keyed by the
 * address of their (static) SQL text.  Every later module changes data
 * through functions built on these (registry.c, event_outbox.c, ...).
 *
 * A struct store belongs to one thread: each thread opens its own.
 */
#ifndef FP_STORE_H
#define FP_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "sha256.h"

#define STORE_BUSY_TIMEOUT_MS 5000

enum store_durability {
	STORE_DURABILITY_NORMAL,	/* synchronous=NORMAL: survives a crash */
	STORE_DURABILITY_FULL,		/* synchronous=FULL: also power loss */
};

struct store;

/*
 * Open (creating if needed, with its parent directory) the database at
 * `path`; ":memory:" for tests.  *out is owned by the caller (store_close).
 * FP_EIO: cannot create or open the file (logged by the caller).
 */
enum fp_err store_open(const char *path, enum store_durability durability,
    struct store **out);

/* Finalise cached statements and close; store_close(NULL) is a no-op. */
void store_close(struct store *st);

/* The raw handle, borrowed: for modules that build on the store. */
sqlite3 *store_db(struct store *st);

/* The path given to store_open; borrowed. */
const char *store_path(const struct store *st);

/*
 * Transactions.  store_begin starts an IMMEDIATE transaction (takes the
 * write lock at once, so a busy database fails here, not halfway).
 * FP_EBUSY: the database stayed locked past the busy timeout.
 */
enum fp_err store_begin(struct store *st);
enum fp_err store_commit(struct store *st);
/* Roll back if a transaction is open; safe to call twice. */
void store_rollback(struct store *st);

/*
 * A prepared statement for `sql`, reset and with its bindings cleared,
 * cached by the address of `sql`: pass string literals or other text
 * that lives as long as the store.  Borrowed; do not finalize.
 * FP_EINVAL: the SQL does not compile (a bug; logged here with the
 * SQLite message).
 */
enum fp_err store_stmt(struct store *st, const char *sql,
    sqlite3_stmt **out);

/* Run SQL with no results (DDL, pragmas).  Errors logged here. */
enum fp_err store_exec(struct store *st, const char *sql);

/*
 * Run the cached statement sql with ?1 = a and ?2 = b (a statement may
 * use only ?1) to its end, rows of a RETURNING clause ignored.
 */
enum fp_err store_exec_2(struct store *st, const char *sql, int64_t a,
    int64_t b);

/*
 * The same with ?1 = text (bound as is, not copied) and ?2 = b (a
 * statement may use only ?1).
 */
enum fp_err store_exec_text(struct store *st, const char *sql,
    const char *text, int64_t b);

/* Map an SQLite result code to enum fp_err (BUSY/LOCKED → FP_EBUSY,
 * CONSTRAINT → FP_EDUP, NOMEM → FP_ENOMEM, else FP_EIO). */
enum fp_err store_err(int rc);

/* Number of rows in the event outbox not yet relayed, outbox by status,
 * database size in bytes: small helpers for /metrics and healthz. */
enum fp_err store_size_bytes(struct store *st, int64_t *bytes);

/* Copy column `col` of the current row into dst[len] as text, cut to
 * fit; "" when the column is NULL. */
void store_column_copy(sqlite3_stmt *stmt, int col, char *dst, size_t len);

/* Bind `s` as text, or NULL when s is NULL or empty. */
int store_bind_text_or_null(sqlite3_stmt *stmt, int idx, const char *s);

#endif
