/*
 * dlr_cloud.c: Aliyun's and Tencent's delivery-report pushes (see
 * dlr_cloud.h).  The body is read and checked whole before anything is
 * written; then every report goes through the writer in one job (one
 * transaction): a report of a message we know and that matches is
 * applied, one we do not know is acknowledged and logged (the cloud
 * cannot fix it), one that does not match (another provider's message,
 * another number, another OutId) is refused and logged, and one whose
 * message is still waiting for its submit answer makes the answer a
 * 503 so that the cloud pushes again (both clouds retry a push that is
 * not answered 200).
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "dlr_cloud.h"
#include "gateway.h"
#include "http_auth.h"
#include "http_server.h"
#include "log.h"
#include "parse.h"
#include "writer.h"

static struct log_limit in_lines = LOG_LIMIT_INIT("dlr.cloud", LOG_PER_S);
static struct log_limit bad_lines = LOG_LIMIT_INIT("dlr.refused", LOG_PER_S);

/* ---- parsing ---------------------------------------------------------------- */

static const char *
str_field(struct json_object *o, const char *key, bool *bad)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	if (!json_object_is_type(v, json_type_string)) {
		*bad = true;
		return NULL;
	}
	return json_object_get_string(v);
}

/* The array at body, with its length; FP_EINVAL with *why. */
static enum fp_err
parse_array(const char *body, size_t len, struct json_object **out,
    size_t *n, const char **why)
{
	struct json_tokener *tok;
	struct json_object *a;

	*out = NULL;
	if (len == 0 || len > (size_t)INT32_MAX) {
		*why = "the body must be a JSON array of reports";
		return FP_EINVAL;
	}
	tok = json_tokener_new();
	if (tok == NULL)
		return FP_ENOMEM;
	a = json_tokener_parse_ex(tok, body, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(a, json_type_array)) {
		json_tokener_free(tok);
		json_object_put(a);
		*why = "the body must be a JSON array of reports";
		return FP_EINVAL;
	}
	json_tokener_free(tok);
	*n = json_object_array_length(a);
	if (*n == 0 || *n > DLR_CLOUD_MAX) {
		json_object_put(a);
		*why = "a push holds 1 to 1000 reports";
		return FP_EINVAL;
	}
	*out = a;
	return FP_OK;
}

static bool
copy_id(char *dst, const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0, i;

	if (n == 0 || n >= DLR_CLOUD_ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)id[i] <= ' ' || id[i] == 0x7f)
			return false;
	memcpy(dst, id, n + 1);
	return true;
}

