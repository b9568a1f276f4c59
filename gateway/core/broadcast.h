/*
 * broadcast.h: broadcasts and reminders (SPEC 3.5, 4), the store side
 * shared by the admin API, fupinctl and the MQTT command topic.
 *
 * A broadcast is created with its audience (audience.h) and resolved
 * into broadcast_recipients in batches; broadcast_round (run by the
 * broadcaster thread) then queues due recipients into the outbox:
 * never in quiet hours, never to an opted-out number, at most once per
 * number, at most schedule.max_notices_per_day notices a day per number
 * (what is over the cap waits for the next day), each in its
 * household's language, filled from its record and the broadcast's vars.
 */
#ifndef FP_BROADCAST_H
#define FP_BROADCAST_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "audience.h"
#include "svc.h"

#define BROADCAST_VARS_MAX 32

struct broadcast_req {
	const char	*template_name;	/* notices/<name>, or NULL */
	const char	*text;		/* or NULL */
	struct audience	 audience;
	int64_t		 send_at;
	struct tpl_var	 vars[BROADCAST_VARS_MAX];
	size_t		 n_vars;
	const char	*provider;	/* NULL: the default */
	const char	*created_by;	/* token name, "fupinctl", "mqtt" */
	const char	*scope;		/* the creator's area scope, "";
					 * audience_scope has narrowed the
					 * audience to it */
	const char	*command_id;	/* MQTT command id, or NULL */
	const char	*kind;		/* "broadcast" or "reminder" */
	const char	*reminder_key;	/* reminders: name/day, or NULL */
	const char	*training_id;	/* "training": its record fills
					 * training_title, starts_on,
					 * location; or NULL */
	char		 training_title[256];
	char		 training_starts[16];
	char		 training_location[256];
	char		 why_buf[160];	/* a parse error naming a key */
};

/*
 * Parse the JSON body of POST /api/v1/broadcasts or cmd/broadcast into
 * r (strings borrowed from o).  Unknown fields, wrong types, an absurd
 * send_at (RFC 3339 within a year from now), template and text both or
 * neither, a vars key naming a record field (notice_record_field), a
 * NUL character in a string: FP_EINVAL with *why.  extra (may be NULL) names one more
 * field allowed (MQTT's "command_id").
 */
enum fp_err broadcast_parse(struct json_object *o, const struct cfg *cfg,
    int64_t now, const char *extra, struct broadcast_req *r, bool *dry_run,
    const char **why);

/*
 * A broadcast naming a training (r->training_id): its title, start day
 * and place become the record fields training_title, starts_on and
 * location of every recipient, and the audience defaults to the
 * training's program (enrolled) and area.  An audience.program that is
 * not the training's: FP_EINVAL; no such training: FP_ENOTFOUND; both
 * with *why.  Nothing to do without a training.
 */
enum fp_err broadcast_training(struct store *st, struct broadcast_req *r,
    const char **why);

/*
 * Whether a string anywhere in o holds a NUL character (JSON's \u0000):
 * C strings would stop there.  broadcast_parse and alert_parse refuse
 * such a body (FP_EINVAL).
 */
bool broadcast_json_has_nul(struct json_object *o);

/*
 * Before anything is stored: the template exists and renders in every
 * language with vars and the recipient's record (name, household_id,
 * cadre_name, cadre_phone); the provider exists; text is not sent
 * through a provider that requires approved templates.  FP_EINVAL with
 * *why, and *missing naming a missing variable (borrowed).  FP_ETOOBIG
 * with *why (SPEC 4): the text, or a language's rendering with vars and
 * the longest realistic record, is longer than sms.max_segments.
 */
enum fp_err broadcast_check(const struct svc_ctx *ctx,
    const struct broadcast_req *r, const char **why, const char **missing);

/* The broadcast row, not yet resolved; an audit row.  *id. */
enum fp_err broadcast_insert(struct store *st, const struct broadcast_req *r,
    int64_t now, int64_t *id);

/*
 * Resolving a broadcast's audience into broadcast_recipients, one row per
 * distinct number (opted-out numbers left out), a batch of households a
 * transaction: the broadcast, the households' cursor and the numbers
 * already written, kept in memory between the batches by whoever resolves
 * (the broadcaster).  When a batch's transaction is rolled back the
 * resolution must be freed and begun again: begin reads the numbers
 * already written, so a restart (a crash, a rollback) writes none twice.
 */
struct broadcast_resolution;

/* Begin (or begin again) resolving broadcast id: FP_ENOTFOUND. */
enum fp_err broadcast_resolve_begin(struct store *st, int64_t id,
    struct broadcast_resolution **out);

/*
 * The next `batch` households (audience_materialize).  When *done the
 * count is final: broadcasts.recipients = *recipients, the rows written.
 * A broadcast cancelled meanwhile is done at once with the rows it has.
 */
