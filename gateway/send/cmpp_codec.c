/*
 * cmpp_codec.c: CMPP 2.0 PDUs to and from bytes (see cmpp_codec.h).
 *
 * Reading goes through a cursor (struct rd) whose every take checks the
 * bytes left first; the body lengths are checked whole before that as
 * well, so a short or lying PDU fails once, at its start.  MD5 is
 * libcrypto's (EVP), as the specification's authenticators require.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "charset.h"
#include "cmpp_codec.h"
#include "gsm.h"

/* Fixed parts of the bodies, in bytes. */
#define CONNECT_BODY		27
#define CONNECT_RESP_BODY	18
#define SUBMIT_FIXED		117	/* up to and with DestUsr_tl */
#define DELIVER_FIXED		65	/* up to and with Msg_Length */
#define RESERVE_LEN		8
#define RESP_BODY		9	/* Msg_Id + Result */

#define CST_OFFSET_S		(8 * 3600)

/* ---- reading ------------------------------------------------------------ */

struct rd {
	const uint8_t	*p;
	size_t		 left;
};

static bool
take(struct rd *r, size_t n, const uint8_t **out)
{
	if (n > r->left)
		return false;
	*out = r->p;
	r->p += n;
	r->left -= n;
	return true;
}

static bool
get8(struct rd *r, uint8_t *v)
{
	const uint8_t *b;

	if (!take(r, 1, &b))
		return false;
	*v = b[0];
	return true;
}

static uint32_t
be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static bool
get32(struct rd *r, uint32_t *v)
{
	const uint8_t *b;

	if (!take(r, 4, &b))
		return false;
	*v = be32(b);
	return true;
}

static bool
get64(struct rd *r, uint64_t *v)
{
	const uint8_t *b;

	if (!take(r, 8, &b))
		return false;
	*v = (uint64_t)be32(b) << 32 | be32(b + 4);
	return true;
}

/* A fixed-width octet string into out[width + 1], up to its first NUL. */
static bool
getstr(struct rd *r, size_t width, char *out)
{
	const uint8_t *b;
	size_t i;

	if (!take(r, width, &b))
		return false;
	for (i = 0; i < width && b[i] != 0; i++)
		out[i] = (char)b[i];
	out[i] = '\0';
	return true;
}

static bool
skip(struct rd *r, size_t n)
{
	const uint8_t *b;

	return take(r, n, &b);
}

/* ---- writing ------------------------------------------------------------ */

struct wr {
	uint8_t	*p;
	size_t	 left;
	bool	 ok;
};

static void
put(struct wr *w, const void *v, size_t n)
{
	if (!w->ok || n > w->left) {
		w->ok = false;
		return;
	}
	memcpy(w->p, v, n);
	w->p += n;
	w->left -= n;
}

static void
put8(struct wr *w, uint8_t v)
{
	put(w, &v, 1);
}

static void
put32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, sizeof(b));
}

static void
put64(struct wr *w, uint64_t v)
{
	put32(w, (uint32_t)(v >> 32));
	put32(w, (uint32_t)v);
}

/* s NUL-padded to width; a longer s spoils the PDU. */
static void
putstr(struct wr *w, const char *s, size_t width)
{
	size_t n = s != NULL ? strlen(s) : 0;
	uint8_t zero[32];

	if (n > width) {
		w->ok = false;
		return;
	}
	put(w, s, n);
	memset(zero, 0, sizeof(zero));
	while (n < width) {
		size_t k = width - n < sizeof(zero) ? width - n : sizeof(zero);

		put(w, zero, k);
		n += k;
	}
}

/* Start a PDU; cmpp_finish writes its Total_Length. */
static void
start(struct wr *w, uint8_t *buf, size_t cap, uint32_t command_id,
    uint32_t seq)
{
	w->p = buf;
	w->left = cap;
	w->ok = true;
	put32(w, 0);
	put32(w, command_id);
	put32(w, seq);
}

static size_t
finish(struct wr *w, uint8_t *buf, size_t cap)
{
	size_t len;

	if (!w->ok)
		return 0;
	len = cap - w->left;
	buf[0] = (uint8_t)(len >> 24);
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	return len;
}

/* ---- framing and decoding ----------------------------------------------- */

