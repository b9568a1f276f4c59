/*
 * cfg_walk.c: walk the key table of cfg_keys.c over a parsed libconfig
 * file and fill struct cfg: reject keys that are not in the table, check
 * each value's type and range (and its row's check function), apply the
 * defaults of absent keys, load lists of groups (with their required
 * keys, the keys that belong to each kind of element, and the keys that
 * must be unique), and free it all again.  Knows no key by name.
 *
 * Called by cfg_load.c only; errors are collected here (cfg_errf).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_walk.h"
#include "parse.h"

/* ---- errors ---- */

void
cfg_err_append(struct cfg_ctx *c, const char *file, unsigned line,
    const char *msg)
{
	size_t need = strlen(file) + strlen(msg) + 16;
	struct cfg_err_line *e;

	if (c->oom)
		return;
	if (c->n_err == c->cap_err) {
		size_t cap = c->cap_err == 0 ? 16 : c->cap_err * 2;
		struct cfg_err_line *grown;

		grown = realloc(c->errs, cap * sizeof(*grown));
		if (grown == NULL) {
			c->oom = true;
			return;
		}
		c->errs = grown;
		c->cap_err = cap;
	}
	e = &c->errs[c->n_err];
	e->text = malloc(need);
	if (e->text == NULL) {
		c->oom = true;
		return;
	}
	if (line > 0)
		snprintf(e->text, need, "%s:%u: %s", file, line, msg);
	else
		snprintf(e->text, need, "%s: %s", file, msg);
	e->file = file;
	e->line = line;
	e->seq = c->n_err++;
}

/* One error at the setting `at` (its file and line; NULL: no line). */
void
cfg_errf(struct cfg_ctx *c, const config_setting_t *at, const char *fmt, ...)
{
	char msg[512];
	const char *file = c->file;
	unsigned line = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at != NULL) {
		if (config_setting_source_file(at) != NULL)
			file = config_setting_source_file(at);
		line = config_setting_source_line(at);
	}
	cfg_err_append(c, file, line, msg);
}

#define KEYPATH_MAX 128		/* "sms.routes[12].secret" */
/* Keys per table: bits of a uint64_t.  The providers' table passed 32
 * with the operator links and the clouds: a row past MAX_ROWS escaped
 * the check that a key belongs to its provider's type. */
#define MAX_ROWS 64

static void load_table(struct cfg_ctx *, const struct cfg_key *,
    config_setting_t *, void *, const char *, config_setting_t *,
    uint64_t *, bool);

/* ---- small helpers ---- */

/* Was row i of a table given?  (Rows past MAX_ROWS are never tracked.) */
static bool
has_row(uint64_t given, int i)
{
	return i < MAX_ROWS && (given >> i & 1u) != 0;
}

static void
keypath(char *buf, const char *prefix, const char *name)
{
	snprintf(buf, KEYPATH_MAX, "%s%s%s", prefix, prefix[0] != '\0' ?
	    "." : "", name);
}

static void *
field(void *base, const struct cfg_key *k)
{
	return (char *)base + k->off;
}

static const struct cfg_key *
find_key(const struct cfg_key *tab, const char *name)
{
	for (; tab->name != NULL; tab++)
		if (name != NULL && strcmp(tab->name, name) == 0)
			return tab;
	return NULL;
}

static int
name_index(const char *const *names, const char *v)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return -1;
}

