/*
 * test_idnum.c: SHA-256 / HMAC test vectors and ID number checks.
 */
#include <check.h>
#include <stdbool.h>
#include <string.h>

#include "idnum.h"
#include "sha256.h"

static void
hex_of(const void *data, size_t len, char *out)
{
	uint8_t h[SHA256_LEN];

	sha256(data, len, h);
	sha256_hex(h, SHA256_LEN, out);
}

START_TEST(sha256_matches_fips_180_vectors)
{
	char hex[65];
	char million[1000];
	struct sha256 s;
	uint8_t h[SHA256_LEN];
	int i;

	hex_of("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	hex_of("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', sizeof(million));
	sha256_init(&s);
	for (i = 0; i < 1000; i++)
		sha256_update(&s, million, sizeof(million));
	sha256_final(&s, h);
	sha256_hex(h, SHA256_LEN, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(hmac_sha256_matches_rfc4231)
{
	struct hmac_sha256_key k;
	uint8_t key[20], out[SHA256_LEN];
	char hex[65];

	memset(key, 0x0b, sizeof(key));
	hmac_sha256_key_init(&k, key, sizeof(key));
	hmac_sha256(&k, "Hi There", 8, out);
	sha256_hex(out, SHA256_LEN, hex);
	ck_assert_str_eq(hex, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	hmac_sha256_key_init(&k, "Jefe", 4);
	hmac_sha256(&k, "what do ya want for nothing?", 28, out);
	sha256_hex(out, SHA256_LEN, hex);
	ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
}
END_TEST

static const struct {
	const char *in;
	bool ok;
	const char *reason;
} ids[] = {
	{ "11010519491231002X", true, NULL },
	{ "11010519491231002x", true, NULL },
	{ "513431199001011234", false, "check digit" },
	{ "51343119900101123", false, "18 characters" },
	{ "5134311990010112345", false, "18 characters" },
	{ "51343119900A011234", false, "17 digits" },
	{ "513431199002301235", false, "birth date" },
	{ "513431180001011234", false, "birth date" },
	{ "", false, "18 characters" },
};

START_TEST(id_numbers_need_18_characters_a_real_date_and_check_digit)
{
	char out[IDNUM_LEN + 1];
	const char *why = NULL;
	enum fp_err err = idnum_validate(ids[_i].in, out, &why);

	if (ids[_i].ok) {
		ck_assert_int_eq(err, FP_OK);
		ck_assert_int_eq(out[17], 'X');
	} else {
		ck_assert_int_eq(err, FP_EINVAL);
		ck_assert_msg(strstr(why, ids[_i].reason) != NULL,
		    "%s: %s", ids[_i].in, why);
	}
}
END_TEST

START_TEST(last6_hash_accepts_a_final_x_typed_as_0)
{
	struct hmac_sha256_key k;
	uint8_t full[IDNUM_HASH_LEN], last6[IDNUM_HASH_LEN];
	uint8_t typed[IDNUM_HASH_LEN], other[IDNUM_HASH_LEN];

	hmac_sha256_key_init(&k, "salt-salt-salt-salt", 19);
	idnum_hash(&k, "11010519491231002X", full, last6);
	ck_assert_int_eq(idnum_hash_last6(&k, "31002X", typed), FP_OK);
	ck_assert_mem_eq(typed, last6, IDNUM_HASH_LEN);
	ck_assert_int_eq(idnum_hash_last6(&k, "310020", typed), FP_OK);
	ck_assert_mem_eq(typed, last6, IDNUM_HASH_LEN);
	ck_assert_int_eq(idnum_hash_last6(&k, "310021", other), FP_OK);
	ck_assert(memcmp(other, last6, IDNUM_HASH_LEN) != 0);
	ck_assert_int_eq(idnum_hash_last6(&k, "3100X0", other), FP_EINVAL);
	ck_assert_int_eq(idnum_hash_last6(&k, "31002", other), FP_EINVAL);
	/* The whole-number hash differs from the tail hash. */
	ck_assert(memcmp(full, last6, IDNUM_HASH_LEN) != 0);
}
END_TEST

Suite *
idnum_suite(void)
{
	Suite *s = suite_create("idnum");
	TCase *tc = tcase_create("hash");

	tcase_add_test(tc, sha256_matches_fips_180_vectors);
	tcase_add_test(tc, hmac_sha256_matches_rfc4231);
	tcase_add_test(tc, last6_hash_accepts_a_final_x_typed_as_0);
	suite_add_tcase(s, tc);
	tc = tcase_create("validate");
	tcase_add_loop_test(tc,
	    id_numbers_need_18_characters_a_real_date_and_check_digit, 0,
	    (int)(sizeof(ids) / sizeof(ids[0])));
	suite_add_tcase(s, tc);
	return s;
}
