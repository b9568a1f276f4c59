/*
 * cmpp_deliver.c: what a CMPP ISMG delivers to us (see cmpp_link.h).
 *
 * Status reports (Registered_Delivery 1) become delivery reports of
 * SPEC 3.4: DELIVRD is delivered, any other Stat failed with the Stat as
 * its reason.  The Msg_Id they name is a part's: the part map says which
 * message and part it was while the link remembers it, the dlr table
 * (dlr_link_parts) afterwards.  MO messages (Registered_Delivery 0)
 * become SPEC 3.1 MO; the parts of a concatenated one (UDH) are joined
 * here first, and one whose parts stop coming is stored as it is after
 * 2 x `timeout` (2 to 60 s; the gap marked "…") rather than lost: before
 * the ISMG's own 60 s gives up waiting for our acknowledgement.
 *
 * Every DELIVER is acknowledged only once what it carries is committed
 * (the writer calls on_stored), with Result 0; Result 9 when it could not
 * be stored now (the ISMG delivers it again), 0 too when it never could
 * (a sender that is no number, a report for no message we know).  A
 * concatenated MO's parts are all acknowledged when it is stored, so a
 * crash before that loses none of them: the ISMG sends them again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "charset.h"
#include "cmpp_link.h"
#include "log.h"

static struct log_limit mo_lines = LOG_LIMIT_INIT("cmpp.mo", LOG_PER_S);
static struct log_limit fail_lines = LOG_LIMIT_INIT("cmpp.deliver.fail",
    LOG_PER_S);

/* What waits for a commit: the DELIVERs to acknowledge after it. */
struct ticket {
	struct cmpp_ctx	*c;		/* a reference */
	bool		 is_mo;
	size_t		 n;
	struct cmpp_ack	 acks[16];
};

/* ---- acknowledgements ---------------------------------------------------- */

static void
ack_push(struct cmpp_ctx *c, const struct cmpp_ack *a)
{
	pthread_mutex_lock(&c->ack_lock);
	/* Full: dropped, and the ISMG delivers that one again. */
	if (c->n_acks < CMPP_ACK_MAX) {
		c->acks[(c->ack_head + c->n_acks) % CMPP_ACK_MAX] = *a;
		c->n_acks++;
	}
	pthread_mutex_unlock(&c->ack_lock);
}

void
cmpp_acks_flush(struct cmpp_ctx *c)
{
	struct cmpp_ack *a;
	size_t len;

	pthread_mutex_lock(&c->ack_lock);
	while (c->n_acks > 0) {
		a = &c->acks[c->ack_head];
		/* A DELIVER of an earlier connection: the ISMG sends it
		 * again on this one. */
		if (a->gen == c->gen && c->state == LINK_UP) {
			len = cmpp_encode_deliver_resp(c->out + c->out_len,
			    CMPP_BUF - c->out_len, a->seq, a->msg_id,
			    a->result);
			if (len == 0)
				break;		/* the output is full */
			c->out_len += len;
		}
		c->ack_head = (c->ack_head + 1) % CMPP_ACK_MAX;
		c->n_acks--;
	}
	pthread_mutex_unlock(&c->ack_lock);
}

/* link_inbound's done: on the writer's notifier thread (or at once). */
static void
on_stored(void *arg, enum fp_err result, int64_t id)
{
	struct ticket *t = arg;
	struct cmpp_ctx *c = t->c;
	uint8_t r = CMPP_RESULT_OK;
	size_t i;

	if (result == FP_EBUSY || result == FP_EIO || result == FP_ENOMEM) {
		r = CMPP_RESULT_OTHER;
		if (log_allow(&fail_lines))
			log_warnx("cmpp.deliver.fail provider=%s kind=%s "
			    "error=\"%s\" action=\"the ISMG delivers it again\"",
			    c->p->name, t->is_mo ? "mo" : "report",
			    fp_strerror(result));
	} else if (result != FP_OK && log_allow(&fail_lines))
		log_warnx("cmpp.deliver.drop provider=%s kind=%s error=\"%s\"",
		    c->p->name, t->is_mo ? "mo" : "report",
		    fp_strerror(result));
	else if (result == FP_OK && t->is_mo && log_allow(&mo_lines))
		log_info("sms.in id=%lld route=%s parts=%zu", (long long)id,
		    c->route, t->n);
	for (i = 0; i < t->n; i++) {
		t->acks[i].result = r;
		ack_push(c, &t->acks[i]);
	}
	cmpp_wake(c);
	cmpp_ctx_unref(c);
	free(t);
}

