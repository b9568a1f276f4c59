/*
 * api_users.c: the console's users over the admin API (see api_users.h).
 * The rules and the rows are console_user.c's and console_session.c's,
 * as fupinctl user uses them; here only who may, the JSON bodies and the
 * answers.  A password is hashed on the worker thread (slow on purpose,
 * console_password_hash) before its writer job.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_common.h"
#include "api_page.h"
#include "api_users.h"
#include "console_session.h"
#include "console_user.h"
#include "gateway.h"
#include "http_error.h"
#include "http_server.h"
#include "log.h"
#include "writer.h"

#define USERS_PATH	"/api/v1/users/"

enum user_action {
	USER_ADD,
	USER_PASSWORD,
	USER_DISABLE,
	USER_ENABLE,
	USER_UNLOCK,
};

struct user_job {
	enum user_action	 action;
	const char		*name;
	const struct console_user *u;		/* USER_ADD */
	const char		*hash;		/* USER_ADD, USER_PASSWORD */
	const char		*scope;		/* the caller's area */
	const char		*actor;
	int64_t			 now;
	bool			 was_locked;	/* out: USER_UNLOCK */
	int			 clients;	/* out: USER_UNLOCK */
};

static const struct http_errmap item_errors = {
	.not_found = "no such user",
	.rejected = "the user is outside this token's area",
	.fail = HTTP_FAIL_5XX,
	.fail_code = "store_error",
	.fail_message = "the database failed; nothing was changed, retry",
};

static enum fp_err
user_job_run(struct store *st, void *arg)
{
	struct user_job *j = arg;
	struct console_user u;
	enum fp_err err;

	if (j->action == USER_ADD)
		return console_user_insert(st, j->u, j->hash, j->actor, j->now);
	/* In the job: the user as it is when the change is made. */
	err = console_user_get(st, j->name, &u);
	if (err != FP_OK)
		return err;
	if (!console_user_in_scope(&u, j->scope))
		return FP_EREJECT;
	switch (j->action) {
	case USER_PASSWORD:
		return console_user_set_password(st, j->name, j->hash,
		    j->actor, j->now);
	case USER_DISABLE:
	case USER_ENABLE:
		return console_user_set_disabled(st, j->name, j->action ==
		    USER_DISABLE, j->actor, j->now);
	case USER_UNLOCK:
		return console_login_unlock(st, j->name, j->actor, j->now,
		    &j->was_locked, &j->clients);
	default:
		return FP_EINVAL;
	}
}

/* The caller, an admin; NULL with the answer set (401, 403). */
static const struct cfg_token *
admin_of(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t;

	t = api_token(gw, req, resp, req->method_bit != HTTP_GET);
	if (t != NULL && t->role != CFG_ROLE_ADMIN) {
		http_resp_error(resp, 403, "forbidden", "only an admin may "
		    "manage the console's users");
		return NULL;
	}
	return t;
}

/* The string field `key` of o into *out (NULL when absent, if optional);
 * false with a 400 naming it. */
static bool
string_field(struct json_object *o, const char *key, bool is_required,
    const char **out, struct http_resp *resp)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		if (!is_required)
			return true;
		api_field_error(resp, key, "required");
		return false;
	}
	if (!json_object_is_type(v, json_type_string)) {
		api_field_error(resp, key, "must be a string");
		return false;
	}
	*out = json_object_get_string(v);
	return true;
}

/* Every field of o is one of `known` (names separated by spaces). */
static bool
fields_known(struct json_object *o, const char *known,
    struct http_resp *resp)
{
	json_object_object_foreach(o, key, val) {
		const char *p = known;
		size_t n = strlen(key);
		bool found = false;

		(void)val;
		while (*p != '\0' && !found) {
			size_t w = strcspn(p, " ");

			found = w == n && strncmp(p, key, n) == 0;
			p += w;
			while (*p == ' ')
				p++;
		}
		if (!found) {
			if (*known == '\0')
				api_field_error(resp, key, "unknown field (this "
				    "route takes none)");
			else
				api_unknown_field(resp, key, known);
			return false;
		}
	}
	return true;
}

