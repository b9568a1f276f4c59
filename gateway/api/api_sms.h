/*
 * api_sms.h: POST /api/v1/sms and GET /api/v1/messages/{id} (SPEC 3.5),
 * with bearer tokens, roles and area scope.
 */
#ifndef FP_API_SMS_H
#define FP_API_SMS_H

struct gw;
struct http_req;
struct http_resp;

void api_sms_send(struct gw *gw, struct http_req *req,
    struct http_resp *resp);
void api_messages_get(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

#endif
