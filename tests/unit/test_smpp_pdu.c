/*
 * test_smpp_pdu.c: the smpp provider's pure parts: PDUs packed by
 * libsmpp34 as SMPP 3.4 lays them out (checked octet by octet here, not
 * by libsmpp34), our walk in front of its unpack (what it refuses, and
 * that what it passes unpacks), receipts by TLV and by text, the user
 * data header's concatenation elements, what a status means, and the
 * joining of long MO (smpp_concat).  The link itself is tested against
 * real SMSCs in tests/integration/test_smpp.c.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smpp_concat.h"
#include "smpp_pdu.h"

/* ---- building PDUs by hand ---------------------------------------------- */

struct pdu {
	uint8_t	 b[2048];
	size_t	 n;
};

static void
u8(struct pdu *p, unsigned v)
{
	p->b[p->n++] = (uint8_t)v;
}

static void
u16(struct pdu *p, unsigned v)
{
	u8(p, v >> 8);
	u8(p, v);
}

static void
u32(struct pdu *p, uint32_t v)
{
	u16(p, v >> 16);
	u16(p, v & 0xFFFF);
}

static void
cstr(struct pdu *p, const char *s)
{
	size_t n = strlen(s) + 1;

	memcpy(p->b + p->n, s, n);
	p->n += n;
}

