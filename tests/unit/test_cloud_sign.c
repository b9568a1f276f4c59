/*
 * test_cloud_sign.c: the aliyun and tencent providers without the
 * network (SPEC 11, issue 16).  The request signatures against the
 * worked examples of the clouds' own documentation:
 *
 *   Alibaba Cloud, "签名机制" (help.aliyun.com document_detail/101343):
 *   AccessKeyId testId, secret testSecret, SendSms to 15300000001 with
 *   SignName 阿里云短信测试专用, TemplateCode SMS_71390007, TemplateParam
 *   {"customer":"test"}, OutId 123, SignatureNonce
 *   45e25e9b-0a6f-4070-8c85-2956eda1b466, Timestamp 2017-07-12T02:42:19Z,
 *   Format XML, RegionId cn-hangzhou: Signature
 *   zJDF+Lrzhj/ThnlvIToysFRq6t4= (GET).
 *
 *   Tencent Cloud, "签名方法 v3" (cloud.tencent.com document api/382/
 *   52071, the CVM example): SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE,
 *   POST to cvm.tencentcloudapi.com with content-type
 *   "application/json; charset=utf-8" and the payload {"Limit": 1,
 *   "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name":
 *   "instance-name"}]} at 1551113065: hashed canonical request
 *   5ffe6a04...d7031, signature 72e494ea...525168.
 *
 * Then what each provider builds for a message (the form or JSON body,
 * the headers, a signature that verifies) and what it makes of each
 * kind of answer: accepted with the BizId or SerialNo, throttling
 * retried, a bad number or template failed with the cloud's reason.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cloud_answer.h"
#include "cloud_sign.h"
#include "outbox.h"
#include "provider.h"
#include "testutil.h"
#include "tplmap.h"

/* ---- Aliyun's worked example --------------------------------------------- */

static const struct cloud_param ali_doc[] = {
	{ "SignatureMethod", "HMAC-SHA1" },
	{ "SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466" },
	{ "AccessKeyId", "testId" },
	{ "SignatureVersion", "1.0" },
	{ "Timestamp", "2017-07-12T02:42:19Z" },
	{ "Format", "XML" },
	{ "Action", "SendSms" },
	{ "Version", "2017-05-25" },
	{ "RegionId", "cn-hangzhou" },
	{ "PhoneNumbers", "15300000001" },
	{ "SignName", "阿里云短信测试专用" },
	{ "TemplateParam", "{\"customer\":\"test\"}" },
	{ "TemplateCode", "SMS_71390007" },
	{ "OutId", "123" },
};
#define N_ALI_DOC (sizeof(ali_doc) / sizeof(ali_doc[0]))

static const char ali_doc_query[] = "AccessKeyId=testId&Action=SendSms"
    "&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou"
    "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8"
    "%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1"
    "&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466"
    "&SignatureVersion=1.0&TemplateCode=SMS_71390007"
    "&TemplateParam=%7B%22customer%22%3A%22test%22%7D"
    "&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25";

