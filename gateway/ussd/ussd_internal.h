/*
 * ussd_internal.h: what the engine's parts share: ussd_engine.c moves
 * through the menu, ussd_render.c draws the screen it is on,
 * ussd_screens.c finds a screen.
 * Nothing outside them includes this.
 */
#ifndef FP_USSD_INTERNAL_H
#define FP_USSD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "svc.h"
#include "ussd_menu.h"
#include "ussd_page.h"
#include "ussd_session.h"

/* One request's walk: the caller, the session state, the page limits. */
struct engine {
	struct store		*st;
	const struct svc_ctx	*ctx;
	const struct ussd_menu	*menu;
	struct svc_caller	 who;
	struct ussd_state	*s;
	int64_t			 now;
	const char		*outcome;	/* "unavailable", or NULL */
	struct ussd_limits	 lim;
	const char		*screen_lang;	/* the screen being drawn's
						 * (ussd_texts_screen_lang) */
	bool			 sandbox;	/* the console's phone: no
						 * action, no challenge
						 * (console_phone.h) */
	char			 skipped[96];	/* sandbox: actions not run */
};

/* The menu's screen `id`, or one of the engine's own ("_id6"...);
 * NULL when neither has it (ussd_screens.c). */
const struct ussd_screen *ussd_screen_in(const struct ussd_menu *m,
    const char *id);
const struct ussd_screen *ussd_screen_of(const struct engine *e,
    const char *id);

/*
 * Render the current screen's current page into *out (caller frees);
 * *n_pages and *end (the session ends with this page) as they come out.
 */
enum fp_err ussd_render(struct engine *e, char **out, int *n_pages,
    bool *end);

#endif
