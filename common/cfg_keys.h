/*
 * cfg_keys.h: private to cfg_load.c and cfg_keys.c.  The shape of one row of
 * the key table: every configuration key is one struct cfg_key saying its
 * name, type, range, default and where its value goes.  The table is the
 * parser, the validator and the defaults (STYLE section 6); cfg_load.c walks it
 * and knows no key by name except in the short cross-field pass.
 */
#ifndef FP_CFG_KEYS_H
#define FP_CFG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cfg_type {
	CFG_STR,	/* char *: a string, bounded by .min/.max bytes when
			 * .max > 0, one of .names when set, then .check */
	CFG_INT,	/* int: an integer in [.min, .max] */
	CFG_INT64,	/* int64_t: an integer in [.min, .max] */
	CFG_SPAN,	/* int seconds: an integer or "90s", "3m", "1h", "2d",
			 * in [.min, .max] seconds */
	CFG_BOOL,	/* bool: true or false, never a string */
	CFG_ENUM,	/* enum (int-sized): index of the string in .names */
	CFG_GROUP,	/* { ... } holding the .sub keys; their .off are
			 * offsets into the same struct as this row's level */
	CFG_LIST,	/* ( { ... }, ... ): an array of structs, see .list */
	CFG_STRS,	/* char **: [ "a", "b" ], NULL-terminated (NULL when
			 * absent); each string at least .min bytes */
};

/* Row flags. */
#define CFG_REQUIRED	0x01u	/* list element key that must be given */
#define CFG_UNIQUE	0x02u	/* list element key unique in its list; the
				 * key elements are matched by (CFG_STR) */
#define CFG_KIND	0x04u	/* list element CFG_ENUM that decides which
				 * other keys belong (.kinds, .needs) */

/* For rows whose value is only checked or decoded by .check. */
#define CFG_NOFIELD	((size_t)-1)

/*
 * Check a string value and, for keys that fill more than their own field
 * (http.listen, schedule.quiet_hours, token_sha256), decode it into the
 * struct at `base` (the struct the row's .off points into), freeing what
 * an earlier value put there.  Returns NULL when the value is good, else
 * the message that follows the key's name ("must be ..."), static text.
 * Returns CFG_CHECK_ENOMEM when an allocation failed.
 */
typedef const char *cfg_check_fn(const char *value, void *base);
extern const char cfg_check_enomem[];
#define CFG_CHECK_ENOMEM cfg_check_enomem

struct cfg_key;

struct cfg_list {
	size_t	 elem_size;	/* sizeof the element struct */
	size_t	 off_n;		/* offset of the size_t element count */
	const char *noun;	/* "provider": for messages */
	const char *def;	/* default elements, libconfig list syntax */
	bool	 adds;		/* given elements add to .def instead of
				 * replacing it; one whose CFG_UNIQUE key
				 * repeats a default replaces that default */
};

struct cfg_key {
	const char *name;
	enum cfg_type type;
	unsigned flags;
	int64_t	 min, max;
	union {
		const char *s;	/* CFG_STR, CFG_ENUM (a name in .names) */
		int64_t	 i;	/* CFG_INT, CFG_INT64, CFG_SPAN */
		bool	 b;	/* CFG_BOOL */
	} def;
	size_t	 off;		/* offsetof the field, or CFG_NOFIELD */
	const char *const *names;	/* CFG_ENUM; or CFG_STR's values */
	cfg_check_fn *check;	/* CFG_STR: extra check / decoder */
	const struct cfg_key *sub;	/* CFG_GROUP, CFG_LIST: their keys */
	const struct cfg_list *list;	/* CFG_LIST */
	unsigned kinds;		/* element key: bit (1 << kind) for each kind
				 * it belongs to; 0 = every kind */
	unsigned needs;		/* element key: kinds that need it non-empty */
};

/*
 * The root table: the top-level keys, terminated by a row whose name is
 * NULL (as every table is).  Offsets are into struct cfg.
 */
extern const struct cfg_key cfg_keys_root[];

#endif
