/*
 * cfg_mt.c: the cross-field checks of outgoing routing (issue 16; see
 * cfg_mt.h): the mt_routes rules, in the manner of Kannel's
 * allowed-prefix and Jasmin's MT routes (first match wins, a default
 * last), and each provider's failover.  What the rules mean at run time
 * is gateway/core/route.c's; this file only refuses a configuration that
 * cannot mean what its author wanted, each problem at its FILE:LINE.
 *
 * Called by cfg_load.c's cross-field pass only.
 */
#include <stdlib.h>
#include <string.h>

#include "cfg_mt.h"

#define PREFIX_DIGITS_MAX 15	/* E.164: at most 15 digits */

/* The setting of mt_routes[i] (and its member `key`, when there is
 * one), or NULL when the configuration came from the defaults. */
static config_setting_t *
rule_at(config_setting_t *root, size_t i, const char *key)
{
	config_setting_t *list, *e, *m;

	list = root != NULL ? config_setting_lookup(root, "mt_routes") : NULL;
	e = list != NULL ? config_setting_get_elem(list, (unsigned)i) : NULL;
	if (e == NULL || key == NULL)
		return e;
	m = config_setting_get_member(e, key);
	return m != NULL ? m : e;
}

/* The setting of prefix j of rule i, or the rule's. */
static config_setting_t *
prefix_at(config_setting_t *root, size_t i, size_t j)
{
	config_setting_t *p = rule_at(root, i, "prefixes"), *e = NULL;

	if (p != NULL && config_setting_is_aggregate(p))
		e = config_setting_get_elem(p, (unsigned)j);
	return e != NULL ? e : p;
}

static unsigned
line_of(const config_setting_t *s)
{
	return s != NULL ? config_setting_source_line(s) : 0;
}