static void
bytes(struct pdu *p, const void *d, size_t n)
{
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void
tlv(struct pdu *p, unsigned tag, const void *v, size_t n)
{
	u16(p, tag);
	u16(p, (unsigned)n);
	bytes(p, v, n);
}

static void
header(struct pdu *p, uint32_t id, uint32_t status, uint32_t seq)
{
	p->n = 0;
	u32(p, 0);
	u32(p, id);
	u32(p, status);
	u32(p, seq);
}

static void
finish(struct pdu *p)
{
	p->b[0] = (uint8_t)(p->n >> 24);
	p->b[1] = (uint8_t)(p->n >> 16);
	p->b[2] = (uint8_t)(p->n >> 8);
	p->b[3] = (uint8_t)p->n;
}

/* A deliver_sm's mandatory part up to short_message. */
static void
deliver(struct pdu *p, uint8_t ton, const char *from, uint8_t esm,
    uint8_t dc, const void *sm, size_t sm_len)
{
	header(p, SMPP_DELIVER_SM, 0, 7);
	cstr(p, "");
	u8(p, ton);
	u8(p, 1);
	cstr(p, from);
	u8(p, 0);
	u8(p, 1);
	cstr(p, "10690001");
	u8(p, esm);
	u8(p, 0);
	u8(p, 0);
	cstr(p, "");
	cstr(p, "");
	u8(p, 0);
	u8(p, 0);
	u8(p, dc);
	u8(p, 0);
	u8(p, (unsigned)sm_len);
	bytes(p, sm, sm_len);
}

/* ---- out ---------------------------------------------------------------- */

START_TEST(bind_transceiver_is_laid_out_as_smpp_3_4_says)
{
	struct smpp_bind b = { "fupin", "secret", "" };
	uint8_t buf[256];
	struct smpp_header h;
	size_t n;

	n = smpp_pack_bind(buf, sizeof(buf), 1, &b);
	ck_assert_uint_eq(n, 16 + 6 + 7 + 1 + 1 + 1 + 1 + 1);
	smpp_header_get(buf, &h);
	ck_assert_uint_eq(h.len, n);
	ck_assert_uint_eq(h.id, SMPP_BIND_TRANSCEIVER);
	ck_assert_uint_eq(h.seq, 1);
	ck_assert_mem_eq(buf + 16, "fupin\0secret\0\0\x34\0\0\0", 17);
	/* SMPP 3.4: a system_id of 16 octets with its NUL, at most. */
	b.system_id = "0123456789abcdef";
	ck_assert_uint_eq(smpp_pack_bind(buf, sizeof(buf), 2, &b), 0);
}
END_TEST

START_TEST(submit_sm_carries_the_udh_and_the_octets_given)
{
	struct smpp_submit s;
	uint8_t buf[512];
	struct smpp_header h;
	size_t n, o;

	memset(&s, 0, sizeof(s));
	snprintf(s.source_addr, sizeof(s.source_addr), "10690001");
	snprintf(s.dest_addr, sizeof(s.dest_addr), "8613800000000");
	s.dest_ton = 1;
	s.dest_npi = 1;
	s.esm_class = SMPP_ESM_UDHI;
	s.data_coding = 8;
	s.registered_delivery = 1;
	smpp_validity(86400, s.validity);
	ck_assert_str_eq(s.validity, "000001000000000R");
	memcpy(s.sm, "\x05\x00\x03\x2A\x02\x01\x67\xE5", 8);
	s.sm_len = 8;
	n = smpp_pack_submit(buf, sizeof(buf), 0x7FFFFFFF, &s);
	ck_assert_uint_gt(n, 0);
	smpp_header_get(buf, &h);
	ck_assert_uint_eq(h.len, n);
	ck_assert_uint_eq(h.id, SMPP_SUBMIT_SM);
	ck_assert_uint_eq(h.seq, 0x7FFFFFFF);
	o = 16;
	ck_assert_uint_eq(buf[o], 0);		/* service_type "" */
	o += 1;
	ck_assert_uint_eq(buf[o], 0);		/* source TON */
	o += 2;
	ck_assert_str_eq((const char *)buf + o, "10690001");
	o += 9;
	ck_assert_uint_eq(buf[o], 1);		/* dest TON */
	ck_assert_uint_eq(buf[o + 1], 1);
	o += 2;
	ck_assert_str_eq((const char *)buf + o, "8613800000000");
	o += 14;
	ck_assert_uint_eq(buf[o], 0x40);	/* esm_class */
	o += 3;
	ck_assert_uint_eq(buf[o], 0);		/* schedule "" */
	o += 1;
	ck_assert_str_eq((const char *)buf + o, "000001000000000R");
	o += 17;
	ck_assert_uint_eq(buf[o], 1);		/* registered_delivery */
	ck_assert_uint_eq(buf[o + 2], 8);	/* data_coding */
	ck_assert_uint_eq(buf[o + 4], 8);	/* sm_length */
	ck_assert_mem_eq(buf + o + 5, s.sm, 8);
	ck_assert_uint_eq(o + 5 + 8, n);
	/* Too small a buffer: nothing, not a cut PDU. */
	ck_assert_uint_eq(smpp_pack_submit(buf, n, 1, &s), 0);
}
END_TEST

START_TEST(header_only_pdus_and_deliver_sm_resp)
{
	uint8_t buf[64];
	struct smpp_header h;
	size_t n;

	n = smpp_pack_header(buf, sizeof(buf), SMPP_ENQUIRE_LINK, 0, 9);
	ck_assert_uint_eq(n, 16);
	n = smpp_pack_deliver_resp(buf, sizeof(buf), SMPP_RX_T_APPN, 12);
	ck_assert_uint_eq(n, 17);
	smpp_header_get(buf, &h);
	ck_assert_uint_eq(h.id, SMPP_DELIVER_SM_RESP);
	ck_assert_uint_eq(h.status, SMPP_RX_T_APPN);
	ck_assert_uint_eq(h.seq, 12);
	ck_assert_uint_eq(buf[16], 0);
}
END_TEST

/* ---- in ------------------------------------------------------------------ */

START_TEST(submit_sm_resp_gives_the_message_id)
{
	struct pdu p;
	char id[SMPP_MSGID_MAX];

	header(&p, SMPP_SUBMIT_SM_RESP, 0, 3);
	cstr(&p, "5f1a9c");
	finish(&p);
	ck_assert_int_eq(smpp_parse_resp(p.b, p.n, id), FP_OK);
	ck_assert_str_eq(id, "5f1a9c");
	/* An error needs no body; an SMSC's own status is fine too. */
	header(&p, SMPP_SUBMIT_SM_RESP, SMPP_RTHROTTLED, 4);
	finish(&p);
	ck_assert_int_eq(smpp_parse_resp(p.b, p.n, id), FP_OK);
	ck_assert_str_eq(id, "");
	header(&p, SMPP_SUBMIT_SM_RESP, 0x400, 4);
	cstr(&p, "whatever");
	finish(&p);
	ck_assert_int_eq(smpp_parse_resp(p.b, p.n, id), FP_OK);
	/* No NUL, or octets after it: malformed. */
	header(&p, SMPP_SUBMIT_SM_RESP, 0, 5);
	bytes(&p, "abc", 3);
	finish(&p);
	ck_assert_int_eq(smpp_parse_resp(p.b, p.n, id), FP_EINVAL);
	header(&p, SMPP_SUBMIT_SM_RESP, 0, 5);
	bytes(&p, "abc\0x", 5);
	finish(&p);
	ck_assert_int_eq(smpp_parse_resp(p.b, p.n, id), FP_EINVAL);
	/* The header's length must be the PDU's. */
	header(&p, SMPP_SUBMIT_SM_RESP, 0, 5);
	cstr(&p, "abc");
	finish(&p);
	ck_assert_int_eq(smpp_parse_resp(p.b, p.n - 1, id), FP_EINVAL);
}
END_TEST

START_TEST(a_receipt_by_tlv_is_read)
{
	struct smpp_deliver d;
	enum dlr_state st;
	struct pdu p;
	uint8_t state = 2;

	deliver(&p, 1, "8613800000000", SMPP_ESM_RECEIPT, 0, "", 0);
	tlv(&p, 0x001E, "a1b2c3", 7);
	tlv(&p, 0x0427, &state, 1);
	tlv(&p, 0x0423, "\x03\x00\x01", 3);
	tlv(&p, 0x1401, "vendor", 6);	/* kept by libsmpp34, ignored */
	finish(&p);
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_OK);
	ck_assert_uint_eq(d.esm_class, SMPP_ESM_RECEIPT);
	ck_assert_str_eq(d.receipted_id, "a1b2c3");
	ck_assert_int_eq(d.message_state, 2);
	ck_assert_str_eq(d.network_error, "3:1");
	ck_assert(smpp_receipt_state(d.message_state, NULL, &st));
	ck_assert_int_eq(st, DLR_DELIVERED);
}
END_TEST

