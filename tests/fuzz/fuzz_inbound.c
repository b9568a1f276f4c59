/*
 * fuzz_inbound.c: the parsers of inbound webhooks: form-encoded bodies
 * and query strings (Kannel's parameters), JSON bodies, the Kannel
 * sendsms recipient list, and the router on whatever text comes out.
 * The first input byte picks the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "http_params.h"
#include "sendsms.h"
#include "sms_router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
route(const char *text, size_t len)
{
	struct sms_cmd cmd;

	sms_router_parse(text, len, &cmd);
	if (memchr(cmd.arg, '\0', sizeof(cmd.arg)) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 1;
	size_t len = size > 0 ? size - 1 : 0;

	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0: {
		struct form *f = NULL;
		const char *v;
		size_t vlen = 0;

		if (form_parse(in, len, &f) == FP_OK) {
			v = form_get(f, "text", &vlen);
			if (v != NULL) {
				if (v[vlen] != '\0')
					abort();
				route(v, vlen);
			}
			(void)form_get(f, "from", NULL);
		}
		form_free(f);
		break;
	}
	case 1: {
		struct json_object *o = NULL;
		const char *why = NULL;

		if (http_params_json(in, len, &o, &why) == FP_OK) {
			struct json_object *t;

			if (json_object_object_get_ex(o, "text", &t) &&
			    json_object_is_type(t, json_type_string))
				route(json_object_get_string(t),
				    (size_t)json_object_get_string_len(t));
		} else if (why == NULL) {
			abort();
		}
		json_object_put(o);
		break;
	}
	default: {
		char *to = malloc(len + 1);
		char (*out)[MSISDN_MAX] = calloc(SENDSMS_MAX_TO, MSISDN_MAX);
		char bad[64];
		size_t n = 0;

		if (to != NULL && out != NULL) {
			memcpy(to, in, len);
			to[len] = '\0';
			if (sendsms_split_to(to, out, &n, bad, sizeof(bad)) ==
			    FP_OK && (n == 0 || n > SENDSMS_MAX_TO))
				abort();
		}
		free(out);
		free(to);
		break;
	}
	}
	return 0;
}
