/*
 * tplmap.c: templates/provider_templates.conf and its check (see
 * tplmap.h).  Reading the file is strict, as fupin.conf's is: every
 * problem with its line, nothing half-loaded.  The check walks every
 * outgoing text the gateway can send (replies, notices, menu screens)
 * in every language that has it, so that a text without an approved
 * template is found by `fupinctl templates check` or at start, not when
 * a villager texts CX.  Called by main.c, fupinctl and the template
 * providers (their open); nothing here sends or logs.
 */
#include <errno.h>
#include <json-c/json.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "tplmap.h"

/*
 * The per-variable limits the clouds document, in characters:
 *   Aliyun: a notification template's variable holds 1 to 35
 *   characters (templates applied for after 2018-01-10; a verification
 *   code's 4 to 6), unless the limit was lifted for the account
 *   (help.aliyun.com/zh/document_detail/3041859.html, "长变量短信发送
 *   与字符限制": the default upper limit is 35, 500 for a whole SMS).
 *   Tencent: a personally-verified account's variable holds at most 12
 *   characters, an enterprise account's is not limited
 *   (tencentcloud.com/zh/document/product/382/40653, 实名认证, 正文模板:
 *   "单个变量取值最多支持12个字"; a verification code 6 digits,
 *   cloud.tencent.com/document/product/382/13301).
 * The gateway's texts are notifications, so those are the defaults;
 * param_max in the file says otherwise for an account.
 */
#define ALIYUN_PARAM_MAX	35
#define TENCENT_PARAM_MAX	12

#define CODE_MAX	64

static const char *const langs[] = { "zh", "ii", "bo", "en", NULL };

struct map_provider {
	char	*name;
	int	 param_max;	/* -1: not given */
	int	 line;
	struct tplmap_entry *entries;
	size_t	 n_entries;
};

struct tplmap {
	char	*file;
	struct map_provider *providers;
	size_t	 n_providers;
};

struct loader {
	const char	*file;
	struct strbuf	 errs;
	int		 n_errs;
	bool		 oom;
};

static void
complain(struct loader *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
complain(struct loader *ld, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->errs.len > 0)
		strbuf_adds(&ld->errs, "\n");
	if (line > 0)
		strbuf_printf(&ld->errs, "%s:%d: %s", ld->file, line, msg);
	else
		strbuf_printf(&ld->errs, "%s: %s", ld->file, msg);
	ld->n_errs++;
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

static bool
is_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 40)
		return false;
	for (i = 0; i < n; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

/* sms/<name>, notices/<name>, menu/<screen id> ("_id6" too). */
static bool
is_text_key(const char *k)
{
	static const char *const groups[] = { "sms/", "notices/", "menu/",
	    NULL };
	size_t i, n;

	if (strlen(k) >= TPLMAP_KEY_MAX)
		return false;
	for (i = 0; groups[i] != NULL; i++) {
		n = strlen(groups[i]);
		if (strncmp(k, groups[i], n) == 0)
			return is_name(k + n, strlen(k + n));
	}
	return false;
}

static bool
is_lang(const char *l)
{
	size_t i;

	if (strcmp(l, "*") == 0)
		return true;
	for (i = 0; langs[i] != NULL; i++)
		if (strcmp(langs[i], l) == 0)
			return true;
	return false;
}

/* A template code: printable ASCII without spaces or quotes. */
static bool
is_code(const char *c)
{
	size_t n = strlen(c), i;

	if (n == 0 || n > CODE_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (c[i] <= ' ' || c[i] > '~' || c[i] == '"' || c[i] == '\\')
			return false;
	return true;
}

static char *
dup_or_oom(struct loader *ld, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		ld->oom = true;
	return d;
}

static bool
keys_allowed(struct loader *ld, config_setting_t *g,
    const char *const *allowed, const char *what)
{
	int i, n = config_setting_length(g);
	bool ok = true;

	for (i = 0; i < n; i++) {
		config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);
		size_t k;

		for (k = 0; allowed[k] != NULL; k++)
			if (name != NULL && strcmp(name, allowed[k]) == 0)
				break;
		if (allowed[k] == NULL) {
			complain(ld, config_setting_source_line(m),
			    "unknown key '%s' in %s", name != NULL ? name :
			    "?", what);
			ok = false;
		}
	}
	return ok;
}

/* The string member `key` of g, or NULL (reported when required). */
static const char *
member_str(struct loader *ld, config_setting_t *g, const char *key,
    bool required, const char *what)
{
	config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL) {
		if (required)
			complain(ld, config_setting_source_line(g),
			    "missing key '%s' in %s", key, what);
		return NULL;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		complain(ld, config_setting_source_line(s),
		    "'%s' must be a string", key);
		return NULL;
	}
	return config_setting_get_string(s);
}

