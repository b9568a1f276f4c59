/*
 * err.h: the one error type of the project.  Every fallible function
 * returns enum fp_err and hands results out through its last parameters.
 * The layer that handles an error logs it, once.
 */
#ifndef FP_ERR_H
#define FP_ERR_H

enum fp_err {
	FP_OK = 0,
	FP_ENOMEM,	/* allocation failed */
	FP_EINVAL,	/* caller's input is malformed; nothing was changed */
	FP_ENOTFOUND,	/* the thing asked for does not exist */
	FP_EDUP,	/* already seen (idempotency key, event_id) */
	FP_EBUSY,	/* transient: database locked, peer 5xx/timeout */
	FP_EREJECT,	/* permanent refusal by a peer (provider 4xx) */
	FP_EIO,		/* system call failed; errno is meaningful */
	FP_ECONFIG,	/* configuration is invalid */
	FP_ETOOBIG,	/* input exceeds a configured limit */
};

/* Short English text for `err`; never NULL, static storage. */
const char *fp_strerror(enum fp_err err);

#endif
