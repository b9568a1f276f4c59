/*
 * cmpp_codec.h: the PDUs of China Mobile's CMPP 2.0 (China Mobile Peer to
 * Peer, the SP <-> ISMG protocol of 中国移动通信互联网短信网关接口协议
 * V2.0), bytes in and structs out, and structs in and bytes out.  Pure:
 * no I/O, no allocation, no clock (the caller passes `now`), no log.
 * provider_cmpp.c runs the link with it; tests/fuzz/fuzz_cmpp.c feeds
 * the decoder hostile bytes.
 *
 * Every PDU is a 12-byte header (Total_Length, Command_Id, Sequence_Id,
 * big-endian unsigned 32-bit) and a body.  Octet strings are fixed-width,
 * NUL-padded on the right; decoded ones are NUL-terminated copies with
 * the padding dropped.  The decoder checks Total_Length against the
 * bytes given and each body's exact length (a DELIVER's or SUBMIT's from
 * its own length fields) before it reads a field, so no input makes it
 * read outside buf[0..len).
 */
#ifndef FP_CMPP_CODEC_H
#define FP_CMPP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CMPP_HEADER_LEN		12
#define CMPP_PDU_MAX		4096	/* larger Total_Length: the peer is
					 * broken or hostile */
#define CMPP_VERSION_20		0x20

/* Command_Id. */
#define CMPP_CONNECT		0x00000001u
#define CMPP_CONNECT_RESP	0x80000001u
#define CMPP_TERMINATE		0x00000002u
#define CMPP_TERMINATE_RESP	0x80000002u
#define CMPP_SUBMIT		0x00000004u
#define CMPP_SUBMIT_RESP	0x80000004u
#define CMPP_DELIVER		0x00000005u
#define CMPP_DELIVER_RESP	0x80000005u
#define CMPP_ACTIVE_TEST	0x00000008u
#define CMPP_ACTIVE_TEST_RESP	0x80000008u

/* Msg_Fmt. */
#define CMPP_FMT_ASCII		0
#define CMPP_FMT_BINARY		4
#define CMPP_FMT_UCS2		8
#define CMPP_FMT_GB		15

/* CONNECT_RESP Status. */
#define CMPP_STATUS_OK		0
#define CMPP_STATUS_BAD_AUTH	3

/* SUBMIT_RESP and DELIVER_RESP Result. */
#define CMPP_RESULT_OK		0
#define CMPP_RESULT_FLOW	8	/* flow control: slow down */
#define CMPP_RESULT_OTHER	9