enum fp_err
cmpp_frame(const uint8_t *buf, size_t len, size_t *pdu_len)
{
	uint32_t total;

	*pdu_len = 0;
	if (len < 4)
		return FP_OK;
	total = be32(buf);
	if (total < CMPP_HEADER_LEN || total > CMPP_PDU_MAX)
		return FP_EINVAL;
	*pdu_len = total;
	return FP_OK;
}

static enum fp_err
decode_connect(struct rd *r, struct cmpp_connect *c)
{
	const uint8_t *b;

	if (r->left != CONNECT_BODY || !getstr(r, 6, c->source_addr) ||
	    !take(r, 16, &b))
		return FP_EINVAL;
	memcpy(c->authenticator, b, 16);
	if (!get8(r, &c->version) || !get32(r, &c->timestamp))
		return FP_EINVAL;
	return FP_OK;
}

static enum fp_err
decode_connect_resp(struct rd *r, struct cmpp_connect_resp *c)
{
	const uint8_t *b;

	if (r->left != CONNECT_RESP_BODY || !get8(r, &c->status) ||
	    !take(r, 16, &b))
		return FP_EINVAL;
	memcpy(c->authenticator, b, 16);
	return get8(r, &c->version) ? FP_OK : FP_EINVAL;
}

static enum fp_err
decode_submit(struct rd *r, struct cmpp_submit *s)
{
	const uint8_t *b;
	size_t i;

	if (r->left < SUBMIT_FIXED)
		return FP_EINVAL;
	if (!get64(r, &s->msg_id) || !get8(r, &s->pk_total) ||
	    !get8(r, &s->pk_number) || !get8(r, &s->registered_delivery) ||
	    !get8(r, &s->msg_level) || !getstr(r, 10, s->service_id) ||
	    !get8(r, &s->fee_usertype) ||
	    !getstr(r, CMPP_TERMINAL_LEN, s->fee_terminal_id) ||
	    !get8(r, &s->tp_pid) || !get8(r, &s->tp_udhi) ||
	    !get8(r, &s->msg_fmt) || !getstr(r, 6, s->msg_src) ||
	    !getstr(r, 2, s->fee_type) || !getstr(r, 6, s->fee_code) ||
	    !getstr(r, 17, s->valid_time) || !getstr(r, 17, s->at_time) ||
	    !getstr(r, CMPP_TERMINAL_LEN, s->src_id) || !get8(r, &s->n_dest))
		return FP_EINVAL;
	if (s->n_dest == 0 || s->n_dest > CMPP_DEST_MAX ||
	    r->left < (size_t)s->n_dest * CMPP_TERMINAL_LEN + 1)
		return FP_EINVAL;
	for (i = 0; i < s->n_dest; i++)
		if (!getstr(r, CMPP_TERMINAL_LEN, s->dest[i]))
			return FP_EINVAL;
	if (!get8(r, &s->msg_length) ||
	    r->left != (size_t)s->msg_length + RESERVE_LEN ||
	    !take(r, s->msg_length, &b))
		return FP_EINVAL;
	memcpy(s->content, b, s->msg_length);
	return skip(r, RESERVE_LEN) ? FP_OK : FP_EINVAL;
}

static enum fp_err
decode_resp(struct rd *r, uint64_t *msg_id, uint8_t *result)
{
	if (r->left != RESP_BODY || !get64(r, msg_id) || !get8(r, result))
		return FP_EINVAL;
	return FP_OK;
}

static enum fp_err
decode_report(const uint8_t *b, size_t len, struct cmpp_report *rep)
{
	struct rd r = { b, len };

	if (len != CMPP_REPORT_LEN || !get64(&r, &rep->msg_id) ||
	    !getstr(&r, 7, rep->stat) || !getstr(&r, 10, rep->submit_time) ||
	    !getstr(&r, 10, rep->done_time) ||
	    !getstr(&r, CMPP_TERMINAL_LEN, rep->dest_terminal_id) ||
	    !get32(&r, &rep->smsc_sequence))
		return FP_EINVAL;
	return FP_OK;
}

/*
 * The UDH at the start of an MO's content: its length must fit, and its
 * elements must fit it.  A concatenation element (00: 8-bit reference,
 * 08: 16-bit) with a sane total and number is taken; 3GPP TS 23.040
 * says to ignore one that is not.
 */
