/*
 * provider_tencent.c: Tencent Cloud SMS, SendSms of API version
 * 2021-01-11 (SPEC 11), an HTTP provider behind provider.h:
 *
 *   POST <endpoint>
 *   Authorization: TC3-HMAC-SHA256 Credential=<id>/<date>/sms/tc3_request,
 *                  SignedHeaders=content-type;host, Signature=<hex>
 *   Content-Type: application/json; charset=utf-8
 *   Host: <the endpoint's>
 *   X-TC-Action: SendSms   X-TC-Version: 2021-01-11
 *   X-TC-Timestamp: <now>  X-TC-Region: <region>
 *   {"PhoneNumberSet":["+86..."],"SmsSdkAppId":"..","SignName":"..",
 *    "TemplateId":"..","TemplateParamSet":["..",..],"SessionContext":"<id>"}
 *
 * signed as cloud_sign.h says; these headers are the request's own
 * (provider_request.own_headers).  The template and the order of its
 * parameters come from templates/provider_templates.conf (tplmap.h),
 * the values from the message's variables: a message without a mapping
 * is never sent as free text.
 *
 * The answer is always HTTP 200: {"Response":{"Error":{"Code",
 * "Message"}}} for the whole request, else {"Response":
 * {"SendStatusSet":[{"SerialNo","PhoneNumber","Code","Message",...}]}}:
 * Code "Ok" is accepted with the SerialNo as the provider id (the sid of
 * its status callback); other codes retry or fail as cloud_answer.h
 * sorts them.  The SecretKey is only read to sign, never logged.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud_answer.h"
#include "cloud_sign.h"
#include "cloud_template.h"
#include "provider.h"
#include "strbuf.h"
#include "tplmap.h"

#define TENCENT_ID_MAX	128
#define TENCENT_CT	"application/json; charset=utf-8"

struct tencent_ctx {
	const struct cfg_provider *p;	/* borrowed */
	struct tplmap	*map;		/* owned */
	char		*host;		/* owned: the endpoint's host[:port] */
	struct json_tokener *tok;	/* owned; answers, one at a time */
};

/* "https://Host:port/path" -> "host:port" (lower case), or NULL. */
static char *
host_of(const char *url)
{
	const char *s = strstr(url, "://"), *e;
	char *h;
	size_t i;

	if (s == NULL)
		return NULL;
	s += 3;
	e = s + strcspn(s, "/?#");
	if (e == s)
		return NULL;
	h = strndup(s, (size_t)(e - s));
	for (i = 0; h != NULL && h[i] != '\0'; i++)
		if (h[i] >= 'A' && h[i] <= 'Z')
			h[i] = (char)(h[i] - 'A' + 'a');
	return h;
}

static enum fp_err
tencent_open(const struct cfg *cfg, const struct cfg_provider *p,
    void **out)
{
	struct tencent_ctx *ctx;
	enum fp_err err;

	if (p->endpoint == NULL || p->secret_id == NULL ||
	    p->secret_key == NULL || p->sdk_app_id == NULL ||
	    p->sign_name == NULL || p->region == NULL)
		return FP_ECONFIG;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return FP_ENOMEM;
	ctx->p = p;
	err = cloud_template_open(cfg, "tencent", p, &ctx->map);
	if (err != FP_OK) {
		free(ctx);
		return err;
	}
	ctx->host = host_of(p->endpoint);
	ctx->tok = ctx->host != NULL ? json_tokener_new() : NULL;
	if (ctx->tok == NULL) {
		free(ctx->host);
		tplmap_free(ctx->map);
		free(ctx);
		return FP_ENOMEM;
	}
	*out = ctx;
	return FP_OK;
}

static void
tencent_close(void *arg)
{
	struct tencent_ctx *ctx = arg;

	if (ctx == NULL)
		return;
	free(ctx->host);
	json_tokener_free(ctx->tok);
	tplmap_free(ctx->map);
	free(ctx);
}

/* The JSON body; NULL when out of memory. */
static char *
body_of(const struct cfg_provider *p, const struct outbox_item *it,
    const struct tplmap_entry *e, const char *const *values, size_t *len)
{
	struct strbuf b = STRBUF_INIT;
	size_t i;

	strbuf_adds(&b, "{\"PhoneNumberSet\":[");
	strbuf_add_json(&b, it->to, SIZE_MAX);
	strbuf_adds(&b, "],\"SmsSdkAppId\":");
	strbuf_add_json(&b, p->sdk_app_id, SIZE_MAX);
	strbuf_adds(&b, ",\"SignName\":");
	strbuf_add_json(&b, p->sign_name, SIZE_MAX);
	strbuf_adds(&b, ",\"TemplateId\":");
	strbuf_add_json(&b, e->code, SIZE_MAX);
	if (e->n_params > 0) {
		strbuf_adds(&b, ",\"TemplateParamSet\":[");
		for (i = 0; i < e->n_params; i++) {
			if (i > 0)
				strbuf_adds(&b, ",");
			strbuf_add_json(&b, values[i], SIZE_MAX);
		}
		strbuf_adds(&b, "]");
	}
	strbuf_printf(&b, ",\"SessionContext\":\"%lld\"}", (long long)it->id);
	return strbuf_take(&b, len);
}

