/*
 * cfg_walk.h: private to cfg_load.c and cfg_walk.c.  cfg_walk.c walks the key
 * table of cfg_keys.c over a parsed libconfig file; cfg_load.c runs a load
 * (parse, walk, cross-field pass) and collects its errors.  What they
 * share: the state of one load and the error reporter.
 */
#ifndef FP_CFG_WALK_H
#define FP_CFG_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>

#include "cfg_keys.h"

#if defined(__GNUC__)
#define CFG_PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define CFG_PRINTFLIKE(f, a)
#endif

/* One error: sorted by file and line before it is handed out. */
struct cfg_err_line {
	const char *file;	/* borrowed from the config or the ctx */
	unsigned line;		/* 0: about the whole file */
	size_t	 seq;		/* order found, for equal lines */
	char	*text;		/* "FILE:LINE: message", owned */
};

/* The state of one load: the errors so far. */
struct cfg_ctx {
	const char *file;	/* for settings that name no file */
	struct cfg_err_line *errs;
	size_t	 n_err;
	size_t	 cap_err;
	bool	 oom;		/* an allocation failed: the load fails */
};

/*
 * Record one error at the setting `at`: its file (c->file when libconfig
 * knows none) and line; at == NULL gives "FILE: message".  Out of memory
 * sets c->oom.
 */
void cfg_errf(struct cfg_ctx *c, const config_setting_t *at,
    const char *fmt, ...) CFG_PRINTFLIKE(3, 4);

/* Record "FILE:LINE: msg" (line 0: "FILE: msg") as it is. */
void cfg_err_append(struct cfg_ctx *c, const char *file, unsigned line,
    const char *msg);

/*
 * Fill `base` (a struct cfg for cfg_keys_root) from the keys of `tab`
 * found in the group `grp`, the defaults for the others (grp == NULL:
 * all defaults), reporting unknown keys and bad values through c.
 * (cfg_walk.c)
 */
void cfg_walk_table(struct cfg_ctx *c, const struct cfg_key *tab,
    config_setting_t *grp, void *base);

/* Free what the rows of `tab` allocated in `base`; base stays. */
void cfg_walk_free(const struct cfg_key *tab, void *base);

#endif
