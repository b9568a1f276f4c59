/*
 * cloud_template.c: a cloud provider's template for a message (see
 * cloud_template.h).
 */
#include <stdlib.h>

#include "cloud_template.h"
#include "log.h"

enum fp_err
cloud_template_open(const struct cfg *cfg, const char *cloud,
    const struct cfg_provider *p, struct tplmap **out)
{
	char *errors = NULL;
	enum fp_err err;

	err = tplmap_load_cfg(cfg, out, &errors);
	if (err == FP_OK)
		return FP_OK;
	/* main.c checked the file before the senders started. */
	log_warnx("%s.templates provider=%s error=\"%s\"", cloud, p->name,
	    errors != NULL ? errors : fp_strerror(err));
	free(errors);
	return err == FP_ENOMEM ? FP_ENOMEM : FP_ECONFIG;
}

const struct tplmap_entry *
cloud_template_find(const struct tplmap *map, const char *cloud,
    const struct cfg_provider *p, const struct outbox_item *it,
    struct json_object **doc, const char *values[TPLMAP_PARAMS_MAX])
{
	const struct tplmap_entry *e;
	const char *missing = NULL;

	*doc = NULL;
	e = tplmap_find(map, p->name, it->tpl_key, it->tpl_lang);
	if (e != NULL && tplmap_values(e, it->tpl_vars, doc, values,
	    &missing) == FP_OK)
		return e;
	log_error("%s.unmapped provider=%s id=%lld text=%s lang=%s "
	    "missing=%s", cloud, p->name, (long long)it->id, it->tpl_key !=
	    NULL ? it->tpl_key : "(free text)", it->tpl_lang != NULL ?
	    it->tpl_lang : "-", missing != NULL ? missing : "-");
	return NULL;
}
