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
