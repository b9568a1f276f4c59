/*
 * test_ratelimit.c: the sender's token bucket over simulated time (never
 * more than the rate, burst at start, exact waits, no overflow) and the
 * retry backoff (doubles per attempt, jitter within +/- 20 %, capped).
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>

#include "ratelimit.h"

#define MS	1000000LL
#define SEC	1000000000LL

START_TEST(bucket_never_exceeds_rate_over_simulated_time)
{
	struct ratelimit rl;
	static int64_t taken[400];
	int64_t t, start = 5 * SEC;
	size_t n = 0, i, j;

	/* Take whenever allowed, every 1 ms for 10 s. */
	ratelimit_init(&rl, 20, 1, start);
	for (t = start; t < start + 10 * SEC; t += MS)
		while (n < 400 && ratelimit_take(&rl, t, NULL))
			taken[n++] = t;
	/* 1 at start + 20/s: 201 at most, and not much less. */
	ck_assert_uint_le(n, 201);
	ck_assert_uint_ge(n, 199);
	/* In every window of one second, at most rate + burst. */
	for (i = 0; i < n; i++) {
		size_t in = 0;

		for (j = i; j < n && taken[j] < taken[i] + SEC; j++)
			in++;
		ck_assert_uint_le(in, 21);
	}
	/* And evenly spaced: 50 ms apart after the first. */
	for (i = 2; i < n; i++)
		ck_assert_int_ge(taken[i] - taken[i - 1], 50 * MS);
}
END_TEST

START_TEST(bucket_allows_burst_then_waits_exactly)
{
	struct ratelimit rl;
	int64_t wait = 0;
	int i;

	ratelimit_init(&rl, 10, 5, 0);
	for (i = 0; i < 5; i++)
		ck_assert(ratelimit_take(&rl, 0, NULL));
	ck_assert(!ratelimit_take(&rl, 0, &wait));
	ck_assert_int_eq(wait, 100 * MS);
	ck_assert_int_eq(ratelimit_wait_ns(&rl, 0), 100 * MS);
	ck_assert(!ratelimit_take(&rl, 100 * MS - 1, &wait));
	ck_assert_int_eq(wait, 1);
	ck_assert(ratelimit_take(&rl, 100 * MS, NULL));
	ck_assert(!ratelimit_take(&rl, 100 * MS, NULL));
	/* A long idle time refills to the burst, no more. */
	ck_assert_uint_eq(ratelimit_available(&rl, 3600 * SEC, 100), 5);
	ck_assert_uint_eq(ratelimit_available(&rl, 3600 * SEC, 3), 3);
	ck_assert_int_eq(ratelimit_wait_ns(&rl, 3600 * SEC), 0);
}
END_TEST

START_TEST(bucket_forecasts_tokens_within_a_horizon)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 20, 1, 0);
	/* 1 now + 20/s for 100 ms = 3; nothing is taken by asking. */
	ck_assert_uint_eq(ratelimit_forecast(&rl, 0, 100 * MS, 100), 3);
	ck_assert_uint_eq(ratelimit_forecast(&rl, 0, 0, 100), 1);
	ck_assert_uint_eq(ratelimit_forecast(&rl, 0, 100 * MS, 2), 2);
	ck_assert(ratelimit_take(&rl, 0, NULL));
	ck_assert_uint_eq(ratelimit_forecast(&rl, 0, 100 * MS, 100), 2);
	ck_assert_uint_eq(ratelimit_forecast(&rl, 0, 49 * MS, 100), 0);
	/* Huge horizons and rates do not overflow. */
	ratelimit_init(&rl, 10000, 200, 0);
	ck_assert_uint_eq(ratelimit_forecast(&rl, 0, INT64_MAX / 2, 256), 256);
	ck_assert_uint_eq(ratelimit_forecast(&rl, 0, 10 * MS, 1000), 300);
	ratelimit_init(&rl, 0, 1, 0);
	ck_assert_uint_eq(ratelimit_forecast(&rl, 0, 0, 77), 77);
}
END_TEST

START_TEST(bucket_ignores_time_going_backwards)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 1, 1, 10 * SEC);
	ck_assert(ratelimit_take(&rl, 10 * SEC, NULL));
	ck_assert(!ratelimit_take(&rl, 5 * SEC, NULL));
	ck_assert(!ratelimit_take(&rl, 10 * SEC + SEC / 2, NULL));
	ck_assert(ratelimit_take(&rl, 11 * SEC, NULL));
}
END_TEST

