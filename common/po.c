/*
 * po.c: the PO reader and the PO string writer (see po.h).  One pass
 * over the lines with a small state machine per entry: keyword lines
 * open a field, string lines continue it, comments and flags wait for
 * the next entry.  A line that breaks the grammar is a problem at its
 * line number; the entry it was in is dropped and the next keyword
 * starts afresh, so one typo does not hide the rest of the file.
 * Callers: fupinctl templates import (gateway/ctl), the fuzz harness.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "po.h"

enum field {
	F_NONE,
	F_CTXT,
	F_ID,
	F_PLURAL,
	F_STR,		/* msgstr or msgstr[0] */
	F_STR_N,	/* msgstr[N>0]: read, not kept */
};

/* The entry being read. */
struct building {
	struct strbuf	 ctxt, id, plural, str, other, comment;
	bool		 has_ctxt, has_id, has_plural, has_str;
	size_t		 n_forms;
	bool		 is_fuzzy, is_obsolete, is_broken, started;
	bool		 has_nul;	/* a string decoded to a NUL byte */
	enum field	 last;		/* what a "..." line continues */
	long		 line, str_line;
};

struct parser {
	struct po_file	*f;
	struct building	 b;
	bool		 stopped;	/* too many problems */
	bool		 oom;
	size_t		 cap_entries;
};

static void
problem(struct parser *p, long line, const char *msg)
{
	struct po_problem *np;

	if (p->stopped || p->oom)
		return;
	if (p->f->n_problems + 1 >= PO_MAX_PROBLEMS) {
		msg = "too many problems; the rest of the file was not read";
		p->stopped = true;
	}
	np = realloc(p->f->problems, (p->f->n_problems + 1) * sizeof(*np));
	if (np == NULL) {
		p->oom = true;
		return;
	}
	p->f->problems = np;
	np[p->f->n_problems].line = line;
	np[p->f->n_problems].msg = strdup(msg);
	if (np[p->f->n_problems].msg == NULL) {
		p->oom = true;
		return;
	}
	p->f->n_problems++;
}

static void
building_reset(struct building *b)
{
	strbuf_free(&b->ctxt);
	strbuf_free(&b->id);
	strbuf_free(&b->plural);
	strbuf_free(&b->str);
	strbuf_free(&b->other);
	strbuf_free(&b->comment);
	memset(b, 0, sizeof(*b));
}

/* A kept copy of what b holds (an empty string when nothing). */
static char *
take(struct strbuf *sb)
{
	if (sb->s == NULL)
		strbuf_add(sb, "", 0);
	return strbuf_take(sb, NULL);
}

static bool
string_ok(const struct strbuf *sb)
{
	return sb->s == NULL || charset_is_utf8(sb->s, sb->len);
}

