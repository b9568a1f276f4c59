/*
 * test_api_cache.c: answers kept for a moment (gateway/api/api_cache.c),
 * by the caller's clock: a copy comes back within API_CACHE_TTL_MS and
 * not after, a key is replaced by its newer answer, a full table gives
 * up its oldest entry, a key too long is never kept.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_cache.h"

/* Far from any other test's clock: entries never meet. */
#define T	(INT64_C(1) << 40)

START_TEST(an_answer_comes_back_within_its_second_and_not_after)
{
	char *body = NULL;
	size_t len = 0;

	api_cache_put("overview|5134", T, "{\"a\":1}", 7);
	ck_assert(api_cache_get("overview|5134", T, &body, &len));
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq(body, "{\"a\":1}");
	free(body);
	ck_assert(api_cache_get("overview|5134", T + API_CACHE_TTL_MS - 1,
	    &body, &len));
	free(body);
	ck_assert(!api_cache_get("overview|5134", T + API_CACHE_TTL_MS, &body,
	    &len));
	ck_assert_ptr_null(body);
	ck_assert(!api_cache_get("overview|5133", T, &body, &len));
	/* A clock that went back is no reason to trust an entry. */
	ck_assert(!api_cache_get("overview|5134", T - 1, &body, &len));
}
END_TEST

START_TEST(a_newer_answer_replaces_the_older)
{
	char *body = NULL;
	size_t len = 0;

	api_cache_put("areas|x", T + 10000, "old", 3);
	api_cache_put("areas|x", T + 10500, "newer", 5);
	ck_assert(api_cache_get("areas|x", T + 11200, &body, &len));
	ck_assert_str_eq(body, "newer");
	free(body);
}
END_TEST

START_TEST(a_full_table_gives_up_its_oldest_and_long_keys_are_not_kept)
{
	char key[API_CACHE_KEY_MAX + 8], *body = NULL;
	size_t len = 0;
	int i;

	for (i = 0; i <= API_CACHE_ENTRIES; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		api_cache_put(key, T + 20000 + i, key, strlen(key));
	}
	ck_assert(!api_cache_get("k0", T + 20000 + API_CACHE_ENTRIES, &body,
	    &len));
	ck_assert(api_cache_get("k1", T + 20000 + API_CACHE_ENTRIES, &body,
	    &len));
	ck_assert_str_eq(body, "k1");
	free(body);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	api_cache_put(key, T + 30000, "x", 1);
	ck_assert(!api_cache_get(key, T + 30000, &body, &len));
}
END_TEST

Suite *
api_cache_suite(void)
{
	Suite *s = suite_create("api_cache");
	TCase *tc = tcase_create("cache");

	tcase_add_test(tc, an_answer_comes_back_within_its_second_and_not_after);
	tcase_add_test(tc, a_newer_answer_replaces_the_older);
	tcase_add_test(tc,
	    a_full_table_gives_up_its_oldest_and_long_keys_are_not_kept);
	suite_add_tcase(s, tc);
	return s;
}
