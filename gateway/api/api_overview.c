/*
 * api_overview.c: GET /api/v1/overview and GET /api/v1/areas (see
 * api_console.h): the counts of the console's first page and the region
 * tree of its area picker, inside the caller's area (or an `area` under
 * it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_cache.h"
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
	char area[16], key[64], *text = NULL;
	const char *s;
	int64_t now_ms = api_cache_now_ms();
	size_t len = 0;
	enum fp_err err;

	if (t == NULL || !api_page_known(req, resp, "area") ||
	    !api_page_area(req, resp, t, "area", area, sizeof(area)))
		return;
	/* The same area's overview at most once a second (api_cache.h). */
	snprintf(key, sizeof(key), "overview|%s", area);
	if (api_cache_get(key, now_ms, &text, &len)) {
		http_resp_set(resp, 200, "application/json", text, len);
		free(text);
		return;
	}
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = overview_load(st, area, gw->cfg->schedule.timezone,
		    (int64_t)time(NULL), &out);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &read_errors);
		return;
	}
	s = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	api_cache_put(key, now_ms, s, strlen(s));
	api_json(resp, 200, out);
}

void
api_areas(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	const char *d, *after;
	struct store *st = NULL;
	char area[16], key[API_CACHE_KEY_MAX], *out = NULL;
	int64_t now_ms = api_cache_now_ms();
	size_t len = 0;
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
	/* The same page at most once a second (api_cache.h). */
	snprintf(key, sizeof(key), "areas|%s|%d|%d|%s", area, depth, limit,
	    after);
	if (api_cache_get(key, now_ms, &out, &len)) {
		http_resp_set(resp, 200, "application/json", out, len);
		free(out);
		return;
	}
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = overview_areas(st, area, depth, after, limit, &out, &len);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &read_errors);
		return;
	}
	api_cache_put(key, now_ms, out, len);
	http_resp_set(resp, 200, "application/json", out, len);
	free(out);
}
