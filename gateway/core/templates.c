/*
 * templates.c: the texts people read, loaded once from
 * <dir>/<lang>/<group>/<name>.txt into an immutable, sorted set (see
 * templates.h).  Loading checks every file (UTF-8, placeholder syntax)
 * so that a bad text stops the daemon at start, with the file and line,
 * instead of going out to villagers with a hole in it.  After loading
 * nothing is written, so any number of threads may render at once
 * without locks.  It does not know what the texts say, which variables
 * a caller owes (callers check with templates_vars), nor how long an SMS
 * may be (gsm.c).  Callers: the SMS commands, the USSD engine, the
 * broadcast and alert API, fupinctl.
 *
 * Syntax: "{name}" with name in [a-z0-9_]+ is a placeholder; "{{" and
 * "}}" are literal braces; any other brace is an error.  A leading UTF-8
 * byte order mark and one final newline ("\n" or "\r\n") are dropped.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "charset.h"
#include "templates.h"

#define TPL_MAX_FILE_BYTES	(64 * 1024)	/* a menu page is < 1 KiB */
#define TPL_LANG_MAX		8		/* "zh", "ii"; room for more */
#define TPL_SUFFIX		".txt"

/* SPEC §1: the languages; the configured default is loaded even if new. */
const char *const templates_languages[] = { "zh", "ii", "bo", "en", NULL };
#define TPL_N_LANGS	4	/* templates_languages without its NULL */
static const char *const tpl_groups[] = { "sms", "notices", "ussd" };
#define TPL_N_GROUPS	(sizeof(tpl_groups) / sizeof(tpl_groups[0]))

struct tpl {
	const char	*group;		/* one of tpl_groups (static) */
	char		 lang[TPL_LANG_MAX + 1];
	char		*name;		/* owned */
	char		*text;		/* owned, NUL-terminated */
	size_t		 len;		/* of text, without the NUL */
	char		**vars;		/* owned: distinct placeholder names */
	size_t		 n_vars;
};

struct templates {
	struct tpl	*items;		/* owned; sorted by group, name, lang */
	size_t		 n_items;
	size_t		 cap;
	char		 default_lang[TPL_LANG_MAX + 1];
};

enum tok_kind {
	TOK_END,
	TOK_TEXT,	/* p[0..len) is literal text */
	TOK_VAR,	/* p[0..len) is a placeholder name */
	TOK_ERROR,	/* *why says what is wrong at p */
};

struct tok {
	enum tok_kind	 kind;
	const char	*p;
	size_t		 len;
	const char	*why;
};

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool
is_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

/*
 * The token of s[0..len) that starts at *pos; *pos moves past it.  The
 * one scanner behind validation, templates_vars and rendering, so that
 * what loads is exactly what renders.
 */
static void
next_token(const char *s, size_t len, size_t *pos, struct tok *t)
{
	size_t i = *pos, j;

	t->p = s + i;
	t->len = 0;
	t->why = NULL;
	if (i >= len) {
		t->kind = TOK_END;
		return;
	}
	if (s[i] == '{' || s[i] == '}') {
		if (i + 1 < len && s[i + 1] == s[i]) {
			t->kind = TOK_TEXT;	/* "{{" or "}}": one brace */
			t->len = 1;
			*pos = i + 2;
			return;
		}
		t->kind = TOK_ERROR;
		if (s[i] == '}') {
			t->why = "'}' without '{' "
			    "(write }} for a literal brace)";
			return;
		}
		for (j = i + 1; j < len && is_name_char(s[j]); j++)
			;
		if (j < len && s[j] == '}' && j > i + 1) {
			t->kind = TOK_VAR;
			t->p = s + i + 1;
			t->len = j - i - 1;
			*pos = j + 1;
		} else if (j < len && s[j] == '}') {
			t->why = "empty placeholder {}";
		} else if (j == len || s[j] == '\n' || s[j] == '{') {
			t->why = "'{' without '}' "
			    "(write {{ for a literal brace)";
		} else {
			t->why = "placeholder name must be [a-z0-9_]+ "
			    "(write {{ for a literal brace)";
		}
		return;
	}
	for (j = i; j < len && s[j] != '{' && s[j] != '}'; j++)
		;
	t->kind = TOK_TEXT;
	t->len = j - i;
	*pos = j;
}

