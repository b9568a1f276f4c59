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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "provider.h"

/* A growable string that remembers running out of memory. */
struct sbuf {
	char	*s;
	size_t	 len;
	size_t	 cap;
	bool	 is_oom;
};

struct kannel_ctx {
	char	*prefix;	/* url?username=..&password=..&charset=..
				 * &dlr-mask=31&from= ... constant part */
	size_t	 prefix_len;
	char	*dlr_head;	/* encoded "<dlr_base>/dlr/kannel?msg=" */
	size_t	 dlr_head_len;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	char *grown;
	size_t cap;

	if (b->is_oom)
		return;
	if (b->s == NULL || b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 256 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		grown = realloc(b->s, cap);
		if (grown == NULL) {
			b->is_oom = true;
			return;
		}
		b->s = grown;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* RFC 3986 percent-encoding: all but the unreserved characters. */
static void
sb_enc(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3];
	size_t run = 0;

	for (;; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			run++;
			continue;
		}
		sb_add(b, s - run, run);
		run = 0;
		if (c == '\0')
			break;
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		sb_add(b, esc, 3);
	}
}

/* Hands the string over (the caller frees); NULL when it ran out. */
static char *
sb_take(struct sbuf *b, size_t *len)
{
	char *s = b->s;

	if (b->is_oom || s == NULL) {
		free(b->s);
		return NULL;
	}
	if (len != NULL)
		*len = b->len;
	return s;
}

static enum fp_err
kannel_open(const struct cfg *cfg, const struct cfg_provider *p,
    void **out)
{
	struct kannel_ctx *ctx;
	struct sbuf b = { 0 };
	const char *base = p->dlr_base;
	size_t base_len;
	char *tmp;

	if (p->url == NULL)
		return FP_ECONFIG;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return FP_ENOMEM;
	sb_str(&b, p->url);
	sb_str(&b, strchr(p->url, '?') != NULL ? "&" : "?");
	sb_str(&b, "username=");
	sb_enc(&b, p->username != NULL ? p->username : "");
	sb_str(&b, "&password=");
	sb_enc(&b, p->password != NULL ? p->password : "");
	sb_str(&b, "&charset=UTF-8&dlr-mask=31&from=");
	ctx->prefix = sb_take(&b, &ctx->prefix_len);

	/* cfg_load.c defaults dlr_base to http://<http.listen>. */
	memset(&b, 0, sizeof(b));
	if (base == NULL)
		base = "";
	base_len = strlen(base);
	while (base_len > 0 && base[base_len - 1] == '/')
		base_len--;
	tmp = strndup(base, base_len);
	if (tmp != NULL) {
		sb_enc(&b, tmp);
		sb_enc(&b, "/dlr/kannel?msg=");
		free(tmp);
		ctx->dlr_head = sb_take(&b, &ctx->dlr_head_len);
	} else
		free(b.s);
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
	struct sbuf b = { 0 };
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)it->id);
	sb_add(&b, ctx->prefix, ctx->prefix_len);
	sb_enc(&b, it->from != NULL ? it->from : "");
	sb_str(&b, "&to=");
	sb_enc(&b, it->to);
	sb_str(&b, "&text=");
	sb_enc(&b, it->text);
	/* coding 2 = UCS-2 (Chinese, Yi, Tibetan); Kannel recodes the
	 * UTF-8 we give it as charset. */
	sb_str(&b, it->encoding == GSM_ENC_UCS2 ? "&coding=2" : "&coding=0");
	sb_str(&b, "&dlr-url=");
	sb_add(&b, ctx->dlr_head, ctx->dlr_head_len);
	sb_str(&b, id);
	/* "&status=%d&reply=%A", encoded: Kannel fills them in. */
	sb_str(&b, "%26status%3D%25d%26reply%3D%25A");
	memset(req, 0, sizeof(*req));
	req->url = sb_take(&b, NULL);
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