START_TEST(aliyun_signature_matches_the_documentations_example)
{
	struct strbuf b = STRBUF_INIT;
	char sig[ALIYUN_SIG_MAX], *q = NULL;
	size_t len = 0;

	ck_assert_int_eq(aliyun_canonical(ali_doc, N_ALI_DOC, &b), FP_OK);
	ck_assert_str_eq(strbuf_str(&b), ali_doc_query);
	strbuf_free(&b);
	ck_assert_int_eq(aliyun_sign("GET", ali_doc, N_ALI_DOC, "testSecret",
	    sig), FP_OK);
	ck_assert_str_eq(sig, "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
	/* The documentation's URL: the signature first, encoded. */
	ck_assert_int_eq(aliyun_signed_query("GET", ali_doc, N_ALI_DOC,
	    "testSecret", &q, &len), FP_OK);
	ck_assert_str_eq(q, "Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&"
	    "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&"
	    "PhoneNumbers=15300000001&RegionId=cn-hangzhou&SignName=%E9%98%BF"
	    "%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93"
	    "%E7%94%A8&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-"
	    "4070-8c85-2956eda1b466&SignatureVersion=1.0&TemplateCode="
	    "SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&"
	    "Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25");
	ck_assert_uint_eq(len, strlen(q));
	free(q);
	/* The method is signed: POST gives another signature. */
	ck_assert_int_eq(aliyun_sign("POST", ali_doc, N_ALI_DOC, "testSecret",
	    sig), FP_OK);
	ck_assert_str_ne(sig, "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
}
END_TEST

START_TEST(aliyun_percent_encoding_is_rfc3986s)
{
	static const struct cloud_param p[] = {
		{ "b", "a b*c~d+e/" }, { "a", "~-_." },
	};
	struct strbuf b = STRBUF_INIT;

	ck_assert_int_eq(aliyun_canonical(p, 2, &b), FP_OK);
	/* Space %20 (not +), * %2A, ~ kept, + and / encoded; by name. */
	ck_assert_str_eq(strbuf_str(&b), "a=~-_.&b=a%20b%2Ac~d%2Be%2F");
	strbuf_free(&b);
}
END_TEST

START_TEST(aliyun_timestamp_is_utc_iso8601_from_the_callers_time)
{
	char ts[ALIYUN_TIME_MAX], n1[CLOUD_NONCE_MAX], n2[CLOUD_NONCE_MAX];

	aliyun_timestamp(1499827339, ts);
	ck_assert_str_eq(ts, "2017-07-12T02:42:19Z");
	ck_assert_int_eq(cloud_nonce(n1), FP_OK);
	ck_assert_int_eq(cloud_nonce(n2), FP_OK);
	ck_assert_uint_eq(strlen(n1), 36);
	ck_assert_int_eq(n1[14], '4');	/* a version 4 UUID */
	ck_assert_str_ne(n1, n2);
}
END_TEST

/* ---- Tencent's worked example -------------------------------------------- */

START_TEST(tc3_signature_matches_the_documentations_example)
{
	static const char payload[] = "{\"Limit\": 1, \"Filters\": "
	    "[{\"Values\": [\"\\u672a\\u547d\\u540d\"], \"Name\": "
	    "\"instance-name\"}]}";
	struct tc3_request r = { "POST", "", "application/json; charset=utf-8",
	    "cvm.tencentcloudapi.com", payload, sizeof(payload) - 1, "cvm",
	    1551113065 };
	char sig[TC3_SIG_MAX], canon[TC3_SIG_MAX], date[TC3_DATE_MAX];
	struct strbuf b = STRBUF_INIT;

	tc3_date(r.timestamp, date);
	/* 00:44 the next day in Beijing: the date is UTC's. */
	ck_assert_str_eq(date, "2019-02-25");
	tc3_sign(&r, "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", sig, canon);
	ck_assert_str_eq(canon, "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638"
	    "e2749d62a09ca18d7031");
	ck_assert_str_eq(sig, "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2"
	    "f66e2c5a96525168");
	tc3_authorization(&r, "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
	    "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", &b);
	ck_assert_str_eq(strbuf_str(&b), "TC3-HMAC-SHA256 Credential="
	    "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
	    "SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4"
	    "507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
	strbuf_free(&b);
}
END_TEST

/* ---- answers --------------------------------------------------------------- */

START_TEST(aliyun_codes_are_retried_or_failed_as_documented)
{
	ck_assert_int_eq(aliyun_classify("OK", 200), PROVIDER_ACCEPTED);
	/* Flow control, quota, money, the cloud's trouble: later. */
	ck_assert_int_eq(aliyun_classify("isv.BUSINESS_LIMIT_CONTROL", 200),
	    PROVIDER_RETRY);
	ck_assert_int_eq(aliyun_classify("isv.DAY_LIMIT_CONTROL", 200),
	    PROVIDER_RETRY);
	ck_assert_int_eq(aliyun_classify("Throttling.User", 400),
	    PROVIDER_RETRY);
	ck_assert_int_eq(aliyun_classify("isv.AMOUNT_NOT_ENOUGH", 200),
	    PROVIDER_RETRY);
	ck_assert_int_eq(aliyun_classify("isp.SYSTEM_ERROR", 500),
	    PROVIDER_RETRY);
	ck_assert_int_eq(aliyun_classify("SignatureDoesNotMatch", 400),
	    PROVIDER_RETRY);
	/* The message itself: never. */
	ck_assert_int_eq(aliyun_classify("isv.MOBILE_NUMBER_ILLEGAL", 200),
	    PROVIDER_REJECTED);
	ck_assert_int_eq(aliyun_classify("isv.TEMPLATE_MISSING_PARAMETERS",
	    200), PROVIDER_REJECTED);
	ck_assert_int_eq(aliyun_classify("isv.SMS_TEMPLATE_ILLEGAL", 200),
	    PROVIDER_REJECTED);
	ck_assert_int_eq(aliyun_classify("MissingTemplateCode", 400),
	    PROVIDER_REJECTED);
	/* Unknown: by the HTTP status. */
	ck_assert_int_eq(aliyun_classify("Something.New", 503),
	    PROVIDER_RETRY);
	ck_assert_int_eq(aliyun_classify("Something.New", 404),
	    PROVIDER_REJECTED);
}
END_TEST

START_TEST(tencent_codes_are_retried_or_failed_as_documented)
{
	ck_assert_int_eq(tencent_classify("Ok"), PROVIDER_ACCEPTED);
	ck_assert_int_eq(tencent_classify("LimitExceeded."
	    "PhoneNumberThirtySecondLimit"), PROVIDER_RETRY);
	ck_assert_int_eq(tencent_classify("LimitExceeded."
	    "DeliveryFrequencyLimit"), PROVIDER_RETRY);
	ck_assert_int_eq(tencent_classify("RequestLimitExceeded"),
	    PROVIDER_RETRY);
	ck_assert_int_eq(tencent_classify("InternalError.Timeout"),
	    PROVIDER_RETRY);
	ck_assert_int_eq(tencent_classify("AuthFailure.SignatureFailure"),
	    PROVIDER_RETRY);
	ck_assert_int_eq(tencent_classify(
	    "FailedOperation.InsufficientBalanceInSmsPackage"), PROVIDER_RETRY);
	ck_assert_int_eq(tencent_classify(
	    "InvalidParameterValue.IncorrectPhoneNumber"), PROVIDER_REJECTED);
	ck_assert_int_eq(tencent_classify(
	    "InvalidParameterValue.TemplateParameterLengthLimit"),
	    PROVIDER_REJECTED);
	ck_assert_int_eq(tencent_classify(
	    "FailedOperation.TemplateIncorrectOrUnapproved"),
	    PROVIDER_REJECTED);
	ck_assert_int_eq(tencent_classify(
	    "FailedOperation.PhoneNumberInBlacklist"), PROVIDER_REJECTED);
	ck_assert_int_eq(tencent_classify("NewCode.Unknown"), PROVIDER_RETRY);
}
END_TEST

START_TEST(a_reason_is_safe_in_a_log_line_and_never_half_a_character)
{
	char r[32];

	cloud_reason(r, sizeof(r), "aliyun", "isv.X", "非法\"手机\n号");
	ck_assert_str_eq(r, "aliyun isv.X: 非法?手机?号");
	/* 14 bytes of prefix, then 3 a character: cut before the sixth. */
	cloud_reason(r, sizeof(r), "aliyun", "isv.X", "一二三四五六七");
	ck_assert_str_eq(r, "aliyun isv.X: 一二三四五");
	cloud_reason(r, sizeof(r), "tencent", NULL, "\xff\xfe bad");
	ck_assert_str_eq(r, "tencent (no code): ?? bad");
}
END_TEST

/* ---- each provider's request and answers ----------------------------------- */

static char *dir;
static struct cfg *cfg;
static void *pctx;
static const struct provider_ops *ops;

static const char map_text[] =
    "providers = (\n"
    "  { provider = \"ali\"; texts = (\n"
    "    { text = \"sms/fk_ok\"; lang = \"*\"; code = \"SMS_100001\";\n"
    "      params = [ \"code=ticket\" ]; },\n"
    "    { text = \"sms/help\"; lang = \"zh\"; code = \"SMS_100002\"; }\n"
    "  ); },\n"
    "  { provider = \"tx\"; texts = (\n"
    "    { text = \"sms/bm_ok\"; code = \"1110001\";\n"
    "      params = [ \"program_name\", \"code\" ]; }\n"
    "  ); } );\n";

static void
open_provider(const char *name)
{
	char text[2048], *errors = NULL, *path;

	dir = tu_mkdtemp();
	path = tu_write_file(dir, TPLMAP_FILE, map_text, sizeof(map_text) - 1);
	free(path);
	snprintf(text, sizeof(text),
	    "templates = { dir = \"%s\"; };\n"
	    "sms = { provider = \"ali\"; };\n"
	    "providers = (\n"
	    "  { name = \"ali\"; type = \"aliyun\"; access_key_id = \"testId\"; "
	    "access_key_secret = \"testSecret\"; sign_name = \"扶贫办\"; "
	    "endpoint = \"http://127.0.0.1:9/\"; },\n"
	    "  { name = \"tx\"; type = \"tencent\"; secret_id = \"AKIDtest\"; "
	    "secret_key = \"tx-secret\"; sdk_app_id = \"1400006666\"; "
	    "sign_name = \"扶贫办\"; endpoint = \"http://Sms.Example:8081/\"; "
	    "} );\n", dir);
	ck_assert_msg(cfg_load_string(text, "t.conf", &cfg, &errors) == FP_OK,
	    "%s", errors != NULL ? errors : "?");
	ops = strcmp(name, "ali") == 0 ? &provider_aliyun_ops :
	    &provider_tencent_ops;
	ck_assert_int_eq(ops->open(cfg, cfg_provider_find(cfg, name), &pctx),
	    FP_OK);
}

static void
close_provider(void)
{
	ops->close(pctx);
	cfg_free(cfg);
	tu_rmtree(dir);
	free(dir);
}

static struct outbox_item
item(const char *key, const char *vars)
{
	struct outbox_item it;

	memset(&it, 0, sizeof(it));
	it.id = 42;
	it.to = "+8613908340107";
	it.text = "您的反馈已收到";
	it.tpl_key = key;
	it.tpl_lang = "zh";
	it.tpl_vars = vars;
	return it;
}

/* Percent-decode s[0..n) into out[len]. */
static void
decode(const char *s, size_t n, char *out, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < len; i++) {
		unsigned v = 0;

		if (s[i] == '%' && i + 2 < n + 1 && sscanf(s + i + 1, "%2x",
		    &v) == 1) {
			out[o++] = (char)v;
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
}

/* The pairs of a form body, decoded. */
struct form {
	char	 name[24][64];
	char	 value[24][512];
	size_t	 n;
};

static void
form_parse(const char *body, struct form *f)
{
	const char *p = body, *amp, *eq;

	f->n = 0;
	while (*p != '\0' && f->n < 24) {
		amp = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(amp - p));
		ck_assert_ptr_nonnull(eq);
		decode(p, (size_t)(eq - p), f->name[f->n], sizeof(f->name[0]));
		decode(eq + 1, (size_t)(amp - eq - 1), f->value[f->n],
		    sizeof(f->value[0]));
		f->n++;
		p = *amp == '&' ? amp + 1 : amp;
	}
}

static const char *
form_get(const struct form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return "";
}

START_TEST(aliyun_sends_the_mapped_template_signed)
{
	struct outbox_item it = item("sms/fk_ok", "{\"ticket\":\"F7\"}");
	struct provider_request req;
	struct cloud_param v[24];
	struct form f;
	char sig[ALIYUN_SIG_MAX];
	size_t i, n = 0;

	open_provider("ali");
	ck_assert_int_eq(ops->build(pctx, &it, &req), FP_OK);
	ck_assert_str_eq(req.url, "http://127.0.0.1:9/");
	ck_assert_ptr_nonnull(req.headers);
	ck_assert_str_eq(req.headers->data,
	    "Content-Type: application/x-www-form-urlencoded");
	ck_assert_ptr_null(req.own_headers);
	form_parse(req.body, &f);
	ck_assert_str_eq(f.name[0], "Signature");
	ck_assert_str_eq(form_get(&f, "TemplateCode"), "SMS_100001");
	ck_assert_str_eq(form_get(&f, "TemplateParam"), "{\"code\":\"F7\"}");
	ck_assert_str_eq(form_get(&f, "PhoneNumbers"), "13908340107");
	ck_assert_str_eq(form_get(&f, "OutId"), "42");
	ck_assert_str_eq(form_get(&f, "SignName"), "扶贫办");
	ck_assert_str_eq(form_get(&f, "Action"), "SendSms");
	ck_assert_str_eq(form_get(&f, "Version"), "2017-05-25");
	ck_assert_str_eq(form_get(&f, "Format"), "JSON");
	ck_assert_str_eq(form_get(&f, "RegionId"), "cn-hangzhou");
	ck_assert_str_eq(form_get(&f, "AccessKeyId"), "testId");
	ck_assert_uint_eq(strlen(form_get(&f, "SignatureNonce")), 36);
	ck_assert_uint_eq(strlen(form_get(&f, "Timestamp")), 20);
	/* Never our text, never the secret: the approved template goes. */
	ck_assert_ptr_null(strstr(req.body, "%E6%82%A8"));
	ck_assert_ptr_null(strstr(req.body, "testSecret"));
	/* The signature verifies over the rest, as the cloud checks it. */
	for (i = 1; i < f.n; i++)
		v[n++] = (struct cloud_param){ f.name[i], f.value[i] };
	ck_assert_int_eq(aliyun_sign("POST", v, n, "testSecret", sig), FP_OK);
	ck_assert_str_eq(f.value[0], sig);
	provider_request_cleanup(&req);

	/* No mapping, or a variable missing: nothing is sent. */
	it = item("sms/qr_ok", "{\"task\":\"T1\"}");
	ck_assert_int_eq(ops->build(pctx, &it, &req), FP_EINVAL);
	it = item("sms/fk_ok", "{\"other\":\"x\"}");
	ck_assert_int_eq(ops->build(pctx, &it, &req), FP_EINVAL);
	it = item(NULL, NULL);
	ck_assert_int_eq(ops->build(pctx, &it, &req), FP_EINVAL);
	/* A template without parameters sends no TemplateParam. */
	it = item("sms/help", "{}");
	ck_assert_int_eq(ops->build(pctx, &it, &req), FP_OK);
	form_parse(req.body, &f);
	ck_assert_str_eq(form_get(&f, "TemplateCode"), "SMS_100002");
	ck_assert_ptr_null(strstr(req.body, "TemplateParam"));
	provider_request_cleanup(&req);
	close_provider();
}
END_TEST

static struct provider_result
answer(long status, const char *body)
{
	struct outbox_item it = item("sms/fk_ok", "{}");
	struct provider_result res;

	memset(&res, 0, sizeof(res));
	ops->parse(pctx, &it, status, body, strlen(body), &res);
	return res;
}

START_TEST(aliyun_answers_accepted_retried_or_failed)
{
	struct provider_result r;

	open_provider("ali");
	r = answer(200, "{\"Message\":\"OK\",\"RequestId\":\"F655A8D5-B967-"
	    "440B-8683-DAD6FF8DE990\",\"Code\":\"OK\",\"BizId\":"
	    "\"900619746936498440^0\"}");
	ck_assert_int_eq(r.outcome, PROVIDER_ACCEPTED);
	ck_assert_str_eq(r.msgid, "900619746936498440^0");
	free(r.msgid);
	r = answer(200, "{\"Message\":\"触发分钟级流控Permits:1\",\"Code\":"
	    "\"isv.BUSINESS_LIMIT_CONTROL\"}");
	ck_assert_int_eq(r.outcome, PROVIDER_RETRY);
	ck_assert_str_eq(r.error, "aliyun isv.BUSINESS_LIMIT_CONTROL: "
	    "触发分钟级流控Permits:1");
	r = answer(400, "{\"Message\":\"Request was denied due to user flow "
	    "control.\",\"Code\":\"Throttling.User\"}");
	ck_assert_int_eq(r.outcome, PROVIDER_RETRY);
	r = answer(200, "{\"Message\":\"非法手机号\",\"Code\":"
	    "\"isv.MOBILE_NUMBER_ILLEGAL\"}");
	ck_assert_int_eq(r.outcome, PROVIDER_REJECTED);
	ck_assert_str_eq(r.error, "aliyun isv.MOBILE_NUMBER_ILLEGAL: 非法手机号");
	r = answer(200, "{\"Code\":\"isv.TEMPLATE_MISSING_PARAMETERS\","
	    "\"Message\":\"模板缺少变量\"}");
	ck_assert_int_eq(r.outcome, PROVIDER_REJECTED);
	/* OK without a BizId: reports could not find it; again. */
	r = answer(200, "{\"Code\":\"OK\"}");
	ck_assert_int_eq(r.outcome, PROVIDER_RETRY);
	ck_assert_ptr_null(r.msgid);
	/* Not the cloud's JSON: by the HTTP status. */
	r = answer(502, "<html>bad gateway</html>");
	ck_assert_int_eq(r.outcome, PROVIDER_RETRY);
	r = answer(200, "");
	ck_assert_int_eq(r.outcome, PROVIDER_RETRY);
	close_provider();
}
END_TEST

static const char *
header(const struct curl_slist *h, const char *name)
{
	size_t n = strlen(name);

	for (; h != NULL; h = h->next)
		if (strncmp(h->data, name, n) == 0 && h->data[n] == ':')
			return h->data + n + 2;
	return "";
}

START_TEST(tencent_sends_the_mapped_template_signed)
{
	struct outbox_item it = item("sms/bm_ok", "{\"program_name\":"
	    "\"雨露计划\",\"code\":\"YL\",\"name\":\"x\"}");
	struct provider_request req;
	struct json_object *o, *set;
	char sig[TC3_SIG_MAX];
	struct tc3_request r;
	long long ts;

	open_provider("tx");
	ck_assert_int_eq(ops->build(pctx, &it, &req), FP_OK);
	ck_assert_str_eq(req.url, "http://Sms.Example:8081/");
	ck_assert_ptr_eq(req.headers, req.own_headers);
	ck_assert_str_eq(header(req.headers, "Content-Type"),
	    "application/json; charset=utf-8");
	ck_assert_str_eq(header(req.headers, "Host"), "sms.example:8081");
	ck_assert_str_eq(header(req.headers, "X-TC-Action"), "SendSms");
	ck_assert_str_eq(header(req.headers, "X-TC-Version"), "2021-01-11");
	ck_assert_str_eq(header(req.headers, "X-TC-Region"), "ap-guangzhou");
	ts = strtoll(header(req.headers, "X-TC-Timestamp"), NULL, 10);
	ck_assert_int_gt(ts, 1700000000);
	o = json_tokener_parse(req.body);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(
	    json_object_object_get(o, "PhoneNumberSet"), 0)),
	    "+8613908340107");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o,
	    "SmsSdkAppId")), "1400006666");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o,
	    "TemplateId")), "1110001");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o,
	    "SignName")), "扶贫办");
	set = json_object_object_get(o, "TemplateParamSet");
	ck_assert_uint_eq(json_object_array_length(set), 2);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(set,
	    0)), "雨露计划");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(set,
	    1)), "YL");
	json_object_put(o);
	/* The Authorization verifies over what is sent. */
	r = (struct tc3_request){ "POST", "", "application/json; charset=utf-8",
	    "sms.example:8081", req.body, req.body_len, "sms", ts };
	tc3_sign(&r, "tx-secret", sig, NULL);
	ck_assert_ptr_nonnull(strstr(header(req.headers, "Authorization"),
	    sig));
	ck_assert_ptr_nonnull(strstr(header(req.headers, "Authorization"),
	    "TC3-HMAC-SHA256 Credential=AKIDtest/"));
	ck_assert_ptr_null(strstr(req.body, "tx-secret"));
	provider_request_cleanup(&req);
	ck_assert_ptr_null(req.own_headers);
	it = item("sms/fk_ok", "{\"ticket\":\"F1\"}");
	ck_assert_int_eq(ops->build(pctx, &it, &req), FP_EINVAL);
	close_provider();
}
END_TEST

