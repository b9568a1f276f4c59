/*
 * api_feedback.c: GET /api/v1/feedback, GET /api/v1/feedback/{ticket}
 * and POST /api/v1/feedback/{ticket}/close (see api_broadcast.h).  The
 * list pages by key (`after`, SPEC 10) or by `offset` (SPEC 3.5), and
 * filters by status, area and category; one ticket comes with its
 * household as GET /api/v1/households/{id} shows it.  Inside the
 * caller's area only; numbers masked for a viewer, in texts too.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_broadcast.h"
#include "api_common.h"
#include "api_page.h"
#include "feedback.h"
#include "gateway.h"
#include "http_error.h"
#include "http_server.h"
#include "log.h"
#include "lookup.h"
#include "writer.h"

#define FEEDBACK_PATH	"/api/v1/feedback/"
#define TICKET_MAX	32	/* bytes of a ticket, with its NUL */
#define CATEGORY_MAX	32

static const struct http_errmap list_errors = {
	.fail = HTTP_FAIL_5XX,
	.fail_code = "store_error",
	.fail_message = "the database failed; retry",
};

/* A category as the menu sets it (menu.conf: set = "category=water"):
 * 1 to 32 of a-z 0-9 _ starting with a letter; "none" is the
 * uncategorised tickets (FK by SMS). */
static bool
category_ok(const char *c)
{
	size_t i, n = strlen(c);

	if (n == 0 || n > CATEGORY_MAX || c[0] < 'a' || c[0] > 'z')
		return false;
	for (i = 0; i < n; i++)
		if (!((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= '0' &&
		    c[i] <= '9') || c[i] == '_'))
			return false;
	return true;
}

void
api_feedback(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	struct feedback_filter f = { 0 };
	struct json_object *out = NULL;
	struct store *st = NULL;
	char area[16];
	int64_t offset = 0, after = 0;
	int limit;
	enum fp_err err;

	/* SPEC 10: paged by key; offset (SPEC 3.5) still works. */
	if (t == NULL || !api_page_known(req, resp, "status area category "
	    "after offset limit") || !api_page_offset_or_id(req, resp, &offset,
	    &after, &limit))
		return;
	f.status = http_req_arg(req, "status");
	if (f.status != NULL && strcmp(f.status, "open") != 0 &&
	    strcmp(f.status, "closed") != 0) {
		http_resp_error(resp, 400, "invalid_parameter", "status: must "
		    "be open or closed");
		return;
	}
	f.category = http_req_arg(req, "category");
	if (f.category != NULL && !category_ok(f.category)) {
		http_resp_error(resp, 400, "invalid_parameter", "category: must "
		    "be a menu's category (infrastructure, water, housing, "
		    "subsidy, other: 1 to 32 of a-z 0-9 _) or none");
		return;
	}
	/* An area outside the token's scope is a 403, not an empty list. */
	if (!api_page_area(req, resp, t, "area", area, sizeof(area)))
		return;
	f.scope = t->area;
	f.area = area;
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = after > 0 ? feedback_page(st, &f, after, limit,
		    api_page_masked(t), &out) : feedback_list(st, &f, offset,
		    limit, api_page_masked(t), &out);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &list_errors);
		return;
	}
	api_json(resp, 200, out);
}

static const struct http_errmap ticket_errors = {
	.not_found = "no such ticket",
	.rejected = "the ticket is outside this token's area",
	.fail = HTTP_FAIL_5XX,
	.fail_code = "store_error",
	.fail_message = "the database failed; retry",
};

