/*
 * provider_aliyun.c: Alibaba Cloud SMS, SendSms of API version
 * 2017-05-25 (SPEC 11), an HTTP provider behind provider.h:
 *
 *   POST <endpoint>    Content-Type: application/x-www-form-urlencoded
 *   Signature=...&AccessKeyId=..&Action=SendSms&Format=JSON&OutId=<id>
 *   &PhoneNumbers=<national number>&RegionId=..&SignName=..
 *   &SignatureMethod=HMAC-SHA1&SignatureNonce=<uuid>&SignatureVersion=1.0
 *   &TemplateCode=<code>&TemplateParam={"name":"value",...}
 *   &Timestamp=<UTC now>&Version=2017-05-25
 *
 * signed as cloud_sign.h says.  The template code and the parameters'
 * names and order come from templates/provider_templates.conf
 * (tplmap.h), the values from the message's variables (outbox_item
 * tpl_*): a message without a mapping is never sent as free text.
 * OutId is our message id: the delivery report names it beside the
 * BizId (dlr_cloud.c checks both).
 *
 * The answer is JSON {"Code","Message","BizId","RequestId"}: Code "OK"
 * with a BizId is accepted, the BizId the provider id; the other codes
 * retry or fail as cloud_answer.h sorts them.  The AccessKey secret is
 * only read to sign; it is never logged.
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

#define ALIYUN_ID_MAX	128

struct aliyun_ctx {
	const struct cfg_provider *p;	/* borrowed */
	struct tplmap	*map;		/* owned */
	struct curl_slist *headers;	/* owned */
	struct json_tokener *tok;	/* owned; answers, one at a time */
};

static enum fp_err
aliyun_open(const struct cfg *cfg, const struct cfg_provider *p, void **out)
{
	struct aliyun_ctx *ctx;
	struct curl_slist *h;
	enum fp_err err;

	if (p->endpoint == NULL || p->access_key_id == NULL ||
	    p->access_key_secret == NULL || p->sign_name == NULL)
		return FP_ECONFIG;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return FP_ENOMEM;
	ctx->p = p;
	err = cloud_template_open(cfg, "aliyun", p, &ctx->map);
	if (err != FP_OK) {
		free(ctx);
		return err;
	}
	h = curl_slist_append(NULL, "Content-Type: "
	    "application/x-www-form-urlencoded");
	ctx->headers = h;
	/* No "Expect: 100-continue" round trip for a small body. */
	h = h != NULL ? curl_slist_append(ctx->headers, "Expect:") : NULL;
	h = h != NULL ? curl_slist_append(ctx->headers,
	    "Accept: application/json") : NULL;
	ctx->tok = h != NULL ? json_tokener_new() : NULL;
	if (ctx->tok == NULL) {
		curl_slist_free_all(ctx->headers);
		tplmap_free(ctx->map);
		free(ctx);
		return FP_ENOMEM;
	}
	*out = ctx;
	return FP_OK;
}

static void
aliyun_close(void *arg)
{
	struct aliyun_ctx *ctx = arg;

	if (ctx == NULL)
		return;
	curl_slist_free_all(ctx->headers);
	json_tokener_free(ctx->tok);
	tplmap_free(ctx->map);
	free(ctx);
}

/*
 * PhoneNumbers: a mainland number without +86 (11 digits); any other
 * with its country code and no '+' (国际/港澳台: "8521245567****").
 */
static const char *
phone_number(const char *e164)
{
	if (strncmp(e164, "+86", 3) == 0)
		return e164 + 3;
	return e164[0] == '+' ? e164 + 1 : e164;
}

/* TemplateParam: {"their_name":"value",...} in the mapping's order. */
static char *
template_param(const struct tplmap_entry *e, const char *const *values)
{
	struct strbuf b = STRBUF_INIT;

	tplmap_params_json(e, values, &b);
	return strbuf_take(&b, NULL);
}

/*
 * The signed form body of `it` at `now`.  FP_EINVAL: no approved
 * template for it (logged: the start's check should have refused
 * this), FP_ENOMEM, FP_EIO (no entropy for the nonce).
 */
