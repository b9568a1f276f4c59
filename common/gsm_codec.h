/*
 * gsm_codec.h: the bytes of a text on an operator link, both ways.
 * gsm.h decides the encoding and counts; this encodes what it decided:
 * GSM-7 as unpacked septets, one per octet, characters of the extension
 * table as ESC (0x1B) and their code (what SMPP's data_coding 0 carries
 * to SMSCs), UCS-2 as UTF-16BE with surrogate pairs for characters
 * outside the Basic Multilingual Plane.  It splits an encoded text into
 * the parts of a concatenated message (3GPP TS 23.040 9.2.3.24.1: 153
 * septets or 67 UTF-16 units a part beside the 6-octet header), never
 * between ESC and its code nor inside a surrogate pair, and decodes what
 * phones send back into UTF-8.  Pure functions; no allocation.  Used by
 * the SMPP provider (gateway/send/); any link that carries raw SMS bytes
 * may use it.
 */
#ifndef FP_GSM_CODEC_H
#define FP_GSM_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "gsm.h"

/* Octets of one part: alone, and beside a concatenation header. */
#define GSM_CODEC_GSM7_SINGLE	160
#define GSM_CODEC_GSM7_PART	153
#define GSM_CODEC_UCS2_SINGLE	140	/* 70 units */
#define GSM_CODEC_UCS2_PART	134	/* 67 units */

/* Room gsm_codec_encode needs for len bytes of UTF-8, at most. */
#define GSM_CODEC_ENC_MAX(len)	(2 * (len))

/* Room gsm_codec_decode needs for len octets, NUL included, at most. */
#define GSM_CODEC_DEC_MAX(len)	(3 * (len) + 1)

/* What the octets of an inbound message are. */
enum gsm_codec_charset {
	GSM_CODEC_GSM7,		/* unpacked septets, ESC for the extension */
	GSM_CODEC_ASCII,	/* IA5: 7-bit ASCII */
	GSM_CODEC_LATIN1,	/* ISO 8859-1 */
	GSM_CODEC_UCS2,		/* UTF-16BE */
};

/*
 * Encode UTF-8 text[0..len) in `enc` into out[0..cap); *out_len octets.
 * FP_EINVAL: not valid UTF-8, or a character GSM-7 cannot carry (enc
 * GSM_ENC_GSM7; gsm_count says which texts are GSM-7).  FP_ETOOBIG:
 * cap is too small (GSM_CODEC_ENC_MAX(len) always suffices).
 */
enum fp_err gsm_codec_encode(const char *text, size_t len,
    enum gsm_encoding enc, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Where the parts of encoded data[0..len) end: ends[i] is the offset
 * just past part i.  One part when it fits alone (160 octets GSM-7, 140
 * UCS-2), else parts of at most 153 / 134 octets, each one octet (or
 * unit) shorter where it would end between ESC and its code or between
 * the halves of a surrogate pair.  Returns the number of parts, or 0
 * when more than max_parts would be needed.  The empty text is one part.
 */
size_t gsm_codec_split(const uint8_t *data, size_t len, enum gsm_encoding enc,
    size_t *ends, size_t max_parts);

/*
 * Decode data[0..len) of charset `cs` into out[0..cap) as UTF-8, NUL-
 * terminated; returns its length without the NUL.  Never fails: an
 * octet or unit that is not a character (a lone surrogate, an octet
 * above 0x7F in ASCII, an odd last octet of UCS-2, a NUL) becomes
 * U+FFFD, so the result is valid UTF-8 without NUL.  An ESC before a
 * code the extension table lacks decodes as the code's own character.
 * The result is cut at a character boundary when cap is short
 * (GSM_CODEC_DEC_MAX(len) always suffices); cap must be at least 1.
 */
size_t gsm_codec_decode(const uint8_t *data, size_t len,
    enum gsm_codec_charset cs, char *out, size_t cap);

#endif