START_TEST(tencent_answers_accepted_retried_or_failed)
{
	struct provider_result r;

	open_provider("tx");
	r = answer(200, "{\"Response\":{\"SendStatusSet\":[{\"SerialNo\":"
	    "\"5000:1045710669157053657849499619\",\"PhoneNumber\":"
	    "\"+8613908340107\",\"Fee\":1,\"SessionContext\":\"42\",\"Code\":"
	    "\"Ok\",\"Message\":\"send success\",\"IsoCode\":\"CN\"}],"
	    "\"RequestId\":\"a0aabda6-cf91-4f3e-a81f-9198114a2279\"}}");
	ck_assert_int_eq(r.outcome, PROVIDER_ACCEPTED);
	ck_assert_str_eq(r.msgid, "5000:1045710669157053657849499619");
	free(r.msgid);
	r = answer(200, "{\"Response\":{\"SendStatusSet\":[{\"SerialNo\":\"\","
	    "\"Code\":\"LimitExceeded.PhoneNumberThirtySecondLimit\","
	    "\"Message\":\"30秒内同号码限制\"}],\"RequestId\":\"x\"}}");
	ck_assert_int_eq(r.outcome, PROVIDER_RETRY);
	r = answer(200, "{\"Response\":{\"SendStatusSet\":[{\"Code\":"
	    "\"InvalidParameterValue.IncorrectPhoneNumber\",\"Message\":"
	    "\"手机号格式错误\"}],\"RequestId\":\"x\"}}");
	ck_assert_int_eq(r.outcome, PROVIDER_REJECTED);
	ck_assert_str_eq(r.error, "tencent InvalidParameterValue."
	    "IncorrectPhoneNumber: 手机号格式错误");
	r = answer(200, "{\"Response\":{\"Error\":{\"Code\":\"AuthFailure."
	    "SignatureFailure\",\"Message\":\"The provided credentials could "
	    "not be validated.\"},\"RequestId\":\"x\"}}");
	ck_assert_int_eq(r.outcome, PROVIDER_RETRY);
	r = answer(200, "{\"Response\":{\"Error\":{\"Code\":\"FailedOperation."
	    "TemplateIncorrectOrUnapproved\",\"Message\":\"模板未审批\"},"
	    "\"RequestId\":\"x\"}}");
	ck_assert_int_eq(r.outcome, PROVIDER_REJECTED);
	r = answer(200, "{\"Response\":{\"SendStatusSet\":[{\"Code\":\"Ok\"}]}}");
	ck_assert_int_eq(r.outcome, PROVIDER_RETRY);
	r = answer(500, "oops");
	ck_assert_int_eq(r.outcome, PROVIDER_RETRY);
	close_provider();
}
END_TEST

