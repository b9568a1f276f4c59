/*
 * api_tasks.c: GET /api/v1/tasks (see api_console.h): the tasks of the
 * cadres inside the caller's area (or an `area` under it), overdue and
 * escalated first, with their acknowledgement state; `status` open,
 * acked or overdue.
 */
#include <stdlib.h>
#include <string.h>

#include "api_common.h"
#include "api_console.h"
#include "api_page.h"
#include "gateway.h"
#include "http_error.h"
#include "http_server.h"
#include "task_list.h"

static const struct http_errmap list_errors = {
	.fail = HTTP_FAIL_5XX,
	.fail_code = "store_error",
	.fail_message = "the database failed; retry",
};

void
api_tasks(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	const char *status, *after;
	enum task_filter filter = TASK_ALL;
	struct store *st = NULL;
	char area[16], *out = NULL;
	size_t len = 0;
	int limit;
	enum fp_err err;

	if (t == NULL || !api_page_known(req, resp, "status area after limit")
	    || !api_page_area(req, resp, t, "area", area, sizeof(area)) ||
	    !api_page_key(req, resp, &after, &limit))
		return;
	status = http_req_arg(req, "status");
	if (status != NULL && strcmp(status, "open") == 0)
		filter = TASK_OPEN;
	else if (status != NULL && strcmp(status, "acked") == 0)
		filter = TASK_ACKED;
	else if (status != NULL && strcmp(status, "overdue") == 0)
		filter = TASK_OVERDUE;
	else if (status != NULL) {
		http_resp_error(resp, 400, "invalid_parameter", "status: must "
		    "be open, acked or overdue");
		return;
	}
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = task_list(st, area, filter, after, limit,
		    api_page_masked(t), &out, &len);
	if (err == FP_ENOTFOUND) {
		http_resp_error(resp, 400, "invalid_parameter", "after: no such "
		    "task in this token's area (the \"next\" of the page "
		    "before)");
		return;
	}
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &list_errors);
		return;
	}
	http_resp_set(resp, 200, "application/json", out, len);
	free(out);
}
