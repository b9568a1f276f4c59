/*
 * main.c: fupin-bridge's life cycle.  This first version reads and checks
 * the shared configuration (--check-config) and the database schema; the
 * MQTT relay itself (event outbox out, registry and commands in) is
 * issue 5, and until it lands the bridge says so and exits 69 rather than
 * pretend to run.
 */
#include <stdio.h>
#include <sysexits.h>

#include "cfg.h"
#include "cli.h"
#include "log.h"

static int
usage(void)
{
	fprintf(stderr, "usage: fupin-bridge [-c FILE] [-v] "
	    "[--check-config]\n");
	return EX_USAGE;
}

int
main(int argc, char **argv)
{
	struct cli_opts opts;
	struct cfg *cfg;

	if (!cli_parse(argc, argv, false, &opts))
		return usage();
	cfg = cli_load_config(&opts);
	if (cfg == NULL)
		return EX_CONFIG;
	if (opts.check_only) {
		printf("%s: configuration OK\n", cfg->file);
		cfg_free(cfg);
		return EX_OK;
	}
	log_init("fupin-bridge", opts.is_verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	log_error("bridge.unavailable reason=\"the MQTT relay is not built "
	    "yet\" uri=%s", cfg->mqtt.uri);
	cfg_free(cfg);
	return EX_UNAVAILABLE;
}
