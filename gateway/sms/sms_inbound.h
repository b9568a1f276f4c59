/*
 * sms_inbound.h: the MO endpoints of SPEC 3.1.  GET|POST /sms/kannel
 * (Kannel sms-service get-url / post-url) and POST /sms/inbound (generic
 * webhook, form or JSON).  Each checks the route's auth, normalises the
 * sender and text, and hands the message to the writer; the answer goes
 * out only after the commit.
 */
#ifndef FP_SMS_INBOUND_H
#define FP_SMS_INBOUND_H

struct gw;
struct http_req;
struct http_resp;

void sms_inbound_kannel(struct gw *gw, struct http_req *req,
    struct http_resp *resp);
void sms_inbound_generic(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

#endif