/* GET /api/v1/feedback/{ticket}: the ticket and its household. */
static void
get_ticket(struct gw *gw, struct http_req *req, struct http_resp *resp,
    const char *ticket)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	struct svc_ctx ctx = gw_svc_ctx(gw);
	struct json_object *out = NULL, *hh = NULL, *v;
	struct store *st = NULL;
	bool mask;
	enum fp_err err;

	if (t == NULL || !api_page_known(req, resp, ""))
		return;
	mask = api_page_masked(t);
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = feedback_get(st, ticket, t->area, mask, &out);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &ticket_errors);
		return;
	}
	/* Its household as the lookup page has it: gone from the registry
	 * (or moved out of the area) is null, the ticket is still there. */
	if (json_object_object_get_ex(out, "household_id", &v) && v != NULL) {
		err = lookup_household(st, &ctx, json_object_get_string(v),
		    t->area, NULL, mask, (int64_t)time(NULL), &hh);
		if (err != FP_OK && err != FP_ENOTFOUND && err != FP_EREJECT) {
			json_object_put(out);
			http_resp_fp_error(resp, err, &ticket_errors);
			return;
		}
		if (err != FP_OK)
			hh = NULL;
	}
	json_object_object_add(out, "household", hh);
	log_info("api.lookup ticket=%s token=%s", ticket, t->name);
	api_json(resp, 200, out);
}

static const struct http_errmap close_errors = {
	.not_found = "no such ticket",
	.rejected = "the ticket is outside this token's area",
	.conflict = "the ticket is closed",
	.fail = HTTP_FAIL_500,
	.fail_code = "store_error",
	.fail_message = "not closed; retry",
};

struct close_job {
	const char	*ticket;
	const char	*scope;
	const char	*actor;
	const char	*resolution;
	int64_t		 now;
};

static enum fp_err
close_job_run(struct store *st, void *arg)
{
	struct close_job *j = arg;

	return feedback_close(st, j->ticket, j->scope, j->actor, j->resolution,
	    j->now);
}

/* POST /api/v1/feedback/{ticket}/close {"resolution"?}. */
static void
close_ticket(struct gw *gw, struct http_req *req, struct http_resp *resp,
    const char *ticket)
{
	const struct cfg_token *t = api_token(gw, req, resp, true);
	struct json_object *o = NULL, *v, *out;
	struct close_job j;
	enum fp_err err;

	if (t == NULL)
		return;
	j.ticket = ticket;
	j.scope = t->area;
	j.actor = t->name;
	j.resolution = NULL;
	j.now = (int64_t)time(NULL);
	if (req->body_len > 0) {
		o = api_body(req, resp);
		if (o == NULL)
			return;
		json_object_object_foreach(o, key, val) {
			if (strcmp(key, "resolution") != 0)
				api_unknown_field(resp, key, "resolution");
			else if (!json_object_is_type(val, json_type_string) ||
			    json_object_get_string_len(val) > 1000)
				api_field_error(resp, "resolution", "must be a "
				    "string of at most 1000 bytes");
			else
				continue;
			json_object_put(o);
			return;
		}
		if (json_object_object_get_ex(o, "resolution", &v))
			j.resolution = json_object_get_string(v);
	}
	err = writer_run(gw->writer, close_job_run, &j);
	if (err == FP_OK) {
		out = json_object_new_object();
		json_object_object_add(out, "ticket",
		    json_object_new_string(ticket));
		json_object_object_add(out, "status",
		    json_object_new_string("closed"));
		api_json(resp, 200, out);
	} else
		http_resp_fp_error(resp, err, &close_errors);
	json_object_put(o);
}

void
api_feedback_item(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const char *rest = req->path + strlen(FEEDBACK_PATH);
	bool is_close;
	char ticket[TICKET_MAX];
	size_t n = strcspn(rest, "/"), i;

	/* A ticket: 1 to 31 printable bytes ("F12"). */
	for (i = 0; i < n; i++)
		if ((unsigned char)rest[i] <= 0x20 || rest[i] == 0x7f)
			break;
	is_close = strcmp(rest + n, "/close") == 0;
	if (n == 0 || n >= sizeof(ticket) || i < n || (rest[n] != '\0' &&
	    !is_close)) {
		http_resp_error(resp, 404, "not_found", "no such path");
		return;
	}
	if (is_close != (req->method_bit == HTTP_POST)) {
		resp->allow = is_close ? "POST" : "GET";
		http_resp_error(resp, 405, "method_not_allowed", is_close ?
		    "close with POST" : "read a ticket with GET");
		return;
	}
	snprintf(ticket, sizeof(ticket), "%.*s", (int)n, rest);
	if (is_close)
		close_ticket(gw, req, resp, ticket);
	else
		get_ticket(gw, req, resp, ticket);
}
