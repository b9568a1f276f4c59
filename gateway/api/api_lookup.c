/*
 * api_lookup.c: GET /api/v1/households/{id} and GET /api/v1/messages?
 * msisdn= (see api_console.h): a household as its CX reply shows it,
 * and a number's messages.  Numbers are masked for viewers.  Each lookup
 * is logged with the caller (the number masked): who read whose data.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_auth.h"
#include "api_common.h"
#include "api_console.h"
#include "api_page.h"
#include "audience.h"
#include "gateway.h"
#include "http_error.h"
#include "http_server.h"
#include "log.h"
#include "lookup.h"
#include "msisdn.h"

static const struct http_errmap household_errors = {
	.not_found = "no such household",
	.rejected = "the household is outside this token's area",
	.fail = HTTP_FAIL_5XX,
	.fail_code = "store_error",
	.fail_message = "the database failed; retry",
};

static const struct http_errmap messages_errors = {
	/* SPEC 10: a number outside the area is not told apart from a
	 * number nobody has. */
	.not_found = "msisdn: no such number in this token's area",
	.fail = HTTP_FAIL_5XX,
	.fail_code = "store_error",
	.fail_message = "the database failed; retry",
};

void
api_household(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const char *id = req->path + strlen("/api/v1/households/");
	const char *lang;
	struct svc_ctx ctx = gw_svc_ctx(gw);
	const struct cfg_token *t;
	struct json_object *out = NULL;
	struct store *st = NULL;
	size_t n = strlen(id), i;
	enum fp_err err;

	/* A household id: 1 to 32 printable bytes, no slash. */
	for (i = 0; i < n; i++)
		if ((unsigned char)id[i] <= 0x20 || id[i] == '/' ||
		    id[i] == 0x7f)
			break;
	if (n == 0 || n >= SVC_ID_MAX || i < n) {
		http_resp_fp_error(resp, FP_ENOTFOUND, &household_errors);
		return;
	}
	t = api_token(gw, req, resp, false);
	if (t == NULL || !api_page_known(req, resp, "lang"))
		return;
	lang = http_req_arg(req, "lang");
	for (i = 0; lang != NULL && i < 4; i++)
		if (strcmp(lang, audience_langs[i]) == 0)
			break;
	if (lang != NULL && i == 4) {
		http_resp_error(resp, 400, "invalid_parameter", "lang: must be "
		    "zh, ii, bo or en");
		return;
	}
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = lookup_household(st, &ctx, id, t->area, lang,
		    api_page_masked(t), (int64_t)time(NULL), &out);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &household_errors);
		return;
	}
	log_info("api.lookup household=%s token=%s", id, t->name);
	api_json(resp, 200, out);
}

void
api_messages_list(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	const char *msisdn, *dir, *why = NULL;
	enum lookup_direction d = LOOKUP_BOTH;
	struct json_object *out = NULL;
	struct store *st = NULL;
	char e164[MSISDN_MAX], masked[MSISDN_MASK_MAX], msg[160];
	int64_t after;
	int limit;
	enum fp_err err;

	if (t == NULL || !api_page_known(req, resp, "msisdn direction after "
	    "limit") || !api_page_id(req, resp, &after, &limit))
		return;
	msisdn = http_req_arg(req, "msisdn");
	if (msisdn == NULL || *msisdn == '\0') {
		http_resp_error(resp, 400, "invalid_parameter", "msisdn: "
		    "required (a phone number: 13800000000, +8613800000000)");
		return;
	}
	if (msisdn_normalize(msisdn, e164, &why) != FP_OK) {
		snprintf(msg, sizeof(msg), "msisdn: %s", why != NULL ? why :
		    "not a phone number");
		http_resp_error(resp, 400, "invalid_parameter", msg);
		return;
	}
	dir = http_req_arg(req, "direction");
	if (dir != NULL && strcmp(dir, "in") == 0)
		d = LOOKUP_IN;
	else if (dir != NULL && strcmp(dir, "out") == 0)
		d = LOOKUP_OUT;
	else if (dir != NULL) {
		http_resp_error(resp, 400, "invalid_parameter", "direction: "
		    "must be in or out");
		return;
	}
	err = gw_store(gw, &st);
	/* Only numbers of households and cadres inside the area. */
	if (err == FP_OK) {
		err = api_auth_msisdn_in_scope(st, t, e164);
		if (err == FP_EREJECT)
			err = FP_ENOTFOUND;
	}
	if (err == FP_OK)
		err = lookup_messages(st, e164, d, after, limit,
		    api_page_masked(t), &out);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &messages_errors);
		return;
	}
	log_info("api.lookup msisdn=%s token=%s", msisdn_mask(e164, masked,
	    sizeof(masked)), t->name);
	api_json(resp, 200, out);
}
