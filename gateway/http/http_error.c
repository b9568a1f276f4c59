/*
 * http_error.c: enum fp_err to an HTTP error answer (see http_error.h).
 */
#include <stddef.h>

#include "http_error.h"
#include "http_server.h"

/* The one table: each error as the client's and as the server's. */
static const struct {
	enum fp_err	 err;
	int		 client_status;		/* 0: never the client's */
	const char	*client_code;
	int		 server_status;
} table[] = {
	{ FP_EINVAL,	400, "invalid_request",	500 },
	{ FP_ENOTFOUND,	404, "not_found",	500 },
	{ FP_EREJECT,	403, "forbidden",	502 },
	{ FP_EBUSY,	409, "conflict",	503 },
	{ FP_EDUP,	0, NULL,		500 },
	{ FP_ETOOBIG,	0, NULL,		500 },
	{ FP_ENOMEM,	0, NULL,		500 },
	{ FP_EIO,	0, NULL,		500 },
	{ FP_ECONFIG,	0, NULL,		500 },
};

/* The endpoint's message when it counts err as its client's. */
static const char *
client_message(enum fp_err err, const struct http_errmap *map)
{
	switch (err) {
	case FP_EINVAL:		return map->invalid;
	case FP_ENOTFOUND:	return map->not_found;
	case FP_EREJECT:	return map->rejected;
	case FP_EBUSY:		return map->conflict;
	default:		return NULL;
	}
}

void
http_err_answer(enum fp_err err, const struct http_errmap *map,
    struct http_err_answer *out)
{
	const char *message = client_message(err, map);
	int server_status = 500;
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].err != err)
			continue;
		if (message != NULL && table[i].client_status != 0) {
			out->status = table[i].client_status;
			out->code = table[i].client_code;
			out->message = message;
			return;
		}
		server_status = table[i].server_status;
		break;
	}
	out->status = map->fail == HTTP_FAIL_503 ? 503 :
	    map->fail == HTTP_FAIL_500 ? 500 : server_status;
	out->code = map->fail_code;
	out->message = map->fail_message;
}

void
http_resp_fp_error(struct http_resp *resp, enum fp_err err,
    const struct http_errmap *map)
{
	struct http_err_answer a;

	http_err_answer(err, map, &a);
	http_resp_error(resp, a.status, a.code, a.message);
}