START_TEST(an_mo_by_message_payload_and_sar_tlvs_is_read)
{
	struct smpp_deliver d;
	struct pdu p;
	uint8_t one = 1, two = 2;

	deliver(&p, 1, "8613800000000", 0, 8, "", 0);
	tlv(&p, 0x020C, "\x01\x02", 2);
	tlv(&p, 0x020E, &two, 1);
	tlv(&p, 0x020F, &one, 1);
	tlv(&p, 0x0424, "\x67\xE5\x8B\xE2", 4);
	finish(&p);
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_OK);
	ck_assert_str_eq(d.source_addr, "8613800000000");
	ck_assert_uint_eq(d.source_ton, 1);
	ck_assert_str_eq(d.dest_addr, "10690001");
	ck_assert_uint_eq(d.data_coding, 8);
	ck_assert_uint_eq(d.sm_len, 4);
	ck_assert_mem_eq(d.sm, "\x67\xE5\x8B\xE2", 4);
	ck_assert_int_eq(d.sar_ref, 0x0102);
	ck_assert_int_eq(d.sar_total, 2);
	ck_assert_int_eq(d.sar_seq, 1);
	ck_assert_int_eq(d.message_state, -1);
}
END_TEST

/* What would make libsmpp34 read past the PDU, misread or leak. */
START_TEST(the_walk_refuses_what_libsmpp34_would_misread)
{
	struct smpp_deliver d;
	struct pdu p;
	uint8_t one = 1;
	int i;

	/* A TLV shorter than libsmpp34 reads for its tag. */
	deliver(&p, 1, "8613800000000", 0, 0, "hi", 2);
	tlv(&p, 0x020C, &one, 1);
	finish(&p);
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_EINVAL);
	/* A TLV that runs past the PDU. */
	deliver(&p, 1, "8613800000000", 0, 0, "hi", 2);
	u16(&p, 0x0424);
	u16(&p, 40);
	bytes(&p, "short", 5);
	finish(&p);
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_EINVAL);
	/* A receipted_message_id longer than its 65 octets. */
	deliver(&p, 1, "8613800000000", SMPP_ESM_RECEIPT, 0, "", 0);
	{
		char big[80];

		memset(big, 'x', sizeof(big));
		tlv(&p, 0x001E, big, sizeof(big));
	}
	finish(&p);
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_EINVAL);
	/* A TON libsmpp34 has no name for. */
	deliver(&p, 7, "8613800000000", 0, 0, "hi", 2);
	finish(&p);
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_EINVAL);
	/* short_message longer than what is left. */
	deliver(&p, 1, "8613800000000", 0, 0, "hi", 2);
	p.n -= 1;
	finish(&p);
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_EINVAL);
	/* A source_addr without its NUL inside its 21 octets. */
	deliver(&p, 1, "012345678901234567890123", 0, 0, "hi", 2);
	finish(&p);
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_EINVAL);
	/* A schedule_delivery_time (must be empty in deliver_sm). */
	header(&p, SMPP_DELIVER_SM, 0, 7);
	cstr(&p, "");
	u8(&p, 1);
	u8(&p, 1);
	cstr(&p, "1");
	u8(&p, 0);
	u8(&p, 1);
	cstr(&p, "2");
	u8(&p, 0);
	u8(&p, 0);
	u8(&p, 0);
	cstr(&p, "240101000000000+");
	cstr(&p, "");
	u8(&p, 0);
	u8(&p, 0);
	u8(&p, 0);
	u8(&p, 0);
	u8(&p, 0);
	finish(&p);
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_EINVAL);
	/* Sequence number 0 and a non-zero status. */
	deliver(&p, 1, "8613800000000", 0, 0, "hi", 2);
	finish(&p);
	p.b[15] = 0;
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_EINVAL);
	deliver(&p, 1, "8613800000000", 0, 0, "hi", 2);
	finish(&p);
	p.b[11] = 8;
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_EINVAL);
	/* More TLVs than libsmpp34's 2 KiB log takes (fuzz_smpp found 30
	 * empty ones writing past it); 16 are fine. */
	deliver(&p, 1, "8613800000000", 0, 0, "hi", 2);
	for (i = 0; i < 17; i++)
		tlv(&p, 0x1401, "", 0);
	finish(&p);
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_EINVAL);
	deliver(&p, 1, "8613800000000", 0, 0, "hi", 2);
	for (i = 0; i < 16; i++)
		tlv(&p, 0x1401, "", 0);
	finish(&p);
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_OK);
	/* The same, well formed, passes. */
	deliver(&p, 1, "8613800000000", 0, 0, "hi", 2);
	finish(&p);
	ck_assert_int_eq(smpp_parse_deliver(p.b, p.n, &d), FP_OK);
	ck_assert_mem_eq(d.sm, "hi", 2);
}
END_TEST

