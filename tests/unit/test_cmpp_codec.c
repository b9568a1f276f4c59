/*
 * test_cmpp_codec.c: the CMPP 2.0 codec (gateway/send/cmpp_codec.c)
 * against byte vectors written out from the specification's layouts,
 * the authenticators computed from its formulas by hand (Python's
 * hashlib, independently of the code under test), the splitting of texts
 * into short messages (SPEC 4's segment counts), MO text decoding, and a
 * hostile peer's bytes: every truncation, lying lengths and counts, a UDH
 * longer than its message.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmpp_codec.h"
#include "gsm.h"
#include "hex.h"
#include "testutil.h"

/* MD5("901234" + 9 x 00 + "s3cret" + "0921221320"): TU_T0 is
 * 2026-09-21T14:13:20Z, 22:13:20 in Beijing. */
#define AUTH_SRC	"e54e75f71bb213946a64426cdb905880"
/* MD5(00 + AuthenticatorSource + "s3cret") */
#define AUTH_ISMG	"6c0bc16939f9e1a18151af4bd1374638"

/* A SUBMIT of "hello" to 13800000001 from 10690001, SP 901234, Sequence_Id
 * 0x01020304, free, the SP pays, a report asked for: field by field from
 * the 2.0 layout. */
static const char submit_hello[] =
    "000000a4" "00000004" "01020304"
    "0000000000000000"			/* Msg_Id */
    "01" "01" "01" "00"			/* Pk_total Pk_number Reg Level */
    "00000000000000000000"		/* Service_Id */
    "02"				/* Fee_UserType */
    "000000000000000000000000000000000000000000"	/* Fee_terminal_Id */
    "00" "00" "00"			/* TP_pId TP_udhi Msg_Fmt */
    "393031323334"			/* Msg_src 901234 */
    "3031"				/* FeeType 01 */
    "303030303030"			/* FeeCode */
    "0000000000000000000000000000000000"	/* ValId_Time */
    "0000000000000000000000000000000000"	/* At_Time */
    "3130363930303031" "00000000000000000000000000"	/* Src_Id */
    "01"				/* DestUsr_tl */
    "3133383030303030303031" "00000000000000000000"	/* Dest */
    "05" "68656c6c6f"			/* Msg_Length, Msg_Content */
    "0000000000000000";			/* Reserve */

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	ck_assert_uint_le(n, cap);
	ck_assert_int_eq(hex_decode(hex, out, n), FP_OK);
	return n;
}

static void
put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* A DELIVER: header, fixed fields, content, reserve. */
static size_t
deliver_pdu(uint8_t *b, uint64_t msg_id, const char *src, uint8_t fmt,
    uint8_t udhi, uint8_t reg, const uint8_t *content, size_t len)
{
	size_t o = 12, i;

	memset(b, 0, 12 + 65 + len + 8);
	put32(b + 4, CMPP_DELIVER);
	put32(b + 8, 77);
	for (i = 0; i < 8; i++)
		b[o + i] = (uint8_t)(msg_id >> (56 - 8 * i));
	o += 8;
	memcpy(b + o, "10690001", 8);		/* Dest_Id */
	o += 21 + 10;				/* Service_Id */
	b[o++] = 0;				/* TP_pid */
	b[o++] = udhi;
	b[o++] = fmt;
	memcpy(b + o, src, strlen(src));
	o += 21;
	b[o++] = reg;
	b[o++] = (uint8_t)len;
	memcpy(b + o, content, len);
	o += len + 8;
	put32(b, (uint32_t)o);
	return o;
}

