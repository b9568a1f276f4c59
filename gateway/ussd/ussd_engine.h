/*
 * ussd_engine.h: one menu engine for two channels (SPEC 3.3): USSD
 * (POST /ussd, cumulative text "1*2*3", CON/END answers) and the SMS
 * menu (CD / 菜单, then one SMS per screen).  The tree comes from
 * templates/menu.conf (ussd_menu.h), the texts from templates/<lang>/ussd,
 * the data and changes from ussd_views.c.  Each call runs inside the
 * caller's transaction: the session's new state, any change it made and
 * its events commit together.
 *
 * Input on any screen: "00" the start screen, "0" back (a page, else a
 * screen), "98" the next page; otherwise a number from the screen, or
 * the free text an input screen asks for.
 */
#ifndef FP_USSD_ENGINE_H
#define FP_USSD_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "console_phone.h"
#include "svc.h"
#include "tplmap.h"

#define USSD_STEPS_MAX 64	/* inputs per session; more ends it */

struct ussd_request {
	const char	*channel;	/* "ussd" or "sms" */
	const char	*session_id;	/* ussd: the aggregator's; sms: NULL */
	const char	*msisdn;	/* E.164 */
	const char	*text;		/* ussd: every input so far, joined by
					 * '*'; sms: this message */
	bool		 restart;	/* sms: CD, a new session */
	/* The console's sandbox (console_phone.h): text is replayed from
	 * the start, no session is loaded or kept, no event written, no
	 * action run, the ID challenge checked against nothing.  ussd
	 * channel only. */
	bool		 sandbox;
	const char	*lang;		/* sandbox: the caller's language, or
					 * NULL */
};

struct ussd_reply {
	bool	 end;		/* END (session over) rather than CON */
	char	*screen;	/* malloc'd; caller frees */
	/* The screen drawn and the language it is in (SPEC 11: a
	 * template provider sends an SMS menu page as the approved
	 * template of menu/<screen_id>); "" for a ussd repeat. */
	char	 screen_id[40];
	char	 lang[4];
	/* sandbox: the actions not run, in order, ','-separated. */
	char	 skipped[96];
};

/*
 * Take the request's new inputs and answer with the screen they lead to.
 * A session is the request's session id and number together (another
 * number never continues it).  The same text as the session's last
 * request is answered with the same screen and runs nothing again, also
 * for a ussd session that ended (kept until ussd.session_timeout).  An
 * unknown or expired ussd session with non-empty text is replayed from
 * the start of text.  What was typed is never stored in clear (the
 * session keeps a keyed hash of its last request).  FP_EINVAL: the menu
 * or a template is broken (logged); store errors as they come.
 */
enum fp_err ussd_handle(struct store *st, const struct svc_ctx *ctx,
    const struct ussd_request *rq, int64_t now, struct ussd_reply *out);

/*
 * The console's sandbox phone (console_phone.h): rq's text run from the
 * start screen with ussd_handle's sandbox, into *out.  FP_EREJECT when
 * rq->msisdn is a household member's or a cadre's.  A console_phone_fn
 * (gateway/main.c hands it to the admin API).
 */
enum fp_err ussd_sandbox(struct store *st, const struct svc_ctx *ctx,
    const struct console_phone_request *rq, int64_t now,
    struct console_phone_reply *out);

/* Where the SMS menu session of a number stands. */
struct ussd_sms_state {
	bool	 open;		/* a session is open */
	bool	 wants_text;	/* its screen takes free text: any SMS
				 * is its answer */
	bool	 challenge;	/* its screen is the ID challenge: the
				 * answer is never stored in clear */
};

/* The SMS menu session of msisdn at now, into *out. */
enum fp_err ussd_sms_session(struct store *st, const char *msisdn,
    const struct svc_ctx *ctx, int64_t now, struct ussd_sms_state *out);

/*
 * End at most `max` sessions that expired before now, each with a
 * ussd.session event (outcome "timeout"); *ended gets how many.  Then
 * forget ended sessions past their keep and the ID challenge's failures
 * and locks that no longer count.
 */
enum fp_err ussd_sweep(struct store *st, const struct svc_ctx *ctx,
    int64_t now, int max, int *ended);

/*
 * Every screen the engine can show: the menu's, in menu.conf's order,
 * then its own (the ID challenge, refusals); fn gets the screen's id
 * and the key of its text (ussd/<key>).
 */
void ussd_screens_each(const struct ussd_menu *m,
    void (*fn)(const char *id, const char *text_key, void *arg), void *arg);

/*
 * SPEC 11: every text the gateway sends by SMS, for the approved
 * templates' check (tplmap_check): tplmap_texts_new's replies and
 * notices, and each screen of m as menu/<id>.  FP_ENOMEM.
 */
enum fp_err ussd_outgoing_texts(const struct templates *t,
    const struct ussd_menu *m, struct tplmap_texts **out);

#endif
