/*
 * api_phone.c: POST /api/v1/console/phone (see api_console.h): the phone
 * on the console's "Menus and texts" page, the USSD menu in a sandbox
 * (console_phone.h says what the sandbox does and does not) for a clerk
 * wherever the browser is, instead of POST /ussd (loopback or signed
 * only: an operator's webhook, not a person's).
 *
 *   - who: admin and office, by session (with its X-CSRF-Token) or
 *     bearer token; a viewer 403;
 *   - as whom: console.phone_msisdn, always; a body naming a number
 *     (msisdn, phoneNumber, phone, from, to) is a 400, whatever it holds;
 *   - how often: console.phone_per_minute steps a minute per session (a
 *     bearer token: per token), a token bucket; over it 429 with
 *     Retry-After;
 *   - on what: this worker's database connection made read-only for the
 *     run (PRAGMA query_only) inside a transaction rolled back after it:
 *     a write by mistake fails, it never happens.
 * The engine is the USSD part's, which the API may not use: gw->phone,
 * set by gateway/main.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_common.h"
#include "api_console.h"
#include "gateway.h"
#include "gsm.h"
#include "http_auth.h"
#include "http_error.h"
#include "http_server.h"
#include "log.h"

#define PHONE_TEXT_MAX	2048	/* bytes, as POST /ussd takes */
#define PHONE_KEYS	512	/* callers whose bucket is kept */
#define PHONE_KEY_MAX	72	/* "session:<64 hex>", "token:<name>" */
#define MINUTE_US	60000000LL

static struct log_limit req_lines = LOG_LIMIT_INIT("console.phone",
    LOG_PER_S);

/*
 * Token buckets, one per caller: a token is MINUTE_US units; a bucket
 * gains per_minute units a microsecond, up to per_minute tokens.  The
 * callers least recently seen make room for new ones (a forgotten one
 * starts full again: at most one minute's worth more for an evicted
 * caller, which needs PHONE_KEYS others in between).
 */
static struct bucket {
	char	 key[PHONE_KEY_MAX];
	int64_t	 units;
	int64_t	 last_us;
} buckets[PHONE_KEYS];
static pthread_mutex_t buckets_lock = PTHREAD_MUTEX_INITIALIZER;

/* Take a step for key at now_us; false with *wait_s when over. */
static bool
take_step(const char *key, int per_minute, int64_t now_us, int *wait_s)
{
	struct bucket *b = NULL, *oldest = &buckets[0];
	int64_t cap = (int64_t)per_minute * MINUTE_US, grown;
	bool ok;
	size_t i;

	pthread_mutex_lock(&buckets_lock);
	for (i = 0; i < PHONE_KEYS && b == NULL; i++) {
		if (strcmp(buckets[i].key, key) == 0)
			b = &buckets[i];
		else if (buckets[i].last_us < oldest->last_us)
			oldest = &buckets[i];
	}
	if (b == NULL) {
		b = oldest;
		snprintf(b->key, sizeof(b->key), "%s", key);
		b->units = cap;
		b->last_us = now_us;
	}
	if (now_us > b->last_us) {
		grown = (now_us - b->last_us) * per_minute;
		b->units = grown > cap - b->units ? cap : b->units + grown;
	}
	b->last_us = now_us > b->last_us ? now_us : b->last_us;
	ok = b->units >= MINUTE_US;
	if (ok)
		b->units -= MINUTE_US;
	else
		*wait_s = (int)((MINUTE_US - b->units) / per_minute / 1000000) +
		    1;
	pthread_mutex_unlock(&buckets_lock);
	return ok;
}

static int64_t
monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Per session for the console, per token for a bearer token. */
static void
caller_key(const struct http_req *req, const struct cfg_token *t,
    char key[PHONE_KEY_MAX])
{
	static const char hexd[] = "0123456789abcdef";
	size_t i, n;

	if (req->user == NULL) {
		snprintf(key, PHONE_KEY_MAX, "token:%.60s", t->name);
		return;
	}
	n = (size_t)snprintf(key, PHONE_KEY_MAX, "session:");
	for (i = 0; i < sizeof(req->user->session.token_hash) &&
	    n + 2 < PHONE_KEY_MAX; i++) {
		key[n++] = hexd[req->user->session.token_hash[i] >> 4];
		key[n++] = hexd[req->user->session.token_hash[i] & 15];
	}
	key[n] = '\0';
}

