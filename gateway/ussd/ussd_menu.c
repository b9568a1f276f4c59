/*
 * ussd_menu.c: reading and checking templates/menu.conf (see
 * ussd_menu.h).
 */
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ussd_menu.h"

#define INPUT_MAX_CHARS 500

struct loader {
	const char	*path;
	char		*why;
};

/* A malloc'd "FILE:LINE: msg" (or "FILE: msg" for line 0). */
static char *
located(const char *path, int line, const char *msg)
{
	size_t n = strlen(path) + strlen(msg) + 16;
	char *s = malloc(n);

	if (s == NULL)
		return NULL;
	if (line > 0)
		snprintf(s, n, "%s:%d: %s", path, line, msg);
	else
		snprintf(s, n, "%s: %s", path, msg);
	return s;
}

static void complain(struct loader *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
complain(struct loader *ld, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (ld->why != NULL)
		return;		/* the first problem is the one to fix */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ld->why = located(ld->path, line, msg);
}

static bool
is_name(const char *s)
{
	if (*s == '\0' || strlen(s) >= USSD_ID_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_'))
			return false;
	return true;
}

static bool
is_known(const char *const *names, const char *s)
{
	for (; *names != NULL; names++)
		if (strcmp(*names, s) == 0)
			return true;
	return false;
}

/*
 * The string member `key` of group g into *dst (strdup'd), NULL when
 * absent.  Must be a name ([a-z0-9_]) unless free_text.
 */
static bool
get_str(struct loader *ld, config_setting_t *g, const char *key,
    bool free_text, char **dst)
{
	config_setting_t *s = config_setting_get_member(g, key);
	const char *v;

	*dst = NULL;
	if (s == NULL)
		return true;
	v = config_setting_get_string(s);
	if (v == NULL) {
		complain(ld, config_setting_source_line(s),
		    "'%s' must be a string", key);
		return false;
	}
	if (!free_text && !is_name(v)) {
		complain(ld, config_setting_source_line(s),
		    "'%s' must be a name of a-z, 0-9 and _", key);
		return false;
	}
	*dst = strdup(v);
	if (*dst == NULL) {
		complain(ld, config_setting_source_line(s), "out of memory");
		return false;
	}
	return true;
}

static bool
check_keys(struct loader *ld, config_setting_t *g, const char *const *allowed)
{
	int i, n = config_setting_length(g);

	for (i = 0; i < n; i++) {
		config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);

		if (name == NULL || !is_known(allowed, name)) {
			complain(ld, config_setting_source_line(m),
			    "unknown key '%s'", name != NULL ? name : "?");
			return false;
		}
	}
	return true;
}

static bool
load_option(struct loader *ld, config_setting_t *g, struct ussd_option *o)
{
	static const char *const keys[] = { "text", "go", "set", NULL };
	char *set = NULL, *eq;
	int line = config_setting_source_line(g);

	if (!config_setting_is_group(g)) {
		complain(ld, line, "an option must be a group { text; go; }");
		return false;
	}
	if (!check_keys(ld, g, keys) || !get_str(ld, g, "text", false,
	    &o->text) || !get_str(ld, g, "go", false, &o->go) ||
	    !get_str(ld, g, "set", true, &set))
		return false;
	if (o->text == NULL || o->go == NULL) {
		complain(ld, line, "an option needs 'text' and 'go'");
		free(set);
		return false;
	}
	if (set != NULL) {
		eq = strchr(set, '=');
		if (eq == NULL || eq == set) {
			complain(ld, line, "'set' must be \"name=value\"");
			free(set);
			return false;
		}
		*eq = '\0';
		o->set_name = set;
		o->set_value = strdup(eq + 1);
		if (!is_name(set) || o->set_value == NULL) {
			complain(ld, line, "'set' must be \"name=value\"");
			return false;
		}
	}
	return true;
}

static bool
load_int(struct loader *ld, config_setting_t *g, const char *key, int def,
    int *dst)
{
	config_setting_t *s = config_setting_get_member(g, key);

	*dst = def;
	if (s == NULL)
		return true;
	if (config_setting_type(s) != CONFIG_TYPE_INT) {
		complain(ld, config_setting_source_line(s),
		    "'%s' must be an integer", key);
		return false;
	}
	*dst = config_setting_get_int(s);
	if (*dst < 0 || *dst > INPUT_MAX_CHARS) {
		complain(ld, config_setting_source_line(s),
		    "'%s' must be 0 to %d", key, INPUT_MAX_CHARS);
		return false;
	}
	return true;
}

static bool
load_screen(struct loader *ld, config_setting_t *g, struct ussd_screen *sc)
{
	static const char *const keys[] = { "id", "text", "view", "list",
	    "item", "empty", "input", "min", "max", "action", "fail", "param",
	    "go", "need", "end", "options", NULL };
	config_setting_t *opts, *s;
	char *need = NULL;
	int i;

	sc->line = config_setting_source_line(g);
	if (!config_setting_is_group(g)) {
		complain(ld, sc->line, "a screen must be a group { id; text; }");
		return false;
	}
	if (!check_keys(ld, g, keys) ||
	    !get_str(ld, g, "id", false, &sc->id) ||
	    !get_str(ld, g, "text", false, &sc->text) ||
	    !get_str(ld, g, "view", false, &sc->view) ||
	    !get_str(ld, g, "list", false, &sc->list) ||
	    !get_str(ld, g, "item", false, &sc->item) ||
	    !get_str(ld, g, "empty", false, &sc->empty) ||
	    !get_str(ld, g, "input", false, &sc->input) ||
	    !get_str(ld, g, "action", false, &sc->action) ||
	    !get_str(ld, g, "fail", false, &sc->fail) ||
	    !get_str(ld, g, "param", true, &sc->param) ||
	    !get_str(ld, g, "go", false, &sc->go) ||
	    !get_str(ld, g, "need", false, &need) ||
	    !load_int(ld, g, "min", 1, &sc->input_min) ||
	    !load_int(ld, g, "max", 140, &sc->input_max))
		return false;
	if (need != NULL) {
		if (strcmp(need, "household") == 0)
			sc->need = USSD_NEED_HOUSEHOLD;
		else if (strcmp(need, "cadre") == 0)
			sc->need = USSD_NEED_CADRE;
		else
			complain(ld, sc->line, "'need' must be \"household\" or "
			    "\"cadre\"");
		free(need);
		if (ld->why != NULL)
			return false;
	}
	s = config_setting_get_member(g, "end");
	if (s != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			complain(ld, config_setting_source_line(s),
			    "'end' must be true or false");
			return false;
		}
		sc->end = config_setting_get_bool(s) != 0;
	}
	if (sc->id == NULL || sc->text == NULL) {
		complain(ld, sc->line, "a screen needs 'id' and 'text'");
		return false;
	}
	opts = config_setting_get_member(g, "options");
	if (opts != NULL) {
		if (!config_setting_is_list(opts)) {
			complain(ld, config_setting_source_line(opts),
			    "'options' must be a list ( {...}, {...} )");
			return false;
		}
		sc->n_options = (size_t)config_setting_length(opts);
		sc->options = calloc(sc->n_options + 1, sizeof(*sc->options));
		if (sc->options == NULL) {
			complain(ld, sc->line, "out of memory");
			return false;
		}
		for (i = 0; i < (int)sc->n_options; i++)
			if (!load_option(ld, config_setting_get_elem(opts,
			    (unsigned)i), &sc->options[i]))
				return false;
	}
	return true;
}

