/*
 * cli.c: common command-line options and configuration loading (cli.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

bool
cli_parse(int argc, char **argv, bool stop_at_operand, struct cli_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->config_path = CFG_DEFAULT_PATH;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0) {
			if (i + 1 >= argc)
				return false;
			o->config_path = argv[++i];
			o->has_config_path = true;
		} else if (strcmp(argv[i], "--check-config") == 0 ||
		    strcmp(argv[i], "-n") == 0) {
			o->check_only = true;
		} else if (strcmp(argv[i], "-v") == 0) {
			o->is_verbose = true;
		} else if (stop_at_operand && argv[i][0] != '-') {
			break;
		} else {
			return false;
		}
	}
	o->next = i;
	return true;
}

struct cfg *
cli_load_config(const struct cli_opts *o)
{
	const char *path = o->config_path;
	struct cfg *cfg = NULL;
	char *errors = NULL;

	/* SPEC 7: what the programs create (database, key, the file
	 * provider's log) is not readable by other users.  Before anything
	 * is opened: every program loads its configuration first. */
	umask(027);
	/* Without -c, a missing default file means the built-in defaults. */
	if (!o->has_config_path && access(path, F_OK) != 0)
		path = NULL;
	if (cfg_load(path, &cfg, &errors) != FP_OK) {
		fprintf(stderr, "%s\n", errors != NULL ? errors :
		    "configuration error");
		free(errors);
		return NULL;
	}
	free(errors);
	return cfg;
}
