/*
 * strbuf.h: the one growable string, and the text encoders that write
 * into it or into a fixed buffer: JSON string literals and RFC 3986
 * percent-encoding.
 *
 * A struct strbuf starts as STRBUF_INIT.  Adding never fails loudly: an
 * allocation that fails sets `failed`, every later add is ignored, and
 * strbuf_take answers NULL, so a builder checks once at the end.
 */
#ifndef FP_STRBUF_H
#define FP_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char	*s;		/* NUL-terminated; NULL until the first add */
	size_t	 len;
	size_t	 cap;
	bool	 failed;	/* out of memory: the content is incomplete */
};

#define STRBUF_INIT { NULL, 0, 0, false }

/* Append p[0..n) (NUL bytes included). */
void strbuf_add(struct strbuf *b, const char *p, size_t n);

/* Append the string s. */
void strbuf_adds(struct strbuf *b, const char *s);

/* Append as printf would write. */
void strbuf_printf(struct strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append s as a JSON string literal (json_escape, nothing cut off but
 * what `max` cuts). */
void strbuf_add_json(struct strbuf *b, const char *s, size_t max);

/* Append s percent-encoded (urlenc). */
void strbuf_add_urlenc(struct strbuf *b, const char *s);

/* The content so far ("" before anything was added); borrowed. */
const char *strbuf_str(const struct strbuf *b);

/*
 * Hand the string over (the caller frees it; "" when nothing was added)
 * with its length in *len when len is not NULL; NULL when an allocation
 * failed.  Either way b is empty again.
 */
char *strbuf_take(struct strbuf *b, size_t *len);

/* Free the content; b is empty again (STRBUF_INIT). */
void strbuf_free(struct strbuf *b);

/*
 * s as a JSON string literal, quotes included, into out[len],
 * NUL-terminated; returns its length.  '"' and '\\' get a backslash,
 * \b \f \n \r \t their short forms, the other control characters and
 * DEL \u00XX (lower-case hex); everything else, UTF-8 included, is
 * copied.  At most `max` bytes of s are taken (SIZE_MAX: all of it),
 * and fewer when the literal would not fit in len: either cut falls
 * between UTF-8 characters, so the literal is still one valid string.
 * len below 3 writes "" (when len > 0) and returns 0.
 */
size_t json_escape(char *out, size_t len, const char *s, size_t max);

/*
 * RFC 3986 percent-encoding of s (all but the unreserved A-Z a-z 0-9
 * - . _ ~, as %XX with upper-case hex) into out[len]; returns the
 * encoded length.  Written, NUL-terminated, only when that length is
 * below len; otherwise out holds "" (when len > 0).
 */
size_t urlenc(char *out, size_t len, const char *s);

/*
 * Whether JSON text[0..len) would hold a NUL character once parsed: a
 * \u0000 escape (not one whose backslash is itself escaped, as in
 * "\\u0000") or a raw NUL byte.  A parser keeps such a string whole
 * but C strings stop at the NUL, and keys are cut there: so the text
 * is checked before it is parsed.
 */
bool json_has_nul(const char *text, size_t len);

#endif