#define CMPP_CONTENT_MAX	255	/* Msg_Length is one octet */
#define CMPP_TEXT_ASCII_MAX	160	/* Msg_Fmt 0: 160 GSM-7 characters
					 * (the 2.0 text says "< 160
					 * bytes"; ISMGs take 160) */
#define CMPP_TEXT_MAX		140	/* any other Msg_Fmt */
#define CMPP_DEST_MAX		100	/* DestUsr_tl, at most */
#define CMPP_TERMINAL_LEN	21	/* *_terminal_Id, Dest_Id, Src_Id */
#define CMPP_REPORT_LEN		60	/* a status report's Msg_Content */
#define CMPP_UDH_LEN		6	/* 05 00 03 ref total seq */
#define CMPP_PARTS_MAX		255

struct cmpp_connect {
	char	 source_addr[7];
	uint8_t	 authenticator[16];	/* AuthenticatorSource */
	uint8_t	 version;
	uint32_t timestamp;		/* MMDDHHMMSS as a number */
};

struct cmpp_connect_resp {
	uint8_t	 status;
	uint8_t	 authenticator[16];	/* AuthenticatorISMG */
	uint8_t	 version;
};

struct cmpp_submit {
	uint64_t msg_id;		/* 0 from the SP: the ISMG fills it */
	uint8_t	 pk_total;
	uint8_t	 pk_number;
	uint8_t	 registered_delivery;
	uint8_t	 msg_level;
	char	 service_id[11];
	uint8_t	 fee_usertype;
	char	 fee_terminal_id[CMPP_TERMINAL_LEN + 1];
	uint8_t	 tp_pid;
	uint8_t	 tp_udhi;
	uint8_t	 msg_fmt;
	char	 msg_src[7];
	char	 fee_type[3];
	char	 fee_code[7];
	char	 valid_time[18];
	char	 at_time[18];
	char	 src_id[CMPP_TERMINAL_LEN + 1];
	uint8_t	 n_dest;		/* DestUsr_tl, 1..CMPP_DEST_MAX */
	char	 dest[CMPP_DEST_MAX][CMPP_TERMINAL_LEN + 1];
	uint8_t	 msg_length;
	uint8_t	 content[CMPP_CONTENT_MAX];
};

struct cmpp_submit_resp {
	uint64_t msg_id;
	uint8_t	 result;
};

/* A status report: a DELIVER's Msg_Content when Registered_Delivery = 1. */
struct cmpp_report {
	uint64_t msg_id;		/* the SUBMIT_RESP's Msg_Id */
	char	 stat[8];		/* "DELIVRD", "UNDELIV", ... */
	char	 submit_time[11];	/* YYMMDDHHMM */
	char	 done_time[11];
	char	 dest_terminal_id[CMPP_TERMINAL_LEN + 1];
	uint32_t smsc_sequence;
};

struct cmpp_deliver {
	uint64_t msg_id;
	char	 dest_id[CMPP_TERMINAL_LEN + 1];
	char	 service_id[11];
	uint8_t	 tp_pid;
	uint8_t	 tp_udhi;
	uint8_t	 msg_fmt;
	char	 src_terminal_id[CMPP_TERMINAL_LEN + 1];
	uint8_t	 registered_delivery;
	uint8_t	 msg_length;
	uint8_t	 content[CMPP_CONTENT_MAX];
	bool	 is_report;		/* registered_delivery 1: `report` */
	struct cmpp_report report;
	/* An MO part (TP_udhi 1 with a concatenation element, 8- or 16-bit
	 * reference): which; the text is content[text_off..msg_length). */
	bool	 has_concat;
	uint16_t concat_ref;
	uint8_t	 concat_total;		/* >= 1 */
	uint8_t	 concat_seq;		/* 1..concat_total */
	uint8_t	 text_off;		/* after the UDH; 0 without one */
};

struct cmpp_deliver_resp {
	uint64_t msg_id;
	uint8_t	 result;
};

struct cmpp_pdu {
	uint32_t total_length;
	uint32_t command_id;
	uint32_t sequence_id;
	union {
		struct cmpp_connect	 connect;
		struct cmpp_connect_resp connect_resp;
		struct cmpp_submit	 submit;
		struct cmpp_submit_resp	 submit_resp;
		struct cmpp_deliver	 deliver;
		struct cmpp_deliver_resp deliver_resp;
	} u;
};

/*
 * Framing: the length of the PDU that starts at buf, once its first 4
 * bytes have arrived (*pdu_len 0 while len < 4: read more).  FP_EINVAL
 * when Total_Length is below CMPP_HEADER_LEN or above CMPP_PDU_MAX (the
 * link must be dropped: no later byte can be trusted to start a PDU).
 */
enum fp_err cmpp_frame(const uint8_t *buf, size_t len, size_t *pdu_len);

/*
 * Decode the whole PDU buf[0..len) (len as cmpp_frame said) into *out.
 * FP_EINVAL: Total_Length is not len, a body has the wrong length for
 * its command or its own length fields, or a field is out of its range
 * (DestUsr_tl 0 or over 100, a report's Msg_Length not 60); *out holds
 * the header then.  FP_ENOTFOUND: a command this codec does not know
 * (CMPP_QUERY, CMPP_CANCEL, ...): the header is decoded, the body not.
 * A DELIVER with TP_udhi 1 whose UDH does not fit its Msg_Content is
 * FP_EINVAL; one with a UDH but no concatenation element is decoded with
 * has_concat false and text_off after the UDH.
 */
enum fp_err cmpp_decode(const uint8_t *buf, size_t len, struct cmpp_pdu *out);

/*
 * The CONNECT timestamp for the Unix time `now`: MMDDHHMMSS in China
 * Standard Time (Asia/Shanghai is UTC+8 all year and has had no daylight
 * saving time since 1991), e.g. 0921221320 for 2026-09-21T14:13:20Z.
 */
uint32_t cmpp_timestamp(int64_t now);

/*
 * AuthenticatorSource = MD5(Source_Addr + 9 zero bytes + shared secret +
 * the timestamp as 10 ASCII digits).  FP_EINVAL: source_addr longer than
 * 6; FP_ENOMEM: libcrypto failed.
 */
enum fp_err cmpp_auth_source(const char *source_addr, const uint8_t *secret,
    size_t secret_len, uint32_t timestamp, uint8_t out[16]);

/* AuthenticatorISMG = MD5(Status + AuthenticatorSource + shared secret). */
enum fp_err cmpp_auth_ismg(uint8_t status, const uint8_t auth_source[16],
    const uint8_t *secret, size_t secret_len, uint8_t out[16]);

/*
 * Encoders: write the PDU with Sequence_Id `seq` into buf[0..cap) and
 * return its length, or 0 when cap is too small or a field does not fit
 * its width (nothing useful is in buf then).
 */
size_t cmpp_encode_connect(uint8_t *buf, size_t cap, uint32_t seq,
    const struct cmpp_connect *c);
/* s->n_dest dest[] and s->msg_length content[] are written. */
size_t cmpp_encode_submit(uint8_t *buf, size_t cap, uint32_t seq,
    const struct cmpp_submit *s);
size_t cmpp_encode_deliver_resp(uint8_t *buf, size_t cap, uint32_t seq,
    uint64_t msg_id, uint8_t result);
/* ACTIVE_TEST, TERMINATE, TERMINATE_RESP: a header alone. */
size_t cmpp_encode_empty(uint8_t *buf, size_t cap, uint32_t command_id,
    uint32_t seq);
size_t cmpp_encode_active_test_resp(uint8_t *buf, size_t cap, uint32_t seq);

/* One short message of a text, as a SUBMIT carries it. */
struct cmpp_part {
	uint8_t	 msg_fmt;		/* CMPP_FMT_ASCII or CMPP_FMT_UCS2 */
	uint8_t	 tp_udhi;		/* 1 when content starts with a UDH */
	uint8_t	 len;
	uint8_t	 content[CMPP_TEXT_ASCII_MAX];
};

/*
 * Split the UTF-8 text[0..len) into the parts a SUBMIT sequence carries,
 * counted as gsm.c counts segments (SPEC 4): a text of printable ASCII
 * that fits GSM 7-bit (the extension characters ^{}\[~]| count 2) goes
 * as Msg_Fmt 0, up to 160 septets whole (and CMPP_TEXT_ASCII_MAX bytes),
 * else 153 per part; any other text as UCS-2 (UTF-16BE), 70 units
 * whole, else 67 per part, never splitting a surrogate pair.  Parts of a
 * longer text start with the UDH 05 00 03 <ref> <total> <k>.
 * parts[0..*n) are written.  FP_EINVAL: not UTF-8 or empty; FP_ETOOBIG:
 * more than max (or CMPP_PARTS_MAX) parts.
 */
enum fp_err cmpp_text_parts(const char *text, size_t len, uint8_t ref,
    struct cmpp_part *parts, size_t max, size_t *n);

/*
 * UTF-8 for the bytes of an MO in Msg_Fmt fmt: UCS-2 (8) as UTF-16BE
 * with pairs joined, ASCII (0) and anything else byte by byte.  What
 * cannot be decoded (an odd last byte, a lone surrogate, a byte over
 * 0x7f outside UCS-2) and NUL characters become U+FFFD, so the result is
 * always valid UTF-8 without a NUL.  GB text (15) is the caller's to
 * convert (iconv); here it is decoded as ASCII.  Writes at most cap - 1
 * bytes and a NUL into out, cutting between characters; returns the
 * length written.
 */
size_t cmpp_text_utf8(uint8_t fmt, const uint8_t *in, size_t len, char *out,
    size_t cap);

/* A Msg_Id as its decimal digits (the provider id stored and shown). */
#define CMPP_MSGID_MAX	21
void cmpp_msgid_format(uint64_t msg_id, char out[CMPP_MSGID_MAX]);

#endif