START_TEST(a_receipt_text_is_read_as_appendix_b_writes_it)
{
	static const char *t = "id:0123456789 sub:001 dlvrd:001 submit "
	    "date:2409211413 done date:2409211414 stat:UNDELIV err:001 "
	    "Text:id:forged stat:DELIVRD";
	struct smpp_receipt r;
	enum dlr_state st;

	ck_assert(smpp_receipt_parse(t, strlen(t), &r));
	ck_assert_str_eq(r.id, "0123456789");
	ck_assert_str_eq(r.stat, "UNDELIV");
	ck_assert_str_eq(r.err, "001");
	ck_assert(smpp_receipt_state(-1, r.stat, &st));
	ck_assert_int_eq(st, DLR_FAILED);
	/* Keys in any case; no id, no receipt. */
	ck_assert(smpp_receipt_parse("ID:ab STAT:delivrd", 18, &r));
	ck_assert_str_eq(r.id, "ab");
	ck_assert(smpp_receipt_state(-1, r.stat, &st));
	ck_assert_int_eq(st, DLR_DELIVERED);
	ck_assert(!smpp_receipt_parse("sub:001 stat:DELIVRD", 20, &r));
	ck_assert(!smpp_receipt_parse("id:", 3, &r));
	/* Only len octets are read. */
	ck_assert(smpp_receipt_parse("id:abcdef", 5, &r));
	ck_assert_str_eq(r.id, "ab");
}
END_TEST

