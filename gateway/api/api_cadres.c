/*
 * api_cadres.c: GET /api/v1/cadres (see api_console.h): the village
 * cadres inside the caller's area (or an `area` under it), searched by
 * name or id with `q`, paged by id; phone numbers masked for viewers.
 * The tasks page's cadre picker reads it.
 */
#include <string.h>

#include "api_common.h"
#include "api_console.h"
#include "api_page.h"
#include "cadre_list.h"
#include "gateway.h"
#include "http_error.h"
#include "http_server.h"

static const struct http_errmap list_errors = {
	.fail = HTTP_FAIL_5XX,
	.fail_code = "store_error",
	.fail_message = "the database failed; retry",
};

/* 1 to CADRE_QUERY_MAX bytes, no control character. */
static bool
query_ok(const char *q)
{
	size_t i, n = strlen(q);

	for (i = 0; i < n; i++)
		if ((unsigned char)q[i] < 0x20 || q[i] == 0x7f)
			return false;
	return n > 0 && n <= CADRE_QUERY_MAX;
}

void
api_cadres(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	struct json_object *out = NULL;
	struct store *st = NULL;
	const char *q, *after;
	char area[16];
	int limit;
	enum fp_err err;

	if (t == NULL || !api_page_known(req, resp, "area q after limit") ||
	    !api_page_area(req, resp, t, "area", area, sizeof(area)) ||
	    !api_page_key(req, resp, &after, &limit))
		return;
	q = http_req_arg(req, "q");
	if (q != NULL && !query_ok(q)) {
		http_resp_error(resp, 400, "invalid_parameter", "q: must be 1 to "
		    "32 bytes of a name or an id, no control character");
		return;
	}
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = cadre_list(st, area, q, after, limit, api_page_masked(t),
		    &out);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &list_errors);
		return;
	}
	api_json(resp, 200, out);
}
