/*
 * templates_coverage.c: the texts to translate and how much of a
 * language has them (see templates_coverage.h).  A catalog is a couple
 * of hundred texts: lists are scanned, not indexed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "templates_coverage.h"

static const char *const groups[] = { "ussd", "sms", "notices" };
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

struct list {
	const struct templates	*t;
	struct templates_key	*v;
	size_t			 n, cap;
	const char		*group;		/* only this group, or NULL */
	bool			 source_only;
	enum fp_err		 err;
};

static const char *
group_of(const char *group)
{
	size_t i;

	for (i = 0; i < N_GROUPS; i++)
		if (strcmp(groups[i], group) == 0)
			return groups[i];
	return NULL;
}

static void
add(struct list *l, const char *group, const char *name, bool in_menu)
{
	const char *g = group_of(group);
	struct templates_key *e;
	char key[TEMPLATES_KEY_MAX];
	size_t i;
	int r;

	if (l->err != FP_OK || g == NULL)
		return;
	r = snprintf(key, sizeof(key), "%s/%s", g, name);
	if (r < 0 || (size_t)r >= sizeof(key))
		return;		/* names are short: a 90-byte one is ignored */
	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return;
	if (l->n == l->cap) {
		size_t cap = l->cap == 0 ? 128 : l->cap * 2;
		struct templates_key *grown = realloc(l->v,
		    cap * sizeof(*grown));

		if (grown == NULL) {
			l->err = FP_ENOMEM;
			return;
		}
		l->v = grown;
		l->cap = cap;
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, (size_t)r + 1);
	e->group = g;
	e->name = NULL;		/* set once the array stops moving */
	e->in_source = templates_has(l->t, TEMPLATES_SOURCE_LANG, g, name);
	e->is_fixed = templates_is_fixed(l->t, g, name);
	e->in_menu = in_menu;
}

static void
add_each(const char *lang, const char *group, const char *name, void *arg)
{
	struct list *l = arg;

	if (l->group != NULL && strcmp(group, l->group) != 0)
		return;
	if (l->source_only && strcmp(lang, TEMPLATES_SOURCE_LANG) != 0)
		return;
	add(l, group, name, false);
}

enum fp_err
templates_keys_list(const struct templates *t, const char *const *menu_keys,
    size_t n_menu, struct templates_key **out, size_t *n)
{
	struct list l;
	size_t i;

	*out = NULL;
	*n = 0;
	memset(&l, 0, sizeof(l));
	l.t = t;
	for (i = 0; i < n_menu; i++)
		add(&l, "ussd", menu_keys[i], true);
	/* The source's texts, a group at a time. */
	l.source_only = true;
	for (i = 0; i < N_GROUPS; i++) {
		l.group = groups[i];
		templates_each(t, add_each, &l);
	}
	/* Then what another language has and the source lacks. */
	l.source_only = false;
	l.group = NULL;
	templates_each(t, add_each, &l);
	if (l.err != FP_OK) {
		free(l.v);
		return l.err;
	}
	for (i = 0; i < l.n; i++)
		l.v[i].name = l.v[i].key + strlen(l.v[i].group) + 1;
	*out = l.v;
	*n = l.n;
	return FP_OK;
}

bool
templates_key_counts(const struct templates_key *e)
{
	return e->in_source && !e->is_fixed;
}

const char *
templates_state_name(enum templates_state s)
{
	switch (s) {
	case TEMPLATES_DRAFTED:
		return "drafted";
	case TEMPLATES_TRANSLATED:
		return "translated";
	case TEMPLATES_MISSING:
	default:
		return "missing";
	}
}

enum templates_state
templates_state_of(const struct templates *t, const char *lang,
    const char *group, const char *name, const struct templates_status *st)
{
	char key[TEMPLATES_KEY_MAX];

	if (!templates_translated(t, lang, group, name))
		return TEMPLATES_MISSING;
	snprintf(key, sizeof(key), "%s/%s", group, name);
	if (st != NULL && templates_status_is_drafted(st, key))
		return TEMPLATES_DRAFTED;
	return TEMPLATES_TRANSLATED;
}

enum fp_err
templates_coverage_count(const struct templates *t, const char *lang,
    const struct templates_status *st, const struct templates_key *keys,
    size_t n, struct templates_coverage *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n > 0) {
		out->missing_keys = calloc(n, sizeof(*out->missing_keys));
		if (out->missing_keys == NULL)
			return FP_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const struct templates_key *e = &keys[i];

		/* The menu as the language menu judges it: every text it
		 * shows, translated or drafted (ussd_texts.h). */
		if (e->in_menu && !templates_translated(t, lang, e->group,
		    e->name))
			out->menu_missing++;
		if (!templates_key_counts(e))
			continue;
		out->total++;
		switch (templates_state_of(t, lang, e->group, e->name, st)) {
		case TEMPLATES_TRANSLATED:
			out->translated++;
			break;
		case TEMPLATES_DRAFTED:
			out->drafted++;
			break;
		case TEMPLATES_MISSING:
			out->missing++;
			out->missing_keys[out->n_missing++] = e->key;
			break;
		}
	}
	return FP_OK;
}

void
templates_coverage_cleanup(struct templates_coverage *c)
{
	free(c->missing_keys);
	memset(c, 0, sizeof(*c));
}
