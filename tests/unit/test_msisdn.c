/*
 * test_msisdn.c: phone number normalisation and masking tables.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "msisdn.h"

static const struct {
	const char *in;
	const char *out;	/* NULL: must be rejected */
	const char *reason;	/* fragment of the reason when rejected */
} cases[] = {
	{ "13800000000", "+8613800000000", NULL },
	{ "8613800000000", "+8613800000000", NULL },
	{ "+8613800000000", "+8613800000000", NULL },
	{ "+86 138 0000 0000", "+8613800000000", NULL },
	{ "138-0000-0000", "+8613800000000", NULL },
	{ "+86-138-0000-0000", "+8613800000000", NULL },
	{ "008613912345678", "+8613912345678", NULL },
	{ "(+86) 199 1234 5678", "+8619912345678", NULL },
	{ "19912345678", "+8619912345678", NULL },
	{ "16612345678", "+8616612345678", NULL },
	{ "010-62345678", "+861062345678", NULL },
	{ "01062345678", "+861062345678", NULL },
	{ "+86 10 6234 5678", "+861062345678", NULL },
	{ "028-85123456", "+862885123456", NULL },
	{ "0834-2123456", "+868342123456", NULL },
	{ "0834-21234567", "+8683421234567", NULL },
	{ "0827 5212345", "+868275212345", NULL },
	{ "861062345678", "+861062345678", NULL },
	{ "", NULL, "empty" },
	{ "   ", NULL, "empty" },
	{ "1380000000", NULL, "11 digits" },
	{ "138000000000", NULL, "too many" },
	{ "12800000000", NULL, "mobile prefix" },
	{ "11800000000", NULL, "mobile prefix" },
	{ "+14155552671", NULL, "+86" },
	{ "+447911123456", NULL, "+86" },
	{ "0014155552671", NULL, "86" },
	{ "1380000000a", NULL, "only digits" },
	{ "138 0000 000O", NULL, "only digits" },
	{ "+86+13800000000", NULL, "only digits" },
	{ "12345", NULL, "too few" },
	{ "010-02345678", NULL, "cannot start with 0 or 1" },
	{ "010-6234567", NULL, "wrong number of digits" },
	{ "028-8512345", NULL, "wrong number of digits" },
	{ "0834-212345678", NULL, "too many" },
	{ "10690001", NULL, "too few" },
	{ "1380000000000000000000000000000000", NULL, "too many" },
	{ "00", NULL, "86" },
};

START_TEST(normalises_every_accepted_form_and_rejects_the_rest)
{
	char out[MSISDN_MAX];
	const char *why = NULL;
	enum fp_err err;

	err = msisdn_normalize(cases[_i].in, out, &why);
	if (cases[_i].out != NULL) {
		ck_assert_msg(err == FP_OK, "%s rejected: %s", cases[_i].in,
		    why != NULL ? why : "?");
		ck_assert_str_eq(out, cases[_i].out);
	} else {
		ck_assert_msg(err == FP_EINVAL, "%s accepted as %s",
		    cases[_i].in, out);
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strstr(why, cases[_i].reason) != NULL,
		    "%s: reason '%s' lacks '%s'", cases[_i].in, why,
		    cases[_i].reason);
	}
}
END_TEST

START_TEST(masks_mobiles_as_138_stars_5678)
{
	char buf[MSISDN_MASK_MAX];

	ck_assert_str_eq(msisdn_mask("+8613812345678", buf, sizeof(buf)),
	    "138****5678");
	ck_assert_str_eq(msisdn_mask("13812345678", buf, sizeof(buf)),
	    "138****5678");
	ck_assert_str_eq(msisdn_mask("+861062345678", buf, sizeof(buf)),
	    "010****5678");
	/* Not a number we know: only the last two characters survive. */
	ck_assert_str_eq(msisdn_mask("+14155552671", buf, sizeof(buf)),
	    "****71");
	ck_assert_str_eq(msisdn_mask(NULL, buf, sizeof(buf)), "****");
	/* A tiny buffer truncates, never overflows. */
	ck_assert_str_eq(msisdn_mask("+8613812345678", buf, 5), "138*");
}
END_TEST

START_TEST(masks_the_mobiles_written_in_a_text)
{
	static const struct {
		const char	*in;
		const char	*out;
	} texts[] = {
		{ "帮扶干部：李明辉 19908349001；", "帮扶干部：李明辉 199****9001；" },
		{ "call +8613812345678 now", "call +86138****5678 now" },
		{ "8613812345678", "86138****5678" },
		{ "13812345678,13912345678", "138****5678,139****5678" },
		/* Not mobiles: a date, an amount, 12 digits, 1[0-2]... */
		{ "2026-12-07 1150.00 513431100201 12345678901",
		  "2026-12-07 1150.00 513431100201 12345678901" },
		{ "", "" },
	};
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", texts[i].in);
		msisdn_mask_text(buf);
		ck_assert_str_eq(buf, texts[i].out);
	}
}
END_TEST

Suite *
msisdn_suite(void)
{
	Suite *s = suite_create("msisdn");
	TCase *tc = tcase_create("normalise");

	tcase_add_loop_test(tc,
	    normalises_every_accepted_form_and_rejects_the_rest, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("mask");
	tcase_add_test(tc, masks_mobiles_as_138_stars_5678);
	tcase_add_test(tc, masks_the_mobiles_written_in_a_text);
	suite_add_tcase(s, tc);
	return s;
}
