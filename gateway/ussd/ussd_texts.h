/*
 * ussd_texts.h: the texts a menu shows, and what a caller sees while a
 * language is incomplete (issue 17):
 *   - a screen is shown in the caller's language only when every text
 *     on it (its text, options or list lines, the error line, the
 *     navigation lines) is translated there; otherwise the whole screen
 *     is in Chinese, never half one language and half another, and a
 *     missing text is never shown empty (templates.h);
 *   - the language menu offers a language only when all its menu texts
 *     are there (templates.show_incomplete = true offers every one).
 * Machine drafts count as there: templates/<lang>/STATUS only tells
 * translators and `fupinctl templates check` which ones they are.
 */
#ifndef FP_USSD_TEXTS_H
#define FP_USSD_TEXTS_H

#include <stdbool.h>

#include "templates.h"
#include "ussd_menu.h"

/* The texts the engine shows by itself (ussd/<key>), NULL-terminated. */
extern const char *const ussd_engine_texts[];

/*
 * Call fn once for every ussd/<key> the menu or the engine shows, the
 * menu's in the order menu.conf names them, then the engine's.
 */
void ussd_texts_each(const struct ussd_menu *m,
    void (*fn)(const char *key, void *arg), void *arg);

/*
 * The language screen sc is drawn in for a caller of `lang`: lang when
 * every text on it is translated there (err_key, the error line shown
 * above it, may be NULL), else TEMPLATES_SOURCE_LANG.  Borrowed.
 */
const char *ussd_texts_screen_lang(const struct templates *t,
    const char *lang, const struct ussd_screen *sc, const char *err_key);

/* True when lang has every text the menu and the engine show. */
bool ussd_texts_complete(const struct templates *t,
    const struct ussd_menu *m, const char *lang);

/*
 * Take out of m every option that sets lang=<L> for a language L whose
 * menu texts are not complete (never the source language nor
 * templates.default_language), calling fn (may be NULL) once per
 * language hidden.  At start, before any thread uses m.
 */
void ussd_texts_hide_languages(struct ussd_menu *m,
    const struct templates *t,
    void (*fn)(const char *lang, void *arg), void *arg);

#endif
