/*
 * api_overview.c: GET /api/v1/overview and GET /api/v1/areas (see
 * api_console.h): the counts of the console's first page and the region
 * tree of its area picker, inside the caller's area (or an `area` under
 * it).
 */
#include <stdio.h>
#include <time.h>

#include "api_common.h"
#include "api_console.h"
#include "api_page.h"
#include "gateway.h"
#include "http_error.h"
#include "http_server.h"
#include "overview.h"
#include "parse.h"

static const struct http_errmap read_errors = {
	.fail = HTTP_FAIL_5XX,
	.fail_code = "store_error",
	.fail_message = "the database failed; retry",
};

void
api_overview(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	struct json_object *out = NULL;
	struct store *st = NULL;
	char area[16];
	enum fp_err err;

	if (t == NULL || !api_page_known(req, resp, "area") ||
	    !api_page_area(req, resp, t, "area", area, sizeof(area)))
		return;
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = overview_load(st, area, gw->cfg->schedule.timezone,
		    (int64_t)time(NULL), &out);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &read_errors);
		return;
	}
	api_json(resp, 200, out);
}

void
api_areas(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	const char *d, *after;
	struct json_object *out = NULL;
	struct store *st = NULL;
	char area[16];
	int depth = -1, limit;
	enum fp_err err;

	if (t == NULL || !api_page_known(req, resp, "area depth after limit") ||
	    !api_page_area(req, resp, t, "area", area, sizeof(area)) ||
	    !api_page_key_sized(req, resp, API_PAGE_DEFAULT, API_AREAS_MAX,
	    &after, &limit))
		return;
	d = http_req_arg(req, "depth");
	if (d != NULL && parse_int(d, 0, 5, &depth) != FP_OK) {
		http_resp_error(resp, 400, "invalid_parameter", "depth: must be "
		    "a whole number from 0 to 5 (levels below the area)");
		return;
	}
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = overview_areas(st, area, depth, after, limit, &out);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &read_errors);
		return;
	}
	api_json(resp, 200, out);
}
