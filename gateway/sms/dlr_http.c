/*
 * dlr_http.c: the delivery-report endpoints (SPEC 3.4).  GET /dlr/kannel
 * is called by Kannel with the dlr-url we gave it; POST /dlr by HTTP
 * providers.  A report for an id we do not know is answered 200 and
 * logged: the peer cannot fix it, and retrying would not help.
 * Auth: /dlr/kannel follows the /sms/kannel route's mode and /dlr the
 * /sms/inbound route's (the same peers call both).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dlr.h"
#include "dlr_http.h"
#include "gateway.h"
#include "http_auth.h"
#include "http_error.h"
#include "http_params.h"
#include "http_server.h"
#include "log.h"
#include "parse.h"
#include "writer.h"

static struct log_limit in_lines = LOG_LIMIT_INIT("dlr.in", LOG_PER_S);

#define DLR_DETAIL_MAX 200

struct dlr_job {
	bool		 is_kannel;
	int64_t		 id;
	const char	*part_id;
	const char	*provider_msgid;
	enum dlr_state	 state;
	char		 detail[DLR_DETAIL_MAX];
};

static enum fp_err
dlr_job_run(struct store *st, void *arg)
{
	struct dlr_job *j = arg;
	int64_t now = (int64_t)time(NULL);	/* received when stored */

	if (j->is_kannel)
		return dlr_apply_kannel(st, j->id, j->part_id, j->state,
		    j->detail, now);
	return dlr_apply_generic(st, j->provider_msgid, j->state, j->detail,
	    now);
}

/* Whatever failed, the provider is to send the report again. */
static const struct http_errmap dlr_errors = {
	.fail = HTTP_FAIL_503,
	.fail_code = "not_stored",
	.fail_message = "the report was not stored; retry",
};

static void
answer(struct dlr_job *job, struct gw *gw, struct http_resp *resp,
    const char *what)
{
	enum fp_err err = writer_run(gw->writer, dlr_job_run, job);

	if (err == FP_ENOTFOUND) {
		log_warnx("dlr.unknown source=%s id=%s", what,
		    job->is_kannel ? "(msg)" : job->provider_msgid);
		http_resp_set(resp, 200, "text/plain", "unknown id\n", 11);
		return;
	}
	if (err != FP_OK) {
		log_warnx("dlr.fail source=%s error=\"%s\"", what,
		    fp_strerror(err));
		http_resp_fp_error(resp, err, &dlr_errors);
		return;
	}
	if (log_allow(&in_lines))
		log_info("dlr.in source=%s msg=%lld state=%d", what,
		    (long long)job->id, (int)job->state);
	http_resp_set(resp, 200, "text/plain", "OK\n", 3);
}

void
dlr_handle_kannel(struct gw *gw, struct http_req *req,
    struct http_resp *resp)
{
	struct http_params p;
	struct dlr_job job;
	const char *msg, *status, *reply, *why = NULL;
	int kstatus;

	if (!http_auth_webhook_pass(gw, req, "/sms/kannel", resp))
		return;
	if (http_params_init(&p, req, &why) != FP_OK) {
		http_resp_error(resp, 400, "invalid_body", why);
		return;
	}
	memset(&job, 0, sizeof(job));
	job.is_kannel = true;
	msg = http_params_get(&p, "msg", NULL);
	status = http_params_get(&p, "status", NULL);
	reply = http_params_get(&p, "reply", NULL);
	if (msg == NULL || parse_int64(msg, 1, INT64_MAX, &job.id) != FP_OK) {
		http_resp_error(resp, 400, "invalid_parameter",
		    "msg must be a gateway message id");
		goto done;
	}
	if (status == NULL || parse_int(status, 0, 65535, &kstatus) != FP_OK ||
	    !dlr_kannel_state(kstatus, &job.state)) {
		http_resp_error(resp, 400, "invalid_parameter",
		    "status must be a Kannel DLR type (1, 2, 4, 8, 16)");
		goto done;
	}
	snprintf(job.detail, sizeof(job.detail), "kannel %d %.150s", kstatus,
	    reply != NULL ? reply : "");
	answer(&job, gw, resp, "kannel");
done:
	http_params_cleanup(&p);
}

void
dlr_handle_generic(struct gw *gw, struct http_req *req,
    struct http_resp *resp)
{
	struct http_params p;
	struct dlr_job job;
	const char *status, *reason, *why = NULL;

	/* SPEC 3.4: /dlr has a route entry of its own (aggregators let a
	 * callback URL carry a token but cannot sign). */
	if (!http_auth_webhook_pass(gw, req, "/dlr", resp))
		return;
	if (http_params_init(&p, req, &why) != FP_OK) {
		http_resp_error(resp, 400, "invalid_body", why);
		return;
	}
	memset(&job, 0, sizeof(job));
	job.provider_msgid = http_params_get(&p, "id", NULL);
	status = http_params_get(&p, "status", NULL);
	reason = http_params_get(&p, "failureReason", NULL);
	if (job.provider_msgid == NULL || *job.provider_msgid == '\0' ||
	    strlen(job.provider_msgid) > 128) {
		http_resp_error(resp, 400, "invalid_parameter",
		    "id (the provider's message id) is required");
		goto done;
	}
	if (status == NULL || !dlr_generic_state(status, &job.state)) {
		http_resp_error(resp, 400, "invalid_parameter", "status must "
		    "be Success, Failed, Rejected, Buffered or Sent");
		goto done;
	}
	snprintf(job.detail, sizeof(job.detail), "%s%s%.150s", status,
	    reason != NULL ? " " : "", reason != NULL ? reason : "");
	answer(&job, gw, resp, "generic");
done:
	http_params_cleanup(&p);
}
