/*
 * lookup.h: the console's lookup page (SPEC 10): a household as a
 * villager's CX shows it, with its members and cadre, and a phone
 * number's message history in both directions.  Reading only; the
 * caller (gateway/api/api_lookup.c) checks the scope of a number.
 */
#ifndef FP_LOOKUP_H
#define FP_LOOKUP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"
#include "svc.h"

/*
 * Household `id` if its area is inside scope: its registry row, members
 * (name, relation, phone, opted out; never an ID number), cadre,
 * enrollments, the last 20 payments, and "summary", the CX reply
 * (household_summary_text) with its pieces in "summary_parts", in `lang`
 * (NULL: the household's language), at now (the next training is one
 * from today on).  Phone numbers masked when `mask`, in the summary too.
 * FP_ENOTFOUND: no such household.  FP_EREJECT: outside the scope.
 */
enum fp_err lookup_household(struct store *st, const struct svc_ctx *ctx,
    const char *id, const char *scope, const char *lang, bool mask,
    int64_t now, struct json_object **out);

/* Which messages of a number. */
enum lookup_direction {
	LOOKUP_BOTH,
	LOOKUP_IN,	/* sent by the number (MO) */
	LOOKUP_OUT,	/* sent to it (MT) */
};

/*
 * The messages of number `e164` (E.164), newest first, both directions
 * in one list (inbound and outbound share one id space): those with an
 * id below `before` (0: from the newest), at most `limit`; "next" is the
 * id to pass as after for the next page, or null.  Each: id, direction,
 * status, text; in: command, route, household_id, received_at; out:
 * kind, provider, segments, error, broadcast_id, created_at, updated_at.
 * The number is masked when `mask`, and so are the mobile numbers in the
 * texts (a CX reply names the cadre's).
 */
enum fp_err lookup_messages(struct store *st, const char *e164,
    enum lookup_direction dir, int64_t before, int limit, bool mask,
    struct json_object **out);

#endif
