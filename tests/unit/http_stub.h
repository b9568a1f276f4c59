/*
 * http_stub.h: a fake SMS provider for the unit tests: an HTTP server on
 * a free loopback port (libmicrohttpd, its own thread) that answers
 * every request the way the test says (a status and body, JSON with a
 * fresh message id, or never), and records each request so a test can
 * assert the exact parameters, body and headers it got.
 */
#ifndef FP_HTTP_STUB_H
#define FP_HTTP_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_stub;

/* Start on 127.0.0.1, a free port; NULL on failure.  Answers 202
 * "0: Accepted for delivery" until told otherwise. */
struct http_stub *http_stub_start(void);

/* Stop (answering any hanging request first) and free; NULL ok. */
void http_stub_stop(struct http_stub *s);

int http_stub_port(const struct http_stub *s);

/* Answer every request with `status` and `body` (copied). */
void http_stub_reply(struct http_stub *s, int status, const char *body);

/* Answer 200 {"<field>":"p<n>"} with n = 1, 2, ... per request. */
void http_stub_reply_ids(struct http_stub *s, const char *field);

/* Never answer (until stopped or told otherwise). */
void http_stub_hang(struct http_stub *s);

/* Keep only a count (benchmarks): no copies of requests. */
void http_stub_record(struct http_stub *s, bool on);

/* Requests received so far. */
size_t http_stub_count(struct http_stub *s);

/*
 * Request i (0-based, in order of arrival) as recorded; the returned
 * strings live until http_stub_stop.  NULL when absent.
 *   http_stub_arg: a query parameter, percent-decoded
 *   http_stub_header: a request header (case-insensitive name)
 */
const char *http_stub_method(struct http_stub *s, size_t i);
const char *http_stub_path(struct http_stub *s, size_t i);
const char *http_stub_body(struct http_stub *s, size_t i);
const char *http_stub_arg(struct http_stub *s, size_t i, const char *key);
const char *http_stub_header(struct http_stub *s, size_t i,
    const char *name);
/* CLOCK_MONOTONIC nanoseconds when request i arrived; -1 if none. */
int64_t http_stub_time_ns(struct http_stub *s, size_t i);

/* Wait until at least n requests arrived or timeout_ms passed. */
bool http_stub_wait(struct http_stub *s, size_t n, int timeout_ms);

#endif
