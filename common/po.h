/*
 * po.h: gettext PO files as translators' tools write them (Poedit,
 * Weblate, msgmerge): bytes in, entries out, and the PO string escapes
 * for writing one back.  Pure: no file access, no allocation beyond the
 * result, and nothing about what the entries mean (fupinctl's templates
 * import checks keys, variables and page fit).  Fuzzed by
 * tests/fuzz/fuzz_po.c.
 *
 * Read: a UTF-8 byte order mark; LF or CRLF lines; blank lines between
 * entries; comments "# " (translator), "#." (extracted), "#:"
 * (references), "#," (flags: "fuzzy" is the one that matters), "#|"
 * (previous strings, skipped); obsolete entries "#~ ..." (kept apart,
 * marked obsolete); keywords msgctxt, msgid, msgid_plural, msgstr,
 * msgstr[N], each followed by one or more "..." strings on the same and
 * the following lines, which are joined; the C escapes \" \\ \n \t \r
 * \a \b \f \v \? \' , octal \N, \NN, \NNN and hex \xHH.  The entry with
 * msgid "" and no msgctxt is the header.
 */
#ifndef FP_PO_H
#define FP_PO_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "strbuf.h"

#define PO_MAX_PROBLEMS	200	/* more: parsing stops, the last says so */

struct po_entry {
	char	*msgctxt;	/* NULL when the entry has none */
	char	*msgid;		/* never NULL in a returned entry */
	char	*msgid_plural;	/* NULL when none */
	char	*msgstr;	/* msgstr, or msgstr[0]; never NULL */
	size_t	 n_plural_forms;	/* msgstr[N] seen; 0 for plain msgstr */
	bool	 is_fuzzy;	/* "#, fuzzy" */
	bool	 is_obsolete;	/* "#~" */
	char	*comment;	/* translator comments ("# "), lines joined
				 * by '\n'; NULL when none */
	long	 line;		/* first line of the entry (1-based) */
	long	 msgstr_line;	/* line of its msgstr keyword */
};

struct po_problem {
	long	 line;		/* 1-based */
	char	*msg;		/* owned */
};

struct po_file {
	struct po_entry		*entries;	/* file order; no header */
	size_t			 n_entries;
	char			*header;	/* the header's msgstr, or NULL */
	bool			 header_fuzzy;
	long			 header_line;
	struct po_problem	*problems;	/* syntax, in file order */
	size_t			 n_problems;
};

/*
 * Parse data[0..len) (need not be NUL-terminated; a NUL byte is a
 * problem).  Every syntax problem is recorded with its line and parsing
 * goes on at the next line, so a translator sees them all at once; the
 * entries parsed whole are returned beside them.  Strings that are not
 * UTF-8 or hold a NUL are problems too.  *out (free with po_file_free)
 * is set on FP_OK, the only other result being FP_ENOMEM (nothing set).
 */
enum fp_err po_parse(const char *data, size_t len, struct po_file **out);

void po_file_free(struct po_file *f);

/*
 * The value of header field `name` ("Language", "Content-Type"...),
 * case-insensitive, spaces around it trimmed, into a new string the
 * caller frees; NULL when the file has no header, no such field, or on
 * ENOMEM.
 */
char *po_header_field(const struct po_file *f, const char *name);

/*
 * Append `keyword "s"` as PO writes it: \\ \" \n \t \r escaped, other
 * control bytes in octal; a string holding newlines is written as ""
 * followed by one line per "\n"-ended piece (msgmerge's layout, which
 * Poedit keeps).  `prefix` ("" or "#~ ") starts every line.  Ends with
 * a newline.
 */
void po_write_string(struct strbuf *b, const char *prefix,
    const char *keyword, const char *s);

/* Append s as one PO string literal, quotes included, no newline. */
void po_write_literal(struct strbuf *b, const char *s, size_t len);

#endif