static void
entry_cleanup(struct tplmap_entry *e)
{
	size_t i;

	free(e->key);
	free(e->lang);
	free(e->code);
	for (i = 0; i < e->n_params; i++) {
		free(e->params[i].name);
		free(e->params[i].var);
	}
	memset(e, 0, sizeof(*e));
}

static void
load_params(struct loader *ld, config_setting_t *s, struct tplmap_entry *e)
{
	int i, n;

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		complain(ld, config_setting_source_line(s),
		    "'params' must be an array of strings");
		return;
	}
	n = config_setting_length(s);
	if (n > TPLMAP_PARAMS_MAX) {
		complain(ld, config_setting_source_line(s), "'params' may "
		    "have at most %d entries", TPLMAP_PARAMS_MAX);
		return;
	}
	for (i = 0; i < n; i++) {
		config_setting_t *p = config_setting_get_elem(s, (unsigned)i);
		const char *v = p != NULL && config_setting_type(p) ==
		    CONFIG_TYPE_STRING ? config_setting_get_string(p) : NULL;
		const char *eq = v != NULL ? strchr(v, '=') : NULL;
		const char *var = eq != NULL ? eq + 1 : v;
		size_t nlen = eq != NULL ? (size_t)(eq - v) :
		    (v != NULL ? strlen(v) : 0);
		size_t k;

		if (v == NULL || !is_name(v, nlen) ||
		    !is_name(var, strlen(var))) {
			complain(ld, config_setting_source_line(s), "params[%d] "
			    "must be \"var\" or \"their_name=var\" (letters, "
			    "digits, _)", i);
			continue;
		}
		for (k = 0; k < e->n_params; k++)
			if (strlen(e->params[k].name) == nlen &&
			    strncmp(e->params[k].name, v, nlen) == 0)
				break;
		if (k < e->n_params) {
			complain(ld, config_setting_source_line(s),
			    "params[%d]: parameter '%.*s' given twice", i,
			    (int)nlen, v);
			continue;
		}
		e->params[e->n_params].name = strndup(v, nlen);
		e->params[e->n_params].var = strdup(var);
		if (e->params[e->n_params].name == NULL ||
		    e->params[e->n_params].var == NULL)
			ld->oom = true;
		e->n_params++;
	}
}

static void
load_entry(struct loader *ld, config_setting_t *g, struct map_provider *mp)
{
	static const char *const keys[] = { "text", "lang", "code", "params",
	    NULL };
	struct tplmap_entry e;
	config_setting_t *ps;
	const char *text, *lang, *code;
	int line = config_setting_source_line(g);
	size_t i;

	memset(&e, 0, sizeof(e));
	if (!config_setting_is_group(g)) {
		complain(ld, line, "each of 'texts' must be a group { text; "
		    "lang; code; params; }");
		return;
	}
	keys_allowed(ld, g, keys, "a text");
	text = member_str(ld, g, "text", true, "a text");
	lang = member_str(ld, g, "lang", false, "a text");
	code = member_str(ld, g, "code", true, "a text");
	if (text != NULL && !is_text_key(text)) {
		complain(ld, line, "text '%s' must be sms/<name>, "
		    "notices/<name> or menu/<screen>", text);
		text = NULL;
	}
	if (lang == NULL)
		lang = "*";
	else if (!is_lang(lang)) {
		complain(ld, line, "lang '%s' must be zh, ii, bo, en or \"*\"",
		    lang);
		lang = NULL;
	}
	if (code != NULL && !is_code(code)) {
		complain(ld, line, "code must be 1 to %d printable characters "
		    "without spaces or quotes", CODE_MAX);
		code = NULL;
	}
	if (text == NULL || lang == NULL || code == NULL)
		return;
	for (i = 0; i < mp->n_entries; i++)
		if (strcmp(mp->entries[i].key, text) == 0 &&
		    strcmp(mp->entries[i].lang, lang) == 0) {
			complain(ld, line, "%s (%s) is mapped twice for provider "
			    "'%s' (first at line %d)", text, lang, mp->name,
			    mp->entries[i].line);
			return;
		}
	e.key = dup_or_oom(ld, text);
	e.lang = dup_or_oom(ld, lang);
	e.code = dup_or_oom(ld, code);
	e.line = line;
	ps = config_setting_get_member(g, "params");
	if (ps != NULL)
		load_params(ld, ps, &e);
	mp->entries[mp->n_entries++] = e;
}

