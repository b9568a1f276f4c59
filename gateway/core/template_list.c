/*
 * template_list.c: the templates for the console (see template_list.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audience.h"
#include "gsm.h"
#include "menu_outline.h"
#include "outbox.h"
#include "strbuf.h"
#include "template_list.h"
#include "templates_coverage.h"
#include "templates_status.h"

#define KEY_MAX		160
#define VARS_MAX	32

/*
 * The longest realistic value of the variables the gateway fills itself
 * (the same samples as fupinctl templates check); the others are the
 * office's to fill and are measured empty.
 */
static const struct tpl_var samples[] = {
	{ "name", "阿苏拉则木呷" },
	{ "status_text", "已脱贫（监测）" },
	{ "cadre_name", "欧阳建华" },
	{ "cadre_phone", "19908349001" },
	{ "programs", "雨露计划:已报名,返乡创业:申请中,扶贫小额信贷:已完成" },
	{ "payment", "12000.50(2026-03-01)" },
	{ "training", "电子商务直播带货培训 2027-03-15 通江县职业高级中学" },
	{ "training_title", "电子商务与农产品直播带货实操培训" },
	{ "starts_on", "2027-03-15" },
	{ "ends_on", "2027-03-29" },
	{ "location", "通江县职业高级中学实训楼" },
	{ "program_name", "扶贫小额信贷" },
	{ "enrollment", "申请中" },
	{ "subsidy", "12000.50(2026-03-01)" },
	{ "task", "T123456" },
	{ "due", "2026-12-31 18:00" },
	{ "phone", "19908349001" },
	{ "household_id", "HH513431000001" },
	{ "ticket", "F123456" },
};

struct key {
	char	 group[16];
	char	 name[KEY_MAX];
};

struct keys {
	const char	*group;		/* filter, or NULL */
	const char	*after;
	struct key	*v;
	size_t		 n, cap;
	bool		 failed;	/* out of memory */
};

static void
collect_key(const char *lang, const char *group, const char *name, void *arg)
{
	struct keys *k = arg;
	char key[KEY_MAX + 20];

	(void)lang;
	if (k->failed || (k->group != NULL && strcmp(k->group, group) != 0))
		return;
	snprintf(key, sizeof(key), "%s/%s", group, name);
	if (strcmp(key, k->after) <= 0)
		return;
	if (k->n == k->cap) {
		size_t cap = k->cap == 0 ? 64 : k->cap * 2;
		struct key *grown = realloc(k->v, cap * sizeof(*grown));

		if (grown == NULL) {
			k->failed = true;
			return;
		}
		k->v = grown;
		k->cap = cap;
	}
	snprintf(k->v[k->n].group, sizeof(k->v[0].group), "%s", group);
	snprintf(k->v[k->n].name, sizeof(k->v[0].name), "%s", name);
	k->n++;
}

/* By "group/name" as the keys are compared with `after`. */
static int
key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	char kx[KEY_MAX + 20], ky[KEY_MAX + 20];

	snprintf(kx, sizeof(kx), "%s/%s", x->group, x->name);
	snprintf(ky, sizeof(ky), "%s/%s", y->group, y->name);
	return strcmp(kx, ky);
}

/* Sorted, each text once (it came once per language). */
static void
keys_sort(struct keys *k)
{
	size_t i, o = 0;

	if (k->n == 0)
		return;
	qsort(k->v, k->n, sizeof(*k->v), key_cmp);
	for (i = 1; i < k->n; i++)
		if (key_cmp(&k->v[o], &k->v[i]) != 0)
			k->v[++o] = k->v[i];
	k->n = o + 1;
}

struct vars {
	char		 names[VARS_MAX][48];
	struct tpl_var	 raw[VARS_MAX];		/* {x} -> "{x}" */
	struct tpl_var	 sample[VARS_MAX];	/* {x} -> its sample */
	char		 braced[VARS_MAX][52];
	size_t		 n;
};

static const char *
sample_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (strcmp(samples[i].name, name) == 0)
			return samples[i].value;
	return "";
}

static void
collect_var(const char *var, size_t len, void *arg)
{
	struct vars *v = arg;
	size_t i;

	if (len >= sizeof(v->names[0]) || v->n == VARS_MAX)
		return;
	for (i = 0; i < v->n; i++)
		if (strlen(v->names[i]) == len &&
		    memcmp(v->names[i], var, len) == 0)
			return;
	memcpy(v->names[v->n], var, len);
	v->names[v->n][len] = '\0';
	v->n++;
}

