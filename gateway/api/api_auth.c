/*
 * api_auth.c: token roles and area scope (see api_auth.h).
 */
#include "api_auth.h"

bool
api_auth_can_write(const struct cfg_token *token)
{
	return token->role == CFG_ROLE_ADMIN || token->role == CFG_ROLE_OFFICE;
}

enum fp_err
api_auth_msisdn_in_scope(struct store *st, const struct cfg_token *token,
    const char *e164)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	bool found;

	if (*token->area == '\0')
		return FP_OK;
	err = store_stmt(st, "SELECT 1 FROM members m JOIN households h USING "
	    "(household_id) WHERE m.phone = ?1 AND substr(h.area_code, 1, "
	    "length(?2)) = ?2 UNION ALL SELECT 1 FROM cadres WHERE phone = ?1 "
	    "AND substr(area_code, 1, length(?2)) = ?2 LIMIT 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, e164, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, token->area, -1, SQLITE_STATIC);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_reset(stmt);
	return found ? FP_OK : FP_EREJECT;
}
