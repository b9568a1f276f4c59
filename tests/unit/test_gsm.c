/*
 * test_gsm.c: GSM 03.38 alphabet tables, segment boundaries for GSM-7 and
 * UCS-2 (SPEC 4), characters outside the BMP, the operator signature and
 * USSD screen lengths (SPEC 3.3).
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "gsm.h"
#include "testutil.h"

/* 3GPP TS 23.038 default alphabet, by septet value (0x1B is the escape). */
static const uint32_t default_alphabet[128] = {
	0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,
	0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,
	0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,
	0x03A3, 0x0398, 0x039E, 0x0000, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
	0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* The extension table: form feed ^ { } \ [ ~ ] | € (ESC + code). */
static const uint32_t extension[] = {
	0x000C, 0x005E, 0x007B, 0x007D, 0x005C, 0x005B, 0x007E, 0x005D,
	0x007C, 0x20AC,
};

/* Characters GSM-7 cannot carry: the whole text becomes UCS-2. */
static const char *const not_gsm[] = {
	"ç", "`", "\t", "中", "ā", "δ", "Ç\xE2\x80\x99", "«", "\x7F",
	"\xC2\xA0", "ó", "ê", "Ä\xC3\xA3", "😀",
};

/* n copies of the UTF-8 string `unit` in buf; returns the byte length. */
static size_t
repeat(char *buf, size_t cap, const char *unit, size_t n)
{
	size_t u = strlen(unit), i, o = 0;

	ck_assert_uint_le(u * n, cap);
	for (i = 0; i < n; i++) {
		memcpy(buf + o, unit, u);
		o += u;
	}
	return o;
}

static struct gsm_count
count(const char *text, size_t len)
{
	struct gsm_count c;

	ck_assert_int_eq(gsm_count(text, len, &c), FP_OK);
	return c;
}

START_TEST(every_default_alphabet_character_is_one_septet)
{
	char buf[4];
	struct gsm_count c;
	size_t n;

	if (_i == 0x1B)
		return;		/* the escape to the extension table */
	n = tu_utf8_put(default_alphabet[_i], buf);
	c = count(buf, n);
	ck_assert_msg(c.encoding == GSM_ENC_GSM7, "septet 0x%02x U+%04X "
	    "is not GSM-7", _i, (unsigned)default_alphabet[_i]);
	ck_assert_uint_eq(c.units, 1);
	ck_assert_uint_eq(c.chars, 1);
	ck_assert_uint_eq(c.segments, 1);
}
END_TEST

START_TEST(every_extension_character_is_two_septets)
{
	char buf[8];
	struct gsm_count c;
	size_t n;

	n = tu_utf8_put(extension[_i], buf);
	n += tu_utf8_put('a', buf + n);
	c = count(buf, n);
	ck_assert_msg(c.encoding == GSM_ENC_GSM7, "U+%04X is not GSM-7",
	    (unsigned)extension[_i]);
	ck_assert_uint_eq(c.units, 3);
	ck_assert_uint_eq(c.chars, 2);
}
END_TEST

START_TEST(one_character_outside_gsm7_makes_the_text_ucs2)
{
	char buf[256];
	struct gsm_count c;
	size_t n;

	n = repeat(buf, sizeof(buf), "a", 100);
	memcpy(buf + n, not_gsm[_i], strlen(not_gsm[_i]));
	n += strlen(not_gsm[_i]);
	c = count(buf, n);
	ck_assert_msg(c.encoding == GSM_ENC_UCS2, "'%s' left it GSM-7",
	    not_gsm[_i]);
	ck_assert_uint_ge(c.units, 101);
	ck_assert_uint_eq(c.segments, 2);	/* 101 > 70 */
}
END_TEST

START_TEST(gsm7_is_160_in_one_part_then_153_per_part)
{
	static const struct {
		size_t	 n;
		size_t	 segments;
	} cases[] = {
		{ 1, 1 }, { 159, 1 }, { 160, 1 }, { 161, 2 }, { 306, 2 },
		{ 307, 3 }, { 459, 3 }, { 460, 4 }, { 1530, 10 },
	};
	char buf[2000];
	struct gsm_count c;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = repeat(buf, sizeof(buf), "a", cases[i].n);
		c = count(buf, n);
		ck_assert_int_eq(c.encoding, GSM_ENC_GSM7);
		ck_assert_uint_eq(c.units, cases[i].n);
		ck_assert_msg(c.segments == cases[i].segments,
		    "%zu 'a': %zu parts, want %zu", cases[i].n, c.segments,
		    cases[i].segments);
	}
}
END_TEST

