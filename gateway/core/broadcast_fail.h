/*
 * broadcast_fail.h: a broadcast's failures by reason (issue 15), for
 * GET /api/v1/broadcasts/{id}: why its messages failed or expired, as
 * the overview groups the failures of a day (rollup_reason).
 */
#ifndef FP_BROADCAST_FAIL_H
#define FP_BROADCAST_FAIL_H

#include <json-c/json.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

#define BROADCAST_FAIL_TOP	20	/* reasons listed, most frequent first */

/*
 * The failed and expired messages of broadcast `id` grouped by provider
 * and reason (the error's text before its first ':' or ';': "http 503",
 * "timeout", "validity expired", a delivery report's reason), the most
 * frequent first, at most `max`: a JSON array of {"provider","reason",
 * "status","count"} in *out (caller puts).  The messages stay after a
 * broadcast's recipient rows are pruned, so the answer does too.  The
 * scope is the caller's to check (broadcast_status).
 */
enum fp_err broadcast_failures(struct store *st, int64_t id, int max,
    struct json_object **out);

#endif
