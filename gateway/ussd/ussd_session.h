/*
 * ussd_session.h: where a caller is in the menu, kept in the database
 * (ussd_sessions) so that a gateway restart in the middle of a session
 * loses nothing, and the ID-challenge lockout per number
 * (ussd_lockouts).  Everything runs inside the caller's transaction.
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
#define USSD_INPUTS_MAX		4096

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
	char		 inputs[USSD_INPUTS_MAX];	/* as "1*2*3" */
	int64_t		 started_at;
	bool		 is_new;		/* not yet in the database */
};

/* A session variable's value, or NULL. */
const char *ussd_var_get(const struct ussd_state *s, const char *name);

/* Set (or replace) a variable; value cut to fit. */
void ussd_var_set(struct ussd_state *s, const char *name, const char *value);

void ussd_var_unset(struct ussd_state *s, const char *name);

/*
 * Load the session `session_id` that has not expired at `now` into *s.
 * FP_ENOTFOUND when there is none (an expired one is ended first, with
 * its ussd.session event, by the caller's sweep).
 */
enum fp_err ussd_session_load(struct store *st, const char *session_id,
    int64_t now, struct ussd_state *s);

/* Insert or update s, expiring timeout_s after now. */
enum fp_err ussd_session_save(struct store *st, const struct ussd_state *s,
    int64_t now, int timeout_s);

/* Forget the session (it ended). */
enum fp_err ussd_session_delete(struct store *st, const char *session_id);

/*
 * The ID challenge's lockout.  *locked when msisdn may not try now;
 * *failures the failures counted so far.
 */
enum fp_err ussd_lockout_get(struct store *st, const char *msisdn,
    int64_t now, bool *locked, int *failures);

/*
 * Count one failure; at `max` failures the number is locked for
 * lockout_s and the count starts again.  *locked_now when this one
 * locked it.
 */
enum fp_err ussd_lockout_fail(struct store *st, const char *msisdn,
    int64_t now, int max, int lockout_s, bool *locked_now, int *failures);

/* A success clears the failures. */
enum fp_err ussd_lockout_clear(struct store *st, const char *msisdn);

#endif
