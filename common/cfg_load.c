/*
 * cfg_load.c: load the configuration of cfg.h (SPEC section 8).  Parse the file with
 * libconfig, let cfg_walk.c walk the key table of cfg_keys.c over it
 * (unknown keys, types, ranges, defaults), then run the short cross-field
 * pass that settles what depends on more than one key (sms.provider, the
 * kannel dlr_base default; mt_routes and failover in cfg_mt.c).  Every problem is collected as
 * "FILE:LINE: message", sorted by line, and the load fails only at the
 * end, so an operator sees all of them at once (STYLE section 6).
 *
 * Callers: the three programs' main(), before anything else runs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "cfg.h"
#include "cfg_mt.h"
#include "cfg_walk.h"
#include "compiler.h"

/* ---- errors ---- */

static void
err_free(struct cfg_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n_err; i++)
		free(c->errs[i].text);
	free(c->errs);
	c->errs = NULL;
	c->n_err = 0;
}

/* The main file first, then included files by name; by line in each. */
static int
err_cmp(const void *a, const void *b, const char *main_file)
{
	const struct cfg_err_line *x = a, *y = b;
	int xm = strcmp(x->file, main_file) != 0;
	int ym = strcmp(y->file, main_file) != 0;
	int d;

	if (xm != ym)
		return xm - ym;
	d = strcmp(x->file, y->file);
	if (d != 0)
		return d;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Hand the errors to the caller as one string, one per line, without a
 * newline after the last.  False when out of memory.
 */
static bool
err_take(struct cfg_ctx *c, char **errors)
{
	size_t i, j, len = 0;
	char *out, *p;

	/* insertion sort: a handful of lines, and it is stable */
	for (i = 1; i < c->n_err; i++) {
		struct cfg_err_line tmp = c->errs[i];

		for (j = i; j > 0 && err_cmp(&c->errs[j - 1], &tmp,
		    c->file) > 0; j--)
			c->errs[j] = c->errs[j - 1];
		c->errs[j] = tmp;
	}
	for (i = 0; i < c->n_err; i++)
		len += strlen(c->errs[i].text) + 1;
	out = malloc(len + 1);
	if (out == NULL) {
		err_free(c);
		return false;
	}
	p = out;
	*p = '\0';
	for (i = 0; i < c->n_err; i++) {
		size_t n = strlen(c->errs[i].text);

		if (i > 0)
			*p++ = '\n';
		memcpy(p, c->errs[i].text, n + 1);
		p += n;
	}
	err_free(c);
	if (errors != NULL)
		*errors = out;
	else
		free(out);
	return true;
}

/* ---- cross-field pass ---- */

/* -fanalyzer: each dlr_base is the cfg's, freed by cfg_free; a false
 * "leak" (gcc 12 loses stores through cfg->providers[i]). */
FP_ANALYZER_LEAK_OFF
static void
default_dlr_base(struct cfg_ctx *c, struct cfg *cfg)
{
	const char *host = cfg->http.listen_host;
	bool is_v6;
	char buf[128], *dup;
	size_t i;

	if (host == NULL)
		return;		/* http.listen was bad: already reported */
	is_v6 = strchr(host, ':') != NULL;
	snprintf(buf, sizeof(buf), "http://%s%s%s:%d", is_v6 ? "[" : "", host,
	    is_v6 ? "]" : "", cfg->http.listen_port);
	for (i = 0; i < cfg->n_providers; i++) {
		struct cfg_provider *p = &cfg->providers[i];

		if (p->type != CFG_PROVIDER_KANNEL || p->dlr_base != NULL)
			continue;
		dup = strdup(buf);
		if (dup == NULL) {
			c->oom = true;
			return;
		}
		p->dlr_base = dup;
	}
}
FP_ANALYZER_LEAK_ON

/* SPEC 11: an operator link's defaults that depend on its type (port,
 * window) or on another key (src_id: sms.shortcode). */
FP_ANALYZER_LEAK_OFF
static void
default_link_keys(struct cfg_ctx *c, struct cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_providers; i++) {
		struct cfg_provider *p = &cfg->providers[i];

		if (p->type == CFG_PROVIDER_SMPP) {
			if (p->port == 0)
				p->port = 2775;
			if (p->window == 0)
				p->window = 10;
			continue;
		}
		if (p->type != CFG_PROVIDER_CMPP)
			continue;
		if (p->port == 0)
			p->port = 7890;
		if (p->window == 0)
			p->window = 16;
		if (p->src_id == NULL && cfg->sms.shortcode != NULL) {
			p->src_id = strdup(cfg->sms.shortcode);
			if (p->src_id == NULL)
				c->oom = true;
		}
	}
}
FP_ANALYZER_LEAK_ON