/* The name/value pairs, once the names are in. */
static void
vars_finish(struct vars *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		snprintf(v->braced[i], sizeof(v->braced[i]), "{%s}",
		    v->names[i]);
		v->raw[i] = (struct tpl_var){ v->names[i], v->braced[i] };
		v->sample[i] = (struct tpl_var){ v->names[i],
		    sample_of(v->names[i]) };
	}
}

static struct json_object *
names_json(const struct vars *v)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < v->n; i++)
		json_object_array_add(a, json_object_new_string(v->names[i]));
	return a;
}

/* One language's entry; *fits false when it does not fit. */
static enum fp_err
language_json(const struct svc_ctx *ctx, const char *lang,
    const struct key *k, const char *source_text, const char *state,
    char **text_out, struct json_object **out, bool *fits)
{
	struct json_object *o;
	struct vars *v = calloc(1, sizeof(*v));
	struct gsm_count gc;
	char *text = NULL, *filled = NULL;
	size_t segments = 0;
	bool ok = false;
	enum fp_err err;

	*out = NULL;
	if (v == NULL)
		return FP_ENOMEM;
	err = templates_vars(ctx->tpl, lang, k->group, k->name, collect_var,
	    v);
	if (err == FP_OK) {
		vars_finish(v);
		err = templates_render(ctx->tpl, lang, k->group, k->name, v->raw,
		    v->n, &text, NULL);
	}
	if (err != FP_OK) {
		free(v);
		return err;
	}
	o = json_object_new_object();
	json_object_object_add(o, "text", json_object_new_string(text));
	/* A copy of the source's text is not a translation (SPEC 11). */
	json_object_object_add(o, "translated", json_object_new_boolean(
	    source_text == NULL || strcmp(lang, "zh") == 0 ||
	    strcmp(source_text, text) != 0));
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "variables", names_json(v));
	if (templates_render(ctx->tpl, lang, k->group, k->name, v->sample,
	    v->n, &filled, NULL) == FP_OK && gsm_count(filled, strlen(filled),
	    &gc) == FP_OK) {
		json_object_object_add(o, "chars",
		    json_object_new_int64((int64_t)gc.chars));
		if (strcmp(k->group, "ussd") == 0)
			ok = gsm_screen_fits(filled, strlen(filled),
			    (size_t)ctx->cfg->ussd.max_chars,
			    (size_t)ctx->cfg->ussd.max_ucs2_chars);
		else if (outbox_segments(ctx->cfg, NULL, filled, &segments) ==
		    FP_OK) {
			json_object_object_add(o, "segments",
			    json_object_new_int64((int64_t)segments));
			ok = segments <= (strcmp(k->group, "sms") == 0 ?
			    TEMPLATE_REPLY_SEGMENTS :
			    (size_t)ctx->cfg->sms.max_segments);
		}
	}
	json_object_object_add(o, "fits", json_object_new_boolean(ok));
	free(filled);
	free(v);
	*fits = ok;
	*out = o;
	if (text_out != NULL)
		*text_out = text;
	else
		free(text);
	return FP_OK;
}

/*
 * k's state in lang as the coverage counts it (templates_coverage.h):
 * "source" in the source language, "fixed" for a text never translated,
 * else "translated", "drafted" (STATUS) or "missing".
 */
static const char *
state_of(const struct svc_ctx *ctx, const struct key *k, const char *lang,
    const struct templates_status *st)
{
	if (strcmp(lang, TEMPLATES_SOURCE_LANG) == 0)
		return "source";
	if (templates_is_fixed(ctx->tpl, k->group, k->name))
		return "fixed";
	return templates_state_name(templates_state_of(ctx->tpl, lang,
	    k->group, k->name, st));
}

static enum fp_err
item_json(const struct svc_ctx *ctx, const struct key *k,
    struct templates_status *const *status, struct json_object **out)
{
	struct json_object *o = json_object_new_object();
	struct json_object *langs = json_object_new_object(), *all;
	struct json_object *untranslated = json_object_new_array();
	char key[KEY_MAX + 20], *source = NULL;
	struct vars *v = calloc(1, sizeof(*v));
	bool fits_all = true;
	enum fp_err err = v != NULL ? FP_OK : FP_ENOMEM;
	size_t i;

