/*
 * api_alert.c: POST /api/v1/alerts, GET /api/v1/feedback and
 * POST /api/v1/feedback/{ticket}/close (see api_broadcast.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "api_broadcast.h"
#include "api_common.h"
#include "feedback.h"
#include "gateway.h"
#include "http_error.h"
#include "http_server.h"
#include "log.h"
#include "writer.h"

struct alert_job {
	const struct svc_ctx	*ctx;
	const struct alert_req	*r;
	int64_t			 id;
	struct json_object	*numbers;
	const char		*why;
	const char		*missing;
};

static enum fp_err
alert_job_run(struct store *st, void *arg)
{
	struct alert_job *j = arg;

	return alert_create(st, j->ctx, j->r, (int64_t)time(NULL), &j->id,
	    j->numbers, &j->why, &j->missing);
}

void
api_alerts(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = gw_svc_ctx(gw);
	const struct cfg_token *t = api_token(gw, req, resp, true);
	struct json_object *o, *out;
	struct alert_req *r;
	struct alert_job j;
	const char *why = NULL;
	char msg[160];
	enum fp_err err;

	if (t == NULL || (o = api_body(req, resp)) == NULL)
		return;
	r = malloc(sizeof(*r));
	if (r == NULL) {
		http_resp_error(resp, 500, "no_memory", "out of memory");
		json_object_put(o);
		return;
	}
	if (alert_parse(o, NULL, r, &why) != FP_OK) {
		http_resp_error(resp, 400, "invalid_request", why);
		goto done;
	}
	if (r->template_name != NULL && !templates_exists(gw->tpl, "notices",
	    r->template_name)) {
		api_field_error(resp, "template", "no such template in "
		    "templates/<lang>/notices/");
		goto done;
	}
	r->created_by = t->name;
	r->scope = t->area;
	memset(&j, 0, sizeof(j));
	j.ctx = &ctx;
	j.r = r;
	j.numbers = json_object_new_array();
	err = writer_run(gw->writer, alert_job_run, &j);
	if (err == FP_OK) {
		out = json_object_new_object();
		snprintf(msg, sizeof(msg), "%lld", (long long)j.id);
		json_object_object_add(out, "id", json_object_new_string(msg));
		log_info("api.alert id=%lld tasks=%zu token=%s",
		    (long long)j.id, json_object_array_length(j.numbers),
		    t->name);
		json_object_object_add(out, "task_numbers", j.numbers);
		api_json(resp, 201, out);
		goto done;
	}
	json_object_put(j.numbers);
	/* A cadre that is not in the registry is the request's fault. */
	if (err == FP_ENOTFOUND)
		http_resp_error(resp, 400, "unknown_cadre", j.why);
	else if (err == FP_EINVAL && j.missing != NULL)
		api_missing_variable(resp, j.missing);
	else if (err == FP_ETOOBIG)
		http_resp_error(resp, 400, "too_long", j.why);
	else if (err == FP_EINVAL)
		http_resp_error(resp, 400, "invalid_request", j.why != NULL ?
		    j.why : "text: the message is invalid");
	else {
		const struct http_errmap errors = {
			.rejected = j.why,
			.fail = HTTP_FAIL_5XX,
			.fail_code = "store_error",
			.fail_message = "the alert was not stored; retry",
		};

		http_resp_fp_error(resp, err, &errors);
	}
done:
	free(r);
	json_object_put(o);
}

static const struct http_errmap list_errors = {
	.fail = HTTP_FAIL_500,
	.fail_code = "store_error",
	.fail_message = "the database failed",
};

void
api_feedback(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	const char *status = http_req_arg(req, "status");
	const char *area = http_req_arg(req, "area");
	struct json_object *out = NULL;
	struct store *st = NULL;
	int64_t offset;
	int limit;
	enum fp_err err;

	if (t == NULL || !api_paging(req, resp, &offset, &limit))
		return;
	if (status != NULL && strcmp(status, "open") != 0 &&
	    strcmp(status, "closed") != 0) {
		http_resp_error(resp, 400, "invalid_parameter", "status: must "
		    "be open or closed");
		return;
	}
	if (area != NULL && (strlen(area) > 12 || strspn(area, "0123456789")
	    != strlen(area))) {
		http_resp_error(resp, 400, "invalid_parameter", "area: must be "
		    "a region code prefix, 1 to 12 digits");
		return;
	}
	/* An area outside the token's scope is a 403, not an empty list. */
	if (area != NULL && *t->area != '\0' && strncmp(area, t->area,
	    strlen(t->area)) != 0 && strncmp(t->area, area, strlen(area)) != 0) {
		http_resp_error(resp, 403, "forbidden", "area: outside this "
		    "token's area");
		return;
	}
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = feedback_list(st, t->area, area, status, offset, limit,
		    gw->cfg->mqtt.include_msisdn, &out);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &list_errors);
		return;
	}
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
};

static enum fp_err
close_job_run(struct store *st, void *arg)
{
	struct close_job *j = arg;

	return feedback_close(st, j->ticket, j->scope, j->actor, j->resolution,
	    (int64_t)time(NULL));
}

void
api_feedback_item(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const char *rest = req->path + strlen("/api/v1/feedback/");
	const struct cfg_token *t;
	struct json_object *o = NULL, *v, *out;
	struct close_job j;
	char ticket[32];
	size_t n = strcspn(rest, "/");
	enum fp_err err;

	if (n == 0 || n >= sizeof(ticket) || strcmp(rest + n, "/close") != 0) {
		http_resp_error(resp, 404, "not_found", "no such path");
		return;
	}
	if (req->method_bit != HTTP_POST) {
		resp->allow = "POST";
		http_resp_error(resp, 405, "method_not_allowed", "close with "
		    "POST");
		return;
	}
	snprintf(ticket, sizeof(ticket), "%.*s", (int)n, rest);
	t = api_token(gw, req, resp, true);
	if (t == NULL)
		return;
	j.ticket = ticket;
	j.scope = t->area;
	j.actor = t->name;
	j.resolution = NULL;
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
