/*
 * smpp_pdu.h: the SMPP 3.4 PDUs of our transceiver (SPEC 11), bytes in
 * and out, and what we read in them.  Packing and unpacking are
 * Debian's libsmpp34; what is ours is around it:
 *
 *   - every PDU from the network is walked here first (lengths, C-octet
 *     strings terminated inside their field, TON/NPI and status values
 *     libsmpp34 knows, each TLV's length the size libsmpp34 will read, at
 *     most SMPP_TLV_MAX TLVs), so libsmpp34 never reads past a buffer,
 *     never fails half-way through its TLV list (where it would leak),
 *     never misreads a short TLV and never writes past its own 2 KiB
 *     log (which many TLVs would make it do);
 *   - libsmpp34 writes its diagnostics into one global buffer through a
 *     global pointer: calls are serialised by a lock here, so links on
 *     several threads may pack and unpack at once;
 *   - receipts (receipted_message_id and message_state TLVs, or the
 *     "id:... stat:..." text of SMPP 3.4 Appendix B), the user data
 *     header's concatenation elements, and the meaning of a status.
 *
 * Pure apart from that lock: no I/O, no clock, no allocation kept.
 * smpp_link.c and provider_smpp.c use it; tests/fuzz/fuzz_smpp.c fuzzes
 * the reading half.
 */
#ifndef FP_SMPP_PDU_H
#define FP_SMPP_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dlr.h"
#include "err.h"

#define SMPP_HEADER_LEN		16
#define SMPP_PDU_MAX		8192	/* longer PDUs end the connection */
#define SMPP_ADDR_MAX		21	/* C-octet, NUL included */
#define SMPP_MSGID_MAX		65	/* C-octet, NUL included */
#define SMPP_SM_MAX		254	/* short_message octets */
#define SMPP_PAYLOAD_MAX	1024	/* message_payload as libsmpp34 reads */
#define SMPP_TLV_MAX		16	/* TLVs in a PDU we read (smpp_pdu.c:
					 * libsmpp34's log would overflow) */

/* Command ids (SMPP 3.4 5.1.2.1), as libsmpp34 names them. */
#define SMPP_GENERIC_NACK		0x80000000u
#define SMPP_BIND_TRANSCEIVER		0x00000009u
#define SMPP_BIND_TRANSCEIVER_RESP	0x80000009u
#define SMPP_SUBMIT_SM			0x00000004u
#define SMPP_SUBMIT_SM_RESP		0x80000004u
#define SMPP_DELIVER_SM			0x00000005u
#define SMPP_DELIVER_SM_RESP		0x80000005u
#define SMPP_UNBIND			0x00000006u
#define SMPP_UNBIND_RESP		0x80000006u
#define SMPP_ENQUIRE_LINK		0x00000015u
#define SMPP_ENQUIRE_LINK_RESP		0x80000015u

/* Statuses (5.1.3) we answer with or act on. */
#define SMPP_ROK		0x00000000u
#define SMPP_RINVCMDLEN		0x00000002u
#define SMPP_RINVCMDID		0x00000003u
#define SMPP_RSYSERR		0x00000008u
#define SMPP_RMSGQFUL		0x00000014u
#define SMPP_RTHROTTLED		0x00000058u
#define SMPP_RX_T_APPN		0x00000064u	/* temporary: redeliver */
#define SMPP_RX_P_APPN		0x00000065u	/* permanent: do not */

/* esm_class bits (5.2.12). */
#define SMPP_ESM_UDHI		0x40u
#define SMPP_ESM_TYPE_MASK	0x3Cu
#define SMPP_ESM_RECEIPT	0x04u	/* SMSC delivery receipt */
#define SMPP_ESM_INTERMEDIATE	0x20u	/* intermediate notification */

struct smpp_header {
	uint32_t len;
	uint32_t id;
	uint32_t status;
	uint32_t seq;
};

/* The header of b[0..SMPP_HEADER_LEN) (host order). */
void smpp_header_get(const uint8_t *b, struct smpp_header *h);

/* ---- out --------------------------------------------------------------- */

struct smpp_bind {
	const char *system_id;		/* at most 15 */
	const char *password;		/* at most 8 */
	const char *system_type;	/* at most 12 */
};

struct smpp_submit {
	char	 source_addr[SMPP_ADDR_MAX];
	uint8_t	 source_ton, source_npi;
	char	 dest_addr[SMPP_ADDR_MAX];
	uint8_t	 dest_ton, dest_npi;
	uint8_t	 esm_class;		/* SMPP_ESM_UDHI with a UDH */
	uint8_t	 data_coding;		/* 0 GSM-7, 8 UCS-2 */
	uint8_t	 registered_delivery;	/* 1: a receipt, either way */
	char	 validity[17];		/* "" or "YYMMDDhhmmss000R" */
	uint8_t	 sm[SMPP_SM_MAX];	/* UDH then the text's octets */
	size_t	 sm_len;
};

/*
 * Pack a PDU with sequence number `seq` (> 0) into buf[0..cap); return
 * its length, or 0 when a field is too long or cap too short (cap must
 * exceed the PDU by one octet: libsmpp34's rule).  Thread-safe.
 */