static enum fp_err
aliyun_body(struct aliyun_ctx *ctx, const struct outbox_item *it,
    int64_t now, char **body, size_t *len)
{
	const struct cfg_provider *p = ctx->p;
	const struct tplmap_entry *e;
	const char *values[TPLMAP_PARAMS_MAX];
	struct json_object *doc;
	struct cloud_param v[16];
	char ts[ALIYUN_TIME_MAX], nonce[CLOUD_NONCE_MAX], out_id[24];
	char *param = NULL;
	enum fp_err err;
	size_t n = 0;

	e = cloud_template_find(ctx->map, "aliyun", p, it, &doc, values);
	if (e == NULL)
		return FP_EINVAL;
	err = cloud_nonce(nonce);
	if (err == FP_OK && e->n_params > 0) {
		param = template_param(e, values);
		if (param == NULL)
			err = FP_ENOMEM;
	}
	if (err != FP_OK) {
		json_object_put(doc);
		return err;
	}
	aliyun_timestamp(now, ts);
	snprintf(out_id, sizeof(out_id), "%lld", (long long)it->id);
	v[n++] = (struct cloud_param){ "AccessKeyId", p->access_key_id };
	v[n++] = (struct cloud_param){ "Action", "SendSms" };
	v[n++] = (struct cloud_param){ "Format", "JSON" };
	v[n++] = (struct cloud_param){ "OutId", out_id };
	v[n++] = (struct cloud_param){ "PhoneNumbers", phone_number(it->to) };
	v[n++] = (struct cloud_param){ "RegionId", p->region };
	v[n++] = (struct cloud_param){ "SignName", p->sign_name };
	v[n++] = (struct cloud_param){ "SignatureMethod", "HMAC-SHA1" };
	v[n++] = (struct cloud_param){ "SignatureNonce", nonce };
	v[n++] = (struct cloud_param){ "SignatureVersion", "1.0" };
	v[n++] = (struct cloud_param){ "TemplateCode", e->code };
	if (param != NULL)
		v[n++] = (struct cloud_param){ "TemplateParam", param };
	v[n++] = (struct cloud_param){ "Timestamp", ts };
	v[n++] = (struct cloud_param){ "Version", "2017-05-25" };
	err = aliyun_signed_query("POST", v, n, p->access_key_secret, body,
	    len);
	free(param);
	json_object_put(doc);
	return err;
}

static enum fp_err
aliyun_build(void *arg, const struct outbox_item *it,
    struct provider_request *req)
{
	struct aliyun_ctx *ctx = arg;
	enum fp_err err;

	memset(req, 0, sizeof(*req));
	/* The signature's Timestamp: now, read here at the edge (the
	 * sender's thread); cloud_sign.c takes it as a parameter. */
	err = aliyun_body(ctx, it, (int64_t)time(NULL), &req->body,
	    &req->body_len);
	if (err != FP_OK)
		return err;
	req->url = strdup(ctx->p->endpoint);
	req->headers = ctx->headers;
	if (req->url == NULL) {
		provider_request_cleanup(req);
		return FP_ENOMEM;
	}
	return FP_OK;
}

static void
aliyun_parse(void *arg, const struct outbox_item *it, long status,
    const char *body, size_t len, struct provider_result *res)
{
	struct aliyun_ctx *ctx = arg;
	struct json_object *o;
	const char *code, *biz;
	enum provider_outcome out;

	(void)it;
	o = cloud_answer_json(ctx->tok, body, len);
	code = cloud_answer_str(o, "Code");
	if (code == NULL) {
		/* Not Aliyun's JSON: a proxy's page, a cut answer. */
		cloud_answer_unknown(res, status, body, len);
		json_object_put(o);
		return;
	}
	out = aliyun_classify(code, status);
	biz = cloud_answer_str(o, "BizId");
	if (out == PROVIDER_ACCEPTED && (biz == NULL || biz[0] == '\0' ||
	    strlen(biz) > ALIYUN_ID_MAX)) {
		/* Accepted, but no id to match its reports by: as for
		 * http_json, try again rather than lose track. */
		out = PROVIDER_RETRY;
		code = "OK without BizId";
	}
	if (out == PROVIDER_ACCEPTED)
		cloud_answer_accept(res, biz);
	else {
		res->outcome = out;
		cloud_reason(res->error, sizeof(res->error), "aliyun", code,
		    cloud_answer_str(o, "Message"));
	}
	json_object_put(o);
}

const struct provider_ops provider_aliyun_ops = {
	.type = "aliyun",
	.is_http = true,
	.open = aliyun_open,
	.close = aliyun_close,
	.build = aliyun_build,
	.parse = aliyun_parse,
};
