/*
 * processed.h: what the bridge has applied, in processed_messages, so
 * that a redelivery changes nothing (SPEC 5).  Registry event_ids and
 * command command_ids are kept apart, keyed by (kind, id): one can never
 * suppress the other, whatever either id looks like.
 */
#ifndef FP_PROCESSED_H
#define FP_PROCESSED_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

enum processed_kind {
	PROCESSED_REGISTRY,	/* a registry message's event_id */
	PROCESSED_COMMAND,	/* a command's command_id */
};

/* Whether id of `kind` was applied before: *yes. */
enum fp_err processed_seen(struct store *st, enum processed_kind kind,
    const char *id, bool *yes);

/* Record id of `kind` as applied at `now` with its outcome, in the
 * caller's transaction. */
enum fp_err processed_remember(struct store *st, enum processed_kind kind,
    const char *id, const char *outcome, int64_t now);

#endif
