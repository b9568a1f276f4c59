/*
 * provider_http_json.c: sending through an SMS aggregator's JSON API
 * (SPEC section 4), as the Chinese aggregators offer it:
 *
 *   POST <url>
 *   Authorization: Bearer <token>
 *   Content-Type: application/json
 *   {"to":"+86...","from":"...","text":"...","sign_name":"...",
 *    "template_code":"...","id":"<gateway id>"}
 *
 * (sign_name and template_code only when configured).  With a
 * template_code the provider sends approved templates only (SPEC 11):
 * a message mapped in templates/provider_templates.conf (tplmap.h)
 * goes out with that template's code as "template_code" and its
 * parameters as "template_param", an object by name in the mapping's
 * order (as Aliyun's TemplateParam); the text stays beside them.  A
 * message without a mapping (the start's check refuses that) keeps the
 * configured template_code.  A 2xx answer is a
 * JSON object whose field `id_field` (default "id", a string or a
 * number) is the provider's message id, which later /dlr reports name.
 * A 2xx answer without one is garbage: retried, as a 5xx would be, since
 * we cannot match reports to a message without it.
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "provider.h"
#include "strbuf.h"
#include "tplmap.h"

struct json_ctx {
	const struct cfg_provider *p;	/* borrowed */
	struct curl_slist *headers;	/* owned */
	struct json_tokener *tok;	/* owned; answers, one at a time */
	struct tplmap	*map;		/* owned; with a template_code */
};

static enum fp_err
json_open(const struct cfg *cfg, const struct cfg_provider *p, void **out)
{
	struct json_ctx *ctx;
	struct curl_slist *h;
	char *auth;
	size_t len;

	if (p->url == NULL)
		return FP_ECONFIG;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return FP_ENOMEM;
	ctx->p = p;
	if (cfg_provider_is_template(p)) {
		char *errors = NULL;
		enum fp_err err = tplmap_load_cfg(cfg, &ctx->map, &errors);

		/* main.c checked the file before the senders started;
		 * without it the configured template_code goes out. */
		if (err != FP_OK)
			log_warnx("http_json.templates provider=%s error=\"%s\"",
			    p->name, errors != NULL ? errors :
			    fp_strerror(err));
		free(errors);
		if (err == FP_ENOMEM) {
			free(ctx);
			return FP_ENOMEM;
		}
	}
	len = strlen("Authorization: Bearer ") +
	    (p->token != NULL ? strlen(p->token) : 0) + 1;
	auth = malloc(len);
	if (auth == NULL)
		goto fail;
	snprintf(auth, len, "Authorization: Bearer %s",
	    p->token != NULL ? p->token : "");
	h = curl_slist_append(NULL, "Content-Type: application/json");
	if (h != NULL)
		ctx->headers = h;
	/* No "Expect: 100-continue" round trip for a small body. */
	h = h != NULL ? curl_slist_append(ctx->headers, "Expect:") : NULL;
	h = h != NULL ? curl_slist_append(ctx->headers, auth) : NULL;
	free(auth);
	ctx->tok = h != NULL ? json_tokener_new() : NULL;
	if (ctx->tok == NULL)
		h = NULL;
	if (h == NULL)
		goto fail;
	*out = ctx;
	return FP_OK;
fail:
	curl_slist_free_all(ctx->headers);
	if (ctx->tok != NULL)
		json_tokener_free(ctx->tok);
	tplmap_free(ctx->map);
	free(ctx);
	return FP_ENOMEM;
}

static void
json_close(void *arg)
{
	struct json_ctx *ctx = arg;

	if (ctx == NULL)
		return;
	curl_slist_free_all(ctx->headers);
	json_tokener_free(ctx->tok);
	tplmap_free(ctx->map);
	free(ctx);
}

/*
 * The request body is written directly, and one tokener reads every
 * answer: a json-c object tree and a new tokener per message took about
 * a twelfth of the sender's I/O thread.
 * ,"key":"value" after the first field, {"key":"value" as the first;
 * NULL is "".
 */