static void
load_provider(struct loader *ld, struct tplmap *m, config_setting_t *g)
{
	static const char *const keys[] = { "provider", "param_max", "texts",
	    NULL };
	struct map_provider *mp;
	config_setting_t *texts, *pm;
	const char *name;
	int line = config_setting_source_line(g), i, n;
	size_t k;

	if (!config_setting_is_group(g)) {
		complain(ld, line, "each of 'providers' must be a group { "
		    "provider; param_max; texts; }");
		return;
	}
	keys_allowed(ld, g, keys, "a provider");
	name = member_str(ld, g, "provider", true, "a provider");
	if (name == NULL)
		return;
	for (k = 0; k < m->n_providers; k++)
		if (strcmp(m->providers[k].name, name) == 0) {
			complain(ld, line, "provider '%s' is given twice (first "
			    "at line %d)", name, m->providers[k].line);
			return;
		}
	mp = &m->providers[m->n_providers];
	memset(mp, 0, sizeof(*mp));
	mp->name = dup_or_oom(ld, name);
	mp->line = line;
	mp->param_max = -1;
	m->n_providers++;
	pm = config_setting_get_member(g, "param_max");
	if (pm != NULL) {
		if (config_setting_type(pm) != CONFIG_TYPE_INT ||
		    config_setting_get_int(pm) < 0 ||
		    config_setting_get_int(pm) > 500)
			complain(ld, config_setting_source_line(pm),
			    "'param_max' must be an integer from 0 (no limit) "
			    "to 500");
		else
			mp->param_max = config_setting_get_int(pm);
	}
	texts = config_setting_get_member(g, "texts");
	if (texts == NULL)
		return;
	if (!config_setting_is_list(texts)) {
		complain(ld, config_setting_source_line(texts),
		    "'texts' must be a list ( { ... }, ... )");
		return;
	}
	n = config_setting_length(texts);
	mp->entries = calloc(n > 0 ? (size_t)n : 1, sizeof(*mp->entries));
	if (mp->entries == NULL) {
		ld->oom = true;
		return;
	}
	for (i = 0; i < n && !ld->oom; i++)
		load_entry(ld, config_setting_get_elem(texts, (unsigned)i),
		    mp);
}

static void
load_root(struct loader *ld, struct tplmap *m, config_setting_t *root)
{
	static const char *const keys[] = { "providers", NULL };
	config_setting_t *list;
	int i, n;

	keys_allowed(ld, root, keys, "the file");
	list = config_setting_get_member(root, "providers");
	if (list == NULL)
		return;		/* an empty file maps nothing */
	if (!config_setting_is_list(list)) {
		complain(ld, config_setting_source_line(list),
		    "'providers' must be a list ( { ... }, ... )");
		return;
	}
	n = config_setting_length(list);
	m->providers = calloc(n > 0 ? (size_t)n : 1, sizeof(*m->providers));
	if (m->providers == NULL) {
		ld->oom = true;
		return;
	}
	for (i = 0; i < n && !ld->oom; i++)
		load_provider(ld, m, config_setting_get_elem(list,
		    (unsigned)i));
}

void
tplmap_free(struct tplmap *m)
{
	size_t i, k;

	if (m == NULL)
		return;
	for (i = 0; i < m->n_providers; i++) {
		for (k = 0; k < m->providers[i].n_entries; k++)
			entry_cleanup(&m->providers[i].entries[k]);
		free(m->providers[i].entries);
		free(m->providers[i].name);
	}
	free(m->providers);
	free(m->file);
	free(m);
}

static enum fp_err
take_errors(struct loader *ld, char **errors, enum fp_err err)
{
	if (errors != NULL)
		*errors = strbuf_take(&ld->errs, NULL);
	else
		strbuf_free(&ld->errs);
	return err;
}

