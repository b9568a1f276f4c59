/*
 * feedback.h: reading and closing feedback tickets (SPEC 3.5), for the
 * admin API and fupinctl; tickets are made by FK and the menus
 * (service_ops.h).
 */
#ifndef FP_FEEDBACK_H
#define FP_FEEDBACK_H

#include <json-c/json.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

/* Which tickets: each a prefix or a value, NULL or "" for all. */
struct feedback_filter {
	const char	*scope;		/* the caller's area prefix */
	const char	*area;		/* an area prefix inside it */
	const char	*status;	/* "open", "closed" */
	const char	*category;	/* a menu's category ("water", ...), or
					 * "none" for the uncategorised (FK) */
};

/*
 * Tickets inside scope and area (both narrow), of a status and category,
 * newest first: {"items","offset","limit","total","next"}, `limit` of
 * them after the first `offset`; "next" is the id (as text) to pass to
 * feedback_page as `after` for the next page, or null.  Each item:
 * {"id","ticket","msisdn","household_id","area_code","category","text",
 * "channel","status","created_at","closed_at","closed_by","resolution"}.
 * When `mask`, the number is masked and so are the mobile numbers in
 * the text and resolution (SPEC 10: a viewer).
 */
enum fp_err feedback_list(struct store *st, const struct feedback_filter *f,
    int64_t offset, int limit, bool mask, struct json_object **out);

/*
 * The same paged by key (SPEC 10): the tickets with an id below `after`
 * (0: from the newest), {"items","limit","next"}, no count of all.
 */
enum fp_err feedback_page(struct store *st, const struct feedback_filter *f,
    int64_t after, int limit, bool mask, struct json_object **out);

/*
 * One ticket ("F12") as the list has it, into *out (caller puts).
 * FP_ENOTFOUND; FP_EREJECT when its area is outside `scope`.
 */
enum fp_err feedback_get(struct store *st, const char *ticket,
    const char *scope, bool mask, struct json_object **out);

/*
 * Close ticket ("F12") with a resolution (may be NULL), audited.
 * FP_ENOTFOUND, FP_EREJECT outside the scope, FP_EBUSY already closed.
 */
enum fp_err feedback_close(struct store *st, const char *ticket,
    const char *scope, const char *actor, const char *resolution,
    int64_t now);

#endif
