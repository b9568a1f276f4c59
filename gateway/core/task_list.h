/*
 * task_list.h: the tasks of cadres with their acknowledgement state, for
 * GET /api/v1/tasks (SPEC 10): task alerts (alert.h) and the call-backs
 * villagers ask for (service_ops.h).  Reading only.
 */
#ifndef FP_TASK_LIST_H
#define FP_TASK_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

/* Which tasks. */
enum task_filter {
	TASK_ALL,	/* every task, cancelled ones too */
	TASK_OPEN,	/* not yet acknowledged */
	TASK_ACKED,
	TASK_OVERDUE,	/* open, sent again and still unacknowledged
			 * after as long again (the task.overdue event) */
};

/*
 * Tasks whose cadre's area is inside scope ("" all), those that need a
 * look first: overdue, then escalated (open and sent again), then the
 * other open ones, then the rest; newest first within each.  Paged by
 * key: after the task numbered `after` ("" from the start; FP_ENOTFOUND
 * when no such task is in the scope), at most `limit`; "next" is the
 * task number to pass as after for the next page, or null.  A task
 * that became overdue between two pages may be listed twice or not at
 * all.  Phone numbers masked when `mask`, in the task's text too.  The answer {"limit","items",
 * "next"} as JSON text in *out (the caller frees it), its length in *len.
 */
enum fp_err task_list(struct store *st, const char *scope,
    enum task_filter filter, const char *after, int limit, bool mask,
    char **out, size_t *len);

#endif
