/*
 * ussd_page.h: one menu screen cut into pages that a handset can show
 * (SPEC 3.3): at most max_gsm7 characters when the whole screen is GSM-7,
 * else at most max_ucs2 UTF-16 units, navigation lines included.  Cuts
 * fall between lines, else after a space or a Chinese, Yi or Tibetan
 * punctuation mark (Tibetan tsheg ་ and shad །), else between characters,
 * never inside one.  Pure; the same cut for the same input.
 */
#ifndef FP_USSD_PAGE_H
#define FP_USSD_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * The navigation lines a page may end with ("98 更多", "0 返回", ...).
 * Every page but the last of a screen of several offers `more`; the
 * last of several offers `back` and `main` whatever show_back and
 * show_main say (SPEC 3.3: it is CON, never END).
 */
struct ussd_nav {
	const char	*more;		/* shown when a next page exists */
	const char	*back;		/* shown when show_back, on a page
					 * after the first, or on the last */
	const char	*main;		/* shown when show_main, or on the
					 * last page of several */
	bool		 show_back;
	bool		 show_main;
};

struct ussd_limits {
	size_t	 max_gsm7;	/* ussd.max_chars, or an SMS's 160 */
	size_t	 max_ucs2;	/* ussd.max_ucs2_chars, or an SMS's 70 */
};

/*
 * Page `page` (0-based) of body with its navigation lines, into *out
 * (caller frees); *n_pages gets the number of pages.  A page past the
 * last gives the last one.  FP_EINVAL: body or a nav line is not UTF-8,
 * or the navigation alone leaves no room.  FP_ENOMEM.
 */
enum fp_err ussd_page(const char *body, const struct ussd_nav *nav,
    const struct ussd_limits *lim, int page, char **out, int *n_pages);

/* True when text fits one page of lim (navigation included in text). */
bool ussd_page_fits(const char *text, const struct ussd_limits *lim);

#endif
