/*
 * sms_service.c: the life of one inbound message (see sms_service.h),
 * and the helpers the commands share: who is calling, texts, events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "outbox.h"
#include "sms_service.h"
#include "ussd_engine.h"

/* ---- one message ---------------------------------------------------- */

/* Stored and published instead of an answer to the ID challenge. */
#define CHALLENGE_MARK	"[id-challenge]"

/* An earlier message with the same provider id on the same route. */
static enum fp_err
find_duplicate(struct store *st, const struct mo_msg *mo,
    struct mo_result *res)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (mo->provider_id == NULL || *mo->provider_id == '\0')
		return FP_ENOTFOUND;
	err = store_stmt(st, "SELECT id FROM sms_in WHERE route = ?1 AND "
	    "provider_id = ?2", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, mo->route, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, mo->provider_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		res->id = sqlite3_column_int64(stmt, 0);
		res->is_duplicate = true;
	}
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		return FP_OK;
	return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
}

enum fp_err
sms_next_id(struct store *st, int64_t *id)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT max(ifnull((SELECT max(id) FROM sms_in), "
	    "0), ifnull((SELECT max(id) FROM sms_out), 0)) + 1", &stmt);
	if (err != FP_OK)
		return err;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? FP_OK : store_err(rc);
}

/* The message, already in its final state: one write, not two. */
static enum fp_err
insert_mo(struct store *st, const struct mo_msg *mo, int64_t now,
    const char *command, const struct svc_caller *who, int64_t *id)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = sms_next_id(st, id);
	if (err != FP_OK)
		return err;
	err = store_stmt(st, "INSERT INTO sms_in(route, provider_id, msisdn, "
	    "to_addr, text, smsc, received_at, id, status, command, "
	    "household_id) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,'processed',?9,?10)",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 8, *id);
	sqlite3_bind_text(stmt, 9, command, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 10, who->household_id);
	sqlite3_bind_text(stmt, 1, mo->route, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 2, mo->provider_id);
	sqlite3_bind_text(stmt, 3, mo->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, mo->to != NULL ? mo->to : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, mo->text, (int)mo->text_len, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 6, mo->smsc);
	sqlite3_bind_int64(stmt, 7, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/*
 * More than sms.max_per_minute from this number in the last minute?
 * The count stops at the limit (SPEC 3.1: a flood costs no more per
 * message than ordinary traffic): at most max_per_minute entries of
 * the index on (msisdn, received_at) are read, however many the number
 * sent.  Counting them all made each message of a flood dearer than
 * the one before.
 */
static enum fp_err
is_flooding(struct store *st, const struct svc_ctx *ctx, const char *from,
    int64_t now, bool *flooding)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int64_t n = 0;
	int rc;

	err = store_stmt(st, "SELECT count(*) FROM (SELECT 1 FROM sms_in "
	    "INDEXED BY sms_in_msisdn WHERE msisdn = ?1 AND received_at > ?2 "
	    "LIMIT ?3)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now - 60);
	sqlite3_bind_int(stmt, 3, ctx->cfg->sms.max_per_minute);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return store_err(rc);
	/* The count is of the earlier ones: this one would be n + 1. */
	*flooding = n + 1 > ctx->cfg->sms.max_per_minute;
	return FP_OK;
}

/* Unmatched text: help at most once per sms.help_interval per number. */
static enum fp_err
help_due(struct store *st, const struct svc_ctx *ctx, const char *from,
    int64_t now, bool *due)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "INSERT INTO msisdn_prefs(msisdn, last_help_at, "
	    "updated_at) VALUES (?1, ?2, ?2) ON CONFLICT(msisdn) DO UPDATE "
	    "SET last_help_at = ?2, updated_at = ?2 WHERE last_help_at IS NULL"
	    " OR last_help_at <= ?2 - ?3", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite3_bind_int64(stmt, 3, ctx->cfg->sms.help_interval_s);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	*due = sqlite3_changes(store_db(st)) > 0;
	return FP_OK;
}

/*
 * The SMS menu (SPEC 3.2 CD, 3.3 last point): CD / 菜单 / 0 start it;
 * while a session is open, digits (and "0", "00", "98") answer its
 * screen, and so does any text when the screen asks for text.
 * What the menu takes of cmd, given where the number's session stands.
 */
