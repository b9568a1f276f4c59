/*
 * fupinctl.c: the admin CLI's entry point: options, configuration (exit
 * 78 on error, nothing touched), then one subcommand per ctl_*.c file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl.h"
#include "log.h"

static const struct {
	const char	*name;
	int		(*run)(const struct cfg *, int, char **);
	const char	*help;
} commands[] = {
	{ "migrate", ctl_migrate, "migrate [--to N]      bring the database "
	    "schema up to date" },
	{ "import", ctl_import, "import KIND FILE.csv [--strict]\n"
	    "                        load registry records; KIND: households, "
	    "members,\n                        cadres, enrollments, trainings,"
	    " payments" },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: fupinctl [-c FILE] [-v] COMMAND [ARGS]\n"
	    "       fupinctl [-c FILE] --check-config\n"
	    "       fupinctl version\ncommands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(stderr, "  %s\n", commands[i].help);
	return EX_USAGE;
}

int
main(int argc, char **argv)
{
	const char *path = CFG_DEFAULT_PATH;
	bool explicit_path = false, check_only = false, verbose = false;
	struct cfg *cfg = NULL;
	char *errors = NULL;
	int i, rc;
	size_t c;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
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
	if (!check_only && i < argc && strcmp(argv[i], "version") == 0) {
		printf("fupinctl %s (%s)\n", FP_VERSION, FP_GIT_REV);
		return EX_OK;
	}
	if (!check_only && i >= argc)
		return usage();
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
	log_init("fupinctl", verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	rc = -1;
	for (c = 0; c < N_COMMANDS; c++)
		if (strcmp(argv[i], commands[c].name) == 0)
			rc = commands[c].run(cfg, argc - i, argv + i);
	cfg_free(cfg);
	return rc < 0 ? usage() : rc;
}
