/*
 * ctl_tpl.h: what fupinctl's templates commands share (check, export,
 * import; issue 17): the catalog of every text a person reads, with
 * where it appears, its variables and its page limit, and the page-fit
 * and coverage rules.  One copy of the rules, so that what the export
 * tells a translator is what the import and `templates check` enforce.
 *
 * Page limits (docs/api.md "Translations"):
 *   - sms/<name>, a reply: at most 2 SMS with the longest realistic
 *     data (134 UCS-2 units, 306 GSM-7); one SMS (70) is the aim;
 *   - notices/<name>: at most 3 SMS (201 / 459) with the longest
 *     realistic data, {text} (the office's own message, checked when a
 *     notice is created) not counted;
 *   - ussd/<key>: every screen with choices it is on, drawn without
 *     data (each variable empty), with its options (or one list line)
 *     and its navigation lines, fits one USSD page (ussd.max_ucs2_chars,
 *     default 80, or ussd.max_chars when all GSM-7), so that the choices
 *     always show.  A screen without choices, data longer than a page
 *     and an error line above a screen are paged with 98 (SPEC 3.3).
 * Yi (U+A000-A48F) and Tibetan (U+0F00-0FFF, each code point of a
 * stack) count one UCS-2 unit per code point.
 */
#ifndef FP_CTL_TPL_H
#define FP_CTL_TPL_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg.h"
#include "strbuf.h"
#include "templates.h"
#include "templates_coverage.h"
#include "templates_status.h"
#include "ussd_menu.h"

#define CTL_TPL_KEY_MAX		96
#define CTL_TPL_SMS_SEGMENTS	2
#define CTL_TPL_NOTICE_SEGMENTS	3

enum ctl_tpl_kind {
	CTL_TPL_SMS,		/* sms/: replies */
	CTL_TPL_NOTICE,		/* notices/: broadcasts, reminders, alerts */
	CTL_TPL_USSD,		/* ussd/: menu screens (USSD and SMS menu) */
};

struct ctl_tpl_entry {
	char			 key[CTL_TPL_KEY_MAX];	/* "ussd/main" */
	const char		*group;		/* "sms", "notices", "ussd" */
	const char		*name;		/* in key, after the '/' */
	enum ctl_tpl_kind	 kind;
	bool			 is_fixed;	/* not translated (templates.h) */
	bool			 in_source;	/* zh has it */
};

struct ctl_tpl {
	const struct cfg	*cfg;
	struct templates	*tpl;	/* owned; import overlays it */
	struct ussd_menu	*menu;	/* owned */
	struct ctl_tpl_entry	*entries;	/* owned; export order */
	struct templates_key	*keys;		/* owned: the same texts,
						 * index for index, as
						 * templates_coverage counts
						 * them */
	size_t			 n_entries;
	int			*depth;	/* per menu screen: steps from a
					 * start screen (navigation lines) */
};

/*
 * Load templates.dir and its menu.conf and list every text: the menu's
 * in the order menu.conf shows them, then the engine's, SMS replies and
 * notices; then any text of another language that the source lacks
 * (in_source false).  FP_EINVAL/FP_ENOTFOUND with *why (malloc'd, the
 * file and reason; caller frees).  FP_ENOMEM.
 */
enum fp_err ctl_tpl_open(const struct cfg *cfg, struct ctl_tpl **out,
    char **why);

void ctl_tpl_close(struct ctl_tpl *c);

/* The entry of key "group/name", or NULL. */
const struct ctl_tpl_entry *ctl_tpl_find(const struct ctl_tpl *c,
    const char *key);

/* True when lang is a language texts are translated into (not zh). */
bool ctl_tpl_is_target(const char *lang);

/* Where e appears, in a line (for the notes and problems). */
void ctl_tpl_where(const struct ctl_tpl *c, const struct ctl_tpl_entry *e,
    struct strbuf *b);

/*
 * The translator's notes on e for `lang`, one "#. " line each, into b:
 * where the text appears, its variables, its page limit and the room
 * it has now in lang.
 */
void ctl_tpl_describe(const struct ctl_tpl *c, const struct ctl_tpl_entry *e,
    const char *lang, struct strbuf *b);

/* Where page-fit problems go: the keys of the texts involved, a message. */
typedef void ctl_tpl_report_fn(void *arg, const char *const *keys,
    size_t n_keys, const char *msg);

/*
 * Check every text of lang against its page limit (see above), as the
 * texts are in c->tpl now; calls fn per problem.  Returns how many.
 */
int ctl_tpl_fit(const struct ctl_tpl *c, const char *lang,
    ctl_tpl_report_fn *fn, void *arg);

/*
 * Rules beyond page fit for lang's text of e (text[0..len), the
 * source's being src): the same variables, command keywords kept in
 * Latin letters, navigation lines starting with their numbers, option
 * and list lines on one line.  Calls fn(arg, msg) per problem; returns
 * how many.
 */
int ctl_tpl_rules(const struct ctl_tpl *c, const struct ctl_tpl_entry *e,
    const char *text, size_t len, const char *src,
    void (*fn)(void *arg, const char *msg), void *arg);

/* e's state in lang (st may be NULL: nothing drafted): templates_state_of,
 * the same count as the console's (templates_coverage.h). */
enum templates_state ctl_tpl_state(const struct ctl_tpl *c,
    const struct ctl_tpl_entry *e, const char *lang,
    const struct templates_status *st);

/* Render e's lang text with the longest realistic data, for SMS. */
enum fp_err ctl_tpl_render_sample(const struct ctl_tpl *c,
    const struct ctl_tpl_entry *e, const char *lang, char **out);

/* The longest realistic value of variable `name`, or NULL. */
const char *ctl_tpl_sample(const char *name);

/* A short description of variable `name` ("feedback ticket number"). */
const char *ctl_tpl_var_about(const char *name);

/* fupinctl templates export / import (ctl_tpl_export.c, _import.c). */
int ctl_tpl_export(const struct cfg *cfg, int argc, char **argv);
int ctl_tpl_import(const struct cfg *cfg, int argc, char **argv);

#endif