START_TEST(connect_is_the_specification_bytes_with_the_md5_authenticator)
{
	struct cmpp_connect c;
	uint8_t buf[64], want[64];
	size_t len, wlen;

	ck_assert_uint_eq(cmpp_timestamp(TU_T0), 921221320u);
	memset(&c, 0, sizeof(c));
	memcpy(c.source_addr, "901234", 7);
	ck_assert_int_eq(cmpp_auth_source("901234",
	    (const uint8_t *)"s3cret", 6, cmpp_timestamp(TU_T0),
	    c.authenticator), FP_OK);
	c.version = CMPP_VERSION_20;
	c.timestamp = cmpp_timestamp(TU_T0);
	len = cmpp_encode_connect(buf, sizeof(buf), 7, &c);
	wlen = unhex("00000027" "00000001" "00000007" "393031323334"
	    AUTH_SRC "20" "36e8b8c8", want, sizeof(want));
	ck_assert_uint_eq(len, 39);
	ck_assert_uint_eq(len, wlen);
	ck_assert_mem_eq(buf, want, len);
	/* Too small a buffer: nothing. */
	ck_assert_uint_eq(cmpp_encode_connect(buf, 38, 7, &c), 0);
}
END_TEST

START_TEST(timestamp_is_beijing_time_across_the_utc_day)
{
	/* 2026-09-21T16:00:00Z is 09-22 00:00:00 in Beijing. */
	ck_assert_uint_eq(cmpp_timestamp(1790006400), 922000000u);
	/* 2026-12-31T15:59:59Z is 12-31 23:59:59; a second later 01-01. */
	ck_assert_uint_eq(cmpp_timestamp(1798732799), 1231235959u);
	ck_assert_uint_eq(cmpp_timestamp(1798732800), 101000000u);
}
END_TEST

START_TEST(connect_resp_decodes_and_the_ismg_authenticator_checks)
{
	struct cmpp_pdu pdu;
	uint8_t buf[64], src[16], ismg[16];
	size_t len;

	len = unhex("0000001e" "80000001" "00000007" "00" AUTH_ISMG "20", buf,
	    sizeof(buf));
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_OK);
	ck_assert_uint_eq(pdu.command_id, CMPP_CONNECT_RESP);
	ck_assert_uint_eq(pdu.sequence_id, 7);
	ck_assert_uint_eq(pdu.u.connect_resp.status, 0);
	ck_assert_uint_eq(pdu.u.connect_resp.version, 0x20);
	unhex(AUTH_SRC, src, sizeof(src));
	ck_assert_int_eq(cmpp_auth_ismg(0, src, (const uint8_t *)"s3cret", 6,
	    ismg), FP_OK);
	ck_assert_mem_eq(ismg, pdu.u.connect_resp.authenticator, 16);
	/* Status 3 (authentication failed) decodes as such. */
	buf[12] = 3;
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_OK);
	ck_assert_uint_eq(pdu.u.connect_resp.status, CMPP_STATUS_BAD_AUTH);
	/* CMPP 3.0's 4-byte status is not 2.0's answer. */
	ck_assert_int_eq(cmpp_decode(buf, len - 1, &pdu), FP_EINVAL);
}
END_TEST

START_TEST(submit_is_the_specification_bytes_and_decodes_back)
{
	struct cmpp_submit s;
	struct cmpp_pdu pdu;
	static uint8_t buf[512], want[512];
	size_t len, wlen;

	memset(&s, 0, sizeof(s));
	s.pk_total = 1;
	s.pk_number = 1;
	s.registered_delivery = 1;
	s.fee_usertype = 2;
	memcpy(s.msg_src, "901234", 7);
	memcpy(s.fee_type, "01", 3);
	memcpy(s.fee_code, "000000", 7);
	memcpy(s.src_id, "10690001", 9);
	s.n_dest = 1;
	memcpy(s.dest[0], "13800000001", 12);
	s.msg_length = 5;
	memcpy(s.content, "hello", 5);
	len = cmpp_encode_submit(buf, sizeof(buf), 0x01020304, &s);
	wlen = unhex(submit_hello, want, sizeof(want));
	ck_assert_uint_eq(len, 164);
	ck_assert_uint_eq(len, wlen);
	ck_assert_mem_eq(buf, want, len);
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_OK);
	ck_assert_uint_eq(pdu.command_id, CMPP_SUBMIT);
	ck_assert_str_eq(pdu.u.submit.dest[0], "13800000001");
	ck_assert_str_eq(pdu.u.submit.src_id, "10690001");
	ck_assert_str_eq(pdu.u.submit.fee_code, "000000");
	ck_assert_uint_eq(pdu.u.submit.msg_length, 5);
	ck_assert_mem_eq(pdu.u.submit.content, "hello", 5);
	/* No room, no destination, too many: nothing. */
	ck_assert_uint_eq(cmpp_encode_submit(buf, 163, 1, &s), 0);
	s.n_dest = 0;
	ck_assert_uint_eq(cmpp_encode_submit(buf, sizeof(buf), 1, &s), 0);
	s.n_dest = CMPP_DEST_MAX + 1;
	ck_assert_uint_eq(cmpp_encode_submit(buf, sizeof(buf), 1, &s), 0);
}
END_TEST

