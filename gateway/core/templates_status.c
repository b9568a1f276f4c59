/*
 * templates_status.c: templates/<lang>/STATUS, the list of machine
 * drafts (see templates_status.h).  Kept as its lines, so that writing
 * it back after an import changes only the lines of the texts that
 * were reviewed, and the comments a person wrote stay where they were.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "templates_status.h"

#define STATUS_MAX_BYTES	(256 * 1024)

struct status_line {
	char	*text;		/* owned: the line as read, no newline */
	char	*key;		/* owned: "group/name", or NULL (comment) */
	long	 line;
	bool	 is_removed;
};

struct templates_status {
	struct status_line	*lines;
	size_t			 n_lines;
	bool			 has_crlf;	/* written back the same way */
};

static bool
is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* "group/name": both [a-z0-9_]+. */
static bool
is_key(const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	size_t i;

	if (slash == NULL || slash == s || slash == s + len - 1)
		return false;
	for (i = 0; i < len; i++)
		if (s + i != slash && !is_key_char(s[i]))
			return false;
	return true;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The key of a draft line, or why it is not one; NULL key: a comment. */
static const char *
read_line(const char *s, size_t n, char **key)
{
	size_t i = 0, k0, k1, w0;

	*key = NULL;
	while (i < n && is_blank(s[i]))
		i++;
	if (i == n || s[i] == '#')
		return NULL;
	k0 = i;
	while (i < n && !is_blank(s[i]))
		i++;
	k1 = i;
	if (!is_key(s + k0, k1 - k0))
		return "expected \"group/name drafted\"";
	while (i < n && is_blank(s[i]))
		i++;
	w0 = i;
	while (i < n && !is_blank(s[i]))
		i++;
	if (i - w0 != 7 || memcmp(s + w0, "drafted", 7) != 0)
		return "the state must be \"drafted\"";
	while (i < n && is_blank(s[i]))
		i++;
	if (i < n && s[i] != '#')
		return "text after the state (start a note with #)";
	*key = malloc(k1 - k0 + 1);
	if (*key == NULL)
		return "";	/* out of memory: told apart by the caller */
	memcpy(*key, s + k0, k1 - k0);
	(*key)[k1 - k0] = '\0';
	return NULL;
}

enum fp_err
templates_status_parse(const char *data, size_t len,
    struct templates_status **out, long *line, const char **why)
{
	struct templates_status *s;
	size_t pos = 0, cap = 0;
	long ln = 0;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return FP_ENOMEM;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - data) : len;
		size_t n = end - pos;
		struct status_line *sl;
		const char *bad;
		char *key;

		ln++;
		if (n > 0 && data[pos + n - 1] == '\r') {
			n--;
			s->has_crlf = true;
		}
		if (memchr(data + pos, '\0', n) != NULL) {
			*line = ln;
			*why = "a NUL byte";
			templates_status_free(s);
			return FP_EINVAL;
		}
		bad = read_line(data + pos, n, &key);
		if (bad != NULL && *bad == '\0') {
			templates_status_free(s);
			return FP_ENOMEM;
		}
		if (bad != NULL) {
			*line = ln;
			*why = bad;
			templates_status_free(s);
			return FP_EINVAL;
		}
		if (s->n_lines == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			sl = realloc(s->lines, cap * sizeof(*sl));
			if (sl == NULL) {
				free(key);
				templates_status_free(s);
				return FP_ENOMEM;
			}
			s->lines = sl;
		}
		sl = &s->lines[s->n_lines++];
		memset(sl, 0, sizeof(*sl));
		sl->key = key;
		sl->line = ln;
		sl->text = malloc(n + 1);
		if (sl->text == NULL) {
			templates_status_free(s);
			return FP_ENOMEM;
		}
		memcpy(sl->text, data + pos, n);
		sl->text[n] = '\0';
		pos = end + 1;
	}
	*out = s;
	return FP_OK;
}

enum fp_err
templates_status_load(const char *dir, const char *lang,
    struct templates_status **out, char **why)
{
	char path[4096], *buf, msg[4200];
	const char *bad = NULL;
	long line = 0;
	size_t n;
	FILE *fp;
	enum fp_err err;
	int r;

	*out = NULL;
	*why = NULL;
	r = snprintf(path, sizeof(path), "%s/%s/STATUS", dir, lang);
	if (r < 0 || (size_t)r >= sizeof(path))
		return FP_EINVAL;
	fp = fopen(path, "rb");
	if (fp == NULL) {
		if (errno == ENOENT)
			return templates_status_parse("", 0, out, &line, &bad);
		return FP_EIO;
	}
	buf = malloc(STATUS_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(fp);
		return FP_ENOMEM;
	}
	n = fread(buf, 1, STATUS_MAX_BYTES + 1, fp);
	if (ferror(fp)) {
		fclose(fp);
		free(buf);
		return FP_EIO;
	}
	fclose(fp);
	if (n > STATUS_MAX_BYTES) {
		line = 0;
		bad = "larger than 256 KiB";
		err = FP_EINVAL;
	} else
		err = templates_status_parse(buf, n, out, &line, &bad);
	free(buf);
	if (err == FP_EINVAL) {
		snprintf(msg, sizeof(msg), "%s:%ld: %s", path, line, bad);
		*why = strdup(msg);
	}
	return err;
}

void
templates_status_free(struct templates_status *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_lines; i++) {
		free(s->lines[i].text);
		free(s->lines[i].key);
	}
	free(s->lines);
	free(s);
}

bool
templates_status_is_drafted(const struct templates_status *s,
    const char *key)
{
	size_t i;

	for (i = 0; s != NULL && i < s->n_lines; i++)
		if (s->lines[i].key != NULL && !s->lines[i].is_removed &&
		    strcmp(s->lines[i].key, key) == 0)
			return true;
	return false;
}

bool
templates_status_set_reviewed(struct templates_status *s, const char *key)
{
	bool found = false;
	size_t i;

	for (i = 0; s != NULL && i < s->n_lines; i++)
		if (s->lines[i].key != NULL && !s->lines[i].is_removed &&
		    strcmp(s->lines[i].key, key) == 0) {
			s->lines[i].is_removed = true;
			found = true;
		}
	return found;
}

void
templates_status_each(const struct templates_status *s,
    void (*fn)(const char *key, long line, void *arg), void *arg)
{
	size_t i;

	for (i = 0; s != NULL && i < s->n_lines; i++)
		if (s->lines[i].key != NULL && !s->lines[i].is_removed)
			fn(s->lines[i].key, s->lines[i].line, arg);
}

enum fp_err
templates_status_format(const struct templates_status *s, char **out,
    size_t *len)
{
	struct strbuf b = STRBUF_INIT;
	size_t i;

	for (i = 0; i < s->n_lines; i++) {
		if (s->lines[i].is_removed)
			continue;
		strbuf_adds(&b, s->lines[i].text);
		strbuf_adds(&b, s->has_crlf ? "\r\n" : "\n");
	}
	*out = strbuf_take(&b, len);
	return *out != NULL ? FP_OK : FP_ENOMEM;
}
