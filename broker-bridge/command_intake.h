/*
 * command_intake.h: <root>/cmd/broadcast and <root>/cmd/alert (SPEC 5):
 * the admin API's bodies plus a command_id, applied through the same
 * functions as POST /api/v1/broadcasts and /api/v1/alerts (broadcast.h,
 * alert.h) with the actor "mqtt" and no area scope, deduplicated by
 * command_id.  The gateway's broadcaster then resolves and sends what
 * was stored, whichever process stored it.
 */
#ifndef FP_COMMAND_INTAKE_H
#define FP_COMMAND_INTAKE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svc.h"

/*
 * Apply command o in the caller's transaction at `now`.  FP_EDUP: its
 * command_id was applied before (nothing changes; registry event ids
 * are kept apart, processed.h); FP_EINVAL with reason: refused (nothing
 * changes); else database errors.
 */
enum fp_err command_apply(struct store *st, const struct svc_ctx *ctx,
    bool is_alert, struct json_object *o, int64_t now, char *reason,
    size_t rsize);

#endif
