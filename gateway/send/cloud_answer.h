/*
 * cloud_answer.h: what the clouds' SendSms answers mean for a message
 * (SPEC 4, 11): each documented error code sorted into "try again
 * later" (flow control, quota, the cloud's own trouble, a credential or
 * clock the operator can fix) and "this message will never go" (the
 * number, the template, its parameters, the signature), and the reason
 * kept with a failed or retried message, and the JSON reading both
 * answers share.  Pure; used by provider_aliyun.c and provider_tencent.c,
 * tested alone.
 */
#ifndef FP_CLOUD_ANSWER_H
#define FP_CLOUD_ANSWER_H

#include <json-c/json.h>
#include <stddef.h>

#include "provider.h"

/*
 * Alibaba Cloud SendSms's Code (help.aliyun.com document_detail/101346,
 * "API错误码") with the HTTP status it came with: "OK" accepted;
 * isv.BUSINESS_LIMIT_CONTROL, isv.DAY_LIMIT_CONTROL,
 * isv.MONTH_LIMIT_CONTROL, isv.AMOUNT_NOT_ENOUGH, isv.OUT_OF_SERVICE,
 * isv.ACCOUNT_ABNORMAL, isp.*, Throttling*, ServiceUnavailable,
 * InternalError, SignatureNonceUsed, InvalidTimeStamp.*,
 * SignatureDoesNotMatch, IncompleteSignature, InvalidAccessKeyId.*,
 * isp.RAM_PERMISSION_DENY retried; any other isv.*, Missing*,
 * Invalid*Parameter* refused; an unknown code by the HTTP status.
 */
enum provider_outcome aliyun_classify(const char *code, long http_status);

/*
 * Tencent Cloud SendSms's Code, of the whole request (Response.Error)
 * or of one number (SendStatusSet[].Code) (cloud.tencent.com document
 * api/382/55981 and 382/59177): "Ok" accepted; LimitExceeded.*,
 * RequestLimitExceeded*, InternalError*, AuthFailure.*,
 * UnauthorizedOperation.*, ResourceInsufficient*, ResourceUnavailable*,
 * FailedOperation.InsufficientBalanceInSmsPackage retried;
 * InvalidParameterValue.*, InvalidParameter*, MissingParameter*,
 * FailedOperation.*, UnsupportedOperation.* refused; unknown retried.
 */
enum provider_outcome tencent_classify(const char *code);

/*
 * "<cloud> <code>: <message>" into out[len]: control characters,
 * quotes and backslashes replaced by '?', cut on a UTF-8 boundary, so
 * the reason is safe in a log line and a JSON string.
 */
void cloud_reason(char *out, size_t len, const char *cloud, const char *code,
    const char *msg);

/*
 * The answer body[0..len) as a JSON object read with tok (reset first),
 * or NULL: empty, 64 KiB or more, not JSON, not an object.  The caller
 * puts it.
 */
struct json_object *cloud_answer_json(struct json_tokener *tok,
    const char *body, size_t len);

/* o's string member key (borrowed), or NULL: no o, no key, not a string. */
const char *cloud_answer_str(struct json_object *o, const char *key);

/*
 * An answer that is not the cloud's JSON (a proxy's page, a cut
 * answer): refused when the HTTP status says so, else retried.
 */
void cloud_answer_unknown(struct provider_result *res, long status,
    const char *body, size_t len);

/* Accepted with the provider's id (copied); retried when out of memory. */
void cloud_answer_accept(struct provider_result *res, const char *id);

#endif
