/*
 * api_cache.h: whole answers of read routes kept for a moment (SPEC 10's
 * overview and region tree): what twenty clerks reloading the same page
 * ask within a second is computed once.  Only for answers that hold no
 * number and may be API_CACHE_TTL_MS old: the overview's counts are
 * rolled up every 2 s anyway, and households per area each minute.
 * Keys name the route and everything the answer depends on (the area
 * after the caller's scope, the parameters).  Thread-safe.
 */
#ifndef FP_API_CACHE_H
#define FP_API_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_CACHE_TTL_MS	1000
#define API_CACHE_ENTRIES	64
#define API_CACHE_KEY_MAX	160	/* longer keys are not cached */

/*
 * A copy of the answer kept under `key` that is not older than
 * API_CACHE_TTL_MS at now_ms (a monotonic clock): *body (the caller
 * frees it) and *len.  False when there is none (or no memory).
 */
bool api_cache_get(const char *key, int64_t now_ms, char **body,
    size_t *len);

/* Keep a copy of body[0..len) under key, made at now_ms. */
void api_cache_put(const char *key, int64_t now_ms, const char *body,
    size_t len);

/* The monotonic clock of the entry points, in ms. */
int64_t api_cache_now_ms(void);

#endif