/* A new "a/b". */
static char *
path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p;

	p = malloc(la + lb + 2);
	if (p == NULL)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

/* *bad_file = "path: [line N: ]why", when the caller wants it. */
static void
set_bad(char **bad_file, const char *path, long line, const char *why)
{
	size_t n;
	char *msg;
	int r;

	if (bad_file == NULL)
		return;
	n = strlen(path) + strlen(why) + 40;
	msg = malloc(n);
	if (msg == NULL)
		return;		/* the error code still says what happened */
	if (line > 0)
		r = snprintf(msg, n, "%s: line %ld: %s", path, line, why);
	else
		r = snprintf(msg, n, "%s: %s", path, why);
	if (r < 0 || (size_t)r >= n) {
		free(msg);
		return;
	}
	free(*bad_file);
	*bad_file = msg;
}

static void
tpl_cleanup(struct tpl *t)
{
	size_t i;

	for (i = 0; i < t->n_vars; i++)
		free(t->vars[i]);
	free(t->vars);
	free(t->name);
	free(t->text);
}

/* Add name[0..len) to t->vars unless it is there already. */
static enum fp_err
add_var(struct tpl *t, const char *name, size_t len)
{
	char **nv, *v;
	size_t i;

	for (i = 0; i < t->n_vars; i++)
		if (strlen(t->vars[i]) == len &&
		    memcmp(t->vars[i], name, len) == 0)
			return FP_OK;
	nv = realloc(t->vars, (t->n_vars + 1) * sizeof(*nv));
	if (nv == NULL)
		return FP_ENOMEM;
	t->vars = nv;
	v = malloc(len + 1);
	if (v == NULL)
		return FP_ENOMEM;
	memcpy(v, name, len);
	v[len] = '\0';
	t->vars[t->n_vars++] = v;
	return FP_OK;
}

/*
 * Check t->text's syntax and collect its placeholders.  FP_EINVAL with
 * *why and *line (1-based) for the first bad brace.
 */
static enum fp_err
parse_text(struct tpl *t, const char **why, long *line)
{
	struct tok tk;
	size_t pos = 0, k;
	enum fp_err err;

	for (;;) {
		next_token(t->text, t->len, &pos, &tk);
		if (tk.kind == TOK_END)
			return FP_OK;
		if (tk.kind == TOK_ERROR) {
			*why = tk.why;
			*line = 1;
			for (k = 0; t->text + k < tk.p; k++)
				if (t->text[k] == '\n')
					(*line)++;
			return FP_EINVAL;
		}
		if (tk.kind == TOK_VAR) {
			err = add_var(t, tk.p, tk.len);
			if (err != FP_OK)
				return err;
		}
	}
}

/*
 * Read a whole file into a new NUL-terminated buffer.  FP_ETOOBIG over
 * TPL_MAX_FILE_BYTES; FP_EIO with errno set.
 */