/* The fields of the body; false with a 400 set. */
static bool
read_body(struct json_object *body, struct http_resp *resp,
    const char **text, const char **lang)
{
	static const char *const numbers[] = { "msisdn", "phoneNumber",
	    "phone", "from", "to" };
	struct gsm_count gc;
	size_t i;

	*text = "";
	*lang = NULL;
	json_object_object_foreach(body, key, val) {
		for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
			if (strcmp(key, numbers[i]) == 0) {
				api_field_error(resp, key, "the console's phone "
				    "calls from console.phone_msisdn only, never "
				    "as another number");
				return false;
			}
		if (strcmp(key, "text") == 0) {
			if (!json_object_is_type(val, json_type_string)) {
				api_field_error(resp, key, "must be a string");
				return false;
			}
			*text = json_object_get_string(val);
		} else if (strcmp(key, "lang") == 0) {
			*lang = json_object_is_type(val, json_type_string) ?
			    json_object_get_string(val) : "";
			if (strcmp(*lang, "zh") != 0 && strcmp(*lang, "ii") !=
			    0 && strcmp(*lang, "bo") != 0 &&
			    strcmp(*lang, "en") != 0) {
				api_field_error(resp, key, "must be zh, ii, bo "
				    "or en");
				return false;
			}
		} else {
			api_unknown_field(resp, key, "text, lang");
			return false;
		}
	}
	if (strlen(*text) > PHONE_TEXT_MAX) {
		api_field_error(resp, "text", "is longer than 2048 bytes");
		return false;
	}
	if (gsm_count(*text, strlen(*text), &gc) != FP_OK) {
		api_field_error(resp, "text", "is not UTF-8");
		return false;
	}
	return true;
}

static const struct http_errmap run_errors = {
	.fail = HTTP_FAIL_5XX,
	.fail_code = "store_error",
	.fail_message = "the menu could not be run; retry",
};

/* The sandbox on this thread's connection, read-only for the run. */
static enum fp_err
run(struct gw *gw, const struct console_phone_request *rq,
    struct console_phone_reply *rep)
{
	struct svc_ctx ctx = gw_svc_ctx(gw);
	struct store *st = NULL;
	enum fp_err err, undo;

	err = gw_store(gw, &st);
	if (err != FP_OK)
		return err;
	err = store_exec(st, "PRAGMA query_only = 1");
	if (err != FP_OK)
		return err;
	err = store_exec(st, "BEGIN");
	if (err == FP_OK) {
		err = gw->phone(st, &ctx, rq, (int64_t)time(NULL), rep);
		store_rollback(st);
	}
	undo = store_exec(st, "PRAGMA query_only = 0");
	if (undo != FP_OK)
		log_error("console.phone error=\"the connection stays "
		    "read-only: %s\"", fp_strerror(undo));
	return err;
}

static struct json_object *
skipped_json(const char *s)
{
	struct json_object *a = json_object_new_array();
	char buf[CONSOLE_PHONE_SKIPPED_MAX], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (p = strtok_r(buf, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save))
		json_object_array_add(a, json_object_new_string(p));
	return a;
}

void
api_console_phone(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, true);
	struct console_phone_request rq;
	struct console_phone_reply rep;
	struct json_object *body, *o;
	char key[PHONE_KEY_MAX], retry[16];
	int wait_s = 60;
	enum fp_err err;

	if (t == NULL)
		return;
	if (req->raw_query != NULL && *req->raw_query != '\0') {
		http_resp_error(resp, 400, "invalid_parameter", "query: this "
		    "route takes its fields in the JSON body");
		return;
	}
	caller_key(req, t, key);
	if (!take_step(key, gw->cfg->console.phone_per_minute, monotonic_us(),
	    &wait_s)) {
		snprintf(retry, sizeof(retry), "%d", wait_s);
		http_resp_header(resp, "Retry-After", retry);
		http_resp_error(resp, 429, "rate_limited", "the console's phone "
		    "takes console.phone_per_minute steps a minute per session");
		return;
	}
	if (gw->phone == NULL) {
		http_resp_error(resp, 503, "no_menu", "the gateway runs no menu");
		return;
	}
	body = api_body(req, resp);
	if (body == NULL)
		return;
	memset(&rq, 0, sizeof(rq));
	rq.msisdn = gw->cfg->console.phone_msisdn;
	if (!read_body(body, resp, &rq.text, &rq.lang)) {
		json_object_put(body);
		return;
	}
	err = run(gw, &rq, &rep);
	json_object_put(body);
	if (err == FP_EREJECT) {
		log_warnx("console.phone refused=registered reason=\"console."
		    "phone_msisdn belongs to a household member or cadre\"");
		http_resp_error(resp, 503, "phone_number_registered", "console."
		    "phone_msisdn belongs to a household member or cadre: the "
		    "sandbox never speaks as a real person; configure another");
		return;
	}
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &run_errors);
		return;
	}
	if (log_allow(&req_lines))
		log_info("console.phone token=%s screen=%s end=%d skipped=%s",
		    t->name, rep.screen_id, rep.end, *rep.skipped != '\0' ?
		    rep.skipped : "-");
	o = json_object_new_object();
	json_object_object_add(o, "screen", json_object_new_string(
	    rep.screen));
	json_object_object_add(o, "end", json_object_new_boolean(rep.end));
	json_object_object_add(o, "screen_id", json_object_new_string(
	    rep.screen_id));
	json_object_object_add(o, "lang", json_object_new_string(rep.lang));
	json_object_object_add(o, "skipped", skipped_json(rep.skipped));
	json_object_object_add(o, "sandbox", json_object_new_boolean(true));
	free(rep.screen);
	api_json(resp, 200, o);
}