START_TEST(receipt_states_follow_kannel)
{
	static const struct {
		int	 state;
		const char *stat;
		enum dlr_state want;
	} cases[] = {
		{ -1, "DELIVRD", DLR_DELIVERED }, { -1, "ACCEPTD", DLR_SENT },
		{ -1, "ENROUTE", DLR_SENT }, { -1, "BUFFRED", DLR_SENT },
		{ -1, "EXPIRED", DLR_FAILED }, { -1, "REJECTD", DLR_FAILED },
		{ -1, "UNKNOWN", DLR_FAILED }, { 1, "DELIVRD", DLR_SENT },
		{ 2, NULL, DLR_DELIVERED }, { 5, NULL, DLR_FAILED },
		{ 6, NULL, DLR_SENT }, { 8, NULL, DLR_FAILED },
	};
	enum dlr_state st;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert(smpp_receipt_state(cases[i].state, cases[i].stat,
		    &st));
		ck_assert_int_eq(st, cases[i].want);
	}
	ck_assert(!smpp_receipt_state(-1, "", &st));
	ck_assert(!smpp_receipt_state(-1, NULL, &st));
}
END_TEST

START_TEST(udh_concatenation_elements_8_and_16_bit)
{
	struct smpp_concat_ie c;
	size_t hl;
	bool has;

	ck_assert(smpp_udh_parse((const uint8_t *)"\x05\x00\x03\x2A\x03\x02"
	    "hi", 8, &hl, &c, &has));
	ck_assert(has);
	ck_assert_uint_eq(hl, 6);
	ck_assert_uint_eq(c.ref, 0x2A);
	ck_assert_uint_eq(c.total, 3);
	ck_assert_uint_eq(c.seq, 2);
	/* 16-bit reference after a port element. */
	ck_assert(smpp_udh_parse((const uint8_t *)"\x0C\x05\x04\x0B\x84\x23"
	    "\xF0\x08\x04\x12\x34\x02\x02!", 14, &hl, &c, &has));
	ck_assert(has);
	ck_assert_uint_eq(hl, 13);
	ck_assert_uint_eq(c.ref, 0x1234);
	/* seq 0 or above total: no concatenation. */
	ck_assert(smpp_udh_parse((const uint8_t *)"\x05\x00\x03\x2A\x02\x03",
	    6, &hl, &c, &has));
	ck_assert(!has);
	/* Running past the message, or an element past the header. */
	ck_assert(!smpp_udh_parse((const uint8_t *)"\x05\x00\x03", 3, &hl,
	    &c, &has));
	ck_assert(!smpp_udh_parse((const uint8_t *)"\x03\x00\x03\x2A", 4,
	    &hl, &c, &has));
	ck_assert(!smpp_udh_parse((const uint8_t *)"", 0, &hl, &c, &has));
}
END_TEST

START_TEST(statuses_slow_retry_or_fail)
{
	char name[48];

	ck_assert_int_eq(smpp_status_class(0), SMPP_CLASS_OK);
	ck_assert_int_eq(smpp_status_class(SMPP_RTHROTTLED),
	    SMPP_CLASS_THROTTLED);
	ck_assert_int_eq(smpp_status_class(SMPP_RMSGQFUL),
	    SMPP_CLASS_THROTTLED);
	ck_assert_int_eq(smpp_status_class(0x0B), SMPP_CLASS_PERMANENT);
	ck_assert_int_eq(smpp_status_class(SMPP_RSYSERR),
	    SMPP_CLASS_TRANSIENT);
	ck_assert_int_eq(smpp_status_class(0x401), SMPP_CLASS_TRANSIENT);
	ck_assert_str_eq(smpp_status_name(SMPP_RTHROTTLED, name),
	    "ESME_RTHROTTLED");
	ck_assert_str_eq(smpp_status_name(0x401, name), "0x00000401");
}
END_TEST

/* ---- joining long MO ----------------------------------------------------- */

static struct smpp_concat_part
part(unsigned ref, unsigned total, unsigned seq, const char *data,
    uint64_t token)
{
	struct smpp_concat_part p = {
		.from = "8613800000000", .from_ton = 1, .to = "10690001",
		.data_coding = 8, .ref = ref, .total = total, .seq = seq,
		.data = (const uint8_t *)data, .len = strlen(data),
		.token = token,
	};
	return p;
}

