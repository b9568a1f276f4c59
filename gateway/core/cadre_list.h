/*
 * cadre_list.h: the registry's village cadres for the console (issue 15):
 * GET /api/v1/cadres, the tasks page's cadre picker.  Reading only.
 */
#ifndef FP_CADRE_LIST_H
#define FP_CADRE_LIST_H

#include <json-c/json.h>
#include <stdbool.h>

#include "err.h"
#include "store.h"

#define CADRE_QUERY_MAX	32	/* bytes of a name search */

/*
 * The cadres whose area code is inside `area` ("" all), and, when q is
 * not empty, whose name holds q or whose id starts with it (letters in
 * any case), by id: those after id `after` ("" from the first), at most
 * `limit`.  {"items":[{"cadre_id","name","phone","area_code","title"}],
 * "limit","next"} in *out (caller puts); "next" the id to pass as after,
 * or null.  The phone masked when `mask` (SPEC 10: a viewer); a search
 * never looks at phone numbers, so a masked one cannot be probed.
 */
enum fp_err cadre_list(struct store *st, const char *area, const char *q,
    const char *after, int limit, bool mask, struct json_object **out);

#endif
