/*
 * sms_cmd_optout.c: TD / R / 退订 / 拒收 and DY / 订阅 (SPEC 3.2): a number
 * leaves broadcast notices or comes back.  Replies, task alerts and
 * security notices are not affected (the broadcast audience consults
 * the optouts table; nothing else does).
 */
#include "sms_cmd.h"

enum fp_err
sms_cmd_optout(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, bool opt_out, const char *source,
    int64_t now, struct svc_msg *reply)
{
	struct json_object *d;
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "INSERT INTO optouts(msisdn, opted_out, source, "
	    "changed_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(msisdn) DO "
	    "UPDATE SET opted_out = ?2, source = ?3, changed_at = ?4", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, who->msisdn, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, opt_out ? 1 : 0);
	sqlite3_bind_text(stmt, 3, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	d = json_object_new_object();
	json_object_object_add(d, "msisdn", svc_event_msisdn(ctx, who->msisdn));
	json_object_object_add(d, "opted_out", json_object_new_boolean(opt_out));
	json_object_object_add(d, "source", json_object_new_string(source));
	if (who->is_member)
		json_object_object_add(d, "household_id",
		    json_object_new_string(who->household_id));
	err = svc_event(st, "optout.changed", d, now);
	if (err != FP_OK)
		return err;
	return svc_reply(ctx, who->lang, opt_out ? "td_ok" : "dy_ok", NULL, 0,
	    reply);
}
