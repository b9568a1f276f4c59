/*
 * ussd_views.h: what the menu's screens show and do, by the names
 * templates/menu.conf uses: views (data for a screen's text), lists
 * (numbered items to choose from) and actions (changes, through
 * service_ops).  The engine (ussd_engine.c) calls them; they read and
 * write the store inside the engine's transaction.
 */
#ifndef FP_USSD_VIEWS_H
#define FP_USSD_VIEWS_H

#include <stdbool.h>
#include <stddef.h>

#include "svc.h"
#include "ussd_session.h"

#define USSD_TVARS_MAX	24
#define USSD_TBUF_MAX	4096

/* Template variables with their values kept in buf. */
struct ussd_tvars {
	struct tpl_var	 v[USSD_TVARS_MAX];
	size_t		 n;
	char		 buf[USSD_TBUF_MAX];
	size_t		 used;
};

/* Add name=value (name must be static); silently full at the limits. */
void ussd_tvars_add(struct ussd_tvars *tv, const char *name,
    const char *value);

/* What a view, list or action works with. */
struct ussd_call {
	struct store		*st;
	const struct svc_ctx	*ctx;
	const struct svc_caller	*who;
	struct ussd_state	*state;
	const char		*param;		/* the screen's */
	int64_t			 now;
};

/* Add the variables of view `name` to tv.  FP_ENOTFOUND: no data. */
enum fp_err ussd_view(const struct ussd_call *c, const char *name,
    struct ussd_tvars *tv);

/* Called once per list item, in order; id is what choosing it sets. */
typedef enum fp_err ussd_item_fn(void *arg, const char *id,
    const struct ussd_tvars *tv);

/* Walk list `name`'s items (at most USSD_LIST_MAX). */
#define USSD_LIST_MAX 20
enum fp_err ussd_list(const struct ussd_call *c, const char *name,
    ussd_item_fn *fn, void *arg);

/* The session variable a choice in list `name` sets. */
const char *ussd_list_var(const char *name);

/*
 * Run action `name`; its results go into session variables.  *failed
 * when it could not be done (the screen's `fail` text is shown).
 */
enum fp_err ussd_action(const struct ussd_call *c, const char *name,
    bool *failed);

/*
 * What action `name` would answer, without doing it (the console's
 * sandbox, console_phone.h): the variables its screen shows set to a
 * placeholder ("F0" for a ticket, "T0" for a task, the program's name)
 * or, for the language, the session's language changed and nothing
 * remembered.  Reads the store at most (a program's name).  *failed as
 * ussd_action would set it when the sandbox caller could not do it.
 */
enum fp_err ussd_action_sandbox(const struct ussd_call *c, const char *name,
    bool *failed);

/*
 * The variable names that view / list item / action `name` provides
 * (kind "view", "list" or "action"), NULL-terminated; for checking the
 * texts without a database.
 */
const char *const *ussd_provides(const char *kind, const char *name);

#endif