static struct ticket *
ticket_new(struct cmpp_ctx *c, bool is_mo)
{
	struct ticket *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	atomic_fetch_add(&c->refs, 1);
	t->c = c;
	t->is_mo = is_mo;
	return t;
}

static void
ticket_add(struct ticket *t, uint32_t gen, uint32_t seq, uint64_t msg_id)
{
	if (t->n < sizeof(t->acks) / sizeof(t->acks[0])) {
		t->acks[t->n].gen = gen;
		t->acks[t->n].seq = seq;
		t->acks[t->n].msg_id = msg_id;
		t->n++;
	}
}

/* Acknowledge now with `result`, nothing stored. */
static void
ack_now(struct cmpp_ctx *c, uint32_t seq, uint64_t msg_id, uint8_t result)
{
	struct cmpp_ack a = { c->gen, seq, msg_id, result };

	ack_push(c, &a);
}

void
cmpp_deliver_refuse(struct cmpp_ctx *c, const uint8_t *pdu, size_t len,
    uint32_t seq)
{
	uint64_t msg_id = 0;
	size_t i;

	for (i = 0; i < 8 && CMPP_HEADER_LEN + i < len; i++)
		msg_id = msg_id << 8 | pdu[CMPP_HEADER_LEN + i];
	if (log_allow(&fail_lines))
		log_warnx("cmpp.deliver.malformed provider=%s length=%zu",
		    c->p->name, len);
	ack_now(c, seq, msg_id, 1);	/* "message structure error" */
}

/* ---- the part map ---------------------------------------------------------- */

static size_t
map_index(uint64_t msg_id)
{
	return (size_t)((msg_id * 0x9e3779b97f4a7c15ull) >>
	    (64 - CMPP_MAP_BITS));
}

void
cmpp_map_put(struct cmpp_ctx *c, uint64_t msg_id, int64_t message_id,
    int part)
{
	struct cmpp_mapent *e = &c->map[map_index(msg_id)];

	/* Direct-mapped: a collision forgets the older part, whose report
	 * is then found through the dlr table. */
	e->msg_id = msg_id;
	e->message_id = message_id;
	e->part = part;
}

static bool
map_get(const struct cmpp_ctx *c, uint64_t msg_id, int64_t *message_id,
    int *part)
{
	const struct cmpp_mapent *e = &c->map[map_index(msg_id)];

	if (e->message_id == 0 || e->msg_id != msg_id)
		return false;
	*message_id = e->message_id;
	*part = e->part;
	return true;
}

/* ---- status reports -------------------------------------------------------- */

static void
take_report(struct cmpp_ctx *c, const struct cmpp_pdu *pdu)
{
	const struct cmpp_deliver *d = &pdu->u.deliver;
	struct link_report r;
	struct ticket *t;
	char msgid[CMPP_MSGID_MAX], detail[32], stat[8];
	size_t i;

	/* The Stat goes into a status reason and a log line: printable
	 * ASCII only. */
	for (i = 0; d->report.stat[i] != '\0' && i + 1 < sizeof(stat); i++) {
		char ch = d->report.stat[i];

		stat[i] = ch > 0x20 && ch < 0x7f && ch != '"' && ch != '\\' ?
		    ch : '?';
	}
	stat[i] = '\0';
	cmpp_msgid_format(d->report.msg_id, msgid);
	snprintf(detail, sizeof(detail), "cmpp %s", stat[0] != '\0' ? stat :
	    "(no stat)");
	memset(&r, 0, sizeof(r));
	r.provider = c->p->name;
	r.msgid = msgid;
	r.state = strcmp(stat, "DELIVRD") == 0 ? DLR_DELIVERED : DLR_FAILED;
	r.detail = detail;
	if (!map_get(c, d->report.msg_id, &r.message_id, &r.part)) {
		r.message_id = 0;
		r.part = 0;
	}
	atomic_fetch_add_explicit(&c->stats.reports, 1, memory_order_relaxed);
	t = ticket_new(c, false);
	if (t == NULL) {
		ack_now(c, pdu->sequence_id, d->msg_id, CMPP_RESULT_OTHER);
		return;
	}
	ticket_add(t, c->gen, pdu->sequence_id, d->msg_id);
	link_inbound_report(&r, (int64_t)time(NULL), on_stored, t);
}

