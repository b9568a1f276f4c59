/*
 * err.c: text for enum fp_err.
 */
#include "err.h"

const char *
fp_strerror(enum fp_err err)
{
	switch (err) {
	case FP_OK:		return "success";
	case FP_ENOMEM:		return "out of memory";
	case FP_EINVAL:		return "invalid input";
	case FP_ENOTFOUND:	return "not found";
	case FP_EDUP:		return "duplicate";
	case FP_EBUSY:		return "temporarily unavailable";
	case FP_EREJECT:	return "rejected by peer";
	case FP_EIO:		return "input/output error";
	case FP_ECONFIG:	return "configuration error";
	case FP_ETOOBIG:	return "too large";
	}
	return "unknown error";
}
