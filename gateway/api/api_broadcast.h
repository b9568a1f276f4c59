/*
 * api_broadcast.h: the admin API's broadcasts, alerts and feedback
 * (SPEC 3.5): POST|GET /api/v1/broadcasts, GET /api/v1/broadcasts/{id},
 * POST /api/v1/broadcasts/{id}/cancel, POST /api/v1/alerts
 * (api_alert.c), GET /api/v1/feedback, GET /api/v1/feedback/{ticket},
 * POST /api/v1/feedback/{ticket}/close (api_feedback.c).  Roles and
 * area scope on every route; every change audited.
 */
#ifndef FP_API_BROADCAST_H
#define FP_API_BROADCAST_H

struct gw;
struct http_req;
struct http_resp;

void api_broadcasts(struct gw *gw, struct http_req *req,
    struct http_resp *resp);
void api_broadcast_item(struct gw *gw, struct http_req *req,
    struct http_resp *resp);
void api_alerts(struct gw *gw, struct http_req *req, struct http_resp *resp);
void api_feedback(struct gw *gw, struct http_req *req, struct http_resp *resp);
/* GET /api/v1/feedback/{ticket}, POST /api/v1/feedback/{ticket}/close. */
void api_feedback_item(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

#endif