/* "\"a\", \"b\" or \"c\"" */
static void
names_text(char *buf, size_t size, const char *const *names)
{
	size_t len = 0;
	int i, n;

	buf[0] = '\0';
	for (i = 0; names[i] != NULL && len < size; i++) {
		n = snprintf(buf + len, size - len, "%s\"%s\"", i == 0 ? "" :
		    names[i + 1] == NULL ? " or " : ", ", names[i]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

static bool
is_integer(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64;
}

/* "90", "90s", "3m", "1h", "2d" → seconds. */
static bool
parse_span(const char *v, int64_t *out)
{
	char num[24];
	size_t len = strlen(v);
	int64_t mul = 1, n;

	if (len == 0)
		return false;
	switch (v[len - 1]) {
	case 's': len--; break;
	case 'm': mul = 60; len--; break;
	case 'h': mul = 3600; len--; break;
	case 'd': mul = 86400; len--; break;
	default: break;
	}
	if (len == 0 || len >= sizeof(num))
		return false;
	memcpy(num, v, len);
	num[len] = '\0';
	if (parse_int64(num, 0, INT64_MAX / 86400, &n) != FP_OK)
		return false;
	*out = n * mul;
	return true;
}

/* ---- one value ---- */

/* A string value for row k: check it, store it.  `at`: where to blame. */
static void
set_string(struct cfg_ctx *c, const struct cfg_key *k, const char *v,
    void *base, const char *path, const config_setting_t *at)
{
	char names[256];
	size_t len = strlen(v);
	const char *msg;
	char *dup, **dst;
	int idx;

	if (k->names != NULL) {
		idx = name_index(k->names, v);
		if (idx < 0) {
			names_text(names, sizeof(names), k->names);
			cfg_errf(c, at, "'%s' must be one of %s", path, names);
			return;
		}
		if (k->type == CFG_ENUM) {
			*(int *)field(base, k) = idx;
			return;
		}
	}
	if (len < (size_t)k->min) {
		if (k->min <= 1)
			cfg_errf(c, at, "'%s' must not be empty", path);
		else
			cfg_errf(c, at, "'%s' must be at least %lld bytes",
			    path, (long long)k->min);
		return;
	}
	if (k->max > 0 && len > (size_t)k->max) {
		cfg_errf(c, at, "'%s' must be at most %lld characters", path,
		    (long long)k->max);
		return;
	}
	if (k->check != NULL) {
		msg = k->check(v, base);
		if (msg == CFG_CHECK_ENOMEM) {
			c->oom = true;
			return;
		}
		if (msg != NULL) {
			cfg_errf(c, at, "'%s' %s", path, msg);
			return;
		}
	}
	if (k->off == CFG_NOFIELD)
		return;
	dup = strdup(v);
	if (dup == NULL) {
		c->oom = true;
		return;
	}
	dst = field(base, k);
	free(*dst);
	*dst = dup;
}

static void
set_number(struct cfg_ctx *c, const struct cfg_key *k, int64_t v, void *base,
    const char *path, const config_setting_t *at)
{
	if (v < k->min || v > k->max) {
		cfg_errf(c, at, "'%s' must be between %lld and %lld%s", path,
		    (long long)k->min, (long long)k->max,
		    k->type == CFG_SPAN ? " seconds" : "");
		return;
	}
	if (k->type == CFG_INT64)
		*(int64_t *)field(base, k) = v;
	else
		*(int *)field(base, k) = (int)v;
}

static void load_list(struct cfg_ctx *, const struct cfg_key *,
    config_setting_t *, void *, const char *, config_setting_t *);

/* The key k is absent: its default.  `at`: the nearest enclosing group. */
static void
use_default(struct cfg_ctx *c, const struct cfg_key *k, void *base,
    const char *path, config_setting_t *at)
{
	switch (k->type) {
	case CFG_INT:
	case CFG_SPAN:
		*(int *)field(base, k) = (int)k->def.i;
		break;
	case CFG_INT64:
		*(int64_t *)field(base, k) = k->def.i;
		break;
	case CFG_BOOL:
		*(bool *)field(base, k) = k->def.b;
		break;
	case CFG_STR:
	case CFG_ENUM:
		if (k->def.s != NULL)
			set_string(c, k, k->def.s, base, path, at);
		break;
	case CFG_GROUP:
		load_table(c, k->sub, NULL, base, path, at, NULL, false);
		break;
	case CFG_LIST:
		load_list(c, k, NULL, base, path, at);
		break;
	case CFG_STRS:
		break;		/* NULL: none */
	}
}

/* The array of strings s into k's char ** (NULL-terminated). */
static void
load_strings(struct cfg_ctx *c, const struct cfg_key *k, config_setting_t *s,
    void *base, const char *path)
{
	char ***dst = field(base, k), **v;
	int n = config_setting_length(s), i;

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		cfg_errf(c, s, "'%s' must be a list of strings [ \"...\" ]", path);
		return;
	}
	v = calloc((size_t)n + 1, sizeof(*v));
	if (v == NULL) {
		c->oom = true;
		return;
	}
	for (i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *str = e != NULL ? config_setting_get_string(e) : NULL;

		if (str == NULL || (int64_t)strlen(str) < k->min) {
			cfg_errf(c, e != NULL ? e : s, "'%s' must hold strings "
			    "of at least %lld characters", path,
			    (long long)k->min);
			break;
		}
		v[i] = strdup(str);
		if (v[i] == NULL) {
			c->oom = true;
			break;
		}
	}
	*dst = v;
}

/* The key k is the setting s. */
static void
load_value(struct cfg_ctx *c, const struct cfg_key *k, config_setting_t *s,
    void *base, const char *path)
{
	int type = config_setting_type(s);
	int64_t v;

	switch (k->type) {
	case CFG_INT:
	case CFG_INT64:
		if (!is_integer(s)) {
			cfg_errf(c, s, "'%s' must be an integer", path);
			return;
		}
		set_number(c, k, config_setting_get_int64(s), base, path, s);
		return;
	case CFG_SPAN:
		if (is_integer(s))
			v = config_setting_get_int64(s);
		else if (type != CONFIG_TYPE_STRING ||
		    !parse_span(config_setting_get_string(s), &v)) {
			cfg_errf(c, s, "'%s' must be a number of seconds or a "
			    "string such as \"90s\", \"3m\", \"1h\" or \"2d\"",
			    path);
			return;
		}
		set_number(c, k, v, base, path, s);
		return;
	case CFG_BOOL:
		if (type != CONFIG_TYPE_BOOL) {
			cfg_errf(c, s, "'%s' must be true or false", path);
			return;
		}
		*(bool *)field(base, k) = config_setting_get_bool(s) != 0;
		return;
	case CFG_STR:
	case CFG_ENUM:
		if (type != CONFIG_TYPE_STRING) {
			cfg_errf(c, s, "'%s' must be a string", path);
			return;
		}
		set_string(c, k, config_setting_get_string(s), base, path, s);
		return;
	case CFG_GROUP:
		if (type != CONFIG_TYPE_GROUP) {
			cfg_errf(c, s, "'%s' must be a group { ... }", path);
			s = NULL;
		}
		load_table(c, k->sub, s, base, path, s, NULL, false);
		return;
	case CFG_LIST:
		load_list(c, k, s, base, path, s);
		return;
	case CFG_STRS:
		load_strings(c, k, s, base, path);
		return;
	}
}

/*
 * Fill `base` from the keys of table `tab` found in group `grp` (NULL:
 * all defaults).  `prefix` names the group in messages; `at` is where a
 * missing key is blamed; `given` gets bit i set when row i was present.
 */
static void
load_table(struct cfg_ctx *c, const struct cfg_key *tab, config_setting_t *grp,
    void *base, const char *prefix, config_setting_t *at, uint64_t *given,
    bool is_elem)
{
	char path[KEYPATH_MAX];
	const struct cfg_key *k;
	config_setting_t *s;
	int i, n;

	if (grp != NULL) {
		n = config_setting_length(grp);
		for (i = 0; i < n; i++) {
			const char *name;

			s = config_setting_get_elem(grp, (unsigned)i);
			name = config_setting_name(s);
			if (find_key(tab, name) != NULL)
				continue;
			if (prefix[0] == '\0')
				cfg_errf(c, s, "unknown key '%s'", name);
			else
				cfg_errf(c, s, "unknown key '%s' in %s'%s'",
				    name, is_elem ? "" : "group ", prefix);
		}
		at = grp;
	}
	for (k = tab, i = 0; k->name != NULL; k++, i++) {
		keypath(path, prefix, k->name);
		s = grp != NULL ? config_setting_get_member(grp, k->name) :
		    NULL;
		if (s == NULL) {
			use_default(c, k, base, path, at);
			continue;
		}
		if (given != NULL && i < MAX_ROWS)
			*given |= (uint64_t)1 << i;
		load_value(c, k, s, base, path);
	}
}

/* ---- lists ---- */

/* After one element is loaded: required keys and keys of its kind. */
static void
check_elem(struct cfg_ctx *c, const struct cfg_key *lk, config_setting_t *e,
    void *elem, const char *epath, uint64_t given)
{
	const struct cfg_key *k, *kind_row = NULL;
	const char *kind_name;
	int i, kind = -1;

	for (k = lk->sub, i = 0; k->name != NULL; k++, i++) {
		if ((k->flags & CFG_REQUIRED) && !has_row(given, i))
			cfg_errf(c, e, "missing key '%s' in '%s'", k->name,
			    epath);
		if (k->flags & CFG_KIND) {
			kind_row = k;
			kind = *(int *)field(elem, k);
		}
	}
	if (kind_row == NULL || kind < 0)
		return;		/* no kind, or a bad one: already reported */
	kind_name = kind_row->names[kind];
	for (k = lk->sub, i = 0; k->name != NULL; k++, i++) {
		unsigned bit = 1u << kind;
		bool has = has_row(given, i);
		const char *v;

		if (k->kinds != 0 && has && !(k->kinds & bit))
			cfg_errf(c, config_setting_get_member(e, k->name),
			    "'%s' is not a key of %s %ss", k->name, kind_name,
			    lk->list->noun);
		if (!(k->needs & bit) || k->off == CFG_NOFIELD)
			continue;
		/* given but NULL: a bad value, already reported; not given
		 * but set: its _file key read it */
		v = *(char **)field(elem, k);
		if ((!has && (v == NULL || v[0] == '\0')) ||
		    (has && v != NULL && v[0] == '\0'))
			cfg_errf(c, e, "'%s' (%s %s) needs a non-empty '%s'",
			    epath, kind_name, lk->list->noun, k->name);
	}
}

static void
load_elem(struct cfg_ctx *c, const struct cfg_key *lk, config_setting_t *e,
    void *elem, const char *epath)
{
	const struct cfg_key *k;
	uint64_t given = 0;

	/* a kind that stays -1 was missing or bad: skip the kind checks */
	for (k = lk->sub; k->name != NULL; k++)
		if (k->flags & CFG_KIND)
			*(int *)field(elem, k) = -1;
	load_table(c, lk->sub, e, elem, epath, e, &given, true);
	check_elem(c, lk, e, elem, epath, given);
}

/* The line a list element or its unique key was written at. */
static unsigned
elem_line(config_setting_t *e, const struct cfg_key *u)
{
	config_setting_t *s;

	if (e == NULL)
		return 0;
	s = config_setting_get_member(e, u->name);
	return config_setting_source_line(s != NULL ? s : e);
}

/* The first element before `a` whose key u has the same value, or -1. */
static long
earlier_dup(const struct cfg_key *lk, const struct cfg_key *u, char *arr,
    size_t a)
{
	size_t size = lk->list->elem_size, b;
	const char *va = *(char **)field(arr + a * size, u);

	for (b = 0; va != NULL && b < a; b++) {
		const char *vb = *(char **)field(arr + b * size, u);

		if (vb != NULL && strcmp(va, vb) == 0)
			return (long)b;
	}
	return -1;
}

/* CFG_UNIQUE keys: no value twice (elements with the key unset skip). */
static void
check_unique(struct cfg_ctx *c, const struct cfg_key *lk, char *arr,
    config_setting_t **src, size_t n, config_setting_t *at)
{
	const struct cfg_key *u;
	size_t a;
	long b;

	for (u = lk->sub; u->name != NULL; u++) {
		if (!(u->flags & CFG_UNIQUE))
			continue;
		for (a = 1; a < n; a++) {
			b = earlier_dup(lk, u, arr, a);
			if (b < 0)
				continue;
			cfg_errf(c, src[a] != NULL ?
			    config_setting_get_member(src[a], u->name) : at,
			    "duplicate %s %s '%s' (first at line %u)",
			    lk->list->noun, u->name,
			    *(char **)field(arr + a * lk->list->elem_size, u),
			    elem_line(src[b], u));
		}
	}
}

/* The default element whose unique key equals that of `elem`, or -1. */
static long
find_default(const struct cfg_key *lk, char *arr, config_setting_t **src,
    size_t n, const void *elem)
{
	size_t size = lk->list->elem_size, i;
	const struct cfg_key *u;
	const char *v;

	for (u = lk->sub; u->name != NULL; u++)
		if (u->flags & CFG_UNIQUE)
			break;
	if (u->name == NULL)
		return -1;
	v = *(char *const *)((const char *)elem + u->off);
	for (i = 0; v != NULL && i < n; i++) {
		const char *w = *(char **)field(arr + i * size, u);

		if (src[i] == NULL && w != NULL && strcmp(v, w) == 0)
			return (long)i;
	}
	return -1;
}

/*
 * The list row lk: its elements from setting s (NULL: absent), after or
 * instead of the defaults.  The array and its count go into `base`.
 */
static void
load_list(struct cfg_ctx *c, const struct cfg_key *lk, config_setting_t *s,
    void *base, const char *path, config_setting_t *at)
{
	const struct cfg_list *l = lk->list;
	config_t defs;
	config_setting_t *dl = NULL, **src = NULL;
	char epath[KEYPATH_MAX], *arr = NULL, *text = NULL;
	size_t n_def = 0, n_given = 0, n = 0, i, tlen;

	if (s != NULL && config_setting_type(s) != CONFIG_TYPE_LIST &&
	    !(config_setting_type(s) == CONFIG_TYPE_ARRAY &&
	    config_setting_length(s) == 0)) {
		cfg_errf(c, s, "'%s' must be a list ( { ... }, ... )", path);
		s = NULL;
	}
	config_init(&defs);
	if ((s == NULL || l->adds) && l->def != NULL) {
		tlen = strlen(l->def) + 8;
		text = malloc(tlen);
		if (text == NULL)
			goto oom;
		snprintf(text, tlen, "d = %s;", l->def);
		if (config_read_string(&defs, text) == CONFIG_TRUE)
			dl = config_lookup(&defs, "d");
		else
			cfg_errf(c, at, "built-in default of '%s': %s", path,
			    config_error_text(&defs));
		n_def = dl != NULL ? (size_t)config_setting_length(dl) : 0;
	}
	n_given = s != NULL ? (size_t)config_setting_length(s) : 0;
	if (n_def + n_given == 0)
		goto done;
	arr = calloc(n_def + n_given, l->elem_size);
	src = calloc(n_def + n_given, sizeof(*src));
	if (arr == NULL || src == NULL)
		goto oom;
	for (i = 0; i < n_def; i++) {
		snprintf(epath, sizeof(epath), "%s[default %zu]", path, i);
		load_elem(c, lk, config_setting_get_elem(dl, (unsigned)i),
		    arr + n * l->elem_size, epath);
		n++;
	}
	for (i = 0; i < n_given; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char *slot = arr + n * l->elem_size;
		long j;

		snprintf(epath, sizeof(epath), "%s[%zu]", path, i);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			cfg_errf(c, e, "'%s' must be a group { ... }", epath);
			continue;
		}
		load_elem(c, lk, e, slot, epath);
		j = l->adds ? find_default(lk, arr, src, n_def, slot) : -1;
		if (j >= 0) {
			/* repeats a built-in element: replaces it */
			cfg_walk_free(lk->sub, arr + (size_t)j * l->elem_size);
			memcpy(arr + (size_t)j * l->elem_size, slot,
			    l->elem_size);
			memset(slot, 0, l->elem_size);
			src[j] = e;
			continue;
		}
		src[n++] = e;
	}
	check_unique(c, lk, arr, src, n, s != NULL ? s : at);
	goto done;
oom:
	c->oom = true;
done:
	if (n == 0) {
		free(arr);
		arr = NULL;
	}
	*(char **)field(base, lk) = arr;
	*(size_t *)((char *)base + l->off_n) = n;
	free(src);
	free(text);
	config_destroy(&defs);
}

/* ---- entry points ---- */

void
cfg_walk_table(struct cfg_ctx *c, const struct cfg_key *tab,
    config_setting_t *grp, void *base)
{
	load_table(c, tab, grp, base, "", grp, NULL, false);
}

void
cfg_walk_free(const struct cfg_key *tab, void *base)
{
	const struct cfg_key *k;

	for (k = tab; k->name != NULL; k++) {
		char **p;
		size_t n, i;

		switch (k->type) {
		case CFG_STR:
			if (k->off == CFG_NOFIELD)
				break;
			p = field(base, k);
			free(*p);
			*p = NULL;
			break;
		case CFG_GROUP:
			cfg_walk_free(k->sub, base);
			break;
		case CFG_STRS:
			p = *(char ***)field(base, k);
			for (i = 0; p != NULL && p[i] != NULL; i++)
				free(p[i]);
			free(p);
			*(char ***)field(base, k) = NULL;
			break;
		case CFG_LIST:
			p = field(base, k);
			n = *(size_t *)((char *)base + k->list->off_n);
			for (i = 0; *p != NULL && i < n; i++)
				cfg_walk_free(k->sub,
				    *p + i * k->list->elem_size);
			free(*p);
			*p = NULL;
			break;
		default:
			break;
		}
	}
}

