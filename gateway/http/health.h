/*
 * health.h: GET /healthz: liveness and database reachability.
 */
#ifndef FP_HEALTH_H
#define FP_HEALTH_H

struct gw;
struct http_req;
struct http_resp;

/* 200 {"status":"ok",...} or 503 when the database does not answer. */
void health_handle(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

#endif
