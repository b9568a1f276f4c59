/*
 * ctl.h: fupinctl's subcommands, one file each (ctl_*.c).  Each takes the
 * loaded configuration and its own arguments (argv[0] is the subcommand
 * name) and returns the process exit code (sysexits.h, SPEC section 2).
 */
#ifndef FP_CTL_H
#define FP_CTL_H

#include <json-c/json.h>

#include "cfg.h"
#include "store.h"

/* fupinctl migrate [--to N] */
int ctl_migrate(const struct cfg *cfg, int argc, char **argv);

/* fupinctl import KIND FILE.csv [--strict] */
int ctl_import(const struct cfg *cfg, int argc, char **argv);

/* fupinctl broadcast create|list|status|cancel ... */
int ctl_broadcast(const struct cfg *cfg, int argc, char **argv);

/* fupinctl alert ... */
int ctl_alert(const struct cfg *cfg, int argc, char **argv);

/* fupinctl feedback list|close ... */
int ctl_feedback(const struct cfg *cfg, int argc, char **argv);

/* fupinctl stats [--json] */
int ctl_stats(const struct cfg *cfg, int argc, char **argv);

/* fupinctl phone NUMBER [CODE] */
int ctl_phone(const struct cfg *cfg, int argc, char **argv);

/* fupinctl user add|list|passwd|disable|enable ... */
int ctl_user(const struct cfg *cfg, int argc, char **argv);

/* fupinctl templates check | export | import (ctl_templates.c) */
int ctl_templates(const struct cfg *cfg, int argc, char **argv);

/* --json output, pretty-printed; a field's text for tables ("-" for
 * none).  In ctl_broadcast.c. */
void ctl_print_json(struct json_object *o);
const char *ctl_json_str(struct json_object *o, const char *key);

/*
 * Open the configured database and bring it to the latest schema, with
 * the configured extra programs.  Logs and returns FP_EIO/FP_EBUSY/...
 * on failure (callers exit 69).
 */
enum fp_err ctl_open_store(const struct cfg *cfg, struct store **out);

#endif
