/*
 * csv.h: a streaming reader of RFC 4180 CSV (comma separated, fields
 * optionally in double quotes, "" for a quote inside quotes, commas and
 * newlines allowed inside quotes, LF or CRLF line ends).  It reads UTF-8
 * from a FILE it does not own, one record at a time, in bounded memory,
 * and reports the physical line where each record starts, so import
 * errors can say FILE:LINE.  A UTF-8 byte order mark at the very start
 * is skipped.  It knows nothing about what the columns mean.
 */
#ifndef FP_CSV_H
#define FP_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define CSV_MAX_FIELDS	64		/* more in one record: FP_EINVAL */
#define CSV_MAX_RECORD	(64 * 1024)	/* bytes in one record: FP_ETOOBIG */

struct csv_reader;

/*
 * A new reader over `fp` (not owned, not closed by csv_free).
 * NULL when out of memory.
 */
struct csv_reader *csv_new(FILE *fp);

/* Free the reader; csv_free(NULL) is a no-op. */
void csv_free(struct csv_reader *r);

/*
 * Read the next record.  On FP_OK, *fields points to *n_fields
 * NUL-terminated strings (unquoted, "" unescaped) and *line to the
 * physical line (1-based) where the record starts; all are borrowed and
 * valid until the next csv_next or csv_free.  A line with nothing on it
 * (empty, or only "\r") is skipped, not returned as a record.
 * FP_ENOTFOUND: end of input, no record.
 * FP_EINVAL: the record is malformed (a quote that never closes, text
 * after a closing quote, a NUL byte, too many fields); *line is set, and
 * csv_error() says why.  The reader has skipped to the end of that
 * record (or of the input for an unclosed quote) so the caller can go on.
 * FP_ETOOBIG: the record exceeds CSV_MAX_RECORD bytes; skipped likewise.
 * FP_EIO: reading failed.
 */
enum fp_err csv_next(struct csv_reader *r, char ***fields, size_t *n_fields,
    long *line);

/* Human text for the last FP_EINVAL/FP_ETOOBIG; borrowed. */
const char *csv_error(const struct csv_reader *r);

/*
 * Parse one complete CSV text held in memory (for fuzzing and tests):
 * returns how many records were read, or -1 when a record failed.
 */
long csv_parse_buffer(const char *data, size_t len);

#endif
