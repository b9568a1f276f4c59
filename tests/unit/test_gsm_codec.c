/*
 * test_gsm_codec.c: the octets of a text on an operator link (gsm_codec.h):
 * GSM-7 as unpacked septets exactly for the texts gsm.c calls GSM-7 (every
 * code point of the BMP compared), UCS-2 as UTF-16BE with surrogate pairs,
 * parts of 153 septets / 67 units that never split an escape or a
 * surrogate pair, and decoding whatever a phone or an SMSC sends into
 * valid UTF-8 without NUL.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "charset.h"
#include "gsm.h"
#include "gsm_codec.h"
#include "testutil.h"

START_TEST(gsm7_encodes_exactly_what_gsm_counts_as_gsm7)
{
	uint8_t out[8], back[16];
	char s[4], dec[16];
	size_t n, units, len, dlen;
	uint32_t cp;
	bool is_gsm, encodes;

	for (cp = 1; cp < 0x10000; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		n = tu_utf8_put(cp, s);
		is_gsm = gsm_units(s, n, GSM_ENC_GSM7, &units) == FP_OK;
		encodes = gsm_codec_encode(s, n, GSM_ENC_GSM7, out,
		    sizeof(out), &len) == FP_OK;
		ck_assert_msg(is_gsm == encodes, "U+%04X: gsm.c says %d, the "
		    "codec %d", cp, is_gsm, encodes);
		if (!is_gsm)
			continue;
		ck_assert_uint_eq(len, units);
		/* Back to the same character. */
		dlen = gsm_codec_decode(out, len, GSM_CODEC_GSM7, dec,
		    sizeof(dec));
		ck_assert_msg(dlen == n && memcmp(dec, s, n) == 0,
		    "U+%04X does not come back", cp);
		(void)back;
	}
}
END_TEST

START_TEST(gsm7_is_unpacked_septets_with_esc_for_the_extension)
{
	uint8_t out[32];
	size_t len;

	ck_assert_int_eq(gsm_codec_encode("@$_[€]a", strlen("@$_[€]a"),
	    GSM_ENC_GSM7, out, sizeof(out), &len), FP_OK);
	ck_assert_uint_eq(len, 10);
	ck_assert_mem_eq(out, "\x00\x02\x11\x1B\x3C\x1B\x65\x1B\x3E\x61", 10);
	/* Not GSM-7: refused, never guessed. */
	ck_assert_int_eq(gsm_codec_encode("中", strlen("中"), GSM_ENC_GSM7,
	    out, sizeof(out), &len), FP_EINVAL);
	ck_assert_int_eq(gsm_codec_encode("\xC3", 1, GSM_ENC_UCS2, out,
	    sizeof(out), &len), FP_EINVAL);
	/* Too small a buffer. */
	ck_assert_int_eq(gsm_codec_encode("abc", 3, GSM_ENC_GSM7, out, 2,
	    &len), FP_ETOOBIG);
}
END_TEST

START_TEST(ucs2_is_utf16be_with_surrogate_pairs)
{
	const char *t = "查询😀";
	uint8_t out[32];
	char dec[32];
	size_t len, dlen;

	ck_assert_int_eq(gsm_codec_encode(t, strlen(t), GSM_ENC_UCS2, out,
	    sizeof(out), &len), FP_OK);
	ck_assert_uint_eq(len, 8);
	ck_assert_mem_eq(out, "\x67\xE5\x8B\xE2\xD8\x3D\xDE\x00", 8);
	dlen = gsm_codec_decode(out, len, GSM_CODEC_UCS2, dec, sizeof(dec));
	ck_assert_uint_eq(dlen, strlen(t));
	ck_assert_str_eq(dec, t);
}
END_TEST

START_TEST(a_text_that_fits_is_one_part)
{
	uint8_t data[400];
	size_t ends[8];

	memset(data, 'a', sizeof(data));
	ck_assert_uint_eq(gsm_codec_split(data, 160, GSM_ENC_GSM7, ends, 8),
	    1);
	ck_assert_uint_eq(ends[0], 160);
	ck_assert_uint_eq(gsm_codec_split(data, 140, GSM_ENC_UCS2, ends, 8),
	    1);
	ck_assert_uint_eq(gsm_codec_split(data, 0, GSM_ENC_GSM7, ends, 8), 1);
	ck_assert_uint_eq(ends[0], 0);
}
END_TEST