/* The entry read so far is complete: keep it (or report why not). */
static void
finish(struct parser *p)
{
	struct building *b = &p->b;
	struct po_file *f = p->f;
	struct po_entry *e, *ne;

	if (!b->started || b->is_broken)
		goto done;
	if (!b->has_id) {
		problem(p, b->line, "msgctxt without msgid");
		goto done;
	}
	if (!b->has_str) {
		problem(p, b->line, "msgid without msgstr");
		goto done;
	}
	if (b->has_nul) {
		problem(p, b->line, "a string holds a NUL character (\\0)");
		goto done;
	}
	if (!string_ok(&b->ctxt) || !string_ok(&b->id) ||
	    !string_ok(&b->plural) || !string_ok(&b->str) ||
	    !string_ok(&b->other)) {
		problem(p, b->line, "a string is not valid UTF-8 (save the file "
		    "as UTF-8)");
		goto done;
	}
	if (b->ctxt.failed || b->id.failed || b->plural.failed ||
	    b->str.failed || b->comment.failed) {
		p->oom = true;
		goto done;
	}
	if (!b->has_ctxt && b->id.len == 0 && !b->is_obsolete) {
		if (f->header != NULL) {
			problem(p, b->line, "a second header entry (msgid \"\")");
			goto done;
		}
		f->header = take(&b->str);
		f->header_fuzzy = b->is_fuzzy;
		f->header_line = b->line;
		if (f->header == NULL)
			p->oom = true;
		goto done;
	}
	if (f->n_entries == p->cap_entries) {
		size_t cap = p->cap_entries == 0 ? 64 : p->cap_entries * 2;

		ne = realloc(f->entries, cap * sizeof(*ne));
		if (ne == NULL) {
			p->oom = true;
			goto done;
		}
		f->entries = ne;
		p->cap_entries = cap;
	}
	e = &f->entries[f->n_entries];
	memset(e, 0, sizeof(*e));
	e->msgctxt = b->has_ctxt ? take(&b->ctxt) : NULL;
	e->msgid = take(&b->id);
	e->msgid_plural = b->has_plural ? take(&b->plural) : NULL;
	e->msgstr = take(&b->str);
	e->comment = b->comment.len > 0 ? take(&b->comment) : NULL;
	e->n_plural_forms = b->n_forms;
	e->is_fuzzy = b->is_fuzzy;
	e->is_obsolete = b->is_obsolete;
	e->line = b->line;
	e->msgstr_line = b->str_line;
	f->n_entries++;
	if ((b->has_ctxt && e->msgctxt == NULL) || e->msgid == NULL ||
	    (b->has_plural && e->msgid_plural == NULL) || e->msgstr == NULL ||
	    (b->comment.len > 0 && e->comment == NULL))
		p->oom = true;
done:
	building_reset(b);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The string literal at s[*pos] (a '"'), decoded and appended to out;
 * *pos moves past it.  NULL when fine, else why not.
 */
static const char *
literal(const char *s, size_t len, size_t *pos, struct strbuf *out,
    bool *has_nul)
{
	size_t i = *pos + 1, start;
	int v, k, d;
	char c;

	for (;;) {
		start = i;
		while (i < len && s[i] != '"' && s[i] != '\\')
			i++;
		if (i > start)
			strbuf_add(out, s + start, i - start);
		if (i >= len)
			return "a string without its closing quote";
		if (s[i] == '"') {
			*pos = i + 1;
			return NULL;
		}
		if (++i >= len)
			return "a string without its closing quote";
		c = s[i++];
		switch (c) {
		case 'n': c = '\n'; break;
		case 't': c = '\t'; break;
		case 'r': c = '\r'; break;
		case 'a': c = '\a'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'v': c = '\v'; break;
		case '"': case '\\': case '\'': case '?': break;
		case 'x':
			v = 0;
			for (k = 0; k < 2 && i < len && hexval(s[i]) >= 0; k++)
				v = v * 16 + hexval(s[i++]);
			if (k == 0)
				return "\\x without hex digits";
			c = (char)v;
			break;
		default:
			if (c < '0' || c > '7')
				return "an unknown escape (write \\\\ for a "
				    "backslash)";
			v = c - '0';
			for (k = 1; k < 3 && i < len && s[i] >= '0' &&
			    s[i] <= '7'; k++) {
				d = s[i++] - '0';
				v = v * 8 + d;
			}
			if (v > 255)
				return "an octal escape above \\377";
			c = (char)v;
			break;
		}
		if (c == '\0')
			*has_nul = true;
		strbuf_add(out, &c, 1);
	}
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* s[*pos..len) holds one or more "..." separated by blanks, nothing else. */
static const char *
strings(const char *s, size_t len, size_t *pos, struct strbuf *out,
    bool *has_nul)
{
	const char *why;
	size_t i = *pos;
	bool any = false;

	for (;;) {
		while (i < len && is_blank(s[i]))
			i++;
		if (i >= len)
			break;
		if (s[i] != '"')
			return any ? "text after the closing quote" :
			    "a keyword must be followed by a \"string\"";
		why = literal(s, len, &i, out, has_nul);
		if (why != NULL)
			return why;
		any = true;
	}
	*pos = i;
	return any ? NULL : "a keyword must be followed by a \"string\"";
}

/* A keyword or string line (after any "#~ "), at line number ln. */
static void
keyword_line(struct parser *p, const char *s, size_t len, long ln,
    bool obsolete)
{
	struct building *b = &p->b;
	struct strbuf *dst;
	const char *why;
	size_t i = 0, kw_len;
	enum field f;
	size_t n = 0;

	while (i < len && is_blank(s[i]))
		i++;
	if (i < len && s[i] == '"') {
		/* A continuation of the last keyword's string. */
		if (!b->started || b->last == F_NONE ||
		    b->is_obsolete != obsolete) {
			problem(p, ln, "a string without a keyword before "
			    "it");
			if (b->started)
				b->is_broken = true;
			return;
		}
		f = b->last;
		goto append;
	}
	for (kw_len = 0; i + kw_len < len && ((s[i + kw_len] >= 'a' &&
	    s[i + kw_len] <= 'z') || s[i + kw_len] == '_'); kw_len++)
		;
#define KW(w) (kw_len == sizeof(w) - 1 && memcmp(s + i, w, kw_len) == 0)
	if (KW("msgctxt"))
		f = F_CTXT;
	else if (KW("msgid"))
		f = F_ID;
	else if (KW("msgid_plural"))
		f = F_PLURAL;
	else if (KW("msgstr"))
		f = F_STR;
	else {
		problem(p, ln, "unexpected text (not a comment, keyword or "
		    "\"string\")");
		if (b->started)
			b->is_broken = true;
		return;
	}
#undef KW
	i += kw_len;
	if (f == F_STR && i < len && s[i] == '[') {
		size_t digits = 0;

		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (++digits > 3)
				break;
			n = n * 10 + (size_t)(s[i] - '0');
		}
		if (digits == 0 || digits > 3 || i >= len || s[i] != ']') {
			problem(p, ln, "msgstr[N] needs a small number N");
			b->is_broken = b->started;
			return;
		}
		i++;
		f = n == 0 ? F_STR : F_STR_N;
		if (b->has_id && n != b->n_forms) {
			problem(p, ln, "msgstr[N] out of order");
			b->is_broken = true;
		}
		b->n_forms = n + 1;
	}
	if (i < len && !is_blank(s[i]) && s[i] != '"') {
		problem(p, ln, "unexpected text (not a comment, keyword or "
		    "\"string\")");
		if (b->started)
			b->is_broken = true;
		return;
	}
	/* A new entry starts with msgctxt, or msgid when none is open. */
	if (b->started && (b->is_obsolete != obsolete ||
	    (f == F_CTXT && (b->has_ctxt || b->has_id)) ||
	    (f == F_ID && b->has_id)))
		finish(p);
	if (!b->started) {
		b->started = true;
		b->line = ln;
		b->is_obsolete = obsolete;
	}
	switch (f) {
	case F_CTXT:
		b->has_ctxt = true;
		break;
	case F_ID:
		b->has_id = true;
		break;
	case F_PLURAL:
		if (!b->has_id || b->has_plural || b->has_str) {
			problem(p, ln, "msgid_plural out of place");
			b->is_broken = true;
		}
		b->has_plural = true;
		break;
	case F_STR:
		if (!b->has_id || b->has_str) {
			problem(p, ln, b->has_str ? "a second msgstr in one "
			    "entry" : "msgstr without msgid");
			b->is_broken = true;
		} else if (b->has_plural && b->n_forms == 0) {
			problem(p, ln, "msgid_plural needs msgstr[0], "
			    "msgstr[1]...");
			b->is_broken = true;
		} else if (!b->has_plural && b->n_forms > 0) {
			problem(p, ln, "msgstr[N] without msgid_plural");
			b->is_broken = true;
		}
		b->has_str = true;
		b->str_line = ln;
		break;
	case F_STR_N:
		if (!b->has_str || !b->has_plural) {
			problem(p, ln, "msgstr[N] out of place");
			b->is_broken = true;
		}
		break;
	case F_NONE:
		break;
	}
	b->last = f;
append:
	switch (f) {
	case F_CTXT: dst = &b->ctxt; break;
	case F_ID: dst = &b->id; break;
	case F_PLURAL: dst = &b->plural; break;
	case F_STR: dst = &b->str; break;
	default: dst = &b->other; break;
	}
	why = strings(s, len, &i, dst, &b->has_nul);
	if (why != NULL) {
		problem(p, ln, why);
		b->is_broken = true;
	}
}

/* "#, fuzzy, c-format": does the list hold "fuzzy"? */
static bool
flags_have_fuzzy(const char *s, size_t len)
{
	size_t i = 0, j;

	while (i < len) {
		while (i < len && (is_blank(s[i]) || s[i] == ','))
			i++;
		for (j = i; j < len && s[j] != ',' && !is_blank(s[j]); j++)
			;
		if (j - i == 5 && memcmp(s + i, "fuzzy", 5) == 0)
			return true;
		i = j;
	}
	return false;
}

static void
comment_line(struct parser *p, const char *s, size_t len, long ln)
{
	struct building *b = &p->b;
	char kind = len > 1 ? s[1] : ' ';

	if (kind == '~') {
		if (len > 2 && s[2] == '|')
			return;		/* previous strings of an obsolete */
		keyword_line(p, s + 2, len - 2, ln, true);
		return;
	}
	/* A comment after a msgstr belongs to the next entry. */
	if (b->started && b->has_str)
		finish(p);
	if (kind == ',') {
		if (flags_have_fuzzy(s + 2, len - 2)) {
			b->is_fuzzy = true;
		}
		return;
	}
	if (kind == ' ' || len == 1) {
		if (b->comment.len > 0)
			strbuf_add(&b->comment, "\n", 1);
		if (len > 2)
			strbuf_add(&b->comment, s + 2, len - 2);
	}
	/* "#.", "#:", "#|" and others: regenerated by the exporter. */
}

static bool
blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_blank(s[i]))
			return false;
	return true;
}

