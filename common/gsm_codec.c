/*
 * gsm_codec.c: GSM-7 and UCS-2 octets of a text, both ways (see
 * gsm_codec.h).  The GSM 03.38 default alphabet is one table of 128 code
 * points; encoding looks ASCII up directly (most texts) and searches the
 * table for the few others.  The characters encoded are exactly those
 * gsm.c counts as GSM-7 (tests/unit/test_gsm_codec.c checks every code
 * point of the BMP against gsm_units), so a message the outbox labelled
 * gsm7 always encodes.
 */
#include <stdbool.h>
#include <string.h>

#include "charset.h"
#include "gsm_codec.h"

#define ESC		0x1B
#define REPLACEMENT	0xFFFD

/* GSM 03.38 default alphabet: septet -> code point (0x1B: the escape). */
static const uint16_t gsm7_base[128] = {
	/* 0x00 */ '@', 0x00A3, '$', 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,
	/* 0x08 */ 0x00F2, 0x00C7, '\n', 0x00D8, 0x00F8, '\r', 0x00C5, 0x00E5,
	/* 0x10 */ 0x0394, '_', 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,
	/* 0x18 */ 0x03A3, 0x0398, 0x039E, 0x00A0, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	/* 0x20 */ ' ', '!', '"', '#', 0x00A4, '%', '&', '\'',
	/* 0x28 */ '(', ')', '*', '+', ',', '-', '.', '/',
	/* 0x30 */ '0', '1', '2', '3', '4', '5', '6', '7',
	/* 0x38 */ '8', '9', ':', ';', '<', '=', '>', '?',
	/* 0x40 */ 0x00A1, 'A', 'B', 'C', 'D', 'E', 'F', 'G',
	/* 0x48 */ 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	/* 0x50 */ 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W',
	/* 0x58 */ 'X', 'Y', 'Z', 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	/* 0x60 */ 0x00BF, 'a', 'b', 'c', 'd', 'e', 'f', 'g',
	/* 0x68 */ 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	/* 0x70 */ 'p', 'q', 'r', 's', 't', 'u', 'v', 'w',
	/* 0x78 */ 'x', 'y', 'z', 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* The extension table: ESC + code -> code point. */
static const struct {
	uint8_t	 code;
	uint16_t cp;
} gsm7_ext[] = {
	{ 0x0A, '\f' }, { 0x14, '^' }, { 0x28, '{' }, { 0x29, '}' },
	{ 0x2F, '\\' }, { 0x3C, '[' }, { 0x3D, '~' }, { 0x3E, ']' },
	{ 0x40, '|' }, { 0x65, 0x20AC },
};

#define N_EXT	(sizeof(gsm7_ext) / sizeof(gsm7_ext[0]))

/*
 * The septets for code point cp: 1 (*a), 2 (ESC, *b), or 0 when GSM-7
 * cannot carry it.  0x1B in the base table is the escape, never a
 * character (gsm.c counts U+00A0 as not GSM-7, and so do we).
 */
static int
gsm7_of(uint32_t cp, uint8_t *a, uint8_t *b)
{
	size_t i;

	for (i = 0; i < N_EXT; i++)
		if (gsm7_ext[i].cp == cp) {
			*a = ESC;
			*b = gsm7_ext[i].code;
			return 2;
		}
	if (cp == '`' || cp == 0x7F || cp == 0x00A0)
		return 0;
	/* Most ASCII sits at its own code. */
	if (cp < 0x80 && cp != '$' && cp != '@' && cp != '_' &&
	    gsm7_base[cp] == cp) {
		*a = (uint8_t)cp;
		return 1;
	}
	for (i = 0; i < 128; i++)
		if (i != ESC && gsm7_base[i] == cp) {
			*a = (uint8_t)i;
			return 1;
		}
	return 0;
}

enum fp_err
gsm_codec_encode(const char *text, size_t len, enum gsm_encoding enc,
    uint8_t *out, size_t cap, size_t *out_len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, o = 0;
	uint32_t cp;
	uint8_t a = 0, b = 0;
	int n;

	while (i < len) {
		if (!charset_utf8_next(s, len, &i, &cp))
			return FP_EINVAL;
		if (enc == GSM_ENC_GSM7) {
			n = gsm7_of(cp, &a, &b);
			if (n == 0)
				return FP_EINVAL;
			if (cap - o < (size_t)n)
				return FP_ETOOBIG;
			out[o++] = a;
			if (n == 2)
				out[o++] = b;
			continue;
		}
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;
			uint32_t hs = 0xD800 + (v >> 10), ls = 0xDC00 + (v & 0x3FF);

			if (cap - o < 4)
				return FP_ETOOBIG;
			out[o++] = (uint8_t)(hs >> 8);
			out[o++] = (uint8_t)hs;
			out[o++] = (uint8_t)(ls >> 8);
			out[o++] = (uint8_t)ls;
			continue;
		}
		if (cap - o < 2)
			return FP_ETOOBIG;
		out[o++] = (uint8_t)(cp >> 8);
		out[o++] = (uint8_t)cp;
	}
	*out_len = o;
	return FP_OK;
}

