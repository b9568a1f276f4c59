/*
 * ussd_session.h: where a caller is in the menu, kept in the database
 * (ussd_sessions) so that a gateway restart in the middle of a session
 * loses nothing; what an ended session last answered (ussd_ended), for
 * a repeated request; and the ID challenge's failures and locks per
 * number and per household (ussd_challenge_failures, _locks).
 * Everything runs inside the caller's transaction.
 */
#ifndef FP_USSD_SESSION_H
#define FP_USSD_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "msisdn.h"
#include "store.h"
#include "ussd_menu.h"

#define USSD_SESSION_ID_MAX	129
#define USSD_VARS_MAX		12
#define USSD_VALUE_MAX		640	/* 140 characters of any script */
#define USSD_STACK_MAX		16
#define USSD_PATH_MAX		256
/* What the session keeps of its last request instead of its text:
 * "<bytes>:<keyed hash in hex>" (ussd_engine.c). */
#define USSD_INPUTS_MAX		96
#define USSD_SCREEN_MAX		2048	/* a screen as last answered */

struct ussd_var {
	char	 name[USSD_ID_MAX];
	char	 value[USSD_VALUE_MAX];
};

struct ussd_frame {
	char	 screen[USSD_ID_MAX];
	int	 page;
};

struct ussd_state {
	char		 session_id[USSD_SESSION_ID_MAX];
	char		 channel[8];		/* "ussd" or "sms" */
	char		 msisdn[MSISDN_MAX];
	struct ussd_frame at;			/* the screen shown */
	struct ussd_frame stack[USSD_STACK_MAX];	/* for "0" */
	int		 depth;
	struct ussd_var	 vars[USSD_VARS_MAX];
	int		 n_vars;
	bool		 verified;		/* household known */
	char		 household_id[33];
	char		 member_id[33];
	char		 lang[4];
	char		 path[USSD_PATH_MAX];	/* "main>yl>yl_list" */
	int		 steps;			/* inputs taken */
	char		 inputs[USSD_INPUTS_MAX];	/* the last request */
	char		 screen[USSD_SCREEN_MAX];	/* its answer, or "" */
	int64_t		 started_at;
	bool		 is_new;		/* not yet in the database */
};

/* A session variable's value, or NULL. */
const char *ussd_var_get(const struct ussd_state *s, const char *name);

/* Set (or replace) a variable; value cut to fit. */
void ussd_var_set(struct ussd_state *s, const char *name, const char *value);

void ussd_var_unset(struct ussd_state *s, const char *name);

/*
 * Load the session (session_id, msisdn) that has not expired at `now`
 * into *s: a session is the aggregator's id and the number together.
 * FP_ENOTFOUND when there is none (an expired one is ended by the
 * caller's sweep, with its ussd.session event).
 */
enum fp_err ussd_session_load(struct store *st, const char *session_id,
    const char *msisdn, int64_t now, struct ussd_state *s);

/* Insert or update s, expiring timeout_s after now. */
enum fp_err ussd_session_save(struct store *st, const struct ussd_state *s,
    int64_t now, int timeout_s);

/* Forget the session (it ended, or timed out). */
enum fp_err ussd_session_delete(struct store *st, const char *session_id,
    const char *msisdn);

/*
 * Keep what an ended session last answered (s->inputs, s->screen) until
 * keep_s after now, so that a repeat of its last request is answered
 * again without running anything.
 */
enum fp_err ussd_ended_save(struct store *st, const struct ussd_state *s,
    int64_t now, int keep_s);

/*
 * The ended session (session_id, msisdn) kept at now: its inputs into
 * inputs[USSD_INPUTS_MAX] and its last screen into *screen (malloc'd).
 * FP_ENOTFOUND when there is none.
 */
enum fp_err ussd_ended_load(struct store *st, const char *session_id,
    const char *msisdn, int64_t now, char *inputs, char **screen);

/* ---- the ID challenge's lockout (SPEC 3.3) -------------------------- */

enum ussd_lock_scope {
	USSD_LOCK_MSISDN,	/* a number, out of the status screens */
	USSD_LOCK_HOUSEHOLD	/* a household's challenge, for everyone */
};

/* Is `key` (a number, or a household's hash) locked at now? */
enum fp_err ussd_lock_get(struct store *st, enum ussd_lock_scope scope,
    const char *key, int64_t now, bool *locked);

/* Failures counted in the window (now - window_s, now]. */
struct ussd_failures {
	int	 msisdn;		/* of the number */
	int	 household;		/* against the household */
	bool	 msisdn_locked;		/* locked by this failure */
	bool	 household_locked;
};

/*
 * Count one failed challenge of msisdn against household (a keyed hash,
 * or NULL when no household was named) at now; at msisdn_max failures of
 * the number in the window it is locked until now + window_s, at
 * household_max against the household so is the household.  A success
 * resets neither count: failures leave the count only by age.
 */
enum fp_err ussd_challenge_fail(struct store *st, const char *msisdn,
    const char *household, int64_t now, int window_s, int msisdn_max,
    int household_max, struct ussd_failures *f);

/*
 * Forget what no longer counts at now: ended sessions past their keep,
 * failures older than window_s, locks that are over.
 */
enum fp_err ussd_prune(struct store *st, int64_t now,
    int window_s);

#endif
