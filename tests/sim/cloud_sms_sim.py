#!/usr/bin/env python3
"""cloud_sms_sim.py: Alibaba Cloud's or Tencent Cloud's SendSms, for the tests.

    python3 tests/sim/cloud_sms_sim.py --cloud aliyun|tencent [options]

Written from the clouds' documentation, not from the gateway's code, so
that the two can disagree.  Python 3 standard library only.  It listens on
127.0.0.1 (--port, 0: a free one) and prints "READY <port>" on stdout.

Aliyun (SendSms, API version 2017-05-25; help.aliyun.com 101343, 101414):
  a GET query or a form POST; the signature recomputed as "签名机制" says:
  every parameter but Signature sorted by name, names and values
  percent-encoded (RFC 3986, %20 for a space), joined with & and =,
  StringToSign = METHOD&%2F&percentEncode(that), Base64(HMAC-SHA1(secret
  + "&", StringToSign)).  Also: AccessKeyId, SignatureMethod HMAC-SHA1,
  SignatureVersion 1.0, a SignatureNonce never seen before, a Timestamp
  within 15 minutes (UTC, YYYY-MM-DDThh:mm:ssZ), Action SendSms, Version
  2017-05-25, SignName, an approved TemplateCode whose TemplateParam (a
  JSON object) has exactly that template's variables, each at most
  --param-max characters, PhoneNumbers a mainland number.  Answers as the
  API does: {"Code":"OK","Message":"OK","BizId":"...","RequestId":"..."}
  or {"Code":"<error>","Message":"..."} (HTTP 400 for a signature or
  credential problem, 200 for the others).

Tencent (SendSms, API 3.0 version 2021-01-11; cloud.tencent.com api/382/
52071, 55981): a POST with X-TC-Action SendSms, X-TC-Version 2021-01-11,
  X-TC-Region, X-TC-Timestamp within 5 minutes, and Authorization
  "TC3-HMAC-SHA256 Credential=<id>/<UTC date>/sms/tc3_request,
  SignedHeaders=content-type;host, Signature=<hex>" recomputed over the
  request as received (canonical request, string to sign, the key derived
  from "TC3" + SecretKey, the date, the service, "tc3_request").  The body:
  PhoneNumberSet, SmsSdkAppId, SignName, an approved TemplateId and a
  TemplateParamSet of that template's length, each at most --param-max.
  Answers always HTTP 200: {"Response":{"Error":{...},"RequestId"}} for
  the request, else {"Response":{"SendStatusSet":[{"SerialNo",
  "PhoneNumber","Fee","SessionContext","Code","Message","IsoCode"}],
  "RequestId"}}.

Options:
  --port N            listen port (0: free)
  --key-id ID         AccessKeyId / SecretId expected
  --secret S          AccessKeySecret / SecretKey
  --sign-name NAME    the approved signature
  --sdk-app-id ID     (tencent) SmsSdkAppId expected
  --approved FILE     JSON {"<template code>": ["<param>", ...]} (aliyun:
                      names; tencent: only their number counts)
  --param-max N       longest parameter value, characters (default 35)
  --throttle N        the first N valid sends are throttled (aliyun
                      isv.BUSINESS_LIMIT_CONTROL, tencent
                      LimitExceeded.PhoneNumberThirtySecondLimit)
  --fail-number NUM   sends to this number (national, 11 digits) fail as
                      an illegal number
  --dlr-url URL       after each accepted send, push a delivery report
                      there in the cloud's format (--report delivered or
                      failed) and log the gateway's answer
  --log FILE          one JSON object per event (appended)

Events (field "ev"): "send" (every SendSms: code, phone, template, params,
sig_ok, id, out_id), "report" (id, status, http, body), "error" (what the
caller did wrong, also in "send" as the code).  stdin "quit" stops it.
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import http.server
import json
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid

LOCK = threading.Lock()
STATE = {"seq": 0, "nonces": set(), "throttle": 0, "log": None}


def log(ev, **kw):
    kw["ev"] = ev
    line = json.dumps(kw, ensure_ascii=False)
    with LOCK:
        if STATE["log"] is not None:
            STATE["log"].write(line + "\n")
            STATE["log"].flush()


def next_seq():
    with LOCK:
        STATE["seq"] += 1
        return STATE["seq"]


def take_throttle():
    with LOCK:
        if STATE["throttle"] > 0:
            STATE["throttle"] -= 1
            return True
        return False


def fresh_nonce(n):
    with LOCK:
        if n in STATE["nonces"]:
            return False
        STATE["nonces"].add(n)
        return True


def push(url, body):
    """POST a report as the cloud would and log the answer."""
    data = json.dumps(body, ensure_ascii=False).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except OSError as e:
        return 0, str(e)


# ---- Aliyun ----------------------------------------------------------------

def ali_encode(s):
    return urllib.parse.quote(s, safe="-_.~")


def ali_signature(method, params, secret):
    canon = "&".join(ali_encode(k) + "=" + ali_encode(params[k])
                     for k in sorted(params))
    sts = method + "&" + ali_encode("/") + "&" + ali_encode(canon)
    mac = hmac.new((secret + "&").encode(), sts.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def ali_pairs(raw):
    """name -> value of a query or form body; None if a name repeats."""
    out = {}
    if raw == "":
        return out
    for pair in raw.split("&"):
        name, eq, value = pair.partition("=")
        name = urllib.parse.unquote(name, errors="strict")
        if name in out or not eq:
            return None
        out[name] = urllib.parse.unquote(value, errors="strict")
    return out


def aliyun_send(opts, method, raw):
    """(http status, answer) of one SendSms."""
    rid = str(uuid.uuid4()).upper()
    p = ali_pairs(raw)

    def err(code, msg, status=200, **kw):
        log("send", cloud="aliyun", code=code, message=msg, **kw)
        return status, {"Code": code, "Message": msg, "RequestId": rid}

    if p is None:
        return err("InvalidParameter", "a parameter is repeated", 400)
    need = ["AccessKeyId", "Action", "Format", "PhoneNumbers", "SignName",
            "SignatureMethod", "SignatureNonce", "SignatureVersion",
            "TemplateCode", "Timestamp", "Version", "Signature"]
    for k in need:
        if k not in p:
            return err("Missing" + k, k + " is mandatory for this action.",
                       400)
    if p["AccessKeyId"] != opts.key_id:
        return err("InvalidAccessKeyId.NotFound",
                   "Specified access key is not found.", 404)
    if p["SignatureMethod"] != "HMAC-SHA1" or p["SignatureVersion"] != "1.0":
        return err("InvalidParameter", "signature method or version", 400)
    sig = p.pop("Signature")
    want = ali_signature(method, p, opts.secret)
    if not hmac.compare_digest(sig, want):
        return err("SignatureDoesNotMatch", "Specified signature is not "
                   "matched with our calculation.", 400, sig_ok=False)
    try:
        ts = datetime.datetime.strptime(p["Timestamp"], "%Y-%m-%dT%H:%M:%SZ")
        ts = ts.replace(tzinfo=datetime.timezone.utc).timestamp()
    except ValueError:
        return err("InvalidTimeStamp.Format", "Specified time stamp or "
                   "date value is not well formatted.", 400)
    if abs(ts - time.time()) > 900:
        return err("InvalidTimeStamp.Expired", "Specified time stamp or "
                   "date value is expired.", 400)
    if not fresh_nonce(p["SignatureNonce"]):
        return err("SignatureNonceUsed", "Specified signature nonce was "
                   "used already.", 400)
    if p["Action"] != "SendSms" or p["Version"] != "2017-05-25":
        return err("InvalidAction.NotFound", "Specified api is not found.",
                   404)
    phone = p["PhoneNumbers"]
    kw = {"phone": phone, "template": p["TemplateCode"],
          "out_id": p.get("OutId"), "sign": p["SignName"], "sig_ok": True}
    try:
        params = json.loads(p.get("TemplateParam", "{}"))
    except ValueError:
        return err("isv.INVALID_JSON_PARAM", "JSON参数不合法", **kw)
    kw["params"] = params
    if p["SignName"] != opts.sign_name:
        return err("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法", **kw)
    if opts.approved is not None:
        names = opts.approved.get(p["TemplateCode"])
        if names is None:
            return err("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法", **kw)
        if not isinstance(params, dict) or sorted(params) != sorted(names):
            return err("isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量",
                       **kw)
    if not isinstance(params, dict) or not all(
            isinstance(v, str) for v in params.values()):
        return err("isv.INVALID_JSON_PARAM", "JSON参数不合法", **kw)
    for v in params.values():
        if opts.param_max and len(v) > opts.param_max:
            return err("isv.PARAM_LENGTH_LIMIT", "参数超出长度限制", **kw)
    if (len(phone) != 11 or not phone.isdigit() or phone[0] != "1" or
            phone == opts.fail_number):
        return err("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号", **kw)
    if take_throttle():
        return err("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1",
                   **kw)
    biz = "%d^0" % (900000000000000 + next_seq())
    log("send", cloud="aliyun", code="OK", id=biz, **kw)
    if opts.dlr_url:
        ok = opts.report == "delivered"
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        report = [{"phone_number": phone, "send_time": now,
                   "report_time": now, "success": ok,
                   "err_code": "DELIVERED" if ok else "UNDELIV",
                   "err_msg": "用户接收成功" if ok else "用户接收失败",
                   "sms_size": "1", "biz_id": biz,
                   "out_id": p.get("OutId", "")}]
        threading.Thread(target=report_later,
                         args=(opts.dlr_url, report, biz)).start()
    return 200, {"Message": "OK", "RequestId": rid, "Code": "OK",
                 "BizId": biz}


# ---- Tencent ---------------------------------------------------------------

def tc3_signature(secret, date, service, sts):
    def mac(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()
    k = mac(("TC3" + secret).encode(), date)
    k = mac(k, service)
    k = mac(k, "tc3_request")
    return hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()


def tencent_send(opts, headers, body):
    rid = str(uuid.uuid4())

    def error(code, msg, **kw):
        log("send", cloud="tencent", code=code, message=msg, **kw)
        return 200, {"Response": {"Error": {"Code": code, "Message": msg},
                                  "RequestId": rid}}

    h = {k.lower(): v for k, v in headers.items()}
    if h.get("x-tc-action") != "SendSms":
        return error("InvalidAction", "X-TC-Action")
    if h.get("x-tc-version") != "2021-01-11":
        return error("NoSuchVersion", "X-TC-Version")
    if not h.get("x-tc-region"):
        return error("MissingParameter", "X-TC-Region")
    try:
        ts = int(h.get("x-tc-timestamp", ""))
    except ValueError:
        return error("InvalidParameter", "X-TC-Timestamp")
    if abs(ts - time.time()) > 300:
        return error("AuthFailure.SignatureExpire", "signature expired")
    auth = h.get("authorization", "")
    prefix = "TC3-HMAC-SHA256 "
    if not auth.startswith(prefix):
        return error("AuthFailure.InvalidAuthorization", "Authorization")
    fields = {}
    for part in auth[len(prefix):].split(", "):
        k, _, v = part.partition("=")
        fields[k] = v
    date = datetime.datetime.fromtimestamp(
        ts, datetime.timezone.utc).strftime("%Y-%m-%d")
    if fields.get("Credential") != "%s/%s/sms/tc3_request" % (opts.key_id,
                                                             date):
        return error("AuthFailure.SecretIdNotFound", "Credential")
    signed = fields.get("SignedHeaders", "")
    names = signed.split(";")
    if "content-type" not in names or "host" not in names:
        return error("AuthFailure.InvalidAuthorization", "SignedHeaders")
    canon_headers = "".join("%s:%s\n" % (n, h.get(n, "").strip().lower())
                            for n in sorted(names))
    canon = "\n".join(["POST", "/", "", canon_headers, signed,
                       hashlib.sha256(body).hexdigest()])
    sts = "\n".join(["TC3-HMAC-SHA256", str(ts),
                     "%s/sms/tc3_request" % date,
                     hashlib.sha256(canon.encode()).hexdigest()])
    want = tc3_signature(opts.secret, date, "sms", sts)
    if not hmac.compare_digest(fields.get("Signature", ""), want):
        return error("AuthFailure.SignatureFailure", "The provided "
                     "credentials could not be validated.", sig_ok=False)
    if h.get("content-type") != "application/json; charset=utf-8":
        return error("InvalidParameter", "Content-Type")
    try:
        req = json.loads(body)
    except ValueError:
        return error("FailedOperation.FailResolvePacket", "body")
    phones = req.get("PhoneNumberSet")
    if not isinstance(phones, list) or not 1 <= len(phones) <= 200:
        return error("InvalidParameterValue.IncorrectPhoneNumber",
                     "PhoneNumberSet")
    if req.get("SmsSdkAppId") != opts.sdk_app_id:
        return error("InvalidParameterValue.SdkAppIdNotExist", "SmsSdkAppId")
    params = req.get("TemplateParamSet", [])
    kw = {"phone": phones[0], "template": req.get("TemplateId"),
          "params": params, "sign": req.get("SignName"),
          "session": req.get("SessionContext"), "sig_ok": True}
    if req.get("SignName") != opts.sign_name:
        return error("FailedOperation.SignatureIncorrectOrUnapproved",
                     "签名未审批", **kw)
    if opts.approved is not None:
        names = opts.approved.get(req.get("TemplateId"))
        if names is None:
            return error("FailedOperation.TemplateIncorrectOrUnapproved",
                         "模板未审批", **kw)
        if not isinstance(params, list) or len(params) != len(names):
            return error("InvalidParameterValue.TemplateParameterFormatError",
                         "模板参数个数不符", **kw)
    statuses = []
    for phone in phones:
        serial, code, msg = "", "Ok", "send success"
        if not all(isinstance(v, str) for v in params):
            code, msg = ("InvalidParameterValue.TemplateParameterFormatError",
                         "参数格式错误")
        elif opts.param_max and any(len(v) > opts.param_max for v in params):
            code, msg = ("InvalidParameterValue.TemplateParameterLengthLimit",
                         "单个模板变量字符数超过12个")
        elif (not isinstance(phone, str) or not phone.startswith("+86") or
              len(phone) != 14 or phone[3:] == opts.fail_number):
            code, msg = ("InvalidParameterValue.IncorrectPhoneNumber",
                         "手机号格式错误")
        elif take_throttle():
            code, msg = ("LimitExceeded.PhoneNumberThirtySecondLimit",
                         "单个手机号30秒内下发短信条数超过设定的上限")
        else:
            serial = "2640:%d" % (104571066915705365 + next_seq())
        log("send", cloud="tencent", code=code, id=serial, **kw)
        statuses.append({"SerialNo": serial, "PhoneNumber": phone, "Fee": 1
                         if serial else 0, "SessionContext":
                         req.get("SessionContext", ""), "Code": code,
                         "Message": msg, "IsoCode": "CN"})
        if serial and opts.dlr_url:
            ok = opts.report == "delivered"
            report = [{"user_receive_time":
                       time.strftime("%Y-%m-%d %H:%M:%S"),
                       "nationcode": "86", "mobile": phone[3:],
                       "report_status": "SUCCESS" if ok else "FAIL",
                       "errmsg": "DELIVRD" if ok else "UNDELIV",
                       "description": "用户短信送达成功" if ok else
                       "用户短信接收失败", "sid": serial}]
            threading.Thread(target=report_later,
                             args=(opts.dlr_url, report, serial)).start()
    return 200, {"Response": {"SendStatusSet": statuses, "RequestId": rid}}


def report_later(url, report, ident):
    time.sleep(0.2)     # after the SendSms answer, as the clouds do
    status, body = push(url, report)
    log("report", id=ident, http=status, body=body,
        status="delivered" if report[0].get("success") or
        report[0].get("report_status") == "SUCCESS" else "failed")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, obj):
        data = json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        opts = self.server.opts
        if opts.cloud != "aliyun":
            return self.answer(405, {})
        raw = urllib.parse.urlsplit(self.path).query
        self.answer(*aliyun_send(opts, "GET", raw))

    def do_POST(self):
        opts = self.server.opts
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if opts.cloud == "aliyun":
            ct = self.headers.get("Content-Type", "")
            if not ct.startswith("application/x-www-form-urlencoded"):
                log("error", what="Content-Type " + ct)
                return self.answer(400, {"Code": "InvalidParameter"})
            self.answer(*aliyun_send(opts, "POST", body.decode()))
        else:
            self.answer(*tencent_send(opts, self.headers, body))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cloud", choices=["aliyun", "tencent"], required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--key-id", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--sign-name", required=True)
    p.add_argument("--sdk-app-id", default="")
    p.add_argument("--approved")
    p.add_argument("--param-max", type=int, default=35)
    p.add_argument("--throttle", type=int, default=0)
    p.add_argument("--fail-number", default="")
    p.add_argument("--dlr-url", default="")
    p.add_argument("--report", choices=["delivered", "failed"],
                   default="delivered")
    p.add_argument("--log")
    opts = p.parse_args()
    if opts.approved:
        with open(opts.approved, encoding="utf-8") as f:
            opts.approved = json.load(f)
    STATE["throttle"] = opts.throttle
    if opts.log:
        STATE["log"] = open(opts.log, "a", encoding="utf-8")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", opts.port), Handler)
    srv.daemon_threads = True
    srv.opts = opts
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("READY %d" % srv.server_address[1], flush=True)
    for line in sys.stdin:
        if line.strip() == "quit":
            break
    srv.shutdown()


if __name__ == "__main__":
    main()