enum fp_err
po_parse(const char *data, size_t len, struct po_file **out)
{
	struct parser p;
	size_t pos = 0, end, n;
	long ln = 0;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.f = calloc(1, sizeof(*p.f));
	if (p.f == NULL)
		return FP_ENOMEM;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len && !p.stopped && !p.oom) {
		const char *nl = memchr(data + pos, '\n', len - pos);

		end = nl != NULL ? (size_t)(nl - data) : len;
		n = end - pos;
		ln++;
		if (n > 0 && data[pos + n - 1] == '\r')
			n--;
		if (memchr(data + pos, '\0', n) != NULL) {
			problem(&p, ln, "a NUL byte (is this a PO file?)");
			if (p.b.started)
				p.b.is_broken = true;
		} else if (blank_line(data + pos, n)) {
			/* Blank: entries end at the next keyword. */
		} else if (data[pos] == '#') {
			comment_line(&p, data + pos, n, ln);
		} else {
			keyword_line(&p, data + pos, n, ln, false);
		}
		pos = end + 1;
	}
	if (!p.stopped && !p.oom)
		finish(&p);
	building_reset(&p.b);
	if (p.oom) {
		po_file_free(p.f);
		return FP_ENOMEM;
	}
	*out = p.f;
	return FP_OK;
}

