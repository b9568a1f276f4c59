/*
 * cloud_answer.c: the clouds' error codes onto retry or fail, and the
 * reason text (see cloud_answer.h).  A retried message waits the
 * sender's backoff and fails with the reason after max_attempts, so a
 * code wrongly called transient costs time, never a message sent twice;
 * one wrongly called permanent loses the message: when unsure, retry.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cloud_answer.h"

static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool
in(const char *s, const char *const *set)
{
	size_t i;

	for (i = 0; set[i] != NULL; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

enum provider_outcome
aliyun_classify(const char *code, long http_status)
{
	/* Flow control, quota and money: later, it may go. */
	static const char *const later[] = {
		"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL",
		"isv.MONTH_LIMIT_CONTROL", "isv.AMOUNT_NOT_ENOUGH",
		"isv.OUT_OF_SERVICE", "isv.ACCOUNT_ABNORMAL",
		"ServiceUnavailable", "InternalError", "SignatureNonceUsed",
		"SignatureDoesNotMatch", "IncompleteSignature", NULL
	};

	if (code == NULL || code[0] == '\0')
		return provider_classify_http(http_status) ==
		    PROVIDER_REJECTED ? PROVIDER_REJECTED : PROVIDER_RETRY;
	if (strcmp(code, "OK") == 0)
		return PROVIDER_ACCEPTED;
	if (in(code, later) || starts(code, "isp.") ||
	    starts(code, "Throttling") || starts(code, "InvalidTimeStamp") ||
	    starts(code, "InvalidAccessKeyId"))
		return PROVIDER_RETRY;
	/* The number, the template, its parameters, the signature: this
	 * message will not go, however often it is tried. */
	if (starts(code, "isv.") || starts(code, "Missing") ||
	    starts(code, "InvalidParameter") || starts(code, "InvalidJson"))
		return PROVIDER_REJECTED;
	return provider_classify_http(http_status) == PROVIDER_REJECTED ?
	    PROVIDER_REJECTED : PROVIDER_RETRY;
}

enum provider_outcome
tencent_classify(const char *code)
{
	if (code == NULL || code[0] == '\0')
		return PROVIDER_RETRY;
	if (strcmp(code, "Ok") == 0)
		return PROVIDER_ACCEPTED;
	if (starts(code, "LimitExceeded") ||
	    starts(code, "RequestLimitExceeded") ||
	    starts(code, "InternalError") || starts(code, "AuthFailure") ||
	    starts(code, "UnauthorizedOperation") ||
	    starts(code, "ResourceInsufficient") ||
	    starts(code, "ResourceUnavailable") ||
	    strcmp(code, "FailedOperation.InsufficientBalanceInSmsPackage") ==
	    0)
		return PROVIDER_RETRY;
	if (starts(code, "InvalidParameter") ||
	    starts(code, "MissingParameter") ||
	    starts(code, "FailedOperation") ||
	    starts(code, "UnsupportedOperation"))
		return PROVIDER_REJECTED;
	return PROVIDER_RETRY;
}

/* Bytes of the UTF-8 sequence starting with c (1 for a stray byte). */
static size_t
seq_len(unsigned char c)
{
	if (c >= 0xf0 && c < 0xf8)
		return 4;
	if (c >= 0xe0)
		return c < 0xf0 ? 3 : 1;
	if (c >= 0xc0)
		return 2;
	return 1;
}

void
cloud_reason(char *out, size_t len, const char *cloud, const char *code,
    const char *msg)
{
	size_t o, i, k, n;
	int w;

	if (len == 0)
		return;
	w = snprintf(out, len, "%s %s%s", cloud, code != NULL && *code != '\0'
	    ? code : "(no code)", msg != NULL && *msg != '\0' ? ": " : "");
	if (w < 0 || (size_t)w >= len || msg == NULL)
		return;
	o = (size_t)w;
	for (i = 0; msg[i] != '\0'; i += n) {
		unsigned char c = (unsigned char)msg[i];

		n = seq_len(c);
		for (k = 1; k < n; k++)
			if (((unsigned char)msg[i + k] & 0xc0) != 0x80)
				break;
		if (k < n)
			n = 1;		/* broken sequence: one '?' */
		if (o + n >= len)
			break;		/* never half a character */
		if (n == 1 && (c < 0x20 || c == 0x7f || c == '"' ||
		    c == '\\' || c >= 0x80))
			out[o++] = '?';
		else {
			memcpy(out + o, msg + i, n);
			o += n;
		}
	}
	out[o] = '\0';
}

struct json_object *
cloud_answer_json(struct json_tokener *tok, const char *body, size_t len)
{
	struct json_object *o;

	if (len == 0 || len >= 65536)
		return NULL;
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

const char *
cloud_answer_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

void
cloud_answer_unknown(struct provider_result *res, long status,
    const char *body, size_t len)
{
	provider_http_error(res, provider_classify_http(status) ==
	    PROVIDER_REJECTED ? PROVIDER_REJECTED : PROVIDER_RETRY, status,
	    body, len);
}

void
cloud_answer_accept(struct provider_result *res, const char *id)
{
	res->outcome = PROVIDER_ACCEPTED;
	res->msgid = strdup(id);
	if (res->msgid == NULL) {
		res->outcome = PROVIDER_RETRY;
		snprintf(res->error, sizeof(res->error), "out of memory");
	}
}
