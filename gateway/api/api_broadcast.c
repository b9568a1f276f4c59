/*
 * api_broadcast.c: /api/v1/broadcasts (see api_broadcast.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_broadcast.h"
#include "api_common.h"
#include "api_page.h"
#include "broadcast.h"
#include "broadcast_fail.h"
#include "gateway.h"
#include "http_error.h"
#include "http_server.h"
#include "log.h"
#include "parse.h"
#include "writer.h"

struct create_job {
	const struct broadcast_req	*r;
	int64_t				 now;
	int64_t				 id;
};

static enum fp_err
create_job_run(struct store *st, void *arg)
{
	struct create_job *j = arg;

	return broadcast_insert(st, j->r, j->now, &j->id);
}

static const struct http_errmap store_errors = {
	.fail = HTTP_FAIL_5XX,
	.fail_code = "store_error",
	.fail_message = "the database failed; retry",
};

/* One broadcast, read or cancelled. */
static const struct http_errmap item_errors = {
	.not_found = "no such broadcast",
	.rejected = "the broadcast is outside this token's area",
	.conflict = "the broadcast has finished or was cancelled",
	.fail = HTTP_FAIL_5XX,
	.fail_code = "store_error",
	.fail_message = "the database failed; retry",
};

static void
create(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = gw_svc_ctx(gw);
	const struct cfg_token *t = api_token(gw, req, resp, true);
	struct json_object *o, *out = NULL;
	struct broadcast_req r;
	struct audience_count count;
	struct create_job j;
	struct store *st = NULL;
	const char *why = NULL, *missing = NULL;
	char msg[160];
	bool dry = false;
	enum fp_err err;

	if (t == NULL || (o = api_body(req, resp)) == NULL)
		return;
	if (broadcast_parse(o, gw->cfg, (int64_t)time(NULL), NULL, &r, &dry,
	    &why) != FP_OK) {
		http_resp_error(resp, 400, "invalid_request", why);
		goto done;
	}
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = broadcast_training(st, &r, &why);
	if (err == FP_EINVAL || err == FP_ENOTFOUND) {
		http_resp_error(resp, 400, "invalid_request", why);
		goto done;
	}
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &store_errors);
		goto done;
	}
	if (audience_scope(&r.audience, t->area) != FP_OK) {
		http_resp_error(resp, 403, "forbidden", "the audience is outside "
		    "this token's area");
		goto done;
	}
	r.created_by = t->name;
	r.scope = t->area;
	err = broadcast_check(&ctx, &r, &why, &missing);
	if (err != FP_OK) {
		if (missing != NULL)
			api_missing_variable(resp, missing);
		else
			http_resp_error(resp, 400, err == FP_ETOOBIG ?
			    "too_long" : "invalid_request", why);
		goto done;
	}
	if (dry) {
		err = broadcast_dry_run(st, &ctx, &r, &out);
		if (err == FP_OK) {
			api_json(resp, 200, out);
			goto done;
		}
		if (err == FP_ETOOBIG) {
			api_too_long(resp);
			goto done;
		}
	}
	if (err == FP_OK)
		err = audience_count(st, &r.audience,
		    gw->cfg->templates.default_language, false, &count);
	if (err == FP_OK) {
		j.r = &r;
		j.now = (int64_t)time(NULL);
		j.id = 0;
		err = writer_run(gw->writer, create_job_run, &j);
	}
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &store_errors);
		goto done;
	}
	log_info("api.broadcast id=%lld recipients=%lld token=%s",
	    (long long)j.id, (long long)count.total, t->name);
	out = json_object_new_object();
	snprintf(msg, sizeof(msg), "%lld", (long long)j.id);
	json_object_object_add(out, "id", json_object_new_string(msg));
	json_object_object_add(out, "recipients",
	    json_object_new_int64(count.total));
	api_json(resp, 201, out);
done:
	json_object_put(o);
}

