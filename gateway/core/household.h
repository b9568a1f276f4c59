/*
 * household.h: a household's status in words, for CX and the USSD status
 * screen.
 */
#ifndef FP_HOUSEHOLD_H
#define FP_HOUSEHOLD_H

#include "svc.h"

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
    const struct svc_ctx *ctx, const char *lang, const char *household_id,
    const char *area_code, int64_t now, struct household_summary *out);

/* The CX reply is at most this many SMS (SPEC 3.2). */
#define HH_TEXT_MAX_SEGMENTS 2

/*
 * The status summary as a villager gets it by CX (sms/cx_status in
 * `lang`) into *out (caller frees): at most HH_TEXT_MAX_SEGMENTS SMS,
 * the next training dropped first, then the programs, when longer.  p
 * is not changed.  FP_EINVAL / FP_ENOTFOUND: a shipped text is broken
 * (svc_text).  FP_ENOMEM.
 */
enum fp_err household_summary_text(const struct svc_ctx *ctx,
    const char *lang, const struct household_summary *p, char **out);

/* The same as a reply to send: sms/cx_status with its variables. */
enum fp_err household_summary_msg(const struct svc_ctx *ctx,
    const char *lang, const struct household_summary *p,
    struct svc_msg *out);

#endif
