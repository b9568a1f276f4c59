/*
 * api_page.h: the query parameters of the admin API's read routes (SPEC
 * 10): paging by key (`after`, `limit`), the parameters a route knows,
 * an area filter inside the caller's scope.  Every refusal is a 400
 * (403 for an area outside the scope) naming the parameter first,
 * "<name>: <reason>" (SPEC 3.5).
 */
#ifndef FP_API_PAGE_H
#define FP_API_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

struct http_req;
struct http_resp;

#define API_PAGE_DEFAULT	50	/* limit when none is given */
#define API_PAGE_MAX		500	/* the largest limit */
#define API_AFTER_MAX		64	/* bytes of an `after` key */
#define API_AREAS_MAX		5000	/* nodes of the region tree a page */
#define API_TEMPLATES_MAX	500	/* texts a page, also the default */

/*
 * Every parameter of the query is one of `known` (names separated by
 * spaces) and none is given twice; else a 400 "<name>: unknown
 * parameter (<known>)" or "<name>: given twice".
 */
bool api_page_known(struct http_req *req, struct http_resp *resp,
    const char *known);

/*
 * `after` as a key (*after: "" when absent; printable, at most
 * API_AFTER_MAX bytes) and `limit` (1 to API_PAGE_MAX, default
 * API_PAGE_DEFAULT); false with a 400 set.
 */
bool api_page_key(struct http_req *req, struct http_resp *resp,
    const char **after, int *limit);

/* The same with another default and largest limit (a route whose items
 * are small and that a page reads whole: the region tree, the texts). */
bool api_page_key_sized(struct http_req *req, struct http_resp *resp,
    int def, int max, const char **after, int *limit);

/* The same with `after` an id (a whole number from 1; 0 when absent). */
bool api_page_id(struct http_req *req, struct http_resp *resp,
    int64_t *after, int *limit);

/*
 * A list paged either way: `offset` (SPEC 3.5, with api_paging's limit)
 * or, when `after` is given, by id as api_page_id (SPEC 10); both at
 * once is a 400.  *offset and *after are 0 for the way not taken.
 */
bool api_page_offset_or_id(struct http_req *req, struct http_resp *resp,
    int64_t *offset, int64_t *after, int *limit);

/*
 * The area a list is narrowed to: parameter `name` (1 to 12 digits)
 * when given, else the token's area.  A parameter outside the token's
 * area is a 403 (as SPEC 3.5 answers a request outside the scope); a
 * parameter above it (a prefix of it) narrows to the token's area.
 * out[len] gets the prefix ("" for everything); false with the answer
 * set.
 */
bool api_page_area(struct http_req *req, struct http_resp *resp,
    const struct cfg_token *t, const char *name, char *out, size_t len);

/* Whether numbers are masked for this caller (SPEC 10: viewers). */
bool api_page_masked(const struct cfg_token *t);

#endif
