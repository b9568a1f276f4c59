/*
 * console_http.h: the program offices' console over HTTP (SPEC 10):
 *   GET|HEAD /console/...      the static files of console.dir
 *   POST /console/login        form username, password → 303 /console/
 *                              with the fupin_session cookie; a wrong
 *                              name or password → 303
 *                              /console/login.html?error=1 (one answer
 *                              for both); locked out → 429
 *   POST /console/logout       ends the session (X-CSRF-Token, or a
 *                              form field csrf) → 303 to the login page
 *   GET /api/v1/session        {"user","role","area","csrf"}, or 401
 * With console.enabled = false each answers 404.  Users and sessions are
 * gateway/core/console_user.h and console_session.h; how the admin API
 * takes the cookie is http_auth_caller (gateway/http/http_auth.h).
 */
#ifndef FP_CONSOLE_HTTP_H
#define FP_CONSOLE_HTTP_H

struct gw;
struct http_req;
struct http_resp;

#define CONSOLE_LOGIN_PAGE	"/console/login.html"
#define CONSOLE_LOGIN_FAILED	"/console/login.html?error=1"

void console_http_static(struct gw *gw, struct http_req *req,
    struct http_resp *resp);
void console_http_login(struct gw *gw, struct http_req *req,
    struct http_resp *resp);
void console_http_logout(struct gw *gw, struct http_req *req,
    struct http_resp *resp);
void console_http_session(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

#endif
