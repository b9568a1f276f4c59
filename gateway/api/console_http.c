/*
 * console_http.c: the console's routes (see console_http.h).  Sign-in
 * runs on a worker thread: the Argon2id check is slow on purpose, and
 * the session or the failure is written through the writer.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_common.h"
#include "console_http.h"
#include "console_session.h"
#include "console_user.h"
#include "form.h"
#include "gateway.h"
#include "http_auth.h"
#include "http_server.h"
#include "http_static.h"
#include "log.h"
#include "writer.h"

#define FORM_TYPE	"application/x-www-form-urlencoded"

static struct log_limit failures = LOG_LIMIT_INIT("console.login.failed",
    LOG_PER_S);

/* The answer when the console is off: as if it were not there. */
static bool
is_off(struct gw *gw, struct http_resp *resp)
{
	if (gw->cfg->console.enabled)
		return false;
	http_resp_error(resp, 404, "not_found", "no such path");
	return true;
}

void
console_http_static(struct gw *gw, struct http_req *req,
    struct http_resp *resp)
{
	if (is_off(gw, resp))
		return;
	http_static_security_headers(resp);
	if (strcmp(req->path, "/console") == 0) {
		http_resp_header(resp, "Location", "/console/");
		http_resp_set(resp, 303, NULL, "", 0);
		return;
	}
	http_static_serve(req, resp, gw->cfg->console.dir,
	    req->path + strlen("/console/"));
}

static void
redirect(struct http_resp *resp, const char *to)
{
	http_resp_header(resp, "Location", to);
	http_resp_set(resp, 303, NULL, "", 0);
}

/* The session cookie's header value: `token`, or "" to clear it. */
static void
set_cookie(struct gw *gw, struct http_resp *resp, const char *token)
{
	char v[256];

	snprintf(v, sizeof(v), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
	    HTTP_SESSION_COOKIE, token, *token == '\0' ? "; Max-Age=0" : "",
	    gw->cfg->console.secure_cookie ? "; Secure" : "");
	http_resp_header(resp, "Set-Cookie", v);
}

/* SPEC 10: 429 for the rest of the lockout, as a small page. */
static void
locked_out(struct http_resp *resp, int64_t retry_s)
{
	static const char page[] =
	    "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8"
	    "\"><meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>登录尝试过多 · Too many attempts</title></head><body>"
	    "<main><h1>登录尝试过多</h1><p>登录失败次数过多，请 15 分钟后再"
	    "试。</p><p lang=\"en\">Too many failed sign-ins: try again in 15 "
	    "minutes.</p><p><a href=\"" CONSOLE_LOGIN_PAGE "\">返回登录 · "
	    "Back to sign-in</a></p></main></body></html>\n";
	char after[24];

	snprintf(after, sizeof(after), "%lld", (long long)(retry_s > 0 ?
	    retry_s : 1));
	http_resp_header(resp, "Retry-After", after);
	http_resp_set(resp, 429, "text/html; charset=utf-8", page,
	    sizeof(page) - 1);
}

struct login_job {
	const char	*name;
	const char	*client;
	int64_t		 now;
	int		 idle_s;
	char		 token[CONSOLE_TOKEN_HEX + 1];	/* out: new session */
	bool		 is_locked;			/* out: failure locked */
};

static enum fp_err
session_job_run(struct store *st, void *arg)
{
	struct login_job *j = arg;

	return console_session_create(st, j->name, j->now, j->idle_s,
	    j->token);
}

static enum fp_err
failure_job_run(struct store *st, void *arg)
{
	struct login_job *j = arg;

	return console_login_failed(st, j->name, j->client, j->now,
	    &j->is_locked);
}

/* The form's field as a C string; NULL when absent or holding a NUL. */
static const char *
field(const struct form *f, const char *name)
{
	size_t len = 0;
	const char *v = form_get(f, name, &len);

	return v != NULL && strlen(v) == len ? v : NULL;
}

void
console_http_login(struct gw *gw, struct http_req *req,
    struct http_resp *resp)
{
	char name[CONSOLE_NAME_MAX + 1], client[CONSOLE_CLIENT_MAX];
	const char *ct = http_req_header(req, "Content-Type");
	const char *user, *password;
	struct login_job j;
	struct console_user u;
	struct form *f = NULL;
	struct store *st = NULL;
	int64_t now = (int64_t)time(NULL), until = 0;
	bool is_locked = false;
	enum fp_err err;

