/*
 * gsm.h: how a text travels as SMS (3GPP TS 23.038 / GSM 03.38).  Text
 * that fits the GSM 7-bit default alphabet (with the extension table:
 * ^ { } \ [ ~ ] | and the euro sign count 2 septets each) is sent as
 * GSM-7: 160 septets in one part, 153 per part when concatenated.  Any
 * other text is UCS-2: 70 units in one part, 67 per part; a character
 * outside the Basic Multilingual Plane takes 2 units (a surrogate pair).
 * Pure functions; no allocation.
 */
#ifndef FP_GSM_H
#define FP_GSM_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

enum gsm_encoding {
	GSM_ENC_GSM7,
	GSM_ENC_UCS2,
};

struct gsm_count {
	enum gsm_encoding encoding;
	size_t	 chars;		/* Unicode code points */
	size_t	 units;		/* septets (GSM-7) or UTF-16 units (UCS-2) */
	size_t	 segments;	/* parts needed; 1 for the empty text */
};

/*
 * Count text[0..len) (UTF-8).  FP_EINVAL when it is not valid UTF-8
 * (*out untouched).
 */
enum fp_err gsm_count(const char *text, size_t len, struct gsm_count *out);

/*
 * The same for a text that a provider will send with a signature
 * "【sign】" in front (Chinese operators bill the signature): counts
 * the signature's characters too.  sign may be NULL or "".
 */
enum fp_err gsm_count_signed(const char *sign, const char *text,
    size_t len, struct gsm_count *out);

/*
 * The size of text[0..len) sent in `enc`: septets for GSM-7, UTF-16
 * units for UCS-2.  FP_EINVAL: not UTF-8, or not GSM-7 when enc asks it.
 */
enum fp_err gsm_units(const char *text, size_t len, enum gsm_encoding enc,
    size_t *units);

/* "gsm7" or "ucs2". */
const char *gsm_encoding_name(enum gsm_encoding enc);

/*
 * True when a USSD screen fits: at most max_gsm7 characters (septets)
 * when it is all GSM-7, else at most max_ucs2 UTF-16 units (SPEC 3.3).
 * Invalid UTF-8 never fits.
 */
bool gsm_screen_fits(const char *text, size_t len, size_t max_gsm7,
    size_t max_ucs2);

#endif
