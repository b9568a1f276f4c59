/*
 * test_text.c: the shared text helpers of common/: hex.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "hex.h"

START_TEST(hex_encodes_lower_case_and_decodes_either_case)
{
	static const uint8_t bin[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	uint8_t back[sizeof(bin)];
	char hex[2 * sizeof(bin) + 1];

	hex_encode(bin, sizeof(bin), hex);
	ck_assert_str_eq(hex, "00017f80abff");
	ck_assert_int_eq(hex_decode(hex, back, sizeof(back)), FP_OK);
	ck_assert_mem_eq(back, bin, sizeof(bin));
	ck_assert_int_eq(hex_decode("00017F80ABFF", back, sizeof(back)),
	    FP_OK);
	ck_assert_mem_eq(back, bin, sizeof(bin));
	hex_encode(bin, 0, hex);
	ck_assert_str_eq(hex, "");
}
END_TEST

START_TEST(hex_decode_wants_exactly_2n_digits)
{
	uint8_t out[2];

	ck_assert_int_eq(hex_decode(NULL, out, 2), FP_EINVAL);
	ck_assert_int_eq(hex_decode("abc", out, 2), FP_EINVAL);
	ck_assert_int_eq(hex_decode("abcdef", out, 2), FP_EINVAL);
	ck_assert_int_eq(hex_decode("abcg", out, 2), FP_EINVAL);
	ck_assert_int_eq(hex_decode(" abc", out, 2), FP_EINVAL);
	ck_assert_int_eq(hex_decode("+f0f", out, 2), FP_EINVAL);
	ck_assert_int_eq(hex_digit('F'), 15);
	ck_assert_int_eq(hex_digit('g'), -1);
}
END_TEST

Suite *
text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("hex");

	tcase_add_test(tc, hex_encodes_lower_case_and_decodes_either_case);
	tcase_add_test(tc, hex_decode_wants_exactly_2n_digits);
	suite_add_tcase(s, tc);
	return s;
}
