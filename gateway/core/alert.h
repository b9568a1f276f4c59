/*
 * alert.h: task alerts to cadres (SPEC 3.5, issue 6), shared by the
 * admin API, fupinctl and cmd/alert: one task per cadre with its task
 * number, one SMS per cadre (notices/task_alert, or the given template),
 * urgent ones through the quiet hours, the others after them.  A task
 * that asks for acknowledgement and gets none within
 * schedule.ack_timeout is sent once more; after as long again it raises
 * a task.overdue event.
 */
#ifndef FP_ALERT_H
#define FP_ALERT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "broadcast.h"

#define ALERT_CADRES_MAX 1000

struct alert_req {
	const char	*cadres[ALERT_CADRES_MAX];	/* cadre ids, borrowed */
	size_t		 n_cadres;
	char		 area[AUDIENCE_AREA_MAX];	/* or "" with cadres */
	const char	*text;
	const char	*template_name;
	struct tpl_var	 vars[BROADCAST_VARS_MAX];
	size_t		 n_vars;
	const char	*due;		/* "YYYY-MM-DD", "YYYY-MM-DD HH:MM"
					 * (local), or NULL */
	bool		 ack_required;	/* default true */
	bool		 urgent;
	const char	*created_by;
	const char	*scope;		/* the creator's area, "" */
	const char	*command_id;	/* cmd/alert, or NULL */
	char		 due_buf[20];	/* due points here */
	char		 why[256];	/* alert_parse's *why points here */
};

/*
 * Parse POST /api/v1/alerts or cmd/alert (extra: one more allowed
 * field).  FP_EINVAL with *why, "<field>: <reason>" (SPEC 3.5: the
 * field that failed and why; it lives in r): an unknown field, a wrong
 * type, a vars key naming a record field (notice_record_field) or the
 * alert's own task or due, a NUL character in a string.  due is a date
 * YYYY-MM-DD, kept as it is, or an RFC 3339 time, kept as the local
 * time of the schedule's zone (the process's) "YYYY-MM-DD HH:MM".
 */
enum fp_err alert_parse(struct json_object *o, const char *extra,
    struct alert_req *r, const char **why);

/*
 * Create the alert: its tasks and messages.  *id the alert; task numbers
 * appended to the JSON array `numbers`.  FP_EREJECT: a cadre or the area
 * is outside the scope; FP_ENOTFOUND: an unknown cadre (*why); FP_EINVAL:
 * a template variable is missing (*why, *missing); FP_ETOOBIG: a
 * cadre's message is longer than sms.max_segments (*why, SPEC 4).
 */
enum fp_err alert_create(struct store *st, const struct svc_ctx *ctx,
    const struct alert_req *r, int64_t now, int64_t *id,
    struct json_object *numbers, const char **why, const char **missing);

/* Re-send and escalate what is overdue at now. */
enum fp_err alert_escalate(struct store *st, const struct svc_ctx *ctx,
    int64_t now, int *resent, int *overdue);

#endif
