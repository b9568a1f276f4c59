/*
 * sendsms.c: Kannel-compatible /cgi-bin/sendsms (see sendsms.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_auth.h"
#include "dlr_callback.h"
#include "gateway.h"
#include "http_auth.h"
#include "http_error.h"
#include "http_params.h"
#include "http_server.h"
#include "log.h"
#include "outbox.h"
#include "parse.h"
#include "route.h"
#include "sender.h"
#include "sendsms.h"
#include "writer.h"

static struct log_limit accepted_lines =
    LOG_LIMIT_INIT("sendsms.accepted", LOG_PER_S);

enum fp_err
sendsms_split_to(const char *to, char out[][MSISDN_MAX], size_t *n,
    char *bad, size_t bad_len)
{
	const char *p = to;

	*n = 0;
	while (*p != '\0') {
		const char *end;
		char piece[64];
		size_t len;

		while (*p == ' ' || *p == '+')
			p++;
		if (*p == '\0')
			break;
		end = p;
		while (*end != '\0' && *end != ' ' && *end != '+')
			end++;
		len = (size_t)(end - p);
		snprintf(piece, sizeof(piece), "%.*s", (int)(len < 63 ? len :
		    63), p);
		if (*n == SENDSMS_MAX_TO ||
		    msisdn_normalize(piece, out[*n], NULL) != FP_OK) {
			snprintf(bad, bad_len, "%s", piece);
			return FP_EINVAL;
		}
		(*n)++;
		p = end;
	}
	if (*n == 0) {
		snprintf(bad, bad_len, "%s", "");
		return FP_EINVAL;
	}
	return FP_OK;
}

struct sendsms_job {
	const struct cfg	*cfg;
	const struct cfg_token	*token;
	char			 (*to)[MSISDN_MAX];
	size_t			 n_to;
	struct outbox_msg	 msg;
	int64_t			 first_id;
	struct sender		*sender;	/* or NULL */
	struct outbox_item	*direct;	/* n_to, owned: the messages
						 * inserted "sending" for the
						 * sender (sender_reserve) */
	size_t			 n_direct;
};

/* The provider of a message to `to` (route.h: sendsms names none). */
static const char *
job_provider(const struct sendsms_job *j, const char *to)
{
	return j->msg.provider != NULL ? j->msg.provider :
	    route_pick(j->cfg, to, NULL);
}

/* Whether a recipient's provider sends approved templates only. */
static bool
routes_to_template(const struct cfg *cfg, char (*to)[MSISDN_MAX], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cfg_provider_is_template(cfg_provider_find(cfg,
		    route_pick(cfg, to[i], NULL))))
			return true;
	return false;
}

/* Each recipient's message straight to the sender when it has room,
 * else queued for its next claim. */
static enum fp_err
sendsms_job_run(struct store *st, void *arg)
{
	struct sendsms_job *j = arg;
	const char *pname;
	enum fp_err err;
	size_t i;
	int64_t id, now = (int64_t)time(NULL);	/* accepted when stored */

	for (i = 0; i < j->n_to; i++) {
		err = api_auth_msisdn_in_scope(st, j->token, j->to[i]);
		if (err != FP_OK)
			return err;
	}
	for (i = 0; i < j->n_to; i++) {
		j->msg.to = j->to[i];
		pname = job_provider(j, j->to[i]);
		if (j->direct != NULL && sender_reserve(j->sender, pname)) {
			err = outbox_enqueue_sending(st, j->cfg, &j->msg, now,
			    &id,
			    &j->direct[j->n_direct]);
			if (err == FP_OK)
				j->n_direct++;
			else
				sender_release(j->sender, pname);
		} else
			err = outbox_enqueue(st, j->cfg, &j->msg, now, &id);
		if (err != FP_OK)
			return err;
		if (i == 0)
			j->first_id = id;
	}
	return FP_OK;
}

/* After a failed group: the rows that did commit (the fsync failed) go
 * back to "queued"; rows rolled back are simply not found. */
struct unclaim {
	size_t	 n;
	int64_t	 ids[];
};

static enum fp_err
unclaim_run(struct store *st, void *arg)
{
	struct unclaim *u = arg;
	int64_t now = (int64_t)time(NULL);
	enum fp_err err;
	size_t i;

	for (i = 0; i < u->n; i++) {
		err = outbox_unclaim(st, u->ids[i], now);
		if (err != FP_OK && err != FP_ENOTFOUND)
			return err;
	}
	return FP_OK;
}

static void
unclaim_done(void *arg, enum fp_err result)
{
	if (result != FP_OK)	/* they stay "sending" until the next start */
		log_warnx("sendsms.unclaim messages=%zu error=\"%s\"",
		    ((struct unclaim *)arg)->n, fp_strerror(result));
	free(arg);
}