/* ---- MO ----------------------------------------------------------------------- */

/*
 * UTF-8 of raw[0..len) in Msg_Fmt fmt into out (cap bytes, at least
 * 3 * len + 1).  GB text through iconv, what it refuses byte by byte.
 */
static size_t
mo_text(uint8_t fmt, const uint8_t *raw, size_t len, char *out, size_t cap)
{
	char *conv = NULL;
	size_t conv_len = 0;

	if (fmt == CMPP_FMT_GB && len > 0 &&
	    charset_to_utf8("GB18030", (const char *)raw, len, &conv,
	    &conv_len) == FP_OK && conv_len < cap &&
	    memchr(conv, '\0', conv_len) == NULL) {
		memcpy(out, conv, conv_len);
		out[conv_len] = '\0';
		free(conv);
		return conv_len;
	}
	free(conv);
	return cmpp_text_utf8(fmt, raw, len, out, cap);
}

static void
submit_mo(struct cmpp_ctx *c, struct ticket *t, const char *src,
    const char *dest, uint64_t msg_id, const char *text, size_t text_len)
{
	struct link_mo mo;
	char id[CMPP_MSGID_MAX];

	cmpp_msgid_format(msg_id, id);
	memset(&mo, 0, sizeof(mo));
	mo.route = c->route;
	mo.msgid = id;
	mo.from = src;
	mo.to = dest;
	mo.text = text;
	mo.text_len = text_len;
	atomic_fetch_add_explicit(&c->stats.mo, 1, memory_order_relaxed);
	link_inbound_mo(&mo, (int64_t)time(NULL), on_stored, t);
}

static void
concat_free(struct cmpp_concat *k)
{
	free(k->text);
	memset(k, 0, sizeof(*k));
}

/* Store a joined MO (all of it, or what came) and free its slot. */
static void
concat_deliver(struct cmpp_ctx *c, struct cmpp_concat *k)
{
	static const char gap[] = "\xe2\x80\xa6";	/* U+2026 … */
	struct ticket *t;
	uint8_t *raw;
	char *text;
	size_t cap, len = 0, i, j, run;

	cap = (size_t)k->total * (3 * CMPP_CONTENT_MAX + sizeof(gap)) + 1;
	text = malloc(cap);
	raw = malloc((size_t)k->total * CMPP_CONTENT_MAX);
	t = ticket_new(c, true);
	if (text == NULL || raw == NULL || t == NULL) {
		/* Unacknowledged: the ISMG sends every part again. */
		free(text);
		free(raw);
		if (t != NULL) {
			cmpp_ctx_unref(c);
			free(t);
		}
		concat_free(k);
		return;
	}
	for (i = 1; i <= k->total; i = j) {
		if (k->have[i] == 0) {
			if (len == 0 || memcmp(text + len - 3, gap, 3) != 0) {
				memcpy(text + len, gap, 3);
				len += 3;
			}
			j = i + 1;
			continue;
		}
		/* A run of parts present is one text, so that a character
		 * split between two parts is whole again. */
		for (run = 0, j = i; j <= k->total && k->have[j] != 0; j++) {
			memcpy(raw + run, k->text + (j - 1) * CMPP_CONTENT_MAX,
			    (size_t)k->have[j] - 1);
			run += (size_t)k->have[j] - 1;
		}
		len += mo_text(k->fmt, raw, run, text + len, cap - len);
	}
	text[len] = '\0';
	for (i = 0; i < k->n_acks; i++)
		ticket_add(t, k->acks[i].gen, k->acks[i].seq, k->acks[i].msg_id);
	submit_mo(c, t, k->src, k->dest, k->first_msg_id, text, len);
	free(raw);
	free(text);
	concat_free(k);
}

/* The slot joining d's message: found, free, or the oldest's, which is
 * stored as it is to make room.  NULL: out of memory. */
