/*
 * api_page.c: query parameters of the read routes (see api_page.h).
 */
#include <stdio.h>
#include <string.h>

#include "api_common.h"
#include "api_page.h"
#include "http_server.h"
#include "parse.h"

static void
refuse(struct http_resp *resp, const char *name, size_t name_len,
    const char *reason)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%.*s: %s", (int)(name_len < 48 ?
	    name_len : 48), name, reason);
	http_resp_error(resp, 400, "invalid_parameter", msg);
}

/* Whether name[0..len) is one of the words of `list`. */
static bool
in_list(const char *list, const char *name, size_t len)
{
	const char *p = list;

	while (*p != '\0') {
		size_t n = strcspn(p, " ");

		if (n == len && memcmp(p, name, len) == 0)
			return true;
		p += n;
		while (*p == ' ')
			p++;
	}
	return false;
}

bool
api_page_known(struct http_req *req, struct http_resp *resp,
    const char *known)
{
	const char *q = req->raw_query != NULL ? req->raw_query : "";
	char seen[512] = " ", reason[160];

	while (*q != '\0') {
		size_t n = strcspn(q, "&"), name = strcspn(q, "=&");
		char word[64];

		if (name == 0) {
			q += n + (q[n] == '&');
			continue;
		}
		if (!in_list(known, q, name)) {
			snprintf(reason, sizeof(reason), "unknown parameter "
			    "(%s)", known);
			refuse(resp, q, name, reason);
			return false;
		}
		snprintf(word, sizeof(word), " %.*s ", (int)name, q);
		if (strstr(seen, word) != NULL) {
			refuse(resp, q, name, "given twice");
			return false;
		}
		if (strlen(seen) + strlen(word) < sizeof(seen))
			memcpy(seen + strlen(seen), word + 1, strlen(word));
		q += n + (q[n] == '&');
	}
	return true;
}

static bool
limit_of(struct http_req *req, struct http_resp *resp, int def, int max,
    int *limit)
{
	const char *l = http_req_arg(req, "limit");
	char reason[80];

	*limit = def;
	if (l != NULL && parse_int(l, 1, max, limit) != FP_OK) {
		snprintf(reason, sizeof(reason), "must be a whole number from "
		    "1 to %d", max);
		refuse(resp, "limit", 5, reason);
		return false;
	}
	return true;
}

bool
api_page_key(struct http_req *req, struct http_resp *resp,
    const char **after, int *limit)
{
	return api_page_key_sized(req, resp, API_PAGE_DEFAULT, API_PAGE_MAX,
	    after, limit);
}

bool
api_page_key_sized(struct http_req *req, struct http_resp *resp, int def,
    int max, const char **after, int *limit)
{
	const char *a = http_req_arg(req, "after");
	size_t i, n;

	*after = "";
	if (a != NULL) {
		n = strlen(a);
		for (i = 0; i < n; i++)
			if ((unsigned char)a[i] < 0x20 || a[i] == 0x7f)
				break;
		if (n == 0 || n > API_AFTER_MAX || i < n) {
			refuse(resp, "after", 5, "must be the \"next\" of the "
			    "page before (1 to 64 printable bytes)");
			return false;
		}
		*after = a;
	}
	return limit_of(req, resp, def, max, limit);
}

bool
api_page_id(struct http_req *req, struct http_resp *resp, int64_t *after,
    int *limit)
{
	const char *a = http_req_arg(req, "after");

	*after = 0;
	if (a != NULL && parse_int64(a, 1, INT64_MAX, after) != FP_OK) {
		refuse(resp, "after", 5, "must be an id, a whole number from 1 "
		    "(the \"next\" of the page before)");
		return false;
	}
	return limit_of(req, resp, API_PAGE_DEFAULT, API_PAGE_MAX, limit);
}

bool
api_page_offset_or_id(struct http_req *req, struct http_resp *resp,
    int64_t *offset, int64_t *after, int *limit)
{
	*after = 0;
	if (!api_paging(req, resp, offset, limit))
		return false;
	if (http_req_arg(req, "after") == NULL)
		return true;
	if (http_req_arg(req, "offset") != NULL) {
		http_resp_error(resp, 400, "invalid_parameter", "after: not "
		    "with offset (page by one or the other)");
		return false;
	}
	return api_page_id(req, resp, after, limit);
}

bool
api_page_area(struct http_req *req, struct http_resp *resp,
    const struct cfg_token *t, const char *name, char *out, size_t len)
{
	const char *a = http_req_arg(req, name);
	size_t n;

	snprintf(out, len, "%s", t->area);
	if (a == NULL)
		return true;
	n = strlen(a);
	if (n == 0 || n > 12 || strspn(a, "0123456789") != n) {
		refuse(resp, name, strlen(name), "must be a region code prefix, "
		    "1 to 12 digits");
		return false;
	}
	if (strncmp(a, t->area, strlen(t->area)) == 0) {
		snprintf(out, len, "%s", a);	/* inside the scope */
		return true;
	}
	if (strncmp(t->area, a, n) == 0)
		return true;	/* above it: the scope is the narrower */
	{
		char msg[96];

		snprintf(msg, sizeof(msg), "%s: outside this token's area",
		    name);
		http_resp_error(resp, 403, "forbidden", msg);
	}
	return false;
}

bool
api_page_masked(const struct cfg_token *t)
{
	return t->role == CFG_ROLE_VIEWER;
}
