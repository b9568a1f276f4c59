/*
 * templates_status.h: which texts of a language are machine drafts,
 * not reviewed by a native speaker: templates/<lang>/STATUS, one line
 * per draft, "<group>/<name> drafted", '#' comments and blank lines
 * kept.  A text not listed is a reviewed translation when its file
 * differs from the Chinese, and missing when it does not (or has no
 * file).  The gateway shows drafts like any text; fupinctl templates
 * check counts them, export marks them, and import takes a text off
 * the list when a translator sends it back reviewed.  The gateway
 * itself never reads the file.
 */
#ifndef FP_TEMPLATES_STATUS_H
#define FP_TEMPLATES_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct templates_status;

/*
 * Parse data[0..len).  FP_EINVAL: *line (1-based) and *why (static) for
 * the first line that is not a comment, a blank, or "group/name
 * drafted" (an optional "# note" may follow).  FP_ENOMEM.
 */
enum fp_err templates_status_parse(const char *data, size_t len,
    struct templates_status **out, long *line, const char **why);

/*
 * dir/lang/STATUS; a missing file is an empty status.  FP_EINVAL with
 * *why (malloc'd "PATH:LINE: why", caller frees); FP_EIO; FP_ENOMEM.
 */
enum fp_err templates_status_load(const char *dir, const char *lang,
    struct templates_status **out, char **why);

void templates_status_free(struct templates_status *s);

/* True when key ("ussd/main") is listed as a draft. */
bool templates_status_is_drafted(const struct templates_status *s,
    const char *key);

/* Take key off the list (a reviewed text); true when it was listed. */
bool templates_status_set_reviewed(struct templates_status *s,
    const char *key);

/* Call fn for every listed key, in file order. */
void templates_status_each(const struct templates_status *s,
    void (*fn)(const char *key, long line, void *arg), void *arg);

/*
 * The file's new content, comments and order kept, into *out (caller
 * frees) with its length in *len.  FP_ENOMEM.
 */
enum fp_err templates_status_format(const struct templates_status *s,
    char **out, size_t *len);

#endif