/* The password's Argon2id hash into hash; false with the answer set. */
static bool
hash_password(const char *password, char hash[CONSOLE_HASH_MAX],
    struct http_resp *resp)
{
	const char *why = console_password_check(password);
	enum fp_err err;

	if (why != NULL) {
		api_field_error(resp, "password", why);
		return false;
	}
	err = console_password_hash(password, hash);
	if (err != FP_OK) {
		http_resp_error(resp, 503, "unavailable", "the password could "
		    "not be hashed now; retry");
		return false;
	}
	return true;
}

/* Answer `status` with the user `name` as GET lists it, plus extra
 * (consumed, may be NULL) merged in. */
static void
answer_user(struct gw *gw, struct http_resp *resp, int status,
    const char *name, int64_t now, struct json_object *extra)
{
	struct json_object *out = NULL;
	struct store *st = NULL;
	enum fp_err err;

	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = console_user_json(st, name, now, &out);
	if (err != FP_OK) {
		json_object_put(extra);
		http_resp_fp_error(resp, err, &item_errors);
		return;
	}
	if (extra != NULL) {
		json_object_object_foreach(extra, key, val) {
			json_object_object_add(out, key, json_object_get(val));
		}
		json_object_put(extra);
	}
	api_json(resp, status, out);
}

static void
list(struct gw *gw, struct http_req *req, struct http_resp *resp,
    const struct cfg_token *t)
{
	struct json_object *out = NULL;
	struct store *st = NULL;
	const char *after;
	int limit;
	enum fp_err err;

	if (!api_page_known(req, resp, "after limit") ||
	    !api_page_key(req, resp, &after, &limit))
		return;
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = console_user_page(st, t->area, after, limit,
		    (int64_t)time(NULL), &out);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &item_errors);
		return;
	}
	api_json(resp, 200, out);
}

static void
add(struct gw *gw, struct http_req *req, struct http_resp *resp,
    const struct cfg_token *t)
{
	char hash[CONSOLE_HASH_MAX];
	const char *name, *role, *area, *password, *why;
	struct console_user u;
	struct json_object *o;
	struct user_job j;
	enum fp_err err;

	o = api_body(req, resp);
	if (o == NULL)
		return;
	if (!fields_known(o, "name role area password", resp) ||
	    !string_field(o, "name", true, &name, resp) ||
	    !string_field(o, "role", true, &role, resp) ||
	    !string_field(o, "area", false, &area, resp) ||
	    !string_field(o, "password", true, &password, resp))
		goto done;
	memset(&u, 0, sizeof(u));
	if ((why = console_user_name_check(name)) != NULL) {
		api_field_error(resp, "name", why);
		goto done;
	}
	if (!console_role_parse(role, &u.role)) {
		api_field_error(resp, "role", "must be admin, office or viewer");
		goto done;
	}
	if (area == NULL)
		area = "";
	if ((why = console_user_area_check(area)) != NULL) {
		api_field_error(resp, "area", why);
		goto done;
	}
	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(u.area, sizeof(u.area), "%s", area);
	/* An admin of an area makes users inside it only. */
	if (!console_user_in_scope(&u, t->area)) {
		http_resp_error(resp, 403, "forbidden", "area: outside this "
		    "token's area");
		goto done;
	}
	if (!hash_password(password, hash, resp))
		goto done;
	memset(&j, 0, sizeof(j));
	j.action = USER_ADD;
	j.name = u.name;
	j.u = &u;
	j.hash = hash;
	j.scope = t->area;
	j.actor = t->name;
	j.now = (int64_t)time(NULL);
	err = writer_run(gw->writer, user_job_run, &j);
	if (err == FP_EDUP) {
		http_resp_error(resp, 409, "conflict", "name: taken already");
		goto done;
	}
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &item_errors);
		goto done;
	}
	log_info("api.user.add name=%s role=%s area=%s token=%s", u.name,
	    cfg_role_name(u.role), u.area, t->name);
	answer_user(gw, resp, 201, u.name, j.now, NULL);
