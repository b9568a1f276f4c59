/*
 * api_auth.h: roles and area scope of the admin API tokens (SPEC 3.5):
 * admin may do everything; office may send, broadcast, alert and read
 * and close feedback inside its area; viewer may only GET inside it.
 */
#ifndef FP_API_AUTH_H
#define FP_API_AUTH_H

#include <stdbool.h>

#include "cfg.h"
#include "err.h"
#include "store.h"

/* True when `token` may change data (admin, office). */
bool api_auth_can_write(const struct cfg_token *token);

/*
 * Is the number `e164` inside the token's area?  Admin tokens with no
 * area reach every number; a scoped token reaches the members of
 * households and the cadres whose area code starts with its area.
 * FP_OK yes, FP_EREJECT no.
 */
enum fp_err api_auth_msisdn_in_scope(struct store *st,
    const struct cfg_token *token, const char *e164);

#endif
