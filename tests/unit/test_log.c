/*
 * test_log.c: log lines are key=value, one per event, leveled, and carry
 * no full phone number when callers mask (SPEC section 7).
 */
#include <check.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msisdn.h"

/* Run fn with log lines captured; returns them (caller frees). */
static char *
capture(void (*fn)(void))
{
	int fds[2];
	char *buf = calloc(1, 65536);
	ssize_t n;

	ck_assert_int_eq(pipe(fds), 0);
	log_set_fd(fds[1]);
	fn();
	log_set_fd(-1);
	/* Back to the quiet level the runner set, for CK_FORK=no runs. */
	log_init("test", (enum log_level)(LOG_LEVEL_ERROR - 1));
	close(fds[1]);
	n = read(fds[0], buf, 65535);
	close(fds[0]);
	ck_assert_int_ge(n, 0);
	return buf;
}

static void
log_masked_number(void)
{
	char m[MSISDN_MASK_MAX];

	log_init("test", LOG_LEVEL_INFO);
	log_info("sms.in id=42 from=%s", msisdn_mask("+8613812345678", m,
	    sizeof(m)));
	log_debug("sms.text text=\"secret text\"");
}

START_TEST(masked_numbers_and_no_text_at_default_level)
{
	char *out = capture(log_masked_number);
	regex_t re;

	ck_assert_ptr_nonnull(strstr(out, "sms.in id=42 from=138****5678"));
	ck_assert_ptr_null(strstr(out, "secret text"));
	ck_assert_int_eq(regcomp(&re, "1[3-9][0-9]{9}", REG_EXTENDED), 0);
	ck_assert_int_ne(regexec(&re, out, 0, NULL, 0), 0);
	regfree(&re);
	/* One event, one line. */
	ck_assert_int_eq(out[strlen(out) - 1], '\n');
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	free(out);
}
END_TEST

static void
log_debug_level(void)
{
	log_init("test", LOG_LEVEL_DEBUG);
	log_debug("sms.text text=\"visible at debug\"");
	log_init("test", LOG_LEVEL_INFO);
}

START_TEST(texts_appear_only_at_debug)
{
	char *out = capture(log_debug_level);

	ck_assert_ptr_nonnull(strstr(out, "debug sms.text text=\"visible at "
	    "debug\""));
	free(out);
}
END_TEST

static void
log_long_line(void)
{
	static char big[5000];

	memset(big, 'x', sizeof(big) - 1);
	log_init("test", LOG_LEVEL_INFO);
	log_warnx("big value=%s", big);
}

START_TEST(an_overlong_line_is_cut_but_stays_one_line)
{
	char *out = capture(log_long_line);
	size_t n = strlen(out);

	ck_assert_uint_gt(n, 1000);
	ck_assert_int_eq(out[n - 1], '\n');
	ck_assert_ptr_eq(strchr(out, '\n'), out + n - 1);
	free(out);
}
END_TEST

static void
log_journal_prefix(void)
{
	setenv("JOURNAL_STREAM", "8:1234", 1);
	log_init("test", LOG_LEVEL_INFO);
	log_error("store.fail path=x");
	unsetenv("JOURNAL_STREAM");
	log_init("test", LOG_LEVEL_INFO);
}

START_TEST(journald_lines_carry_the_priority_prefix)
{
	char *out = capture(log_journal_prefix);

	ck_assert_str_eq(out, "<3>store.fail path=x\n");
	free(out);
}
END_TEST

/* A value from outside carrying a newline and a journald priority:
 * the finding of 2026-12-06 (a /dlr id that forged an emergency). */
static void
log_hostile_value(void)
{
	setenv("JOURNAL_STREAM", "8:1234", 1);
	log_init("test", LOG_LEVEL_INFO);
	log_info("dlr.unknown id=%s", "x\n<0>gateway compromised\r\x1b[2J");
	unsetenv("JOURNAL_STREAM");
	log_init("test", LOG_LEVEL_INFO);
}

START_TEST(values_from_outside_cannot_forge_a_line)
{
	char *out = capture(log_hostile_value);

	ck_assert_str_eq(out, "<6>dlr.unknown id=x\\x0a<0>gateway "
	    "compromised\\x0d\\x1b[2J\n");
	free(out);
}
END_TEST

/* 100 lines asked for in one second, 5 allowed; the next second says
 * how many were held back, once, then counts afresh. */
static int limit_allowed[3];

static void
log_limited_lines(void)
{
	static struct log_limit lim = LOG_LIMIT_INIT("sms.in", 5);
	int i;

	log_init("test", LOG_LEVEL_INFO);
	for (i = 0; i < 100; i++)
		limit_allowed[0] += log_allow_at(&lim, 1000);
	for (i = 0; i < 3; i++)
		limit_allowed[1] += log_allow_at(&lim, 1001);
	for (i = 0; i < 7; i++)
		limit_allowed[2] += log_allow_at(&lim, 1005);
}

START_TEST(per_request_lines_are_limited_and_counted)
{
	char *out = capture(log_limited_lines);
	const char *first, *second;

	ck_assert_int_eq(limit_allowed[0], 5);
	ck_assert_int_eq(limit_allowed[1], 3);
	ck_assert_int_eq(limit_allowed[2], 5);
	first = strstr(out, "log.suppressed event=sms.in lines=95\n");
	ck_assert_msg(first != NULL, "%s", out);
	second = strstr(first + 1, "log.suppressed event=sms.in lines=");
	ck_assert_ptr_null(second);	/* the 2 of second 1005 are still
					 * held, told at the next line */
	free(out);
}
END_TEST

START_TEST(levels_parse_by_name)
{
	enum log_level l;

	ck_assert(log_level_parse("debug", &l));
	ck_assert_int_eq(l, LOG_LEVEL_DEBUG);
	ck_assert(log_level_parse("warn", &l));
	ck_assert_int_eq(l, LOG_LEVEL_WARN);
	ck_assert(!log_level_parse("loud", &l));
}
END_TEST

Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("lines");

	tcase_add_test(tc, masked_numbers_and_no_text_at_default_level);
	tcase_add_test(tc, texts_appear_only_at_debug);
	tcase_add_test(tc, an_overlong_line_is_cut_but_stays_one_line);
	tcase_add_test(tc, journald_lines_carry_the_priority_prefix);
	tcase_add_test(tc, values_from_outside_cannot_forge_a_line);
	tcase_add_test(tc, levels_parse_by_name);
	tcase_add_test(tc, per_request_lines_are_limited_and_counted);
	suite_add_tcase(s, tc);
	return s;
}
