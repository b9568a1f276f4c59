/*
 * cadre_list.c: cadres for the console's picker (see cadre_list.h).  The
 * cadres of a province are a few thousand rows: read in id order on the
 * primary key, the area and the search filtered on the way.
 */
#include <string.h>

#include "cadre_list.h"
#include "msisdn.h"
#include "svc.h"

/* One cadre of the page; arg points to whether the phone is masked. */
static struct json_object *
cadre_item(sqlite3_stmt *stmt, void *arg)
{
	struct json_object *o = json_object_new_object();
	const char *phone = (const char *)sqlite3_column_text(stmt, 2);
	char masked[MSISDN_MASK_MAX];

	json_object_object_add(o, "cadre_id", svc_column_json(stmt, 0));
	json_object_object_add(o, "name", svc_column_json(stmt, 1));
	json_object_object_add(o, "phone", phone == NULL ? NULL :
	    json_object_new_string(*(const bool *)arg ? msisdn_mask(phone,
	    masked, sizeof(masked)) : phone));
	json_object_object_add(o, "area_code", svc_column_json(stmt, 3));
	json_object_object_add(o, "title", svc_column_json(stmt, 4));
	return o;
}

enum fp_err
cadre_list(struct store *st, const char *area, const char *q,
    const char *after, int limit, bool mask, struct json_object **out)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	/* One more than asked: whether there is a next page.  instr, not
	 * LIKE: a % or _ in q is only itself. */
	err = store_stmt(st, "SELECT cadre_id, name, phone, area_code, title "
	    "FROM cadres WHERE cadre_id > ?1 AND (?2 = '' OR substr("
	    "area_code, 1, length(?2)) = ?2) AND (?3 = '' OR instr(name, ?3) > "
	    "0 OR instr(upper(cadre_id), upper(?3)) = 1) ORDER BY cadre_id "
	    "LIMIT ?4 + 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, after != NULL ? after : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, area != NULL ? area : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, q != NULL ? q : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, limit);
	return svc_page_rows(stmt, limit, cadre_item, &mask, out);
}