static enum fp_err
read_file(const char *path, char **out, size_t *out_len)
{
	FILE *fp;
	char *buf;
	size_t n;
	int saved;

	fp = fopen(path, "rb");
	if (fp == NULL)
		return FP_EIO;
	buf = malloc(TPL_MAX_FILE_BYTES + 2);
	if (buf == NULL) {
		fclose(fp);
		return FP_ENOMEM;
	}
	n = fread(buf, 1, TPL_MAX_FILE_BYTES + 1, fp);
	if (ferror(fp)) {
		saved = errno;
		fclose(fp);
		free(buf);
		errno = saved;
		return FP_EIO;
	}
	fclose(fp);
	if (n > TPL_MAX_FILE_BYTES) {
		free(buf);
		return FP_ETOOBIG;
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return FP_OK;
}

/* Room for one more item. */
static enum fp_err
grow(struct templates *t)
{
	struct tpl *ni;
	size_t cap;

	if (t->n_items < t->cap)
		return FP_OK;
	cap = t->cap == 0 ? 64 : t->cap * 2;
	ni = realloc(t->items, cap * sizeof(*ni));
	if (ni == NULL)
		return FP_ENOMEM;
	t->items = ni;
	t->cap = cap;
	return FP_OK;
}

/* Load one file as lang/group/name (name = stem[0..stem_len)). */
static enum fp_err
load_file(struct templates *t, const char *lang, const char *group,
    const char *path, const char *stem, size_t stem_len, char **bad_file)
{
	struct tpl *it;
	char *text;
	size_t len;
	const char *why = NULL;
	long line = 0;
	enum fp_err err;

	if (!is_name(stem, stem_len)) {
		set_bad(bad_file, path, 0,
		    "template name must be [a-z0-9_]+ before .txt");
		return FP_EINVAL;
	}
	err = read_file(path, &text, &len);
	if (err == FP_ETOOBIG) {
		set_bad(bad_file, path, 0, "larger than 64 KiB");
		return FP_EINVAL;
	}
	if (err != FP_OK)
		return err;
	if (!charset_is_utf8(text, len)) {
		free(text);
		set_bad(bad_file, path, 0, "not valid UTF-8");
		return FP_EINVAL;
	}
	/* Editors on Windows add a BOM; it would cost an SMS unit. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		memmove(text, text + 3, len - 3 + 1);
		len -= 3;
	}
	if (len > 0 && text[len - 1] == '\n') {
		len--;
		if (len > 0 && text[len - 1] == '\r')
			len--;
		text[len] = '\0';
	}
	err = grow(t);
	if (err != FP_OK) {
		free(text);
		return err;
	}
	it = &t->items[t->n_items];
	memset(it, 0, sizeof(*it));
	it->group = group;
	memcpy(it->lang, lang, strlen(lang) + 1);
	it->text = text;
	it->len = len;
	it->name = malloc(stem_len + 1);
	if (it->name == NULL) {
		tpl_cleanup(it);
		return FP_ENOMEM;
	}
	memcpy(it->name, stem, stem_len);
	it->name[stem_len] = '\0';
	err = parse_text(it, &why, &line);
	if (err != FP_OK) {
		if (err == FP_EINVAL)
			set_bad(bad_file, path, line, why);
		tpl_cleanup(it);
		return err;
	}
	t->n_items++;
	return FP_OK;
}

/*
 * Load every dir/lang/group/<name>.txt.  A missing directory holds no
 * templates.  Entries starting with '.' (editor lock files) and anything
 * that is not a regular *.txt file are skipped.
 */
static enum fp_err
load_group(struct templates *t, const char *dir, const char *lang,
    const char *group, char **bad_file)
{
	char *lang_dir, *group_dir, *path;
	DIR *d;
	struct dirent *de;
	struct stat st;
	size_t nlen, slen = strlen(TPL_SUFFIX);
	enum fp_err err = FP_OK;

	lang_dir = path_join(dir, lang);
	if (lang_dir == NULL)
		return FP_ENOMEM;
	group_dir = path_join(lang_dir, group);
	free(lang_dir);
	if (group_dir == NULL)
		return FP_ENOMEM;
	d = opendir(group_dir);
	if (d == NULL) {
		err = errno == ENOENT || errno == ENOTDIR ? FP_OK : FP_EIO;
		free(group_dir);
		return err;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				err = FP_EIO;
			break;
		}
		nlen = strlen(de->d_name);
		if (de->d_name[0] == '.' || nlen <= slen ||
		    strcmp(de->d_name + nlen - slen, TPL_SUFFIX) != 0)
			continue;
		path = path_join(group_dir, de->d_name);
		if (path == NULL) {
			err = FP_ENOMEM;
			break;
		}
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		err = load_file(t, lang, group, path, de->d_name,
		    nlen - slen, bad_file);
		free(path);
		if (err != FP_OK)
			break;
	}
	closedir(d);
	free(group_dir);
	return err;
}

static int
cmp_key(const char *group, const char *name, const char *lang,
    const struct tpl *b)
{
	int c;

	c = strcmp(group, b->group);
	if (c != 0)
		return c;
	c = strcmp(name, b->name);
	if (c != 0 || lang == NULL)
		return c;
	return strcmp(lang, b->lang);
}

static int
cmp_tpl(const void *a, const void *b)
{
	const struct tpl *ta = a;

	return cmp_key(ta->group, ta->name, ta->lang, b);
}

/* bsearch key: lang NULL matches any language. */
struct tpl_key {
	const char	*group;
	const char	*name;
	const char	*lang;
};

static int
cmp_lookup(const void *key, const void *elem)
{
	const struct tpl_key *k = key;

	return cmp_key(k->group, k->name, k->lang, elem);
}

static const struct tpl *
find_exact(const struct templates *t, const char *lang, const char *group,
    const char *name)
{
	struct tpl_key k = { group, name, lang };

	if (t->n_items == 0)
		return NULL;
	return bsearch(&k, t->items, t->n_items, sizeof(t->items[0]),
	    cmp_lookup);
}

/* lang's own text, unless it is empty outside the source language. */
static const struct tpl *
find_shown(const struct templates *t, const char *lang, const char *group,
    const char *name)
{
	const struct tpl *it = find_exact(t, lang, group, name);

	/* Never an empty message: an empty translation is a missing one. */
	if (it != NULL && it->len == 0 &&
	    strcmp(lang, TEMPLATES_SOURCE_LANG) != 0)
		return NULL;
	return it;
}

/*
 * lang's template, else the default language's, else the source's
 * (lang may be NULL).
 */
static const struct tpl *
find(const struct templates *t, const char *lang, const char *group,
    const char *name)
{
	const struct tpl *it = NULL;

	if (t == NULL || group == NULL || name == NULL)
		return NULL;
	if (lang != NULL)
		it = find_shown(t, lang, group, name);
	if (it == NULL)
		it = find_shown(t, t->default_lang, group, name);
	if (it == NULL)
		it = find_exact(t, TEMPLATES_SOURCE_LANG, group, name);
	return it;
}

static bool
is_lang_code(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 2 || n > TPL_LANG_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

enum fp_err
templates_load(const char *dir, const char *default_lang,
    struct templates **out, char **bad_file)
{
	struct templates *t;
	const char *langs[TPL_N_LANGS + 1];
	size_t n_langs = 0, i, g;
	struct stat st;
	char *root;
	enum fp_err err;

	*out = NULL;
	if (bad_file != NULL)
		*bad_file = NULL;
	if (dir == NULL || default_lang == NULL)
		return FP_EINVAL;
	root = path_join(dir, default_lang);
	if (root == NULL)
		return FP_ENOMEM;
	if (!is_lang_code(default_lang)) {
		/* Also keeps "../x" out of the paths we open. */
		set_bad(bad_file, root, 0, "default language is not a "
		    "language code ([a-z]{2,8})");
		free(root);
		return FP_EINVAL;
	}
	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(root);
		return FP_ENOTFOUND;
	}
	free(root);

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return FP_ENOMEM;
	memcpy(t->default_lang, default_lang, strlen(default_lang) + 1);
	for (i = 0; i < TPL_N_LANGS; i++)
		langs[n_langs++] = templates_languages[i];
	for (i = 0; i < TPL_N_LANGS; i++)
		if (strcmp(templates_languages[i], default_lang) == 0)
			break;
	if (i == TPL_N_LANGS)
		langs[n_langs++] = t->default_lang;

	for (i = 0; i < n_langs; i++) {
		for (g = 0; g < TPL_N_GROUPS; g++) {
			err = load_group(t, dir, langs[i], tpl_groups[g],
			    bad_file);
			if (err != FP_OK) {
				templates_free(t);
				return err;
			}
		}
	}
	if (t->n_items > 1)
		qsort(t->items, t->n_items, sizeof(t->items[0]), cmp_tpl);
	*out = t;
	return FP_OK;
}

void
templates_free(struct templates *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n_items; i++)
		tpl_cleanup(&t->items[i]);
	free(t->items);
	free(t);
}

