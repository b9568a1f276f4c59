/*
 * route.c: outgoing routing (see route.h): the MO's own link first, then
 * the mt_routes rules in order (first match wins), then sms.provider, as
 * Kannel sends a reply back to the SMSC its MO came from and Jasmin's MT
 * routes fall through to a DefaultRoute.  The configuration was checked
 * when it was loaded (common/cfg_mt.c): every provider named exists and
 * every rule can match.
 *
 * Called by outbox.c for every message without an explicit provider, and
 * by the handlers that check a text before it is queued.
 */
#include <string.h>

#include "route.h"

/* "cmpp:cm" -> the cmpp or smpp provider "cm", else NULL. */
static const struct cfg_provider *
link_of(const struct cfg *cfg, const char *via)
{
	const struct cfg_provider *p;
	const char *colon;

	if (via == NULL)
		return NULL;
	colon = strchr(via, ':');
	if (colon == NULL)
		return NULL;
	p = cfg_provider_find(cfg, colon + 1);
	if (p == NULL)
		return NULL;
	if (p->type == CFG_PROVIDER_CMPP &&
	    (size_t)(colon - via) == strlen("cmpp") &&
	    strncmp(via, "cmpp", 4) == 0)
		return p;
	if (p->type == CFG_PROVIDER_SMPP &&
	    (size_t)(colon - via) == strlen("smpp") &&
	    strncmp(via, "smpp", 4) == 0)
		return p;
	return NULL;
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *
route_pick(const struct cfg *cfg, const char *to, const char *via)
{
	const struct cfg_provider *p = link_of(cfg, via);
	size_t i, j;

	if (p != NULL)
		return p->name;
	for (i = 0; to != NULL && i < cfg->n_mt_routes; i++) {
		char **pre = cfg->mt_routes[i].prefixes;

		if (pre == NULL)
			break;	/* the default: sms.provider says the same */
		for (j = 0; pre[j] != NULL; j++)
			if (starts_with(to, pre[j]))
				return cfg->mt_routes[i].provider;
	}
	return cfg->sms.provider;
}

bool
route_may_pick(const struct cfg *cfg, const struct cfg_provider *p)
{
	size_t i;

	if (p == NULL || p->name == NULL)
		return false;
	if (cfg->sms.provider != NULL && strcmp(cfg->sms.provider, p->name) == 0)
		return true;
	for (i = 0; i < cfg->n_mt_routes; i++)
		if (cfg->mt_routes[i].provider != NULL &&
		    strcmp(cfg->mt_routes[i].provider, p->name) == 0)
			return true;
	return false;
}
