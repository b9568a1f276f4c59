/*
 * dlr_http.h: the delivery-report endpoints (SPEC 3.4), GET /dlr/kannel
 * and POST /dlr: parse, check, and hand the report to dlr.c.
 */
#ifndef FP_DLR_HTTP_H
#define FP_DLR_HTTP_H

/* HTTP: GET /dlr/kannel and POST /dlr. */
struct gw;
struct http_req;
struct http_resp;
void dlr_handle_kannel(struct gw *gw, struct http_req *req,
    struct http_resp *resp);
void dlr_handle_generic(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

#endif