/* ---- the configuration keys ----------------------------------------------- */

static char *
load_errors(const char *text)
{
	struct cfg *c = NULL;
	char *errors = NULL;

	ck_assert_int_eq(cfg_load_string(text, "c.conf", &c, &errors),
	    FP_ECONFIG);
	ck_assert_ptr_null(c);
	return errors;
}

START_TEST(cloud_provider_keys_have_their_defaults_and_refusals)
{
	struct cfg *c = NULL;
	const struct cfg_provider *p;
	char *errors = NULL, *path, text[1024];
	char *d = tu_mkdtemp();

	path = tu_write_file(d, "ali.secret", "s3cret\n", 7);
	snprintf(text, sizeof(text), "providers = ( { name = \"a\"; type = "
	    "\"aliyun\"; access_key_id = \"id\"; access_key_secret_file = "
	    "\"%s\"; sign_name = \"扶贫办\"; }, { name = \"t\"; type = "
	    "\"tencent\"; secret_id = \"AKID\"; secret_key = \"k\"; "
	    "sdk_app_id = \"1400\"; sign_name = \"扶贫办\"; region = "
	    "\"ap-beijing\"; endpoint = \"http://127.0.0.1:1/\"; } );\n"
	    "sms = { provider = \"a\"; };\n", path);
	ck_assert_msg(cfg_load_string(text, "c.conf", &c, &errors) == FP_OK,
	    "%s", errors != NULL ? errors : "?");
	p = cfg_provider_find(c, "a");
	ck_assert_str_eq(p->access_key_secret, "s3cret");
	ck_assert_str_eq(p->endpoint, "https://dysmsapi.aliyuncs.com/");
	ck_assert_str_eq(p->region, "cn-hangzhou");
	ck_assert(cfg_provider_is_template(p));
	p = cfg_provider_find(c, "t");
	ck_assert_str_eq(p->endpoint, "http://127.0.0.1:1/");
	ck_assert_str_eq(p->region, "ap-beijing");
	ck_assert(cfg_provider_is_template(p));
	ck_assert(!cfg_provider_is_template(cfg_provider_find(c, "nobody")));
	cfg_free(c);
	free(path);
	tu_rmtree(d);
	free(d);

	/* What each needs, named; a key of the other type refused. */
	errors = load_errors("providers = ( { name = \"a\"; type = \"aliyun\"; "
	    "access_key_secret = \"x\"; secret_id = \"y\"; } );\n");
	ck_assert_ptr_nonnull(strstr(errors, "'secret_id' is not a key of "
	    "aliyun providers"));
	ck_assert_ptr_nonnull(strstr(errors, "needs a non-empty "
	    "'access_key_id'"));
	ck_assert_ptr_nonnull(strstr(errors, "needs a non-empty 'sign_name'"));
	free(errors);
	errors = load_errors("providers = ( { name = \"t\"; type = "
	    "\"tencent\"; secret_id = \"y\"; sign_name = \"s\"; endpoint = "
	    "\"ftp://x\"; } );\n");
	ck_assert_ptr_nonnull(strstr(errors, "needs a non-empty 'secret_key'"));
	ck_assert_ptr_nonnull(strstr(errors, "needs a non-empty 'sdk_app_id'"));
	ck_assert_ptr_nonnull(strstr(errors, "must be a URL starting with"));
	free(errors);
	/* A secret inline and in a file: one of them. */
	errors = load_errors("providers = ( { name = \"a\"; type = \"aliyun\"; "
	    "access_key_id = \"i\"; access_key_secret = \"x\"; "
	    "access_key_secret_file = \"/etc/hostname\"; sign_name = \"s\"; "
	    "} );\n");
	ck_assert_ptr_nonnull(strstr(errors, "conflicts with the secret given "
	    "inline"));
	free(errors);
}
END_TEST

