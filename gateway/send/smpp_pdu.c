/*
 * smpp_pdu.c: SMPP 3.4 PDUs through libsmpp34, with our walk in front
 * of every unpack (see smpp_pdu.h).
 *
 * Why the walk: libsmpp34's unpack reads a C-octet string with strlen
 * before comparing it with what is left of the buffer, reads a TLV's
 * value by the size it expects for the tag whatever the TLV's length
 * says, allocates each TLV before reading it and loses it when reading
 * fails, and refuses a TON, NPI or status it has no name for.  The walk
 * refuses all of those first, so whatever reaches libsmpp34 unpacks
 * whole (the fuzz harness checks that).
 *
 * And it counts TLVs: libsmpp34 logs every field it reads into its 2 KiB
 * global smpp34_strerror, taking snprintf's would-be length off what is
 * left, so once the log passes 2048 octets the next field is written
 * past the buffer (tests/fuzz/fuzz_smpp.c found it: a deliver_sm of 30
 * empty TLVs).  A deliver_sm's mandatory fields log at most 570 octets
 * (its longest strings), each TLV about 54: SMPP_TLV_MAX TLVs keep the
 * log under 1,500.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <smpp34.h>
#include <smpp34_structs.h>
#include <smpp34_params.h>

#include "smpp_pdu.h"

/* libsmpp34 keeps a global error buffer and cursor: one call at a time. */
static pthread_mutex_t codec_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void
smpp_header_get(const uint8_t *b, struct smpp_header *h)
{
	h->len = get32(b);
	h->id = get32(b + 4);
	h->status = get32(b + 8);
	h->seq = get32(b + 12);
}

/* Copy a string that must fit field[size] with its NUL. */
static bool
put_cstr(uint8_t *field, size_t size, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n >= size)
		return false;
	if (n > 0)
		memcpy(field, s, n);
	field[n] = '\0';
	return true;
}

static size_t
pack(uint32_t id, uint8_t *buf, size_t cap, void *pdu)
{
	int len = 0, rc;

	if (cap > INT32_MAX)
		cap = INT32_MAX;
	pthread_mutex_lock(&codec_lock);
	rc = smpp34_pack(id, buf, (int)cap, &len, pdu);
	pthread_mutex_unlock(&codec_lock);
	return rc == 0 && len >= SMPP_HEADER_LEN ? (size_t)len : 0;
}

size_t
smpp_pack_bind(uint8_t *buf, size_t cap, uint32_t seq,
    const struct smpp_bind *b)
{
	bind_transceiver_t t;
	int len = 0, rc;

	memset(&t, 0, sizeof(t));
	t.command_id = BIND_TRANSCEIVER;
	t.sequence_number = seq;
	t.interface_version = SMPP_VERSION;
	if (!put_cstr(t.system_id, sizeof(t.system_id), b->system_id) ||
	    !put_cstr(t.password, sizeof(t.password), b->password) ||
	    !put_cstr(t.system_type, sizeof(t.system_type), b->system_type))
		return 0;
	if (cap > INT32_MAX)
		cap = INT32_MAX;
	pthread_mutex_lock(&codec_lock);
	rc = smpp34_pack(BIND_TRANSCEIVER, buf, (int)cap, &len, &t);
	/* libsmpp34 logged the password into its global buffer. */
	memset(smpp34_strerror, 0, sizeof(smpp34_strerror));
	pthread_mutex_unlock(&codec_lock);
	explicit_bzero(&t, sizeof(t));
	return rc == 0 && len >= SMPP_HEADER_LEN ? (size_t)len : 0;
}

size_t
smpp_pack_submit(uint8_t *buf, size_t cap, uint32_t seq,
    const struct smpp_submit *s)
{
	submit_sm_t t;

	memset(&t, 0, sizeof(t));
	t.command_id = SUBMIT_SM;
	t.sequence_number = seq;
	t.source_addr_ton = s->source_ton;
	t.source_addr_npi = s->source_npi;
	t.dest_addr_ton = s->dest_ton;
	t.dest_addr_npi = s->dest_npi;
	t.esm_class = s->esm_class;
	t.registered_delivery = s->registered_delivery;
	t.data_coding = s->data_coding;
	/* libsmpp34 refuses sm_length 254 when packing (its ">="). */
	if (s->sm_len >= SMPP_SM_MAX ||
	    !put_cstr(t.source_addr, sizeof(t.source_addr), s->source_addr) ||
	    !put_cstr(t.destination_addr, sizeof(t.destination_addr),
	    s->dest_addr) ||
	    !put_cstr(t.validity_period, sizeof(t.validity_period),
	    s->validity))
		return 0;
	t.sm_length = (uint8_t)s->sm_len;
	memcpy(t.short_message, s->sm, s->sm_len);
	return pack(SUBMIT_SM, buf, cap, &t);
}