/* SPEC 11: a cloud SMS provider's public API and default region. */
FP_ANALYZER_LEAK_OFF
static void
default_cloud_keys(struct cfg_ctx *c, struct cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_providers; i++) {
		struct cfg_provider *p = &cfg->providers[i];
		bool is_ali = p->type == CFG_PROVIDER_ALIYUN;

		if (!is_ali && p->type != CFG_PROVIDER_TENCENT)
			continue;
		if (p->endpoint == NULL) {
			p->endpoint = strdup(is_ali ?
			    "https://dysmsapi.aliyuncs.com/" :
			    "https://sms.tencentcloudapi.com/");
			if (p->endpoint == NULL)
				c->oom = true;
		}
		if (p->region == NULL) {
			p->region = strdup(is_ali ? "cn-hangzhou" :
			    "ap-guangzhou");
			if (p->region == NULL)
				c->oom = true;
		}
	}
}
FP_ANALYZER_LEAK_ON

bool
cfg_provider_is_template(const struct cfg_provider *p)
{
	if (p == NULL)
		return false;
	return p->type == CFG_PROVIDER_ALIYUN ||
	    p->type == CFG_PROVIDER_TENCENT ||
	    (p->type == CFG_PROVIDER_HTTP_JSON && p->template_code != NULL &&
	    p->template_code[0] != '\0');
}

/* SHA-256 of "demo-admin-token", the token config/fupin.conf ships for
 * the loopback demo: known to everyone who read the repository. */
static const uint8_t demo_token_sha256[32] = {
	0x91, 0xc1, 0x6f, 0x0d, 0x6c, 0xc1, 0xbe, 0xc3, 0xc3, 0x60, 0x39, 0x72,
	0x18, 0x2a, 0x07, 0xc6, 0x6f, 0xf4, 0xfa, 0x71, 0x61, 0x8a, 0x97, 0x5e,
	0x96, 0x3d, 0x6d, 0xbe, 0x42, 0xb6, 0xdd, 0x37,
};

static bool
host_is_loopback(const char *host)
{
	return host != NULL && (strncmp(host, "127.", 4) == 0 ||
	    strcmp(host, "::1") == 0 || strcmp(host, "localhost") == 0);
}

/* SPEC 8: the demo token on an address others can reach is refused. */
static void
check_demo_token(struct cfg_ctx *c, const struct cfg *cfg,
    config_setting_t *root)
{
	config_setting_t *list, *elem, *at;
	size_t i;

	if (host_is_loopback(cfg->http.listen_host))
		return;
	for (i = 0; i < cfg->api.n_tokens; i++) {
		if (memcmp(cfg->api.tokens[i].sha256, demo_token_sha256,
		    sizeof(demo_token_sha256)) != 0)
			continue;
		list = root != NULL ? config_setting_lookup(root,
		    "api.tokens") : NULL;
		elem = list != NULL ? config_setting_get_elem(list,
		    (unsigned)i) : NULL;
		at = elem != NULL ? config_setting_get_member(elem,
		    "token_sha256") : NULL;
		cfg_errf(c, at != NULL ? at : elem, "'api.tokens[%zu]' is the "
		    "demo token, known to everyone: refused while http.listen "
		    "is not a loopback address", i);
	}
}

/*
 * sms.provider must name a provider; when the key is absent and exactly
 * one provider is configured, that one is the default.
 */
