/*
 * ussd_outline.h: the menu as the console shows it (menu_outline.h):
 * the USSD part describes its tree for the admin API, which may not use
 * the menu itself; gateway/main.c makes it at start and hands it over.
 */
#ifndef FP_USSD_OUTLINE_H
#define FP_USSD_OUTLINE_H

#include "err.h"
#include "menu_outline.h"
#include "ussd_menu.h"

/*
 * The outline of m: every screen with its options and texts, and every
 * ussd/ key the menu and the engine show (ussd_texts_each).  *out is the
 * caller's (menu_outline_free).  Options already taken out of m
 * (ussd_texts_hide_languages) are not in it: make it before hiding and
 * mark the hidden ones with menu_outline_hide_language.  FP_ENOMEM.
 */
enum fp_err ussd_menu_outline(const struct ussd_menu *m,
    struct menu_outline **out);

#endif
