/*
 * parse.c: checked text-to-number conversions (see parse.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

enum fp_err
parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *p = s;
	char *end = NULL;
	long long v;

	if (s == NULL || *s == '\0')
		return FP_EINVAL;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return FP_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == NULL || *end != '\0')
		return FP_EINVAL;
	if (v < min || v > max)
		return FP_EINVAL;
	*out = v;
	return FP_OK;
}

enum fp_err
parse_int(const char *s, int min, int max, int *out)
{
	int64_t v;
	enum fp_err err;

	err = parse_int64(s, min, max, &v);
	if (err != FP_OK)
		return err;
	*out = (int)v;
	return FP_OK;
}

bool
parse_date_valid(int year, int month, int day)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int dim;

	if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1)
		return false;
	dim = mdays[month - 1];
	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) ||
	    year % 400 == 0))
		dim = 29;
	return day <= dim;
}

enum fp_err
parse_date(const char *s, int *year, int *month, int *day)
{
	int i, y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return FP_EINVAL;
	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return FP_EINVAL;
	}
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (!parse_date_valid(y, m, d))
		return FP_EINVAL;
	*year = y;
	*month = m;
	*day = d;
	return FP_OK;
}

/* The n digits at s as a number; -1 when one of them is not a digit
 * (the end of the string included). */
static int
digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

enum fp_err
parse_rfc3339_time(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p;

	/* Each check stops at the string's end before reading past it. */
	if (s == NULL || (y = digits(s, 4)) < 0 || s[4] != '-' ||
	    (mo = digits(s + 5, 2)) < 0 || s[7] != '-' ||
	    (d = digits(s + 8, 2)) < 0 || (s[10] != 'T' && s[10] != 't') ||
	    (h = digits(s + 11, 2)) < 0 || s[13] != ':' ||
	    (mi = digits(s + 14, 2)) < 0 || s[16] != ':' ||
	    (sec = digits(s + 17, 2)) < 0)
		return FP_EINVAL;
	if (!parse_date_valid(y, mo, d) || h > 23 || mi > 59 || sec > 60)
		return FP_EINVAL;
	p = s + 19;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return FP_EINVAL;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		sign = 0;
	else if ((*p == '+' || *p == '-') && (oh = digits(p + 1, 2)) >= 0 &&
	    p[3] == ':' && (om = digits(p + 4, 2)) >= 0 && p[6] == '\0' &&
	    oh <= 23 && om <= 59)
		sign = *p == '+' ? 1 : -1;
	else
		return FP_EINVAL;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    sign * (oh * 3600 + om * 60);
	return FP_OK;
}
