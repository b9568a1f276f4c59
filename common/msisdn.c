/*
 * msisdn.c: Chinese phone number normalisation and masking (msisdn.h).
 *
 * National significant numbers (after +86):
 *   mobile       1[3-9]xxxxxxxxx                      11 digits
 *   Beijing      10 + 8-digit subscriber              10 digits
 *   2x areas     2x + 8-digit subscriber              10 digits
 *   other areas  [3-9]xx + 7 or 8-digit subscriber    10 or 11 digits
 * A fixed-line subscriber number never starts with 0 or 1.
 */
#include <stdbool.h>
#include <string.h>

#include "msisdn.h"

#define NSN_MAX 12

static enum fp_err
fail(const char **reason, const char *why)
{
	if (reason != NULL)
		*reason = why;
	return FP_EINVAL;
}

static enum fp_err
check_nsn(const char *nsn, size_t n, const char **reason)
{
	size_t area;

	if (nsn[0] == '1' && nsn[1] != '0') {
		if (nsn[1] < '3')
			return fail(reason, "not a mobile prefix (13x-19x)");
		if (n != 11)
			return fail(reason, "a mobile number has 11 digits");
		return FP_OK;
	}
	if (nsn[0] == '0')
		return fail(reason, "area code cannot start with 00");
	area = nsn[0] == '1' || nsn[0] == '2' ? 2 : 3;
	if (n < area + 7 || n > area + 8 || (area == 2 && n != area + 8))
		return fail(reason, "a fixed-line number has the wrong "
		    "number of digits");
	if (nsn[area] == '0' || nsn[area] == '1')
		return fail(reason, "a fixed-line subscriber number cannot "
		    "start with 0 or 1");
	return FP_OK;
}

enum fp_err
msisdn_normalize(const char *in, char out[MSISDN_MAX], const char **reason)
{
	char digits[32];
	const char *nsn;
	size_t n = 0, nlen;
	bool plus = false;
	const char *p;
	enum fp_err err;

	if (in == NULL)
		return fail(reason, "empty");
	for (p = in; *p != '\0'; p++) {
		if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' ||
		    *p == ')' || *p == '\t')
			continue;
		if (*p == '+' && n == 0 && !plus) {
			plus = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			return fail(reason, "only digits, spaces, dashes and "
			    "a leading + are allowed");
		if (n + 1 >= sizeof(digits))
			return fail(reason, "too many digits");
		digits[n++] = *p;
	}
	digits[n] = '\0';
	if (n == 0)
		return fail(reason, "empty");

	nsn = digits;
	if (plus) {
		if (n < 2 || strncmp(digits, "86", 2) != 0)
			return fail(reason, "not a Chinese number (country "
			    "code must be +86)");
		nsn += 2;
	} else if (strncmp(digits, "0086", 4) == 0) {
		nsn += 4;
	} else if (strncmp(digits, "00", 2) == 0) {
		return fail(reason, "not a Chinese number (country code "
		    "must be 86)");
	} else if (strncmp(digits, "86", 2) == 0 && n >= 12) {
		nsn += 2;
	} else if (digits[0] == '0') {
		nsn += 1;	/* national trunk prefix */
	}
	nlen = strlen(nsn);
	if (nlen < 9)
		return fail(reason, "too few digits");
	if (nlen > NSN_MAX - 1)
		return fail(reason, "too many digits");
	err = check_nsn(nsn, nlen, reason);
	if (err != FP_OK)
		return err;
	out[0] = '+';
	out[1] = '8';
	out[2] = '6';
	memcpy(out + 3, nsn, nlen + 1);
	return FP_OK;
}

const char *
msisdn_mask(const char *number, char *buf, size_t len)
{
	char e164[MSISDN_MAX];
	char nat[NSN_MAX + 2];
	size_t n, i, o = 0;

	if (len == 0)
		return buf;
	if (number == NULL || msisdn_normalize(number, e164, NULL) != FP_OK) {
		n = number != NULL ? strlen(number) : 0;
		for (i = 0; i < 4 && o + 1 < len; i++)
			buf[o++] = '*';
		for (i = n > 2 ? n - 2 : 0; i < n && o + 1 < len; i++)
			buf[o++] = number[i];
		buf[o] = '\0';
		return buf;
	}
	/* Mobiles read as 138****5678; fixed lines keep their trunk 0. */
	if (e164[3] == '1' && e164[4] != '0') {
		n = strlen(e164 + 3);
		memcpy(nat, e164 + 3, n + 1);
	} else {
		nat[0] = '0';
		n = strlen(e164 + 3) + 1;
		memcpy(nat + 1, e164 + 3, n);
	}
	for (i = 0; i < n && o + 1 < len; i++)
		buf[o++] = (i < 3 || i >= n - 4) ? nat[i] : '*';
	buf[o] = '\0';
	return buf;
}

const char *
msisdn_national(const char *e164)
{
	return strncmp(e164, "+86", 3) == 0 ? e164 + 3 : e164;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

void
msisdn_mask_text(char *text)
{
	size_t i = 0, start, n;

	while (text[i] != '\0') {
		if (!is_digit(text[i])) {
			i++;
			continue;
		}
		start = i;
		while (is_digit(text[i]))
			i++;
		n = i - start;
		if (n == 13 && text[start] == '8' && text[start + 1] == '6') {
			start += 2;
			n = 11;
		}
		if (n == 11 && text[start] == '1' && text[start + 1] >= '3' &&
		    text[start + 1] <= '9')
			memset(text + start + 3, '*', 4);
	}
}
