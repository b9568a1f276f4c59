/*
 * metrics.h: counters for /metrics (Prometheus text format): requests by
 * route and status, plus gauges read from the database when scraped
 * (database size, queue depths) and build information.
 */
#ifndef FP_METRICS_H
#define FP_METRICS_H

#include <stdint.h>

struct metrics;
struct gw;
struct http_req;
struct http_resp;

/* NULL when out of memory.  metrics_free(NULL) is a no-op. */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* Count one answered request.  `route` is a static route label. */
void metrics_count_request(struct metrics *m, const char *route,
    int status);

/* The count for (route, status); for tests. */
uint64_t metrics_requests(struct metrics *m, const char *route, int status);

/* GET /metrics */
void metrics_handle(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

#endif
