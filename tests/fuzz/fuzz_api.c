/*
 * fuzz_api.c: libFuzzer harness for the admin API's JSON bodies: the
 * broadcast parser (broadcast_parse with its audience and RFC 3339
 * send_at), the alert parser (alert_parse) and, on what they accept,
 * audience_to_json.  Besides crashes it checks the contract: a refusal
 * always says why, an accepted broadcast has exactly one of text and
 * template, and an accepted alert exactly one of cadres and area.  Built
 * by `make fuzz` (clang) and replayed under gcc by `make test`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "broadcast.h"
#include "cfg.h"
#include "http_params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cfg *cfg;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o = NULL;
	struct broadcast_req r;
	struct alert_req *a;
	const char *why = NULL;
	char *errors = NULL, *aud;
	bool dry;

	if (cfg == NULL && cfg_load(NULL, &cfg, &errors) != FP_OK)
		abort();
	if (http_params_json((const char *)data, size, &o, &why) != FP_OK)
		return 0;	/* a 400 before any parser */
	why = NULL;
	if (broadcast_parse(o, cfg, 1796263200, "command_id", &r, &dry, &why) ==
	    FP_OK) {
		if ((r.text == NULL) == (r.template_name == NULL))
			abort();
		aud = audience_to_json(&r.audience);
		if (aud == NULL)
			abort();
		free(aud);
	} else if (why == NULL)
		abort();
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		abort();
	why = NULL;
	if (alert_parse(o, "command_id", a, &why) == FP_OK) {
		if ((a->n_cadres > 0) == (a->area[0] != '\0'))
			abort();
		if ((a->text == NULL) == (a->template_name == NULL))
			abort();
	} else if (why == NULL)
		abort();
	free(a);
	json_object_put(o);
	return 0;
}
