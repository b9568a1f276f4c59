/*
 * cli.h: what the three programs share on their command line: -c FILE,
 * -v, --check-config (-n), and loading the configuration the way the
 * SPEC asks (every error printed as FILE:LINE: message; the caller exits
 * 78 without touching anything).
 */
#ifndef FP_CLI_H
#define FP_CLI_H

#include <stdbool.h>

#include "cfg.h"

struct cli_opts {
	const char	*config_path;	/* CFG_DEFAULT_PATH unless -c */
	bool		 has_config_path;	/* -c was given */
	bool		 check_only;	/* --check-config or -n */
	bool		 is_verbose;	/* -v */
	int		 next;		/* index of the first operand */
};

/*
 * Parse the common options from argv[1..].  With stop_at_operand, stop at
 * the first argument that is not an option (fupinctl's subcommand);
 * otherwise every argument must be an option.  False on an unknown
 * option or a missing FILE (the caller prints its usage, exits 64).
 */
bool cli_parse(int argc, char **argv, bool stop_at_operand,
    struct cli_opts *o);

/*
 * Load the configuration: the -c file, or the default file if it exists,
 * or the built-in defaults.  On error prints every problem to stderr and
 * returns NULL; the caller exits 78 (EX_CONFIG).
 */
struct cfg *cli_load_config(const struct cli_opts *o);

#endif
