/*
 * metrics_http.h: GET /metrics (Prometheus text format): requests by
 * route and status, gauges read from the database when scraped (database
 * size, queue depths, the event backlog), the senders' counters and
 * build information.
 */
#ifndef FP_METRICS_HTTP_H
#define FP_METRICS_HTTP_H

struct gw;
struct http_req;
struct http_resp;

/* No token on loopback; elsewhere an admin bearer token (SPEC 3.5). */
void metrics_http_handle(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

#endif
