/*
 * rollup.h: the small tables the console's read routes answer from
 * (SPEC 10, issue 15), so that GET /api/v1/overview and /api/v1/areas
 * never walk the message tables or the registry:
 *
 *   - console_counts: per local day (schedule.timezone) and area, the
 *     messages in (sms_in rows) and the outbound transitions (sms_out
 *     history rows: created, sent, delivered, failed, expired; failures
 *     by provider and reason), at three grains: everything (area ""),
 *     the county (the first 6 digits of the area code) and the area code
 *     itself.  A message's area is its number's: the household of the
 *     member (or the cadre) it belongs to when the row is rolled up; a
 *     number of nobody counts only in the grain of everything.
 *   - area_households: households per area code.
 *
 * Both are filled by reading behind the writers: the rollup reads a
 * chunk of new rows (ids above the last rolled-up one, in a read
 * transaction, which blocks no writer in WAL mode) and hands a few
 * upserts to the writer.  Nothing on the path of a message pays for it.
 * The rollup thread runs it every ROLLUP_INTERVAL_S, sooner while it is
 * behind; the area counts every ROLLUP_AREAS_S and at start.
 */
#ifndef FP_ROLLUP_H
#define FP_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "err.h"
#include "store.h"

struct writer;

#define ROLLUP_INTERVAL_S	2	/* a new look at the message tables */
#define ROLLUP_AREAS_S		60	/* household counts recomputed */
#define ROLLUP_CHUNK		50000	/* history (and inbound) rows a pass */
#define ROLLUP_DAYS		8	/* local days kept: today and 7 before */

/* Grains of console_counts. */
enum rollup_grain {
	ROLLUP_ALL = 0,		/* area "" */
	ROLLUP_COUNTY = 1,	/* the first 6 digits */
	ROLLUP_AREA = 2,	/* the whole area code */
};

/* The county prefix length of ROLLUP_COUNTY. */
#define ROLLUP_COUNTY_LEN	6

struct rollup_batch;

/*
 * Read the next chunk (at most `max` ids of each source) above the last
 * rolled-up ids, inside its own read transaction on st; rows stamped
 * before the kept window (ROLLUP_DAYS local days back from now) are
 * passed over.  *out is the caller's (rollup_batch_free); *more is true
 * when a source had more than the chunk.  FP_ENOMEM, FP_EBUSY.
 */
enum fp_err rollup_read(struct store *st, int64_t now, int64_t max,
    struct rollup_batch **out, bool *more);

/* Whether the batch moves anything (counts or the last ids). */
bool rollup_batch_is_empty(const struct rollup_batch *b);

/*
 * Add the batch to console_counts and move the last ids, inside the
 * caller's transaction (a writer job), and drop the days older than the
 * window at now.  FP_EBUSY when someone else rolled up meanwhile (the
 * last ids moved): nothing is added, read again.
 */
enum fp_err rollup_apply(struct store *st, const struct rollup_batch *b,
    int64_t now);

void rollup_batch_free(struct rollup_batch *b);	/* NULL ok */

/*
 * Households per area code: read the registry (a read transaction on
 * st) and compare with area_households; *out the changes.
 */
struct rollup_areas;
enum fp_err rollup_areas_read(struct store *st, struct rollup_areas **out);

/* Write the changes (inside the caller's transaction). */
enum fp_err rollup_areas_apply(struct store *st, const struct rollup_areas *a);

/* How many area codes changed (0: nothing to write). */
size_t rollup_areas_changes(const struct rollup_areas *a);

void rollup_areas_free(struct rollup_areas *a);	/* NULL ok */

/*
 * Everything at once in one transaction of st (tests, and a gateway's
 * first pass): every chunk up to now, then the area counts.
 */
enum fp_err rollup_all(struct store *st, int64_t now);

/*
 * The failure reason kept for a status detail: the text before its
 * first ':' or ';' ("http 503: …; gave up after 8 attempts" -> "http
 * 503"), at most len - 1 bytes, cut between characters.
 */
void rollup_reason(const char *detail, char *out, size_t len);

/* The rollup thread: reads on its own connection, writes through w. */
struct rollup;
enum fp_err rollup_start(const struct cfg *cfg, struct writer *w,
    struct rollup **out);
void rollup_stop(struct rollup *r);	/* NULL ok */

#endif
