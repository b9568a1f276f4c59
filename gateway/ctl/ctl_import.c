/*
 * ctl_import.c: `fupinctl import KIND FILE.csv [--strict]` (SPEC 6).
 *
 * The file is sniffed once: valid UTF-8 (with or without BOM) is read as
 * is, anything else as GB18030 through iconv, streaming, so memory stays
 * flat however long the file.  Each row goes through registry_upsert,
 * the same function the bridge uses.  Bad rows are reported as
 * FILE:LINE: reason and skipped; with --strict the whole file is one
 * transaction that is rolled back if any row is bad (exit 65).  Without
 * it, rows are committed in batches so a long import does not hold the
 * write lock for minutes and a crash keeps what was done (rerunning is
 * safe: upsert by key).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "charset.h"
#include "csv.h"
#include "ctl.h"
#include "gateway.h"
#include "log.h"
#include "registry.h"

#define IMPORT_BATCH_ROWS	100000
#define IMPORT_PROGRESS_ROWS	100000

struct import {
	const char	*file;
	enum reg_kind	 kind;
	bool		 strict;
	bool		 is_tty;
	size_t		 map[REG_MAX_COLUMNS];	/* column → field index */
	size_t		 n_header;
	char		**fields;		/* current row, borrowed */
	int64_t		 now;			/* the import's updated_at */
	long		 read, inserted, updated, rejected;
};