START_TEST(bucket_high_rate_and_huge_gaps_do_not_overflow)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 10000, 200, 0);
	ck_assert_uint_eq(ratelimit_available(&rl, INT64_MAX / 2, 1000), 200);
	ck_assert_uint_eq(ratelimit_available(&rl, INT64_MAX - 1, 1000), 200);
}
END_TEST

START_TEST(bucket_without_rate_is_unlimited)
{
	struct ratelimit rl;
	int i;

	ratelimit_init(&rl, 0, 1, 0);
	for (i = 0; i < 100000; i++)
		ck_assert(ratelimit_take(&rl, 0, NULL));
	ck_assert_uint_eq(ratelimit_available(&rl, 0, 777), 777);
	ck_assert_int_eq(ratelimit_wait_ns(&rl, 0), 0);
}
END_TEST

START_TEST(backoff_doubles_per_attempt)
{
	/* The middle of the jitter range is the base delay itself. */
	uint32_t mid = UINT32_C(1) << 31;

	ck_assert_int_eq(backoff_delay_s(1, mid), 2);
	ck_assert_int_eq(backoff_delay_s(2, mid), 4);
	ck_assert_int_eq(backoff_delay_s(3, mid), 8);
	ck_assert_int_eq(backoff_delay_s(6, mid), 64);
	ck_assert_int_eq(backoff_delay_s(9, mid), 512);
	ck_assert_int_eq(backoff_delay_s(10, mid), 600);
}
END_TEST

START_TEST(backoff_jitter_stays_within_20_percent)
{
	uint32_t x = 2463534242u;
	int64_t lo, hi, d, min_seen = INT64_MAX, max_seen = 0;
	int64_t base;
	int attempt, i;

	for (attempt = 1; attempt <= 14; attempt++) {
		base = attempt >= 10 ? 600 : (int64_t)2 << (attempt - 1);
		lo = base * 8 / 10;
		hi = base * 12 / 10;
		ck_assert_int_ge(backoff_delay_s(attempt, 0), lo > 0 ? lo : 1);
		ck_assert_int_le(backoff_delay_s(attempt, UINT32_MAX), hi);
		for (i = 0; i < 2000; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			d = backoff_delay_s(attempt, x);
			ck_assert_int_ge(d, lo > 0 ? lo : 1);
			ck_assert_int_le(d, hi);
			if (attempt == 8) {
				if (d < min_seen)
					min_seen = d;
				if (d > max_seen)
					max_seen = d;
			}
		}
	}
	/* The jitter really spreads retries: 256 s +/- 20 %. */
	ck_assert_int_le(min_seen, 210);
	ck_assert_int_ge(max_seen, 300);
}
END_TEST

START_TEST(backoff_is_capped_for_any_attempt)
{
	ck_assert_int_le(backoff_delay_s(100, UINT32_MAX), 720);
	ck_assert_int_ge(backoff_delay_s(100, 0), 480);
	ck_assert_int_le(backoff_delay_s(INT_MAX, UINT32_MAX), 720);
	ck_assert_int_ge(backoff_delay_s(0, 0), 1);
	ck_assert_int_ge(backoff_delay_s(-5, 0), 1);
}
END_TEST

Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("bucket");

	tcase_add_test(tc, bucket_never_exceeds_rate_over_simulated_time);
	tcase_add_test(tc, bucket_allows_burst_then_waits_exactly);
	tcase_add_test(tc, bucket_forecasts_tokens_within_a_horizon);
	tcase_add_test(tc, bucket_ignores_time_going_backwards);
	tcase_add_test(tc, bucket_high_rate_and_huge_gaps_do_not_overflow);
	tcase_add_test(tc, bucket_without_rate_is_unlimited);
	suite_add_tcase(s, tc);
	tc = tcase_create("backoff");
	tcase_add_test(tc, backoff_doubles_per_attempt);
	tcase_add_test(tc, backoff_jitter_stays_within_20_percent);
	tcase_add_test(tc, backoff_is_capped_for_any_attempt);
	suite_add_tcase(s, tc);
	return s;
}