enum fp_err
tplmap_load(const char *path, struct tplmap **out, char **errors)
{
	struct loader ld = { path, STRBUF_INIT, 0, false };
	struct tplmap *m;
	config_t cf;
	FILE *fp;

	*out = NULL;
	if (errors != NULL)
		*errors = NULL;
	fp = fopen(path, "re");
	if (fp == NULL) {
		complain(&ld, 0, "cannot open: %s", strerror(errno));
		return take_errors(&ld, errors, errno == ENOENT ?
		    FP_ENOTFOUND : FP_ECONFIG);
	}
	config_init(&cf);
	if (config_read(&cf, fp) != CONFIG_TRUE) {
		complain(&ld, config_error_line(&cf), "%s",
		    config_error_text(&cf) != NULL ? config_error_text(&cf) :
		    "parse error");
		config_destroy(&cf);
		fclose(fp);
		return take_errors(&ld, errors, FP_ECONFIG);
	}
	fclose(fp);
	m = calloc(1, sizeof(*m));
	if (m == NULL || (m->file = strdup(path)) == NULL) {
		free(m);
		config_destroy(&cf);
		strbuf_free(&ld.errs);
		return FP_ENOMEM;
	}
	load_root(&ld, m, config_root_setting(&cf));
	config_destroy(&cf);
	if (ld.oom || ld.errs.failed) {
		tplmap_free(m);
		strbuf_free(&ld.errs);
		return FP_ENOMEM;
	}
	if (ld.n_errs > 0) {
		tplmap_free(m);
		return take_errors(&ld, errors, FP_ECONFIG);
	}
	strbuf_free(&ld.errs);
	*out = m;
	return FP_OK;
}

enum fp_err
tplmap_load_cfg(const struct cfg *cfg, struct tplmap **out, char **errors)
{
	char path[4096];
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", cfg->templates.dir,
	    TPLMAP_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		return FP_EINVAL;
	return tplmap_load(path, out, errors);
}

const char *
tplmap_file(const struct tplmap *m)
{
	return m->file;
}

static const struct map_provider *
provider_of(const struct tplmap *m, const char *name)
{
	size_t i;

	for (i = 0; m != NULL && i < m->n_providers; i++)
		if (strcmp(m->providers[i].name, name) == 0)
			return &m->providers[i];
	return NULL;
}

const struct tplmap_entry *
tplmap_find(const struct tplmap *m, const char *provider, const char *key,
    const char *lang)
{
	const struct map_provider *mp = provider_of(m, provider);
	const struct tplmap_entry *any = NULL;
	size_t i;

	if (mp == NULL || key == NULL)
		return NULL;
	for (i = 0; i < mp->n_entries; i++) {
		const struct tplmap_entry *e = &mp->entries[i];

		if (strcmp(e->key, key) != 0)
			continue;
		if (lang != NULL && strcmp(e->lang, lang) == 0)
			return e;
		if (strcmp(e->lang, "*") == 0)
			any = e;
	}
	return any;
}

int
tplmap_param_max(const struct tplmap *m, const struct cfg_provider *p)
{
	const struct map_provider *mp = provider_of(m, p->name);

	if (mp != NULL && mp->param_max >= 0)
		return mp->param_max;
	switch (p->type) {
	case CFG_PROVIDER_ALIYUN:
		return ALIYUN_PARAM_MAX;
	case CFG_PROVIDER_TENCENT:
		return TENCENT_PARAM_MAX;
	default:
		return 0;	/* an aggregator's: not documented here */
	}
}

void
tplmap_params_json(const struct tplmap_entry *e, const char *const *values,
    struct strbuf *b)
{
	size_t i;

	strbuf_adds(b, "{");
	for (i = 0; i < e->n_params; i++) {
		if (i > 0)
			strbuf_adds(b, ",");
		strbuf_add_json(b, e->params[i].name, SIZE_MAX);
		strbuf_adds(b, ":");
		strbuf_add_json(b, values[i], SIZE_MAX);
	}
	strbuf_adds(b, "}");
}

enum fp_err
tplmap_values(const struct tplmap_entry *e, const char *vars,
    struct json_object **doc, const char *values[TPLMAP_PARAMS_MAX],
    const char **missing)
{
	struct json_object *o, *v;
	size_t i;

	*doc = NULL;
	if (missing != NULL)
		*missing = NULL;
	o = json_tokener_parse(vars != NULL ? vars : "{}");
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return FP_EINVAL;
	}
	for (i = 0; i < e->n_params; i++) {
		if (!json_object_object_get_ex(o, e->params[i].var, &v) ||
		    !json_object_is_type(v, json_type_string)) {
			if (missing != NULL)
				*missing = e->params[i].var;
			json_object_put(o);
			return FP_EINVAL;
		}
		values[i] = json_object_get_string(v);
	}
	*doc = o;
	return FP_OK;
}

