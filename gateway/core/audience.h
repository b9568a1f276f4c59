/*
 * audience.h: who a broadcast reaches (SPEC 3.5): the audience object's
 * fields, all optional and ANDed, resolved against the registry.
 * role "household": the registered phones of the members of matching
 * households, or, with `program`, of the members enrolled in it (with
 * `enrollment` status when given); role "cadre": the cadres whose area
 * matches.  A token's area scope narrows every audience.  Recipients
 * are distinct E.164 numbers, opted-out numbers excluded, written to
 * broadcast_recipients (one row each) in batches of households: never
 * one long transaction; in memory only a set of the numbers seen.
 */
#ifndef FP_AUDIENCE_H
#define FP_AUDIENCE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

#define AUDIENCE_AREA_MAX	16

struct audience {
	char	 area[AUDIENCE_AREA_MAX];	/* region code prefix, "" all */
	char	 program[16];			/* program code, "" any */
	char	 enrollment[16];		/* enrolled|requested|completed */
	bool	 cadres;			/* role "cadre" */
	char	 status[16];			/* poor|exited|monitored */
	char	 language[4];			/* zh|ii|bo|en */
};

/*
 * Read an audience object (NULL: everyone).  FP_EINVAL with *why (a
 * static English sentence) for an unknown field, a value of the wrong
 * type or outside its set.
 */
enum fp_err audience_parse(struct json_object *o, struct audience *a,
    const char **why);

/*
 * Narrow a to a token's area scope (NULL or "": none).  FP_EREJECT when
 * the audience names an area outside the scope.
 */
enum fp_err audience_scope(struct audience *a, const char *scope);

/* The audience as stored with the broadcast: a JSON text (caller frees). */
char *audience_to_json(const struct audience *a);

/*
 * The numbers already counted or written: E.164 numbers as 64-bit
 * integers (the digits after "+") in an open-addressing hash set, so
 * that a number counts once however many member rows hold it, without
 * a sort in SQL.  11 to 16 bytes a number.  A text that is not "+" and 1
 * to 18 digits is never added (it is not a number that can be sent).
 */
struct audience_seen;

enum fp_err audience_seen_new(struct audience_seen **out);
void audience_seen_free(struct audience_seen *s);	/* NULL is fine */
size_t audience_seen_count(const struct audience_seen *s);

/* Add msisdn; *added when it was not there yet.  FP_ENOMEM. */
enum fp_err audience_seen_add(struct audience_seen *s, const char *msisdn,
    bool *added);

/* The numbers opted out of notices: added, so never counted or written. */
enum fp_err audience_seen_optouts(struct store *st, struct audience_seen *s);

/*
 * The numbers broadcast_id already has recipient rows for (a resolution
 * that a crash or a rolled-back batch interrupted): added; *n how many.
 */
enum fp_err audience_seen_recipients(struct store *st, int64_t broadcast_id,
    struct audience_seen *s, int64_t *n);

/*
 * Recipients the audience reaches (SPEC 3.5): distinct numbers, opted-out
 * numbers excluded; the messages a broadcast to it sends.  With
 * per_language, also per language (zh ii bo en): a number counts in the
 * language of the first household that has it (in the households'
 * storage order, the order audience_materialize writes them in, so the
 * recipient row has that language too).  Without, by_lang is zero and an
 * audience without household filters (area, status, language, program)
 * reads the members' numbers alone.
 */
struct audience_count {
	int64_t	 total;
	int64_t	 by_lang[4];
};
enum fp_err audience_count(struct store *st, const struct audience *a,
    const char *default_lang, bool per_language, struct audience_count *out);

/*
 * Add the recipients of the next `batch` households (in storage order,
 * matching or not) after *cursor (a households rowid, 0 at the start) to
 * broadcast_id as "pending": one row per number not yet in seen (each
 * added to it), in the language of its household; *cursor moves on,
 * *added gets the rows written, *done when no household is left.  seen
 * starts with the opted-out numbers (audience_seen_optouts) and lives as
 * long as the resolution.  Cadre audiences are done in one call
 * (default_lang, the cadre with the smallest id for a shared number).
 */
enum fp_err audience_materialize(struct store *st, const struct audience *a,
    int64_t broadcast_id, const char *default_lang, int batch,
    int64_t *cursor, struct audience_seen *seen, int64_t *added, bool *done);

/* The language codes in the order of audience_count.by_lang. */
extern const char *const audience_langs[4];

#endif
