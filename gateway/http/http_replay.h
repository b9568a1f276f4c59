/*
 * http_replay.h: the answers to signed webhook requests, kept while
 * their signature could still be accepted (SPEC 3.1: a request whose
 * signature was already accepted is answered as the first was and
 * changes nothing).  In memory, thread-safe, bounded: at most
 * HTTP_REPLAY_MAX answers; when full, the oldest goes first.
 */
#ifndef FP_HTTP_REPLAY_H
#define FP_HTTP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define HTTP_REPLAY_MAX		65536
#define HTTP_REPLAY_BODY_MAX	4096	/* longer answers are not kept */

struct http_replay;

struct http_replay *http_replay_new(void);
void http_replay_free(struct http_replay *r);

/*
 * Claim `sig` (accepted at `now`, good until `until`): true when it is
 * new (the caller goes on and later calls http_replay_answer); false
 * when it was seen: *status, *content_type and *body (malloc'd copy, or
 * NULL while the first request is still being answered: then *status
 * is 409) are what the first request got.
 */
bool http_replay_claim(struct http_replay *r, const uint8_t sig[SHA256_LEN],
    int64_t now, int64_t until, int *status, const char **content_type,
    char **body, size_t *body_len);

/* Forget a claimed signature whose request failed (5xx): its retry
 * with the same signature is then taken as new. */
void http_replay_forget(struct http_replay *r,
    const uint8_t sig[SHA256_LEN]);

/* Record the answer given to a claimed signature. */
void http_replay_answer(struct http_replay *r, const uint8_t sig[SHA256_LEN],
    int status, const char *content_type, const char *body, size_t len);

#endif