	snprintf(key, sizeof(key), "%s/%s", k->group, k->name);
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "group", json_object_new_string(k->group));
	json_object_object_add(o, "name", json_object_new_string(k->name));
	json_object_object_add(o, "languages", langs);
	/* The source language first: the others are compared with it. */
	for (i = 0; err == FP_OK && i < 4; i++) {
		const char *lang = audience_langs[i];
		struct json_object *l = NULL;
		bool fits = true;

		if (!templates_has(ctx->tpl, lang, k->group, k->name)) {
			json_object_object_add(langs, lang, NULL);
			json_object_array_add(untranslated,
			    json_object_new_string(lang));
			continue;
		}
		templates_vars(ctx->tpl, lang, k->group, k->name, collect_var,
		    v);
		err = language_json(ctx, lang, k, source, state_of(ctx, k, lang,
		    status[i]), strcmp(lang, "zh") == 0 ? &source : NULL, &l,
		    &fits);
		if (err == FP_OK) {
			struct json_object *tr = NULL;

			json_object_object_add(langs, lang, l);
			if (json_object_object_get_ex(l, "translated", &tr) &&
			    !json_object_get_boolean(tr))
				json_object_array_add(untranslated,
				    json_object_new_string(lang));
		}
		fits_all = fits_all && fits;
	}
	free(source);
	if (err != FP_OK) {
		free(v);
		json_object_put(untranslated);
		json_object_put(o);
		return err;
	}
	all = names_json(v);
	json_object_object_add(o, "variables", all);
	json_object_object_add(o, "fits", json_object_new_boolean(fits_all));
	json_object_object_add(o, "untranslated", untranslated);
	free(v);
	*out = o;
	return FP_OK;
}

struct page_item {
	char	 key[KEY_MAX + 20];
	char	 group[16];
	char	*json;		/* owned */
	size_t	 len;
};

struct template_pages {
	struct page_item	*v;
	size_t			 n;
	char			*tail;	/* the answer's other members */
};

void
template_pages_free(struct template_pages *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->v[i].json);
	free(p->v);
	free(p->tail);
	free(p);
}

/* The STATUS of each language (audience_langs' order; zh none). */
struct statuses {
	struct templates_status	*st[4];
	char			*why[4];	/* a STATUS that does not read */
};

static void
statuses_load(const struct svc_ctx *ctx, struct statuses *s)
{
	size_t i;
	enum fp_err err;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < 4; i++) {
		if (strcmp(audience_langs[i], TEMPLATES_SOURCE_LANG) == 0)
			continue;
		err = templates_status_load(ctx->cfg->templates.dir,
		    audience_langs[i], &s->st[i], &s->why[i]);
		if (err != FP_OK && s->why[i] == NULL)
			s->why[i] = strdup(fp_strerror(err));
	}
}

static void
statuses_free(struct statuses *s)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		templates_status_free(s->st[i]);
		free(s->why[i]);
	}
}

/*
 * "coverage":{lang:{...}} for every language but the source (issue 17,
 * the counts of fupinctl templates check): the texts to translate
 * (templates_keys_list, the menu's first) counted with its STATUS.
 */
static enum fp_err
coverage_json(const struct svc_ctx *ctx, const struct menu_outline *menu,
    const struct statuses *s, struct strbuf *b)
{
	struct templates_key *keys = NULL;
	size_t n = 0, i, j;
	enum fp_err err;

	err = templates_keys_list(ctx->tpl, menu != NULL ?
	    (const char *const *)menu->texts : NULL, menu != NULL ?
	    menu->n_texts : 0, &keys, &n);
	if (err != FP_OK)
		return err;
	strbuf_adds(b, ",\"coverage\":{");
	for (i = 0, j = 0; err == FP_OK && i < 4; i++) {
		const char *lang = audience_langs[i];
		struct templates_coverage c;
		size_t k;

		if (strcmp(lang, TEMPLATES_SOURCE_LANG) == 0)
			continue;
		err = templates_coverage_count(ctx->tpl, lang, s->st[i], keys, n,
		    &c);
		if (err != FP_OK)
			break;
		strbuf_printf(b, "%s\"%s\":{\"translated\":%d,\"drafted\":%d,"
		    "\"missing\":%d,\"total\":%d,\"missing_keys\":[",
		    j++ > 0 ? "," : "", lang, c.translated, c.drafted,
		    c.missing, c.total);
		for (k = 0; k < c.n_missing; k++) {
			if (k > 0)
				strbuf_adds(b, ",");
			strbuf_add_json(b, c.missing_keys[k], SIZE_MAX);
		}
		strbuf_printf(b, "],\"menu_complete\":%s,\"offered\":%s,"
		    "\"status_error\":", c.menu_missing == 0 ? "true" : "false",
		    menu_outline_offers(menu, lang) ? "true" : "false");
		if (s->why[i] != NULL)
			strbuf_add_json(b, s->why[i], SIZE_MAX);
		else
			strbuf_adds(b, "null");
		strbuf_adds(b, "}");
		templates_coverage_cleanup(&c);
	}
	strbuf_adds(b, "}");
	free(keys);
	return err;
}