START_TEST(extension_characters_count_twice_toward_the_limit)
{
	char buf[400];
	struct gsm_count c;
	size_t n;

	n = repeat(buf, sizeof(buf), "a", 159);
	memcpy(buf + n, "€", strlen("€"));
	c = count(buf, n + strlen("€"));
	ck_assert_int_eq(c.encoding, GSM_ENC_GSM7);
	ck_assert_uint_eq(c.chars, 160);
	ck_assert_uint_eq(c.units, 161);
	ck_assert_uint_eq(c.segments, 2);

	n = repeat(buf, sizeof(buf), "a", 158);
	buf[n++] = '{';
	c = count(buf, n);
	ck_assert_uint_eq(c.units, 160);
	ck_assert_uint_eq(c.segments, 1);

	n = repeat(buf, sizeof(buf), "[]", 80);
	c = count(buf, n);
	ck_assert_uint_eq(c.chars, 160);
	ck_assert_uint_eq(c.units, 320);
	ck_assert_uint_eq(c.segments, 3);
}
END_TEST

START_TEST(ucs2_is_70_in_one_part_then_67_per_part)
{
	static const struct {
		size_t	 n;
		size_t	 segments;
	} cases[] = {
		{ 1, 1 }, { 70, 1 }, { 71, 2 }, { 134, 2 }, { 135, 3 },
		{ 201, 3 }, { 202, 4 },
	};
	char buf[1000];
	struct gsm_count c;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = repeat(buf, sizeof(buf), "中", cases[i].n);
		c = count(buf, n);
		ck_assert_int_eq(c.encoding, GSM_ENC_UCS2);
		ck_assert_uint_eq(c.chars, cases[i].n);
		ck_assert_uint_eq(c.units, cases[i].n);
		ck_assert_msg(c.segments == cases[i].segments,
		    "%zu '中': %zu parts, want %zu", cases[i].n, c.segments,
		    cases[i].segments);
	}
}
END_TEST

START_TEST(characters_outside_the_bmp_take_two_units)
{
	char buf[400];
	struct gsm_count c;
	size_t n;

	c = count("😀", strlen("😀"));
	ck_assert_int_eq(c.encoding, GSM_ENC_UCS2);
	ck_assert_uint_eq(c.chars, 1);
	ck_assert_uint_eq(c.units, 2);

	c = count("𠀀", strlen("𠀀"));	/* CJK Extension B, U+20000 */
	ck_assert_uint_eq(c.chars, 1);
	ck_assert_uint_eq(c.units, 2);

	n = repeat(buf, sizeof(buf), "😀", 35);
	c = count(buf, n);
	ck_assert_uint_eq(c.units, 70);
	ck_assert_uint_eq(c.segments, 1);
	n = repeat(buf, sizeof(buf), "😀", 36);
	c = count(buf, n);
	ck_assert_uint_eq(c.units, 72);
	ck_assert_uint_eq(c.segments, 2);

	/* 69 BMP characters and one emoji: 71 units, two parts. */
	n = repeat(buf, sizeof(buf), "中", 69);
	memcpy(buf + n, "𠀀", strlen("𠀀"));
	c = count(buf, n + strlen("𠀀"));
	ck_assert_uint_eq(c.chars, 70);
	ck_assert_uint_eq(c.units, 71);
	ck_assert_uint_eq(c.segments, 2);
}
END_TEST

START_TEST(empty_text_is_one_segment_of_nothing)
{
	struct gsm_count c;

	c = count("", 0);
	ck_assert_int_eq(c.encoding, GSM_ENC_GSM7);
	ck_assert_uint_eq(c.chars, 0);
	ck_assert_uint_eq(c.units, 0);
	ck_assert_uint_eq(c.segments, 1);
	c = count(NULL, 0);
	ck_assert_uint_eq(c.segments, 1);
}
END_TEST

START_TEST(invalid_utf8_is_einval_and_leaves_the_result_alone)
{
	static const char *const bad[] = {
		"\xFF", "a\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF",
		"\xED\xA0\x80", "\xF0\x82\x82\xAC", "\xF4\x90\x80\x80",
		"\xF5\x80\x80\x80", "\xE4\xB8", "ok\xF0\x9F\x98", "\xC3",
		"\xE4\x41\xAD",
	};
	struct gsm_count c, before;
	size_t i;

	memset(&before, 0x5A, sizeof(before));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = before;
		ck_assert_msg(gsm_count(bad[i], strlen(bad[i]), &c) ==
		    FP_EINVAL, "bad[%zu] accepted", i);
		ck_assert(memcmp(&c, &before, sizeof(c)) == 0);
		ck_assert(!gsm_screen_fits(bad[i], strlen(bad[i]), 182, 80));
		ck_assert_int_eq(gsm_count_signed("扶贫办", bad[i],
		    strlen(bad[i]), &c), FP_EINVAL);
	}
	/* The length is what counts, not a NUL: "中" cut in two. */
	ck_assert_int_eq(gsm_count("中", 2, &c), FP_EINVAL);
}
END_TEST