START_TEST(submit_resp_and_deliver_resp)
{
	struct cmpp_pdu pdu;
	uint8_t buf[64], want[64];
	size_t len;

	len = unhex("00000015" "80000004" "01020304" "c4d1f2a00001002a" "08",
	    buf, sizeof(buf));
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_OK);
	ck_assert_uint_eq(pdu.u.submit_resp.msg_id, 0xc4d1f2a00001002aull);
	ck_assert_uint_eq(pdu.u.submit_resp.result, CMPP_RESULT_FLOW);
	len = cmpp_encode_deliver_resp(buf, sizeof(buf), 9,
	    0xc4d1f2a00001002aull, 0);
	ck_assert_uint_eq(len, 21);
	unhex("00000015" "80000005" "00000009" "c4d1f2a00001002a" "00", want,
	    sizeof(want));
	ck_assert_mem_eq(buf, want, 21);
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_OK);
	ck_assert_uint_eq(pdu.u.deliver_resp.msg_id, 0xc4d1f2a00001002aull);
}
END_TEST

START_TEST(active_test_and_terminate_are_headers)
{
	struct cmpp_pdu pdu;
	uint8_t buf[32], want[32];
	size_t len;

	len = cmpp_encode_empty(buf, sizeof(buf), CMPP_ACTIVE_TEST, 5);
	unhex("0000000c" "00000008" "00000005", want, sizeof(want));
	ck_assert_uint_eq(len, 12);
	ck_assert_mem_eq(buf, want, 12);
	len = cmpp_encode_active_test_resp(buf, sizeof(buf), 5);
	unhex("0000000d" "80000008" "00000005" "00", want, sizeof(want));
	ck_assert_uint_eq(len, 13);
	ck_assert_mem_eq(buf, want, 13);
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_OK);
	/* An ACTIVE_TEST_RESP without its Reserved byte is taken too. */
	ck_assert_int_eq(cmpp_decode(want, 12, &pdu), FP_EINVAL);
	put32(want, 12);
	ck_assert_int_eq(cmpp_decode(want, 12, &pdu), FP_OK);
	len = cmpp_encode_empty(buf, sizeof(buf), CMPP_TERMINATE, 6);
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_OK);
	ck_assert_uint_eq(pdu.command_id, CMPP_TERMINATE);
	/* A body where none belongs. */
	put32(buf, 13);
	buf[12] = 0;
	ck_assert_int_eq(cmpp_decode(buf, 13, &pdu), FP_EINVAL);
}
END_TEST

START_TEST(deliver_status_report_decodes_its_60_bytes)
{
	struct cmpp_pdu pdu;
	uint8_t rep[60], buf[256];
	size_t len;

	memset(rep, 0, sizeof(rep));
	rep[0] = 0xc4;
	rep[7] = 0x2a;
	memcpy(rep + 8, "UNDELIV", 7);
	memcpy(rep + 15, "2609212213", 10);
	memcpy(rep + 25, "2609212214", 10);
	memcpy(rep + 35, "13800000001", 11);
	put32(rep + 56, 4242);
	len = deliver_pdu(buf, 99, "13800000001", 0, 0, 1, rep, sizeof(rep));
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_OK);
	ck_assert(pdu.u.deliver.is_report);
	ck_assert_uint_eq(pdu.u.deliver.msg_id, 99);
	ck_assert_uint_eq(pdu.u.deliver.report.msg_id, 0xc40000000000002aull);
	ck_assert_str_eq(pdu.u.deliver.report.stat, "UNDELIV");
	ck_assert_str_eq(pdu.u.deliver.report.submit_time, "2609212213");
	ck_assert_str_eq(pdu.u.deliver.report.done_time, "2609212214");
	ck_assert_str_eq(pdu.u.deliver.report.dest_terminal_id,
	    "13800000001");
	ck_assert_uint_eq(pdu.u.deliver.report.smsc_sequence, 4242);
	/* A report is 60 bytes, no fewer. */
	len = deliver_pdu(buf, 99, "13800000001", 0, 0, 1, rep, 59);
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_EINVAL);
	/* Registered_Delivery is 0 or 1. */
	len = deliver_pdu(buf, 99, "13800000001", 0, 0, 2, rep, 60);
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_EINVAL);
}
END_TEST

