/*
 * provider_kannel.c: sending through a Kannel bearerbox's smsbox with an
 * HTTP GET to its sendsms service (SPEC section 4):
 *
 *   <url>?username=..&password=..&charset=UTF-8&dlr-mask=31&from=..
 *       &to=..&text=..&coding=0|2&dlr-url=<dlr_base>/dlr/kannel?msg=<id>
 *       &status=%d&reply=%A
 *
 * Every value is percent-encoded UTF-8; the dlr-url is encoded as one
 * parameter value so that Kannel, having decoded it, substitutes %d and
 * %A when it calls back.  Kannel answers 202 "0: Accepted for delivery"
 * (or 200 "Sent."), 4xx with a reason, 503 when its queue is full.
 * Kannel gives no message id: reports come back by our id in `msg`.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "provider.h"
#include "strbuf.h"

struct kannel_ctx {
	char	*prefix;	/* url?username=..&password=..&charset=..
				 * &dlr-mask=31&from= ... constant part */
	size_t	 prefix_len;
	char	*dlr_head;	/* encoded "<dlr_base>/dlr/kannel?msg=" */
	size_t	 dlr_head_len;
};

static enum fp_err
kannel_open(const struct cfg *cfg, const struct cfg_provider *p,
    void **out)
{
	struct kannel_ctx *ctx;
	struct strbuf b = STRBUF_INIT;
	const char *base = p->dlr_base;
	size_t base_len;
	char *tmp;

	if (p->url == NULL)
		return FP_ECONFIG;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return FP_ENOMEM;
	strbuf_adds(&b, p->url);
	strbuf_adds(&b, strchr(p->url, '?') != NULL ? "&" : "?");
	strbuf_adds(&b, "username=");
	strbuf_add_urlenc(&b, p->username != NULL ? p->username : "");
	strbuf_adds(&b, "&password=");
	strbuf_add_urlenc(&b, p->password != NULL ? p->password : "");
	strbuf_adds(&b, "&charset=UTF-8&dlr-mask=31&from=");
	ctx->prefix = strbuf_take(&b, &ctx->prefix_len);

	/* cfg_load.c defaults dlr_base to http://<http.listen>. */
	if (base == NULL)
		base = "";
	base_len = strlen(base);
	while (base_len > 0 && base[base_len - 1] == '/')
		base_len--;
	tmp = strndup(base, base_len);
	if (tmp != NULL) {
		strbuf_add_urlenc(&b, tmp);
		strbuf_add_urlenc(&b, "/dlr/kannel?msg=");
		free(tmp);
		ctx->dlr_head = strbuf_take(&b, &ctx->dlr_head_len);
	}
	(void)cfg;
	if (ctx->prefix == NULL || ctx->dlr_head == NULL) {
		free(ctx->prefix);
		free(ctx->dlr_head);
		free(ctx);
		return FP_ENOMEM;
	}
	*out = ctx;
	return FP_OK;
}

static void
kannel_close(void *arg)
{
	struct kannel_ctx *ctx = arg;

	if (ctx == NULL)
		return;
	free(ctx->prefix);
	free(ctx->dlr_head);
	free(ctx);
}

static enum fp_err
kannel_build(void *arg, const struct outbox_item *it,
    struct provider_request *req)
{
	struct kannel_ctx *ctx = arg;
	struct strbuf b = STRBUF_INIT;

	strbuf_add(&b, ctx->prefix, ctx->prefix_len);
	strbuf_add_urlenc(&b, it->from != NULL ? it->from : "");
	strbuf_adds(&b, "&to=");
	strbuf_add_urlenc(&b, it->to);
	strbuf_adds(&b, "&text=");
	strbuf_add_urlenc(&b, it->text);
	/* coding 2 = UCS-2 (Chinese, Yi, Tibetan); Kannel recodes the
	 * UTF-8 we give it as charset. */
	strbuf_adds(&b, it->encoding == GSM_ENC_UCS2 ? "&coding=2" :
	    "&coding=0");
	strbuf_adds(&b, "&dlr-url=");
	strbuf_add(&b, ctx->dlr_head, ctx->dlr_head_len);
	strbuf_printf(&b, "%lld", (long long)it->id);
	/* "&status=%d&reply=%A", encoded: Kannel fills them in. */
	strbuf_adds(&b, "%26status%3D%25d%26reply%3D%25A");
	memset(req, 0, sizeof(*req));
	req->url = strbuf_take(&b, NULL);
	return req->url != NULL ? FP_OK : FP_ENOMEM;
}

static void
kannel_parse(void *arg, const struct outbox_item *it, long status,
    const char *body, size_t len, struct provider_result *res)
{
	enum provider_outcome o = provider_classify_http(status);

	(void)arg;
	(void)it;
	/* 202 "0: Accepted for delivery", "3: Queued for later delivery",
	 * 200 "Sent.": all accepted; Kannel has no id for us. */
	if (o == PROVIDER_ACCEPTED) {
		res->outcome = o;
		res->msgid = NULL;
		return;
	}
	provider_http_error(res, o, status, body, len);
}

const struct provider_ops provider_kannel_ops = {
	.type = "kannel",
	.is_http = true,
	.open = kannel_open,
	.close = kannel_close,
	.build = kannel_build,
	.parse = kannel_parse,
};
