/*
 * api_common.c: shared admin API plumbing (see api_common.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_auth.h"
#include "api_common.h"
#include "http_auth.h"
#include "http_params.h"
#include "http_server.h"
#include "parse.h"
#include "strbuf.h"

const struct cfg_token *
api_token(struct gw *gw, struct http_req *req, struct http_resp *resp,
    bool write)
{
	const struct cfg_token *t = NULL;

	if (http_auth_bearer(gw, req, &t) != FP_OK) {
		http_resp_error(resp, 401, "unauthorized",
		    "a valid bearer token is required");
		resp->www_authenticate = "Bearer";
		return NULL;
	}
	if (write && !api_auth_can_write(t)) {
		http_resp_error(resp, 403, "forbidden",
		    "this token may only read");
		return NULL;
	}
	return t;
}

struct json_object *
api_body(struct http_req *req, struct http_resp *resp)
{
	struct json_object *o = NULL;
	const char *why = NULL;

	/* A NUL would cut a C string short, a key even in the parser. */
	if (json_has_nul(req->body, req->body_len)) {
		http_resp_error(resp, 400, "invalid_request", "a string holds "
		    "a NUL character (\\u0000)");
		return NULL;
	}
	if (http_params_json(req->body, req->body_len, &o, &why) != FP_OK) {
		http_resp_error(resp, 400, "invalid_json", why != NULL ? why :
		    "the body is not a JSON object");
		return NULL;
	}
	if (http_params_in_both(req, NULL, o)) {
		json_object_put(o);
		http_resp_error(resp, 400, "invalid_parameter", "a parameter "
		    "is given both in the query string and in the body");
		return NULL;
	}
	return o;
}

void
api_missing_variable(struct http_resp *resp, const char *name)
{
	char msg[160];

	if (name == NULL) {
		http_resp_error(resp, 400, "missing_variable",
		    "the message is invalid");
		return;
	}
	snprintf(msg, sizeof(msg), "template variable '%s' has no value",
	    name);
	http_resp_error(resp, 400, "missing_variable", msg);
}

void
api_too_long(struct http_resp *resp)
{
	http_resp_error(resp, 400, "too_long", "the message is longer than "
	    "sms.max_segments segments");
}

void
api_json(struct http_resp *resp, int status, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	http_resp_set(resp, status, "application/json", s, strlen(s));
	json_object_put(o);
}

bool
api_paging(struct http_req *req, struct http_resp *resp, int64_t *offset,
    int *limit)
{
	const char *o = http_req_arg(req, "offset");
	const char *l = http_req_arg(req, "limit");

	*offset = 0;
	*limit = 50;
	if ((o != NULL && parse_int64(o, 0, INT64_C(1) << 40, offset) !=
	    FP_OK) || (l != NULL && parse_int(l, 1, 500, limit) != FP_OK)) {
		http_resp_error(resp, 400, "invalid_parameter",
		    "offset must be >= 0 and limit 1 to 500");
		return false;
	}
	return true;
}