/* "+" then 1 to 15 digits: the start of an E.164 number. */
static bool
is_prefix(const char *v)
{
	size_t n;

	if (v[0] != '+')
		return false;
	for (n = 1; v[n] != '\0'; n++)
		if (v[n] < '0' || v[n] > '9')
			return false;
	return n >= 2 && n - 1 <= PREFIX_DIGITS_MAX;
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * The earlier prefix that takes every number prefix j of rule i would:
 * one of an earlier rule, or earlier in the same rule, that `v` starts
 * with.  Returns false when there is none; else *ri, *rj say where.
 */
static bool
shadowed(const struct cfg *cfg, size_t i, size_t j, size_t *ri, size_t *rj)
{
	const char *v = cfg->mt_routes[i].prefixes[j];
	size_t a, b;

	for (a = 0; a <= i; a++) {
		char **p = cfg->mt_routes[a].prefixes;

		for (b = 0; p != NULL && p[b] != NULL; b++) {
			if (a == i && b == j)
				return false;
			if (is_prefix(p[b]) && starts_with(v, p[b])) {
				*ri = a;
				*rj = b;
				return true;
			}
		}
	}
	return false;
}

/* Rule i's prefixes: syntax, and which can never match; true when at
 * least one can. */
static bool
check_prefixes(struct cfg_ctx *c, const struct cfg *cfg,
    config_setting_t *root, size_t i)
{
	char **p = cfg->mt_routes[i].prefixes;
	size_t j, a, b, n_dead = 0, n = 0;

	for (j = 0; p[j] != NULL; j++) {
		n++;
		if (!is_prefix(p[j])) {
			cfg_errf(c, prefix_at(root, i, j), "'mt_routes[%zu]."
			    "prefixes' has '%s': a prefix is \"+\" and 1 to "
			    "15 digits, as numbers are stored (\"+86134\")",
			    i, p[j]);
			continue;
		}
		if (shadowed(cfg, i, j, &a, &b))
			n_dead++;
	}
	if (n_dead == 0)
		return true;
	if (n_dead == n) {
		cfg_errf(c, rule_at(root, i, NULL), "'mt_routes[%zu]' can never "
		    "match: every prefix of it is taken by an earlier one", i);
		return false;
	}
	for (j = 0; p[j] != NULL; j++)
		if (is_prefix(p[j]) && shadowed(cfg, i, j, &a, &b))
			cfg_errf(c, prefix_at(root, i, j), "'mt_routes[%zu]."
			    "prefixes' has '%s', which can never match: "
			    "'%s' of mt_routes[%zu] (line %u) comes first", i,
			    p[j], cfg->mt_routes[a].prefixes[b], a,
			    line_of(prefix_at(root, a, b)));
	return true;
}

/* The default rule (the last, without prefixes) decides sms.provider. */
static void
settle_default(struct cfg_ctx *c, struct cfg *cfg, config_setting_t *root,
    size_t d)
{
	const char *name = cfg->mt_routes[d].provider;
	config_setting_t *s;
	char *dup;

	if (name == NULL || cfg_provider_find(cfg, name) == NULL)
		return;		/* reported */
	s = root != NULL ? config_setting_lookup(root, "sms.provider") : NULL;
	if (s != NULL) {
		const char *v = config_setting_get_string(s);

		if (v != NULL && strcmp(v, name) != 0)
			cfg_errf(c, s, "'sms.provider' is '%s' but the default "
			    "rule mt_routes[%zu] (line %u) sends the other "
			    "numbers to '%s': name the default once", v, d,
			    line_of(rule_at(root, d, NULL)), name);
		return;
	}
	dup = strdup(name);
	if (dup == NULL) {
		c->oom = true;
		return;
	}
	free(cfg->sms.provider);
	cfg->sms.provider = dup;
}

static void
check_rules(struct cfg_ctx *c, struct cfg *cfg, config_setting_t *root)
{
	size_t i, d = (size_t)-1;

	for (i = 0; i < cfg->n_mt_routes; i++) {
		const struct cfg_mt_route *r = &cfg->mt_routes[i];
		config_setting_t *ps = rule_at(root, i, "prefixes");
		bool is_bad_list = ps != NULL && ps != rule_at(root, i, NULL) &&
		    r->prefixes == NULL;

		if (r->provider != NULL &&
		    cfg_provider_find(cfg, r->provider) == NULL)
			cfg_errf(c, rule_at(root, i, "provider"), "'mt_routes[%zu]"
			    ".provider' is '%s', not a configured provider", i,
			    r->provider);
		if (d != (size_t)-1) {
			cfg_errf(c, rule_at(root, i, NULL), "'mt_routes[%zu]' can "
			    "never match: mt_routes[%zu] (line %u) has no "
			    "prefixes and takes every number before it", i, d,
			    line_of(rule_at(root, d, NULL)));
			continue;
		}
		if (is_bad_list)
			continue;	/* not a list of strings: reported */
		if (r->prefixes == NULL) {
			d = i;
			continue;
		}
		if (r->prefixes[0] == NULL) {
			cfg_errf(c, ps, "'mt_routes[%zu].prefixes' is empty: "
			    "give prefixes, or leave the key out in the last "
			    "rule (the default)", i);
			continue;
		}
		check_prefixes(c, cfg, root, i);
	}
	if (d != (size_t)-1)
		settle_default(c, cfg, root, d);
}

static void
check_failover(struct cfg_ctx *c, const struct cfg *cfg,
    config_setting_t *root)
{
	config_setting_t *list, *e, *s;
	size_t i;

	list = root != NULL ? config_setting_lookup(root, "providers") : NULL;
	for (i = 0; i < cfg->n_providers; i++) {
		const struct cfg_provider *p = &cfg->providers[i];

		e = list != NULL ? config_setting_get_elem(list, (unsigned)i) :
		    NULL;
		if (p->failover == NULL) {
			s = e != NULL ? config_setting_get_member(e,
			    "failover_after") : NULL;
			if (s != NULL)
				cfg_errf(c, s, "'providers[%zu].failover_after' "
				    "needs 'failover' (the provider to move "
				    "messages to)", i);
			continue;
		}
		s = e != NULL ? config_setting_get_member(e, "failover") : NULL;
		if (cfg_provider_find(cfg, p->failover) == NULL)
			cfg_errf(c, s != NULL ? s : e, "'providers[%zu].failover' "
			    "is '%s', not a configured provider", i,
			    p->failover);
		else if (p->name != NULL && strcmp(p->failover, p->name) == 0)
			cfg_errf(c, s != NULL ? s : e, "'providers[%zu].failover' "
			    "names the provider itself", i);
	}
}

void
cfg_mt_check(struct cfg_ctx *c, struct cfg *cfg, config_setting_t *root)
{
	check_failover(c, cfg, root);
	check_rules(c, cfg, root);
}
