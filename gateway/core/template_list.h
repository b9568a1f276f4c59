/*
 * template_list.h: every text of templates/ as the console shows it
 * (GET /api/v1/templates, SPEC 10): per group/name and language the
 * text, its variables, whether the language has its own text, and
 * whether it fits where it is shown.  Reading the loaded set only.
 */
#ifndef FP_TEMPLATE_LIST_H
#define FP_TEMPLATE_LIST_H

#include <json-c/json.h>

#include "err.h"
#include "svc.h"

/* The SMS replies (sms/) fit this many SMS (fupinctl templates check). */
#define TEMPLATE_REPLY_SEGMENTS	2

/*
 * Every template's entry, made once: the loaded set never changes while
 * the gateway runs (a restart loads new texts), and measuring every text
 * in every language takes tens of milliseconds.  Immutable once made, so
 * threads may read it together.  *out is the caller's
 * (template_pages_free).  FP_ENOMEM.
 *
 * An entry: {"key","group","name","variables","fits","untranslated" (the
 * languages without a file, or whose file is still the Chinese),
 * "languages":{lang: null when the language has no file, else {"text",
 * "translated","state","variables","chars","segments" (not for ussd),
 * "fits"}}}.  "state" is "source" (zh), "fixed" (never translated), or
 * as the coverage counts it: "translated", "drafted" (listed in
 * templates/<lang>/STATUS) or "missing" (templates_coverage.h).
 * "text" is the file's text with its {placeholders}.  The fit is
 * measured on the text with every variable filled by the longest
 * realistic value the gateway knows for it (a name of six characters, a
 * training title of sixteen, ...; "" for a variable an office fills,
 * such as {text}) and the default provider's signature: notices within
 * sms.max_segments SMS, SMS replies within TEMPLATE_REPLY_SEGMENTS, a
 * USSD text within one screen (ussd.max_chars GSM-7 characters,
 * ussd.max_ucs2_chars otherwise).  A text that does not render (a
 * variable with no value) has "fits": false.
 *
 * Every page also carries, issue 17: "coverage":{lang:{"translated",
 * "drafted","missing","total","missing_keys","menu_complete","offered"
 * (the language menu offers it),"status_error" (a STATUS file that does
 * not read, else null)}} for each language but zh, as fupinctl
 * templates check counts them, and "menu": menu_outline_json(menu), or
 * null when menu is NULL (the gateway runs no menu).
 */
struct menu_outline;
struct template_pages;
enum fp_err template_pages_new(const struct svc_ctx *ctx,
    const struct menu_outline *menu, struct template_pages **out);
void template_pages_free(struct template_pages *p);	/* NULL ok */

/*
 * One page as JSON text *out (caller frees; *len its length):
 * {"limit","items","next","languages","max_segments","reply_segments",
 * "ussd_max_chars","ussd_max_ucs2_chars","service_code","coverage",
 * "menu"} with the entries of `group`
 * ("notices", "sms", "ussd"; NULL all) in group/name order after the key
 * `after` ("group/name"; "" from the start), at most `limit`; "next" is
 * the key to pass as after, or null.  FP_ENOMEM.
 */
enum fp_err template_pages_page(const struct template_pages *p,
    const char *group, const char *after, int limit, char **out,
    size_t *len);

#endif
