/*
 * audience.h: who a broadcast reaches (SPEC 3.5): the audience object's
 * fields, all optional and ANDed, resolved against the registry.
 * role "household": the registered phones of the members of matching
 * households, or, with `program`, of the members enrolled in it (with
 * `enrollment` status when given); role "cadre": the cadres whose area
 * matches.  A token's area scope narrows every audience.  Recipients
 * are distinct numbers, written to broadcast_recipients in batches of
 * households (never all in memory, never one long transaction).
 */
#ifndef FP_AUDIENCE_H
#define FP_AUDIENCE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

#define AUDIENCE_AREA_MAX	16
#define AUDIENCE_CURSOR_MAX	64

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
 * Numbers the audience reaches, per language (zh ii bo en), counted per
 * household: a number registered in two households counts twice (it
 * gets one message).
 */
struct audience_count {
	int64_t	 total;
	int64_t	 by_lang[4];
};
enum fp_err audience_count(struct store *st, const struct audience *a,
    const char *default_lang, struct audience_count *out);

/*
 * Add the recipients of the next `batch` matching households after
 * cursor (a household id, "" at the start) to broadcast_id as "pending";
 * cursor moves on, *done when none is left.  A number shared by two
 * households is a row for each (the send keeps one message per number).
 * Cadre audiences are done in one call.  default_lang for cadres.
 */
enum fp_err audience_materialize(struct store *st, const struct audience *a,
    int64_t broadcast_id, const char *default_lang, int batch,
    char cursor[AUDIENCE_CURSOR_MAX], bool *done);

/* The language codes in the order of audience_count.by_lang. */
extern const char *const audience_langs[4];

#endif