static const char *
field_of(void *ctx, size_t column)
{
	struct import *im = ctx;

	return im->fields[im->map[column]];
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Match the header to the kind's columns; false (reported) if unusable. */
static bool
map_header(struct import *im, char **fields, size_t n)
{
	const char *const *cols;
	size_t n_cols, c, f;
	bool ok = true;

	cols = registry_columns(im->kind, &n_cols);
	im->n_header = n;
	for (c = 0; c < n_cols; c++) {
		size_t hits = 0;

		for (f = 0; f < n; f++) {
			if (strcmp(fields[f], cols[c]) == 0) {
				im->map[c] = f;
				hits++;
			}
		}
		if (hits == 0) {
			fprintf(stderr, "%s:1: missing column '%s'\n",
			    im->file, cols[c]);
			ok = false;
		} else if (hits > 1) {
			fprintf(stderr, "%s:1: column '%s' appears twice\n",
			    im->file, cols[c]);
			ok = false;
		}
	}
	for (f = 0; f < n; f++) {
		for (c = 0; c < n_cols; c++)
			if (strcmp(fields[f], cols[c]) == 0)
				break;
		if (c == n_cols)
			fprintf(stderr, "%s:1: ignoring unknown column '%s'\n",
			    im->file, fields[f]);
	}
	return ok;
}

static void
reject(struct import *im, long line, const char *reason)
{
	im->rejected++;
	fprintf(stderr, "%s:%ld: %s\n", im->file, line, reason);
}

/* One data row. FP_OK also for a rejected row; errors are fatal ones. */
static enum fp_err
import_row(struct import *im, struct registry *reg, char **fields,
    size_t n, long line)
{
	struct reg_source src = { field_of, im };
	char reason[REG_REASON_MAX + 64];
	enum reg_outcome outcome;
	enum fp_err err;

	im->read++;
	if (n != im->n_header) {
		snprintf(reason, sizeof(reason), "row has %zu fields, the "
		    "header has %zu", n, im->n_header);
		reject(im, line, reason);
		return FP_OK;
	}
	im->fields = fields;
	err = registry_upsert(reg, im->kind, &src, im->now, &outcome,
	    reason);
	if (err == FP_EINVAL) {
		reject(im, line, reason);
		return FP_OK;
	}
	if (err != FP_OK)
		return err;
	if (outcome == REG_INSERTED)
		im->inserted++;
	else
		im->updated++;
	return FP_OK;
}

/* Read every row; the caller has opened the transaction. */
static int
import_rows(struct import *im, struct store *st, struct registry *reg,
    struct csv_reader *csv)
{
	char **fields;
	size_t n;
	long line = 0;
	enum fp_err err;

	for (;;) {
		err = csv_next(csv, &fields, &n, &line);
		if (err == FP_ENOTFOUND)
			return EX_OK;
		if (err == FP_EINVAL || err == FP_ETOOBIG) {
			im->read++;
			reject(im, line, csv_error(csv));
			continue;
		}
		if (err != FP_OK) {
			fprintf(stderr, "%s:%ld: cannot read: the file is "
			    "neither UTF-8 nor GB18030, or is damaged\n",
			    im->file, line);
			return EX_DATAERR;
		}
		err = import_row(im, reg, fields, n, line);
		if (err != FP_OK) {
			fprintf(stderr, "%s:%ld: database error: %s\n",
			    im->file, line, fp_strerror(err));
			return EX_UNAVAILABLE;
		}
		if (!im->strict && im->read % IMPORT_BATCH_ROWS == 0) {
			err = store_commit(st);
			if (err == FP_OK)
				err = store_begin(st);
			if (err != FP_OK) {
				fprintf(stderr, "%s:%ld: database error: %s\n",
				    im->file, line, fp_strerror(err));
				return EX_UNAVAILABLE;
			}
		}
		if (im->is_tty && im->read % IMPORT_PROGRESS_ROWS == 0)
			fprintf(stderr, "\rimport %s: %ld rows...",
			    registry_kind_name(im->kind), im->read);
	}
}

static int
import_file(struct import *im, const struct cfg *cfg, struct store *st,
    FILE *in)
{
	struct hmac_sha256_key key;
	struct registry *reg = NULL;
	struct csv_reader *csv = NULL;
	char **fields;
	size_t n;
	long line;
	enum fp_err err;
	int rc = EX_DATAERR;

	csv = csv_new(in);
	if (csv == NULL)
		return EX_OSERR;
	err = csv_next(csv, &fields, &n, &line);
	if (err != FP_OK) {
		fprintf(stderr, "%s:1: %s\n", im->file, err == FP_ENOTFOUND ?
		    "empty file: a header row is required" :
		    "the header row cannot be read");
		goto done;
	}
	if (!map_header(im, fields, n))
		goto done;
	if (gw_id_key(cfg, &key) != FP_OK) {
		fprintf(stderr, "%s: the ID key file cannot be read (see the "
		    "log)\n", im->file);
		rc = EX_UNAVAILABLE;
		goto done;
	}
	if (registry_new(st, &key, &reg) != FP_OK || store_begin(st) != FP_OK) {
		fprintf(stderr, "%s: database unavailable\n", im->file);
		rc = EX_UNAVAILABLE;
		goto done;
	}
	rc = import_rows(im, st, reg, csv);
	if (im->is_tty && im->read >= IMPORT_PROGRESS_ROWS)
		fputc('\n', stderr);
	if (rc == EX_OK && im->strict && im->rejected > 0) {
		fprintf(stderr, "%s: --strict: %ld bad rows, nothing "
		    "imported\n", im->file, im->rejected);
		rc = EX_DATAERR;
	}
	if (rc == EX_OK && store_commit(st) != FP_OK) {
		fprintf(stderr, "%s: commit failed\n", im->file);
		rc = EX_UNAVAILABLE;
	}
	if (rc != EX_OK) {
		store_rollback(st);
		if (im->strict)
			im->inserted = im->updated = 0;
	}
done:
	registry_free(reg);
	csv_free(csv);
	return rc;
}

int
ctl_import(const struct cfg *cfg, int argc, char **argv)
{
	struct import im;
	struct store *st = NULL;
	FILE *fp = NULL, *in = NULL;
	bool is_utf8 = true;
	double t0 = now_s(), dt;
	int i, rc, npos = 0;

	memset(&im, 0, sizeof(im));
	im.now = (int64_t)time(NULL);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--strict") == 0)
			im.strict = true;
		else if (npos == 0 && !registry_kind_parse(argv[i], &im.kind))
			break;
		else if (npos++ == 1)
			im.file = argv[i];
	}
	if (i < argc || npos != 2) {
		fprintf(stderr, "usage: fupinctl import households|members|"
		    "cadres|enrollments|trainings|payments FILE.csv "
		    "[--strict]\n");
		return EX_USAGE;
	}
	fp = fopen(im.file, "rb");
	if (fp == NULL) {
		fprintf(stderr, "%s: cannot open: %s\n", im.file,
		    strerror(errno));
		return EX_NOINPUT;
	}
	if (charset_sniff_file(fp, &is_utf8) != FP_OK) {
		fprintf(stderr, "%s: cannot read: %s\n", im.file,
		    strerror(errno));
		fclose(fp);
		return EX_IOERR;
	}
	in = fp;
	if (!is_utf8 && charset_open_utf8(fp, "GB18030", &in) != FP_OK) {
		fprintf(stderr, "%s: cannot convert from GB18030\n", im.file);
		fclose(fp);
		return EX_OSERR;
	}
	if (ctl_open_store(cfg, &st) != FP_OK) {
		rc = EX_UNAVAILABLE;
		goto done;
	}
	/* A bigger page cache for the bulk load: the secondary indexes are
	 * written in random order; 32 MiB keeps peak RSS well under 100. */
	if (store_exec(st, "PRAGMA cache_size=-32768") != FP_OK) {
		rc = EX_UNAVAILABLE;
		goto done;
	}
	im.is_tty = isatty(STDERR_FILENO) == 1;
	rc = import_file(&im, cfg, st, in);
	dt = now_s() - t0;
	printf("import %s: file=%s encoding=%s read=%ld inserted=%ld "
	    "updated=%ld rejected=%ld seconds=%.2f rows_per_s=%.0f%s\n",
	    registry_kind_name(im.kind), im.file, is_utf8 ? "utf-8" :
	    "gb18030", im.read, im.inserted, im.updated, im.rejected, dt,
	    dt > 0 ? (double)im.read / dt : 0.0,
	    rc == EX_OK ? "" : im.strict ? " result=nothing-changed" :
	    " result=stopped");
done:
	store_close(st);
	if (in != fp)
		fclose(in);
	fclose(fp);
	return rc;
}
