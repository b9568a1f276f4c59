/*
 * templates.h: every text a person reads, per language, from files
 * (templates.dir, default "templates/"): templates/<lang>/<group>/<name>.txt
 * with {var} placeholders.  Groups: "sms" (replies), "notices" (broadcasts,
 * reminders, alerts; SPEC 3.5), "ussd" (menus).  Loaded once at start into
 * a read-only set shared by all threads.  No text lives in C.
 */
#ifndef FP_TEMPLATES_H
#define FP_TEMPLATES_H

#include <stddef.h>

#include "err.h"

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
 * that language lacks the template) with vars[0..n_vars), into a new
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

#endif
