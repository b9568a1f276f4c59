/*
 * api_alert.c: POST /api/v1/alerts (see api_broadcast.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "api_broadcast.h"
#include "api_common.h"
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
