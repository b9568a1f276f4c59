/*
 * idkey.h: the key of the ID-number hashes, kept outside the database
 * (database.id_key_file): a copy of the database alone verifies no ID
 * number.  The file holds 64 hex digits (32 random bytes) and a newline,
 * mode 0600; it is backed up apart from the database.
 */
#ifndef FP_IDKEY_H
#define FP_IDKEY_H

#include "err.h"
#include "sha256.h"
#include "store.h"

#define IDKEY_LEN 32

/*
 * Read the key file into *key.  FP_ENOTFOUND: no such file.  FP_EINVAL:
 * not 64 hex digits, or readable by other users (*why says which).
 * FP_EIO: unreadable.
 */
enum fp_err idkey_load(const char *path, struct hmac_sha256_key *key,
    const char **why);

/*
 * Make sure the key lives in `path` and not in the migrated database
 * `st`: an older database's key (meta 'id_salt') is written to the file
 * and then wiped from the database (secure delete, WAL truncated); a
 * database without one gets a new random key file.  A key in the file
 * and another in the database is FP_EINVAL (refused: hashes made with
 * both could not be told apart).  *why on failure.  Outside a
 * transaction.
 */
enum fp_err idkey_settle(struct store *st, const char *path,
    const char **why);

#endif