/* The value of placeholder p[0..len) among vars, or NULL. */
static const char *
lookup_var(const struct tpl_var *vars, size_t n_vars, const char *p,
    size_t len)
{
	size_t i;

	for (i = 0; i < n_vars; i++) {
		if (vars[i].name == NULL || vars[i].value == NULL)
			continue;
		if (strncmp(vars[i].name, p, len) == 0 &&
		    vars[i].name[len] == '\0')
			return vars[i].value;
	}
	return NULL;
}

enum fp_err
templates_render(const struct templates *t, const char *lang,
    const char *group, const char *name, const struct tpl_var *vars,
    size_t n_vars, char **out, const char **missing)
{
	const struct tpl *it;
	struct tok tk;
	const char *v;
	size_t pos, total = 0, vlen, i;
	char *buf, *w;

	*out = NULL;
	if (missing != NULL)
		*missing = NULL;
	if (vars == NULL)
		n_vars = 0;
	it = find(t, lang, group, name);
	if (it == NULL)
		return FP_ENOTFOUND;
	/* SPEC §3.5: a missing variable is an error, never a hole. */
	for (i = 0; i < it->n_vars; i++) {
		if (lookup_var(vars, n_vars, it->vars[i],
		    strlen(it->vars[i])) == NULL) {
			if (missing != NULL)
				*missing = it->vars[i];
			return FP_EINVAL;
		}
	}
	/* Two passes over the same tokens: measure, then copy. */
	for (pos = 0;;) {
		next_token(it->text, it->len, &pos, &tk);
		if (tk.kind == TOK_END)
			break;
		if (tk.kind == TOK_ERROR)
			return FP_EINVAL;	/* checked at load */
		vlen = tk.len;
		if (tk.kind == TOK_VAR) {
			v = lookup_var(vars, n_vars, tk.p, tk.len);
			if (v == NULL)
				return FP_EINVAL;	/* checked above */
			vlen = strlen(v);
		}
		if (vlen > SIZE_MAX - 1 - total)
			return FP_ENOMEM;
		total += vlen;
	}
	buf = malloc(total + 1);
	if (buf == NULL)
		return FP_ENOMEM;
	w = buf;
	for (pos = 0;;) {
		next_token(it->text, it->len, &pos, &tk);
		if (tk.kind != TOK_TEXT && tk.kind != TOK_VAR)
			break;
		v = tk.p;
		vlen = tk.len;
		if (tk.kind == TOK_VAR) {
			v = lookup_var(vars, n_vars, tk.p, tk.len);
			vlen = v != NULL ? strlen(v) : 0;
		}
		if (vlen > 0)
			memcpy(w, v, vlen);
		w += vlen;
	}
	*w = '\0';
	*out = buf;
	return FP_OK;
}