size_t
gsm_codec_split(const uint8_t *data, size_t len, enum gsm_encoding enc,
    size_t *ends, size_t max_parts)
{
	size_t single, per, pos = 0, end, n = 0;

	single = enc == GSM_ENC_GSM7 ? GSM_CODEC_GSM7_SINGLE :
	    GSM_CODEC_UCS2_SINGLE;
	per = enc == GSM_ENC_GSM7 ? GSM_CODEC_GSM7_PART : GSM_CODEC_UCS2_PART;
	if (max_parts == 0)
		return 0;
	if (len <= single) {
		ends[0] = len;
		return 1;
	}
	while (pos < len) {
		if (n == max_parts)
			return 0;
		end = len - pos <= per ? len : pos + per;
		if (end < len) {
			/* An escape is read with the septet after it. */
			if (enc == GSM_ENC_GSM7) {
				size_t k = end, run = 0;

				/* ESC ESC is two escapes: count the run. */
				while (k > pos && data[k - 1] == ESC) {
					k--;
					run++;
				}
				if (run % 2 == 1)
					end--;
			} else if (end - pos >= 2 && data[end - 2] >= 0xD8 &&
			    data[end - 2] <= 0xDB)
				end -= 2;	/* a high surrogate ends it */
		}
		ends[n++] = end;
		pos = end;
	}
	return n;
}

/* Append code point cp as UTF-8 if it fits in out[*o..cap - 1). */
static bool
put_utf8(char *out, size_t cap, size_t *o, uint32_t cp)
{
	unsigned char buf[4];
	size_t n;

	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = REPLACEMENT;
	if (cp < 0x80) {
		buf[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		buf[0] = (unsigned char)(0xC0 | (cp >> 6));
		buf[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		buf[0] = (unsigned char)(0xE0 | (cp >> 12));
		buf[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		buf[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		buf[0] = (unsigned char)(0xF0 | (cp >> 18));
		buf[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		buf[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		buf[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (cap - 1 - *o < n)
		return false;
	memcpy(out + *o, buf, n);
	*o += n;
	return true;
}

static uint32_t
gsm7_ext_of(uint8_t code)
{
	size_t i;

	for (i = 0; i < N_EXT; i++)
		if (gsm7_ext[i].code == code)
			return gsm7_ext[i].cp;
	/* 3GPP TS 23.038 6.2.1.1: an unknown extension shows the base. */
	return code == ESC ? ' ' : gsm7_base[code];
}

size_t
gsm_codec_decode(const uint8_t *data, size_t len, enum gsm_codec_charset cs,
    char *out, size_t cap)
{
	size_t i = 0, o = 0;
	uint32_t cp, lo;
	bool ok = true;

	while (ok && i < len) {
		switch (cs) {
		case GSM_CODEC_GSM7:
			cp = data[i++] & 0x7Fu;
			if (cp == ESC)
				cp = i < len ? gsm7_ext_of(data[i++] & 0x7F) :
				    ' ';
			else
				cp = gsm7_base[cp];
			break;
		case GSM_CODEC_ASCII:
			cp = data[i] < 0x80 ? data[i] : REPLACEMENT;
			i++;
			break;
		case GSM_CODEC_LATIN1:
			cp = data[i++];
			break;
		case GSM_CODEC_UCS2:
		default:
			if (len - i < 2) {
				cp = REPLACEMENT;
				i = len;
				break;
			}
			cp = (uint32_t)data[i] << 8 | data[i + 1];
			i += 2;
			if (cp >= 0xD800 && cp <= 0xDBFF && len - i >= 2) {
				lo = (uint32_t)data[i] << 8 | data[i + 1];
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					    (lo - 0xDC00);
					i += 2;
				}
			}
			break;
		}
		ok = put_utf8(out, cap, &o, cp);
	}
	out[o] = '\0';
	return o;
}