START_TEST(deliver_mo_with_8_and_16_bit_concatenation_headers)
{
	static const uint8_t p8[] = { 0x05, 0x00, 0x03, 0x2a, 0x02, 0x01,
	    0x4f, 0x60, 0x59, 0x7d };
	static const uint8_t p16[] = { 0x06, 0x08, 0x04, 0x12, 0x34, 0x03,
	    0x03, 0x00, 0x41 };
	static const uint8_t other[] = { 0x03, 0x0a, 0x01, 0x00, 0x41 };
	struct cmpp_pdu pdu;
	uint8_t buf[256];
	size_t len;

	len = deliver_pdu(buf, 5, "13800000001", 8, 1, 0, p8, sizeof(p8));
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_OK);
	ck_assert(!pdu.u.deliver.is_report);
	ck_assert(pdu.u.deliver.has_concat);
	ck_assert_uint_eq(pdu.u.deliver.concat_ref, 0x2a);
	ck_assert_uint_eq(pdu.u.deliver.concat_total, 2);
	ck_assert_uint_eq(pdu.u.deliver.concat_seq, 1);
	ck_assert_uint_eq(pdu.u.deliver.text_off, 6);
	ck_assert_str_eq(pdu.u.deliver.src_terminal_id, "13800000001");
	ck_assert_str_eq(pdu.u.deliver.dest_id, "10690001");
	len = deliver_pdu(buf, 5, "13800000001", 8, 1, 0, p16, sizeof(p16));
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_OK);
	ck_assert_uint_eq(pdu.u.deliver.concat_ref, 0x1234);
	ck_assert_uint_eq(pdu.u.deliver.concat_total, 3);
	ck_assert_uint_eq(pdu.u.deliver.concat_seq, 3);
	ck_assert_uint_eq(pdu.u.deliver.text_off, 7);
	/* A UDH without concatenation: skipped, no parts. */
	len = deliver_pdu(buf, 5, "13800000001", 0, 1, 0, other,
	    sizeof(other));
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_OK);
	ck_assert(!pdu.u.deliver.has_concat);
	ck_assert_uint_eq(pdu.u.deliver.text_off, 4);
}
END_TEST

START_TEST(hostile_udh_and_counts_are_refused)
{
	/* UDHL 9 in 5 bytes; an element running past the UDH; number 3
	 * of 2 (ignored, as TS 23.040 says). */
	static const uint8_t long_udh[] = { 0x09, 0x00, 0x03, 0x01, 0x02 };
	static const uint8_t long_iel[] = { 0x03, 0x00, 0x05, 0x01, 0x02 };
	static const uint8_t bad_seq[] = { 0x05, 0x00, 0x03, 0x01, 0x02, 0x03,
	    0x41 };
	struct cmpp_pdu pdu;
	uint8_t buf[256];
	size_t len;

	len = deliver_pdu(buf, 5, "1", 0, 1, 0, long_udh, sizeof(long_udh));
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_EINVAL);
	len = deliver_pdu(buf, 5, "1", 0, 1, 0, long_iel, sizeof(long_iel));
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_EINVAL);
	len = deliver_pdu(buf, 5, "1", 0, 1, 0, long_udh, 0);
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_EINVAL);
	len = deliver_pdu(buf, 5, "1", 0, 1, 0, bad_seq, sizeof(bad_seq));
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_OK);
	ck_assert(!pdu.u.deliver.has_concat);
	/* Msg_Length says more than there is. */
	len = deliver_pdu(buf, 5, "1", 0, 0, 0, bad_seq, sizeof(bad_seq));
	buf[12 + 64] = 200;
	ck_assert_int_eq(cmpp_decode(buf, len, &pdu), FP_EINVAL);
}
END_TEST

