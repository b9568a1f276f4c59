/*
 * api_settings.c: GET /api/v1/console/settings (see api_console.h):
 * what the console's forms need to know of the configuration, so that
 * no page hard-codes it: quiet hours and their time zone, the programs,
 * the providers and which of them take approved templates only (SPEC
 * 11: no free text through them), the segment limit, the languages
 * (those the language menu offers, from the menu's outline), the USSD
 * code, the console phone.  Nothing secret: no URL, account, key or
 * token of a provider.  The same for every caller (no area in it).
 */
#include <stdio.h>
#include <string.h>

#include "api_common.h"
#include "api_console.h"
#include "audience.h"
#include "gateway.h"
#include "http_error.h"
#include "http_server.h"
#include "menu_outline.h"
#include "route.h"

/* "HH:MM" of minutes after midnight. */
static struct json_object *
hhmm(int minutes)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "%02d:%02d", (minutes / 60) % 24,
	    minutes % 60);
	return json_object_new_string(buf);
}

static struct json_object *
schedule_json(const struct cfg *cfg)
{
	struct json_object *o = json_object_new_object();
	struct json_object *q = NULL;

	json_object_object_add(o, "timezone",
	    json_object_new_string(cfg->schedule.timezone));
	if (cfg->schedule.has_quiet_hours) {
		q = json_object_new_object();
		json_object_object_add(q, "start",
		    hhmm(cfg->schedule.quiet_start_min));
		json_object_object_add(q, "end",
		    hhmm(cfg->schedule.quiet_end_min));
	}
	json_object_object_add(o, "quiet_hours", q);
	json_object_object_add(o, "max_notices_per_day",
	    json_object_new_int(cfg->schedule.max_notices_per_day));
	return o;
}

/* The programs, each code once (a later entry renames an earlier). */
static struct json_object *
programs_json(const struct cfg *cfg)
{
	struct json_object *a = json_object_new_array();
	size_t i, j;

	for (i = 0; i < cfg->n_programs; i++) {
		const struct cfg_program *p = &cfg->programs[i];
		struct json_object *o;
		bool later = false;

		for (j = i + 1; j < cfg->n_programs && !later; j++)
			later = strcmp(cfg->programs[j].code, p->code) == 0;
		if (later)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "code", json_object_new_string(
		    p->code));
		json_object_object_add(o, "name", json_object_new_string(
		    p->name));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *
providers_json(const struct cfg *cfg)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < cfg->n_providers; i++) {
		const struct cfg_provider *p = &cfg->providers[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(
		    p->name));
		json_object_object_add(o, "type", json_object_new_string(
		    cfg_provider_type_name(p->type)));
		json_object_object_add(o, "templates_only",
		    json_object_new_boolean(cfg_provider_is_template(p)));
		json_object_object_add(o, "default", json_object_new_boolean(
		    cfg->sms.provider != NULL &&
		    strcmp(cfg->sms.provider, p->name) == 0));
		/* A message nobody chose a provider for may go through it
		 * (sms.provider, or an mt_routes rule's: route.h). */
		json_object_object_add(o, "routed", json_object_new_boolean(
		    route_may_pick(cfg, p)));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *
languages_json(const struct gw *gw)
{
	struct json_object *o = json_object_new_object();
	struct json_object *all = json_object_new_array();
	struct json_object *menu = json_object_new_array();
	size_t i;

	for (i = 0; i < 4; i++) {
		const char *l = audience_langs[i];

		json_object_array_add(all, json_object_new_string(l));
		if (menu_outline_offers(gw->outline, l))
			json_object_array_add(menu, json_object_new_string(l));
	}
	json_object_object_add(o, "default", json_object_new_string(
	    gw->cfg->templates.default_language));
	json_object_object_add(o, "all", all);
	json_object_object_add(o, "menu", menu);
	return o;
}

/*
 * Whether a text of one's own (a broadcast's `text`, SPEC 11) may go
 * out when no provider is chosen: only if no provider the rules may
 * pick takes approved templates only (what the broadcast check asks).
 */
static bool
free_text(const struct cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_providers; i++)
		if (route_may_pick(cfg, &cfg->providers[i]) &&
		    cfg_provider_is_template(&cfg->providers[i]))
			return false;
	return true;
}

void
api_console_settings(struct gw *gw, struct http_req *req,
    struct http_resp *resp)
{
	const struct cfg_token *t = api_token(gw, req, resp, false);
	const struct cfg *cfg = gw->cfg;
	const struct cfg_provider *def;
	struct json_object *o, *sms, *phone, *ussd;

	if (t == NULL)
		return;
	if (req->raw_query != NULL && *req->raw_query != '\0') {
		http_resp_error(resp, 400, "invalid_parameter", "query: this "
		    "route takes no parameter");
		return;
	}
	def = cfg_provider_find(cfg, cfg->sms.provider);
	o = json_object_new_object();
	json_object_object_add(o, "schedule", schedule_json(cfg));
	json_object_object_add(o, "programs", programs_json(cfg));
	json_object_object_add(o, "providers", providers_json(cfg));
	sms = json_object_new_object();
	json_object_object_add(sms, "default_provider", def != NULL ?
	    json_object_new_string(def->name) : NULL);
	/* A broadcast or an SMS with its own text and no provider chosen
	 * (SPEC 11); a chosen provider: its templates_only. */
	json_object_object_add(sms, "free_text", json_object_new_boolean(
	    free_text(cfg)));
	json_object_object_add(sms, "max_segments",
	    json_object_new_int(cfg->sms.max_segments));
	json_object_object_add(sms, "shortcode",
	    json_object_new_string(cfg->sms.shortcode));
	json_object_object_add(o, "sms", sms);
	json_object_object_add(o, "languages", languages_json(gw));
	ussd = json_object_new_object();
	json_object_object_add(ussd, "service_code",
	    json_object_new_string(cfg->ussd.service_code));
	json_object_object_add(o, "ussd", ussd);
	phone = json_object_new_object();
	json_object_object_add(phone, "available", json_object_new_boolean(
	    gw->phone != NULL));
	json_object_object_add(phone, "per_minute",
	    json_object_new_int(cfg->console.phone_per_minute));
	json_object_object_add(o, "phone", phone);
	api_json(resp, 200, o);
}
