/*
 * provider.h: the interface every SMS provider implements (SPEC section
 * 4), a struct of function pointers in the manner of OpenSMTPD's
 * queue_backend, so the sender treats providers alike.  Two kinds:
 *
 *   synchronous (file, cmpp): send_batch handles a whole batch at once
 *   (cmpp pipelines it through its link's window and returns once every
 *   message has its outcome; its own thread keeps the connection and
 *   hands what the peer delivers to link_inbound.h).
 *   HTTP (kannel, http_json, aliyun, tencent): build describes the
 *   request for one message, the sender runs it on its own libcurl
 *   multi handle (keep-alive, connection limit, timeout), and parse
 *   classifies the answer.
 *   Transport failures (timeout, refused, reset) never reach parse: the
 *   sender makes them PROVIDER_RETRY itself.
 *
 * A provider context belongs to one sender thread.  Providers do not
 * touch the database and do not log numbers; the sender logs outcomes.
 */
#ifndef FP_PROVIDER_H
#define FP_PROVIDER_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "cfg.h"
#include "err.h"
#include "outbox.h"

#define PROVIDER_ERROR_MAX	160

enum provider_outcome {
	PROVIDER_ACCEPTED,	/* 2xx: the message is "sent" */
	PROVIDER_RETRY,		/* 408, 429, 5xx, timeout, connection,
				 * garbage: back off and try again */
	PROVIDER_REJECTED,	/* other 4xx: "failed" at once */
};

/* The outcome of one message.  Zeroed by the sender before use. */
struct provider_result {
	enum provider_outcome outcome;
	char	*msgid;		/* ACCEPTED: the provider's message id,
				 * heap, owned by the result (the sender
				 * frees it); NULL when it has none */
	bool	 is_delivered;	/* ACCEPTED: delivered too (the file
				 * provider's synthesised report) */
	char	 error[PROVIDER_ERROR_MAX];	/* RETRY, REJECTED: why */
};

/* One HTTP request, built by a provider for one message. */
struct provider_request {
	char	*url;		/* heap, owned by the request */
	char	*body;		/* heap, owned; NULL for a GET */
	size_t	 body_len;
	struct curl_slist *headers;	/* borrowed from the provider's
					 * context, or own_headers; may
					 * be NULL */
	struct curl_slist *own_headers;	/* owned: a request's own
					 * (a signature's), or NULL */
};

struct provider_ops {
	const char	*type;	/* "file", "kannel", "http_json" */
	bool		 is_http;

	/*
	 * Make a context for provider `p` (borrowed; outlives the
	 * context) of configuration `cfg`.  FP_EIO: cannot open the output
	 * (file; logged here with the path), FP_ENOMEM.
	 */
	enum fp_err	(*open)(const struct cfg *cfg,
			    const struct cfg_provider *p, void **ctx);
	void		(*close)(void *ctx);

	/* Synchronous providers: results[i] for items[i], i < n. */
	void		(*send_batch)(void *ctx,
			    const struct outbox_item *items, size_t n,
			    struct provider_result *results);
	/*
	 * Optional (NULL: none), for a send_batch that waits on a link
	 * (cmpp): make one in progress on another thread return soon, its
	 * unfinished messages PROVIDER_RETRY, and any later one at once.
	 * For the sender's stop, before it joins the I/O thread.
	 * Thread-safe; the context stays valid until close.
	 */
	void		(*interrupt)(void *ctx);

	/*
	 * HTTP providers: describe the request for `it`; the caller owns
	 * *req afterwards (provider_request_cleanup).  FP_ENOMEM.
	 */
	enum fp_err	(*build)(void *ctx, const struct outbox_item *it,
			    struct provider_request *req);
	/* Classify an answer with HTTP status `status` and its body
	 * (body[len] is a NUL, so text functions may read it). */
	void		(*parse)(void *ctx, const struct outbox_item *it,
			    long status, const char *body, size_t len,
			    struct provider_result *res);
};

extern const struct provider_ops provider_file_ops;
extern const struct provider_ops provider_kannel_ops;
extern const struct provider_ops provider_http_json_ops;
extern const struct provider_ops provider_smpp_ops;	/* SPEC 11 */
extern const struct provider_ops provider_cmpp_ops;	/* SPEC 11 */
extern const struct provider_ops provider_aliyun_ops;	/* SPEC 11 */
extern const struct provider_ops provider_tencent_ops;	/* SPEC 11 */

static inline void
provider_request_cleanup(struct provider_request *req)
{
	free(req->url);
	free(req->body);
	curl_slist_free_all(req->own_headers);
	req->url = NULL;
	req->body = NULL;
	req->own_headers = NULL;
}

/*
 * SPEC 4: 2xx accepted; 408 and 429 (the peer asks us to slow down),
 * 5xx and anything else unexpected are transient; other 4xx permanent.
 */
static inline enum provider_outcome
provider_classify_http(long status)
{
	if (status >= 200 && status < 300)
		return PROVIDER_ACCEPTED;
	if (status >= 400 && status < 500 && status != 408 && status != 429)
		return PROVIDER_REJECTED;
	return PROVIDER_RETRY;
}

/*
 * Set res->outcome and res->error to "http <status>: <start of body>",
 * the body cut at its first line and reduced to printable ASCII without
 * quotes, so it is safe in a log line and a JSON string.
 */
static inline void
provider_http_error(struct provider_result *res, enum provider_outcome o,
    long status, const char *body, size_t len)
{
	size_t n, i, o2;

	res->outcome = o;
	n = (size_t)snprintf(res->error, sizeof(res->error), "http %ld",
	    status);
	if (n >= sizeof(res->error) || body == NULL || len == 0)
		return;
	o2 = n;
	for (i = 0; i < len && o2 + 3 < sizeof(res->error) - 1; i++) {
		unsigned char c = (unsigned char)body[i];

		if (c == '\r' || c == '\n')
			break;
		if (o2 == n) {
			res->error[o2++] = ':';
			res->error[o2++] = ' ';
		}
		res->error[o2++] = (c >= 0x20 && c < 0x7f && c != '"' &&
		    c != '\\') ? (char)c : '?';
	}
	res->error[o2] = '\0';
}

#endif