enum fp_err
templates_vars(const struct templates *t, const char *lang,
    const char *group, const char *name,
    void (*fn)(const char *var, size_t var_len, void *arg), void *arg)
{
	const struct tpl *it;
	size_t i;

	it = find(t, lang, group, name);
	if (it == NULL)
		return FP_ENOTFOUND;
	for (i = 0; i < it->n_vars; i++)
		fn(it->vars[i], strlen(it->vars[i]), arg);
	return FP_OK;
}

int
templates_exists(const struct templates *t, const char *group,
    const char *name)
{
	if (t == NULL || group == NULL || name == NULL)
		return 0;
	return find_exact(t, NULL, group, name) != NULL;
}

void
templates_each(const struct templates *t,
    void (*fn)(const char *lang, const char *group, const char *name,
    void *arg), void *arg)
{
	size_t i;

	for (i = 0; i < t->n_items; i++)
		fn(t->items[i].lang, t->items[i].group, t->items[i].name, arg);
}

int
templates_has(const struct templates *t, const char *lang, const char *group,
    const char *name)
{
	return find_exact(t, lang, group, name) != NULL;
}

const char *
templates_default_language(const struct templates *t)
{
	return t->default_lang;
}

const char *
templates_text(const struct templates *t, const char *lang, const char *group,
    const char *name, size_t *len)
{
	const struct tpl *it = find_exact(t, lang, group, name);

	if (it == NULL)
		return NULL;
	if (len != NULL)
		*len = it->len;
	return it->text;
}