START_TEST(every_truncation_and_a_lying_length_are_einval)
{
	static uint8_t sub[512], cut[512];
	struct cmpp_pdu pdu;
	size_t len, n;

	len = unhex(submit_hello, sub, sizeof(sub));
	for (n = 0; n < len; n++) {
		/* Total_Length corrected: the body is short. */
		memcpy(cut, sub, n);
		if (n >= 4)
			put32(cut, (uint32_t)n);
		ck_assert_int_eq(cmpp_decode(cut, n, &pdu), FP_EINVAL);
		/* Total_Length left: it does not match. */
		ck_assert_int_eq(cmpp_decode(sub, n, &pdu), FP_EINVAL);
	}
	/* DestUsr_tl 0 or 101. */
	memcpy(cut, sub, len);
	cut[12 + 116] = 0;
	ck_assert_int_eq(cmpp_decode(cut, len, &pdu), FP_EINVAL);
	cut[12 + 116] = 101;
	ck_assert_int_eq(cmpp_decode(cut, len, &pdu), FP_EINVAL);
	/* One byte too many. */
	memcpy(cut, sub, len);
	cut[len] = 0;
	put32(cut, (uint32_t)len + 1);
	ck_assert_int_eq(cmpp_decode(cut, len + 1, &pdu), FP_EINVAL);
	/* Unknown commands: the header only. */
	put32(cut, 12);
	put32(cut + 4, 0x00000006);	/* CMPP_QUERY */
	ck_assert_int_eq(cmpp_decode(cut, 12, &pdu), FP_ENOTFOUND);
	ck_assert_uint_eq(pdu.command_id, 0x00000006);
}
END_TEST

START_TEST(framing_refuses_lengths_out_of_range)
{
	uint8_t b[4] = { 0 };
	size_t n = 99;

	ck_assert_int_eq(cmpp_frame(b, 3, &n), FP_OK);
	ck_assert_uint_eq(n, 0);
	put32(b, 11);
	ck_assert_int_eq(cmpp_frame(b, 4, &n), FP_EINVAL);
	put32(b, CMPP_PDU_MAX + 1);
	ck_assert_int_eq(cmpp_frame(b, 4, &n), FP_EINVAL);
	put32(b, 0xffffffffu);
	ck_assert_int_eq(cmpp_frame(b, 4, &n), FP_EINVAL);
	put32(b, 164);
	ck_assert_int_eq(cmpp_frame(b, 4, &n), FP_OK);
	ck_assert_uint_eq(n, 164);
}
END_TEST

/* ---- texts ---- */

static struct cmpp_part parts[CMPP_PARTS_MAX];

/* The UTF-16BE of the parts' texts, UDHs checked and stripped. */
static size_t
join_parts(size_t n, uint8_t ref, uint8_t *out)
{
	size_t k, len = 0, off;

	for (k = 0; k < n; k++) {
		off = 0;
		if (n > 1) {
			ck_assert_uint_eq(parts[k].tp_udhi, 1);
			ck_assert_uint_eq(parts[k].content[0], 5);
			ck_assert_uint_eq(parts[k].content[1], 0);
			ck_assert_uint_eq(parts[k].content[2], 3);
			ck_assert_uint_eq(parts[k].content[3], ref);
			ck_assert_uint_eq(parts[k].content[4], n);
			ck_assert_uint_eq(parts[k].content[5], k + 1);
			off = CMPP_UDH_LEN;
		} else
			ck_assert_uint_eq(parts[k].tp_udhi, 0);
		memcpy(out + len, parts[k].content + off, parts[k].len - off);
		len += parts[k].len - off;
	}
	return len;
}

