/*
 * store.c: SQLite open, pragmas, transactions and the statement cache
 * (see store.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fs.h"
#include "log.h"
#include "store.h"

#define STORE_STMT_CACHE 64

struct store_stmt_slot {
	const char	*sql;	/* key: address of the caller's text */
	sqlite3_stmt	*stmt;
};

struct store {
	sqlite3	*db;
	char	*path;
	struct store_stmt_slot cache[STORE_STMT_CACHE];
	size_t	 n_cache;
};

enum fp_err
store_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return FP_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return FP_EBUSY;
	case SQLITE_CONSTRAINT:
		return FP_EDUP;
	case SQLITE_NOMEM:
		return FP_ENOMEM;
	case SQLITE_TOOBIG:
		return FP_ETOOBIG;
	default:
		return FP_EIO;
	}
}

/*
 * Wait for another connection's write lock in short steps.  SQLite's own
 * busy timeout sleeps 1 to 100 ms at a time, which is an eternity next
 * to a group commit of a few hundred microseconds: the writer, the
 * senders and the callback thread would queue behind each other's naps.
 * About STORE_BUSY_TIMEOUT_MS in all, then SQLITE_BUSY.
 */
static int
on_busy(void *arg, int count)
{
	struct timespec ts = { 0, 0 };

	(void)arg;
	if (count < 50)
		ts.tv_nsec = 100 * 1000L;		/* 5 ms in all */
	else if (count < 250)
		ts.tv_nsec = 1000 * 1000L;		/* 200 ms */
	else if (count < 250 + STORE_BUSY_TIMEOUT_MS / 10)
		ts.tv_nsec = 10 * 1000 * 1000L;		/* the rest */
	else
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

enum fp_err
store_exec(struct store *st, const char *sql)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		log_error("store.exec rc=%d xrc=%d error=\"%s\"", rc,
		    sqlite3_extended_errcode(st->db),
		    msg != NULL ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return store_err(rc);
	}
	return FP_OK;
}

/*
 * Process-wide settings, before SQLite initialises itself (after that
 * sqlite3_config refuses, harmlessly: a program that opened a database
 * by other means first keeps the defaults).  Without memory statistics
 * every allocation and free inside SQLite skips a global mutex, which
 * all the gateway's connections shared; nothing reads the statistics.
 */
static void
configure_sqlite(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

enum fp_err
store_open(const char *path, enum store_durability durability,
    struct store **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct store *st;
	enum fp_err err;
	int rc;

	pthread_once(&once, configure_sqlite);
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return FP_ENOMEM;
	st->path = strdup(path);
	if (st->path == NULL) {
		free(st);
		return FP_ENOMEM;
	}
	if (strcmp(path, ":memory:") != 0 &&
	    fs_make_parent_dirs(path) != 0) {
		log_warn("store.open path=%s", path);
		err = FP_EIO;
		goto fail;
	}
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("store.open path=%s error=\"%s\"", path,
		    st->db != NULL ? sqlite3_errmsg(st->db) :
		    sqlite3_errstr(rc));
		err = FP_EIO;
		goto fail;
	}
	sqlite3_busy_handler(st->db, on_busy, NULL);
	sqlite3_extended_result_codes(st->db, 1);
	/* WAL: readers never block the writer; NORMAL is crash-safe in WAL
	 * mode, FULL also syncs each commit against power loss. */
	err = store_exec(st, "PRAGMA journal_mode=WAL");
	if (err == FP_OK)
		err = store_exec(st, durability == STORE_DURABILITY_FULL ?
		    "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
	if (err == FP_OK)
		err = store_exec(st, "PRAGMA foreign_keys=ON");
	/* Statement journals (the undo of a SAVEPOINT: the group commit
	 * opens one per job) in memory: on disk each transaction created,
	 * wrote, unlinked and closed a temporary file once a batch passed
	 * 64 KiB of them.  Nothing durable lives in temporary storage. */
	if (err == FP_OK)
		err = store_exec(st, "PRAGMA temp_store=MEMORY");
	if (err != FP_OK)
		goto fail;
	*out = st;
	return FP_OK;
fail:
	store_close(st);
	return err;
}

void
store_close(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n_cache; i++)
		sqlite3_finalize(st->cache[i].stmt);
	if (st->db != NULL)
		sqlite3_close(st->db);
	free(st->path);
	free(st);
}

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

