/*
 * gw_store.c: the gateway's database handles (see gateway.h): opening,
 * migrating, and one per thread.  libmicrohttpd's worker threads each
 * get their own SQLite connection; the pthread key's destructor (gw.c)
 * closes it when the thread ends.
 */
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "idkey.h"
#include "log.h"
#include "migrate.h"
#include "registry.h"

enum store_durability
gw_durability(const struct cfg *cfg)
{
	return cfg->database.durability == CFG_DURABILITY_FULL ?
	    STORE_DURABILITY_FULL : STORE_DURABILITY_NORMAL;
}

enum fp_err
gw_store_open(const struct cfg *cfg, struct store **out)
{
	struct store *st = NULL;
	enum fp_err err;

	err = store_open(cfg->database.path, gw_durability(cfg), &st);
	if (err == FP_OK)
		err = store_exec(st, "PRAGMA wal_autocheckpoint=0");
	/*
	 * Writers touch the big indexes (a broadcast to a million households
	 * writes two million recipients): 32 MiB of page cache, filled only
	 * when used, instead of SQLite's 2 MiB, saves re-reading pages.
	 */
	if (err == FP_OK)
		err = store_exec(st, "PRAGMA cache_size=-32768");
	if (err != FP_OK) {
		store_close(st);
		return err;
	}
	*out = st;
	return FP_OK;
}

enum fp_err
gw_store_open_status(const struct cfg *cfg, struct store **out)
{
	struct store *st = NULL;
	enum fp_err err;

	err = gw_store_open(cfg, &st);
	if (err == FP_OK)
		err = store_exec(st, "PRAGMA synchronous=NORMAL");
	if (err != FP_OK) {
		store_close(st);
		return err;
	}
	*out = st;
	return FP_OK;
}

enum fp_err
gw_programs_sync(const struct cfg *cfg, struct store *st)
{
	struct registry *reg = NULL;
	enum fp_err err;
	size_t i;

	err = registry_new(st, NULL, &reg);
	for (i = 0; err == FP_OK && i < cfg->n_programs; i++)
		err = registry_program_put(reg, cfg->programs[i].code,
		    cfg->programs[i].name);
	registry_free(reg);
	return err;
}

enum fp_err
gw_database_prepare(const struct cfg *cfg, struct store **out, int *from,
    int *to)
{
	struct store *st = NULL;
	const char *why = NULL;
	enum fp_err err;

	err = store_open(cfg->database.path, gw_durability(cfg), &st);
	if (err == FP_OK)
		err = migrate_to(st, migrate_latest(), from, to);
	if (err == FP_OK) {
		err = idkey_settle(st, cfg->database.id_key_file, &why);
		if (err != FP_OK)
			log_error("database.id_key path=%s error=\"%s\"",
			    cfg->database.id_key_file, why);
	}
	if (err == FP_OK)
		err = gw_programs_sync(cfg, st);
	if (err != FP_OK) {
		store_close(st);
		return err;
	}
	*out = st;
	return FP_OK;
}

enum fp_err
gw_store(struct gw *gw, struct store **out)
{
	struct store *st = pthread_getspecific(gw->store_key);
	enum fp_err err;

	if (st == NULL) {
		err = store_open(gw->cfg->database.path, gw_durability(gw->cfg),
		    &st);
		if (err != FP_OK)
			return err;
		if (pthread_setspecific(gw->store_key, st) != 0) {
			store_close(st);
			return FP_ENOMEM;
		}
	}
	*out = st;
	return FP_OK;
}

enum fp_err
gw_id_key(const struct cfg *cfg, struct hmac_sha256_key *key)
{
	const char *why = NULL;
	enum fp_err err;

	err = idkey_load(cfg->database.id_key_file, key, &why);
	if (err != FP_OK)
		log_error("database.id_key path=%s error=\"%s\"",
		    cfg->database.id_key_file, why);
	return err;
}