static void
list(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	const char *status = http_req_arg(req, "status");
	struct json_object *out = NULL;
	struct store *st = NULL;
	int64_t offset, after = 0;
	int limit;
	enum fp_err err;

	/* SPEC 10: paged by key; offset (SPEC 3.5) still works. */
	if (t == NULL || !api_page_offset_or_id(req, resp, &offset, &after,
	    &limit))
		return;
	if (status != NULL && strcmp(status, "scheduled") != 0 &&
	    strcmp(status, "sending") != 0 && strcmp(status, "finished") != 0 &&
	    strcmp(status, "cancelled") != 0) {
		http_resp_error(resp, 400, "invalid_parameter", "status: must be "
		    "scheduled, sending, finished or cancelled");
		return;
	}
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = after > 0 ? broadcast_list_after(st, t->area, status,
		    after, limit, &out) : broadcast_list(st, t->area, status,
		    offset, limit, &out);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &store_errors);
		return;
	}
	api_json(resp, 200, out);
}

void
api_broadcasts(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	if (req->method_bit == HTTP_POST)
		create(gw, req, resp);
	else
		list(gw, req, resp);
}

struct cancel_job {
	int64_t		 id;
	const char	*scope;
	const char	*actor;
};

static enum fp_err
cancel_job_run(struct store *st, void *arg)
{
	struct cancel_job *j = arg;

	return broadcast_cancel(st, j->id, j->scope, j->actor,
	    (int64_t)time(NULL));
}

/* The count of `status` in the answer's counts (0 when none). */
static int64_t
count_of(struct json_object *o, const char *status)
{
	struct json_object *c, *v;

	if (!json_object_object_get_ex(o, "counts", &c) ||
	    !json_object_object_get_ex(c, status, &v))
		return 0;
	return json_object_get_int64(v);
}

/* "failures": the reasons of its failed and expired messages, the most
 * frequent first (read only when its counts have some). */
static enum fp_err
add_failures(struct store *st, int64_t id, struct json_object *o)
{
	struct json_object *f = NULL;
	enum fp_err err;

	if (count_of(o, "failed") + count_of(o, "expired") == 0) {
		json_object_object_add(o, "failures", json_object_new_array());
		return FP_OK;
	}
	err = broadcast_failures(st, id, BROADCAST_FAIL_TOP, &f);
	if (err == FP_OK)
		json_object_object_add(o, "failures", f);
	return err;
}

void
api_broadcast_item(struct gw *gw, struct http_req *req,
    struct http_resp *resp)
{
	const char *rest = req->path + strlen("/api/v1/broadcasts/");
	bool cancel = false;
	const struct cfg_token *t;
	struct json_object *out = NULL;
	struct store *st = NULL;
	char idtext[24];
	int64_t id;
	size_t n = strcspn(rest, "/");
	enum fp_err err;

	if (strcmp(rest + n, "/cancel") == 0)
		cancel = true;
	else if (rest[n] != '\0') {
		http_resp_error(resp, 404, "not_found", "no such path");
		return;
	}
	if (cancel != (req->method_bit == HTTP_POST)) {
		resp->allow = cancel ? "POST" : "GET";
		http_resp_error(resp, 405, "method_not_allowed", cancel ?
		    "cancel with POST" : "read a broadcast with GET");
		return;
	}
	snprintf(idtext, sizeof(idtext), "%.*s", (int)(n < 23 ? n : 23), rest);
	if (n == 0 || n > 18 || parse_int64(idtext, 1, INT64_MAX, &id) !=
	    FP_OK) {
		http_resp_fp_error(resp, FP_ENOTFOUND, &item_errors);
		return;
	}
	t = api_token(gw, req, resp, cancel);
	if (t == NULL)
		return;
	if (cancel) {
		struct cancel_job j = { id, t->area, t->name };

		err = writer_run(gw->writer, cancel_job_run, &j);
		if (err == FP_OK) {
			out = json_object_new_object();
			json_object_object_add(out, "id",
			    json_object_new_string(idtext));
			json_object_object_add(out, "status",
			    json_object_new_string("cancelled"));
			api_json(resp, 200, out);
			log_info("api.broadcast.cancel id=%lld token=%s",
			    (long long)id, t->name);
			return;
		}
	} else {
		err = gw_store(gw, &st);
		if (err == FP_OK)
			err = broadcast_status(st, id, t->area, &out);
		if (err == FP_OK)
			err = add_failures(st, id, out);
		if (err == FP_OK) {
			api_json(resp, 200, out);
			return;
		}
		json_object_put(out);
	}
	http_resp_fp_error(resp, err, &item_errors);
}
