/*
 * api_templates.c: GET /api/v1/templates (see api_console.h): every
 * text of templates/ per language, its variables and whether it fits,
 * for the broadcast form's template picker and the texts page.  The
 * texts are not the scope's: every caller sees them all.
 */
#include <string.h>

#include "api_common.h"
#include "api_console.h"
#include "api_page.h"
#include "gateway.h"
#include "http_error.h"
#include "http_server.h"
#include "template_list.h"

static const struct http_errmap list_errors = {
	.fail = HTTP_FAIL_500,
	.fail_code = "internal",
	.fail_message = "the templates could not be listed",
};

void
api_templates(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	struct svc_ctx ctx = gw_svc_ctx(gw);
	const char *group, *after;
	struct json_object *out = NULL;
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
	err = template_list(&ctx, group, after, limit, &out);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &list_errors);
		return;
	}
	api_json(resp, 200, out);
}