size_t
smpp_pack_header(uint8_t *buf, size_t cap, uint32_t id, uint32_t status,
    uint32_t seq)
{
	generic_nack_t t;	/* every header-only PDU has this shape */

	memset(&t, 0, sizeof(t));
	t.command_id = id;
	t.command_status = status;
	t.sequence_number = seq;
	return pack(id, buf, cap, &t);
}

size_t
smpp_pack_deliver_resp(uint8_t *buf, size_t cap, uint32_t status,
    uint32_t seq)
{
	deliver_sm_resp_t t;

	memset(&t, 0, sizeof(t));
	t.command_id = DELIVER_SM_RESP;
	t.command_status = status;
	t.sequence_number = seq;
	return pack(DELIVER_SM_RESP, buf, cap, &t);
}

void
smpp_validity(int64_t seconds, char out[17])
{
	int64_t d, h, m, s;

	if (seconds < 60)
		seconds = 60;
	if (seconds > 99 * 86400)
		seconds = 99 * 86400;
	d = seconds / 86400;
	h = seconds / 3600 % 24;
	m = seconds / 60 % 60;
	s = seconds % 60;
	snprintf(out, 17, "0000%02lld%02lld%02lld%02lld000R", (long long)d,
	    (long long)h, (long long)m, (long long)s);
}

/* ---- the walk ---------------------------------------------------------- */

struct walk {
	const uint8_t *p;
	size_t	 len;
	size_t	 off;
	bool	 ok;
};

/* A C-octet string of at most `size` octets with its NUL. */
static void
w_cstr(struct walk *w, size_t size)
{
	const uint8_t *nul;
	size_t room;

	if (!w->ok)
		return;
	room = w->len - w->off;
	if (room > size)
		room = size;
	nul = memchr(w->p + w->off, '\0', room);
	if (nul == NULL) {
		w->ok = false;
		return;
	}
	w->off = (size_t)(nul - w->p) + 1;
}

static uint8_t
w_u8(struct walk *w)
{
	if (!w->ok || w->off >= w->len) {
		w->ok = false;
		return 0;
	}
	return w->p[w->off++];
}

/* The TON and NPI values libsmpp34 has names for (def_list/). */
static bool
ton_known(uint8_t v)
{
	return v <= 6;
}

static bool
npi_known(uint8_t v)
{
	return v == 0 || v == 1 || v == 3 || v == 4 || v == 6 || v == 8 ||
	    v == 9 || v == 10 || v == 14 || v == 18;
}

/*
 * The size libsmpp34 reads for a deliver_sm TLV (def_frame/
 * deliver_sm.tlv): a fixed size (> 0) for integer tags, else the
 * largest value it takes (as a negative number).
 */
static int
deliver_tlv_size(uint16_t tag)
{
	switch (tag) {
	case TLVID_user_message_reference:
	case TLVID_source_port:
	case TLVID_destination_port:
	case TLVID_sar_msg_ref_num:
	case TLVID_its_session_info:
		return 2;
	case TLVID_sar_total_segments:
	case TLVID_sar_segment_seqnum:
	case TLVID_user_response_code:
	case TLVID_privacy_indicator:
	case TLVID_payload_type:
	case TLVID_language_indicator:
	case TLVID_message_state:
	case TLVID_set_dpf:
	case TLVID_source_network_type:
		return 1;
	case TLVID_callback_num:
		return -19;
	case TLVID_source_subaddress:
	case TLVID_dest_subaddress:
		return -23;
	case TLVID_network_error_code:
		return -3;
	case TLVID_receipted_message_id:
		return -SMPP_MSGID_MAX;
	default:
		return -SMPP_PAYLOAD_MAX;
	}
}

/* The same for bind_transceiver_resp (one integer tag). */
static int
bind_resp_tlv_size(uint16_t tag)
{
	return tag == TLVID_sc_interface_version ? 1 : -SMPP_PAYLOAD_MAX;
}

/* TLVs to the end of the PDU, each the size libsmpp34 will read, at
 * most SMPP_TLV_MAX of them. */
