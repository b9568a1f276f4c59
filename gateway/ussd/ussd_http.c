/*
 * ussd_http.c: POST /ussd (see ussd_http.h).
 *
 * The route runs on the server's polling thread (is_inline): the
 * request is read and checked without blocking, then suspended, and its
 * job handed to the writer (writer_submit_rerun); after the commit the
 * server resumes it and ussd_finish writes the screen.  No thread waits
 * for the writer, and no worker thread is woken per step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway.h"
#include "gsm.h"
#include "http_auth.h"
#include "http_error.h"
#include "http_params.h"
#include "http_server.h"
#include "log.h"
#include "templates.h"
#include "ussd_engine.h"
#include "ussd_http.h"
#include "writer.h"

static struct log_limit req_lines = LOG_LIMIT_INIT("ussd.req", LOG_PER_S);

#define USSD_TEXT_MAX	2048	/* bytes: 64 inputs of free text */
#define USSD_SID_MAX	128

struct ussd_job {
	struct svc_ctx		 ctx;
	struct ussd_request	 rq;
	struct ussd_reply	 reply;
};

/* May run again (writer_submit_rerun): an earlier call's screen goes. */
static enum fp_err
ussd_job_run(struct store *st, void *arg)
{
	struct ussd_job *j = arg;

	free(j->reply.screen);
	j->reply.screen = NULL;
	return ussd_handle(st, &j->ctx, &j->rq, (int64_t)time(NULL),
	    &j->reply);
}

static const struct http_errmap no_memory = {
	.fail = HTTP_FAIL_500,
	.fail_code = "no_memory",
	.fail_message = "out of memory",
};

static const struct http_errmap session_errors = {
	.fail = HTTP_FAIL_500,
	.fail_code = "not_stored",
	.fail_message = "the session could not be stored; retry",
};

static void
answer(struct http_resp *resp, bool end, const char *screen)
{
	size_t n = strlen(screen) + 5;
	char *body = malloc(n);

	if (body == NULL) {
		http_resp_fp_error(resp, FP_ENOMEM, &no_memory);
		return;
	}
	snprintf(body, n, "%s %s", end ? "END" : "CON", screen);
	http_resp_set(resp, 200, "text/plain; charset=utf-8", body,
	    strlen(body));
	free(body);
}

/* A session id as aggregators make them: printable ASCII, no blanks. */
static bool
valid_session_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > USSD_SID_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

/* Read and check the fields; on false the answer is set. */
static bool
read_request(struct gw *gw, struct http_params *p, struct http_resp *resp,
    struct ussd_job *job, char from[MSISDN_MAX], bool *unknown_code)
{
	const char *sid = http_params_get(p, "sessionId", NULL);
	const char *phone = http_params_get(p, "phoneNumber", NULL);
	const char *code = http_params_get(p, "serviceCode", NULL);
	const char *text, *reason = NULL;
	size_t text_len = 0;
	struct gsm_count c;

	if (sid == NULL || phone == NULL || code == NULL) {
		http_resp_error(resp, 400, "missing_parameter", "sessionId, "
		    "serviceCode and phoneNumber are required");
		return false;
	}
	if (!valid_session_id(sid)) {
		http_resp_error(resp, 400, "invalid_parameter", "sessionId "
		    "must be 1 to 128 printable characters");
		return false;
	}
	if (msisdn_normalize(phone, from, &reason) != FP_OK) {
		char msg[160];

		snprintf(msg, sizeof(msg), "phoneNumber is not a valid phone "
		    "number: %s", reason);
		http_resp_error(resp, 400, "invalid_phone", msg);
		return false;
	}
	text = http_params_get(p, "text", &text_len);
	if (text == NULL)
		text = "";
	if (text_len > USSD_TEXT_MAX) {
		http_resp_error(resp, 400, "invalid_text", "text is too long");
		return false;
	}
	if (strlen(text) != text_len || gsm_count(text, text_len, &c) !=
	    FP_OK) {
		http_resp_error(resp, 400, "invalid_text", "text is not UTF-8");
		return false;
	}
	*unknown_code = strcmp(code, gw->cfg->ussd.service_code) != 0;
	job->rq.channel = "ussd";
	job->rq.session_id = sid;
	job->rq.msisdn = from;
	job->rq.text = text;
	return true;
}

/* One request while the writer has it: on the heap, freed by finish. */
struct ussd_req {
	struct ussd_job		 job;
	struct http_params	 p;
	char			 from[MSISDN_MAX];
};

static void
ussd_req_free(struct ussd_req *r)
{
	free(r->job.reply.screen);
	http_params_cleanup(&r->p);
	free(r);
}

/* After the commit, on a server thread: the screen, or the error. */
static void
ussd_finish(struct gw *gw, struct http_req *req, struct http_resp *resp,
    void *arg, enum fp_err err)
{
	struct ussd_req *r = arg;
	char masked[MSISDN_MASK_MAX];

	(void)gw;
	(void)req;
	if (err != FP_OK) {
		log_warnx("ussd.fail error=\"%s\"", fp_strerror(err));
		http_resp_fp_error(resp, err, &session_errors);
		goto done;
	}
	if (log_allow(&req_lines))
		log_info("ussd.req msisdn=%s end=%d", msisdn_mask(r->from,
		    masked, sizeof(masked)), r->job.reply.end);
	answer(resp, r->job.reply.end, r->job.reply.screen);
done:
	ussd_req_free(r);
}

void
ussd_http_handle(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	struct ussd_req *r;
	const char *why = NULL;
	bool unknown_code = false;
	enum fp_err err;

	if (!http_auth_webhook_pass(gw, req, "/ussd", resp))
		return;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		http_resp_fp_error(resp, FP_ENOMEM, &no_memory);
		return;
	}
	err = http_params_init(&r->p, req, &why);
	if (err == FP_EINVAL) {
		http_resp_error(resp, 400, "invalid_body", why);
		goto fail;	/* r->p may hold a form ("in both") */
	}
	r->job.ctx = gw_svc_ctx(gw);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &no_memory);
		goto fail;
	}
	if (!read_request(gw, &r->p, resp, &r->job, r->from, &unknown_code))
		goto fail;
	if (unknown_code) {
		char *t = NULL;

		/* Another code routed here by mistake: say so, politely. */
		if (templates_render(gw->tpl, gw->cfg->templates.default_language,
		    "ussd", "unknown_service", NULL, 0, &t, NULL) == FP_OK)
			answer(resp, true, t);
		else
			http_resp_error(resp, 400, "unknown_service",
			    "serviceCode is not this gateway's");
		free(t);
		goto fail;
	}
	/* The answer after the commit (ussd_finish frees r).  The job
	 * writes only to the database and r->job.reply, so it may run
	 * again: it shares its group's savepoint. */
	http_req_defer(req, ussd_finish, r);
	writer_submit_rerun(gw->writer, ussd_job_run, &r->job,
	    http_req_resume, req);
	return;
fail:
	ussd_req_free(r);
}
