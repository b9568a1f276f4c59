/*
 * sms_inbound.c: MO webhooks (see sms_inbound.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "http_auth.h"
#include "http_params.h"
#include "http_server.h"
#include "log.h"
#include "sms_inbound.h"
#include "sms_service.h"
#include "writer.h"

#define MO_TEXT_MAX (16 * 1024)

struct mo_job {
	struct sms_ctx	 ctx;
	struct mo_msg	 mo;
	struct mo_result res;
};

static enum fp_err
mo_job_run(struct store *st, void *arg)
{
	struct mo_job *j = arg;

	return sms_service_receive(st, &j->ctx, &j->mo, &j->res);
}

/*
 * Read and check the common parameters into job->mo.  On FP_EINVAL the
 * answer is already set.  *text is the heap copy of the text to free.
 */
static enum fp_err
read_mo(struct http_params *p, struct http_resp *resp, bool raw_body_text,
    struct mo_job *job, char **text)
{
	const char *from, *raw, *why = NULL, *reason = NULL;
	size_t raw_len = 0, text_len = 0;
	enum fp_err err;

	from = http_params_get(p, "from", NULL);
	if (from == NULL || *from == '\0') {
		http_resp_error(resp, 400, "missing_parameter",
		    "from is required");
		return FP_EINVAL;
	}
	if (msisdn_normalize(from, job->mo.from, &reason) != FP_OK) {
		char msg[160];

		snprintf(msg, sizeof(msg), "from is not a valid phone number: "
		    "%s", reason);
		http_resp_error(resp, 400, "invalid_phone", msg);
		return FP_EINVAL;
	}
	raw = http_params_get(p, "text", &raw_len);
	if (raw == NULL && raw_body_text && p->body_is_text) {
		raw = p->req->body;	/* Kannel post-url: the body is the text */
		raw_len = p->req->body_len;
	}
	if (raw == NULL) {
		http_resp_error(resp, 400, "missing_parameter",
		    "text is required");
		return FP_EINVAL;
	}
	if (raw_len > MO_TEXT_MAX) {
		http_resp_error(resp, 400, "invalid_text", "text is too long");
		return FP_EINVAL;
	}
	err = http_params_text(p, raw, raw_len, text, &text_len, &why);
	if (err == FP_EINVAL) {
		http_resp_error(resp, 400, "invalid_text", why);
		return err;
	}
	if (err != FP_OK)
		return err;
	job->mo.text = *text;
	job->mo.text_len = text_len;
	job->mo.to = http_params_get(p, "to", NULL);
	job->mo.provider_id = http_params_get(p, "id", NULL);
	if (job->mo.provider_id != NULL && strlen(job->mo.provider_id) > 128) {
		http_resp_error(resp, 400, "invalid_parameter",
		    "id is longer than 128 characters");
		return FP_EINVAL;
	}
	return FP_OK;
}

/* Shared body of both endpoints; `kannel` picks the route's habits. */
static void
receive(struct gw *gw, struct http_req *req, struct http_resp *resp,
    const char *path, const char *route, bool kannel)
{
	struct http_params p;
	struct mo_job job;
	char masked[MSISDN_MASK_MAX], body[96];
	char *text = NULL;
	const char *why = NULL;
	enum fp_err err;

	if (http_auth_webhook(gw, req, path) != FP_OK) {
		http_resp_error(resp, 401, "unauthorized",
		    "this route's authentication failed");
		return;
	}
	err = http_params_init(&p, req, &why);
	if (err == FP_EINVAL) {
		http_resp_error(resp, 400, "invalid_body", why);
		return;
	}
	memset(&job, 0, sizeof(job));
	job.ctx.cfg = gw->cfg;
	job.ctx.tpl = gw->tpl;
	job.ctx.menu = gw->menu;
	job.mo.route = route;
	if (err == FP_OK)
		err = read_mo(&p, resp, kannel, &job, &text);
	if (err == FP_OK) {
		job.mo.smsc = http_params_get(&p, "smsc", NULL);
		err = writer_run(gw->writer, mo_job_run, &job);
	}
	if (err == FP_EINVAL && resp->status >= 400)
		goto done;	/* answered by read_mo */
	if (err != FP_OK) {
		log_warnx("sms.in.fail route=%s error=\"%s\"", route,
		    fp_strerror(err));
		http_resp_error(resp, http_status_of(err) >= 500 ?
		    http_status_of(err) : 500, "not_stored",
		    "the message was not stored; retry");
		goto done;
	}
	log_info("sms.in id=%lld route=%s from=%s dup=%d flood=%d reply=%lld",
	    (long long)job.res.id, route, msisdn_mask(job.mo.from, masked,
	    sizeof(masked)), job.res.is_duplicate, job.res.is_flooded,
	    (long long)job.res.reply_id);
	if (log_enabled(LOG_LEVEL_DEBUG))
		log_debug("sms.in.text id=%lld text=\"%.*s\"",
		    (long long)job.res.id, (int)job.mo.text_len, job.mo.text);
	if (kannel) {
		/* Kannel: 200 and an empty body (omit-empty = true). */
		http_resp_set(resp, 200, "text/plain", "", 0);
	} else {
		snprintf(body, sizeof(body), "{\"id\":\"%lld\",\"status\":"
		    "\"accepted\"}", (long long)job.res.id);
		http_resp_set(resp, 202, "application/json", body,
		    strlen(body));
	}
done:
	free(text);
	http_params_cleanup(&p);
}

void
sms_inbound_kannel(struct gw *gw, struct http_req *req,
    struct http_resp *resp)
{
	receive(gw, req, resp, "/sms/kannel", "kannel", true);
}

void
sms_inbound_generic(struct gw *gw, struct http_req *req,
    struct http_resp *resp)
{
	receive(gw, req, resp, "/sms/inbound", "inbound", false);
}
