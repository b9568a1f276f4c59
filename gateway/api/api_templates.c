/*
 * api_templates.c: GET /api/v1/templates (see api_console.h): every
 * text of templates/ per language, its variables and whether it fits,
 * for the broadcast form's template picker and the texts page.  The
 * texts are not the scope's: every caller sees them all.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api_common.h"
#include "api_console.h"
#include "api_page.h"
#include "gateway.h"
#include "http_error.h"
#include "http_server.h"
#include "template_list.h"

/*
 * The entries, made at the first request (the texts are loaded once at
 * start and never change while the gateway runs): kept for the life of
 * the process.
 */
static pthread_mutex_t pages_lock = PTHREAD_MUTEX_INITIALIZER;
static struct template_pages *pages;

static const struct template_pages *
pages_get(struct gw *gw, enum fp_err *err)
{
	struct svc_ctx ctx = gw_svc_ctx(gw);
	const struct template_pages *p;

	pthread_mutex_lock(&pages_lock);
	*err = pages == NULL ? template_pages_new(&ctx,
	    gw->outline, &pages) : FP_OK;
	p = pages;
	pthread_mutex_unlock(&pages_lock);
	return p;
}

static const struct http_errmap list_errors = {
	.fail = HTTP_FAIL_500,
	.fail_code = "internal",
	.fail_message = "the templates could not be listed",
};

void
api_templates(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	const struct template_pages *p;
	const char *group, *after;
	char *out = NULL;
	size_t len = 0;
	int limit;
	enum fp_err err;

	if (t == NULL || !api_page_known(req, resp, "group after limit") ||
	    !api_page_key_sized(req, resp, API_TEMPLATES_MAX,
	    API_TEMPLATES_MAX, &after, &limit))
		return;
	group = http_req_arg(req, "group");
	if (group != NULL && strcmp(group, "notices") != 0 &&
	    strcmp(group, "sms") != 0 && strcmp(group, "ussd") != 0) {
		http_resp_error(resp, 400, "invalid_parameter", "group: must be "
		    "notices, sms or ussd");
		return;
	}
	p = pages_get(gw, &err);
	if (err == FP_OK)
		err = template_pages_page(p, group, after, limit, &out, &len);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &list_errors);
		return;
	}
	http_resp_set(resp, 200, "application/json", out, len);
	free(out);
}