static bool
all_digits(const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0, i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* One Aliyun SmsReport element into r; false when it is not one. */
static bool
aliyun_one(struct json_object *o, struct cloud_report *r)
{
	struct json_object *ok;
	const char *phone, *biz, *out_id, *code, *msg;
	bool bad = false;

	if (!json_object_is_type(o, json_type_object))
		return false;
	phone = str_field(o, "phone_number", &bad);
	biz = str_field(o, "biz_id", &bad);
	out_id = str_field(o, "out_id", &bad);
	code = str_field(o, "err_code", &bad);
	msg = str_field(o, "err_msg", &bad);
	if (bad || !json_object_object_get_ex(o, "success", &ok) ||
	    !json_object_is_type(ok, json_type_boolean))
		return false;
	/* OutId is our message id: the provider always sends it. */
	if (!copy_id(r->msgid, biz) || !all_digits(out_id, 18) ||
	    parse_int64(out_id, 1, INT64_MAX, &r->out_id) != FP_OK ||
	    phone == NULL || strlen(phone) > 20 ||
	    msisdn_normalize(phone, r->msisdn, NULL) != FP_OK)
		return false;
	r->state = json_object_get_boolean(ok) ? DLR_DELIVERED : DLR_FAILED;
	snprintf(r->detail, sizeof(r->detail), "aliyun %.40s%s%.140s",
	    code != NULL ? code : "", msg != NULL && *msg != '\0' ? " " : "",
	    msg != NULL ? msg : "");
	return true;
}

/* One Tencent callback element into r; false when it is not one. */
static bool
tencent_one(struct json_object *o, struct cloud_report *r)
{
	const char *nation, *mobile, *status, *sid, *errmsg, *desc;
	char e164[40];
	bool bad = false;

	if (!json_object_is_type(o, json_type_object))
		return false;
	nation = str_field(o, "nationcode", &bad);
	mobile = str_field(o, "mobile", &bad);
	status = str_field(o, "report_status", &bad);
	sid = str_field(o, "sid", &bad);
	errmsg = str_field(o, "errmsg", &bad);
	desc = str_field(o, "description", &bad);
	if (bad || !copy_id(r->msgid, sid) || !all_digits(nation, 4) ||
	    !all_digits(mobile, 15) || status == NULL)
		return false;
	snprintf(e164, sizeof(e164), "+%s%s", nation, mobile);
	if (msisdn_normalize(e164, r->msisdn, NULL) != FP_OK)
		return false;
	if (strcmp(status, "SUCCESS") == 0)
		r->state = DLR_DELIVERED;
	else if (strcmp(status, "FAIL") == 0)
		r->state = DLR_FAILED;
	else
		return false;
	r->out_id = 0;
	snprintf(r->detail, sizeof(r->detail), "tencent %.40s%s%.140s",
	    errmsg != NULL ? errmsg : status, desc != NULL && *desc != '\0' ?
	    " " : "", desc != NULL ? desc : "");
	return true;
}

static enum fp_err
parse(const char *body, size_t len, bool (*one)(struct json_object *,
    struct cloud_report *), struct cloud_report **out, size_t *n,
    const char **why)
{
	struct json_object *a = NULL;
	struct cloud_report *r;
	size_t i, count = 0;
	enum fp_err err;

	*out = NULL;
	*n = 0;
	err = parse_array(body, len, &a, &count, why);
	if (err != FP_OK)
		return err;
	r = calloc(count, sizeof(*r));
	if (r == NULL) {
		json_object_put(a);
		return FP_ENOMEM;
	}
	for (i = 0; i < count; i++)
		if (!one(json_object_array_get_idx(a, i), &r[i])) {
			json_object_put(a);
			free(r);
			*why = "a report lacks a field, has one of the wrong "
			    "type, or names no phone number";
			return FP_EINVAL;
		}
	json_object_put(a);
	*out = r;
	*n = count;
	return FP_OK;
}

enum fp_err
dlr_cloud_parse_aliyun(const char *body, size_t len,
    struct cloud_report **out, size_t *n, const char **why)
{
	return parse(body, len, aliyun_one, out, n, why);
}

enum fp_err
dlr_cloud_parse_tencent(const char *body, size_t len,
    struct cloud_report **out, size_t *n, const char **why)
{
	return parse(body, len, tencent_one, out, n, why);
}

/* ---- applying ---------------------------------------------------------------- */

struct cloud_job {
	const struct cfg	*cfg;
	enum cfg_provider_type	 type;
	const char		*cloud;		/* "aliyun", "tencent" */
	struct cloud_report	*r;
	size_t			 n;
	size_t			 applied, unknown, refused, early;
};

static enum fp_err
cloud_job_run(struct store *st, void *arg)
{
	struct cloud_job *j = arg;
	int64_t now = (int64_t)time(NULL);	/* received when stored */
	enum fp_err err;
	size_t i, k;

	j->applied = j->unknown = j->refused = j->early = 0;
	for (i = 0; i < j->n; i++) {
		const struct cloud_report *r = &j->r[i];

		err = FP_ENOTFOUND;
		/* Only a provider of this cloud's type: a report never
		 * reaches another provider's message. */
		for (k = 0; k < j->cfg->n_providers && err == FP_ENOTFOUND;
		    k++) {
			const struct cfg_provider *p = &j->cfg->providers[k];

			if (p->type != j->type)
				continue;
			err = dlr_apply_provider(st, p->name, r->msgid,
			    r->msisdn, r->out_id, r->state, r->detail, now);
		}
		switch (err) {
		case FP_OK:
			j->applied++;
			break;
		case FP_ENOTFOUND:
			j->unknown++;
			break;
		case FP_EREJECT:
			j->refused++;
			if (log_allow(&bad_lines))
				log_warnx("dlr.refused source=%s id=%s "
				    "reason=\"names a message of another number, "
				    "id or provider\"", j->cloud, r->msgid);
			break;
		case FP_EBUSY:
			j->early++;
			break;
		default:
			return err;	/* the database: all of it again */
		}
	}
	return FP_OK;
}

/* Each cloud's answer: its success body, or an error one. */
static void
answer(struct http_resp *resp, bool is_aliyun, int status, const char *msg)
{
	char body[256];

	if (is_aliyun)
		snprintf(body, sizeof(body), "{\"code\":%d,\"msg\":\"%s\"}",
		    status == 200 ? 0 : 1, status == 200 ? "成功" : msg);
	else
		snprintf(body, sizeof(body), "{\"result\":%d,\"errmsg\":"
		    "\"%s\"}", status == 200 ? 0 : 1, status == 200 ? "OK" :
		    msg);
	http_resp_set(resp, status, "application/json", body, strlen(body));
}

static void
handle(struct gw *gw, struct http_req *req, struct http_resp *resp,
    enum cfg_provider_type type)
{
	bool is_aliyun = type == CFG_PROVIDER_ALIYUN;
	const char *cloud = is_aliyun ? "aliyun" : "tencent";
	const char *path = is_aliyun ? "/dlr/aliyun" : "/dlr/tencent";
	struct cloud_job job;
	const char *why = NULL;
	enum fp_err err;

	if (!http_auth_webhook_pass(gw, req, path, resp))
		return;
	memset(&job, 0, sizeof(job));
	job.cfg = gw->cfg;
	job.type = type;
	job.cloud = cloud;
	err = (is_aliyun ? dlr_cloud_parse_aliyun : dlr_cloud_parse_tencent)(
	    req->body != NULL ? req->body : "", req->body_len, &job.r, &job.n,
	    &why);
	if (err == FP_EINVAL) {
		log_warnx("dlr.malformed source=%s bytes=%zu error=\"%s\"",
		    cloud, req->body_len, why);
		/* why is our static text: no quote to escape. */
		answer(resp, is_aliyun, 400, why);
		return;
	}
	if (err == FP_OK)
		err = writer_run(gw->writer, cloud_job_run, &job);
	free(job.r);
	if (err != FP_OK) {
		log_warnx("dlr.fail source=%s error=\"%s\"", cloud,
		    fp_strerror(err));
		answer(resp, is_aliyun, 503, "not stored; push again");
		return;
	}
	if (log_allow(&in_lines))
		log_info("dlr.cloud source=%s reports=%zu applied=%zu "
		    "unknown=%zu refused=%zu early=%zu", cloud, job.n,
		    job.applied, job.unknown, job.refused, job.early);
	if (job.early > 0)
		answer(resp, is_aliyun, 503, "a message is still being sent; "
		    "push again");
	else
		answer(resp, is_aliyun, 200, NULL);
}

void
dlr_handle_aliyun(struct gw *gw, struct http_req *req,
    struct http_resp *resp)
{
	handle(gw, req, resp, CFG_PROVIDER_ALIYUN);
}

void
dlr_handle_tencent(struct gw *gw, struct http_req *req,
    struct http_resp *resp)
{
	handle(gw, req, resp, CFG_PROVIDER_TENCENT);
}
