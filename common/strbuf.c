/*
 * strbuf.c: the growable string and the JSON and URL encoders (see
 * strbuf.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

#define STRBUF_FIRST 256	/* the first allocation, then doubled */

/* Room for n more bytes and the NUL; false (and failed) when there is
 * none to be had. */
static bool
reserve(struct strbuf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return false;
	if (n > SIZE_MAX - 1 - b->len) {
		b->failed = true;
		return false;
	}
	need = b->len + n + 1;
	if (b->s != NULL && need <= b->cap)
		return true;
	cap = b->cap > 0 ? b->cap : STRBUF_FIRST;
	while (cap < need)
		cap = cap <= SIZE_MAX / 2 ? cap * 2 : need;
	p = realloc(b->s, cap);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	p[b->len] = '\0';
	b->s = p;
	b->cap = cap;
	return true;
}

void
strbuf_add(struct strbuf *b, const char *p, size_t n)
{
	if (!reserve(b, n))
		return;
	if (n > 0)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
strbuf_adds(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

void
strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (!reserve(b, 0))
		return;
	va_start(ap, fmt);
	r = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (r < 0) {
		b->failed = true;
		b->s[b->len] = '\0';
		return;
	}
	if ((size_t)r >= b->cap - b->len) {
		if (!reserve(b, (size_t)r)) {
			b->s[b->len] = '\0';
			return;
		}
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)r;
}

void
strbuf_add_json(struct strbuf *b, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		n = max;
	/* At most 6 bytes a byte of s, the quotes and the NUL: no cut. */
	if (n > (SIZE_MAX - 3) / 6) {
		b->failed = true;
		return;
	}
	if (reserve(b, 6 * n + 2))
		b->len += json_escape(b->s + b->len, b->cap - b->len, s, max);
}

void
strbuf_add_urlenc(struct strbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (n > (SIZE_MAX - 1) / 3) {
		b->failed = true;
		return;
	}
	if (reserve(b, 3 * n))
		b->len += urlenc(b->s + b->len, b->cap - b->len, s);
}

const char *
strbuf_str(const struct strbuf *b)
{
	return b->s != NULL ? b->s : "";
}

char *
strbuf_take(struct strbuf *b, size_t *len)
{
	char *s;

	reserve(b, 0);		/* "" when nothing was added */
	if (b->failed) {
		strbuf_free(b);
		return NULL;
	}
	s = b->s;
	if (len != NULL)
		*len = b->len;
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void
strbuf_free(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}

/* How c is written inside a JSON string, into e; its length. */
static size_t
json_char(unsigned char c, char e[6])
{
	static const char hex[] = "0123456789abcdef";
	char short_form;

	switch (c) {
	case '"':	short_form = '"'; break;
	case '\\':	short_form = '\\'; break;
	case '\b':	short_form = 'b'; break;
	case '\f':	short_form = 'f'; break;
	case '\n':	short_form = 'n'; break;
	case '\r':	short_form = 'r'; break;
	case '\t':	short_form = 't'; break;
	default:
		if (c >= 0x20 && c != 0x7f) {
			e[0] = (char)c;
			return 1;
		}
		memcpy(e, "\\u00", 4);
		e[4] = hex[c >> 4];
		e[5] = hex[c & 15];
		return 6;
	}
	e[0] = '\\';
	e[1] = short_form;
	return 2;
}

size_t
json_escape(char *out, size_t len, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i, o = 0, start, k;
	char e[6];

	if (len < 3) {
		if (len > 0)
			out[0] = '\0';
		return 0;
	}
	if (n > max) {
		n = max;
		while (n > 0 && (p[n] & 0xc0) == 0x80)
			n--;
	}
	len -= 2;		/* the closing quote and the NUL */
	out[o++] = '"';
	start = o;		/* where the current character began */
	for (i = 0; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			start = o;
		k = json_char(p[i], e);
		if (o + k > len) {
			o = start;	/* no part of a character */
			break;
		}
		memcpy(out + o, e, k);
		o += k;
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

size_t
urlenc(char *out, size_t len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	for (; *p != '\0'; p++) {
		unsigned char c = *p;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (o + 1 < len)
				out[o] = (char)c;
			o++;
		} else {
			if (o + 3 < len) {
				out[o] = '%';
				out[o + 1] = hex[c >> 4];
				out[o + 2] = hex[c & 15];
			}
			o += 3;
		}
	}
	if (o < len)
		out[o] = '\0';
	else if (len > 0)
		out[0] = '\0';
	return o;
}

bool
json_has_nul(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (text[i] == '\0')
			return true;
		if (text[i] != '\\')
			continue;
		if (i + 5 < len && text[i + 1] == 'u' &&
		    memcmp(text + i + 2, "0000", 4) == 0)
			return true;
		i++;	/* the escaped character, a backslash included */
	}
	return false;
}