static void
add_field(struct strbuf *b, const char *key, const char *value)
{
	strbuf_adds(b, b->len == 0 ? "{\"" : ",\"");
	strbuf_adds(b, key);
	strbuf_adds(b, "\":");
	strbuf_add_json(b, value != NULL ? value : "", SIZE_MAX);
}

static enum fp_err
json_build(void *arg, const struct outbox_item *it,
    struct provider_request *req)
{
	struct json_ctx *ctx = arg;
	const struct cfg_provider *p = ctx->p;
	struct strbuf b = STRBUF_INIT;
	const struct tplmap_entry *e;
	const char *values[TPLMAP_PARAMS_MAX];
	struct json_object *doc = NULL;
	char id[24];

	memset(req, 0, sizeof(*req));
	snprintf(id, sizeof(id), "%lld", (long long)it->id);
	add_field(&b, "to", it->to);
	add_field(&b, "from", it->from);
	add_field(&b, "text", it->text);
	if (p->sign_name != NULL && p->sign_name[0] != '\0')
		add_field(&b, "sign_name", p->sign_name);
	e = ctx->map != NULL ? tplmap_find(ctx->map, p->name, it->tpl_key,
	    it->tpl_lang) : NULL;
	if (e != NULL && tplmap_values(e, it->tpl_vars, &doc, values,
	    NULL) != FP_OK)
		e = NULL;
	if (e != NULL) {
		add_field(&b, "template_code", e->code);
		strbuf_adds(&b, ",\"template_param\":");
		tplmap_params_json(e, values, &b);
	} else if (p->template_code != NULL && p->template_code[0] != '\0')
		add_field(&b, "template_code", p->template_code);
	json_object_put(doc);
	add_field(&b, "id", id);
	strbuf_adds(&b, "}");
	req->body = strbuf_take(&b, &req->body_len);
	req->url = strdup(p->url);
	req->headers = ctx->headers;
	if (req->body == NULL || req->url == NULL) {
		provider_request_cleanup(req);
		return FP_ENOMEM;
	}
	return FP_OK;
}

/* The provider's id at `field` of a JSON object: a string or integer. */
static char *
find_id(struct json_tokener *tok, const char *body, size_t len,
    const char *field)
{
	struct json_object *o, *v = NULL;
	char *id = NULL;
	const char *s = NULL;
	char num[24];

	if (len == 0 || len > (size_t)INT32_MAX)
		return NULL;
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (o != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	    json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, field, &v)) {
		if (json_object_is_type(v, json_type_string))
			s = json_object_get_string(v);
		else if (json_object_is_type(v, json_type_int)) {
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_object_get_int64(v));
			s = num;
		}
	}
	if (s != NULL && s[0] != '\0' && strlen(s) <= 128)
		id = strdup(s);
	json_object_put(o);
	return id;
}

static void
json_parse(void *arg, const struct outbox_item *it, long status,
    const char *body, size_t len, struct provider_result *res)
{
	struct json_ctx *ctx = arg;
	enum provider_outcome o = provider_classify_http(status);

	(void)it;
	if (o != PROVIDER_ACCEPTED) {
		provider_http_error(res, o, status, body, len);
		return;
	}
	res->msgid = find_id(ctx->tok, body, len, ctx->p->id_field != NULL &&
	    ctx->p->id_field[0] != '\0' ? ctx->p->id_field : "id");
	if (res->msgid != NULL) {
		res->outcome = PROVIDER_ACCEPTED;
		return;
	}
	/* Accepted or not, we cannot tell which reports are this
	 * message's: try again (the sender logs it). */
	provider_http_error(res, PROVIDER_RETRY, status, body, len);
	snprintf(res->error, sizeof(res->error), "http %ld: answer without "
	    "a message id in field %s", status, ctx->p->id_field != NULL ?
	    ctx->p->id_field : "id");
}

const struct provider_ops provider_http_json_ops = {
	.type = "http_json",
	.is_http = true,
	.open = json_open,
	.close = json_close,
	.build = json_build,
	.parse = json_parse,
};