size_t smpp_pack_bind(uint8_t *buf, size_t cap, uint32_t seq,
    const struct smpp_bind *b);
size_t smpp_pack_submit(uint8_t *buf, size_t cap, uint32_t seq,
    const struct smpp_submit *s);
/* A PDU of a header only: enquire_link(_resp), unbind(_resp),
 * generic_nack. */
size_t smpp_pack_header(uint8_t *buf, size_t cap, uint32_t id,
    uint32_t status, uint32_t seq);
size_t smpp_pack_deliver_resp(uint8_t *buf, size_t cap, uint32_t status,
    uint32_t seq);

/*
 * A relative validity period (5.2.24, "YYMMDDhhmmss000R") of `seconds`
 * (capped at 99 days) into out[17].
 */
void smpp_validity(int64_t seconds, char out[17]);

/* ---- in ---------------------------------------------------------------- */

/*
 * A submit_sm_resp or bind_transceiver_resp, pdu[0..len) with len the
 * header's.  With status 0 its body is walked and unpacked: the message
 * id (submit_sm_resp) or the SMSC's system_id (bind_transceiver_resp)
 * goes to id[SMPP_MSGID_MAX].  A non-zero status needs no body (id is
 * ""): the status is the answer.  FP_EINVAL: malformed.
 */
enum fp_err smpp_parse_resp(const uint8_t *pdu, size_t len,
    char id[SMPP_MSGID_MAX]);

/* What we use of a deliver_sm. */
struct smpp_deliver {
	uint8_t	 source_ton, source_npi;
	char	 source_addr[SMPP_ADDR_MAX];
	char	 dest_addr[SMPP_ADDR_MAX];
	uint8_t	 esm_class;
	uint8_t	 data_coding;
	uint8_t	 sm[SMPP_PAYLOAD_MAX];	/* short_message, or the
					 * message_payload TLV when
					 * short_message is empty */
	size_t	 sm_len;
	char	 receipted_id[SMPP_MSGID_MAX];	/* "" when absent */
	int	 message_state;		/* -1 when absent */
	char	 network_error[16];	/* "type:code" hex, "" when absent */
	int	 sar_ref;		/* -1 when absent (TLV concatenation) */
	int	 sar_total;
	int	 sar_seq;
};

/*
 * Walk, then unpack with libsmpp34, the deliver_sm pdu[0..len) (len the
 * header's) into *d.  FP_EINVAL: malformed (our walk refused it; answer
 * it, it will not get better).  FP_EIO: our walk passed what libsmpp34
 * then refused: a bug of ours (the fuzz harness aborts on it).
 */
enum fp_err smpp_parse_deliver(const uint8_t *pdu, size_t len,
    struct smpp_deliver *d);

/* A delivery receipt's text (SMPP 3.4 Appendix B), what we use of it. */
struct smpp_receipt {
	char	 id[SMPP_MSGID_MAX];	/* "id:" */
	char	 stat[8];		/* "stat:", e.g. "DELIVRD" */
	char	 err[8];		/* "err:", e.g. "000" */
};

/*
 * Read "id:... stat:... err:..." in text[0..len) (keys in any case, in
 * any order, before "text:").  False when there is no id.  Fields not
 * found are "".  Never reads past len.
 */
bool smpp_receipt_parse(const char *text, size_t len, struct smpp_receipt *r);

/*
 * What a receipt says, as Kannel reads one: message_state (>= 0: the
 * TLV's) 2 delivered, 1 and 6 sent, else failed; or else the stat
 * word: DELIVRD delivered, ACCEPTD, ACKED, BUFFRED, BUFFERD, ENROUTE
 * sent, anything else failed.  False when there is neither.
 */
bool smpp_receipt_state(int message_state, const char *stat,
    enum dlr_state *out);

/* A concatenation information element of a user data header. */
struct smpp_concat_ie {
	unsigned ref;		/* 8- or 16-bit reference */
	unsigned total;		/* 1..255 */
	unsigned seq;		/* 1..total */
};

/*
 * The user data header at the start of sm[0..len) (esm_class UDHI):
 * *hdr_len gets its length (UDHL + 1); when it holds a valid
 * concatenation element (IEI 0x00, 8-bit reference, or 0x08, 16-bit),
 * *c is filled and *has_concat set.  False: the header runs past len
 * or an element past the header.
 */
bool smpp_udh_parse(const uint8_t *sm, size_t len, size_t *hdr_len,
    struct smpp_concat_ie *c, bool *has_concat);

/* What a status means for a submit. */
enum smpp_class {
	SMPP_CLASS_OK,
	SMPP_CLASS_THROTTLED,	/* RTHROTTLED, RMSGQFUL: slow down, again */
	SMPP_CLASS_TRANSIENT,	/* retry later */
	SMPP_CLASS_PERMANENT,	/* the message is refused: failed */
};
enum smpp_class smpp_status_class(uint32_t status);

/* "ESME_RTHROTTLED", or "0x00000400" for a status libsmpp34 does not
 * name, into buf[48]; returns buf. */
const char *smpp_status_name(uint32_t status, char buf[48]);

#endif
