/*
 * smpp_deliver.c: what an SMSC delivers to our transceiver (SPEC 11,
 * 3.1, 3.4): MO messages, long ones joined from their parts
 * (smpp_concat.c), and delivery receipts (the receipted_message_id and
 * message_state TLVs, or the "id:... stat:..." text), handed to the
 * gateway through link_inbound.h.  The deliver_sm_resp of each waits for
 * the commit: ESME_ROK once stored (or for a report of a message we do
 * not know), ESME_RX_T_APPN when it could not be stored now (the SMSC
 * delivers it again), ESME_RX_P_APPN for what will never be accepted (a
 * broken PDU, a sender that is no number).  An answer computed after its
 * connection ended is dropped: the SMSC delivers again on the next.
 *
 * Called by the link thread with the link's lock held; the answers are
 * computed on the writer's notifier thread and queued under ack_lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gsm_codec.h"
#include "log.h"
#include "smpp_link.h"

static struct log_limit bad_lines = LOG_LIMIT_INIT("smpp.deliver.refused",
    LOG_PER_S);

/* The deliver_sm a result answers. */
struct answer {
	struct smpp_link *l;		/* a reference */
	uint32_t gen;
	size_t	 n;
	uint32_t seqs[];		/* n */
};

static void
answer_now(struct smpp_link *l, uint32_t seq, uint32_t status)
{
	uint8_t pdu[SMPP_HEADER_LEN + 2];
	size_t len;

	len = smpp_pack_deliver_resp(pdu, sizeof(pdu), status, seq);
	if (len > 0)
		(void)smpp_link_put(l, pdu, len);
}

static uint32_t
status_of(enum fp_err result)
{
	switch (result) {
	case FP_OK:
	case FP_ENOTFOUND:	/* a report of a message we do not have */
		return SMPP_ROK;
	case FP_EINVAL:
		return SMPP_RX_P_APPN;
	default:
		return SMPP_RX_T_APPN;
	}
}

/* link_done_fn: on the writer's notifier thread (or at once). */
static void
answered(void *arg, enum fp_err result, int64_t id)
{
	struct answer *a = arg;
	struct smpp_link *l = a->l;
	uint32_t status = status_of(result);
	struct smpp_ack *grown;
	size_t i, cap;

	(void)id;
	pthread_mutex_lock(&l->ack_lock);
	for (i = 0; i < a->n; i++) {
		if (l->n_acks == l->cap_acks) {
			cap = l->cap_acks > 0 ? l->cap_acks * 2 : 64;
			grown = realloc(l->acks, cap * sizeof(*grown));
			if (grown == NULL)
				break;	/* unanswered: delivered again */
			l->acks = grown;
			l->cap_acks = cap;
		}
		l->acks[l->n_acks++] = (struct smpp_ack){ a->gen, a->seqs[i],
		    status };
	}
	pthread_mutex_unlock(&l->ack_lock);
	smpp_link_wake(l);
	smpp_link_unref(l);
	free(a);
}

/* An answer for the current connection's seqs[0..n) (l->lock held);
 * NULL when out of memory. */
static struct answer *
answer_new(struct smpp_link *l, const uint32_t *seqs, size_t n)
{
	struct answer *a;

	a = malloc(sizeof(*a) + n * sizeof(a->seqs[0]));
	if (a == NULL)
		return NULL;
	a->l = l;
	a->gen = l->gen;
	a->n = n;
	if (n > 0)
		memcpy(a->seqs, seqs, n * sizeof(seqs[0]));
	atomic_fetch_add(&l->refs, 1);
	return a;
}

void
smpp_acks_flush(struct smpp_link *l)
{
	uint8_t pdu[SMPP_HEADER_LEN + 2];
	size_t i, len;

	pthread_mutex_lock(&l->ack_lock);
	if (l->n_acks == 0) {
		pthread_mutex_unlock(&l->ack_lock);
		return;		/* (acks may still be NULL) */
	}
	for (i = 0; i < l->n_acks; i++) {
		if (l->acks[i].gen != l->gen || l->state != SMPP_BOUND)
			continue;	/* its connection is gone */
		len = smpp_pack_deliver_resp(pdu, sizeof(pdu),
		    l->acks[i].status, l->acks[i].seq);
		if (len > 0 && !smpp_link_put(l, pdu, len))
			break;
	}
	memmove(l->acks, l->acks + i, (l->n_acks - i) * sizeof(*l->acks));
	l->n_acks -= i;
	pthread_mutex_unlock(&l->ack_lock);
}