/* What a screen declares must make sense together. */
static void
check_screen(struct loader *ld, const struct ussd_menu *m,
    const struct ussd_screen *sc)
{
	size_t i;
	int kinds = (sc->n_options > 0) + (sc->list != NULL) +
	    (sc->input != NULL);

	if (kinds > 1)
		complain(ld, sc->line, "screen '%s': options, list and input "
		    "exclude each other", sc->id);
	if (kinds == 0 && !sc->end)
		complain(ld, sc->line, "screen '%s' has nothing to choose: give "
		    "it options, a list, an input, or end = true", sc->id);
	if (kinds > 0 && sc->end)
		complain(ld, sc->line, "screen '%s' ends the session but asks "
		    "for an answer", sc->id);
	if ((sc->list != NULL || sc->input != NULL) && sc->go == NULL)
		complain(ld, sc->line, "screen '%s' needs 'go'", sc->id);
	if (sc->list != NULL && (sc->item == NULL || sc->empty == NULL))
		complain(ld, sc->line, "list screen '%s' needs 'item' and "
		    "'empty'", sc->id);
	if (sc->input != NULL && sc->input_min > sc->input_max)
		complain(ld, sc->line, "screen '%s': min is over max", sc->id);
	if (sc->view != NULL && !is_known(ussd_view_names, sc->view))
		complain(ld, sc->line, "unknown view '%s'", sc->view);
	if (sc->list != NULL && !is_known(ussd_list_names, sc->list))
		complain(ld, sc->line, "unknown list '%s'", sc->list);
	if (sc->action != NULL && !is_known(ussd_action_names, sc->action))
		complain(ld, sc->line, "unknown action '%s'", sc->action);
	if (sc->go != NULL && ussd_menu_screen(m, sc->go) == NULL)
		complain(ld, sc->line, "'go' names no screen: '%s'", sc->go);
	for (i = 0; i < sc->n_options; i++)
		if (ussd_menu_screen(m, sc->options[i].go) == NULL)
			complain(ld, sc->line, "option %zu of '%s' goes to no "
			    "screen: '%s'", i + 1, sc->id, sc->options[i].go);
	for (i = 0; i < m->n_screens && &m->screens[i] != sc; i++)
		if (strcmp(m->screens[i].id, sc->id) == 0)
			complain(ld, sc->line, "duplicate screen id '%s' (first "
			    "at line %d)", sc->id, m->screens[i].line);
}

