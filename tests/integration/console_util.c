/*
 * console_util.c: helpers of the console suites (see console_util.h).
 */
#include <check.h>
#include <json-c/json.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "console_util.h"
#include "gwtest.h"
#include "testutil.h"

void
cu_exec_sql(const struct tg *t, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(t->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s", msg != NULL ? msg : "");
	sqlite3_close(db);
}

int
cu_ctl(const struct tg *t, const char *input, const char *args, char **out)
{
	char cmd[2048];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	/* tu_run gives the shell's stderr the pipe too: fupinctl's
	 * messages land in *out with its output. */
	snprintf(cmd, sizeof(cmd), "printf '%%s\\n' '%s' | %s -c %s %s",
	    input, tu_bin("fupinctl"), t->conf, args);
	return tu_run(argv, out);
}

void
cu_ctl_ok(const struct tg *t, const char *input, const char *args)
{
	char *out = NULL;

	ck_assert_msg(cu_ctl(t, input, args, &out) == 0, "fupinctl %s: %s",
	    args, out != NULL ? out : "");
	free(out);
}

void
cu_add_users(const struct tg *t)
{
	cu_ctl_ok(t, PW_ADMIN, "user add admin --role admin");
	cu_ctl_ok(t, PW_OFFICE, "user add office --role office --area 5134");
	cu_ctl_ok(t, PW_VIEWER, "user add viewer --role viewer --area 5134");
}

const char *
cu_header(const struct tg_reply *r, const char *name)
{
	static char v[1024];
	const char *p = r->headers;
	size_t n = strlen(name);

	while (p != NULL && *p != '\0') {
		const char *eol = strstr(p, "\r\n");
		size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);

		if (len > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *s = p + n + 1;

			while (*s == ' ')
				s++;
			snprintf(v, sizeof(v), "%.*s", (int)(len - (size_t)(s -
			    p)), s);
			return v;
		}
		p = eol != NULL ? eol + 2 : NULL;
	}
	return NULL;
}

long
cu_bearer_request(const struct tg *t, struct tg_reply *r,
    const char *method, const char *path, const char *token,
    const char *json)
{
	char auth[128];

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    token != NULL ? token : "");
	ck_assert_int_eq(tg_request(t, method, path, json != NULL ?
	    "application/json" : NULL, json, json != NULL ? strlen(json) : 0,
	    token != NULL ? auth : NULL, false, r), 0);
	return r->status;
}

long
cu_login(const struct tg *t, struct tg_reply *r, const char *name,
    const char *password, const char *extra)
{
	char body[512];

	snprintf(body, sizeof(body), "username=%s&password=%s", name,
	    password);
	ck_assert_int_eq(tg_request(t, "POST", "/console/login",
	    "application/x-www-form-urlencoded", body, strlen(body), extra,
	    false, r), 0);
	return r->status;
}

void
cu_sign_in(const struct tg *t, struct tg_reply *r, const char *name,
    const char *password, struct cu_session *s)
{
	const char *c, *p;
	char hdr[256];

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(cu_login(t, r, name, password, NULL), 303);
	ck_assert_str_eq(cu_header(r, "Location"), "/console/");
	c = cu_header(r, "Set-Cookie");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(strncmp(c, "fupin_session=", 14), 0);
	snprintf(s->token, sizeof(s->token), "%.*s", (int)strcspn(c + 14, ";"),
	    c + 14);
	ck_assert_uint_eq(strlen(s->token), 64);
	snprintf(s->cookie, sizeof(s->cookie), "fupin_session=%s", s->token);
	snprintf(hdr, sizeof(hdr), "Cookie: %s", s->cookie);
	ck_assert_int_eq(tg_request(t, "GET", "/api/v1/session", NULL, NULL,
	    0, hdr, false, r), 0);
	ck_assert_int_eq(r->status, 200);
	p = strstr(r->body, "\"csrf\":\"");
	ck_assert_ptr_nonnull(p);
	snprintf(s->csrf, sizeof(s->csrf), "%.64s", p + 8);
}

long
cu_session_request(const struct tg *t, struct tg_reply *r,
    const struct cu_session *s, const char *method, const char *path,
    const char *json, const char *csrf)
{
	char hdr[512];

	if (csrf != NULL)
		snprintf(hdr, sizeof(hdr), "Cookie: %s\nX-CSRF-Token: %s",
		    s->cookie, csrf);
	else
		snprintf(hdr, sizeof(hdr), "Cookie: %s", s->cookie);
	ck_assert_int_eq(tg_request(t, method, path, json != NULL ?
	    "application/json" : NULL, json, json != NULL ? strlen(json) : 0,
	    hdr, false, r), 0);
	return r->status;
}

struct json_object *
cu_at(struct json_object *o, const char *path)
{
	char key[64];
	const char *p = path;

	while (o != NULL && *p != '\0') {
		size_t n = strcspn(p, ".[");

		if (n > 0) {
			snprintf(key, sizeof(key), "%.*s", (int)n, p);
			if (!json_object_object_get_ex(o, key, &o))
				return NULL;
			p += n;
		}
		if (*p == '[') {
			size_t i = (size_t)strtoul(p + 1, NULL, 10);

			o = json_object_get_type(o) == json_type_array &&
			    i < json_object_array_length(o) ?
			    json_object_array_get_idx(o, i) : NULL;
			p = strchr(p, ']');
			if (p == NULL)
				return NULL;
			p++;
		}
		if (*p == '.')
			p++;
	}
	return o;
}

const char *
cu_str(struct json_object *o, const char *path)
{
	struct json_object *v = cu_at(o, path);

	return v != NULL ? json_object_get_string(v) : "(none)";
}

size_t
cu_count(struct json_object *o, const char *path)
{
	struct json_object *v = cu_at(o, path);

	return v != NULL && json_object_get_type(v) == json_type_array ?
	    json_object_array_length(v) : (size_t)-1;
}