/*
 * The messages inserted "sending": to the sender once committed; else
 * their room goes back, and in case they did commit, back to the queue.
 */
static void
hand_over(struct gw *gw, struct sendsms_job *j, enum fp_err err)
{
	struct unclaim *u;
	size_t i;

	if (j->n_direct == 0)
		return;
	if (err == FP_OK) {
		for (i = 0; i < j->n_direct; i++)
			sender_hand_over(j->sender, job_provider(j,
			    j->direct[i].to), &j->direct[i]);
		j->n_direct = 0;
		return;
	}
	u = malloc(sizeof(*u) + j->n_direct * sizeof(u->ids[0]));
	for (i = 0; i < j->n_direct; i++) {
		sender_release(j->sender, job_provider(j, j->direct[i].to));
		if (u != NULL)
			u->ids[i] = j->direct[i].id;
		outbox_item_free(&j->direct[i]);
	}
	if (u != NULL) {
		u->n = j->n_direct;
		writer_submit(gw->writer, unclaim_run, u, unclaim_done, u);
	}
	j->n_direct = 0;
}

static void
kannel_answer(struct http_resp *resp, int status, const char *text)
{
	http_resp_set(resp, status, "text/plain", text, strlen(text));
}

/* Kannel's way: name and token in the query, not a bearer header. */
static const struct cfg_token *
authenticate(struct gw *gw, struct http_params *p)
{
	const char *user = http_params_get(p, "username", NULL);
	const char *pass = http_params_get(p, "password", NULL);
	const struct cfg_token *t;

	if (user == NULL || pass == NULL)
		return NULL;
	t = http_auth_token_find(gw->cfg, pass);
	if (t == NULL || strcmp(t->name, user) != 0 || !api_auth_can_write(t))
		return NULL;
	return t;
}

/* A parameter whose value holds a NUL byte (%00): C strings stop at
 * it, so it would be cut short without a word. */
static bool
has_nul(struct http_params *p, const char *name)
{
	size_t len = 0;
	const char *v = http_params_get(p, name, &len);

	return v != NULL && memchr(v, '\0', len) != NULL;
}

/* One request's state while the writer has it: on the heap. */
struct sendsms_req {
	struct sendsms_job	 job;
	struct http_params	 p;
	char			(*numbers)[MSISDN_MAX];
	char			*text;
};

static void
sendsms_req_free(struct sendsms_req *r)
{
	size_t i;

	for (i = 0; i < r->job.n_direct; i++)	/* never handed over */
		outbox_item_free(&r->job.direct[i]);
	free(r->job.direct);
	free(r->numbers);
	free(r->text);
	http_params_cleanup(&r->p);
	free(r);
}

/* Kannel's answers to a request that was not taken. */
static const struct http_errmap sendsms_errors = {
	.invalid = "Invalid message, rejected",
	.rejected = "Authorization failed for sendsms",
	.fail = HTTP_FAIL_503,
	.fail_code = "unavailable",
	.fail_message = "Temporal failure, try again later.",
};

/* After the commit, on a server thread: Kannel's answer. */
static void
sendsms_finish(struct gw *gw, struct http_req *req, struct http_resp *resp,
    void *arg, enum fp_err err)
{
	struct sendsms_req *r = arg;
	struct http_err_answer a;

	(void)req;
	hand_over(gw, &r->job, err);
	if (err != FP_OK) {
		http_err_answer(err, &sendsms_errors, &a);
		if (a.status >= 500)
			log_warnx("sendsms.fail error=\"%s\"",
			    fp_strerror(err));
		kannel_answer(resp, a.status, a.message);
	} else {
		if (log_allow(&accepted_lines))
			log_info("sendsms.accepted token=%s recipients=%zu "
			    "first=%lld",
			    r->job.token->name, r->job.n_to,
			    (long long)r->job.first_id);
		kannel_answer(resp, 202, "0: Accepted for delivery");
	}
	sendsms_req_free(r);
}

/*
 * Runs on the server's polling thread (an is_inline route): checks
 * everything without blocking, then defers the answer to after the
 * writer's commit.
 */