static enum fp_err
decode_udh(struct cmpp_deliver *d)
{
	size_t udhl, i, iel;
	const uint8_t *c = d->content;

	if (d->msg_length < 1)
		return FP_EINVAL;
	udhl = c[0];
	if (1 + udhl > d->msg_length)
		return FP_EINVAL;
	for (i = 1; i + 2 <= 1 + udhl; i += 2 + iel) {
		uint8_t iei = c[i];

		iel = c[i + 1];
		if (i + 2 + iel > 1 + udhl)
			return FP_EINVAL;
		if (iei == 0x00 && iel == 3 && c[i + 3] >= 1 &&
		    c[i + 4] >= 1 && c[i + 4] <= c[i + 3]) {
			d->has_concat = true;
			d->concat_ref = c[i + 2];
			d->concat_total = c[i + 3];
			d->concat_seq = c[i + 4];
		} else if (iei == 0x08 && iel == 4 && c[i + 4] >= 1 &&
		    c[i + 5] >= 1 && c[i + 5] <= c[i + 4]) {
			d->has_concat = true;
			d->concat_ref = (uint16_t)(c[i + 2] << 8 | c[i + 3]);
			d->concat_total = c[i + 4];
			d->concat_seq = c[i + 5];
		}
	}
	d->text_off = (uint8_t)(1 + udhl);
	return FP_OK;
}

static enum fp_err
decode_deliver(struct rd *r, struct cmpp_deliver *d)
{
	const uint8_t *b;

	if (r->left < DELIVER_FIXED)
		return FP_EINVAL;
	if (!get64(r, &d->msg_id) ||
	    !getstr(r, CMPP_TERMINAL_LEN, d->dest_id) ||
	    !getstr(r, 10, d->service_id) || !get8(r, &d->tp_pid) ||
	    !get8(r, &d->tp_udhi) || !get8(r, &d->msg_fmt) ||
	    !getstr(r, CMPP_TERMINAL_LEN, d->src_terminal_id) ||
	    !get8(r, &d->registered_delivery) || !get8(r, &d->msg_length))
		return FP_EINVAL;
	if (r->left != (size_t)d->msg_length + RESERVE_LEN ||
	    !take(r, d->msg_length, &b))
		return FP_EINVAL;
	memcpy(d->content, b, d->msg_length);
	if (!skip(r, RESERVE_LEN))
		return FP_EINVAL;
	if (d->registered_delivery == 1) {
		d->is_report = true;
		return decode_report(d->content, d->msg_length, &d->report);
	}
	if (d->registered_delivery != 0)
		return FP_EINVAL;
	return d->tp_udhi != 0 ? decode_udh(d) : FP_OK;
}

enum fp_err
cmpp_decode(const uint8_t *buf, size_t len, struct cmpp_pdu *out)
{
	struct rd r;
	uint8_t reserved;

	memset(out, 0, sizeof(*out));
	if (len < CMPP_HEADER_LEN || len > CMPP_PDU_MAX)
		return FP_EINVAL;
	out->total_length = be32(buf);
	out->command_id = be32(buf + 4);
	out->sequence_id = be32(buf + 8);
	if (out->total_length != len)
		return FP_EINVAL;
	r.p = buf + CMPP_HEADER_LEN;
	r.left = len - CMPP_HEADER_LEN;
	switch (out->command_id) {
	case CMPP_CONNECT:
		return decode_connect(&r, &out->u.connect);
	case CMPP_CONNECT_RESP:
		return decode_connect_resp(&r, &out->u.connect_resp);
	case CMPP_SUBMIT:
		return decode_submit(&r, &out->u.submit);
	case CMPP_SUBMIT_RESP:
		return decode_resp(&r, &out->u.submit_resp.msg_id,
		    &out->u.submit_resp.result);
	case CMPP_DELIVER:
		return decode_deliver(&r, &out->u.deliver);
	case CMPP_DELIVER_RESP:
		return decode_resp(&r, &out->u.deliver_resp.msg_id,
		    &out->u.deliver_resp.result);
	case CMPP_TERMINATE:
	case CMPP_TERMINATE_RESP:
	case CMPP_ACTIVE_TEST:
		return r.left == 0 ? FP_OK : FP_EINVAL;
	case CMPP_ACTIVE_TEST_RESP:
		/* Reserved (1 byte); some gateways send none. */
		if (r.left == 0)
			return FP_OK;
		return r.left == 1 && get8(&r, &reserved) ? FP_OK : FP_EINVAL;
	default:
		return FP_ENOTFOUND;
	}
}

