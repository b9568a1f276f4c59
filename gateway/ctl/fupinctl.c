/*
 * fupinctl.c: the admin CLI's entry point: options, configuration (exit
 * 78 on error, nothing touched), then one subcommand per ctl_*.c file.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cfg.h"
#include "cli.h"
#include "ctl.h"
#include "log.h"
#include "schedule.h"

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
	{ "broadcast", ctl_broadcast, "broadcast create|list|status|cancel "
	    "...  notices to an audience" },
	{ "alert", ctl_alert, "alert (--cadre ID... | --area A) --text T ...  "
	    "task alert to cadres" },
	{ "feedback", ctl_feedback, "feedback list|close ...  feedback "
	    "tickets" },
	{ "stats", ctl_stats, "stats [--json]        counts at a glance" },
	{ "phone", ctl_phone, "phone NUMBER [CODE]   a basic phone on this "
	    "terminal, against the\n                        running gateway's "
	    "USSD menu" },
	{ "user", ctl_user, "user add|list|passwd|disable|enable ...  the "
	    "console's users" },
	{ "templates", ctl_templates, "templates check       check menus and "
	    "texts in every language, and\n                        the "
	    "translations' coverage\n"
	    "  templates export --lang LANG [--format po|pot]\n"
	    "                        a language's texts as a PO file, for "
	    "translators\n"
	    "  templates import FILE.po [--dry-run]\n"
	    "                        a translator's PO file back, every text "
	    "checked first" },
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
	struct cli_opts opts;
	struct cfg *cfg;
	int i, rc;
	size_t c;

	if (!cli_parse(argc, argv, true, &opts))
		return usage();
	i = opts.next;
	if (!opts.check_only && i < argc && strcmp(argv[i], "version") == 0) {
		printf("fupinctl %s (%s)\n", FP_VERSION, FP_GIT_REV);
		return EX_OK;
	}
	if (!opts.check_only && i >= argc)
		return usage();
	cfg = cli_load_config(&opts);
	if (cfg == NULL)
		return EX_CONFIG;
	if (opts.check_only) {
		printf("%s: configuration OK\n", cfg->file);
		cfg_free(cfg);
		return EX_OK;
	}
	log_init("fupinctl", opts.is_verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	/* Local time is the schedule's, as in the gateway: quiet hours,
	 * an alert's due time, "today". */
	schedule_use_timezone(cfg);
	rc = -1;
	for (c = 0; c < N_COMMANDS; c++)
		if (strcmp(argv[i], commands[c].name) == 0)
			rc = commands[c].run(cfg, argc - i, argv + i);
	cfg_free(cfg);
	return rc < 0 ? usage() : rc;
}
