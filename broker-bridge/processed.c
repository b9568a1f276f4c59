/*
 * processed.c: the bridge's applied ids by kind (see processed.h).
 */
#include "processed.h"

static const char *
kind_name(enum processed_kind kind)
{
	return kind == PROCESSED_COMMAND ? "command" : "registry";
}

enum fp_err
processed_seen(struct store *st, enum processed_kind kind, const char *id,
    bool *yes)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	*yes = false;
	err = store_stmt(st, "SELECT 1 FROM processed_messages WHERE kind = ?1 "
	    "AND id = ?2", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	*yes = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
processed_remember(struct store *st, enum processed_kind kind,
    const char *id, const char *outcome, int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "INSERT INTO processed_messages(kind, id, "
	    "processed_at, outcome) VALUES (?1, ?2, ?3, ?4)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite3_bind_text(stmt, 4, outcome, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}
