/*
 * templates_coverage.h: how much of a language is translated (SPEC 11,
 * issue 17), counted one way for `fupinctl templates check` and the
 * console's "Menus and texts" page (GET /api/v1/templates).
 *
 * The texts to translate are every text of the source language (zh) in
 * ussd/, sms/ and notices/ but the fixed ones (templates_is_fixed).  In
 * a language each is:
 *   - missing: no file, an empty one, or still the Chinese;
 *   - machine-drafted: listed in templates/<lang>/STATUS;
 *   - translated: otherwise (a reviewed translation).
 * The menu is complete in a language when every text the menu and the
 * engine show (the ussd/ keys the caller names as the menu's) is there,
 * drafts included: the rule by which the language menu offers it.
 *
 * The order of the texts is the order a translator meets them: the
 * menu's texts as the menu shows them, then the source's other texts
 * group by group.  Pure look-ups in the loaded set; no menu here (the
 * caller hands its keys in), no file but STATUS (templates_status.h).
 */
#ifndef FP_TEMPLATES_COVERAGE_H
#define FP_TEMPLATES_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "templates.h"
#include "templates_status.h"

#define TEMPLATES_KEY_MAX	96	/* "group/name" */

/* One text of the catalog. */
struct templates_key {
	char		 key[TEMPLATES_KEY_MAX];	/* "ussd/main" */
	const char	*group;		/* static: "ussd", "sms", "notices" */
	const char	*name;		/* in key, after the '/' */
	bool		 in_source;	/* zh has it */
	bool		 is_fixed;	/* never translated (templates.h) */
	bool		 in_menu;	/* one of the menu's keys */
};

/*
 * Every text of t in ussd/, sms/ and notices/, each once, in the order
 * a translator meets them: menu_keys[0..n_menu) (ussd/ names, as the
 * menu shows them) first, then the source language's other texts of
 * ussd/, sms/ and notices/ in that order, then the texts another
 * language has and the source lacks (in_source false).  *out (caller
 * frees) with *n entries.  FP_ENOMEM.
 */
enum fp_err templates_keys_list(const struct templates *t,
    const char *const *menu_keys, size_t n_menu, struct templates_key **out,
    size_t *n);

/* True when e is a text to translate: the source has it, not fixed. */
bool templates_key_counts(const struct templates_key *e);

enum templates_state {
	TEMPLATES_MISSING,	/* no file, empty, or still the Chinese */
	TEMPLATES_DRAFTED,	/* listed in <lang>/STATUS */
	TEMPLATES_TRANSLATED,	/* reviewed */
};

/* "missing", "drafted", "translated". */
const char *templates_state_name(enum templates_state s);

/* group/name's state in lang (st may be NULL: nothing drafted). */
enum templates_state templates_state_of(const struct templates *t,
    const char *lang, const char *group, const char *name,
    const struct templates_status *st);

/* One language's counts. */
struct templates_coverage {
	int		 translated;
	int		 drafted;
	int		 missing;
	int		 total;		/* the three together */
	const char	**missing_keys;	/* owned array; the strings are
					 * borrowed from the key list */
	size_t		 n_missing;
	int		 menu_missing;	/* menu texts lang lacks (drafts are
					 * there); 0: the menu is complete */
};

/*
 * Count lang over keys[0..n) (templates_keys_list's) into *out, whose
 * missing_keys then point into keys (keep keys alive while using them).
 * st may be NULL (nothing drafted).  FP_ENOMEM (*out empty).
 */
enum fp_err templates_coverage_count(const struct templates *t,
    const char *lang, const struct templates_status *st,
    const struct templates_key *keys, size_t n,
    struct templates_coverage *out);

void templates_coverage_cleanup(struct templates_coverage *c);

#endif
