/*
 * fuzz_smpp.c: libFuzzer harness for what the smpp provider does with
 * the bytes an SMSC sends: our walk in front of libsmpp34's unpack
 * (smpp_parse_deliver, smpp_parse_resp), then what the link does with a
 * deliver_sm (the receipt's text and state, the user data header, the
 * text decoded for the SMS service), and the joining of long MO.  The
 * length field is set to the input's length so that most inputs get past
 * the header.  Besides crashes and sanitizer reports it checks the
 * contracts: our walk never passes a PDU libsmpp34 then refuses (FP_EIO),
 * strings come back terminated inside their fields, a UDH never claims
 * more than the message, a concatenation element is in range, decoded
 * text is valid UTF-8 without NUL.  Built by `make fuzz` (clang) and
 * replayed under gcc by `make test`.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "gsm_codec.h"
#include "smpp_concat.h"
#include "smpp_pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s, size_t size)
{
	if (memchr(s, '\0', size) == NULL)
		abort();
}

static void
check_text(const uint8_t *sm, size_t len, enum gsm_codec_charset cs)
{
	char *out = malloc(GSM_CODEC_DEC_MAX(len));
	size_t n;

	if (out == NULL)
		return;
	n = gsm_codec_decode(sm, len, cs, out, GSM_CODEC_DEC_MAX(len));
	if (!charset_is_utf8(out, n) || memchr(out, '\0', n) != NULL ||
	    out[n] != '\0')
		abort();
	free(out);
}

static void
check_udh(const uint8_t *sm, size_t len)
{
	struct smpp_concat_ie c;
	size_t hdr = 0;
	bool has = false;

	if (!smpp_udh_parse(sm, len, &hdr, &c, &has))
		return;
	if (hdr < 1 || hdr > len)
		abort();
	if (has && (c.total < 1 || c.seq < 1 || c.seq > c.total ||
	    c.total > 255))
		abort();
}

static void
check_receipt(const uint8_t *sm, size_t len, int message_state)
{
	struct smpp_receipt r;
	enum dlr_state st;
	bool has;

	has = smpp_receipt_parse((const char *)sm, len, &r);
	check_str(r.id, sizeof(r.id));
	check_str(r.stat, sizeof(r.stat));
	check_str(r.err, sizeof(r.err));
	if (has && r.id[0] == '\0')
		abort();
	if (smpp_receipt_state(message_state, r.stat, &st) &&
	    st != DLR_SENT && st != DLR_DELIVERED && st != DLR_FAILED)
		abort();
}

/* Parts cut from the message, joined again: the lengths add up. */
static void
check_concat(const uint8_t *sm, size_t len)
{
	struct smpp_concat *c = smpp_concat_new(2);
	struct smpp_concat_msg *m = NULL;
	struct smpp_concat_part p;
	size_t total, i, cut;

	if (c == NULL || len == 0)
		goto done;
	total = 1 + sm[0] % 4;
	memset(&p, 0, sizeof(p));
	p.from = "8613800000000";
	p.to = "10690001";
	p.ref = sm[len - 1];
	p.total = (unsigned)total;
	for (i = 0; i < total; i++) {
		cut = len * i / total;
		p.seq = (unsigned)(total - i);	/* last part first */
		p.data = sm + cut;
		p.len = len * (i + 1) / total - cut;
		p.token = i;
		if (smpp_concat_add(c, &p, (int64_t)i, &m) != FP_OK)
			abort();
		if (m != NULL && i + 1 != total)
			abort();
	}
	if (m == NULL || m->len != len || m->n_tokens != total ||
	    m->is_partial)
		abort();
done:
	smpp_concat_msg_free(m);
	smpp_concat_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smpp_deliver *d;
	char id[SMPP_MSGID_MAX];
	enum fp_err err;
	uint8_t *pdu;

	/* What the link reads of any octets: receipts and headers. */
	check_receipt(data, size, -1);
	check_udh(data, size);
	if (size < SMPP_HEADER_LEN || size > SMPP_PDU_MAX)
		return 0;
	pdu = malloc(size);
	d = malloc(sizeof(*d));
	if (pdu == NULL || d == NULL)
		goto done;
	memcpy(pdu, data, size);
	pdu[0] = (uint8_t)(size >> 24);
	pdu[1] = (uint8_t)(size >> 16);
	pdu[2] = (uint8_t)(size >> 8);
	pdu[3] = (uint8_t)size;
	err = smpp_parse_resp(pdu, size, id);
	if (err == FP_EIO)
		abort();	/* our walk passed what libsmpp34 refused */
	if (err == FP_OK)
		check_str(id, sizeof(id));
	err = smpp_parse_deliver(pdu, size, d);
	if (err == FP_EIO)
		abort();
	if (err != FP_OK)
		goto done;
	check_str(d->source_addr, sizeof(d->source_addr));
	check_str(d->dest_addr, sizeof(d->dest_addr));
	check_str(d->receipted_id, sizeof(d->receipted_id));
	check_str(d->network_error, sizeof(d->network_error));
	if (d->sm_len > sizeof(d->sm))
		abort();
	if (d->sar_ref >= 0 && (d->sar_seq < 1 || d->sar_seq > d->sar_total))
		abort();
	check_receipt(d->sm, d->sm_len, d->message_state);
	check_udh(d->sm, d->sm_len);
	check_text(d->sm, d->sm_len, GSM_CODEC_GSM7);
	check_text(d->sm, d->sm_len, GSM_CODEC_UCS2);
	check_text(d->sm, d->sm_len, GSM_CODEC_LATIN1);
	check_text(d->sm, d->sm_len, GSM_CODEC_ASCII);
	check_concat(d->sm, d->sm_len);
done:
	free(pdu);
	free(d);
	return 0;
}