/* What the octets of data_coding `dc` are (SMPP 3.4 5.2.19; 0x10 and
 * up: GSM 03.38's coding groups). */
static enum gsm_codec_charset
charset_of(uint8_t dc)
{
	switch (dc) {
	case 0x00:
		return GSM_CODEC_GSM7;
	case 0x01:
		return GSM_CODEC_ASCII;
	case 0x08:
		return GSM_CODEC_UCS2;
	default:
		break;
	}
	if ((dc & 0xF0) == 0xF0)
		return (dc & 0x04) != 0 ? GSM_CODEC_LATIN1 : GSM_CODEC_GSM7;
	if (dc >= 0x10 && (dc & 0xC0) == 0x00) {
		switch ((dc >> 2) & 0x03) {
		case 0:
			return GSM_CODEC_GSM7;
		case 2:
			return GSM_CODEC_UCS2;
		default:
			return GSM_CODEC_LATIN1;
		}
	}
	return GSM_CODEC_LATIN1;	/* 3, and the rest as best we can */
}

/* Hand an MO over; the deliver_sm of tokens[] are answered with it. */
static void
hand_mo(struct smpp_link *l, const char *from, uint8_t ton, const char *to,
    uint8_t dc, const uint8_t *data, size_t len, const uint64_t *tokens,
    size_t n_tokens)
{
	char sender[SMPP_ADDR_MAX + 1], *text;
	uint32_t seqs[256];
	struct answer *a;
	struct link_mo mo;
	size_t i, n = 0, tlen;

	for (i = 0; i < n_tokens && n < 256; i++)
		if ((uint32_t)(tokens[i] >> 32) == l->gen)
			seqs[n++] = (uint32_t)tokens[i];
	text = malloc(GSM_CODEC_DEC_MAX(len));
	a = answer_new(l, seqs, n);
	if (text == NULL || a == NULL) {
		free(text);
		if (a != NULL) {
			smpp_link_unref(l);
			free(a);
		}
		for (i = 0; i < n; i++)
			answer_now(l, seqs[i], SMPP_RX_T_APPN);
		return;
	}
	tlen = gsm_codec_decode(data, len, charset_of(dc), text,
	    GSM_CODEC_DEC_MAX(len));
	/* TON 1: an international number without its "+". */
	snprintf(sender, sizeof(sender), "%s%s", ton == 1 && from[0] != '+' ?
	    "+" : "", from);
	memset(&mo, 0, sizeof(mo));
	mo.route = l->route;
	mo.from = sender;
	mo.to = to;
	mo.text = text;
	mo.text_len = tlen;
	atomic_fetch_add_explicit(&l->stats.mo, 1, memory_order_relaxed);
	link_inbound_mo(&mo, (int64_t)time(NULL), answered, a);
	free(text);
}

static void
take_receipt(struct smpp_link *l, const struct smpp_deliver *d, uint32_t seq)
{
	struct smpp_receipt r;
	struct link_report rep;
	enum dlr_state state;
	char detail[96];
	struct answer *a;
	bool has_text;

	has_text = smpp_receipt_parse((const char *)d->sm, d->sm_len, &r);
	memset(&rep, 0, sizeof(rep));
	rep.provider = l->p->name;
	rep.msgid = d->receipted_id[0] != '\0' ? d->receipted_id :
	    has_text ? r.id : NULL;
	if (rep.msgid == NULL ||
	    !smpp_receipt_state(d->message_state, r.stat, &state)) {
		if (log_allow(&bad_lines))
			log_warnx("smpp.receipt.unreadable provider=%s seq=%u",
			    l->p->name, seq);
		answer_now(l, seq, SMPP_ROK);	/* nothing to do with it */
		return;
	}
	if (r.stat[0] != '\0')
		snprintf(detail, sizeof(detail), "stat:%s err:%s%s%s", r.stat,
		    r.err[0] != '\0' ? r.err : "-", d->network_error[0] !=
		    '\0' ? " network:" : "", d->network_error);
	else
		snprintf(detail, sizeof(detail), "message_state:%d%s%s",
		    d->message_state, d->network_error[0] != '\0' ?
		    " network:" : "", d->network_error);
	rep.state = state;
	rep.detail = detail;
	a = answer_new(l, &seq, 1);
	if (a == NULL) {
		answer_now(l, seq, SMPP_RX_T_APPN);
		return;
	}
	atomic_fetch_add_explicit(&l->stats.reports, 1, memory_order_relaxed);
	link_inbound_report(&rep, (int64_t)time(NULL), answered, a);
}

