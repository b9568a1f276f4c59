/*
 * ctl_migrate.c: `fupinctl migrate [--to N]`: bring the database to the
 * newest schema (or to version N, for tests of upgrades).  Also the
 * shared ctl_open_store used by other subcommands.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"
#include "gateway.h"
#include "idkey.h"
#include "log.h"
#include "migrate.h"
#include "parse.h"

enum fp_err
ctl_open_store(const struct cfg *cfg, struct store **out)
{
	enum fp_err err;

	err = gw_database_prepare(cfg, out, NULL, NULL);
	if (err != FP_OK)
		fprintf(stderr, "%s: database unavailable: %s\n",
		    cfg->database.path, fp_strerror(err));
	return err;
}

int
ctl_migrate(const struct cfg *cfg, int argc, char **argv)
{
	struct store *st = NULL;
	int target = migrate_latest(), from = 0, to = 0;
	const char *why = NULL;
	enum fp_err err;

	if (argc == 3 && strcmp(argv[1], "--to") == 0) {
		if (parse_int(argv[2], 1, migrate_latest(), &target) != FP_OK) {
			fprintf(stderr, "fupinctl migrate: --to takes a "
			    "version from 1 to %d\n", migrate_latest());
			return EX_USAGE;
		}
	} else if (argc != 1) {
		fprintf(stderr, "usage: fupinctl migrate [--to N]\n");
		return EX_USAGE;
	}
	err = store_open(cfg->database.path, gw_durability(cfg), &st);
	if (err != FP_OK) {
		fprintf(stderr, "%s: cannot open database: %s\n",
		    cfg->database.path, fp_strerror(err));
		return EX_UNAVAILABLE;
	}
	err = migrate_to(st, target, &from, &to);
	/* SPEC 6: the ID key lives outside the database: made here when
	 * missing, moved out of an older database. */
	if (err == FP_OK && to == migrate_latest()) {
		err = idkey_settle(st, cfg->database.id_key_file, &why);
		if (err != FP_OK)
			fprintf(stderr, "%s: %s\n", cfg->database.id_key_file,
			    why);
	}
	if (err == FP_OK && to == migrate_latest())
		err = gw_programs_sync(cfg, st);
	store_close(st);
	if (err != FP_OK) {
		fprintf(stderr, "%s: migration failed: %s\n",
		    cfg->database.path, fp_strerror(err));
		return err == FP_EINVAL ? EX_DATAERR : EX_UNAVAILABLE;
	}
	printf("migrate: %s schema version %d -> %d\n", cfg->database.path,
	    from, to);
	return EX_OK;
}
