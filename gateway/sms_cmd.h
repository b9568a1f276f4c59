/*
 * sms_cmd.h: what the SMS commands of SPEC 3.2 share, and one entry
 * point per command family (sms_cmd_*.c).  Each runs at the caller's
 * `now` (unix seconds; nothing below reads the clock), inside the
 * transaction that stored the inbound message, changes data through the
 * store, appends its event, and hands back the reply text in the
 * caller's language (rendered from templates/<lang>/sms/).
 */
#ifndef FP_SMS_CMD_H
#define FP_SMS_CMD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "err.h"
#include "msisdn.h"
#include "sms_router.h"
#include "store.h"
#include "templates.h"

#define SMS_ID_MAX 33
#define SMS_AREA_MAX 13

struct ussd_menu;

/* Read-only context of the running gateway, borrowed. */
struct sms_ctx {
	const struct cfg	*cfg;
	const struct templates	*tpl;
	const struct ussd_menu	*menu;	/* NULL: no USSD / SMS menu */
};

/* Who sent a message, looked up by number. */
struct sms_caller {
	char	 msisdn[MSISDN_MAX];
	char	 lang[4];			/* reply language */
	bool	 is_member;			/* registered to a household */
	char	 member_id[SMS_ID_MAX];
	char	 household_id[SMS_ID_MAX];
	char	 area_code[SMS_AREA_MAX];	/* the household's or cadre's */
	bool	 is_cadre;
	char	 cadre_id[SMS_ID_MAX];
};

/*
 * Look up `msisdn` among members and cadres; the language is the
 * number's remembered choice, else the household's, else the default.
 */
enum fp_err sms_caller_lookup(struct store *st, const struct sms_ctx *ctx,
    const char *msisdn, struct sms_caller *out);

/*
 * Render sms/<name> in the caller's language into *out (caller frees).
 * A template or variable missing is a bug in the shipped texts: logged,
 * FP_EINVAL / FP_ENOTFOUND.
 */
enum fp_err sms_text(const struct sms_ctx *ctx, const char *lang,
    const char *name, const struct tpl_var *vars, size_t n_vars, char **out);

/*
 * Append event `type` whose data is `data` (consumed: put here).
 * Inside the caller's transaction.
 */
enum fp_err sms_event(struct store *st, const char *type,
    struct json_object *data, int64_t now);

/* A number as events carry it: in full only with mqtt.include_msisdn. */
struct json_object *sms_event_msisdn(const struct sms_ctx *ctx,
    const char *e164);

/* A household's status in words, for CX and the USSD status screen. */
#define HH_PIECE_MAX 512
struct household_summary {
	char	 name[128];		/* the head's */
	char	 status_word[64];	/* status_poor, ... in the language */
	char	 cadre_name[64];
	char	 cadre_phone[24];	/* national: 139... */
	char	 programs[HH_PIECE_MAX];	/* "雨露计划:已报名,..." */
	char	 payment[128];		/* "1200(2026-03-01)" */
	char	 training[HH_PIECE_MAX];	/* next one near area_code */
};

/*
 * Fill *out for household_id in `lang` ("none" for what is missing).
 * FP_ENOTFOUND when there is no such household.
 */
enum fp_err household_summary_load(struct store *st,
    const struct sms_ctx *ctx, const char *lang, const char *household_id,
    const char *area_code, int64_t now, struct household_summary *out);

/* CX: the household's status summary, or a refusal that reveals nothing. */
enum fp_err sms_cmd_query(struct store *st, const struct sms_ctx *ctx,
    const struct sms_caller *who, int64_t now, char **reply);

/* FK <text>: a feedback ticket; event feedback.created. */
enum fp_err sms_cmd_feedback(struct store *st, const struct sms_ctx *ctx,
    const struct sms_caller *who, const char *text, int64_t sms_in_id,
    int64_t now, char **reply);

/* BM <code>: an enrollment request; event enrollment.requested. */
enum fp_err sms_cmd_enroll(struct store *st, const struct sms_ctx *ctx,
    const struct sms_caller *who, const char *code, int64_t now,
    char **reply);

/* QR <task>: a cadre acknowledges a task; event task.acked. */
enum fp_err sms_cmd_ack(struct store *st, const struct sms_ctx *ctx,
    const struct sms_caller *who, const char *task, int64_t now,
    char **reply);

/* TD / DY: opt out of broadcast notices or back in; optout.changed. */
enum fp_err sms_cmd_optout(struct store *st, const struct sms_ctx *ctx,
    const struct sms_caller *who, bool opt_out, const char *source,
    int64_t now, char **reply);

#endif
