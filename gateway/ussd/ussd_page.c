/*
 * ussd_page.c: cutting a screen into pages (see ussd_page.h).
 */
#include <stdlib.h>
#include <string.h>

#include "gsm.h"
#include "ussd_page.h"

#define PAGES_MAX 64	/* a screen longer than this is cut short */

struct pager {
	const char		*body;
	size_t			 len;
	const struct ussd_nav	*nav;
	enum gsm_encoding	 enc;
	size_t			 limit;
};

static size_t
units(const struct pager *pg, const char *s, size_t len)
{
	size_t n = 0;

	/* Validated up front: gsm_units cannot fail on a valid part. */
	(void)gsm_units(s, len, pg->enc, &n);
	return n;
}

static size_t
str_units(const struct pager *pg, const char *s)
{
	return s != NULL ? units(pg, s, strlen(s)) : 0;
}

/* Units of the navigation block, the newline before it included. */
static size_t
nav_units(const struct pager *pg, bool more, bool back, bool main_menu)
{
	const struct ussd_nav *nav = pg->nav;
	size_t n = 0;

	if (more && nav->more != NULL)
		n += 1 + str_units(pg, nav->more);
	if (back && nav->back != NULL)
		n += 1 + str_units(pg, nav->back);
	if (main_menu && nav->main != NULL)
		n += 1 + str_units(pg, nav->main);
	return n;
}

static size_t
utf8_char_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return 2;
	if ((c & 0xF0) == 0xE0)
		return 3;
	return 4;
}

/* A cut may follow this character: a space or a sentence/phrase mark. */
static bool
is_break_after(const char *s, size_t clen)
{
	static const char *const marks[] = {
		"\xEF\xBC\x8C", "\xE3\x80\x82", "\xE3\x80\x81",	/* ，。、 */
		"\xEF\xBC\x9B", "\xEF\xBC\x9A", "\xEF\xBC\x81",	/* ；：！ */
		"\xEF\xBC\x9F",					/* ？ */
		"\xE0\xBC\x8B", "\xE0\xBC\x8D",			/* ་ ། */
		"\xEA\x93\xBE", "\xEA\x93\xBF",			/* ꓾ ꓿ */
	};
	size_t i;

	if (clen == 1)
		return *s == ' ' || *s == ',' || *s == '.' || *s == ';' ||
		    *s == ':' || *s == '!' || *s == '?' || *s == '-';
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strlen(marks[i]) == clen && memcmp(s, marks[i], clen) == 0)
			return true;
	return false;
}

/*
 * The end of the longest part of body[pos..end) that fits `budget`:
 * whole lines first, else a cut inside the first line.  > pos unless
 * budget is 0.
 */
static size_t
take(const struct pager *pg, size_t pos, size_t budget)
{
	const char *b = pg->body;
	size_t p = pos, best = pos, used = 0, last_break = pos, i;

	/* Whole lines. */
	while (p < pg->len) {
		const char *nl = memchr(b + p, '\n', pg->len - p);
		size_t e = nl != NULL ? (size_t)(nl - b) : pg->len;

		if (units(pg, b + pos, e - pos) > budget)
			break;
		best = e;
		p = e + 1;
	}
	if (best > pos)
		return best;
	/* The first line alone is too long: cut it. */
	for (i = pos; i < pg->len && b[i] != '\n';) {
		size_t cl = utf8_char_len((unsigned char)b[i]);
		size_t cu = units(pg, b + i, cl);

		if (used + cu > budget)
			break;
		used += cu;
		i += cl;
		if (is_break_after(b + i - cl, cl))
			last_break = i;
	}
	if (last_break > pos && last_break >= pos + (i - pos) / 2)
		return last_break;	/* a cut at a word, not too early */
	return i;
}

/* Append s[0..len) to *dst at *n (enough room allocated by the caller). */
static void
put(char *dst, size_t *n, const char *s, size_t len)
{
	memcpy(dst + *n, s, len);
	*n += len;
}

