/*
 * test_http_error.c: the one mapping of enum fp_err to an HTTP answer
 * (http_error.c), as the endpoints declare it.
 */
#include <check.h>
#include <string.h>

#include "http_error.h"

static void
expect(enum fp_err err, const struct http_errmap *map, int status,
    const char *code, const char *message)
{
	struct http_err_answer a;

	http_err_answer(err, map, &a);
	ck_assert_msg(a.status == status, "%s: status %d, want %d",
	    fp_strerror(err), a.status, status);
	ck_assert_str_eq(a.code, code);
	ck_assert_str_eq(a.message, message);
}

/* The admin API's item endpoints: their client's errors from the
 * table, the rest 500 (or 503 busy, 502 refused with HTTP_FAIL_5XX). */
START_TEST(client_errors_come_from_the_table)
{
	static const struct http_errmap m = {
		.invalid = "bad", .not_found = "none", .rejected = "not yours",
		.conflict = "too late", .fail = HTTP_FAIL_5XX,
		.fail_code = "store_error", .fail_message = "retry",
	};

	expect(FP_EINVAL, &m, 400, "invalid_request", "bad");
	expect(FP_ENOTFOUND, &m, 404, "not_found", "none");
	expect(FP_EREJECT, &m, 403, "forbidden", "not yours");
	expect(FP_EBUSY, &m, 409, "conflict", "too late");
	expect(FP_EDUP, &m, 500, "store_error", "retry");
	expect(FP_ETOOBIG, &m, 500, "store_error", "retry");
	expect(FP_ENOMEM, &m, 500, "store_error", "retry");
	expect(FP_EIO, &m, 500, "store_error", "retry");
	expect(FP_ECONFIG, &m, 500, "store_error", "retry");
}
END_TEST

/* An error without a message is the server's: "not below 500". */
START_TEST(server_errors_follow_the_endpoint_s_policy)
{
	static const struct http_errmap fivexx = {
		.fail = HTTP_FAIL_5XX, .fail_code = "not_stored",
		.fail_message = "retry",
	};
	static const struct http_errmap always500 = {
		.fail = HTTP_FAIL_500, .fail_code = "not_stored",
		.fail_message = "retry",
	};
	static const struct http_errmap always503 = {
		.rejected = "no", .fail = HTTP_FAIL_503,
		.fail_code = "unavailable", .fail_message = "later",
	};

	expect(FP_EBUSY, &fivexx, 503, "not_stored", "retry");
	expect(FP_EREJECT, &fivexx, 502, "not_stored", "retry");
	expect(FP_EINVAL, &fivexx, 500, "not_stored", "retry");
	expect(FP_ENOTFOUND, &fivexx, 500, "not_stored", "retry");
	expect(FP_EIO, &fivexx, 500, "not_stored", "retry");
	expect(FP_EBUSY, &always500, 500, "not_stored", "retry");
	expect(FP_EREJECT, &always500, 500, "not_stored", "retry");
	expect(FP_EREJECT, &always503, 403, "forbidden", "no");
	expect(FP_EINVAL, &always503, 503, "unavailable", "later");
	expect(FP_ENOMEM, &always503, 503, "unavailable", "later");
}
END_TEST

Suite *
http_error_suite(void)
{
	Suite *s = suite_create("http_error");
	TCase *tc = tcase_create("map");

	tcase_add_test(tc, client_errors_come_from_the_table);
	tcase_add_test(tc, server_errors_follow_the_endpoint_s_policy);
	suite_add_tcase(s, tc);
	return s;
}