Suite *
cloud_sign_suite(void)
{
	Suite *s = suite_create("cloud_sign");
	TCase *tc;

	tc = tcase_create("documentation");
	tcase_add_test(tc, aliyun_signature_matches_the_documentations_example);
	tcase_add_test(tc, aliyun_percent_encoding_is_rfc3986s);
	tcase_add_test(tc,
	    aliyun_timestamp_is_utc_iso8601_from_the_callers_time);
	tcase_add_test(tc, tc3_signature_matches_the_documentations_example);
	suite_add_tcase(s, tc);

	tc = tcase_create("answers");
	tcase_add_test(tc, aliyun_codes_are_retried_or_failed_as_documented);
	tcase_add_test(tc, tencent_codes_are_retried_or_failed_as_documented);
	tcase_add_test(tc,
	    a_reason_is_safe_in_a_log_line_and_never_half_a_character);
	suite_add_tcase(s, tc);

	tc = tcase_create("providers");
	tcase_add_test(tc, aliyun_sends_the_mapped_template_signed);
	tcase_add_test(tc, aliyun_answers_accepted_retried_or_failed);
	tcase_add_test(tc, tencent_sends_the_mapped_template_signed);
	tcase_add_test(tc, tencent_answers_accepted_retried_or_failed);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_test(tc, cloud_provider_keys_have_their_defaults_and_refusals);
	suite_add_tcase(s, tc);
	return s;
}