START_TEST(long_texts_are_153_septets_or_67_units_a_part)
{
	uint8_t data[400];
	size_t ends[8];

	memset(data, 'a', sizeof(data));
	ck_assert_uint_eq(gsm_codec_split(data, 161, GSM_ENC_GSM7, ends, 8),
	    2);
	ck_assert_uint_eq(ends[0], 153);
	ck_assert_uint_eq(ends[1], 161);
	ck_assert_uint_eq(gsm_codec_split(data, 306, GSM_ENC_GSM7, ends, 8),
	    2);
	ck_assert_uint_eq(gsm_codec_split(data, 142, GSM_ENC_UCS2, ends, 8),
	    2);
	ck_assert_uint_eq(ends[0], 134);
	/* Too many parts for the caller's room. */
	ck_assert_uint_eq(gsm_codec_split(data, 400, GSM_ENC_GSM7, ends, 2),
	    0);
}
END_TEST

START_TEST(a_part_never_ends_inside_an_escape_or_a_surrogate_pair)
{
	uint8_t data[400];
	size_t ends[8];

	/* ESC at octet 152: its code would start the next part. */
	memset(data, 'a', sizeof(data));
	data[152] = 0x1B;
	data[153] = 0x3C;
	ck_assert_uint_eq(gsm_codec_split(data, 200, GSM_ENC_GSM7, ends, 8),
	    2);
	ck_assert_uint_eq(ends[0], 152);
	/* A high surrogate as the 67th unit. */
	memset(data, 0x4E, sizeof(data));
	data[132] = 0xD8;
	data[133] = 0x3D;
	data[134] = 0xDE;
	data[135] = 0x00;
	ck_assert_uint_eq(gsm_codec_split(data, 200, GSM_ENC_UCS2, ends, 8),
	    2);
	ck_assert_uint_eq(ends[0], 132);
}
END_TEST

START_TEST(decoding_always_gives_valid_utf8_without_nul)
{
	static const uint8_t ucs2_bad[] = { 0xD8, 0x3D, 0x00, 0x41, 0x00,
	    0x00, 0x12 };
	static const uint8_t ascii[] = { 'h', 'i', 0x80, 0x00 };
	static const uint8_t gsm[] = { 0x00, 0x1B, 0x65, 0x1B, 0x41, 0x1B };
	static const uint8_t latin[] = { 0xE9, 0x41 };
	char out[64];
	size_t n;

	n = gsm_codec_decode(ucs2_bad, sizeof(ucs2_bad), GSM_CODEC_UCS2, out,
	    sizeof(out));
	/* lone high surrogate, A, NUL, odd octet: FFFD A FFFD FFFD */
	ck_assert_str_eq(out, "\xEF\xBF\xBD" "A" "\xEF\xBF\xBD\xEF\xBF\xBD");
	ck_assert(charset_is_utf8(out, n));
	gsm_codec_decode(ascii, sizeof(ascii), GSM_CODEC_ASCII, out,
	    sizeof(out));
	ck_assert_str_eq(out, "hi\xEF\xBF\xBD\xEF\xBF\xBD");
	/* @, €, an unknown escape shows the base character, a final ESC a
	 * space. */
	gsm_codec_decode(gsm, sizeof(gsm), GSM_CODEC_GSM7, out, sizeof(out));
	ck_assert_str_eq(out, "@€A ");
	gsm_codec_decode(latin, sizeof(latin), GSM_CODEC_LATIN1, out,
	    sizeof(out));
	ck_assert_str_eq(out, "éA");
	/* A short buffer cuts at a character. */
	n = gsm_codec_decode(latin, sizeof(latin), GSM_CODEC_LATIN1, out, 2);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(out, "");
}
END_TEST

Suite *
gsm_codec_suite(void)
{
	Suite *s = suite_create("gsm_codec");
	TCase *tc = tcase_create("encode");

	tcase_add_test(tc, gsm7_encodes_exactly_what_gsm_counts_as_gsm7);
	tcase_add_test(tc, gsm7_is_unpacked_septets_with_esc_for_the_extension);
	tcase_add_test(tc, ucs2_is_utf16be_with_surrogate_pairs);
	suite_add_tcase(s, tc);
	tc = tcase_create("split");
	tcase_add_test(tc, a_text_that_fits_is_one_part);
	tcase_add_test(tc, long_texts_are_153_septets_or_67_units_a_part);
	tcase_add_test(tc,
	    a_part_never_ends_inside_an_escape_or_a_surrogate_pair);
	suite_add_tcase(s, tc);
	tc = tcase_create("decode");
	tcase_add_test(tc, decoding_always_gives_valid_utf8_without_nul);
	suite_add_tcase(s, tc);
	return s;
}