static void
w_tlvs(struct walk *w, int (*size_of)(uint16_t))
{
	uint16_t tag, l;
	int want, n = 0;

	while (w->ok && w->off < w->len) {
		if (w->len - w->off < 4 || ++n > SMPP_TLV_MAX) {
			w->ok = false;
			return;
		}
		tag = get16(w->p + w->off);
		l = get16(w->p + w->off + 2);
		w->off += 4;
		want = size_of(tag);
		if ((want > 0 && l != want) || (want < 0 && l > -want) ||
		    l > w->len - w->off) {
			w->ok = false;
			return;
		}
		w->off += l;
	}
}

/* The header of pdu[0..len): its length is len, and libsmpp34 takes it. */
static bool
header_ok(const uint8_t *pdu, size_t len, struct smpp_header *h)
{
	char name[48];

	if (len < SMPP_HEADER_LEN || len > SMPP_PDU_MAX)
		return false;
	smpp_header_get(pdu, h);
	if (h->len != len || h->seq == 0)
		return false;
	/* libsmpp34 refuses a status it has no name for. */
	smpp_status_name(h->status, name);
	return name[0] == 'E';
}

static int
unpack(uint32_t id, void *pdu, const uint8_t *buf, size_t len)
{
	int rc;

	pthread_mutex_lock(&codec_lock);
	rc = smpp34_unpack(id, pdu, buf, (int)len);
	pthread_mutex_unlock(&codec_lock);
	return rc;
}