static void
take_mo(struct smpp_link *l, const struct smpp_deliver *d, uint32_t seq,
    int64_t now_ns)
{
	struct smpp_concat_part part;
	struct smpp_concat_msg *m = NULL;
	struct smpp_concat_ie ie = { 0, 1, 1 };
	const uint8_t *data = d->sm;
	size_t len = d->sm_len, hdr = 0;
	bool has_concat = false;
	uint64_t token = (uint64_t)l->gen << 32 | seq;
	enum fp_err err;

	if ((d->esm_class & SMPP_ESM_UDHI) != 0) {
		if (!smpp_udh_parse(data, len, &hdr, &ie, &has_concat)) {
			if (log_allow(&bad_lines))
				log_warnx("smpp.mo.refused provider=%s seq=%u "
				    "error=\"bad user data header\"",
				    l->p->name, seq);
			answer_now(l, seq, SMPP_RX_P_APPN);
			return;
		}
		data += hdr;
		len -= hdr;
	} else if (d->sar_ref >= 0) {
		ie.ref = (unsigned)d->sar_ref;
		ie.total = (unsigned)d->sar_total;
		ie.seq = (unsigned)d->sar_seq;
		has_concat = true;
	}
	if (!has_concat || ie.total == 1) {
		hand_mo(l, d->source_addr, d->source_ton, d->dest_addr,
		    d->data_coding, data, len, &token, 1);
		return;
	}
	memset(&part, 0, sizeof(part));
	part.from = d->source_addr;
	part.from_ton = d->source_ton;
	part.to = d->dest_addr;
	part.data_coding = d->data_coding;
	part.ref = ie.ref;
	part.total = ie.total;
	part.seq = ie.seq;
	part.data = data;
	part.len = len;
	part.token = token;
	err = smpp_concat_add(l->concat, &part, now_ns, &m);
	if (err != FP_OK) {
		answer_now(l, seq, err == FP_EINVAL ? SMPP_RX_P_APPN :
		    SMPP_RX_T_APPN);
		return;
	}
	if (m == NULL)
		return;		/* answered with the whole message */
	hand_mo(l, m->from, m->from_ton, m->to, m->data_coding, m->data,
	    m->len, m->tokens, m->n_tokens);
	smpp_concat_msg_free(m);
}

void
smpp_deliver_take(struct smpp_link *l, const uint8_t *pdu, size_t len,
    uint32_t seq, int64_t now_ns)
{
	struct smpp_deliver *d;
	unsigned type;
	enum fp_err err;

	d = malloc(sizeof(*d));
	if (d == NULL) {
		answer_now(l, seq, SMPP_RX_T_APPN);
		return;
	}
	err = smpp_parse_deliver(pdu, len, d);
	if (err != FP_OK) {
		if (log_allow(&bad_lines))
			log_warnx("smpp.deliver.refused provider=%s seq=%u "
			    "len=%zu error=\"%s\"", l->p->name, seq, len,
			    err == FP_EIO ? "libsmpp34 refused it" :
			    "malformed");
		answer_now(l, seq, SMPP_RX_P_APPN);
		free(d);
		return;
	}
	type = d->esm_class & SMPP_ESM_TYPE_MASK;
	if (type == SMPP_ESM_RECEIPT || type == SMPP_ESM_INTERMEDIATE)
		take_receipt(l, d, seq);
	else if (type == 0)
		take_mo(l, d, seq, now_ns);
	else
		answer_now(l, seq, SMPP_ROK);	/* SME acknowledgements */
	free(d);
}

void
smpp_concat_flush(struct smpp_link *l, int64_t now_ns)
{
	struct smpp_concat_msg *m;

	for (;;) {
		m = smpp_concat_expire(l->concat, now_ns -
		    SMPP_CONCAT_WAIT_S * SMPP_NS_PER_S);
		if (m == NULL)
			break;
		log_info("smpp.mo.partial provider=%s parts=%zu", l->p->name,
		    m->n_tokens);
		hand_mo(l, m->from, m->from_ton, m->to, m->data_coding,
		    m->data, m->len, m->tokens, m->n_tokens);
		smpp_concat_msg_free(m);
	}
}
