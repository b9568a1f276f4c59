/*
 * msisdn.h: phone numbers.  Accepts what people and providers write
 * (13800000000, 8613800000000, +86 138-0000-0000, 010-12345678) and
 * produces E.164 ("+8613800000000"), the only form stored or sent.  Only
 * Chinese mobile and fixed-line numbers are valid.  Also masks numbers
 * for logs (SPEC section 7).
 */
#ifndef FP_MSISDN_H
#define FP_MSISDN_H

#include <stddef.h>

#include "err.h"

#define MSISDN_MAX	16	/* "+86" + up to 12 digits + NUL */
#define MSISDN_MASK_MAX	24

/*
 * Normalise `in` to E.164 in out[MSISDN_MAX].  Spaces, dashes, dots and
 * parentheses are ignored; a leading "+", "00" or "86" country prefix and
 * a leading trunk "0" are understood.
 * FP_EINVAL: not a valid Chinese mobile or fixed-line number; *reason
 * (when not NULL) points to a static English explanation.
 */
enum fp_err msisdn_normalize(const char *in, char out[MSISDN_MAX],
    const char **reason);

/*
 * Write a masked form of `number` (any form; E.164 expected) into buf:
 * the national number with all but its first 3 and last 4 digits
 * replaced by '*' ("+8613812345678" -> "138****5678"); short or invalid
 * input keeps only its last 2 characters.  Returns buf.
 */
const char *msisdn_mask(const char *number, char *buf, size_t len);

/*
 * The number as a villager dials it: "+8613900000000" -> "13900000000"
 * (a pointer into e164); other countries' numbers stay as they are.
 */
const char *msisdn_national(const char *e164);

/*
 * Mask in place every Chinese mobile number written in `text` (a run of
 * exactly 11 digits 1[3-9]..., alone or after 86, as in a CX reply or a
 * task's text) as msisdn_mask shows it: 138****5678.  The text keeps its
 * length; other digits (dates, amounts, ids) are left alone.
 */
void msisdn_mask_text(char *text);

#endif