static void
check_sms_provider(struct cfg_ctx *c, struct cfg *cfg, config_setting_t *root)
{
	config_setting_t *s = NULL, *at = NULL;
	char names[256];
	size_t i, len = 0;

	if (root != NULL) {
		s = config_setting_lookup(root, "sms.provider");
		at = s != NULL ? s : config_setting_lookup(root, "sms");
		if (at == NULL)
			at = config_setting_lookup(root, "providers");
	}
	if (s != NULL && config_setting_type(s) != CONFIG_TYPE_STRING)
		return;		/* already reported */
	if (s == NULL && cfg->n_providers == 1 &&
	    cfg->providers[0].name != NULL) {
		char *dup = strdup(cfg->providers[0].name);

		if (dup == NULL) {
			c->oom = true;
			return;
		}
		free(cfg->sms.provider);
		cfg->sms.provider = dup;
		return;
	}
	if (cfg->sms.provider == NULL ||
	    cfg_provider_find(cfg, cfg->sms.provider) != NULL)
		return;
	names[0] = '\0';
	for (i = 0; i < cfg->n_providers && len < sizeof(names); i++) {
		int n = snprintf(names + len, sizeof(names) - len, "%s'%s'",
		    i > 0 ? ", " : "", cfg->providers[i].name != NULL ?
		    cfg->providers[i].name : "");

		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (cfg->n_providers == 0)
		cfg_errf(c, at, "'sms.provider' is '%s' but no provider is "
		    "configured", cfg->sms.provider);
	else
		cfg_errf(c, at, "'sms.provider' must name a configured "
		    "provider ('%s' is not one of %s)", cfg->sms.provider,
		    names);
}

/* ---- entry points ---- */

void
cfg_free(struct cfg *cfg)
{
	if (cfg == NULL)
		return;
	cfg_walk_free(cfg_keys_root, cfg);
	free(cfg->http.listen_host);
	free(cfg->file);
	free(cfg);
}

/* Walk the table over the parsed file (cf NULL: defaults only). */
static enum fp_err
build(config_t *cf, const char *file, struct cfg **out, char **errors)
{
	struct cfg_ctx c = { .file = file };
	config_setting_t *root = cf != NULL ? config_root_setting(cf) : NULL;
	struct cfg *cfg;

	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return FP_ENOMEM;
	cfg->file = strdup(file);
	if (cfg->file == NULL)
		c.oom = true;
	cfg_walk_table(&c, cfg_keys_root, root, cfg);
	default_dlr_base(&c, cfg);
	default_link_keys(&c, cfg);
	default_cloud_keys(&c, cfg);
	cfg_mt_check(&c, cfg, root);
	check_sms_provider(&c, cfg, root);
	check_demo_token(&c, cfg, root);
	if (c.oom) {
		err_free(&c);
		cfg_free(cfg);
		return FP_ENOMEM;
	}
	if (c.n_err > 0) {
		cfg_free(cfg);
		return err_take(&c, errors) ? FP_ECONFIG : FP_ENOMEM;
	}
	*out = cfg;
	return FP_OK;
}

/* One error about the whole file, as the only error of a failed load. */
static enum fp_err
file_error(const char *file, unsigned line, const char *msg, char **errors)
{
	struct cfg_ctx c = { .file = file };

	cfg_err_append(&c, file, line, msg);
	if (c.oom) {
		err_free(&c);
		return FP_ENOMEM;
	}
	return err_take(&c, errors) ? FP_ECONFIG : FP_ENOMEM;
}

static enum fp_err
parse_error(config_t *cf, const char *file, char **errors)
{
	const char *efile = config_error_file(cf);
	int line = config_error_line(cf);

	return file_error(efile != NULL ? efile : file,
	    line > 0 ? (unsigned)line : 0, config_error_text(cf) != NULL ?
	    config_error_text(cf) : "parse error", errors);
}

enum fp_err
cfg_load(const char *path, struct cfg **out, char **errors)
{
	char msg[256], *dir, *slash;
	struct stat st;
	config_t cf;
	enum fp_err err;
	FILE *fp;
	int ok;

	*out = NULL;
	if (errors != NULL)
		*errors = NULL;
	if (path == NULL)
		return build(NULL, "(defaults)", out, errors);
	fp = fopen(path, "r");
	if (fp != NULL && fstat(fileno(fp), &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		fclose(fp);
		fp = NULL;
		errno = EISDIR;
	}
	if (fp == NULL) {
		snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
		return file_error(path, 0, msg, errors);
	}
	config_init(&cf);
	/* @include "x.conf" is relative to the including file's directory */
	dir = strdup(path);
	if (dir == NULL) {
		fclose(fp);
		config_destroy(&cf);
		return FP_ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (slash != NULL) {
		slash[slash == dir ? 1 : 0] = '\0';
		config_set_include_dir(&cf, dir);
	}
	free(dir);
	ok = config_read(&cf, fp);
	fclose(fp);
	if (ok != CONFIG_TRUE)
		err = parse_error(&cf, path, errors);
	else
		err = build(&cf, path, out, errors);
	config_destroy(&cf);
	return err;
}

enum fp_err
cfg_load_string(const char *text, const char *name, struct cfg **out,
    char **errors)
{
	config_t cf;
	enum fp_err err;

	*out = NULL;
	if (errors != NULL)
		*errors = NULL;
	if (name == NULL)
		name = "(string)";
	config_init(&cf);
	if (config_read_string(&cf, text) != CONFIG_TRUE)
		err = parse_error(&cf, name, errors);
	else
		err = build(&cf, name, out, errors);
	config_destroy(&cf);
	return err;
}

const struct cfg_provider *
cfg_provider_find(const struct cfg *cfg, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cfg->n_providers; i++)
		if (cfg->providers[i].name != NULL &&
		    strcmp(cfg->providers[i].name, name) == 0)
			return &cfg->providers[i];
	return NULL;
}

const struct cfg_route *
cfg_route_find(const struct cfg *cfg, const char *path)
{
	size_t i;

	for (i = 0; path != NULL && i < cfg->sms.n_routes; i++)
		if (cfg->sms.routes[i].path != NULL &&
		    strcmp(cfg->sms.routes[i].path, path) == 0)
			return &cfg->sms.routes[i];
	return NULL;
}