bool
tplmap_needed(const struct cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_providers; i++)
		if (cfg_provider_is_template(&cfg->providers[i]))
			return true;
	return false;
}

size_t
tplmap_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* ---- the outgoing texts ------------------------------------------------- */

struct out_text {
	char	 key[TPLMAP_KEY_MAX];
	const char *langs[5];		/* static strings, NULL-terminated */
	char	 vars[TPLMAP_VARS_MAX][41];
	size_t	 n_vars;
};

struct tplmap_texts {
	struct out_text	*v;
	size_t		 n, cap;
};

/*
 * sms/ texts that are words put into other texts, never sent alone
 * (svc_word: household.c, ussd_views.c): the empty value and the
 * status words.
 */
static bool
is_word(const char *name)
{
	return strcmp(name, "none") == 0 ||
	    strncmp(name, "status_", 7) == 0 ||
	    strncmp(name, "enroll_status_", 14) == 0;
}

static struct out_text *
add_text(struct tplmap_texts *x, const char *key)
{
	struct out_text *grown;
	size_t i;

	for (i = 0; i < x->n; i++)
		if (strcmp(x->v[i].key, key) == 0)
			return &x->v[i];
	if (x->n == x->cap) {
		size_t cap = x->cap == 0 ? 64 : x->cap * 2;

		grown = realloc(x->v, cap * sizeof(*grown));
		if (grown == NULL)
			return NULL;
		x->v = grown;
		x->cap = cap;
	}
	memset(&x->v[x->n], 0, sizeof(x->v[x->n]));
	snprintf(x->v[x->n].key, sizeof(x->v[x->n].key), "%s", key);
	return &x->v[x->n++];
}

static void
add_var(const char *var, size_t len, void *arg)
{
	struct out_text *o = arg;
	size_t i;

	if (len >= sizeof(o->vars[0]) || o->n_vars == TPLMAP_VARS_MAX)
		return;
	for (i = 0; i < o->n_vars; i++)
		if (strlen(o->vars[i]) == len && memcmp(o->vars[i], var,
		    len) == 0)
			return;
	memcpy(o->vars[o->n_vars], var, len);
	o->vars[o->n_vars][len] = '\0';
	o->n_vars++;
}

/* The languages with a non-empty text of their own of group/name. */
static void
own_langs(const struct templates *t, const char *group, const char *name,
    struct out_text *o)
{
	size_t i, n = 0, len;

	for (i = 0; langs[i] != NULL; i++)
		if (templates_text(t, langs[i], group, name, &len) != NULL &&
		    len > 0)
			o->langs[n++] = langs[i];
	o->langs[n] = NULL;
}

struct build {
	struct tplmap_texts	*x;
	const struct templates	*t;
	bool			 oom;
};

static void
each_template(const char *lang, const char *group, const char *name,
    void *arg)
{
	struct build *b = arg;
	struct out_text *o;
	char key[TPLMAP_KEY_MAX];
	size_t i;

	(void)lang;
	if (strcmp(group, "notices") != 0 && (strcmp(group, "sms") != 0 ||
	    is_word(name)))
		return;
	snprintf(key, sizeof(key), "%s/%s", group, name);
	o = add_text(b->x, key);
	if (o == NULL) {
		b->oom = true;
		return;
	}
	own_langs(b->t, group, name, o);
	for (i = 0; o->langs[i] != NULL; i++)
		(void)templates_vars(b->t, o->langs[i], group, name, add_var, o);
}

enum fp_err
tplmap_texts_new(const struct templates *t, struct tplmap_texts **out)
{
	struct build b;

	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return FP_ENOMEM;
	b = (struct build){ *out, t, false };
	templates_each(t, each_template, &b);
	if (b.oom) {
		tplmap_texts_free(*out);
		*out = NULL;
		return FP_ENOMEM;
	}
	return FP_OK;
}

enum fp_err
tplmap_texts_add_screen(struct tplmap_texts *x, const struct templates *t,
    const char *screen_id, const char *text_key)
{
	struct out_text *o;
	char key[TPLMAP_KEY_MAX];

	snprintf(key, sizeof(key), "menu/%s", screen_id);
	o = add_text(x, key);
	if (o == NULL)
		return FP_ENOMEM;
	own_langs(t, "ussd", text_key, o);
	/* A screen's page goes out whole (svc_msg of sms_service.c). */
	add_var("screen", 6, o);
	return FP_OK;
}

