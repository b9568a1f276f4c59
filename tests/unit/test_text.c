/*
 * test_text.c: the shared text helpers of common/: hex, the growable
 * string, JSON string literals, percent-encoding.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "strbuf.h"

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

START_TEST(strbuf_grows_and_hands_over)
{
	struct strbuf b = STRBUF_INIT;
	char *s;
	size_t len = 0;
	int i;

	ck_assert_str_eq(strbuf_str(&b), "");
	for (i = 0; i < 1000; i++)
		strbuf_printf(&b, "%d,", i % 10);
	strbuf_add(&b, "xy", 1);
	strbuf_adds(&b, "!");
	ck_assert_uint_eq(b.len, 2002);
	ck_assert(!b.failed);
	ck_assert_int_eq(strncmp(b.s, "0,1,2,", 6), 0);
	ck_assert_str_eq(b.s + 1998, "9,x!");
	s = strbuf_take(&b, &len);
	ck_assert_uint_eq(len, 2002);
	ck_assert_uint_eq(strlen(s), 2002);
	ck_assert_ptr_null(b.s);
	free(s);
	/* Nothing added: "" to free, never NULL. */
	s = strbuf_take(&b, &len);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(len, 0);
	free(s);
	strbuf_free(&b);
}
END_TEST

START_TEST(json_escape_writes_short_forms_and_u00xx)
{
	struct strbuf b = STRBUF_INIT;
	struct json_object *o;

	strbuf_add_json(&b, "a\"b\\c/\b\f\n\r\t\x01\x1f\x7f 扶贫", SIZE_MAX);
	ck_assert_str_eq(b.s, "\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001"
	    "\\u001f\\u007f 扶贫\"");
	o = json_tokener_parse(b.s);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_object_get_string(o),
	    "a\"b\\c/\b\f\n\r\t\x01\x1f\x7f 扶贫");
	json_object_put(o);
	strbuf_free(&b);
}
END_TEST

START_TEST(json_escape_cuts_between_characters)
{
	char out[16];

	/* max cuts inside 扶 (3 bytes): back to before it. */
	ck_assert_uint_eq(json_escape(out, sizeof(out), "ab扶贫", 4), 4);
	ck_assert_str_eq(out, "\"ab\"");
	ck_assert_uint_eq(json_escape(out, sizeof(out), "ab扶贫", 5), 7);
	ck_assert_str_eq(out, "\"ab扶\"");
	/* No room for a whole character or escape: cut before it. */
	ck_assert_uint_eq(json_escape(out, 8, "ab扶贫", SIZE_MAX), 7);
	ck_assert_str_eq(out, "\"ab扶\"");
	ck_assert_uint_eq(json_escape(out, 8, "abcd\n", SIZE_MAX), 6);
	ck_assert_str_eq(out, "\"abcd\"");
	ck_assert_uint_eq(json_escape(out, 3, "abc", SIZE_MAX), 2);
	ck_assert_str_eq(out, "\"\"");
	ck_assert_uint_eq(json_escape(out, 2, "abc", SIZE_MAX), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

#define NUL_IN(s)	json_has_nul((s), strlen(s))

START_TEST(json_has_nul_finds_escapes_and_raw_bytes)
{
	static const char raw[] = "{\"a\":\"x\0y\"}";

	ck_assert(NUL_IN("{\"a\":\"x\\u0000\"}"));
	ck_assert(NUL_IN("{\"a\\u0000b\":1}"));
	ck_assert(json_has_nul(raw, sizeof(raw) - 1));
	/* An escaped backslash, then u0000: text, no NUL. */
	ck_assert(!NUL_IN("{\"a\":\"\\\\u0000\"}"));
	/* But an escaped backslash and then an escape is one. */
	ck_assert(NUL_IN("\"\\\\\\u0000\""));
	ck_assert(!json_has_nul("\"\\u0000\"", 6));	/* cut short */
	ck_assert(NUL_IN("\"\\u0001\\n\\u00000\""));
	ck_assert(!NUL_IN("\"\\u0001\\n\\u1000\""));
	ck_assert(!json_has_nul("", 0));
}
END_TEST

START_TEST(urlenc_keeps_only_the_unreserved)
{
	struct strbuf b = STRBUF_INIT;
	char out[8];

	strbuf_add_urlenc(&b, "aZ09-._~ /?&=%+扶");
	ck_assert_str_eq(b.s, "aZ09-._~%20%2F%3F%26%3D%25%2B%E6%89%B6");
	strbuf_free(&b);
	ck_assert_uint_eq(urlenc(out, sizeof(out), "a b"), 5);
	ck_assert_str_eq(out, "a%20b");
	/* All or nothing in a fixed buffer. */
	ck_assert_uint_eq(urlenc(out, sizeof(out), "a b c"), 9);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(urlenc(out, 6, "a b"), 5);
	ck_assert_str_eq(out, "a%20b");
	ck_assert_uint_eq(urlenc(out, 5, "a b"), 5);
	ck_assert_str_eq(out, "");
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
	tc = tcase_create("strbuf");
	tcase_add_test(tc, strbuf_grows_and_hands_over);
	tcase_add_test(tc, json_escape_writes_short_forms_and_u00xx);
	tcase_add_test(tc, json_escape_cuts_between_characters);
	tcase_add_test(tc, urlenc_keeps_only_the_unreserved);
	tcase_add_test(tc, json_has_nul_finds_escapes_and_raw_bytes);
	suite_add_tcase(s, tc);
	return s;
}
