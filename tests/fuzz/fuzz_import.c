/*
 * fuzz_import.c: registry rows from outside (CSV import, MQTT records)
 * through validation and upsert.  The input's first byte picks the
 * kind; the rest is CSV whose records are mapped column by column onto
 * that kind, in a migrated :memory: store with one household present.
 * Also feeds each field to the phone number parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "log.h"
#include "migrate.h"
#include "msisdn.h"
#include "registry.h"
#include "store.h"

#define T_FUZZ	1790000000	/* a fixed clock */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct row {
	char	**fields;
	size_t	 n;
};

static const char *
get(void *ctx, size_t col)
{
	struct row *r = ctx;

	return col < r->n ? r->fields[col] : NULL;
}

static struct store *st;
static struct registry *reg;

static void
init_once(void)
{
	char reason[REG_REASON_MAX];
	static const char *const hh[] = { "HH1", "513431100201", "吉克",
	    "1", "poor", "", "", "", "ii" };
	struct row r = { (char **)(uintptr_t)hh, 9 };
	struct reg_source src = { get, &r };
	struct hmac_sha256_key key;
	enum reg_outcome o;

	log_init("fuzz", (enum log_level)(LOG_LEVEL_ERROR - 1));
	hmac_sha256_key_init(&key, "fuzz-id-key-0123456789abcdefghij", 32);
	if (store_open(":memory:", STORE_DURABILITY_NORMAL, &st) != FP_OK ||
	    migrate_to(st, migrate_latest(), NULL, NULL) != FP_OK ||
	    registry_new(st, &key, &reg) != FP_OK)
		abort();
	if (registry_upsert(reg, REG_HOUSEHOLDS, &src, T_FUZZ, &o, reason) != FP_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[REG_REASON_MAX], e164[MSISDN_MAX];
	struct csv_reader *csv;
	struct reg_source src;
	struct row r;
	enum reg_outcome o;
	enum reg_kind kind;
	FILE *fp;
	long line;
	size_t i;

	if (st == NULL)
		init_once();
	if (size < 2)
		return 0;
	kind = (enum reg_kind)(data[0] % REG_N_KINDS);
	fp = fmemopen((void *)(uintptr_t)(data + 1), size - 1, "rb");
	if (fp == NULL)
		return 0;
	csv = csv_new(fp);
	src.get = get;
	src.ctx = &r;
	if (csv != NULL && store_begin(st) == FP_OK) {
		for (;;) {
			enum fp_err err = csv_next(csv, &r.fields, &r.n, &line);

			if (err != FP_OK && err != FP_EINVAL &&
			    err != FP_ETOOBIG)
				break;
			if (err != FP_OK || r.n == 0)
				continue;
			for (i = 0; i < r.n; i++)
				(void)msisdn_normalize(r.fields[i], e164, NULL);
			err = registry_upsert(reg, kind, &src, T_FUZZ, &o, reason);
			if (err != FP_OK && err != FP_EINVAL && err != FP_EDUP)
				abort();
			(void)registry_delete(reg, kind, &src, &o, reason);
		}
		/* Nothing persists between inputs. */
		store_rollback(st);
	}
	csv_free(csv);
	fclose(fp);
	return 0;
}