/* ---- authenticators ----------------------------------------------------- */

uint32_t
cmpp_timestamp(int64_t now)
{
	time_t t = (time_t)(now + CST_OFFSET_S);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return 0;
	return (uint32_t)(tm.tm_mon + 1) * 100000000u +
	    (uint32_t)tm.tm_mday * 1000000u + (uint32_t)tm.tm_hour * 10000u +
	    (uint32_t)tm.tm_min * 100u + (uint32_t)tm.tm_sec;
}

/* MD5 over the pieces in order. */
static enum fp_err
md5(const void *const *piece, const size_t *len, size_t n, uint8_t out[16])
{
	EVP_MD_CTX *ctx;
	unsigned int out_len = 0;
	size_t i;
	int ok;

	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return FP_ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
	for (i = 0; i < n && ok == 1; i++)
		ok = EVP_DigestUpdate(ctx, piece[i], len[i]);
	if (ok == 1)
		ok = EVP_DigestFinal_ex(ctx, out, &out_len);
	EVP_MD_CTX_free(ctx);
	return ok == 1 && out_len == 16 ? FP_OK : FP_ENOMEM;
}

enum fp_err
cmpp_auth_source(const char *source_addr, const uint8_t *secret,
    size_t secret_len, uint32_t timestamp, uint8_t out[16])
{
	static const uint8_t zeros[9];
	char ts[16];
	const void *piece[4];
	size_t len[4];

	if (strlen(source_addr) > 6 || timestamp > 1231235959u)
		return FP_EINVAL;
	snprintf(ts, sizeof(ts), "%010u", (unsigned)timestamp);
	piece[0] = source_addr;
	len[0] = strlen(source_addr);
	piece[1] = zeros;
	len[1] = sizeof(zeros);
	piece[2] = secret;
	len[2] = secret_len;
	piece[3] = ts;
	len[3] = 10;
	return md5(piece, len, 4, out);
}

enum fp_err
cmpp_auth_ismg(uint8_t status, const uint8_t auth_source[16],
    const uint8_t *secret, size_t secret_len, uint8_t out[16])
{
	const void *piece[3] = { &status, auth_source, secret };
	size_t len[3] = { 1, 16, secret_len };

	return md5(piece, len, 3, out);
}

/* ---- encoding ----------------------------------------------------------- */

size_t
cmpp_encode_connect(uint8_t *buf, size_t cap, uint32_t seq,
    const struct cmpp_connect *c)
{
	struct wr w;

	start(&w, buf, cap, CMPP_CONNECT, seq);
	putstr(&w, c->source_addr, 6);
	put(&w, c->authenticator, 16);
	put8(&w, c->version);
	put32(&w, c->timestamp);
	return finish(&w, buf, cap);
}

size_t
cmpp_encode_submit(uint8_t *buf, size_t cap, uint32_t seq,
    const struct cmpp_submit *s)
{
	struct wr w;
	size_t i;

	if (s->n_dest == 0 || s->n_dest > CMPP_DEST_MAX)
		return 0;
	start(&w, buf, cap, CMPP_SUBMIT, seq);
	put64(&w, s->msg_id);
	put8(&w, s->pk_total);
	put8(&w, s->pk_number);
	put8(&w, s->registered_delivery);
	put8(&w, s->msg_level);
	putstr(&w, s->service_id, 10);
	put8(&w, s->fee_usertype);
	putstr(&w, s->fee_terminal_id, CMPP_TERMINAL_LEN);
	put8(&w, s->tp_pid);
	put8(&w, s->tp_udhi);
	put8(&w, s->msg_fmt);
	putstr(&w, s->msg_src, 6);
	putstr(&w, s->fee_type, 2);
	putstr(&w, s->fee_code, 6);
	putstr(&w, s->valid_time, 17);
	putstr(&w, s->at_time, 17);
	putstr(&w, s->src_id, CMPP_TERMINAL_LEN);
	put8(&w, s->n_dest);
	for (i = 0; i < s->n_dest; i++)
		putstr(&w, s->dest[i], CMPP_TERMINAL_LEN);
	put8(&w, s->msg_length);
	put(&w, s->content, s->msg_length);
	putstr(&w, "", RESERVE_LEN);
	return finish(&w, buf, cap);
}

