/*
 * dlr_cloud.h: the clouds' delivery-report callbacks (SPEC 3.4, 11):
 *
 *   POST /dlr/aliyun   Alibaba Cloud SmsReport, HTTP batch push: a JSON
 *                      array of {"phone_number","send_time","report_time",
 *                      "success","err_code","err_msg","sms_size","biz_id",
 *                      "out_id"}; answered {"code":0,"msg":"成功"}.
 *   POST /dlr/tencent  Tencent Cloud's status callback: a JSON array of
 *                      {"user_receive_time","nationcode","mobile",
 *                      "report_status":"SUCCESS"|"FAIL","errmsg",
 *                      "description","sid"}; answered
 *                      {"result":0,"errmsg":"OK"}.
 *
 * Neither cloud signs its callbacks, so each is authenticated as far as
 * it can be: the route's own auth (sms.routes path "/dlr/aliyun" or
 * "/dlr/tencent", usually auth = "token" with the token in the callback
 * URL configured at the cloud; loopback-only without an entry), a body
 * read strictly (a malformed element refuses the whole request, nothing
 * changed; at most DLR_CLOUD_MAX reports; http.max_body), and each
 * report must name a message of a provider of that type by its id at
 * the cloud (BizId, SerialNo), to its number, and for Aliyun with our id
 * as OutId: anything else changes nothing (dlr_apply_provider).
 */
#ifndef FP_DLR_CLOUD_H
#define FP_DLR_CLOUD_H

#include <stddef.h>
#include <stdint.h>

#include "dlr.h"
#include "err.h"
#include "msisdn.h"

#define DLR_CLOUD_MAX		1000	/* reports in one request */
#define DLR_CLOUD_ID_MAX	129
#define DLR_CLOUD_DETAIL_MAX	200

/* One report of a push, checked. */
struct cloud_report {
	char		 msgid[DLR_CLOUD_ID_MAX];	/* biz_id, sid */
	char		 msisdn[MSISDN_MAX];		/* E.164 */
	int64_t		 out_id;	/* aliyun: our id; tencent: 0 */
	enum dlr_state	 state;
	char		 detail[DLR_CLOUD_DETAIL_MAX];	/* "aliyun <code>
							 * <msg>" */
};

/*
 * Parse a push body[0..len) into *out (malloc'd array, caller frees)
 * and *n.  FP_EINVAL with *why (static text): not a JSON array, more
 * than DLR_CLOUD_MAX elements, or an element that is not a report (a
 * field missing or of the wrong type, a number that is not one, an id
 * empty or too long, an unknown status); nothing is returned then.
 * FP_ENOMEM.
 */
enum fp_err dlr_cloud_parse_aliyun(const char *body, size_t len,
    struct cloud_report **out, size_t *n, const char **why);
enum fp_err dlr_cloud_parse_tencent(const char *body, size_t len,
    struct cloud_report **out, size_t *n, const char **why);

/* HTTP: POST /dlr/aliyun and POST /dlr/tencent. */
struct gw;
struct http_req;
struct http_resp;
void dlr_handle_aliyun(struct gw *gw, struct http_req *req,
    struct http_resp *resp);
void dlr_handle_tencent(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

#endif
