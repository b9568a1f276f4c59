/*
 * cloud_sign.c: the Aliyun RPC and Tencent TC3-HMAC-SHA256 request
 * signatures (see cloud_sign.h).  HMAC-SHA1 and Base64 are OpenSSL's
 * (libcrypto, already linked for cmpp's MD5); SHA-256 and HMAC-SHA256
 * our own (common/sha256.c).  Called by provider_aliyun.c and
 * provider_tencent.c, and by the tests with the documentation's values.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cloud_sign.h"
#include "sha256.h"

#define ALIYUN_PARAMS_MAX	32

void
aliyun_timestamp(int64_t now, char out[ALIYUN_TIME_MAX])
{
	time_t t = (time_t)now;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, ALIYUN_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
by_name(const void *a, const void *b)
{
	const struct cloud_param *x = *(const struct cloud_param *const *)a;
	const struct cloud_param *y = *(const struct cloud_param *const *)b;

	return strcmp(x->name, y->name);
}

enum fp_err
aliyun_canonical(const struct cloud_param *params, size_t n,
    struct strbuf *b)
{
	const struct cloud_param *sorted[ALIYUN_PARAMS_MAX];
	size_t i;

	if (n > ALIYUN_PARAMS_MAX)
		return FP_EINVAL;
	for (i = 0; i < n; i++)
		sorted[i] = &params[i];
	qsort(sorted, n, sizeof(sorted[0]), by_name);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strbuf_adds(b, "&");
		/* strbuf_add_urlenc keeps exactly RFC 3986's unreserved
		 * characters and writes upper-case %XY: Aliyun's
		 * percentEncode. */
		strbuf_add_urlenc(b, sorted[i]->name);
		strbuf_adds(b, "=");
		strbuf_add_urlenc(b, sorted[i]->value);
	}
	return b->failed ? FP_ENOMEM : FP_OK;
}

enum fp_err
aliyun_sign(const char *method, const struct cloud_param *params, size_t n,
    const char *secret, char sig[ALIYUN_SIG_MAX])
{
	struct strbuf q = STRBUF_INIT, sts = STRBUF_INIT, key = STRBUF_INIT;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	enum fp_err err;

	sig[0] = '\0';
	err = aliyun_canonical(params, n, &q);
	if (err != FP_OK)
		goto done;
	strbuf_adds(&sts, method);
	strbuf_adds(&sts, "&");
	strbuf_add_urlenc(&sts, "/");
	strbuf_adds(&sts, "&");
	strbuf_add_urlenc(&sts, strbuf_str(&q));
	/* The key is the secret followed by "&" (RFC 2104 HMAC-SHA1). */
	strbuf_adds(&key, secret);
	strbuf_adds(&key, "&");
	if (sts.failed || key.failed) {
		err = FP_ENOMEM;
		goto done;
	}
	if (HMAC(EVP_sha1(), key.s, (int)key.len,
	    (const unsigned char *)sts.s, sts.len, mac, &mac_len) == NULL) {
		err = FP_ENOMEM;
		goto done;
	}
	EVP_EncodeBlock((unsigned char *)sig, mac, (int)mac_len);
done:
	if (key.s != NULL)
		memset(key.s, 0, key.len);
	strbuf_free(&key);
	strbuf_free(&sts);
	strbuf_free(&q);
	return err;
}

enum fp_err
aliyun_signed_query(const char *method, const struct cloud_param *params,
    size_t n, const char *secret, char **out, size_t *len)
{
	struct strbuf b = STRBUF_INIT;
	char sig[ALIYUN_SIG_MAX];
	enum fp_err err;

	*out = NULL;
	err = aliyun_sign(method, params, n, secret, sig);
	if (err != FP_OK)
		return err;
	strbuf_adds(&b, "Signature=");
	strbuf_add_urlenc(&b, sig);
	strbuf_adds(&b, "&");
	err = aliyun_canonical(params, n, &b);
	if (err != FP_OK) {
		strbuf_free(&b);
		return err;
	}
	*out = strbuf_take(&b, len);
	return *out != NULL ? FP_OK : FP_ENOMEM;
}