static enum fp_err
compose(const struct pager *pg, size_t from, size_t to, bool more, bool back,
    bool main_menu, char **out)
{
	const struct ussd_nav *nav = pg->nav;
	size_t cap = (to - from) + 4 + (nav->more ? strlen(nav->more) : 0) +
	    (nav->back ? strlen(nav->back) : 0) +
	    (nav->main ? strlen(nav->main) : 0);
	size_t n = 0;
	char *s;

	s = malloc(cap + 1);
	if (s == NULL)
		return FP_ENOMEM;
	put(s, &n, pg->body + from, to - from);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	if (more && nav->more != NULL) {
		put(s, &n, "\n", 1);
		put(s, &n, nav->more, strlen(nav->more));
	}
	if (back && nav->back != NULL) {
		put(s, &n, "\n", 1);
		put(s, &n, nav->back, strlen(nav->back));
	}
	if (main_menu && nav->main != NULL) {
		put(s, &n, "\n", 1);
		put(s, &n, nav->main, strlen(nav->main));
	}
	s[n] = '\0';
	*out = s;
	return FP_OK;
}

static enum fp_err
choose_encoding(struct pager *pg, const struct ussd_limits *lim)
{
	const char *parts[4] = { pg->body, pg->nav->more, pg->nav->back,
	    pg->nav->main };
	struct gsm_count c;
	size_t i;

	pg->enc = GSM_ENC_GSM7;
	for (i = 0; i < 4; i++) {
		if (parts[i] == NULL)
			continue;
		if (gsm_count(parts[i], strlen(parts[i]), &c) != FP_OK)
			return FP_EINVAL;
		if (c.encoding == GSM_ENC_UCS2)
			pg->enc = GSM_ENC_UCS2;
	}
	pg->limit = pg->enc == GSM_ENC_GSM7 ? lim->max_gsm7 : lim->max_ucs2;
	return FP_OK;
}

enum fp_err
ussd_page(const char *body, const struct ussd_nav *nav,
    const struct ussd_limits *lim, int page, char **out, int *n_pages)
{
	struct pager pg = { body, strlen(body), nav, GSM_ENC_GSM7, 0 };
	size_t starts[PAGES_MAX + 1], pos = 0;
	/* The last page of several offers back and the main menu. */
	size_t last_nav, one_nav;
	int n = 0, want = page < 0 ? 0 : page;
	enum fp_err err;

	err = choose_encoding(&pg, lim);
	if (err != FP_OK)
		return err;
	/* Trailing blanks are never shown: nor are they counted. */
	while (pg.len > 0 && (body[pg.len - 1] == '\n' ||
	    body[pg.len - 1] == ' '))
		pg.len--;
	/* All of it on one page? */
	one_nav = nav_units(&pg, false, nav->show_back, nav->show_main);
	if (one_nav <= pg.limit && units(&pg, body, pg.len) <= pg.limit -
	    one_nav) {
		*n_pages = 1;
		return compose(&pg, 0, pg.len, false, nav->show_back,
		    nav->show_main, out);
	}
	last_nav = nav_units(&pg, false, true, true);
	if (last_nav >= pg.limit)
		return FP_EINVAL;
	while (pos < pg.len && n < PAGES_MAX) {
		bool back = nav->show_back || n > 0;
		size_t more_nav = nav_units(&pg, true, back, nav->show_main);
		size_t end;

		if (more_nav >= pg.limit)
			return FP_EINVAL;
		starts[n] = pos;
		if (units(&pg, body + pos, pg.len - pos) <= pg.limit - last_nav)
			end = pg.len;
		else {
			end = take(&pg, pos, pg.limit - more_nav);
			/* Not the last page: leave the last something. */
			if (end >= pg.len)
				end = take(&pg, pos, pg.limit - last_nav);
		}
		if (end <= pos)
			return FP_EINVAL;
		n++;
		pos = end;
		while (pos < pg.len && (body[pos] == '\n' || body[pos] == ' '))
			pos++;
		starts[n] = pos;
	}
	if (n == 0)
		return compose(&pg, 0, 0, false, nav->show_back,
		    nav->show_main, out);
	*n_pages = n;
	if (want >= n)
		want = n - 1;
	{
		size_t to = starts[want + 1];
		bool last = want + 1 == n;

		/* The next page's start skipped blanks; the page ends before. */
		while (to > starts[want] && (body[to - 1] == '\n' ||
		    body[to - 1] == ' '))
			to--;
		return compose(&pg, starts[want], to, !last, last ||
		    nav->show_back || want > 0, last || nav->show_main, out);
	}
}

bool
ussd_page_fits(const char *text, const struct ussd_limits *lim)
{
	return gsm_screen_fits(text, strlen(text), lim->max_gsm7,
	    lim->max_ucs2);
}
