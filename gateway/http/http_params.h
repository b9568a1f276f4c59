/*
 * http_params.h: one way to read a request's named parameters, wherever
 * the peer put them: the query string, a form-encoded body, or a JSON
 * object body (SPEC 3.1: Kannel uses the first two, Africa's Talking
 * style webhooks the last two).  Values may hold NUL bytes (UCS-2 text),
 * hence the lengths.
 */
#ifndef FP_HTTP_PARAMS_H
#define FP_HTTP_PARAMS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "form.h"

struct http_req;

struct http_params {
	struct http_req		*req;	/* borrowed */
	struct form		*form;	/* owned, or NULL */
	struct json_object	*json;	/* owned, or NULL */
	bool			 body_is_text;	/* text/plain: the body is data */
};

/*
 * Parse the body by its Content-Type.  FP_EINVAL: a form or JSON body
 * that does not parse (or JSON that is not an object, or nests deeper
 * than 8); *why then says what in English.
 */
enum fp_err http_params_init(struct http_params *p, struct http_req *req,
    const char **why);
void http_params_cleanup(struct http_params *p);

/*
 * The value of `name` from the query, else the form body, else the JSON
 * body (strings as they are, numbers as text); NULL when absent.
 * Borrowed until cleanup; *len (may be NULL) its length.
 */
const char *http_params_get(struct http_params *p, const char *name,
    size_t *len);

/*
 * A message text raw[0..len) as UTF-8 in a new string *out (caller
 * frees), its length in *out_len, read the way Kannel's peers send it:
 * converted from the request's `charset` when that is not UTF-8, from
 * UTF-16BE when there is no charset but coding=2 (UCS-2), else it must
 * already be valid UTF-8.  Only the charsets Kannel sends are taken
 * (any case): UTF-8, UTF-16BE, UCS-2(BE), ISO-8859-1, WINDOWS-1252,
 * GB18030, GBK, GB2312.
 * FP_EINVAL: another charset (*why "unsupported charset"), or bytes
 * invalid in it (*why says so).
 * FP_ENOMEM.
 */
enum fp_err http_params_text(struct http_params *p, const char *raw,
    size_t len, char **out, size_t *out_len, const char **why);

/* Whether a query-string parameter is also in the form or JSON body. */
bool http_params_in_both(struct http_req *req, const struct form *form,
    struct json_object *json);

/* Parse a JSON object body (for fuzzing and the admin API). */
enum fp_err http_params_json(const char *body, size_t len,
    struct json_object **out, const char **why);

#endif