/* BEGIN and COMMIT run once per transaction: prepared once (cached),
 * not parsed each time as store_exec would; errors logged as there. */
static enum fp_err
exec_cached(struct store *st, const char *sql)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, sql, &stmt);
	if (err != FP_OK)
		return err;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		log_error("store.exec rc=%d xrc=%d error=\"%s\"", rc,
		    sqlite3_extended_errcode(st->db), sqlite3_errmsg(st->db));
		sqlite3_reset(stmt);
		return store_err(rc);
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

enum fp_err
store_begin(struct store *st)
{
	return exec_cached(st, "BEGIN IMMEDIATE");
}

enum fp_err
store_commit(struct store *st)
{
	return exec_cached(st, "COMMIT");
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

enum fp_err
store_stmt(struct store *st, const char *sql, sqlite3_stmt **out)
{
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc;

	for (i = 0; i < st->n_cache; i++) {
		if (st->cache[i].sql == sql) {
			sqlite3_reset(st->cache[i].stmt);
			sqlite3_clear_bindings(st->cache[i].stmt);
			*out = st->cache[i].stmt;
			return FP_OK;
		}
	}
	rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		log_error("store.prepare error=\"%s\"", sqlite3_errmsg(st->db));
		return FP_EINVAL;
	}
	if (st->n_cache == STORE_STMT_CACHE) {
		/* Full: evict the oldest rather than fail. */
		sqlite3_finalize(st->cache[0].stmt);
		memmove(st->cache, st->cache + 1,
		    (STORE_STMT_CACHE - 1) * sizeof(st->cache[0]));
		st->n_cache--;
	}
	st->cache[st->n_cache].sql = sql;
	st->cache[st->n_cache].stmt = stmt;
	st->n_cache++;
	*out = stmt;
	return FP_OK;
}

enum fp_err
store_size_bytes(struct store *st, int64_t *bytes)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int64_t pages = 0, size = 0;

	err = store_stmt(st, "PRAGMA page_count", &stmt);
	if (err != FP_OK)
		return err;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		pages = sqlite3_column_int64(stmt, 0);
	err = store_stmt(st, "PRAGMA page_size", &stmt);
	if (err != FP_OK)
		return err;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		size = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	*bytes = pages * size;
	return FP_OK;
}

int
store_bind_text_or_null(sqlite3_stmt *stmt, int idx, const char *s)
{
	if (s == NULL || *s == '\0')
		return sqlite3_bind_null(stmt, idx);
	return sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT);
}

void
store_column_copy(sqlite3_stmt *stmt, int col, char *dst, size_t len)
{
	const unsigned char *v = sqlite3_column_text(stmt, col);

	snprintf(dst, len, "%s", v != NULL ? (const char *)v : "");
}

/* Step stmt to its end (rows of a RETURNING clause ignored), reset it. */
static enum fp_err
run_to_end(sqlite3_stmt *stmt)
{
	int rc;

	do
		rc = sqlite3_step(stmt);
	while (rc == SQLITE_ROW);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
store_exec_2(struct store *st, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	err = store_stmt(st, sql, &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, a);
	sqlite3_bind_int64(stmt, 2, b);	/* SQLITE_RANGE when unused */
	return run_to_end(stmt);
}

enum fp_err
store_exec_text(struct store *st, const char *sql, const char *text,
    int64_t b)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	err = store_stmt(st, sql, &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, b);	/* SQLITE_RANGE when unused */
	return run_to_end(stmt);
}
