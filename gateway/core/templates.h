/*
 * templates.h: every text a person reads, per language, from files
 * (templates.dir, default "templates/"): templates/<lang>/<group>/<name>.txt
 * with {var} placeholders.  Groups: "sms" (replies), "notices" (broadcasts,
 * reminders, alerts; SPEC 3.5), "ussd" (menus).  Loaded once at start into
 * a read-only set shared by all threads.  No text lives in C.
 */
#ifndef FP_TEMPLATES_H
#define FP_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * The language every text is written in first, and translated from
 * (the msgid of a PO file); the last fallback of every text.
 */
#define TEMPLATES_SOURCE_LANG	"zh"

/* The languages loaded (SPEC 1): zh, ii, bo, en; NULL-terminated. */
extern const char *const templates_languages[];

struct templates;

/* A name/value pair for rendering; both borrowed. */
struct tpl_var {
	const char *name;
	const char *value;
};

/*
 * Load every *.txt under dir/<lang>/<group>/ for lang in zh, ii, bo, en.
 * A file's final newline is dropped.  FP_EINVAL: a file is not UTF-8 or
 * has an unbalanced brace; *bad_file (when not NULL) gets a malloc'd
 * "PATH: reason" the caller frees.
 * FP_ENOTFOUND: dir/<default_lang> does not exist.  FP_ENOMEM.
 */
enum fp_err templates_load(const char *dir, const char *default_lang,
    struct templates **out, char **bad_file);

void templates_free(struct templates *t);

/*
 * Render group/name in `lang` (falling back to the default language when
 * that language lacks the template or its text is empty, and to the
 * source language when the default lacks it too; never an empty text
 * in place of a missing one) with vars[0..n_vars), into a new
 * string *out (caller frees).  "{{" and "}}" stand for literal braces.
 * FP_ENOTFOUND: no such template in either language.
 * FP_EINVAL: a placeholder has no value among vars; *missing (when not
 * NULL) is its name, NUL-terminated (borrowed from t).
 * FP_ENOMEM.
 */
enum fp_err templates_render(const struct templates *t, const char *lang,
    const char *group, const char *name, const struct tpl_var *vars,
    size_t n_vars, char **out, const char **missing);

/*
 * The placeholder names of group/name in `lang` (after fallback), for
 * checking a broadcast's vars up front: calls fn(name, arg) once per
 * distinct placeholder.  FP_ENOTFOUND as above.
 */
enum fp_err templates_vars(const struct templates *t, const char *lang,
    const char *group, const char *name,
    void (*fn)(const char *var, size_t var_len, void *arg), void *arg);

/* True when group/name exists in some language. */
int templates_exists(const struct templates *t, const char *group,
    const char *name);

/* Call fn for each loaded template (sorted by group, name, language). */
void templates_each(const struct templates *t,
    void (*fn)(const char *lang, const char *group, const char *name,
    void *arg), void *arg);

/* True when `lang` itself has group/name (no fallback). */
int templates_has(const struct templates *t, const char *lang,
    const char *group, const char *name);

/* templates.default_language, as loaded. */
const char *templates_default_language(const struct templates *t);

/*
 * lang's own text of group/name as its file holds it (no fallback; BOM
 * and final newline dropped), borrowed from t, with its length in *len
 * (when not NULL); NULL when lang has no such file.
 */
const char *templates_text(const struct templates *t, const char *lang,
    const char *group, const char *name, size_t *len);

/*
 * Whether lang shows its own text of group/name: the file is there, not
 * empty, and not still the source language's text (a copy of the
 * Chinese counts as missing, SPEC 11).  Always true for the source
 * language and for fixed texts (templates_is_fixed) the source has.
 * Machine drafts count as translated here: templates/<lang>/STATUS
 * (templates_status.h) tells them apart.
 */
bool templates_translated(const struct templates *t, const char *lang,
    const char *group, const char *name);

/*
 * Texts that are the same in every language and never translated: the
 * language menu's language names (ussd/lang_zh, lang_ii...), each in
 * its own script so that a caller finds their language whatever the
 * menu is in; and texts whose source holds nothing to translate (only
 * placeholders, ASCII spaces, digits and punctuation, as a list line
 * "{starts_on} {training_title}").
 */
bool templates_is_fixed(const struct templates *t, const char *group,
    const char *name);

/*
 * Check the placeholder syntax of text[0..len) as templates_load does
 * and call fn (may be NULL) for every placeholder, repeats included.
 * FP_EINVAL: *why (static) and *line (1-based) for the first bad brace
 * (either may be NULL).
 */
enum fp_err templates_scan(const char *text, size_t len,
    void (*fn)(const char *var, size_t var_len, void *arg), void *arg,
    const char **why, long *line);

/*
 * Put text[0..len) (copied) as lang's group/name in t, replacing what
 * was there: for checking texts before they are written to files
 * (fupinctl templates import) and for tests.  Only on a set no other
 * thread uses.  FP_EINVAL with *why (static): unknown group, a language
 * or name that is not a code, text not UTF-8 or with a bad brace.
 * FP_ENOMEM.
 */
enum fp_err templates_set(struct templates *t, const char *lang,
    const char *group, const char *name, const char *text, size_t len,
    const char **why);

#endif
