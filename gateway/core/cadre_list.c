/*
 * cadre_list.c: cadres for the console's picker (see cadre_list.h).  The
 * cadres of a province are a few thousand rows: read in id order on the
 * primary key, the area and the search filtered on the way.
 */
#include <string.h>

#include "cadre_list.h"
#include "msisdn.h"
#include "svc.h"

enum fp_err
cadre_list(struct store *st, const char *area, const char *q,
    const char *after, int limit, bool mask, struct json_object **out)
{
	struct json_object *items;
	sqlite3_stmt *stmt;
	char last[128] = "";
	enum fp_err err;
	int n = 0, rc;

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
	items = json_object_new_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct json_object *o;
		const char *phone;
		char masked[MSISDN_MASK_MAX];

		if (n++ == limit)
			break;
		o = json_object_new_object();
		phone = (const char *)sqlite3_column_text(stmt, 2);
		json_object_object_add(o, "cadre_id", svc_column_json(stmt, 0));
		json_object_object_add(o, "name", svc_column_json(stmt, 1));
		json_object_object_add(o, "phone", phone == NULL ? NULL :
		    json_object_new_string(mask ? msisdn_mask(phone, masked,
		    sizeof(masked)) : phone));
		json_object_object_add(o, "area_code",
		    svc_column_json(stmt, 3));
		json_object_object_add(o, "title", svc_column_json(stmt, 4));
		json_object_array_add(items, o);
		store_column_copy(stmt, 0, last, sizeof(last));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_object_put(items);
		return store_err(rc);
	}
	*out = svc_page_json(items, limit, n > limit ? last : NULL);
	return FP_OK;
}
