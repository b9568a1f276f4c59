/*
 * service_ops.h: what villagers and cadres can change, whatever the
 * channel (SMS commands, USSD and SMS menus, later the admin API): one
 * function per change, each inside the caller's transaction, each
 * appending its event, all stamped with the caller's `now` (unix
 * seconds).  Channels only parse and render around them.
 */
#ifndef FP_SERVICE_OPS_H
#define FP_SERVICE_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "svc.h"

#define OPS_TICKET_MAX 32

/*
 * A feedback ticket "F" + digits for who (household and area when
 * known), with category (may be NULL) and text; event feedback.created.
 * channel: "sms" or "ussd"; sms_in_id 0 when not from an SMS.
 */
enum fp_err ops_feedback_create(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, const char *category, const char *text,
    const char *channel, int64_t sms_in_id, int64_t now,
    char ticket[OPS_TICKET_MAX]);

/* The program's name for its code; *found false when unknown. */
enum fp_err ops_program_name(struct store *st, const char *code, char *out,
    size_t len, bool *found);

/*
 * Ask to enroll member_id (of household_id) in program; never moves an
 * enrollment back from enrolled or completed.  Event
 * enrollment.requested.
 */
enum fp_err ops_enroll_request(struct store *st, const struct svc_ctx *ctx,
    const char *member_id, const char *household_id, const char *msisdn,
    const char *program, const char *channel, int64_t now);

enum ops_ack_result {
	OPS_ACK_DONE,		/* acknowledged now; event task.acked */
	OPS_ACK_ALREADY,	/* was acknowledged before */
	OPS_ACK_UNKNOWN,	/* no such task for this cadre */
};

/* The cadre acknowledges task number `task`. */
enum fp_err ops_task_ack(struct store *st, const char *cadre_id,
    const char *task, const char *channel, int64_t now,
    enum ops_ack_result *result);

/*
 * A call-back request from msisdn for household_id: a task of kind
 * "callback" for the household's cadre; task gets its number ("T" +
 * digits).  *has_cadre false (nothing written) when the household has
 * no cadre.
 */
enum fp_err ops_callback_request(struct store *st, const char *household_id,
    const char *msisdn, const char *text, int64_t now,
    char task[OPS_TICKET_MAX], bool *has_cadre);

/* Remember msisdn's language (zh, ii, bo, en). */
enum fp_err ops_language_set(struct store *st, const char *msisdn,
    const char *lang, int64_t now);

#endif