enum menu_take {
	MENU_NOT,		/* not for the menu: the command runs */
	MENU_RESTART,		/* a new session */
	MENU_DIGITS,		/* cmd->arg answers the screen */
	MENU_TEXT		/* the message's text answers it */
};

static enum menu_take
menu_take(const struct svc_ctx *ctx, const struct sms_cmd *cmd,
    const struct ussd_sms_state *ms)
{
	if (ctx->menu == NULL)
		return MENU_NOT;
	if (cmd->kind == SMS_CMD_MENU && !(ms->open && strcmp(cmd->arg, "0") ==
	    0))
		return MENU_RESTART;
	if (ms->open && (cmd->kind == SMS_CMD_DIGITS ||
	    cmd->kind == SMS_CMD_MENU))
		return MENU_DIGITS;
	if (ms->open && ms->wants_text && cmd->kind == SMS_CMD_NONE)
		return MENU_TEXT;
	return MENU_NOT;
}

/* Only these can be for the menu: spare every other MO the read. */
static enum fp_err
menu_state(struct store *st, const struct svc_ctx *ctx, const char *from,
    const struct sms_cmd *cmd, int64_t now, struct ussd_sms_state *ms)
{
	memset(ms, 0, sizeof(*ms));
	if (ctx->menu == NULL || (cmd->kind != SMS_CMD_MENU &&
	    cmd->kind != SMS_CMD_DIGITS && cmd->kind != SMS_CMD_NONE))
		return FP_OK;
	return ussd_sms_session(st, from, ctx, now, ms);
}

/* *handled false: not for the menu, the command runs as usual. */
static enum fp_err
sms_menu(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, const struct sms_cmd *cmd,
    const struct mo_msg *mo, enum menu_take take, int64_t now,
    struct svc_msg *reply, bool *handled)
{
	struct ussd_request rq;
	struct ussd_reply r;
	char key[SVC_MSG_KEY_MAX];
	char *text = NULL;
	enum fp_err err;

	*handled = false;
	memset(&rq, 0, sizeof(rq));
	rq.channel = "sms";
	rq.msisdn = who->msisdn;
	switch (take) {
	case MENU_NOT:
		return FP_OK;
	case MENU_RESTART:
		rq.restart = true;
		break;
	case MENU_DIGITS:
		rq.text = cmd->arg;
		break;
	case MENU_TEXT: {
		size_t b = 0, e = mo->text_len;

		while (b < e && (mo->text[b] == ' ' || mo->text[b] == '\n' ||
		    mo->text[b] == '\r' || mo->text[b] == '\t'))
			b++;
		while (e > b && (mo->text[e - 1] == ' ' || mo->text[e - 1] ==
		    '\n' || mo->text[e - 1] == '\r' || mo->text[e - 1] == '\t'))
			e--;
		text = strndup(mo->text + b, e - b);
		if (text == NULL)
			return FP_ENOMEM;
		rq.text = text;
		break;
	}
	}
	if (rq.text == NULL)
		rq.text = "";
	err = ussd_handle(st, ctx, &rq, now, &r);
	free(text);
	if (err != FP_OK)
		return err;
	*handled = true;
	/* SPEC 11: a page goes out whole as its screen's template. */
	snprintf(key, sizeof(key), "menu/%s", r.screen_id);
	return svc_msg_take(reply, r.screen, key, r.lang, "screen");
}

static enum fp_err
dispatch(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, const struct sms_cmd *cmd,
    const struct mo_msg *mo, enum menu_take take, int64_t in_id, int64_t now,
    struct svc_msg *reply)
{
	enum fp_err err;
	bool due = false, handled = false;

	err = sms_menu(st, ctx, who, cmd, mo, take, now, reply, &handled);
	if (err != FP_OK || handled)
		return err;

