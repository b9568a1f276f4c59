/*
 * cfg_mt.h: private to cfg_load.c and cfg_mt.c.  The cross-field checks
 * of outgoing routing (issue 16): the mt_routes rules and each provider's
 * failover, run after the key table has filled struct cfg.
 */
#ifndef FP_CFG_MT_H
#define FP_CFG_MT_H

#include <libconfig.h>

#include "cfg.h"
#include "cfg_walk.h"

/*
 * Check cfg->mt_routes and every provider's failover against the
 * configured providers, reporting each problem through c at its line
 * (root: the parsed file, or NULL for the built-in defaults): a rule or a
 * failover naming no configured provider, a failover to the provider
 * itself, failover_after without failover, an empty prefix list, a
 * prefix that is not "+" and digits, and a rule or prefix that can never
 * match (after the default rule, or behind an earlier prefix).  When the
 * last rule has no prefixes it is the default: sms.provider becomes its
 * provider, and an sms.provider written in the file that names another
 * is an error.  Run before the sms.provider check.
 */
void cfg_mt_check(struct cfg_ctx *c, struct cfg *cfg, config_setting_t *root);

#endif