void
sendsms_handle(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	struct sendsms_req *r;
	const char *why = NULL, *raw, *s;
	char bad[64], msg[160];
	size_t raw_len = 0, text_len = 0;
	int v;
	enum fp_err err;

	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		kannel_answer(resp, 503, "Temporal failure, try again later.");
		return;
	}
	if (http_params_init(&r->p, req, &why) != FP_OK) {
		kannel_answer(resp, 400, "Malformed request body");
		memset(&r->p, 0, sizeof(r->p));	/* as before: not cleaned */
		goto fail;
	}
	r->job.cfg = gw->cfg;
	r->job.token = authenticate(gw, &r->p);
	if (r->job.token == NULL) {
		kannel_answer(resp, 403, "Authorization failed for sendsms");
		goto fail;
	}
	if (has_nul(&r->p, "to") || has_nul(&r->p, "from") ||
	    has_nul(&r->p, "dlr-url") || has_nul(&r->p, "dlr-mask") ||
	    has_nul(&r->p, "validity") || has_nul(&r->p, "charset") ||
	    has_nul(&r->p, "coding")) {
		kannel_answer(resp, 400, "NUL character in a parameter, "
		    "rejected");
		goto fail;
	}
	r->numbers = calloc(SENDSMS_MAX_TO, sizeof(*r->numbers));
	if (r->numbers == NULL) {
		kannel_answer(resp, 503, "Temporal failure, try again later.");
		goto fail;
	}
	s = http_params_get(&r->p, "to", NULL);
	if (s == NULL || sendsms_split_to(s, r->numbers, &r->job.n_to, bad,
	    sizeof(bad)) != FP_OK) {
		if (s == NULL || *bad == '\0')
			kannel_answer(resp, 400, "Missing receiver number, "
			    "rejected");
		else {
			snprintf(msg, sizeof(msg), "Invalid receiver number "
			    "'%s', rejected", bad);
			kannel_answer(resp, 400, msg);
		}
		goto fail;
	}
	raw = http_params_get(&r->p, "text", &raw_len);
	if (raw == NULL || raw_len == 0) {
		kannel_answer(resp, 400, "Missing text, rejected");
		goto fail;
	}
	err = http_params_text(&r->p, raw, raw_len, &r->text, &text_len, &why);
	if (err == FP_EINVAL && why != NULL &&
	    strcmp(why, "unsupported charset") == 0) {
		kannel_answer(resp, 400, "Invalid charset (unsupported "
		    "charset), rejected");
		goto fail;
	}
	if (err != FP_OK || memchr(r->text, '\0', text_len) != NULL) {
		kannel_answer(resp, 400, "Invalid text or charset, rejected");
		goto fail;
	}
	/* SPEC 11: a template provider sends approved templates only. */
	if (routes_to_template(gw->cfg, r->numbers, r->job.n_to)) {
		kannel_answer(resp, 400, "Free text not allowed: the provider "
		    "sends approved templates only, rejected");
		goto fail;
	}
	/* SPEC 4: never more than sms.max_segments segments. */
	if (outbox_check_length(gw->cfg, NULL, r->text, NULL) != FP_OK) {
		snprintf(msg, sizeof(msg), "Message too long (more than %d "
		    "segments), rejected", gw->cfg->sms.max_segments);
		kannel_answer(resp, 400, msg);
		goto fail;
	}
	r->job.msg.text = r->text;
	r->job.msg.kind = "sendsms";
	r->job.msg.from = http_params_get(&r->p, "from", NULL);
	r->job.msg.dlr_url = http_params_get(&r->p, "dlr-url", NULL);
	/* SPEC 3.3a: only where sms.dlr_url_allow says (none by default):
	 * the gateway calls no other address for a client. */
	if (r->job.msg.dlr_url != NULL && *r->job.msg.dlr_url != '\0' &&
	    !dlr_callback_url_allowed(gw->cfg, r->job.msg.dlr_url)) {
		kannel_answer(resp, 400, "dlr-url not allowed, rejected");
		goto fail;
	}
	s = http_params_get(&r->p, "dlr-mask", NULL);
	if (s != NULL && parse_int(s, 0, 255, &v) != FP_OK) {
		kannel_answer(resp, 400, "Invalid dlr-mask, rejected");
		goto fail;
	}
	/* With a dlr-url and no mask, report everything (Kannel's 31). */
	r->job.msg.dlr_mask = s != NULL ? v :
	    (r->job.msg.dlr_url != NULL ? 31 : 0);
	/* Kannel's validity is in minutes. */
	s = http_params_get(&r->p, "validity", NULL);
	if (s != NULL && parse_int(s, 1, 7 * 24 * 60, &v) != FP_OK) {
		kannel_answer(resp, 400, "Invalid validity, rejected");
		goto fail;
	}
	r->job.msg.validity_s = s != NULL ? v * 60 : 0;
	r->job.to = r->numbers;
	r->job.sender = gw->sender;
	if (gw->sender != NULL)	/* none: every message queued */
		r->job.direct = calloc(r->job.n_to, sizeof(*r->job.direct));
	/* The answer after the commit (sendsms_finish frees r). */
	http_req_defer(req, sendsms_finish, r);
	writer_submit(gw->writer, sendsms_job_run, &r->job, http_req_resume,
	    req);
	return;
fail:
	sendsms_req_free(r);
}