static struct curl_slist *
add(struct curl_slist *h, bool *ok, const char *line)
{
	struct curl_slist *n;

	if (!*ok)
		return h;
	n = curl_slist_append(h, line);
	if (n == NULL) {
		*ok = false;
		return h;
	}
	return n;
}

/* The request's headers, signed at `now`; NULL when out of memory. */
static struct curl_slist *
headers_of(const struct tencent_ctx *ctx, const char *body, size_t len,
    int64_t now)
{
	const struct cfg_provider *p = ctx->p;
	struct tc3_request r = { "POST", "", TENCENT_CT, ctx->host, body, len,
	    "sms", now };
	struct strbuf b = STRBUF_INIT;
	struct curl_slist *h = NULL;
	bool ok = true;
	char line[256];

	strbuf_adds(&b, "Authorization: ");
	tc3_authorization(&r, p->secret_id, p->secret_key, &b);
	h = add(h, &ok, b.failed ? "" : strbuf_str(&b));
	ok = ok && !b.failed;
	strbuf_free(&b);
	h = add(h, &ok, "Content-Type: " TENCENT_CT);
	snprintf(line, sizeof(line), "Host: %s", ctx->host);
	h = add(h, &ok, line);
	h = add(h, &ok, "X-TC-Action: SendSms");
	snprintf(line, sizeof(line), "X-TC-Timestamp: %lld", (long long)now);
	h = add(h, &ok, line);
	h = add(h, &ok, "X-TC-Version: 2021-01-11");
	snprintf(line, sizeof(line), "X-TC-Region: %s", p->region);
	h = add(h, &ok, line);
	h = add(h, &ok, "Expect:");
	if (!ok) {
		curl_slist_free_all(h);
		return NULL;
	}
	return h;
}

static enum fp_err
tencent_build(void *arg, const struct outbox_item *it,
    struct provider_request *req)
{
	struct tencent_ctx *ctx = arg;
	const struct tplmap_entry *e;
	const char *values[TPLMAP_PARAMS_MAX];
	struct json_object *doc;

	memset(req, 0, sizeof(*req));
	e = cloud_template_find(ctx->map, "tencent", ctx->p, it, &doc,
	    values);
	if (e == NULL)
		return FP_EINVAL;
	req->body = body_of(ctx->p, it, e, values, &req->body_len);
	json_object_put(doc);
	req->url = strdup(ctx->p->endpoint);
	/* X-TC-Timestamp: now, read here at the edge (the sender's
	 * thread); cloud_sign.c takes it as a parameter. */
	if (req->body != NULL)
		req->own_headers = headers_of(ctx, req->body, req->body_len,
		    (int64_t)time(NULL));
	req->headers = req->own_headers;
	if (req->body == NULL || req->url == NULL || req->own_headers ==
	    NULL) {
		provider_request_cleanup(req);
		return FP_ENOMEM;
	}
	return FP_OK;
}

static struct json_object *
member(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

static void
tencent_parse(void *arg, const struct outbox_item *it, long status,
    const char *body, size_t len, struct provider_result *res)
{
	struct tencent_ctx *ctx = arg;
	struct json_object *o, *r, *error, *set, *one = NULL;
	const char *code, *serial;

	(void)it;
	o = cloud_answer_json(ctx->tok, body, len);
	r = member(o, "Response", json_type_object);
	error = member(r, "Error", json_type_object);
	set = member(r, "SendStatusSet", json_type_array);
	if (set != NULL && json_object_array_length(set) == 1)
		one = json_object_array_get_idx(set, 0);
	if (error != NULL) {
		/* The whole request: signature, quota, parameters. */
		code = cloud_answer_str(error, "Code");
		res->outcome = tencent_classify(code);
		if (res->outcome == PROVIDER_ACCEPTED)
			res->outcome = PROVIDER_RETRY;	/* an Error "Ok"? */
		cloud_reason(res->error, sizeof(res->error), "tencent", code,
		    cloud_answer_str(error, "Message"));
	} else if (one != NULL && json_object_is_type(one,
	    json_type_object)) {
		code = cloud_answer_str(one, "Code");
		serial = cloud_answer_str(one, "SerialNo");
		res->outcome = tencent_classify(code);
		if (res->outcome == PROVIDER_ACCEPTED && serial != NULL &&
		    serial[0] != '\0' && strlen(serial) <= TENCENT_ID_MAX)
			cloud_answer_accept(res, serial);
		else if (res->outcome == PROVIDER_ACCEPTED) {
			res->outcome = PROVIDER_RETRY;
			cloud_reason(res->error, sizeof(res->error), "tencent",
			    "Ok", "answer without a SerialNo");
		} else
			cloud_reason(res->error, sizeof(res->error), "tencent",
			    code, cloud_answer_str(one, "Message"));
	} else {
		/* Not Tencent's JSON: a proxy's page, a cut answer. */
		cloud_answer_unknown(res, status, body, len);
	}
	json_object_put(o);
}

const struct provider_ops provider_tencent_ops = {
	.type = "tencent",
	.is_http = true,
	.open = tencent_open,
	.close = tencent_close,
	.build = tencent_build,
	.parse = tencent_parse,
};
