/*
 * gsm.c: GSM-7 / UCS-2 detection, segment counting and USSD screen length
 * (gsm.h).  One pass over the UTF-8 text decodes each code point, looks
 * it up in the GSM 03.38 default alphabet and extension table, and keeps
 * both counts (septets and UTF-16 units), so the encoding is only chosen
 * at the end.  No allocation; the router, the outbox and the USSD engine
 * call it for every message and screen.  It does not encode: providers
 * do that.
 *
 * Simplification: real encoders never split an extension character
 * (ESC + code) or a UTF-16 surrogate pair across two parts, so a part may
 * then carry 152 septets or 66 units and the text may need one part more
 * than counted here.  SPEC 4 counts plain units / 153 (or / 67); so do we.
 */
#include <stdint.h>

#include "charset.h"
#include "gsm.h"

#define GSM7_SINGLE	160	/* septets in a one-part message */
#define GSM7_PART	153	/* septets per part with a UDH */
#define UCS2_SINGLE	70	/* UTF-16 units in a one-part message */
#define UCS2_PART	67

/*
 * Septets per ASCII character: 1 in the default alphabet, 2 in the
 * extension table (^ { } \ [ ~ ] | and form feed), 0 when GSM-7 cannot
 * carry it (other controls, the grave accent, DEL).
 */
static const unsigned char ascii_septets[128] = {
	/* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 1, 0, 0,
	/* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x20 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x30 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x40 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x50 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1,
	/* 0x60 */ 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0x70 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0,
};

/*
 * The default alphabet's characters in U+00A0..U+00FF, one bit each:
 * ¡ £ ¤ ¥ § ¿ Ä Å Æ Ç É Ñ Ö Ø Ü ß à ä å æ è é ì ñ ò ö ø ù ü.
 */
static const uint32_t latin1_bits[3] = {
	/* U+00A0..BF: ¡ A1, £ A3, ¤ A4, ¥ A5, § A7, ¿ BF */
	(1u << 0x01) | (1u << 0x03) | (1u << 0x04) | (1u << 0x05) |
	    (1u << 0x07) | (1u << 0x1F),
	/* U+00C0..DF: Ä C4, Å C5, Æ C6, Ç C7, É C9, Ñ D1, Ö D6, Ø D8,
	 * Ü DC, ß DF */
	(1u << 0x04) | (1u << 0x05) | (1u << 0x06) | (1u << 0x07) |
	    (1u << 0x09) | (1u << 0x11) | (1u << 0x16) | (1u << 0x18) |
	    (1u << 0x1C) | (1u << 0x1F),
	/* U+00E0..FF: à E0, ä E4, å E5, æ E6, è E8, é E9, ì EC, ñ F1,
	 * ò F2, ö F6, ø F8, ù F9, ü FC */
	(1u << 0x00) | (1u << 0x04) | (1u << 0x05) | (1u << 0x06) |
	    (1u << 0x08) | (1u << 0x09) | (1u << 0x0C) | (1u << 0x11) |
	    (1u << 0x12) | (1u << 0x16) | (1u << 0x18) | (1u << 0x19) |
	    (1u << 0x1C),
};

/* Running totals over one or more pieces of text. */
struct tally {
	size_t	 chars;
	size_t	 septets;
	size_t	 utf16;
	bool	 is_gsm7;
};

/* Septets for code point cp: 1, 2 (extension table) or 0 (not GSM-7). */
static unsigned
septets(uint32_t cp)
{
	if (cp < 0x80)
		return ascii_septets[cp];
	if (cp >= 0xA0 && cp <= 0xFF)
		return (latin1_bits[(cp - 0xA0) >> 5] >> ((cp - 0xA0) & 31)) &
		    1u;
	switch (cp) {
	case 0x0393:	/* Γ */
	case 0x0394:	/* Δ */
	case 0x0398:	/* Θ */
	case 0x039B:	/* Λ */
	case 0x039E:	/* Ξ */
	case 0x03A0:	/* Π */
	case 0x03A3:	/* Σ */
	case 0x03A6:	/* Φ */
	case 0x03A8:	/* Ψ */
	case 0x03A9:	/* Ω */
		return 1;
	case 0x20AC:	/* € */
		return 2;
	default:
		return 0;
	}
}