START_TEST(chinese_text_goes_as_ucs2_67_per_part_with_udh)
{
	char text[600];
	uint8_t joined[1024];
	struct gsm_count gc;
	size_t n = 0, i, len;

	/* 150 × 扶 (U+6276): 3 parts of 67, 67 and 16. */
	for (i = 0; i < 150; i++)
		memcpy(text + 3 * i, "\xe6\x89\xb6", 3);
	text[450] = '\0';
	ck_assert_int_eq(cmpp_text_parts(text, 450, 0x7f, parts,
	    CMPP_PARTS_MAX, &n), FP_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(gsm_count(text, 450, &gc), FP_OK);
	ck_assert_uint_eq(n, gc.segments);	/* SPEC 4's count */
	ck_assert_uint_eq(parts[0].msg_fmt, CMPP_FMT_UCS2);
	ck_assert_uint_eq(parts[0].len, 6 + 134);
	ck_assert_uint_eq(parts[2].len, 6 + 32);
	len = join_parts(n, 0x7f, joined);
	ck_assert_uint_eq(len, 300);
	for (i = 0; i < 150; i++) {
		ck_assert_uint_eq(joined[2 * i], 0x62);
		ck_assert_uint_eq(joined[2 * i + 1], 0x76);
	}
	/* 70 fit one message, without a UDH. */
	ck_assert_int_eq(cmpp_text_parts(text, 210, 1, parts,
	    CMPP_PARTS_MAX, &n), FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(parts[0].len, 140);
	ck_assert_int_eq(cmpp_text_parts(text, 213, 1, parts,
	    CMPP_PARTS_MAX, &n), FP_OK);
	ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(a_surrogate_pair_is_never_split_between_parts)
{
	char text[600];
	uint8_t joined[1024];
	size_t n = 0, len, o = 0, i;

	/* 66 × 扶, then 😀 (2 units): it does not fit the 67 of part 1. */
	for (i = 0; i < 66; i++, o += 3)
		memcpy(text + o, "\xe6\x89\xb6", 3);
	memcpy(text + o, "\xf0\x9f\x98\x80", 4);
	o += 4;
	for (i = 0; i < 10; i++, o += 3)
		memcpy(text + o, "\xe6\x89\xb6", 3);
	ck_assert_int_eq(cmpp_text_parts(text, o, 2, parts, CMPP_PARTS_MAX,
	    &n), FP_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(parts[0].len, 6 + 132);
	ck_assert_uint_eq(parts[1].content[6], 0xd8);
	ck_assert_uint_eq(parts[1].content[7], 0x3d);
	len = join_parts(n, 2, joined);
	ck_assert_uint_eq(len, 2 * 78);
}
END_TEST

START_TEST(ascii_goes_as_msg_fmt_0_counted_as_gsm7)
{
	char text[400];
	size_t n = 0;

	memset(text, 'a', sizeof(text));
	ck_assert_int_eq(cmpp_text_parts(text, 160, 1, parts, CMPP_PARTS_MAX,
	    &n), FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(parts[0].msg_fmt, CMPP_FMT_ASCII);
	ck_assert_uint_eq(parts[0].len, 160);
	ck_assert_int_eq(cmpp_text_parts(text, 161, 1, parts, CMPP_PARTS_MAX,
	    &n), FP_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(parts[0].len, 6 + 153);
	ck_assert_uint_eq(parts[1].len, 6 + 8);
	/* ^ { } [ ] ~ | \ count 2 septets, as SPEC 4 counts them: 80 of
	 * them are 160 septets (one part), 81 are two parts. */
	memset(text, '{', sizeof(text));
	ck_assert_int_eq(cmpp_text_parts(text, 80, 1, parts, CMPP_PARTS_MAX,
	    &n), FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cmpp_text_parts(text, 81, 1, parts, CMPP_PARTS_MAX,
	    &n), FP_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(parts[0].len, 6 + 76);
	/* A backtick is no GSM-7: UCS-2. */
	ck_assert_int_eq(cmpp_text_parts("a`b", 3, 1, parts, CMPP_PARTS_MAX,
	    &n), FP_OK);
	ck_assert_uint_eq(parts[0].msg_fmt, CMPP_FMT_UCS2);
	ck_assert_uint_eq(parts[0].len, 6);
}
END_TEST

START_TEST(texts_that_cannot_be_sent_are_refused)
{
	static char big[255 * 67 * 3 + 3];
	size_t n = 7, i;

	ck_assert_int_eq(cmpp_text_parts("", 0, 1, parts, CMPP_PARTS_MAX,
	    &n), FP_EINVAL);
	ck_assert_int_eq(cmpp_text_parts("\xff", 1, 1, parts, CMPP_PARTS_MAX,
	    &n), FP_EINVAL);
	for (i = 0; i < 255 * 67 + 1; i++)
		memcpy(big + 3 * i, "\xe6\x89\xb6", 3);
	ck_assert_int_eq(cmpp_text_parts(big, sizeof(big), 1, parts,
	    CMPP_PARTS_MAX, &n), FP_ETOOBIG);
	ck_assert_int_eq(cmpp_text_parts(big, 3 * 200, 1, parts, 2, &n),
	    FP_ETOOBIG);
}
END_TEST

START_TEST(mo_text_is_utf8_whatever_the_bytes)
{
	static const uint8_t ucs2[] = { 0x67, 0xe5, 0x8b, 0xe2, 0xd8, 0x3d,
	    0xde, 0x00, 0x00, 0x00, 0xdc, 0x00, 0x41 };
	char out[64];
	size_t len;

	/* 查询, 😀, NUL, a lone low surrogate, an odd last byte. */
	len = cmpp_text_utf8(CMPP_FMT_UCS2, ucs2, sizeof(ucs2), out,
	    sizeof(out));
	ck_assert_str_eq(out, "查询😀\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	ck_assert_uint_eq(len, strlen(out));
	len = cmpp_text_utf8(CMPP_FMT_ASCII, (const uint8_t *)"CX\x80", 3,
	    out, sizeof(out));
	ck_assert_str_eq(out, "CX\xef\xbf\xbd");
	/* Cut between characters, always NUL-terminated. */
	len = cmpp_text_utf8(CMPP_FMT_UCS2, ucs2, sizeof(ucs2), out, 6);
	ck_assert_uint_eq(len, 3);
	ck_assert_str_eq(out, "查");
	ck_assert_uint_eq(cmpp_text_utf8(CMPP_FMT_UCS2, ucs2, 4, out, 1), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

Suite *
cmpp_codec_suite(void)
{
	Suite *s = suite_create("cmpp_codec");
	TCase *tc = tcase_create("pdus");

	tcase_add_test(tc,
	    connect_is_the_specification_bytes_with_the_md5_authenticator);
	tcase_add_test(tc, timestamp_is_beijing_time_across_the_utc_day);
	tcase_add_test(tc,
	    connect_resp_decodes_and_the_ismg_authenticator_checks);
	tcase_add_test(tc, submit_is_the_specification_bytes_and_decodes_back);
	tcase_add_test(tc, submit_resp_and_deliver_resp);
	tcase_add_test(tc, active_test_and_terminate_are_headers);
	tcase_add_test(tc, deliver_status_report_decodes_its_60_bytes);
	tcase_add_test(tc, deliver_mo_with_8_and_16_bit_concatenation_headers);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_test(tc, hostile_udh_and_counts_are_refused);
	tcase_add_test(tc, every_truncation_and_a_lying_length_are_einval);
	tcase_add_test(tc, framing_refuses_lengths_out_of_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("texts");
	tcase_add_test(tc, chinese_text_goes_as_ucs2_67_per_part_with_udh);
	tcase_add_test(tc, a_surrogate_pair_is_never_split_between_parts);
	tcase_add_test(tc, ascii_goes_as_msg_fmt_0_counted_as_gsm7);
	tcase_add_test(tc, texts_that_cannot_be_sent_are_refused);
	tcase_add_test(tc, mo_text_is_utf8_whatever_the_bytes);
	suite_add_tcase(s, tc);
	return s;
}