void
tplmap_texts_free(struct tplmap_texts *x)
{
	if (x == NULL)
		return;
	free(x->v);
	free(x);
}

void
tplmap_texts_each(const struct tplmap_texts *x,
    void (*fn)(const char *key, const char *lang, const char *const *vars,
    size_t n_vars, void *arg), void *arg)
{
	const char *vars[TPLMAP_VARS_MAX];
	size_t i, k;

	for (i = 0; i < x->n; i++) {
		for (k = 0; k < x->v[i].n_vars; k++)
			vars[k] = x->v[i].vars[k];
		for (k = 0; x->v[i].langs[k] != NULL; k++)
			fn(x->v[i].key, x->v[i].langs[k], vars, x->v[i].n_vars,
			    arg);
	}
}

/* ---- the check ------------------------------------------------------------ */

static const struct out_text *
text_of(const struct tplmap_texts *x, const char *key)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (strcmp(x->v[i].key, key) == 0)
			return &x->v[i];
	return NULL;
}

static bool
has_var(const struct out_text *o, const char *var)
{
	size_t i;

	for (i = 0; i < o->n_vars; i++)
		if (strcmp(o->vars[i], var) == 0)
			return true;
	return false;
}

static void
report(tplmap_report_fn *fn, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
report(tplmap_report_fn *fn, void *arg, const char *fmt, ...)
{
	char msg[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(arg, msg);
}

/* The entries of provider p: each names a text that exists and only
 * variables it has, and fits the limit. */
static int
check_entries(const struct tplmap *m, const struct cfg_provider *p,
    const struct tplmap_texts *x, tplmap_longest_fn *longest, void *larg,
    tplmap_report_fn *fn, void *arg)
{
	const struct map_provider *mp = provider_of(m, p->name);
	int problems = 0, max = tplmap_param_max(m, p);
	size_t i, k;

	for (i = 0; mp != NULL && i < mp->n_entries; i++) {
		const struct tplmap_entry *e = &mp->entries[i];
		const struct out_text *o = text_of(x, e->key);

		if (o == NULL) {
			report(fn, arg, "%s:%d: provider %s: %s is no text the "
			    "gateway sends", m->file, e->line, p->name, e->key);
			problems++;
			continue;
		}
		for (k = 0; k < e->n_params; k++) {
			const char *var = e->params[k].var;
			long n;

			if (!has_var(o, var)) {
				report(fn, arg, "%s:%d: provider %s: %s (%s): "
				    "parameter %s names {%s}, which the text "
				    "does not have", m->file, e->line, p->name,
				    e->key, e->lang, e->params[k].name, var);
				problems++;
				continue;
			}
			n = longest != NULL ? longest(larg, e->key,
			    e->lang, var) : -1;
			if (max > 0 && n > max) {
				report(fn, arg, "%s:%d: provider %s: %s (%s): "
				    "parameter %s ({%s}) may be %ld characters, "
				    "over the provider's %d (param_max)",
				    m->file, e->line, p->name, e->key, e->lang,
				    e->params[k].name, var, n, max);
				problems++;
			}
		}
	}
	return problems;
}

int
tplmap_check(const struct tplmap *m, const struct cfg *cfg,
    const struct tplmap_texts *x, tplmap_longest_fn *longest, void *larg,
    tplmap_report_fn *fn, void *arg)
{
	int problems = 0;
	size_t i, t, l;

	for (i = 0; i < cfg->n_providers; i++) {
		const struct cfg_provider *p = &cfg->providers[i];

		if (!cfg_provider_is_template(p))
			continue;
		for (t = 0; t < x->n; t++)
			for (l = 0; x->v[t].langs[l] != NULL; l++) {
				if (tplmap_find(m, p->name, x->v[t].key,
				    x->v[t].langs[l]) != NULL)
					continue;
				report(fn, arg, "%s: provider %s: no approved "
				    "template for %s (%s)", m != NULL ?
				    m->file : TPLMAP_FILE, p->name,
				    x->v[t].key, x->v[t].langs[l]);
				problems++;
			}
		if (m != NULL)
			problems += check_entries(m, p, x, longest, larg, fn,
			    arg);
	}
	return problems;
}