enum fp_err broadcast_resolve_step(struct store *st,
    const struct svc_ctx *ctx, struct broadcast_resolution *r, int batch,
    bool *done, int64_t *recipients);

int64_t broadcast_resolution_id(const struct broadcast_resolution *r);
void broadcast_resolve_free(struct broadcast_resolution *r);	/* NULL ok */

/* Broadcasts whose resolution did not finish (a crash): their ids. */
enum fp_err broadcast_unresolved(struct store *st, int64_t *ids, size_t max,
    size_t *n);

/*
 * Prune the recipient rows of one broadcast that finished or was
 * cancelled schedule.retention_days or more before now: at most `max`
 * rows a call (*deleted).  Its per-status counts and segments sent are
 * stored on the broadcast first, so broadcast_status answers the same
 * before, during and after.
 */
enum fp_err broadcast_prune(struct store *st, const struct cfg *cfg,
    int64_t now, int max, int *deleted);

/*
 * Dry run: recipients (audience_count), and per language their count,
 * a sample rendering for the first recipient in it and its segments; a
 * JSON object.
 * FP_ETOOBIG: a sample is longer than sms.max_segments (SPEC 4).
 */
enum fp_err broadcast_dry_run(struct store *st, const struct svc_ctx *ctx,
    const struct broadcast_req *r, struct json_object **out);

/*
 * GET /api/v1/broadcasts/{id}: FP_ENOTFOUND, FP_EREJECT outside the
 * scope (a broadcast made by a token of another area).  "recipients" is
 * the number of distinct numbers resolved (null while resolving), and
 * "counts" (recipients not queued by status, then the messages of the
 * queued ones by status) add up to it.
 */
enum fp_err broadcast_status(struct store *st, int64_t id, const char *scope,
    struct json_object **out);

/*
 * The broadcasts in scope, newest first, status filter (NULL: all),
 * `limit` of them after the first `offset`: {"items","offset","limit",
 * "total" (all in scope with the status),"next" (the id to pass as
 * broadcast_list_after's `after` for the next page, or null)}.
 */
enum fp_err broadcast_list(struct store *st, const char *scope,
    const char *status, int64_t offset, int limit, struct json_object **out);

/* The same paged by key (SPEC 10): the broadcasts with an id below
 * `after` (0: from the newest). */
enum fp_err broadcast_list_after(struct store *st, const char *scope,
    const char *status, int64_t after, int limit, struct json_object **out);

/*
 * Cancel: what is not yet sent is not sent (pending recipients and
 * queued messages).  FP_ENOTFOUND, FP_EREJECT outside the scope; FP_EBUSY
 * when it already finished or was cancelled.
 */
enum fp_err broadcast_cancel(struct store *st, int64_t id, const char *scope,
    const char *actor, int64_t now);

/*
 * One round of sending: for due broadcasts outside quiet hours, queue at
 * most `budget` pending recipients; *queued gets how many.  Marks
 * broadcasts sending and finished.
 */
enum fp_err broadcast_round(struct store *st, const struct svc_ctx *ctx,
    int64_t now, int budget, int *queued);

/*
 * SPEC 3.5: whether `name` is a field of a recipient's record (name,
 * household_id, cadre_name, cadre_phone, training_title, starts_on,
 * location): a vars key naming one is refused (a 400), so that a
 * recipient's own data is never overridden.  broadcast_parse,
 * alert_parse and POST /api/v1/sms check it.
 */
bool notice_record_field(const char *name);

/* A recipient's record: what a notice may say about them. */
struct notice_record {
	char	 name[128];
	char	 household_id[40];
	char	 cadre_name[64];
	char	 cadre_phone[24];	/* national: 199... */
};

/* The record of member_id, else of cadre_id (either may be NULL or ""). */
enum fp_err notice_record_load(struct store *st, const char *member_id,
    const char *cadre_id, struct notice_record *r);

/*
 * A notice for one recipient in `lang` into *out (caller frees): text
 * as given, or notices/<template_name> with vars (first) and the record.
 * A record field that is empty counts as missing: FP_EINVAL with
 * *missing, never a hole in the message.
 */
enum fp_err notice_render(const struct svc_ctx *ctx,
    const char *template_name, const char *text, const struct tpl_var *vars,
    size_t n_vars, const struct notice_record *rec, const char *lang,
    char **out, const char **missing);

/* notice_render into m, with the template's key and variables (free
 * text: key ""), for the outbox (SPEC 11). */
enum fp_err notice_render_msg(const struct svc_ctx *ctx,
    const char *template_name, const char *text, const struct tpl_var *vars,
    size_t n_vars, const struct notice_record *rec, const char *lang,
    struct svc_msg *m, const char **missing);

/* An audit row: who did what to what. */
enum fp_err audit_record(struct store *st, int64_t now, const char *actor,
    const char *action, const char *target, const char *detail);

#endif