static bool
load_root(struct loader *ld, config_t *cf, struct ussd_menu *m)
{
	static const char *const keys[] = { "villager_start", "cadre_start",
	    "screens", NULL };
	config_setting_t *root = config_root_setting(cf), *list;
	size_t i;

	if (!check_keys(ld, root, keys) || !get_str(ld, root,
	    "villager_start", false, &m->villager_start) || !get_str(ld, root,
	    "cadre_start", false, &m->cadre_start))
		return false;
	list = config_setting_get_member(root, "screens");
	if (list == NULL || !config_setting_is_list(list) ||
	    config_setting_length(list) == 0) {
		complain(ld, list != NULL ? config_setting_source_line(list) : 1,
		    "'screens' must be a non-empty list ( {...}, ... )");
		return false;
	}
	m->n_screens = (size_t)config_setting_length(list);
	m->screens = calloc(m->n_screens, sizeof(*m->screens));
	if (m->screens == NULL) {
		complain(ld, 1, "out of memory");
		return false;
	}
	for (i = 0; i < m->n_screens; i++)
		if (!load_screen(ld, config_setting_get_elem(list, (unsigned)i),
		    &m->screens[i]))
			return false;
	if (m->villager_start == NULL || m->cadre_start == NULL) {
		complain(ld, 1, "'villager_start' and 'cadre_start' are needed");
		return false;
	}
	if (ussd_menu_screen(m, m->villager_start) == NULL ||
	    ussd_menu_screen(m, m->cadre_start) == NULL)
		complain(ld, 1, "a start screen names no screen");
	for (i = 0; i < m->n_screens; i++)
		check_screen(ld, m, &m->screens[i]);
	return ld->why == NULL;
}

enum fp_err
ussd_menu_load(const char *path, struct ussd_menu **out, char **why)
{
	struct loader ld = { path, NULL };
	struct ussd_menu *m;
	config_t cf;
	FILE *fp;
	enum fp_err err = FP_OK;

	*out = NULL;
	*why = NULL;
	fp = fopen(path, "r");
	if (fp == NULL) {
		int e = errno;

		*why = located(path, 0, strerror(e));
		return e == ENOENT ? FP_ENOTFOUND : FP_EIO;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL || (m->file = strdup(path)) == NULL) {
		fclose(fp);
		free(m);
		return FP_ENOMEM;
	}
	config_init(&cf);
	if (config_read(&cf, fp) != CONFIG_TRUE) {
		complain(&ld, config_error_line(&cf), "%s",
		    config_error_text(&cf));
		err = FP_EINVAL;
	} else if (!load_root(&ld, &cf, m))
		err = FP_EINVAL;
	config_destroy(&cf);
	fclose(fp);
	if (err != FP_OK) {
		ussd_menu_free(m);
		*why = ld.why;
		return err;
	}
	*out = m;
	return FP_OK;
}

void
ussd_menu_free(struct ussd_menu *m)
{
	size_t i, j;

	if (m == NULL)
		return;
	for (i = 0; i < m->n_screens; i++) {
		struct ussd_screen *sc = &m->screens[i];

		for (j = 0; j < sc->n_options; j++) {
			free(sc->options[j].text);
			free(sc->options[j].go);
			free(sc->options[j].set_name);
			free(sc->options[j].set_value);
		}
		free(sc->options);
		free(sc->id);
		free(sc->text);
		free(sc->view);
		free(sc->list);
		free(sc->item);
		free(sc->empty);
		free(sc->input);
		free(sc->action);
		free(sc->fail);
		free(sc->param);
		free(sc->go);
	}
	free(m->screens);
	free(m->villager_start);
	free(m->cadre_start);
	free(m->file);
	free(m);
}

const struct ussd_screen *
ussd_menu_screen(const struct ussd_menu *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->n_screens; i++)
		if (m->screens[i].id != NULL && strcmp(m->screens[i].id, id) == 0)
			return &m->screens[i];
	return NULL;
}
