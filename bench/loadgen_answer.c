/*
 * loadgen_answer.c: reading an HTTP/1.x answer as its bytes come in: the
 * status line and headers (up to LG_HEAD_MAX bytes), then a body framed by
 * Content-Length, by chunks, or by the end of the connection.  The body
 * is counted and dropped; interim 1xx answers are skipped.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loadgen.h"

bool
answer_init(struct answer *a)
{
	memset(a, 0, sizeof(*a));
	a->head = malloc(LG_HEAD_MAX + 1);
	return a->head != NULL;
}

void
answer_cleanup(struct answer *a)
{
	free(a->head);
	memset(a, 0, sizeof(*a));
}

void
answer_reset(struct answer *a)
{
	a->head_len = 0;
	a->has_head = false;
}

bool
answer_ends_at_close(const struct answer *a)
{
	return a->has_head && a->framing == ANSWER_BY_CLOSE;
}

/* A header's value if `line` (up to `end`) is that header, else NULL. */
static const char *
header_value(const char *line, const char *end, const char *name)
{
	size_t n = strlen(name);

	if ((size_t)(end - line) <= n || strncasecmp(line, name, n) != 0 ||
	    line[n] != ':')
		return NULL;
	line += n + 1;
	while (line < end && (*line == ' ' || *line == '\t'))
		line++;
	return line;
}

/* Whether the comma-separated list up to `end` holds `token`. */
static bool
has_token(const char *v, const char *end, const char *token)
{
	size_t n = strlen(token);
	const char *e;

	while (v < end) {
		while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
			v++;
		e = memchr(v, ',', (size_t)(end - v));
		if (e == NULL)
			e = end;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - v) == n && strncasecmp(v, token, n) == 0)
			return true;
		v = memchr(v, ',', (size_t)(end - v));
		if (v == NULL)
			break;
	}
	return false;
}

/* A Content-Length value: digits, then only blanks. */
static bool
parse_length(const char *v, const char *end, uint64_t *out)
{
	uint64_t n = 0;

	if (v == end || *v < '0' || *v > '9')
		return false;
	for (; v < end && *v >= '0' && *v <= '9'; v++) {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*v - '0');
	}
	for (; v < end; v++)
		if (*v != ' ' && *v != '\t')
			return false;
	*out = n;
	return true;
}

/*
 * The head in a->head (its length `len`, "\r\n\r\n" included): status,
 * framing and keep-alive; false when it is not HTTP.
 */
static bool
parse_head(struct answer *a, const char *method, size_t len)
{
	const char *p = a->head, *end = a->head + len, *eol, *v;
	bool has_length = false;

	if (len < 13 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    (p[7] != '0' && p[7] != '1') || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || (p[12] != ' ' && p[12] != '\r'))
		return false;
	a->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	a->is_close = p[7] == '0';
	a->framing = ANSWER_BY_CLOSE;
	/* The head ends in "\r\n\r\n", so each line's end is found. */
	for (p = (const char *)memmem(p, len, "\r\n", 2) + 2; p < end - 2;
	    p = eol + 2) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if ((v = header_value(p, eol, "Content-Length")) != NULL) {
			if (!parse_length(v, eol, &a->left))
				return false;
			has_length = true;
		} else if ((v = header_value(p, eol, "Transfer-Encoding")) !=
		    NULL && has_token(v, eol, "chunked"))
			a->framing = ANSWER_BY_CHUNKS;
		else if ((v = header_value(p, eol, "Connection")) != NULL) {
			if (has_token(v, eol, "close"))
				a->is_close = true;
			else if (has_token(v, eol, "keep-alive"))
				a->is_close = false;
		}
	}
	if (a->framing != ANSWER_BY_CHUNKS && has_length)
		a->framing = ANSWER_BY_LENGTH;
	/* No body after these, whatever the headers say. */
	if (strcmp(method, "HEAD") == 0 || a->status == 204 ||
	    a->status == 304) {
		a->framing = ANSWER_BY_LENGTH;
		a->left = 0;
	}
	if (a->framing == ANSWER_BY_CLOSE)
		a->is_close = true;
	a->ch = ANSWER_CH_SIZE;
	a->ch_size = 0;
	return true;
}

