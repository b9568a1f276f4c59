/*
 * cloud_template.h: the approved template a cloud provider sends a
 * message as (SPEC 11).  Aliyun and Tencent send templates only: the
 * mapping in templates/provider_templates.conf (tplmap.h) names the
 * cloud's template and the order of its parameters, the message's
 * variables give the values, and a message without a mapping is never
 * sent as free text.  Used by provider_aliyun.c and provider_tencent.c.
 */
#ifndef FP_CLOUD_TEMPLATE_H
#define FP_CLOUD_TEMPLATE_H

#include <json-c/json.h>

#include "cfg.h"
#include "outbox.h"
#include "tplmap.h"

/*
 * Load the mapping for provider p of `cloud` ("aliyun", "tencent")
 * into *out (tplmap_free).  A bad file is logged as
 * "<cloud>.templates": FP_ECONFIG, or FP_ENOMEM.
 */
enum fp_err cloud_template_open(const struct cfg *cfg, const char *cloud,
    const struct cfg_provider *p, struct tplmap **out);

/*
 * The mapped template of `it` for provider p and its parameters'
 * values in values[] (pointing into *doc, which the caller puts), or
 * NULL with *doc NULL: no mapping, or a variable missing (logged as
 * "<cloud>.unmapped": the start's check should have refused this).
 */
const struct tplmap_entry *cloud_template_find(const struct tplmap *map,
    const char *cloud, const struct cfg_provider *p,
    const struct outbox_item *it, struct json_object **doc,
    const char *values[TPLMAP_PARAMS_MAX]);

#endif