size_t
cmpp_encode_deliver_resp(uint8_t *buf, size_t cap, uint32_t seq,
    uint64_t msg_id, uint8_t result)
{
	struct wr w;

	start(&w, buf, cap, CMPP_DELIVER_RESP, seq);
	put64(&w, msg_id);
	put8(&w, result);
	return finish(&w, buf, cap);
}

size_t
cmpp_encode_empty(uint8_t *buf, size_t cap, uint32_t command_id, uint32_t seq)
{
	struct wr w;

	start(&w, buf, cap, command_id, seq);
	return finish(&w, buf, cap);
}

size_t
cmpp_encode_active_test_resp(uint8_t *buf, size_t cap, uint32_t seq)
{
	struct wr w;

	start(&w, buf, cap, CMPP_ACTIVE_TEST_RESP, seq);
	put8(&w, 0);
	return finish(&w, buf, cap);
}

/* ---- texts -------------------------------------------------------------- */

/* The next code point of valid UTF-8 at s (of n bytes); its length. */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80 || n < 2) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xe0) {
		*cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if (s[0] < 0xf0 || n < 4) {
		*cp = n < 3 ? 0xfffd : (uint32_t)(s[0] & 0x0f) << 12 |
		    (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		return n < 3 ? n : 3;
	}
	*cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
	    (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	return 4;
}

static bool
is_gsm_ext(unsigned char c)
{
	return c != '\0' && strchr("^{}\\[~]|", c) != NULL;
}

static bool
is_plain_ascii(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			return false;
	return true;
}

static void
put_udh(struct cmpp_part *p, uint8_t ref, size_t total, size_t k)
{
	p->tp_udhi = 1;
	p->content[0] = 0x05;
	p->content[1] = 0x00;
	p->content[2] = 0x03;
	p->content[3] = ref;
	p->content[4] = (uint8_t)total;
	p->content[5] = (uint8_t)k;
	p->len = CMPP_UDH_LEN;
}

/* ASCII that fits GSM-7: split by septets, as gsm.c counts them. */
static enum fp_err
ascii_parts(const char *text, size_t len, uint8_t ref,
    struct cmpp_part *parts, size_t max, size_t *n)
{
	size_t septets = 0, i, total, k, used, start_i;

	for (i = 0; i < len; i++)
		septets += is_gsm_ext((unsigned char)text[i]) ? 2 : 1;
	if (septets <= 160 && len <= CMPP_TEXT_ASCII_MAX) {
		if (max < 1)
			return FP_ETOOBIG;
		parts[0].msg_fmt = CMPP_FMT_ASCII;
		parts[0].tp_udhi = 0;
		parts[0].len = (uint8_t)len;
		memcpy(parts[0].content, text, len);
		*n = 1;
		return FP_OK;
	}
	/* Count the parts first: the UDH names the total. */
	for (total = 0, i = 0; i < len; total++) {
		for (used = 0; i < len; i++) {
			size_t c = is_gsm_ext((unsigned char)text[i]) ? 2 : 1;

			if (used + c > 153)
				break;
			used += c;
		}
	}
	if (total > max || total > CMPP_PARTS_MAX)
		return FP_ETOOBIG;
	for (k = 0, i = 0; k < total; k++) {
		struct cmpp_part *p = &parts[k];

		p->msg_fmt = CMPP_FMT_ASCII;
		put_udh(p, ref, total, k + 1);
		start_i = i;
		for (used = 0; i < len; i++) {
			size_t c = is_gsm_ext((unsigned char)text[i]) ? 2 : 1;

			if (used + c > 153)
				break;
			used += c;
		}
		memcpy(p->content + p->len, text + start_i, i - start_i);
		p->len = (uint8_t)(p->len + (i - start_i));
	}
	*n = total;
	return FP_OK;
}

/* UTF-16 units of the code point; its big-endian bytes into b. */
static size_t
utf16be(uint32_t cp, uint8_t b[4])
{
	if (cp < 0x10000) {
		b[0] = (uint8_t)(cp >> 8);
		b[1] = (uint8_t)cp;
		return 1;
	}
	cp -= 0x10000;
	b[0] = (uint8_t)(0xd8 | (cp >> 18));
	b[1] = (uint8_t)(cp >> 10);
	b[2] = (uint8_t)(0xdc | ((cp >> 8) & 0x03));
	b[3] = (uint8_t)cp;
	return 2;
}

static enum fp_err
ucs2_parts(const char *text, size_t len, uint8_t ref, struct cmpp_part *parts,
    size_t max, size_t *n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t units = 0, i, total, k, used, step;
	uint32_t cp;
	uint8_t b[4];

	for (i = 0; i < len; i += step) {
		step = utf8_next(s + i, len - i, &cp);
		units += cp < 0x10000 ? 1 : 2;
	}
	if (units <= 70) {
		if (max < 1)
			return FP_ETOOBIG;
		parts[0].msg_fmt = CMPP_FMT_UCS2;
		parts[0].tp_udhi = 0;
		parts[0].len = 0;
		for (i = 0; i < len; i += step) {
			size_t u;

			step = utf8_next(s + i, len - i, &cp);
			u = utf16be(cp, b);
			memcpy(parts[0].content + parts[0].len, b, 2 * u);
			parts[0].len = (uint8_t)(parts[0].len + 2 * u);
		}
		*n = 1;
		return FP_OK;
	}
	for (total = 0, i = 0; i < len; total++) {
		for (used = 0; i < len; i += step) {
			step = utf8_next(s + i, len - i, &cp);
			if (used + (cp < 0x10000 ? 1 : 2) > 67)
				break;
			used += cp < 0x10000 ? 1 : 2;
		}
	}
	if (total > max || total > CMPP_PARTS_MAX)
		return FP_ETOOBIG;
	for (k = 0, i = 0; k < total; k++) {
		struct cmpp_part *p = &parts[k];

		p->msg_fmt = CMPP_FMT_UCS2;
		put_udh(p, ref, total, k + 1);
		for (used = 0; i < len; i += step) {
			size_t u;

			step = utf8_next(s + i, len - i, &cp);
			if (used + (cp < 0x10000 ? 1 : 2) > 67)
				break;
			u = utf16be(cp, b);
			memcpy(p->content + p->len, b, 2 * u);
			p->len = (uint8_t)(p->len + 2 * u);
			used += u;
		}
	}
	*n = total;
	return FP_OK;
}

enum fp_err
cmpp_text_parts(const char *text, size_t len, uint8_t ref,
    struct cmpp_part *parts, size_t max, size_t *n)
{
	struct gsm_count gc;

	*n = 0;
	if (len == 0 || !charset_is_utf8(text, len) ||
	    gsm_count(text, len, &gc) != FP_OK)
		return FP_EINVAL;
	if (gc.encoding == GSM_ENC_GSM7 && is_plain_ascii(text, len))
		return ascii_parts(text, len, ref, parts, max, n);
	return ucs2_parts(text, len, ref, parts, max, n);
}

/* Append code point cp as UTF-8 if it fits before cap - 1. */
static bool
emit(char *out, size_t cap, size_t *o, uint32_t cp)
{
	uint8_t b[4];
	size_t k;

	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18);
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (*o + k + 1 > cap)
		return false;
	memcpy(out + *o, b, k);
	*o += k;
	return true;
}

size_t
cmpp_text_utf8(uint8_t fmt, const uint8_t *in, size_t len, char *out,
    size_t cap)
{
	size_t i, o = 0;
	uint32_t cp, lo;

	if (cap == 0)
		return 0;
	for (i = 0; i < len;) {
		if (fmt != CMPP_FMT_UCS2) {
			cp = in[i] < 0x80 ? in[i] : 0xfffd;
			i++;
		} else if (i + 1 >= len) {
			cp = 0xfffd;	/* an odd last byte */
			i++;
		} else {
			cp = (uint32_t)in[i] << 8 | in[i + 1];
			i += 2;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < len) {
				lo = (uint32_t)in[i] << 8 | in[i + 1];
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
					i += 2;
				}
			}
		}
		if (!emit(out, cap, &o, cp))
			break;
	}
	out[o] = '\0';
	return o;
}

void
cmpp_msgid_format(uint64_t msg_id, char out[CMPP_MSGID_MAX])
{
	snprintf(out, CMPP_MSGID_MAX, "%llu", (unsigned long long)msg_id);
}
