/*
 * tplmap.h: approved templates (SPEC 11).  Mainland A2P lets only
 * approved templates through: a template provider (aliyun, tencent,
 * http_json with template_code; cfg_provider_is_template) sends a
 * template code and its parameters, never our text.  The file
 * templates/provider_templates.conf (libconfig) says, per provider,
 * which template each outgoing text goes out as, per language, and the
 * order and names of its parameters:
 *
 *   providers = ( {
 *       provider  = "aliyun";        # a provider's name in fupin.conf
 *       param_max = 35;              # optional: longest parameter value
 *       texts = (
 *         { text = "sms/fk_ok"; lang = "*"; code = "SMS_100001";
 *           params = [ "ticket" ]; },
 *         { text = "notices/general_notice"; lang = "zh";
 *           code = "SMS_100002"; params = [ "name", "content=text" ]; }
 *       ); } );
 *
 * An outgoing text is sms/<name> (a reply of SPEC 3.2), notices/<name>
 * (broadcasts, reminders, alerts, the API's templates) or menu/<screen>
 * (a menu screen sent by SMS, whose one variable {screen} is the page as
 * drawn).  lang is zh, ii, bo, en or "*" (every language without an
 * entry of its own).  A parameter "their=ours" sends our variable
 * {ours} as the template's ${their}; "ours" alone uses the same name.
 * Aliyun takes them as a JSON object by name, Tencent as an array in
 * this order.
 *
 * Loaded once at start; read-only afterwards, shared by threads.
 */
#ifndef FP_TPLMAP_H
#define FP_TPLMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg.h"
#include "err.h"
#include "templates.h"

#define TPLMAP_FILE		"provider_templates.conf"
#define TPLMAP_KEY_MAX		64	/* "menu/<screen id>", bytes */
#define TPLMAP_PARAMS_MAX	16
#define TPLMAP_VARS_MAX		24

struct tplmap_param {
	char	*name;		/* the provider template's parameter */
	char	*var;		/* our text's variable */
};

struct tplmap_entry {
	char	*key;		/* "sms/fk_ok" */
	char	*lang;		/* "zh", "ii", "bo", "en" or "*" */
	char	*code;		/* the approved template's code */
	struct tplmap_param params[TPLMAP_PARAMS_MAX];
	size_t	 n_params;
	int	 line;		/* in the file */
};

struct tplmap;

/*
 * Read `path` into *out (caller frees with tplmap_free).  Every
 * problem is reported, one "FILE:LINE: message" a line in *errors
 * (malloc'd, caller frees; may be NULL): libconfig's syntax errors,
 * unknown keys, wrong types, a text that is not sms/, notices/ or menu/
 * with a name, a language not one of ours, a repeated text and
 * language, an empty code, a bad parameter.  FP_ENOTFOUND: no such
 * file ("FILE: cannot open: ..."), FP_ECONFIG, FP_ENOMEM.
 */
enum fp_err tplmap_load(const char *path, struct tplmap **out,
    char **errors);

/* tplmap_load of templates.dir's provider_templates.conf. */
enum fp_err tplmap_load_cfg(const struct cfg *cfg, struct tplmap **out,
    char **errors);

void tplmap_free(struct tplmap *m);

/* The file it was read from (borrowed). */
const char *tplmap_file(const struct tplmap *m);

/*
 * The entry of `provider` for text `key` in `lang`: lang's own, else
 * the "*" one; NULL when there is none.  Borrowed from m.
 */
const struct tplmap_entry *tplmap_find(const struct tplmap *m,
    const char *provider, const char *key, const char *lang);

/*
 * The longest parameter value `p` takes, in characters (every code
 * point counts one, as both clouds count): the file's param_max for it,
 * else its type's documented limit (aliyun 35, tencent 12; see
 * tplmap.c); 0: no limit.
 */
int tplmap_param_max(const struct tplmap *m, const struct cfg_provider *p);

/*
 * The values of e's parameters, in e's order, from a message's
 * variables (outbox_item.tpl_vars, a JSON object of strings) into
 * values[0..e->n_params), borrowed from *doc, which the caller frees
 * with json_object_put.  FP_EINVAL: vars is not such an object, or a
 * parameter's variable is not in it (*missing, may be NULL, names it).
 * FP_ENOMEM.
 */
struct json_object;
enum fp_err tplmap_values(const struct tplmap_entry *e, const char *vars,
    struct json_object **doc, const char *values[TPLMAP_PARAMS_MAX],
    const char **missing);

/*
 * Append e's parameters as a JSON object by name, in e's order, with
 * values[] (from tplmap_values) to b: {"name":"value",...}.  Aliyun's
 * TemplateParam and http_json's template_param.
 */
struct strbuf;
void tplmap_params_json(const struct tplmap_entry *e,
    const char *const *values, struct strbuf *b);

/* Whether the configuration has a template provider at all. */
bool tplmap_needed(const struct cfg *cfg);

/* ---- the outgoing texts, for the check ---------------------------------- */

struct tplmap_texts;

/*
 * Every outgoing text of `t` but the menu's screens: each SMS reply
 * (sms/ but the words put into other texts: none, status_*,
 * enroll_status_*) and each notice, with the languages that have a
 * text of their own and its variables.  FP_ENOMEM.
 */
enum fp_err tplmap_texts_new(const struct templates *t,
    struct tplmap_texts **out);

/* Add menu screen `screen_id`, drawn from ussd/<text_key>. */
enum fp_err tplmap_texts_add_screen(struct tplmap_texts *x,
    const struct templates *t, const char *screen_id,
    const char *text_key);

void tplmap_texts_free(struct tplmap_texts *x);

/* Call fn for each outgoing text and language (tests, docs). */
void tplmap_texts_each(const struct tplmap_texts *x,
    void (*fn)(const char *key, const char *lang, const char *const *vars,
    size_t n_vars, void *arg), void *arg);

/* Where check problems go, one message each. */
typedef void tplmap_report_fn(void *arg, const char *msg);

/*
 * The longest value variable `var` of text `key` in `lang` takes, in
 * characters; negative: unknown, not checked.
 */
typedef long tplmap_longest_fn(void *arg, const char *key, const char *lang,
    const char *var);

/*
 * Check m against every template provider of cfg and the outgoing
 * texts x: each text in each of its languages has an entry; each entry
 * names only variables its text has; with `longest` (may be NULL) no
 * parameter can exceed the provider's limit (tplmap_param_max).  An
 * entry for a text that does not exist is a problem too.  Calls fn per
 * problem and returns how many.
 */
int tplmap_check(const struct tplmap *m, const struct cfg *cfg,
    const struct tplmap_texts *x, tplmap_longest_fn *longest, void *larg,
    tplmap_report_fn *fn, void *arg);

/* The number of characters (code points) of UTF-8 s. */
size_t tplmap_chars(const char *s);

#endif
