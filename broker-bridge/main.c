/*
 * main.c: fupin-bridge's life cycle.  This first version reads and checks
 * the shared configuration (--check-config) and the database schema; the
 * MQTT relay itself (event outbox out, registry and commands in) is
 * issue 5, and until it lands the bridge says so and exits 69 rather than
 * pretend to run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cfg.h"
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
	const char *path = CFG_DEFAULT_PATH;
	bool explicit_path = false, check_only = false, verbose = false;
	struct cfg *cfg = NULL;
	char *errors = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			path = argv[++i];
			explicit_path = true;
		} else if (strcmp(argv[i], "--check-config") == 0 ||
		    strcmp(argv[i], "-n") == 0) {
			check_only = true;
		} else if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
		} else {
			return usage();
		}
	}
	if (!explicit_path && access(path, F_OK) != 0)
		path = NULL;
	if (cfg_load(path, &cfg, &errors) != FP_OK) {
		fprintf(stderr, "%s", errors != NULL ? errors :
		    "configuration error\n");
		free(errors);
		return EX_CONFIG;
	}
	free(errors);
	if (check_only) {
		printf("%s: configuration OK\n", cfg->file);
		cfg_free(cfg);
		return EX_OK;
	}
	log_init("fupin-bridge", verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	log_error("bridge.unavailable reason=\"the MQTT relay is not built "
	    "yet\" uri=%s", cfg->mqtt.uri);
	cfg_free(cfg);
	return EX_UNAVAILABLE;
}