/* Body bytes of a chunked answer: 1 the body is over, 0 more, -1 bad. */
static int
feed_chunks(struct answer *a, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		char b = p[i];

		switch (a->ch) {
		case ANSWER_CH_SIZE:
		case ANSWER_CH_EXT:
			i++;
			if (b == '\n') {
				a->left = a->ch_size;
				a->line_len = 0;
				a->ch = a->ch_size == 0 ? ANSWER_CH_TRAILER : ANSWER_CH_DATA;
			} else if (a->ch == ANSWER_CH_EXT || b == '\r')
				;
			else if (b == ';' || b == ' ' || b == '\t')
				a->ch = ANSWER_CH_EXT;
			else if (a->ch_size >> 56 != 0)
				return -1;
			else if (b >= '0' && b <= '9')
				a->ch_size = a->ch_size * 16 + (uint64_t)(b - '0');
			else if ((b | 0x20) >= 'a' && (b | 0x20) <= 'f')
				a->ch_size = a->ch_size * 16 +
				    (uint64_t)((b | 0x20) - 'a' + 10);
			else
				return -1;
			break;
		case ANSWER_CH_DATA: {
			size_t take = n - i < a->left ? n - i : (size_t)a->left;

			i += take;
			a->left -= take;
			if (a->left == 0)
				a->ch = ANSWER_CH_DATA_END;
			break;
		}
		case ANSWER_CH_DATA_END:
			i++;
			if (b == '\n') {
				a->ch = ANSWER_CH_SIZE;
				a->ch_size = 0;
			}
			break;
		case ANSWER_CH_TRAILER:
			i++;
			if (b == '\n') {
				if (a->line_len == 0)
					return 1;
				a->line_len = 0;
			} else if (b != '\r')
				a->line_len++;
			break;
		}
	}
	return 0;
}

/* Body bytes: 1 the answer is complete, 0 more to come, -1 bad framing. */
static int
feed_body(struct answer *a, const char *p, size_t n)
{
	switch (a->framing) {
	case ANSWER_BY_LENGTH:
		a->left -= n < a->left ? n : a->left;
		return a->left == 0 ? 1 : 0;
	case ANSWER_BY_CHUNKS:
		return feed_chunks(a, p, n);
	case ANSWER_BY_CLOSE:
		break;
	}
	return 0;
}

int
answer_take(struct answer *a, const char *method, const char *p, size_t n)
{
	size_t take, used, prev;
	char *end;

	/* The head first, in a->head; the bytes after it are body. */
	while (!a->has_head) {
		prev = a->head_len;
		take = n < LG_HEAD_MAX - prev ? n : LG_HEAD_MAX - prev;
		memcpy(a->head + prev, p, take);
		a->head_len += take;
		/* Not even the start of a status line: no need to wait. */
		if (memcmp(a->head, "HTTP/1.", a->head_len < 7 ? a->head_len :
		    7) != 0)
			return -1;
		/* Only the new bytes (and the 3 before) can end the head. */
		end = memmem(a->head + (prev > 3 ? prev - 3 : 0), a->head_len -
		    (prev > 3 ? prev - 3 : 0), "\r\n\r\n", 4);
		if (end == NULL)
			return a->head_len == LG_HEAD_MAX ? -1 : 0;
		/* The head was not complete before, so it ends in p. */
		used = (size_t)(end + 4 - a->head);
		if (!parse_head(a, method, used))
			return -1;
		p += used - prev;
		n -= used - prev;
		a->head_len = 0;
		/* 1xx is an interim answer: the real one follows. */
		a->has_head = a->status >= 200;
	}
	if (a->framing == ANSWER_BY_LENGTH && a->left == 0)
		return 1;
	return n > 0 ? feed_body(a, p, n) : 0;
}