/*
 * Add s[0..len) to *t.  False on invalid UTF-8 (Unicode table
 * 3-7: no overlongs, no surrogates, nothing above U+10FFFF), the same
 * rules as charset_is_utf8().
 */
static bool
tally_add(struct tally *t, const unsigned char *s, size_t len)
{
	size_t i = 0;
	unsigned char c;
	uint32_t cp;
	unsigned n;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			n = ascii_septets[c];
			t->chars++;
			t->utf16++;
			t->septets += n;
			if (n == 0)
				t->is_gsm7 = false;
			i++;
			continue;
		}
		if (!charset_utf8_next(s, len, &i, &cp))
			return false;
		t->chars++;
		t->utf16 += cp >= 0x10000 ? 2 : 1;
		if (t->is_gsm7) {
			n = septets(cp);
			t->septets += n;
			if (n == 0)
				t->is_gsm7 = false;
		}
	}
	return true;
}

static size_t
parts(size_t units, size_t single, size_t per_part)
{
	if (units <= single)
		return 1;
	return (units + per_part - 1) / per_part;
}

static void
tally_finish(const struct tally *t, struct gsm_count *out)
{
	out->chars = t->chars;
	if (t->is_gsm7) {
		out->encoding = GSM_ENC_GSM7;
		out->units = t->septets;
		out->segments = parts(t->septets, GSM7_SINGLE, GSM7_PART);
	} else {
		out->encoding = GSM_ENC_UCS2;
		out->units = t->utf16;
		out->segments = parts(t->utf16, UCS2_SINGLE, UCS2_PART);
	}
}

enum fp_err
gsm_count(const char *text, size_t len, struct gsm_count *out)
{
	struct tally t = { 0, 0, 0, true };

	if (len > 0 && text == NULL)
		return FP_EINVAL;
	if (len > 0 && !tally_add(&t, (const unsigned char *)text, len))
		return FP_EINVAL;
	tally_finish(&t, out);
	return FP_OK;
}

enum fp_err
gsm_count_signed(const char *sign, const char *text, size_t len,
    struct gsm_count *out)
{
	static const unsigned char open[] = "\xE3\x80\x90";	/* 【 */
	static const unsigned char close[] = "\xE3\x80\x91";	/* 】 */
	struct tally t = { 0, 0, 0, true };
	size_t slen = 0;

	if (len > 0 && text == NULL)
		return FP_EINVAL;
	if (sign != NULL)
		while (sign[slen] != '\0')
			slen++;
	/* Chinese operators bill "【sign】" as part of the text (SPEC 4). */
	if (slen > 0) {
		if (!tally_add(&t, open, sizeof(open) - 1) ||
		    !tally_add(&t, (const unsigned char *)sign, slen) ||
		    !tally_add(&t, close, sizeof(close) - 1))
			return FP_EINVAL;
	}
	if (len > 0 && !tally_add(&t, (const unsigned char *)text, len))
		return FP_EINVAL;
	tally_finish(&t, out);
	return FP_OK;
}

enum fp_err
gsm_units(const char *text, size_t len, enum gsm_encoding enc, size_t *units)
{
	struct tally t = { 0, 0, 0, true };

	if (len > 0 && (text == NULL ||
	    !tally_add(&t, (const unsigned char *)text, len)))
		return FP_EINVAL;
	if (enc == GSM_ENC_GSM7 && !t.is_gsm7)
		return FP_EINVAL;
	*units = enc == GSM_ENC_GSM7 ? t.septets : t.utf16;
	return FP_OK;
}

const char *
gsm_encoding_name(enum gsm_encoding enc)
{
	return enc == GSM_ENC_GSM7 ? "gsm7" : "ucs2";
}

bool
gsm_screen_fits(const char *text, size_t len, size_t max_gsm7,
    size_t max_ucs2)
{
	struct gsm_count c;

	if (gsm_count(text, len, &c) != FP_OK)
		return false;
	if (c.encoding == GSM_ENC_GSM7)
		return c.units <= max_gsm7;
	return c.units <= max_ucs2;
}
