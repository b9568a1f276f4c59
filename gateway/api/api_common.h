/*
 * api_common.h: what every admin API handler does first and last
 * (SPEC 3.5): the bearer token with its role, the JSON body, a JSON
 * answer, and paging parameters.
 */
#ifndef FP_API_COMMON_H
#define FP_API_COMMON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

struct gw;
struct http_req;
struct http_resp;

/*
 * The request's caller: its bearer token, or the console session's user
 * as a token (http_auth_caller); NULL with the answer set (401 without
 * either, 403 when `write` and the caller may only read, 403 "csrf" for
 * a session's POST without its X-CSRF-Token).
 */
const struct cfg_token *api_token(struct gw *gw, struct http_req *req,
    struct http_resp *resp, bool write);

/*
 * The JSON object body; NULL with a 400 set.  Every 400 of these helpers
 * names the field that failed, "<field>: <reason>" (SPEC 3.5): a NUL
 * character's string, a parameter in both the query and the body,
 * offset, limit, vars, text or template.
 */
struct json_object *api_body(struct http_req *req, struct http_resp *resp);

/* 400 invalid_request "<name>: unknown field (<known>)". */
void api_unknown_field(struct http_resp *resp, const char *name,
    const char *known);

/* 400 invalid_request "<name>: <reason>". */
void api_field_error(struct http_resp *resp, const char *name,
    const char *reason);

/* 400 missing_variable: template variable `name` has no value (NULL:
 * "the message is invalid"). */
void api_missing_variable(struct http_resp *resp, const char *name);

/* 400 too_long: the message is longer than sms.max_segments (SPEC 4). */
void api_too_long(struct http_resp *resp);

/* Answer `status` with o (consumed). */
void api_json(struct http_resp *resp, int status, struct json_object *o);

/*
 * offset (>= 0, default 0) and limit (1-500, default 50) from the
 * query; false with a 400 set.
 */
bool api_paging(struct http_req *req, struct http_resp *resp,
    int64_t *offset, int *limit);

#endif
