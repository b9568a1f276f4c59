/*
 * overview.h: what the console's first page and its area picker read
 * (SPEC 10): GET /api/v1/overview and GET /api/v1/areas, answered from
 * the tables rollup.c keeps (console_counts, area_households) and a few
 * bounded counts, never a walk of the message tables or the registry.
 * No HTTP here: the handlers are gateway/api/api_overview.c.
 */
#ifndef FP_OVERVIEW_H
#define FP_OVERVIEW_H

#include <json-c/json.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

/* Queue depths are counted up to this many rows (a deeper queue says
 * this number; /metrics has the exact one). */
#define OVERVIEW_QUEUE_CAP	10000

/* Failures listed per period, the most frequent first. */
#define OVERVIEW_FAILURES_MAX	20

/*
 * The overview for `scope` (an area prefix, "" for everything) at now:
 * "today" and "last_7_days" (today and the six local days before it, in
 * the process's time zone, schedule.timezone) with messages in ("mo"),
 * outbound transitions ("mt": created, sent, delivered, failed,
 * expired), the delivery rate (delivered over delivered, failed and
 * expired; null without any) and failures by provider and reason; "days"
 * (the seven, oldest first); "queues" (global: outbox queued and sending,
 * events not yet relayed, dlr-url callbacks waiting; each counted up to
 * OVERVIEW_QUEUE_CAP); open feedback tickets and tasks (open, escalated:
 * sent again, overdue) inside the scope.  *out is the caller's.
 */
enum fp_err overview_load(struct store *st, const char *scope,
    const char *timezone, int64_t now, struct json_object **out);

/*
 * The region tree under `root` (an area prefix inside the caller's
 * scope; "" for everything), with household counts, as nodes in code
 * order (a parent before its children: the order of a walk of the
 * tree): {"code","level","parent","households","children"}.  Levels are
 * the lengths of GB/T 2260 codes and their extensions: 2 province,
 * 4 prefecture, 6 county, 9 town, 12 village ("area" for any other
 * length); a node deeper than `depth` levels below root's is left out
 * (depth < 0: none).  Paged by code: nodes after `after` ("" from the
 * start), at most `limit`; "next" is the code to pass as after for the
 * next page, or null.  The root itself comes first when it is not "".
 * The answer {"limit","root","items","next"} as JSON text in *out (the
 * caller frees it), its length in *len.
 */
enum fp_err overview_areas(struct store *st, const char *root, int depth,
    const char *after, int limit, char **out, size_t *len);

#endif
