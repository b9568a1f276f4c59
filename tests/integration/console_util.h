/*
 * console_util.h: helpers the console suites (test_console_*.c) share:
 * fupinctl against the test's config and the three users most tests
 * sign in as (the demo registry is gwtest's), signing in through POST
 * /console/login, requests with a bearer token or a session's cookie, a
 * response header, and reading an answer's JSON by a dotted path.
 *
 * The request helpers take the suite's gateway and the reply to fill in
 * (each suite keeps its own, and its tests read it after the call).
 */
#ifndef FP_CONSOLE_UTIL_H
#define FP_CONSOLE_UTIL_H

#include <stddef.h>

#include "gwtest.h"

struct json_object;

/* The passwords of the users cu_add_users makes. */
#define PW_ADMIN	"admin-password-0"
#define PW_OFFICE	"office-password-1"
#define PW_VIEWER	"viewer-password-2"

/* A console session: its cookie ("fupin_session=<token>"), the token
 * alone, and the CSRF token GET /api/v1/session gave it. */
struct cu_session {
	char	cookie[128];
	char	token[80];
	char	csrf[80];
};

/* Run sql on the gateway's database (fails the test on an error). */
void cu_exec_sql(const struct tg *t, const char *sql);

/*
 * fupinctl -c <t's config> args with `input` on standard input; its exit
 * code, its output (stdout and stderr) into *out as tu_run (may be NULL;
 * the caller frees).
 */
int cu_ctl(const struct tg *t, const char *input, const char *args,
    char **out);

/* cu_ctl that must exit 0 (its output in the failure's message). */
void cu_ctl_ok(const struct tg *t, const char *input, const char *args);

/* With fupinctl: admin (admin), office and viewer (of 5134), with the
 * passwords PW_ADMIN, PW_OFFICE and PW_VIEWER. */
void cu_add_users(const struct tg *t);

/* A response header's value (the first, name in any case) in a static
 * buffer, good until the next call; NULL when absent. */
const char *cu_header(const struct tg_reply *r, const char *name);

/* A request with a bearer token (NULL: no credentials) and a JSON body
 * (NULL: none); the answer in *r, its status returned. */
long cu_bearer_request(const struct tg *t, struct tg_reply *r,
    const char *method, const char *path, const char *token,
    const char *json);

/* POST /console/login with name and password, extra headers (may be
 * NULL); the answer in *r, its status returned. */
long cu_login(const struct tg *t, struct tg_reply *r, const char *name,
    const char *password, const char *extra);

/*
 * Sign in (it must succeed: 303 to /console/, a 64-character session
 * token in the cookie) and read the session's CSRF token into *s; *r is
 * left with the answer of GET /api/v1/session.
 */
void cu_sign_in(const struct tg *t, struct tg_reply *r, const char *name,
    const char *password, struct cu_session *s);

/* A request with the session's cookie, csrf as its X-CSRF-Token header
 * (NULL: none) and a JSON body (NULL: none); the status. */
long cu_session_request(const struct tg *t, struct tg_reply *r,
    const struct cu_session *s, const char *method, const char *path,
    const char *json, const char *csrf);

/*
 * o at a dotted path, "items[2].name" style; NULL when absent or JSON
 * null.  The object stays o's (no reference taken).
 */
struct json_object *cu_at(struct json_object *o, const char *path);

/* cu_at's string, owned by o; "(none)" when absent or null. */
const char *cu_str(struct json_object *o, const char *path);

/* The length of the array at path; (size_t)-1 when it is no array. */
size_t cu_count(struct json_object *o, const char *path);

#endif
