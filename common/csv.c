/*
 * csv.c: the streaming RFC 4180 reader behind `fupinctl import` (see
 * csv.h).  Input is read in CSV_BUFSIZE blocks (or taken straight from
 * memory for csv_parse_buffer), and each record is unquoted into one
 * record buffer that grows up to CSV_MAX_RECORD bytes and is reused for
 * every record, so memory stays bounded and steady-state reading does no
 * allocation.  Line ends are LF or CRLF; a quote inside an unquoted field
 * is kept as data (common in hand-edited exports), but text after a
 * closing quote is an error.  On a malformed record the state machine
 * keeps running without storing bytes until the record ends, so the next
 * call starts cleanly at the following record.  It does not decode or
 * check the text: charset.c turns GB18030 into UTF-8 before it gets here.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

#define CSV_BUFSIZE	(64 * 1024)	/* bytes per fread */
#define CSV_REC_INIT	4096		/* first size of the record buffer */

enum csv_state {
	ST_RECORD_START,	/* before the first byte of a record */
	ST_FIELD_START,		/* after a comma */
	ST_UNQUOTED,		/* inside a field that did not open with " */
	ST_QUOTED,		/* inside "..." */
	ST_QUOTED_QUOTE,	/* saw " inside "...": "" or the close */
};

struct csv_reader {
	FILE		*fp;		/* not owned; NULL: memory source */
	char		*own;		/* owned input block (file source) */
	const char	*in;		/* own, or the caller's memory */
	size_t		 in_len;
	size_t		 in_pos;
	bool		 is_eof;	/* no more bytes after in[in_len] */
	bool		 has_io_err;	/* fread failed; sticky */
	bool		 is_started;	/* BOM check done */
	long		 line;		/* physical line of in[in_pos] */

	char		*rec;		/* owned; unquoted fields, NUL-ended */
	size_t		 rec_len;
	size_t		 rec_cap;	/* grows up to CSV_MAX_RECORD */
	size_t		 field_start;	/* offset in rec of the open field */
	size_t		 n_fields;
	size_t		 offs[CSV_MAX_FIELDS];
	char		*fields[CSV_MAX_FIELDS];	/* into rec */

	enum fp_err	 rec_err;	/* first error in this record */
	const char	*errmsg;	/* static text for rec_err */
};

static struct csv_reader *
reader_alloc(void)
{
	struct csv_reader *r;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->rec = malloc(CSV_REC_INIT);
	if (r->rec == NULL) {
		free(r);
		return NULL;
	}
	r->rec_cap = CSV_REC_INIT;
	r->line = 1;
	r->errmsg = "no error";
	return r;
}

struct csv_reader *
csv_new(FILE *fp)
{
	struct csv_reader *r;

	r = reader_alloc();
	if (r == NULL)
		return NULL;
	r->own = malloc(CSV_BUFSIZE);
	if (r->own == NULL) {
		csv_free(r);
		return NULL;
	}
	r->fp = fp;
	r->in = r->own;
	return r;
}

void
csv_free(struct csv_reader *r)
{
	if (r == NULL)
		return;
	free(r->own);
	free(r->rec);
	free(r);
}

const char *
csv_error(const struct csv_reader *r)
{
	return r->errmsg;
}

/*
 * Append the unread bytes of the file to in[], keeping in[in_pos..]:
 * returns false when nothing more could be read (end of input or error).
 */
static bool
refill(struct csv_reader *r)
{
	size_t keep, n;

	if (r->fp == NULL || r->is_eof || r->has_io_err)
		return false;
	keep = r->in_len - r->in_pos;
	if (keep > 0 && r->in_pos > 0)
		memmove(r->own, r->own + r->in_pos, keep);
	r->in_pos = 0;
	r->in_len = keep;
	n = fread(r->own + keep, 1, CSV_BUFSIZE - keep, r->fp);
	r->in_len += n;
	if (n < CSV_BUFSIZE - keep) {
		if (ferror(r->fp))
			r->has_io_err = true;
		else if (feof(r->fp))
			r->is_eof = true;
	}
	return n > 0;
}

