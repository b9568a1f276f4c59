/*
 * reminder.h: the configured reminders (cfg `reminders`, issue 6),
 * turned into broadcasts of kind "reminder" once a day at their time.
 * Each has a key (name, day, and the training for "training"
 * reminders) unique in the database, so a restart, or the next tick,
 * never sends one twice.
 */
#ifndef FP_REMINDER_H
#define FP_REMINDER_H

#include <stdint.h>

#include "svc.h"

/*
 * Check the reminders against the templates (each names a notice that
 * renders with a training's or the record's variables).  FP_EINVAL with
 * *why (static) and *name (the reminder's).
 */
enum fp_err reminder_check(const struct svc_ctx *ctx, const char **name,
    const char **why);

/*
 * Create, resolved, the reminders due at now that do not exist yet;
 * *created gets how many.
 */
enum fp_err reminder_run(struct store *st, const struct svc_ctx *ctx,
    int64_t now, int *created);

#endif