START_TEST(signature_counts_as_operators_bill_it)
{
	char buf[400];
	struct gsm_count c;
	size_t n;

	/* "【扶贫办】" is 5 more characters, and never GSM-7. */
	ck_assert_int_eq(gsm_count_signed("扶贫办", "你好", strlen("你好"),
	    &c), FP_OK);
	ck_assert_int_eq(c.encoding, GSM_ENC_UCS2);
	ck_assert_uint_eq(c.chars, 7);
	ck_assert_uint_eq(c.units, 7);

	ck_assert_int_eq(gsm_count_signed("扶贫办", "hello", 5, &c), FP_OK);
	ck_assert_int_eq(c.encoding, GSM_ENC_UCS2);
	ck_assert_uint_eq(c.chars, 10);

	n = repeat(buf, sizeof(buf), "中", 65);
	ck_assert_int_eq(gsm_count_signed("扶贫办", buf, n, &c), FP_OK);
	ck_assert_uint_eq(c.units, 70);
	ck_assert_uint_eq(c.segments, 1);
	n = repeat(buf, sizeof(buf), "中", 66);
	ck_assert_int_eq(gsm_count_signed("扶贫办", buf, n, &c), FP_OK);
	ck_assert_uint_eq(c.units, 71);
	ck_assert_uint_eq(c.segments, 2);

	/* No signature: the plain count. */
	ck_assert_int_eq(gsm_count_signed(NULL, "hello", 5, &c), FP_OK);
	ck_assert_int_eq(c.encoding, GSM_ENC_GSM7);
	ck_assert_uint_eq(c.units, 5);
	ck_assert_int_eq(gsm_count_signed("", "hello", 5, &c), FP_OK);
	ck_assert_uint_eq(c.units, 5);
	ck_assert_int_eq(gsm_count_signed("扶贫办", "", 0, &c), FP_OK);
	ck_assert_uint_eq(c.chars, 5);
	ck_assert_uint_eq(c.segments, 1);
	ck_assert_int_eq(gsm_count_signed("\xFF", "hello", 5, &c),
	    FP_EINVAL);
}
END_TEST

START_TEST(ussd_screen_fits_182_gsm7_or_80_ucs2)
{
	char buf[400];
	size_t n;

	n = repeat(buf, sizeof(buf), "a", 182);
	ck_assert(gsm_screen_fits(buf, n, 182, 80));
	n = repeat(buf, sizeof(buf), "a", 183);
	ck_assert(!gsm_screen_fits(buf, n, 182, 80));
	n = repeat(buf, sizeof(buf), "a", 181);
	memcpy(buf + n, "€", strlen("€"));
	ck_assert(!gsm_screen_fits(buf, n + strlen("€"), 182, 80));
	n = repeat(buf, sizeof(buf), "中", 80);
	ck_assert(gsm_screen_fits(buf, n, 182, 80));
	n = repeat(buf, sizeof(buf), "中", 81);
	ck_assert(!gsm_screen_fits(buf, n, 182, 80));
	/* 81 Latin letters with one Chinese character: UCS-2, too long. */
	n = repeat(buf, sizeof(buf), "a", 80);
	memcpy(buf + n, "中", strlen("中"));
	ck_assert(!gsm_screen_fits(buf, n + strlen("中"), 182, 80));
	ck_assert(gsm_screen_fits("", 0, 182, 80));
}
END_TEST

START_TEST(encoding_names_are_gsm7_and_ucs2)
{
	ck_assert_str_eq(gsm_encoding_name(GSM_ENC_GSM7), "gsm7");
	ck_assert_str_eq(gsm_encoding_name(GSM_ENC_UCS2), "ucs2");
}
END_TEST

Suite *
gsm_suite(void)
{
	Suite *s = suite_create("gsm");
	TCase *tc = tcase_create("alphabet");

	tcase_add_loop_test(tc, every_default_alphabet_character_is_one_septet,
	    0, 128);
	tcase_add_loop_test(tc, every_extension_character_is_two_septets, 0,
	    (int)(sizeof(extension) / sizeof(extension[0])));
	tcase_add_loop_test(tc, one_character_outside_gsm7_makes_the_text_ucs2,
	    0, (int)(sizeof(not_gsm) / sizeof(not_gsm[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("segments");
	tcase_add_test(tc, gsm7_is_160_in_one_part_then_153_per_part);
	tcase_add_test(tc, extension_characters_count_twice_toward_the_limit);
	tcase_add_test(tc, ucs2_is_70_in_one_part_then_67_per_part);
	tcase_add_test(tc, characters_outside_the_bmp_take_two_units);
	tcase_add_test(tc, empty_text_is_one_segment_of_nothing);
	tcase_add_test(tc, invalid_utf8_is_einval_and_leaves_the_result_alone);
	suite_add_tcase(s, tc);

	tc = tcase_create("signature");
	tcase_add_test(tc, signature_counts_as_operators_bill_it);
	suite_add_tcase(s, tc);

	tc = tcase_create("screen");
	tcase_add_test(tc, ussd_screen_fits_182_gsm7_or_80_ucs2);
	tcase_add_test(tc, encoding_names_are_gsm7_and_ucs2);
	suite_add_tcase(s, tc);
	return s;
}