static void
copy_str(char *dst, size_t size, const uint8_t *src, size_t src_size)
{
	size_t n = strnlen((const char *)src, src_size);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

enum fp_err
smpp_parse_resp(const uint8_t *pdu, size_t len, char id[SMPP_MSGID_MAX])
{
	struct smpp_header h;
	struct walk w;

	id[0] = '\0';
	if (len < SMPP_HEADER_LEN || len > SMPP_PDU_MAX)
		return FP_EINVAL;
	smpp_header_get(pdu, &h);
	if (h.len != len || (h.id != SMPP_SUBMIT_SM_RESP &&
	    h.id != SMPP_BIND_TRANSCEIVER_RESP))
		return FP_EINVAL;
	/* An error needs no body, and SMSCs put anything there. */
	if (h.status != SMPP_ROK)
		return FP_OK;
	if (!header_ok(pdu, len, &h))
		return FP_EINVAL;
	w = (struct walk){ pdu, len, SMPP_HEADER_LEN, true };
	if (h.id == SMPP_SUBMIT_SM_RESP) {
		submit_sm_resp_t r;

		w_cstr(&w, SMPP_MSGID_MAX);
		if (!w.ok || w.off != len)
			return FP_EINVAL;
		memset(&r, 0, sizeof(r));
		if (unpack(SUBMIT_SM_RESP, &r, pdu, len) != 0)
			return FP_EIO;
		copy_str(id, SMPP_MSGID_MAX, r.message_id,
		    sizeof(r.message_id));
		return FP_OK;
	} else {
		bind_transceiver_resp_t r;

		w_cstr(&w, 16);
		w_tlvs(&w, bind_resp_tlv_size);
		if (!w.ok)
			return FP_EINVAL;
		memset(&r, 0, sizeof(r));
		if (unpack(BIND_TRANSCEIVER_RESP, &r, pdu, len) != 0) {
			destroy_tlv(r.tlv);
			return FP_EIO;
		}
		copy_str(id, SMPP_MSGID_MAX, r.system_id, sizeof(r.system_id));
		destroy_tlv(r.tlv);
		return FP_OK;
	}
}

/* The deliver_sm's mandatory part and TLVs, as libsmpp34 will read them. */
static bool
walk_deliver(const uint8_t *pdu, size_t len)
{
	struct walk w = { pdu, len, SMPP_HEADER_LEN, true };
	uint8_t sm_len;

	w_cstr(&w, 6);				/* service_type */
	if (!ton_known(w_u8(&w)) || !npi_known(w_u8(&w)))
		return false;
	w_cstr(&w, SMPP_ADDR_MAX);		/* source_addr */
	if (!ton_known(w_u8(&w)) || !npi_known(w_u8(&w)))
		return false;
	w_cstr(&w, SMPP_ADDR_MAX);		/* destination_addr */
	(void)w_u8(&w);				/* esm_class */
	(void)w_u8(&w);				/* protocol_id */
	(void)w_u8(&w);				/* priority_flag */
	w_cstr(&w, 1);				/* schedule_delivery_time */
	w_cstr(&w, 1);				/* validity_period */
	(void)w_u8(&w);				/* registered_delivery */
	(void)w_u8(&w);				/* replace_if_present */
	(void)w_u8(&w);				/* data_coding */
	(void)w_u8(&w);				/* sm_default_msg_id */
	sm_len = w_u8(&w);
	if (!w.ok || sm_len > SMPP_SM_MAX || sm_len > w.len - w.off)
		return false;
	w.off += sm_len;
	w_tlvs(&w, deliver_tlv_size);
	return w.ok && w.off == len;
}

static void
network_error(const tlv_t *t, char out[16])
{
	/* 5.3.2.31: network type, then a 2-octet error code. */
	if (t->length == 3)
		snprintf(out, 16, "%u:%u", t->value.octet[0],
		    (unsigned)(t->value.octet[1] << 8 | t->value.octet[2]));
}

enum fp_err
smpp_parse_deliver(const uint8_t *pdu, size_t len, struct smpp_deliver *d)
{
	struct smpp_header h;
	deliver_sm_t t;
	const tlv_t *tlv;
	const uint8_t *payload = NULL;
	size_t payload_len = 0;

	memset(d, 0, sizeof(*d));
	d->message_state = -1;
	d->sar_ref = -1;
	if (!header_ok(pdu, len, &h) || h.id != SMPP_DELIVER_SM ||
	    h.status != SMPP_ROK || !walk_deliver(pdu, len))
		return FP_EINVAL;
	memset(&t, 0, sizeof(t));
	if (unpack(DELIVER_SM, &t, pdu, len) != 0) {
		destroy_tlv(t.tlv);
		return FP_EIO;
	}
	d->source_ton = t.source_addr_ton;
	d->source_npi = t.source_addr_npi;
	copy_str(d->source_addr, sizeof(d->source_addr), t.source_addr,
	    sizeof(t.source_addr));
	copy_str(d->dest_addr, sizeof(d->dest_addr), t.destination_addr,
	    sizeof(t.destination_addr));
	d->esm_class = t.esm_class;
	d->data_coding = t.data_coding;
	memcpy(d->sm, t.short_message, t.sm_length);
	d->sm_len = t.sm_length;
	smpp34_tlv_for_each(tlv, t.tlv) {
		switch (tlv->tag) {
		case TLVID_receipted_message_id:
			copy_str(d->receipted_id, sizeof(d->receipted_id),
			    tlv->value.octet, tlv->length);
			break;
		case TLVID_message_state:
			d->message_state = tlv->value.val08;
			break;
		case TLVID_network_error_code:
			network_error(tlv, d->network_error);
			break;
		case TLVID_sar_msg_ref_num:
			d->sar_ref = tlv->value.val16;
			break;
		case TLVID_sar_total_segments:
			d->sar_total = tlv->value.val08;
			break;
		case TLVID_sar_segment_seqnum:
			d->sar_seq = tlv->value.val08;
			break;
		case TLVID_message_payload:
			payload = tlv->value.octet;
			payload_len = tlv->length;
			break;
		default:
			break;
		}
	}
	/* 5.3.2.32: the payload instead of short_message, not both. */
	if (d->sm_len == 0 && payload != NULL) {
		memcpy(d->sm, payload, payload_len);
		d->sm_len = payload_len;
	}
	/* All three SAR TLVs, in range, or none. */
	if (d->sar_ref >= 0 && (d->sar_total < 1 || d->sar_seq < 1 ||
	    d->sar_seq > d->sar_total))
		d->sar_ref = -1;
	destroy_tlv(t.tlv);
	return FP_OK;
}

/* ---- receipts ------------------------------------------------------------ */

/*
 * The value of `key` (with its colon, any case) in text[0..len): found
 * at the start or after a space, before "text:", up to the next space;
 * copied into out[size].  False when absent.
 */
static bool
receipt_field(const char *text, size_t len, const char *key, char *out,
    size_t size)
{
	size_t klen = strlen(key), i, j;

	out[0] = '\0';
	for (i = 0; i + klen <= len; i++) {
		if (i > 0 && text[i - 1] != ' ')
			continue;
		if (i + 5 <= len && strncasecmp(text + i, "text:", 5) == 0)
			break;
		if (strncasecmp(text + i, key, klen) != 0)
			continue;
		i += klen;
		for (j = 0; i + j < len && text[i + j] != ' ' &&
		    text[i + j] != '\0' && j + 1 < size; j++)
			out[j] = text[i + j];
		out[j] = '\0';
		return true;
	}
	return false;
}

bool
smpp_receipt_parse(const char *text, size_t len, struct smpp_receipt *r)
{
	memset(r, 0, sizeof(*r));
	receipt_field(text, len, "stat:", r->stat, sizeof(r->stat));
	receipt_field(text, len, "err:", r->err, sizeof(r->err));
	return receipt_field(text, len, "id:", r->id, sizeof(r->id)) &&
	    r->id[0] != '\0';
}

bool
smpp_receipt_state(int message_state, const char *stat, enum dlr_state *out)
{
	static const char *const pending[] = {
		"ACCEPTD", "ACKED", "BUFFRED", "BUFFERD", "ENROUTE", NULL
	};
	size_t i;

	if (message_state >= 0) {
		/* 5.2.28: 1 ENROUTE, 2 DELIVERED, 6 ACCEPTED; 3 EXPIRED,
		 * 4 DELETED, 5 UNDELIVERABLE, 7 UNKNOWN, 8 REJECTED. */
		if (message_state == 2)
			*out = DLR_DELIVERED;
		else if (message_state == 1 || message_state == 6)
			*out = DLR_SENT;
		else
			*out = DLR_FAILED;
		return true;
	}
	if (stat == NULL || stat[0] == '\0')
		return false;
	if (strcasecmp(stat, "DELIVRD") == 0) {
		*out = DLR_DELIVERED;
		return true;
	}
	for (i = 0; pending[i] != NULL; i++)
		if (strcasecmp(stat, pending[i]) == 0) {
			*out = DLR_SENT;
			return true;
		}
	*out = DLR_FAILED;
	return true;
}

/* ---- user data header -------------------------------------------------- */

bool
smpp_udh_parse(const uint8_t *sm, size_t len, size_t *hdr_len,
    struct smpp_concat_ie *c, bool *has_concat)
{
	size_t udhl, off = 1, iel;
	uint8_t iei;

	*has_concat = false;
	if (len < 1)
		return false;
	udhl = sm[0];
	if (udhl + 1 > len)
		return false;
	*hdr_len = udhl + 1;
	while (off < udhl + 1) {
		if (udhl + 1 - off < 2)
			return false;
		iei = sm[off];
		iel = sm[off + 1];
		off += 2;
		if (iel > udhl + 1 - off)
			return false;
		if (iei == 0x00 && iel == 3 && sm[off + 1] > 0 &&
		    sm[off + 2] > 0 && sm[off + 2] <= sm[off + 1]) {
			c->ref = sm[off];
			c->total = sm[off + 1];
			c->seq = sm[off + 2];
			*has_concat = true;
		} else if (iei == 0x08 && iel == 4 && sm[off + 2] > 0 &&
		    sm[off + 3] > 0 && sm[off + 3] <= sm[off + 2]) {
			c->ref = (unsigned)(sm[off] << 8 | sm[off + 1]);
			c->total = sm[off + 2];
			c->seq = sm[off + 3];
			*has_concat = true;
		}
		off += iel;
	}
	return true;
}

/* ---- statuses ------------------------------------------------------------ */

enum smpp_class
smpp_status_class(uint32_t status)
{
	switch (status) {
	case ESME_ROK:
		return SMPP_CLASS_OK;
	case ESME_RTHROTTLED:
	case ESME_RMSGQFUL:
		return SMPP_CLASS_THROTTLED;
	/* The message itself is refused: sending it again will not help. */
	case ESME_RINVMSGLEN:
	case ESME_RINVSRCADR:
	case ESME_RINVDSTADR:
	case ESME_RINVESMCLASS:
	case ESME_RINVSRCTON:
	case ESME_RINVSRCNPI:
	case ESME_RINVDSTTON:
	case ESME_RINVDSTNPI:
	case ESME_RINVSERTYP:
	case ESME_RINVREGDLVFLG:
	case ESME_RINVPRTFLG:
	case ESME_RINVEXPIRY:
	case ESME_RINVSCHED:
	case ESME_RINVDFTMSGID:
	case ESME_RX_P_APPN:
	case ESME_RX_R_APPN:
	case ESME_RINVOPTPARAMVAL:
	case ESME_RINVOPTPARSTREAM:
	case ESME_ROPTPARNOTALLWD:
	case ESME_RINVPARLEN:
	case ESME_RMISSINGOPTPARAM:
		return SMPP_CLASS_PERMANENT;
	/* ESME_RSYSERR, RX_T_APPN, RSUBMITFAIL, RINVBNDSTS, vendor codes
	 * and anything else unexpected: as SPEC 4's 5xx, tried again. */
	default:
		return SMPP_CLASS_TRANSIENT;
	}
}

const char *
smpp_status_name(uint32_t status, char buf[48])
{
	char name[SMALL_BUFF];

	str_command_status(status, name);
	if (name[0] != '\0')
		snprintf(buf, 48, "%s", name);
	else
		snprintf(buf, 48, "0x%08x", status);
	return buf;
}