	if (is_off(gw, resp))
		return;
	http_static_security_headers(resp);
	if (ct == NULL || strncasecmp(ct, FORM_TYPE, strlen(FORM_TYPE)) != 0 ||
	    form_parse(req->body, req->body_len, &f) != FP_OK) {
		http_resp_error(resp, 400, "invalid_request", "body: the "
		    "sign-in form (" FORM_TYPE ": username, password)");
		return;
	}
	user = field(f, "username");
	password = field(f, "password");
	if (user == NULL || password == NULL || *user == '\0') {
		form_free(f);
		redirect(resp, CONSOLE_LOGIN_FAILED);
		return;
	}
	/* The lockout's key: the name as typed, cut to a name's length. */
	snprintf(name, sizeof(name), "%s", user);
	http_req_client(req, client, sizeof(client));
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = console_login_locked(st, name, client, now, &is_locked,
		    &until);
	if (err == FP_OK && is_locked) {
		form_free(f);
		locked_out(resp, until - now);
		return;
	}
	if (err == FP_OK)
		err = console_user_authenticate(st, user, password, &u);
	form_free(f);
	memset(&j, 0, sizeof(j));
	j.name = name;
	j.client = client;
	j.now = now;
	j.idle_s = gw->cfg->console.session_idle_s;
	if (err == FP_OK) {
		err = writer_run(gw->writer, session_job_run, &j);
		if (err == FP_OK) {
			set_cookie(gw, resp, j.token);
			redirect(resp, "/console/");
			log_info("console.login user=%s role=%s client=%s",
			    u.name, cfg_role_name(u.role), client);
			memset(j.token, 0, sizeof(j.token));
			return;
		}
	} else if (err == FP_EREJECT) {
		err = writer_run(gw->writer, failure_job_run, &j);
		if (err == FP_OK) {
			/* The name only when it is a user's: a password typed
			 * into the name field must never reach the log. */
			bool known = console_user_get(st, name, &u) == FP_OK;

			if (log_allow(&failures))
				log_warnx("console.login.failed user=%s "
				    "client=%s locked=%s", known ? name : "-",
				    client, j.is_locked ? "yes" : "no");
			if (j.is_locked)
				locked_out(resp, CONSOLE_LOCK_S);
			else
				redirect(resp, CONSOLE_LOGIN_FAILED);
			return;
		}
	}
	http_resp_error(resp, 503, "unavailable", "the database is busy; "
	    "retry");
}

static enum fp_err
end_job_run(struct store *st, void *arg)
{
	const uint8_t *token_hash = arg;

	return console_session_end(st, token_hash);
}

void
console_http_logout(struct gw *gw, struct http_req *req,
    struct http_resp *resp)
{
	const struct http_user *u = NULL;
	const char *csrf = http_req_header(req, HTTP_CSRF_HEADER);
	uint8_t token_hash[32];
	struct form *f = NULL;
	enum fp_err err;
	bool ok;

	if (is_off(gw, resp))
		return;
	http_static_security_headers(resp);
	err = http_auth_session(gw, req, (int64_t)time(NULL), &u);
	if (err != FP_OK) {
		/* Nothing to end: the cookie, if any, is cleared anyway. */
		set_cookie(gw, resp, "");
		redirect(resp, CONSOLE_LOGIN_PAGE);
		return;
	}
	/* A plain form cannot send a header: its hidden field will do. */
	if (csrf == NULL && form_parse(req->body, req->body_len, &f) == FP_OK)
		csrf = field(f, "csrf");
	ok = console_csrf_matches(&u->session, csrf);
	form_free(f);
	if (!ok) {
		http_resp_error(resp, 403, "csrf", "logout needs the session's "
		    "X-CSRF-Token header (or form field csrf)");
		return;
	}
	memcpy(token_hash, u->session.token_hash, sizeof(token_hash));
	err = writer_run(gw->writer, end_job_run, token_hash);
	if (err != FP_OK) {
		http_resp_error(resp, 503, "unavailable", "the database is "
		    "busy; retry");
		return;
	}
	log_info("console.logout user=%s", u->session.user.name);
	set_cookie(gw, resp, "");
	redirect(resp, CONSOLE_LOGIN_PAGE);
}

void
console_http_session(struct gw *gw, struct http_req *req,
    struct http_resp *resp)
{
	const struct http_user *u = NULL;
	struct json_object *o;

	if (is_off(gw, resp))
		return;
	http_resp_header(resp, "Cache-Control", "no-store");
	if (http_auth_session(gw, req, (int64_t)time(NULL), &u) != FP_OK) {
		http_resp_error(resp, 401, "unauthorized", "not signed in to "
		    "the console");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "user", json_object_new_string(
	    u->session.user.name));
	json_object_object_add(o, "role", json_object_new_string(
	    cfg_role_name(u->session.user.role)));
	json_object_object_add(o, "area", json_object_new_string(
	    u->session.user.area));
	json_object_object_add(o, "csrf", json_object_new_string(
	    u->session.csrf));
	api_json(resp, 200, o);
}