	switch (cmd->kind) {
	case SMS_CMD_QUERY:
		return sms_cmd_query(st, ctx, who, now, reply);
	case SMS_CMD_FEEDBACK:
		return sms_cmd_feedback(st, ctx, who, cmd->arg, in_id, now,
		    reply);
	case SMS_CMD_ENROLL:
		return sms_cmd_enroll(st, ctx, who, cmd->arg, now, reply);
	case SMS_CMD_ACK:
		return sms_cmd_ack(st, ctx, who, cmd->arg, now, reply);
	case SMS_CMD_OPTOUT:
		return sms_cmd_optout(st, ctx, who, true, "sms", now,
		    reply);
	case SMS_CMD_OPTIN:
		return sms_cmd_optout(st, ctx, who, false, "sms", now,
		    reply);
	case SMS_CMD_HELP:
		/* SPEC 3.2: an explicit help request is always answered. */
		return svc_reply(ctx, who->lang, "help", NULL, 0, reply);
	case SMS_CMD_MENU:
	case SMS_CMD_DIGITS:
	case SMS_CMD_NONE:
	case SMS_CMD_EMPTY:
		break;
	}
	/* Unmatched text (and CD without menus) get the help text, once
	 * per interval. */
	err = help_due(st, ctx, who->msisdn, now, &due);
	if (err != FP_OK || !due)
		return err;
	return svc_reply(ctx, who->lang, "help", NULL, 0, reply);
}

static enum fp_err
inbound_event(struct store *st, const struct svc_ctx *ctx,
    const struct mo_msg *mo, int64_t id, const char *command, int64_t now)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "id", json_object_new_int64(id));
	json_object_object_add(d, "route", json_object_new_string(mo->route));
	json_object_object_add(d, "from", svc_event_msisdn(ctx, mo->from));
	json_object_object_add(d, "to", json_object_new_string(
	    mo->to != NULL ? mo->to : ""));
	json_object_object_add(d, "text", json_object_new_string_len(
	    mo->text, (int)mo->text_len));
	json_object_object_add(d, "command", json_object_new_string(command));
	if (mo->provider_id != NULL && *mo->provider_id != '\0')
		json_object_object_add(d, "provider_id",
		    json_object_new_string(mo->provider_id));
	return svc_event(st, "sms.inbound", d, now);
}

enum fp_err
sms_service_receive(struct store *st, const struct svc_ctx *ctx,
    const struct mo_msg *mo, int64_t now, struct mo_result *res)
{
	struct svc_caller who;
	struct sms_cmd cmd;
	struct outbox_msg out;
	struct ussd_sms_state ms;
	struct mo_msg stored;
	enum menu_take take;
	struct svc_msg reply = SVC_MSG_INIT;
	const char *command;
	enum fp_err err;

	memset(res, 0, sizeof(*res));
	err = find_duplicate(st, mo, res);
	if (err != FP_ENOTFOUND)
		return err;	/* FP_OK: a repeat, answered as the first */
	err = svc_caller_lookup(st, ctx, mo->from, &who);
	if (err == FP_OK)
		err = is_flooding(st, ctx, mo->from, now, &res->is_flooded);
	if (err != FP_OK)
		return err;
	sms_router_parse(mo->text, mo->text_len, &cmd);
	command = res->is_flooded ? "flood" : sms_router_name(cmd.kind);
	err = menu_state(st, ctx, mo->from, &cmd, now, &ms);
	if (err != FP_OK)
		return err;
	take = menu_take(ctx, &cmd, &ms);
	/* An answer to the ID challenge is never stored or published in
	 * clear (SPEC 3.3): the row and the event get a mark instead. */
	stored = *mo;
	if (ms.challenge && (take == MENU_DIGITS || take == MENU_TEXT)) {
		stored.text = CHALLENGE_MARK;
		stored.text_len = strlen(CHALLENGE_MARK);
		res->is_challenge = true;
	}
	err = insert_mo(st, &stored, now, command, &who, &res->id);
	if (err != FP_OK)
		return err;
	if (!res->is_flooded) {
		err = dispatch(st, ctx, &who, &cmd, mo, take, res->id, now,
		    &reply);
		if (err != FP_OK)
			goto done;
	}
	if (reply.text != NULL) {
		memset(&out, 0, sizeof(out));
		out.to = mo->from;
		svc_msg_outbox(&reply, &out);
		out.kind = "reply";
		out.in_reply_to = res->id;
		out.via = mo->route;	/* back over its link (route.h) */
		err = outbox_enqueue(st, ctx->cfg, &out, now,
		    &res->reply_id);
		if (err != FP_OK)
			goto done;
	}
	err = inbound_event(st, ctx, &stored, res->id, command, now);
done:
	svc_msg_cleanup(&reply);
	return err;
}
