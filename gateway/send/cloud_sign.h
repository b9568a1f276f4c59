/*
 * cloud_sign.h: the request signatures of the two clouds' SMS APIs
 * (SPEC 11), pure functions (bytes in, text out; the time is the
 * caller's), so that each is tested against its documentation's worked
 * example:
 *
 *   Alibaba Cloud RPC signature, SignatureVersion 1.0 (help.aliyun.com
 *   document_detail/101343 "签名机制"): the parameters but Signature
 *   sorted by name, names and values percent-encoded (RFC 3986: A-Z a-z
 *   0-9 - _ . ~ kept, everything else %XY in upper-case hex, a space
 *   %20), joined name=value with &; StringToSign = METHOD + "&" +
 *   percentEncode("/") + "&" + percentEncode(that); Signature =
 *   Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)).
 *
 *   Tencent Cloud API 3.0, TC3-HMAC-SHA256 (cloud.tencent.com document
 *   api/382/52071, "签名方法 v3"): CanonicalRequest = METHOD \n / \n
 *   (query) \n content-type:<ct>\nhost:<host>\n \n content-type;host \n
 *   hex(SHA256(payload)); StringToSign = "TC3-HMAC-SHA256" \n timestamp
 *   \n <UTC date>/<service>/tc3_request \n hex(SHA256(CanonicalRequest));
 *   the key derived as HMAC-SHA256("TC3" + SecretKey, date), then with
 *   the service, then "tc3_request"; Signature = hex(HMAC-SHA256(key,
 *   StringToSign)).
 *
 * Secrets are only read here, never kept or logged.
 */
#ifndef FP_CLOUD_SIGN_H
#define FP_CLOUD_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "strbuf.h"

/* One request parameter (Aliyun); both borrowed, UTF-8. */
struct cloud_param {
	const char	*name;
	const char	*value;
};

#define ALIYUN_TIME_MAX		21	/* "2017-07-12T02:42:19Z" + NUL */
#define ALIYUN_SIG_MAX		32	/* Base64 of 20 bytes + NUL */
#define CLOUD_NONCE_MAX		37	/* a UUID + NUL */
#define TC3_SIG_MAX		65	/* hex of 32 bytes + NUL */
#define TC3_DATE_MAX		11	/* "2019-02-25" + NUL */

/* `now` (unix seconds) as Aliyun's Timestamp, ISO 8601 in UTC. */
void aliyun_timestamp(int64_t now, char out[ALIYUN_TIME_MAX]);

/*
 * The canonicalized query string of params[0..n) (sorted by name in
 * byte order; n at most 32) appended to b.  FP_EINVAL: n too large.
 */
enum fp_err aliyun_canonical(const struct cloud_param *params, size_t n,
    struct strbuf *b);

/*
 * The Base64 signature of the request `method` ("GET", "POST") with
 * params[0..n) (none named Signature) under `secret`, into sig.
 * FP_EINVAL (n too large), FP_ENOMEM.
 */
enum fp_err aliyun_sign(const char *method, const struct cloud_param *params,
    size_t n, const char *secret, char sig[ALIYUN_SIG_MAX]);

/*
 * The whole form body (or query) of a signed request: "Signature=<enc>&"
 * then the canonicalized query string; malloc'd, *len its length.
 * FP_EINVAL, FP_ENOMEM.
 */
enum fp_err aliyun_signed_query(const char *method,
    const struct cloud_param *params, size_t n, const char *secret,
    char **out, size_t *len);

/* A random UUID (version 4) for SignatureNonce.  FP_EIO: no entropy. */
enum fp_err cloud_nonce(char out[CLOUD_NONCE_MAX]);

/* What a TC3 signature covers. */
struct tc3_request {
	const char	*method;	/* "POST" */
	const char	*query;		/* canonical query, "" for a POST */
	const char	*content_type;	/* exactly as sent */
	const char	*host;		/* exactly as sent, lower case */
	const char	*payload;	/* the body, payload_len bytes */
	size_t		 payload_len;
	const char	*service;	/* "sms" */
	int64_t		 timestamp;	/* X-TC-Timestamp, unix seconds */
};

/* The timestamp's UTC date, "YYYY-MM-DD" (the credential scope's). */
void tc3_date(int64_t timestamp, char out[TC3_DATE_MAX]);

/*
 * The hex signature of r under secret_key into sig; with
 * hashed_canonical (may be NULL) the hex SHA-256 of the canonical
 * request too (the documentation shows it; the tests compare it).
 */
void tc3_sign(const struct tc3_request *r, const char *secret_key,
    char sig[TC3_SIG_MAX], char hashed_canonical[TC3_SIG_MAX]);

/*
 * The Authorization header's value: "TC3-HMAC-SHA256 Credential=<id>/
 * <date>/<service>/tc3_request, SignedHeaders=content-type;host,
 * Signature=<sig>", appended to b.
 */
void tc3_authorization(const struct tc3_request *r, const char *secret_id,
    const char *secret_key, struct strbuf *b);

#endif
