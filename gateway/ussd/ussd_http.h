/*
 * ussd_http.h: POST /ussd (SPEC 3.3), Africa's Talking convention: form
 * fields sessionId, serviceCode, phoneNumber, text (every input so far,
 * joined by '*'), networkCode; answer 200 text/plain "CON <screen>" or
 * "END <screen>", after the session's new state is committed.
 */
#ifndef FP_USSD_HTTP_H
#define FP_USSD_HTTP_H

struct gw;
struct http_req;
struct http_resp;

void ussd_http_handle(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

#endif