done:
	json_object_put(o);
}

void
api_users(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const struct cfg_token *t = admin_of(gw, req, resp);

	if (t == NULL)
		return;
	if (req->method_bit == HTTP_POST)
		add(gw, req, resp, t);
	else
		list(gw, req, resp, t);
}

/* "password" -> USER_PASSWORD ...; false for another word. */
static bool
action_of(const char *word, enum user_action *a)
{
	static const struct {
		const char		*word;
		enum user_action	 action;
	} actions[] = {
		{ "password", USER_PASSWORD }, { "disable", USER_DISABLE },
		{ "enable", USER_ENABLE }, { "unlock", USER_UNLOCK },
	};
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(word, actions[i].word) == 0) {
			*a = actions[i].action;
			return true;
		}
	return false;
}

static const char *const action_names[] = {
	[USER_ADD] = "add", [USER_PASSWORD] = "password",
	[USER_DISABLE] = "disable", [USER_ENABLE] = "enable",
	[USER_UNLOCK] = "unlock",
};

void
api_user_item(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const char *rest = req->path + strlen(USERS_PATH), *password = NULL;
	char name[CONSOLE_NAME_MAX + 1], hash[CONSOLE_HASH_MAX], self[80];
	const struct cfg_token *t;
	struct json_object *o = NULL, *extra = NULL;
	enum user_action action;
	struct user_job j;
	size_t n = strcspn(rest, "/");
	enum fp_err err;

	if (n == 0 || n > CONSOLE_NAME_MAX || rest[n] != '/' ||
	    !action_of(rest + n + 1, &action)) {
		http_resp_error(resp, 404, "not_found", "no such path");
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)n, rest);
	if (req->method_bit != HTTP_POST) {
		resp->allow = "POST";
		http_resp_error(resp, 405, "method_not_allowed", "change a "
		    "user with POST");
		return;
	}
	t = admin_of(gw, req, resp);
	if (t == NULL)
		return;
	/* A name that breaks the rules is nobody's. */
	if (console_user_name_check(name) != NULL) {
		http_resp_fp_error(resp, FP_ENOTFOUND, &item_errors);
		return;
	}
	if (req->body_len > 0) {
		o = api_body(req, resp);
		if (o == NULL)
			return;
		if (!fields_known(o, action == USER_PASSWORD ? "password" : "",
		    resp))
			goto done;
	}
	if (action == USER_PASSWORD) {
		if (o == NULL) {
			api_field_error(resp, "password", "required");
			goto done;
		}
		if (!string_field(o, "password", true, &password, resp) ||
		    !hash_password(password, hash, resp))
			goto done;
	}
	/* The last admin must not lock the door behind them. */
	snprintf(self, sizeof(self), "user:%s", name);
	if (action == USER_DISABLE && strcmp(self, t->name) == 0) {
		http_resp_error(resp, 409, "conflict", "name: an admin cannot "
		    "disable their own user");
		goto done;
	}
	memset(&j, 0, sizeof(j));
	j.action = action;
	j.name = name;
	j.hash = action == USER_PASSWORD ? hash : NULL;
	j.scope = t->area;
	j.actor = t->name;
	j.now = (int64_t)time(NULL);
	err = writer_run(gw->writer, user_job_run, &j);
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &item_errors);
		goto done;
	}
	log_info("api.user.%s name=%s token=%s", action_names[action], name,
	    t->name);
	if (action == USER_UNLOCK) {
		extra = json_object_new_object();
		json_object_object_add(extra, "was_locked",
		    json_object_new_boolean(j.was_locked));
		json_object_object_add(extra, "clients_unlocked",
		    json_object_new_int(j.clients));
	} else if (action != USER_ENABLE) {
		extra = json_object_new_object();
		json_object_object_add(extra, "sessions_ended",
		    json_object_new_boolean(true));
	}
	answer_user(gw, resp, 200, name, j.now, extra);
done:
	json_object_put(o);
}
