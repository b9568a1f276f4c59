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

/*
 * Tickets inside scope and area (prefixes, "" all), with status
 * ("open", "closed", NULL all), newest first: {"items","offset","limit",
 * "total"}.  Numbers masked unless full_msisdn.
 */
enum fp_err feedback_list(struct store *st, const char *scope,
    const char *area, const char *status, int64_t offset, int limit,
    bool full_msisdn, struct json_object **out);

/*
 * Close ticket ("F12") with a resolution (may be NULL), audited.
 * FP_ENOTFOUND, FP_EREJECT outside the scope, FP_EBUSY already closed.
 */
enum fp_err feedback_close(struct store *st, const char *ticket,
    const char *scope, const char *actor, const char *resolution,
    int64_t now);

#endif
