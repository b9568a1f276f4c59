/*
 * sendsms.h: GET|POST /cgi-bin/sendsms, Kannel's sendsms interface (SPEC
 * 3.3a), so programs written for Kannel send through the gateway
 * unchanged: username/password are an API token's name and token,
 * answers are Kannel's ("0: Accepted for delivery", "Authorization
 * failed", 400 with the reason).
 */
#ifndef FP_SENDSMS_H
#define FP_SENDSMS_H

#include <stddef.h>

#include "err.h"
#include "msisdn.h"

struct gw;
struct http_req;
struct http_resp;

#define SENDSMS_MAX_TO 100

/*
 * Split Kannel's `to` (numbers separated by spaces or '+') and
 * normalise each to E.164 in out[] (SENDSMS_MAX_TO entries); *n how
 * many.  FP_EINVAL: none (bad[] is ""), more than SENDSMS_MAX_TO, or one
 * is not a valid number (that piece is copied to bad[] for the answer).
 */
enum fp_err sendsms_split_to(const char *to, char out[][MSISDN_MAX],
    size_t *n, char *bad, size_t bad_len);

void sendsms_handle(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

#endif