/* ,"menu":{...} (menu_outline_json), or null without a menu. */
static enum fp_err
menu_json(const struct menu_outline *menu, struct strbuf *b)
{
	struct json_object *o;

	strbuf_adds(b, ",\"menu\":");
	if (menu == NULL) {
		strbuf_adds(b, "null");
		return FP_OK;
	}
	o = menu_outline_json(menu);
	if (o == NULL)
		return FP_ENOMEM;
	strbuf_adds(b, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return FP_OK;
}

enum fp_err
template_pages_new(const struct svc_ctx *ctx, const struct menu_outline *menu,
    struct template_pages **out)
{
	struct keys k = { NULL, "", NULL, 0, 0, false };
	struct template_pages *p = calloc(1, sizeof(*p));
	struct strbuf tail = STRBUF_INIT;
	struct statuses s;
	enum fp_err err = FP_OK;
	size_t i;

	*out = NULL;
	if (p == NULL)
		return FP_ENOMEM;
	statuses_load(ctx, &s);
	templates_each(ctx->tpl, collect_key, &k);
	if (!k.failed)
		keys_sort(&k);
	p->v = k.n > 0 ? calloc(k.n, sizeof(*p->v)) : NULL;
	if (k.failed || (k.n > 0 && p->v == NULL))
		err = FP_ENOMEM;
	for (i = 0; err == FP_OK && i < k.n; i++) {
		struct page_item *it = &p->v[p->n];
		struct json_object *item = NULL;

		err = item_json(ctx, &k.v[i], s.st, &item);
		if (err != FP_OK)
			break;
		snprintf(it->key, sizeof(it->key), "%s/%s", k.v[i].group,
		    k.v[i].name);
		snprintf(it->group, sizeof(it->group), "%s", k.v[i].group);
		it->json = strdup(json_object_to_json_string_ext(item,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(item);
		if (it->json == NULL) {
			err = FP_ENOMEM;
			break;
		}
		it->len = strlen(it->json);
		p->n++;
	}
	free(k.v);
	strbuf_adds(&tail, "\"languages\":[");
	for (i = 0; i < 4; i++)
		strbuf_printf(&tail, "%s\"%s\"", i > 0 ? "," : "",
		    audience_langs[i]);
	strbuf_printf(&tail, "],\"max_segments\":%d,\"reply_segments\":%d,"
	    "\"ussd_max_chars\":%d,\"ussd_max_ucs2_chars\":%d",
	    ctx->cfg->sms.max_segments, TEMPLATE_REPLY_SEGMENTS,
	    ctx->cfg->ussd.max_chars, ctx->cfg->ussd.max_ucs2_chars);
	strbuf_adds(&tail, ",\"service_code\":");
	strbuf_add_json(&tail, ctx->cfg->ussd.service_code, SIZE_MAX);
	if (err == FP_OK)
		err = coverage_json(ctx, menu, &s, &tail);
	if (err == FP_OK)
		err = menu_json(menu, &tail);
	statuses_free(&s);
	p->tail = strbuf_take(&tail, NULL);
	if (err == FP_OK && p->tail == NULL)
		err = FP_ENOMEM;
	if (err != FP_OK) {
		template_pages_free(p);
		return err;
	}
	*out = p;
	return FP_OK;
}

enum fp_err
template_pages_page(const struct template_pages *p, const char *group,
    const char *after, int limit, char **out, size_t *len)
{
	struct strbuf b = STRBUF_INIT;
	const struct page_item *last = NULL;
	bool more = false;
	size_t i;
	int shown = 0;

	strbuf_printf(&b, "{\"limit\":%d,\"items\":[", limit);
	for (i = 0; i < p->n; i++) {
		const struct page_item *it = &p->v[i];

		if ((group != NULL && strcmp(it->group, group) != 0) ||
		    strcmp(it->key, after) <= 0)
			continue;
		if (shown == limit) {
			more = true;
			break;
		}
		if (shown++ > 0)
			strbuf_add(&b, ",", 1);
		strbuf_add(&b, it->json, it->len);
		last = it;
	}
	strbuf_adds(&b, "],\"next\":");
	if (more && last != NULL)
		strbuf_add_json(&b, last->key, SIZE_MAX);
	else
		strbuf_adds(&b, "null");
	strbuf_printf(&b, ",%s}", p->tail);
	*out = strbuf_take(&b, len);
	return *out != NULL ? FP_OK : FP_ENOMEM;
}
