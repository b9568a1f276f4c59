/*
 * fuzz_cfg.c: libFuzzer harness for the configuration loader: libconfig's
 * parser and our key table walk (cfg_load_string).  Besides crashes and
 * leaks it checks the contract of cfg_load: success gives a config whose
 * cross-field rules hold and no error text; failure gives no config and
 * one "NAME:..." line per error.  Inputs with @include are skipped (they
 * would read arbitrary files).  Built by `make fuzz` (clang) and replayed
 * under gcc by `make test`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

#define MAX_INPUT (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * libconfig before 1.7.3 leaks a string token that its parser discards
 * after a syntax error, e.g. `a = 1 "";` or `a = ( { b = "x" or "y", } );`
 * (upstream hyperrealm/libconfig issue 142, fixed by pull request 155).
 * Nothing outside libconfig can free it; it is one string per failed
 * load, and a failed load ends the program (exit 78).  Only the lexer's
 * string allocations are suppressed (strbuf_append for text, the lexer
 * itself for ""): a missing config_destroy() would still be reported
 * through the setting structs, which the parser allocates.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

/* The rules a loaded config must satisfy, whatever the input was. */
static void
check_cfg(const struct cfg *cfg)
{
	size_t i;

	if (cfg->http.listen_host == NULL || cfg->http.listen_port < 1 ||
	    cfg->http.listen_port > 65535)
		abort();
	if (cfg->sms.provider == NULL ||
	    cfg_provider_find(cfg, cfg->sms.provider) == NULL)
		abort();
	for (i = 0; i < cfg->n_providers; i++) {
		const struct cfg_provider *p = &cfg->providers[i];

		if (p->name == NULL || p->name[0] == '\0')
			abort();
		if (p->type == CFG_PROVIDER_KANNEL && (p->url == NULL ||
		    p->password == NULL || p->dlr_base == NULL))
			abort();
		if (p->type == CFG_PROVIDER_FILE && p->path == NULL)
			abort();
	}
	for (i = 0; i < cfg->sms.n_routes; i++) {
		const struct cfg_route *r = &cfg->sms.routes[i];

		if (cfg_route_find(cfg, r->path) != r)
			abort();	/* duplicate path */
		if ((r->auth == CFG_AUTH_HMAC) != (r->secret != NULL))
			abort();
	}
	if (cfg->n_programs < 3)
		abort();
	/* Issue 16: every rule names a provider and can match; only the
	 * last may take every number; a failover is another provider. */
	for (i = 0; i < cfg->n_mt_routes; i++) {
		const struct cfg_mt_route *r = &cfg->mt_routes[i];

		if (cfg_provider_find(cfg, r->provider) == NULL)
			abort();
		if (r->prefixes == NULL ? i + 1 != cfg->n_mt_routes :
		    r->prefixes[0] == NULL)
			abort();
	}
	for (i = 0; i < cfg->n_providers; i++) {
		const struct cfg_provider *p = &cfg->providers[i];

		if (p->failover != NULL &&
		    (cfg_provider_find(cfg, p->failover) == NULL ||
		    strcmp(p->failover, p->name) == 0))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg *cfg = NULL;
	char *text, *errors = NULL;
	enum fp_err err;

	if (size > MAX_INPUT)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (strstr(text, "@include") != NULL) {
		free(text);
		return 0;
	}
	err = cfg_load_string(text, "fuzz.conf", &cfg, &errors);
	if (err == FP_OK) {
		if (cfg == NULL || errors != NULL)
			abort();
		check_cfg(cfg);
	} else if (err == FP_ECONFIG) {
		if (cfg != NULL || errors == NULL ||
		    strncmp(errors, "fuzz.conf:", 10) != 0)
			abort();
	} else if (err != FP_ENOMEM) {
		abort();
	}
	cfg_free(cfg);
	free(errors);
	free(text);
	return 0;
}
