/*
 * metrics.h: the request counters behind /metrics (metrics_http.c
 * writes the page): answered requests by route and status.
 */
#ifndef FP_METRICS_H
#define FP_METRICS_H

#include <stdint.h>

struct metrics;

/* NULL when out of memory.  metrics_free(NULL) is a no-op. */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* Count one answered request.  `route` is a static route label. */
void metrics_count_request(struct metrics *m, const char *route,
    int status);

/* The count for (route, status); for tests. */
uint64_t metrics_requests(struct metrics *m, const char *route, int status);

/* Call fn for every (route, status) counted, under the counters' lock. */
void metrics_each_request(struct metrics *m, void (*fn)(const char *route,
    int status, uint64_t n, void *arg), void *arg);

#endif
