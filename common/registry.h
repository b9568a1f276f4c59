/*
 * registry.h: the data-access layer for the registry (SPEC sections 6
 * and 9): households, members, cadres, enrollments, trainings, payments.
 * One record is validated and upserted (or deleted) here, whoever brings
 * it: the CSV import of fupinctl, the bridge's registry topics, tests.
 * Callers hand over a record as text columns through struct reg_source;
 * the columns of each kind are those of SPEC section 9, in that order.
 *
 * ID numbers are hashed here and never stored (idnum.h).
 */
#ifndef FP_REGISTRY_H
#define FP_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sha256.h"
#include "store.h"

enum reg_kind {
	REG_HOUSEHOLDS,
	REG_MEMBERS,
	REG_CADRES,
	REG_ENROLLMENTS,
	REG_TRAININGS,
	REG_PAYMENTS,
};
#define REG_N_KINDS 6
#define REG_MAX_COLUMNS 9
#define REG_REASON_MAX 160

enum reg_outcome {
	REG_INSERTED,
	REG_UPDATED,
	REG_DELETED,
	REG_ABSENT,	/* delete of a key that was not there */
};

/*
 * A record as text: get(ctx, i) is the value of column i of the kind
 * (registry_columns order), or NULL when the column is absent.  Values
 * are borrowed for the duration of the call.
 */
struct reg_source {
	const char	*(*get)(void *ctx, size_t column);
	void		*ctx;
};

/* "households" → REG_HOUSEHOLDS; false if unknown. */
bool registry_kind_parse(const char *name, enum reg_kind *out);
const char *registry_kind_name(enum reg_kind kind);

/*
 * The columns of `kind` in SPEC order, *n of them; the first
 * registry_key_columns(kind) of them form the key.  Static storage.
 */
const char *const *registry_columns(enum reg_kind kind, size_t *n);
size_t registry_key_columns(enum reg_kind kind);

struct registry;

/*
 * A registry context on `st` (borrowed; must outlive the context), with
 * the key of the ID-number hashes (copied; idkey_load; NULL: records
 * with an ID number are refused).  The known program codes are read
 * once.  FP_ENOTFOUND: the database is not migrated.  FP_ENOMEM.
 */
enum fp_err registry_new(struct store *st, const struct hmac_sha256_key *key,
    struct registry **out);
void registry_free(struct registry *reg);

/*
 * Add a program code (from configuration) to the programs table and to
 * this context, or rename it.  Inside or outside a transaction.
 */
enum fp_err registry_program_put(struct registry *reg, const char *code,
    const char *name);

/*
 * Validate one record and insert it, or update the row with its key,
 * stamped updated at `now` (unix seconds).  Must run inside the caller's transaction.  *outcome: REG_INSERTED or
 * REG_UPDATED.
 * FP_EINVAL: the record is invalid (bad value, unknown household, member
 * or program); reason[] says why in English, naming the column; nothing
 * was written.  FP_EBUSY, FP_EIO: database trouble.
 */
enum fp_err registry_upsert(struct registry *reg, enum reg_kind kind,
    const struct reg_source *src, int64_t now, enum reg_outcome *outcome,
    char reason[REG_REASON_MAX]);

/*
 * Delete the record with the key given in `src` (only the key columns
 * are read).  Members, enrollments and payments of a deleted household
 * go with it.  *outcome: REG_DELETED or REG_ABSENT.
 * FP_EINVAL: key missing or malformed (reason set).
 */
enum fp_err registry_delete(struct registry *reg, enum reg_kind kind,
    const struct reg_source *src, enum reg_outcome *outcome,
    char reason[REG_REASON_MAX]);

/*
 * A household number as a villager types it: digits only, letters (any
 * case), spaces and dashes left out (SPEC 3.3), into out.  False on any
 * other character, without a digit, or when out is too small.  The
 * registry stores each household's in households.household_digits.
 */
bool registry_household_digits(const char *in, char *out, size_t size);

/*
 * Those digits as the integer kept in households.household_digits (an
 * integer index costs the import little): -1 when there are none or
 * more than 18.  Leading zeros are lost: a match is a candidate, the ID
 * hash decides.
 */
int64_t registry_household_number(const char *in);

#endif
