/*
 * idkey.c: the ID-number key file (see idkey.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "hex.h"
#include "idkey.h"
#include "log.h"

#define IDKEY_FILE_MAX	(IDKEY_LEN * 2 + 1)

/* The raw key from the file; FP_ENOTFOUND when there is no file. */
static enum fp_err
read_raw(const char *path, unsigned char raw[IDKEY_LEN], const char **why)
{
	char buf[IDKEY_FILE_MAX + 2];
	struct stat sb;
	ssize_t n;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		*why = "cannot open the ID key file";
		return errno == ENOENT ? FP_ENOTFOUND : FP_EIO;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		*why = "the ID key file is not a regular file";
		return FP_EINVAL;
	}
	if ((sb.st_mode & S_IROTH) != 0) {
		close(fd);
		*why = "the ID key file is readable by other users (chmod 600)";
		return FP_EINVAL;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		*why = "cannot read the ID key file";
		return FP_EIO;
	}
	len = (size_t)n;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	if (hex_decode(buf, raw, IDKEY_LEN) != FP_OK) {
		memset(buf, 0, sizeof(buf));
		*why = "the ID key file must hold 64 hex digits";
		return FP_EINVAL;
	}
	memset(buf, 0, sizeof(buf));
	return FP_OK;
}

enum fp_err
idkey_load(const char *path, struct hmac_sha256_key *key, const char **why)
{
	unsigned char raw[IDKEY_LEN];
	enum fp_err err;

	*why = NULL;
	err = read_raw(path, raw, why);
	if (err == FP_OK)
		hmac_sha256_key_init(key, raw, sizeof(raw));
	memset(raw, 0, sizeof(raw));
	return err;
}

/* Write a new key file with O_EXCL, mode 0600, synced. */
static enum fp_err
write_new(const char *path, const unsigned char *raw, size_t len,
    const char **why)
{
	char hex[IDKEY_FILE_MAX + 1];
	size_t n;
	int fd;

	if (len != IDKEY_LEN) {
		*why = "the database's ID key has an unexpected length";
		return FP_EINVAL;
	}
	hex_encode(raw, len, hex);
	n = strlen(hex);
	hex[n++] = '\n';
	(void)fs_make_parent_dirs(path);	/* open says if it failed */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		*why = "cannot create the ID key file";
		return errno == EEXIST ? FP_EDUP : FP_EIO;
	}
	if (write(fd, hex, n) != (ssize_t)n || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		*why = "cannot write the ID key file";
		return FP_EIO;
	}
	memset(hex, 0, sizeof(hex));
	return close(fd) == 0 ? FP_OK : FP_EIO;
}

/* The key an older database keeps in meta, if any: *found. */
static enum fp_err
db_key(struct store *st, unsigned char raw[IDKEY_LEN], size_t *len,
    bool *found)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	const void *v;
	int n;

	*found = false;
	err = store_stmt(st, "SELECT value FROM meta WHERE key = 'id_salt'",
	    &stmt);
	if (err != FP_OK)
		return err;
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		v = sqlite3_column_blob(stmt, 0);
		n = sqlite3_column_bytes(stmt, 0);
		*len = n > 0 ? (size_t)n : 0;
		if (v != NULL && *len <= IDKEY_LEN) {
			memcpy(raw, v, *len);
			*found = true;
		}
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

/* Wipe the key from the database: overwritten where it was, the WAL
 * that held it truncated. */
static enum fp_err
db_wipe(struct store *st)
{
	enum fp_err err;

	err = store_exec(st, "PRAGMA secure_delete = ON");
	if (err == FP_OK)
		err = store_exec(st, "DELETE FROM meta WHERE key = 'id_salt'");
	if (err == FP_OK)
		err = store_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)");
	return err;
}

enum fp_err
idkey_settle(struct store *st, const char *path, const char **why)
{
	unsigned char raw[IDKEY_LEN], have[IDKEY_LEN];
	size_t len = 0;
	bool in_db;
	enum fp_err err;

	*why = NULL;
	err = db_key(st, raw, &len, &in_db);
	if (err != FP_OK) {
		*why = "cannot read the database";
		return err;
	}
	err = read_raw(path, have, why);
	if (err == FP_OK) {
		if (in_db && (len != IDKEY_LEN ||
		    memcmp(raw, have, IDKEY_LEN) != 0)) {
			*why = "the database holds another ID key than the key "
			    "file: restore the matching key file";
			err = FP_EINVAL;
		} else if (in_db)
			err = db_wipe(st);
		goto done;
	}
	if (err != FP_ENOTFOUND)
		goto done;
	if (!in_db) {
		if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
			*why = "no random bytes for a new ID key";
			err = FP_EIO;
			goto done;
		}
		len = IDKEY_LEN;
	}
	err = write_new(path, raw, len, why);
	if (err == FP_EDUP && !in_db)	/* another program made it first */
		err = read_raw(path, have, why);
	else if (err == FP_OK && in_db)
		err = db_wipe(st);
	if (err == FP_OK)
		log_info("idkey.%s path=%s", in_db ? "moved" : "created", path);
done:
	memset(raw, 0, sizeof(raw));
	memset(have, 0, sizeof(have));
	if (err != FP_OK && *why == NULL)
		*why = "cannot settle the ID key";
	return err;
}