START_TEST(parts_in_any_order_make_one_message)
{
	struct smpp_concat *c = smpp_concat_new(4);
	struct smpp_concat_msg *m;
	struct smpp_concat_part p;

	ck_assert_ptr_nonnull(c);
	p = part(9, 3, 3, "C", 30);
	ck_assert_int_eq(smpp_concat_add(c, &p, 100, &m), FP_OK);
	ck_assert_ptr_null(m);
	p = part(9, 3, 1, "A", 10);
	ck_assert_int_eq(smpp_concat_add(c, &p, 200, &m), FP_OK);
	ck_assert_ptr_null(m);
	/* Part 1 again (the SMSC repeated it): kept once, both answered. */
	p = part(9, 3, 1, "A", 11);
	ck_assert_int_eq(smpp_concat_add(c, &p, 250, &m), FP_OK);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(smpp_concat_oldest(c), 100);
	p = part(9, 3, 2, "B", 20);
	ck_assert_int_eq(smpp_concat_add(c, &p, 300, &m), FP_OK);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->len, 3);
	ck_assert_mem_eq(m->data, "ABC", 3);
	ck_assert_uint_eq(m->n_tokens, 4);
	ck_assert(!m->is_partial);
	ck_assert_str_eq(m->from, "8613800000000");
	smpp_concat_msg_free(m);
	ck_assert_uint_eq(smpp_concat_count(c), 0);
	ck_assert_int_eq(smpp_concat_oldest(c), -1);
	smpp_concat_free(c);
}
END_TEST

START_TEST(a_full_table_refuses_and_old_messages_expire_partial)
{
	struct smpp_concat *c = smpp_concat_new(2);
	struct smpp_concat_msg *m;
	struct smpp_concat_part p;

	p = part(1, 2, 1, "x", 1);
	ck_assert_int_eq(smpp_concat_add(c, &p, 10, &m), FP_OK);
	p = part(2, 2, 2, "y", 2);
	ck_assert_int_eq(smpp_concat_add(c, &p, 20, &m), FP_OK);
	p = part(3, 2, 1, "z", 3);
	ck_assert_int_eq(smpp_concat_add(c, &p, 30, &m), FP_EBUSY);
	/* Same key, another total; out of range. */
	p = part(1, 3, 2, "w", 4);
	ck_assert_int_eq(smpp_concat_add(c, &p, 30, &m), FP_EINVAL);
	p = part(1, 2, 3, "w", 4);
	ck_assert_int_eq(smpp_concat_add(c, &p, 30, &m), FP_EINVAL);
	ck_assert_ptr_null(smpp_concat_expire(c, 10));
	m = smpp_concat_expire(c, 15);
	ck_assert_ptr_nonnull(m);
	ck_assert(m->is_partial);
	ck_assert_uint_eq(m->len, 1);
	ck_assert_uint_eq(m->n_tokens, 1);
	ck_assert_uint_eq(m->tokens[0], 1);
	smpp_concat_msg_free(m);
	/* Room again. */
	p = part(3, 2, 1, "z", 3);
	ck_assert_int_eq(smpp_concat_add(c, &p, 30, &m), FP_OK);
	smpp_concat_free(c);
}
END_TEST

Suite *
smpp_pdu_suite(void)
{
	Suite *s = suite_create("smpp_pdu");
	TCase *tc = tcase_create("out");

	tcase_add_test(tc, bind_transceiver_is_laid_out_as_smpp_3_4_says);
	tcase_add_test(tc, submit_sm_carries_the_udh_and_the_octets_given);
	tcase_add_test(tc, header_only_pdus_and_deliver_sm_resp);
	suite_add_tcase(s, tc);
	tc = tcase_create("in");
	tcase_add_test(tc, submit_sm_resp_gives_the_message_id);
	tcase_add_test(tc, a_receipt_by_tlv_is_read);
	tcase_add_test(tc, an_mo_by_message_payload_and_sar_tlvs_is_read);
	tcase_add_test(tc, the_walk_refuses_what_libsmpp34_would_misread);
	tcase_add_test(tc, a_receipt_text_is_read_as_appendix_b_writes_it);
	tcase_add_test(tc, receipt_states_follow_kannel);
	tcase_add_test(tc, udh_concatenation_elements_8_and_16_bit);
	tcase_add_test(tc, statuses_slow_retry_or_fail);
	suite_add_tcase(s, tc);
	tc = tcase_create("concat");
	tcase_add_test(tc, parts_in_any_order_make_one_message);
	tcase_add_test(tc,
	    a_full_table_refuses_and_old_messages_expire_partial);
	suite_add_tcase(s, tc);
	return s;
}
