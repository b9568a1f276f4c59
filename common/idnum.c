/*
 * idnum.c: resident ID number checks and hashing (see idnum.h).
 */
#include <string.h>

#include "idnum.h"
#include "parse.h"

enum fp_err
idnum_validate(const char *in, char out[IDNUM_LEN + 1], const char **reason)
{
	static const int weight[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9,
	    10, 5, 8, 4, 2 };
	static const char check[] = "10X98765432";
	int i, sum = 0, y, m, d;
	char last;

	if (in == NULL || strlen(in) != IDNUM_LEN) {
		*reason = "ID number must have 18 characters";
		return FP_EINVAL;
	}
	for (i = 0; i < 17; i++) {
		if (in[i] < '0' || in[i] > '9') {
			*reason = "ID number must be 17 digits and a check "
			    "character";
			return FP_EINVAL;
		}
		sum += (in[i] - '0') * weight[i];
	}
	last = in[17] == 'x' ? 'X' : in[17];
	y = (in[6] - '0') * 1000 + (in[7] - '0') * 100 + (in[8] - '0') * 10 +
	    (in[9] - '0');
	m = (in[10] - '0') * 10 + (in[11] - '0');
	d = (in[12] - '0') * 10 + (in[13] - '0');
	if (y < 1900 || !parse_date_valid(y, m, d)) {
		*reason = "ID number holds an impossible birth date";
		return FP_EINVAL;
	}
	if (check[sum % 11] != last) {
		*reason = "ID number check digit is wrong";
		return FP_EINVAL;
	}
	memcpy(out, in, 17);
	out[17] = last;
	out[18] = '\0';
	return FP_OK;
}

void
idnum_hash(const struct hmac_sha256_key *key, const char *canonical,
    uint8_t full[IDNUM_HASH_LEN], uint8_t last6[IDNUM_HASH_LEN])
{
	char tail[6];

	hmac_sha256(key, canonical, IDNUM_LEN, full);
	memcpy(tail, canonical + IDNUM_LEN - 6, 6);
	if (tail[5] == 'X')
		tail[5] = '0';
	hmac_sha256(key, tail, 6, last6);
}

enum fp_err
idnum_hash_last6(const struct hmac_sha256_key *key, const char *typed,
    uint8_t out[IDNUM_HASH_LEN])
{
	char tail[6];
	int i;

	if (typed == NULL || strlen(typed) != 6)
		return FP_EINVAL;
	for (i = 0; i < 6; i++) {
		if (typed[i] >= '0' && typed[i] <= '9')
			tail[i] = typed[i];
		else if (i == 5 && (typed[i] == 'X' || typed[i] == 'x'))
			tail[i] = '0';
		else
			return FP_EINVAL;
	}
	hmac_sha256(key, tail, 6, out);
	return FP_OK;
}