void
po_file_free(struct po_file *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n_entries; i++) {
		free(f->entries[i].msgctxt);
		free(f->entries[i].msgid);
		free(f->entries[i].msgid_plural);
		free(f->entries[i].msgstr);
		free(f->entries[i].comment);
	}
	free(f->entries);
	for (i = 0; i < f->n_problems; i++)
		free(f->problems[i].msg);
	free(f->problems);
	free(f->header);
	free(f);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

char *
po_header_field(const struct po_file *f, const char *name)
{
	const char *s, *eol, *v;
	size_t nlen = strlen(name), vlen;
	char *r;

	if (f == NULL || f->header == NULL)
		return NULL;
	for (s = f->header; *s != '\0'; s = *eol == '\n' ? eol + 1 : eol) {
		size_t i;

		eol = strchr(s, '\n');
		if (eol == NULL)
			eol = s + strlen(s);
		for (i = 0; i < nlen && s + i < eol; i++)
			if (lower((unsigned char)s[i]) !=
			    lower((unsigned char)name[i]))
				break;
		if (i < nlen || s + nlen >= eol || s[nlen] != ':')
			continue;
		v = s + nlen + 1;
		while (v < eol && is_blank(*v))
			v++;
		vlen = (size_t)(eol - v);
		while (vlen > 0 && (is_blank(v[vlen - 1]) || v[vlen - 1] ==
		    '\r'))
			vlen--;
		r = malloc(vlen + 1);
		if (r == NULL)
			return NULL;
		memcpy(r, v, vlen);
		r[vlen] = '\0';
		return r;
	}
	return NULL;
}

void
po_write_literal(struct strbuf *b, const char *s, size_t len)
{
	size_t i, start = 0;
	char esc[8];

	strbuf_add(b, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;

		switch (c) {
		case '\\': e = "\\\\"; break;
		case '"': e = "\\\""; break;
		case '\n': e = "\\n"; break;
		case '\t': e = "\\t"; break;
		case '\r': e = "\\r"; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof(esc), "\\%03o", c);
				e = esc;
			}
			break;
		}
		if (e == NULL)
			continue;
		strbuf_add(b, s + start, i - start);
		strbuf_adds(b, e);
		start = i + 1;
	}
	strbuf_add(b, s + start, len - start);
	strbuf_add(b, "\"", 1);
}

void
po_write_string(struct strbuf *b, const char *prefix, const char *keyword,
    const char *s)
{
	const char *nl = strchr(s, '\n');
	size_t len;

	strbuf_adds(b, prefix);
	strbuf_adds(b, keyword);
	strbuf_add(b, " ", 1);
	/* One line, or a newline only at the very end: on the keyword's. */
	if (nl == NULL || nl[1] == '\0') {
		po_write_literal(b, s, strlen(s));
		strbuf_add(b, "\n", 1);
		return;
	}
	strbuf_adds(b, "\"\"\n");
	while (*s != '\0') {
		nl = strchr(s, '\n');
		len = nl != NULL ? (size_t)(nl - s) + 1 : strlen(s);
		strbuf_adds(b, prefix);
		po_write_literal(b, s, len);
		strbuf_add(b, "\n", 1);
		s += len;
	}
}