/* Only placeholders, ASCII spaces, digits and punctuation? */
static bool
has_no_words(const struct tpl *it)
{
	struct tok tk;
	size_t pos = 0, i;

	for (;;) {
		next_token(it->text, it->len, &pos, &tk);
		if (tk.kind == TOK_END)
			return true;
		if (tk.kind != TOK_TEXT)
			continue;
		for (i = 0; i < tk.len; i++) {
			unsigned char c = (unsigned char)tk.p[i];

			if (c >= 0x80 || (c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z'))
				return false;
		}
	}
}

bool
templates_is_fixed(const struct templates *t, const char *group,
    const char *name)
{
	const struct tpl *src;
	size_t i;

	if (strcmp(group, "ussd") == 0 && strncmp(name, "lang_", 5) == 0)
		for (i = 0; templates_languages[i] != NULL; i++)
			if (strcmp(name + 5, templates_languages[i]) == 0)
				return true;
	src = t != NULL ? find_exact(t, TEMPLATES_SOURCE_LANG, group, name) :
	    NULL;
	return src != NULL && has_no_words(src);
}

bool
templates_translated(const struct templates *t, const char *lang,
    const char *group, const char *name)
{
	const struct tpl *it, *src;

	if (t == NULL || lang == NULL)
		return false;
	it = find_shown(t, lang, group, name);
	if (it == NULL)
		return templates_is_fixed(t, group, name);
	if (strcmp(lang, TEMPLATES_SOURCE_LANG) == 0 ||
	    templates_is_fixed(t, group, name))
		return true;
	src = find_exact(t, TEMPLATES_SOURCE_LANG, group, name);
	return src == NULL || src->len != it->len ||
	    memcmp(src->text, it->text, it->len) != 0;
}

enum fp_err
templates_scan(const char *text, size_t len,
    void (*fn)(const char *var, size_t var_len, void *arg), void *arg,
    const char **why, long *line)
{
	struct tok tk;
	size_t pos = 0, k;

	for (;;) {
		next_token(text, len, &pos, &tk);
		if (tk.kind == TOK_END)
			return FP_OK;
		if (tk.kind == TOK_ERROR) {
			if (why != NULL)
				*why = tk.why;
			if (line != NULL) {
				*line = 1;
				for (k = 0; text + k < tk.p; k++)
					if (text[k] == '\n')
						(*line)++;
			}
			return FP_EINVAL;
		}
		if (tk.kind == TOK_VAR && fn != NULL)
			fn(tk.p, tk.len, arg);
	}
}

/* The static name of group g, or NULL when it is not one of ours. */
static const char *
group_of(const char *g)
{
	size_t i;

	for (i = 0; i < TPL_N_GROUPS; i++)
		if (strcmp(tpl_groups[i], g) == 0)
			return tpl_groups[i];
	return NULL;
}

enum fp_err
templates_set(struct templates *t, const char *lang, const char *group,
    const char *name, const char *text, size_t len, const char **why)
{
	struct tpl it, *old;
	const char *g = group_of(group);
	long line = 0;
	enum fp_err err;

	*why = NULL;
	if (g == NULL || !is_lang_code(lang) || !is_name(name, strlen(name))) {
		*why = "not a known language, group or template name";
		return FP_EINVAL;
	}
	if (!charset_is_utf8(text, len) || memchr(text, '\0', len) != NULL) {
		*why = "not valid UTF-8";
		return FP_EINVAL;
	}
	memset(&it, 0, sizeof(it));
	it.group = g;
	memcpy(it.lang, lang, strlen(lang) + 1);
	it.name = strdup(name);
	it.text = malloc(len + 1);
	if (it.name == NULL || it.text == NULL) {
		tpl_cleanup(&it);
		return FP_ENOMEM;
	}
	memcpy(it.text, text, len);
	it.text[len] = '\0';
	it.len = len;
	err = parse_text(&it, why, &line);
	if (err != FP_OK) {
		tpl_cleanup(&it);
		return err;
	}
	{
		struct tpl_key k = { g, name, lang };

		old = t->n_items == 0 ? NULL : bsearch(&k, t->items,
		    t->n_items, sizeof(t->items[0]), cmp_lookup);
	}
	if (old != NULL) {
		tpl_cleanup(old);
		*old = it;
		return FP_OK;
	}
	err = grow(t);
	if (err != FP_OK) {
		tpl_cleanup(&it);
		return err;
	}
	t->items[t->n_items++] = it;
	qsort(t->items, t->n_items, sizeof(t->items[0]), cmp_tpl);
	return FP_OK;
}
