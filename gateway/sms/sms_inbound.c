/*
 * sms_inbound.c: MO webhooks (see sms_inbound.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway.h"
#include "http_auth.h"
#include "http_error.h"
#include "http_params.h"
#include "http_server.h"
#include "log.h"
#include "sms_inbound.h"
#include "sms_service.h"
#include "writer.h"

static struct log_limit in_lines = LOG_LIMIT_INIT("sms.in", LOG_PER_S);

#define MO_TEXT_MAX (16 * 1024)

struct mo_job {
	struct svc_ctx	 ctx;
	struct mo_msg	 mo;
	struct mo_result res;
};

static enum fp_err
mo_job_run(struct store *st, void *arg)
{
	struct mo_job *j = arg;

	/* The message is received when the writer stores it. */
	return sms_service_receive(st, &j->ctx, &j->mo, (int64_t)time(NULL),
	    &j->res);
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

	from = http_params_get(p, "from", &raw_len);
	if (from != NULL && memchr(from, '\0', raw_len) != NULL) {
		http_resp_error(resp, 400, "invalid_phone",
		    "from holds a NUL character");
		return FP_EINVAL;
	}
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
	/* UCS-2 bytes may hold NULs; the text they make may not. */
	if (memchr(*text, '\0', text_len) != NULL) {
		http_resp_error(resp, 400, "invalid_text",
		    "text holds a NUL character");
		return FP_EINVAL;
	}
	job->mo.text = *text;
	job->mo.text_len = text_len;
	job->mo.to = http_params_get(p, "to", &raw_len);
	if (job->mo.to != NULL && memchr(job->mo.to, '\0', raw_len) != NULL) {
		http_resp_error(resp, 400, "invalid_parameter",
		    "to holds a NUL character");
		return FP_EINVAL;
	}
	job->mo.provider_id = http_params_get(p, "id", &raw_len);
	if (job->mo.provider_id != NULL &&
	    memchr(job->mo.provider_id, '\0', raw_len) != NULL) {
		http_resp_error(resp, 400, "invalid_parameter",
		    "id holds a NUL character");
		return FP_EINVAL;
	}
	if (job->mo.provider_id != NULL && strlen(job->mo.provider_id) > 128) {
		http_resp_error(resp, 400, "invalid_parameter",
		    "id is longer than 128 characters");
		return FP_EINVAL;
	}
	return FP_OK;
}

/* One request's state while the writer has it: on the heap. */
struct mo_req {
	struct mo_job		 job;
	struct http_params	 p;
	char			*text;
	const char		*route;
	bool			 kannel;
};

static void
mo_req_free(struct mo_req *r)
{
	free(r->text);
	http_params_cleanup(&r->p);
	free(r);
}

/* A message not stored is the gateway's fault: the sender retries. */
static const struct http_errmap mo_errors = {
	.fail = HTTP_FAIL_5XX,
	.fail_code = "not_stored",
	.fail_message = "the message was not stored; retry",
};

/* After the commit, on a server thread: the route's answer. */
static void
receive_finish(struct gw *gw, struct http_req *req, struct http_resp *resp,
    void *arg, enum fp_err err)
{
	struct mo_req *r = arg;
	struct mo_job *job = &r->job;
	char masked[MSISDN_MASK_MAX], body[96];

	(void)gw;
	(void)req;
	if (err != FP_OK) {
		log_warnx("sms.in.fail route=%s error=\"%s\"", r->route,
		    fp_strerror(err));
		http_resp_fp_error(resp, err, &mo_errors);
		goto done;
	}
	if (log_allow(&in_lines))
		log_info("sms.in id=%lld route=%s from=%s dup=%d flood=%d "
		    "reply=%lld",
		    (long long)job->res.id, r->route, msisdn_mask(job->mo.from,
		    masked, sizeof(masked)), job->res.is_duplicate,
		    job->res.is_flooded, (long long)job->res.reply_id);
	/* Texts only at debug level, and never an ID-challenge answer (nor
	 * a repeat, whose first may have been one). */
	if (log_enabled(LOG_LEVEL_DEBUG) && !job->res.is_duplicate)
		log_debug("sms.in.text id=%lld text=\"%.*s\"",
		    (long long)job->res.id, job->res.is_challenge ?
		    (int)strlen("[id-challenge]") : (int)job->mo.text_len,
		    job->res.is_challenge ? "[id-challenge]" : job->mo.text);
	if (r->kannel) {
		/* Kannel: 200 and an empty body (omit-empty = true). */
		http_resp_set(resp, 200, "text/plain", "", 0);
	} else {
		snprintf(body, sizeof(body), "{\"id\":\"%lld\",\"status\":"
		    "\"accepted\"}", (long long)job->res.id);
		http_resp_set(resp, 202, "application/json", body,
		    strlen(body));
	}
done:
	mo_req_free(r);
}

/*
 * Shared body of both endpoints; `kannel` picks the route's habits.
 * Runs on the server's polling thread (an is_inline route): checks
 * without blocking, then defers the answer to after the writer's commit.
 */
static void
receive(struct gw *gw, struct http_req *req, struct http_resp *resp,
    const char *path, const char *route, bool kannel)
{
	struct mo_req *r;
	const char *why = NULL;
	enum fp_err err;

	if (!http_auth_webhook_pass(gw, req, path, resp))
		return;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		http_resp_fp_error(resp, FP_ENOMEM, &mo_errors);
		return;
	}
	err = http_params_init(&r->p, req, &why);
	if (err == FP_EINVAL) {
		http_resp_error(resp, 400, "invalid_body", why);
		mo_req_free(r);	/* r->p may hold a form ("in both") */
		return;
	}
	r->route = route;
	r->kannel = kannel;
	r->job.ctx = gw_svc_ctx(gw);
	r->job.mo.route = route;
	if (err == FP_OK)
		err = read_mo(&r->p, resp, kannel, &r->job, &r->text);
	if (err == FP_EINVAL && resp->status >= 400) {
		mo_req_free(r);	/* answered by read_mo */
		return;
	}
	if (err != FP_OK) {
		receive_finish(gw, req, resp, r, err);
		return;
	}
	r->job.mo.smsc = http_params_get(&r->p, "smsc", NULL);
	/* The answer after the commit (receive_finish frees r).  The job
	 * writes only to the database and r->job.res (which
	 * sms_service_receive sets afresh), so it may run again: it shares
	 * its group's savepoint. */
	http_req_defer(req, receive_finish, r);
	writer_submit_rerun(gw->writer, mo_job_run, &r->job, http_req_resume,
	    req);
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
