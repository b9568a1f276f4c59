/*
 * smpp_concat.h: the parts of a long MO put back together (SPEC 11:
 * "MO deliver_sm (concatenated parts reassembled)").  Parts are keyed by
 * sender, recipient, reference and total, as the UDH (IEI 0x00, 0x08)
 * or the sar_* TLVs give them; a part that arrives twice replaces the
 * first and both are acknowledged.  Each part carries opaque tokens
 * (the link's deliver_sm sequence numbers): the link acknowledges every
 * part of a message only once the whole message is stored, so a crash
 * before that loses nothing (the SMSC delivers the parts again).
 *
 * Bounded: at most `max_msgs` messages waiting, their parts at most
 * SMPP_PAYLOAD_MAX octets each; a part that would need one more is
 * refused (the link asks the SMSC to send it again later).  A message
 * still incomplete after the link's timeout is handed out as it is
 * (smpp_concat_expire: the parts present, in order).  No locking, no
 * clock: the link's thread owns it and passes the time.
 */
#ifndef FP_SMPP_CONCAT_H
#define FP_SMPP_CONCAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "smpp_pdu.h"

struct smpp_concat;

/* One part as received. */
struct smpp_concat_part {
	const char	*from;		/* source_addr, at most 20 */
	uint8_t		 from_ton;
	const char	*to;		/* destination_addr */
	uint8_t		 data_coding;
	unsigned	 ref;
	unsigned	 total;		/* 1..255 */
	unsigned	 seq;		/* 1..total */
	const uint8_t	*data;		/* the part's octets, header removed */
	size_t		 len;		/* at most SMPP_PAYLOAD_MAX */
	uint64_t	 token;		/* acknowledged with the message */
};

/* A whole message (or what came of it); owned by the caller. */
struct smpp_concat_msg {
	char	 from[SMPP_ADDR_MAX];
	uint8_t	 from_ton;
	char	 to[SMPP_ADDR_MAX];
	uint8_t	 data_coding;	/* the first part's */
	uint8_t	*data;		/* the parts' octets in order, owned */
	size_t	 len;
	uint64_t *tokens;	/* every part's, owned */
	size_t	 n_tokens;
	bool	 is_partial;	/* expired with parts missing */
};

/* NULL when out of memory.  smpp_concat_free(NULL) is a no-op; what is
 * still waiting is dropped (never acknowledged: the SMSC sends it
 * again). */
struct smpp_concat *smpp_concat_new(size_t max_msgs);
void smpp_concat_free(struct smpp_concat *c);

/*
 * Add a part received at now_ns.  FP_OK: kept, and when it completes
 * its message *out is that message (else NULL).  FP_EBUSY: no room for
 * another message.  FP_EINVAL: seq or total out of range, or a message
 * of that key with another total.  FP_ENOMEM.
 */
enum fp_err smpp_concat_add(struct smpp_concat *c,
    const struct smpp_concat_part *p, int64_t now_ns,
    struct smpp_concat_msg **out);

/* One message whose first part arrived before before_ns, removed and
 * returned (is_partial), or NULL when none. */
struct smpp_concat_msg *smpp_concat_expire(struct smpp_concat *c,
    int64_t before_ns);

/* The first part's arrival of the oldest waiting message; -1: none. */
int64_t smpp_concat_oldest(const struct smpp_concat *c);

/* Messages waiting. */
size_t smpp_concat_count(const struct smpp_concat *c);

void smpp_concat_msg_free(struct smpp_concat_msg *m);

#endif