/* The next unread byte without consuming it, or -1 at end of input. */
static inline int
peek(struct csv_reader *r)
{
	if (r->in_pos == r->in_len && !refill(r))
		return -1;
	return (unsigned char)r->in[r->in_pos];
}

static void
fail(struct csv_reader *r, enum fp_err err, const char *msg)
{
	if (r->rec_err != FP_OK)
		return;		/* the first error in a record is the one */
	r->rec_err = err;
	r->errmsg = msg;
}

/* Grow the record buffer for one more byte; false when at the limit. */
static bool
grow(struct csv_reader *r)
{
	size_t cap;
	char *p;

	if (r->rec_cap >= CSV_MAX_RECORD) {
		fail(r, FP_ETOOBIG, "record longer than 65536 bytes");
		return false;
	}
	cap = r->rec_cap * 2;
	if (cap > CSV_MAX_RECORD)
		cap = CSV_MAX_RECORD;
	p = realloc(r->rec, cap);
	if (p == NULL) {
		fail(r, FP_ENOMEM, "out of memory");
		return false;
	}
	r->rec = p;
	r->rec_cap = cap;
	return true;
}

static inline void
store(struct csv_reader *r, char c)
{
	if (r->rec_err != FP_OK)
		return;		/* skipping the rest of a bad record */
	if (r->rec_len == r->rec_cap && !grow(r))
		return;
	r->rec[r->rec_len++] = c;
}

/*
 * Copy the plain bytes that follow in the input block straight into the
 * record: the state machine then sees only the bytes that matter.
 * `stop` marks the bytes that end the run.  This is the hot loop.
 */
static inline void
store_run(struct csv_reader *r, const bool *stop)
{
	const unsigned char *p, *start, *end;
	size_t n;

	start = (const unsigned char *)r->in + r->in_pos;
	end = (const unsigned char *)r->in + r->in_len;
	for (p = start; p < end && !stop[*p]; p++)
		;
	n = (size_t)(p - start);
	r->in_pos += n;
	if (r->rec_err != FP_OK)
		return;
	while (r->rec_cap - r->rec_len < n) {
		if (!grow(r))
			return;
	}
	memcpy(r->rec + r->rec_len, start, n);
	r->rec_len += n;
}

/* Bytes that end a run inside an unquoted field, and inside quotes. */
static const bool stop_unquoted[256] = {
	['\0'] = true, ['\n'] = true, ['\r'] = true, [','] = true,
};
static const bool stop_quoted[256] = {
	['\0'] = true, ['\n'] = true, ['"'] = true,
};

static void
end_field(struct csv_reader *r)
{
	if (r->rec_err != FP_OK)
		return;
	if (r->n_fields == CSV_MAX_FIELDS) {
		fail(r, FP_EINVAL, "more than 64 fields");
		return;
	}
	store(r, '\0');
	if (r->rec_err != FP_OK)
		return;
	r->offs[r->n_fields++] = r->field_start;
	r->field_start = r->rec_len;
}

/*
 * The CR just read ends the line when LF or end of input follows; the LF,
 * if any, is consumed.
 */
static bool
cr_ends_line(struct csv_reader *r)
{
	int c;

	c = peek(r);
	if (c == '\n') {
		r->in_pos++;
		r->line++;
		return true;
	}
	return c == -1;
}

/* The record is complete (or abandoned): hand it out. */
static enum fp_err
finish(struct csv_reader *r, char ***fields, size_t *n_fields)
{
	size_t i;

	if (r->rec_err != FP_OK) {
		*fields = r->fields;
		*n_fields = 0;
		return r->rec_err;
	}
	for (i = 0; i < r->n_fields; i++)
		r->fields[i] = r->rec + r->offs[i];
	*fields = r->fields;
	*n_fields = r->n_fields;
	return FP_OK;
}

