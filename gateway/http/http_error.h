/*
 * http_error.h: the one mapping of enum fp_err to an HTTP error answer,
 * {"error":"<code>","message":"<text>"} (or a status and a text for
 * Kannel's plain answers).
 *
 * Each endpoint declares, in a struct http_errmap, which errors are its
 * client's doing (with the message for each) and how it answers the
 * rest; the statuses and codes come from one table (http_error.c):
 *
 *   error          the client's            the server's (HTTP_FAIL_5XX)
 *   FP_EINVAL      400 invalid_request     500
 *   FP_ENOTFOUND   404 not_found           500
 *   FP_EREJECT     403 forbidden           502
 *   FP_EBUSY       409 conflict            503
 *   any other      -                       500
 *
 * Answers that name what a handler itself checked (a parameter, the
 * body's syntax, a template variable) stay with the handler.
 */
#ifndef FP_HTTP_ERROR_H
#define FP_HTTP_ERROR_H

#include "err.h"

struct http_resp;

/* The status of an error that is not the client's. */
enum http_fail {
	HTTP_FAIL_5XX,	/* the table's: 503 busy, 502 refused, else 500 */
	HTTP_FAIL_500,	/* always 500 */
	HTTP_FAIL_503,	/* always 503: a webhook or Kannel retries */
};

struct http_errmap {
	/* The client's errors: the message to answer with; NULL when that
	 * error is the server's like any other. */
	const char	*invalid;	/* FP_EINVAL */
	const char	*not_found;	/* FP_ENOTFOUND */
	const char	*rejected;	/* FP_EREJECT */
	const char	*conflict;	/* FP_EBUSY */
	/* Every other error. */
	enum http_fail	 fail;
	const char	*fail_code;
	const char	*fail_message;
};

/* What `err` is answered with under `map`. */
struct http_err_answer {
	int		 status;
	const char	*code;
	const char	*message;
};

void http_err_answer(enum fp_err err, const struct http_errmap *map,
    struct http_err_answer *out);

/* The JSON error answer of `err` under `map` (http_resp_error). */
void http_resp_fp_error(struct http_resp *resp, enum fp_err err,
    const struct http_errmap *map);

#endif
