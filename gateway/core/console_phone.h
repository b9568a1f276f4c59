/*
 * console_phone.h: the phone on the console's "Menus and texts" page
 * (POST /api/v1/console/phone): the USSD menu run in a sandbox for a
 * clerk, by a fixed test number that belongs to no household
 * (console.phone_msisdn).  What the sandbox does, and does not:
 *
 *   - every request is the whole dialogue so far (the inputs joined by
 *     '*', as USSD sends them) replayed from the start screen; no
 *     session is loaded or kept (ussd_sessions), no ussd.session event
 *     is written, nothing is counted against the ID challenge;
 *   - the menu's actions (a feedback ticket, an enrollment request, a
 *     call-back task, a task acknowledgement, the remembered language)
 *     are not run: the screen after them is drawn as the villager would
 *     see it, with a placeholder where the result goes (ticket "F0",
 *     task "T0"), and the reply names the actions that were skipped;
 *   - the ID challenge is asked as a villager is asked, but what is
 *     typed is checked against no household: it always fails (tries
 *     left 2, 1, then the locked screen), so no registry data is ever
 *     shown and no real household's lock is read or counted;
 *   - the run reads the registry (a training list, the programs) and
 *     writes nothing: the API runs it on a connection made read-only for
 *     its duration (PRAGMA query_only), so a write would fail rather
 *     than happen;
 *   - a test number that is a household member's or a cadre's is
 *     refused (FP_EREJECT): the sandbox never speaks as a real person.
 *
 * The engine is the USSD part's (gateway/ussd/), which the admin API
 * may not use: gateway/main.c hands its ussd_sandbox to the API as a
 * console_phone_fn through struct gw.
 */
#ifndef FP_CONSOLE_PHONE_H
#define FP_CONSOLE_PHONE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

struct svc_ctx;

#define CONSOLE_PHONE_ID_MAX		40
#define CONSOLE_PHONE_SKIPPED_MAX	96

struct console_phone_request {
	const char	*msisdn;	/* E.164, console.phone_msisdn */
	const char	*text;		/* the inputs so far joined by '*';
					 * "" dials */
	const char	*lang;		/* the caller's language (zh, ii, bo,
					 * en); NULL: templates.default_language */
};

struct console_phone_reply {
	bool	 end;			/* END (the dialogue is over) */
	char	*screen;		/* malloc'd; the caller frees */
	char	 screen_id[CONSOLE_PHONE_ID_MAX];	/* menu.conf's id, or
					 * the engine's own ("_id6") */
	char	 lang[4];		/* the language the screen is in */
	/* The actions the sandbox did not run on the way, in order,
	 * separated by ',' ("feedback"); "" for none. */
	char	 skipped[CONSOLE_PHONE_SKIPPED_MAX];
};

/*
 * Run rq in the sandbox (above) on st at now, into *out.  FP_EREJECT:
 * rq->msisdn is a household member's or a cadre's.  FP_EINVAL: the
 * menu is broken (logged).  Store errors as they come.
 */
typedef enum fp_err console_phone_fn(struct store *st,
    const struct svc_ctx *ctx, const struct console_phone_request *rq,
    int64_t now, struct console_phone_reply *out);

#endif