/* Skip a UTF-8 byte order mark at the very start of the input. */
static void
skip_bom(struct csv_reader *r)
{
	r->is_started = true;
	while (r->in_len - r->in_pos < 3 && refill(r))
		;
	if (r->in_len - r->in_pos >= 3 &&
	    memcmp(r->in + r->in_pos, "\xEF\xBB\xBF", 3) == 0)
		r->in_pos += 3;
}

enum fp_err
csv_next(struct csv_reader *r, char ***fields, size_t *n_fields, long *line)
{
	enum csv_state st = ST_RECORD_START;
	int c;

	*fields = r->fields;
	*n_fields = 0;
	if (!r->is_started)
		skip_bom(r);
	r->rec_len = 0;
	r->field_start = 0;
	r->n_fields = 0;
	r->rec_err = FP_OK;
	*line = r->line;

	for (;;) {
		if (r->in_pos == r->in_len && !refill(r))
			break;
		c = (unsigned char)r->in[r->in_pos++];
		switch (st) {
		case ST_RECORD_START:
			if (c == '\n') {
				r->line++;
				*line = r->line;
				continue;
			}
			if (c == '\r' && cr_ends_line(r)) {
				*line = r->line;
				continue;
			}
			if (c == '"') {
				st = ST_QUOTED;
				continue;
			}
			st = ST_UNQUOTED;
			break;
		case ST_FIELD_START:
			if (c == '"') {
				st = ST_QUOTED;
				continue;
			}
			st = ST_UNQUOTED;
			break;
		case ST_QUOTED:
			if (c == '"') {
				st = ST_QUOTED_QUOTE;
			} else if (c == '\0') {
				fail(r, FP_EINVAL, "NUL byte");
			} else {
				if (c == '\n')
					r->line++;
				store(r, (char)c);
				store_run(r, stop_quoted);
			}
			continue;
		case ST_QUOTED_QUOTE:
			if (c == '"') {
				store(r, '"');
				st = ST_QUOTED;
				continue;
			}
			if (c == ',' || c == '\n' ||
			    (c == '\r' && cr_ends_line(r)))
				break;	/* handled as after an unquoted field */
			fail(r, FP_EINVAL, "text after a closing quote");
			st = ST_UNQUOTED;
			continue;
		case ST_UNQUOTED:
			break;
		}

		/* ST_UNQUOTED, or the byte after a closing quote. */
		if (c == ',') {
			end_field(r);
			st = ST_FIELD_START;
		} else if (c == '\n') {
			r->line++;
			end_field(r);
			return finish(r, fields, n_fields);
		} else if (c == '\r') {
			if (st == ST_QUOTED_QUOTE || cr_ends_line(r)) {
				end_field(r);
				return finish(r, fields, n_fields);
			}
			store(r, '\r');
		} else if (c == '\0') {
			fail(r, FP_EINVAL, "NUL byte");
		} else {
			store(r, (char)c);
			store_run(r, stop_unquoted);
		}
	}

	/* End of input (or a read error) inside or before a record. */
	if (r->has_io_err)
		return FP_EIO;
	switch (st) {
	case ST_RECORD_START:
		return FP_ENOTFOUND;
	case ST_QUOTED:
		fail(r, FP_EINVAL, "quote never closes");
		break;
	case ST_FIELD_START:
	case ST_UNQUOTED:
	case ST_QUOTED_QUOTE:
		end_field(r);
		break;
	}
	return finish(r, fields, n_fields);
}

long
csv_parse_buffer(const char *data, size_t len)
{
	struct csv_reader *r;
	enum fp_err err;
	char **fields;
	size_t n;
	long line, count = 0;
	bool has_failed = false;

	r = reader_alloc();
	if (r == NULL)
		return -1;
	r->in = data;
	r->in_len = len;
	r->is_eof = true;
	/* Read on past bad records so fuzzing also covers the recovery. */
	for (;;) {
		err = csv_next(r, &fields, &n, &line);
		if (err == FP_ENOTFOUND || err == FP_EIO || err == FP_ENOMEM)
			break;
		if (err == FP_OK)
			count++;
		else
			has_failed = true;
	}
	csv_free(r);
	if (err != FP_ENOTFOUND || has_failed)
		return -1;
	return count;
}
