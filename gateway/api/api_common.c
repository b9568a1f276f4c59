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
	enum fp_err err;

	err = http_auth_caller(gw, req, (int64_t)time(NULL), &t);
	if (err == FP_EREJECT) {
		/* SPEC 10: signed in by the cookie, no CSRF header. */
		http_resp_error(resp, 403, "csrf", "a request that changes "
		    "data with the console's session needs its X-CSRF-Token "
		    "header (GET /api/v1/session gives it)");
		return NULL;
	}
	if (err != FP_OK) {
		http_resp_error(resp, 401, "unauthorized",
		    "a valid bearer token or console session is required");
		resp->www_authenticate = "Bearer";
		return NULL;
	}
	if (write && !api_auth_can_write(t)) {
		http_resp_error(resp, 403, "forbidden", t == NULL ||
		    strncmp(t->name, "user:", 5) != 0 ? "this token may only "
		    "read" : "this user may only read");
		return NULL;
	}
	return t;
}

/* The path of the first string under o that holds a NUL, into path. */
static bool
nul_path(struct json_object *o, char *path, size_t size)
{
	size_t i, n, len = strlen(path);

	switch (json_object_get_type(o)) {
	case json_type_string:
		return strlen(json_object_get_string(o)) !=
		    (size_t)json_object_get_string_len(o);
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			snprintf(path + len, size - len, "[%zu]", i);
			if (nul_path(json_object_array_get_idx(o, i), path,
			    size))
				return true;
		}
		break;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			snprintf(path + len, size - len, "%s%s", len > 0 ? "." :
			    "", key);
			if (nul_path(val, path, size))
				return true;
		}
		break;
	}
	default:
		break;
	}
	path[len] = '\0';
	return false;
}

/* 400 "<field>: <reason>" (SPEC 3.5: every 400 names the field). */
static void
field_error(struct http_resp *resp, const char *code, const char *field,
    const char *reason)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%.64s: %s", field, reason);
	http_resp_error(resp, 400, code, msg);
}

/* A NUL in the body: named by the string's path when the body parses
 * (not a raw NUL; nor one in a key, which cuts the key). */
static void
nul_error(struct http_req *req, struct http_resp *resp)
{
	struct json_object *o = NULL;
	const char *why = NULL;
	char path[128] = "";

	if (http_params_json(req->body, req->body_len, &o, &why) == FP_OK &&
	    nul_path(o, path, sizeof(path)))
		field_error(resp, "invalid_request", path, "holds a NUL "
		    "character (\\u0000)");
	else
		http_resp_error(resp, 400, "invalid_request", "body: a field "
		    "name or the text holds a NUL character (\\u0000)");
	json_object_put(o);
}

struct json_object *
api_body(struct http_req *req, struct http_resp *resp)
{
	struct json_object *o = NULL;
	const char *why = NULL;

	/* A NUL would cut a C string short, a key even in the parser. */
	if (json_has_nul(req->body, req->body_len)) {
		nul_error(req, resp);
		return NULL;
	}
	if (http_params_json(req->body, req->body_len, &o, &why) != FP_OK) {
		http_resp_error(resp, 400, "invalid_json", why != NULL ? why :
		    "body: not a JSON object");
		return NULL;
	}
	if (http_params_in_both(req, NULL, o)) {
		const char *name = "a parameter";

		json_object_object_foreach(o, key, val) {
			(void)val;
			if (http_req_arg(req, key) != NULL) {
				name = key;
				break;
			}
		}
		field_error(resp, "invalid_parameter", name, "given both in "
		    "the query string and in the body");
		json_object_put(o);
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
		    "template: the message could not be made from it");
		return;
	}
	snprintf(msg, sizeof(msg), "vars: template variable '%.64s' has no "
	    "value", name);
	http_resp_error(resp, 400, "missing_variable", msg);
}

void
api_too_long(struct http_resp *resp)
{
	http_resp_error(resp, 400, "too_long", "text or template: the message "
	    "is longer than sms.max_segments segments");
}

void
api_unknown_field(struct http_resp *resp, const char *name,
    const char *known)
{
	char reason[160];

	snprintf(reason, sizeof(reason), "unknown field (%s)", known);
	field_error(resp, "invalid_request", name, reason);
}

void
api_field_error(struct http_resp *resp, const char *name, const char *reason)
{
	field_error(resp, "invalid_request", name, reason);
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
	if (o != NULL && parse_int64(o, 0, INT64_C(1) << 40, offset) !=
	    FP_OK) {
		field_error(resp, "invalid_parameter", "offset", "must be a "
		    "whole number, 0 or more");
		return false;
	}
	if (l != NULL && parse_int(l, 1, 500, limit) != FP_OK) {
		field_error(resp, "invalid_parameter", "limit", "must be a "
		    "whole number from 1 to 500");
		return false;
	}
	return true;
}