enum fp_err
cloud_nonce(char out[CLOUD_NONCE_MAX])
{
	unsigned char r[16];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return FP_EIO;
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);	/* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);	/* RFC 4122 */
	snprintf(out, CLOUD_NONCE_MAX, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4],
	    r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
	    r[15]);
	return FP_OK;
}

/* ---- TC3-HMAC-SHA256 ----------------------------------------------------- */

void
tc3_date(int64_t timestamp, char out[TC3_DATE_MAX])
{
	time_t t = (time_t)timestamp;
	struct tm tm;

	/* UTC: the documentation warns that a local date fails at 00:00
	 * Beijing time. */
	gmtime_r(&t, &tm);
	strftime(out, TC3_DATE_MAX, "%Y-%m-%d", &tm);
}

static void
hmac(const void *key, size_t key_len, const char *msg, size_t msg_len,
    uint8_t out[SHA256_LEN])
{
	struct hmac_sha256_key k;

	hmac_sha256_key_init(&k, key, key_len);
	hmac_sha256(&k, msg, msg_len, out);
	memset(&k, 0, sizeof(k));
}

static void
sha256_hex_of(const void *data, size_t len, char out[TC3_SIG_MAX])
{
	uint8_t d[SHA256_LEN];

	sha256(data, len, d);
	sha256_hex(d, sizeof(d), out);
}

void
tc3_sign(const struct tc3_request *r, const char *secret_key,
    char sig[TC3_SIG_MAX], char hashed_canonical[TC3_SIG_MAX])
{
	struct strbuf cr = STRBUF_INIT, sts = STRBUF_INIT, k = STRBUF_INIT;
	char date[TC3_DATE_MAX], payload_hash[TC3_SIG_MAX];
	char canon_hash[TC3_SIG_MAX];
	uint8_t k_date[SHA256_LEN], k_service[SHA256_LEN];
	uint8_t k_signing[SHA256_LEN], mac[SHA256_LEN];

	tc3_date(r->timestamp, date);
	sha256_hex_of(r->payload, r->payload_len, payload_hash);
	strbuf_printf(&cr, "%s\n/\n%s\ncontent-type:%s\nhost:%s\n\n"
	    "content-type;host\n%s", r->method, r->query != NULL ? r->query :
	    "", r->content_type, r->host, payload_hash);
	sha256_hex_of(strbuf_str(&cr), cr.len, canon_hash);
	strbuf_printf(&sts, "TC3-HMAC-SHA256\n%lld\n%s/%s/tc3_request\n%s",
	    (long long)r->timestamp, date, r->service, canon_hash);
	strbuf_adds(&k, "TC3");
	strbuf_adds(&k, secret_key);
	hmac(strbuf_str(&k), k.len, date, strlen(date), k_date);
	hmac(k_date, sizeof(k_date), r->service, strlen(r->service),
	    k_service);
	hmac(k_service, sizeof(k_service), "tc3_request", 11, k_signing);
	hmac(k_signing, sizeof(k_signing), strbuf_str(&sts), sts.len, mac);
	sha256_hex(mac, sizeof(mac), sig);
	if (hashed_canonical != NULL)
		memcpy(hashed_canonical, canon_hash, TC3_SIG_MAX);
	if (k.s != NULL)
		memset(k.s, 0, k.len);
	memset(k_date, 0, sizeof(k_date));
	memset(k_service, 0, sizeof(k_service));
	memset(k_signing, 0, sizeof(k_signing));
	strbuf_free(&k);
	strbuf_free(&sts);
	strbuf_free(&cr);
}

void
tc3_authorization(const struct tc3_request *r, const char *secret_id,
    const char *secret_key, struct strbuf *b)
{
	char sig[TC3_SIG_MAX], date[TC3_DATE_MAX];

	tc3_sign(r, secret_key, sig, NULL);
	tc3_date(r->timestamp, date);
	strbuf_printf(b, "TC3-HMAC-SHA256 Credential=%s/%s/%s/tc3_request, "
	    "SignedHeaders=content-type;host, Signature=%s", secret_id, date,
	    r->service, sig);
}
