/*
 * form.h: application/x-www-form-urlencoded bodies (and query strings):
 * "a=1&b=%E4%B8%AD+x".  Values are percent- and '+'-decoded and may hold
 * any byte, NUL included (Kannel passes UCS-2 text this way), so each has
 * a length.  Parsed once into a small owned list.
 */
#ifndef FP_FORM_H
#define FP_FORM_H

#include <stddef.h>

#include "err.h"

#define FORM_MAX_FIELDS 64

struct form;

/*
 * Parse data[0..len).  A field without '=' has an empty value; empty
 * fields ("a=1&&b=2") are skipped; the first occurrence of a name wins
 * in form_get.  FP_EINVAL: a '%' not followed by two hex digits, or more
 * than FORM_MAX_FIELDS fields.  FP_ENOMEM.
 */
enum fp_err form_parse(const char *data, size_t len, struct form **out);
void form_free(struct form *f);

/*
 * The decoded value of `name` (NUL-terminated, borrowed until form_free),
 * its length in *len (may be NULL); NULL when absent.
 */
const char *form_get(const struct form *f, const char *name, size_t *len);

#endif