static struct cmpp_concat *
concat_slot(struct cmpp_ctx *c, const struct cmpp_deliver *d, int64_t now)
{
	struct cmpp_concat *k = NULL, *oldest = NULL;
	size_t i;

	for (i = 0; i < CMPP_CONCAT_SLOTS; i++) {
		struct cmpp_concat *e = &c->concat[i];

		if (e->is_used && e->ref == d->concat_ref &&
		    e->total == d->concat_total &&
		    strcmp(e->src, d->src_terminal_id) == 0)
			return e;
		if (!e->is_used && k == NULL)
			k = e;
		if (e->is_used && (oldest == NULL ||
		    e->first_ns < oldest->first_ns))
			oldest = e;
	}
	if (k == NULL) {
		concat_deliver(c, oldest);
		k = oldest;
	}
	k->text = malloc((size_t)d->concat_total * CMPP_CONTENT_MAX);
	if (k->text == NULL)
		return NULL;
	k->is_used = true;
	snprintf(k->src, sizeof(k->src), "%s", d->src_terminal_id);
	snprintf(k->dest, sizeof(k->dest), "%s", d->dest_id);
	k->ref = d->concat_ref;
	k->total = d->concat_total;
	k->fmt = d->msg_fmt;
	k->first_ns = now;
	k->lowest = 0;
	return k;
}

static void
take_mo(struct cmpp_ctx *c, const struct cmpp_pdu *pdu, int64_t now)
{
	const struct cmpp_deliver *d = &pdu->u.deliver;
	const uint8_t *raw = d->content + d->text_off;
	size_t raw_len = (size_t)d->msg_length - d->text_off, i;
	struct cmpp_concat *k;
	struct ticket *t;
	char text[3 * CMPP_CONTENT_MAX + 1];
	size_t len;

	if (!d->has_concat || d->concat_total <= 1) {
		t = ticket_new(c, true);
		if (t == NULL) {
			ack_now(c, pdu->sequence_id, d->msg_id,
			    CMPP_RESULT_OTHER);
			return;
		}
		ticket_add(t, c->gen, pdu->sequence_id, d->msg_id);
		len = mo_text(d->msg_fmt, raw, raw_len, text, sizeof(text));
		submit_mo(c, t, d->src_terminal_id, d->dest_id, d->msg_id,
		    text, len);
		return;
	}
	k = concat_slot(c, d, now);
	if (k == NULL) {
		ack_now(c, pdu->sequence_id, d->msg_id, CMPP_RESULT_OTHER);
		return;
	}
	/* A repeat of a part replaces it; its acknowledgement is added. */
	memcpy(k->text + (size_t)(d->concat_seq - 1) * CMPP_CONTENT_MAX, raw,
	    raw_len);
	k->have[d->concat_seq] = (uint8_t)(raw_len + 1);
	if (k->lowest == 0 || d->concat_seq < k->lowest) {
		k->lowest = d->concat_seq;
		k->first_msg_id = d->msg_id;
	}
	if (k->n_acks < sizeof(k->acks) / sizeof(k->acks[0])) {
		k->acks[k->n_acks].gen = c->gen;
		k->acks[k->n_acks].seq = pdu->sequence_id;
		k->acks[k->n_acks].msg_id = d->msg_id;
		k->n_acks++;
	} else
		ack_now(c, pdu->sequence_id, d->msg_id, CMPP_RESULT_OK);
	for (i = 1; i <= k->total; i++)
		if (k->have[i] == 0)
			return;
	concat_deliver(c, k);
}

void
cmpp_deliver_take(struct cmpp_ctx *c, const struct cmpp_pdu *pdu,
    int64_t now_ns)
{
	if (pdu->u.deliver.is_report)
		take_report(c, pdu);
	else
		take_mo(c, pdu, now_ns);
}

void
cmpp_concat_expire(struct cmpp_ctx *c, int64_t now_ns)
{
	int64_t wait_s = (int64_t)c->p->timeout_s * CMPP_CONCAT_WAIT_FACTOR;
	size_t i;

	wait_s = wait_s < 2 ? 2 : wait_s > 60 ? 60 : wait_s;
	for (i = 0; i < CMPP_CONCAT_SLOTS; i++)
		if (c->concat[i].is_used && now_ns - c->concat[i].first_ns >=
		    wait_s * NS_PER_S)
			concat_deliver(c, &c->concat[i]);
}

void
cmpp_concat_cleanup(struct cmpp_ctx *c)
{
	size_t i;

	for (i = 0; i < CMPP_CONCAT_SLOTS; i++)
		concat_free(&c->concat[i]);
}
