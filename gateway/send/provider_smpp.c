/*
 * provider_smpp.c: the smpp provider (SPEC 11): an SMPP 3.4 transceiver
 * bind behind the synchronous side of provider.h.  send_batch turns each
 * message into submit_sm (GSM-7 as data_coding 0 or UCS-2 as 8, as the
 * outbox counted it; a long message as concatenated parts, each with a
 * user data header of an 8-bit reference, 153 septets or 67 units a
 * part), pipelines the whole batch through the link's window
 * (smpp_link.c) and fills each result: accepted when every part is, with
 * the first part's message id (the link hands every part's id to the
 * gateway as its answer arrives, so that a receipt for any part finds
 * its message); refused for good on a status that says the message is bad;
 * retried otherwise.  Throttling never fails a message: the link slows
 * down.  MO and receipts arrive on the same link (smpp_deliver.c).
 *
 * Addresses: the destination is E.164 (TON 1, NPI 1, without "+"); the
 * source is `source_addr` when set, else the message's own sender (the
 * shortcode): digits go as TON 0 / NPI 1 (a "+" makes them TON 1),
 * anything else as alphanumeric (TON 5, NPI 0).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler.h"
#include "gsm_codec.h"
#include "log.h"
#include "provider.h"
#include "smpp_link.h"

#define MAX_PARTS	255	/* an 8-bit UDH count */

struct smpp_ctx {
	const struct cfg *cfg;		/* borrowed */
	const struct cfg_provider *p;	/* borrowed */
	struct smpp_link *link;		/* owned (a reference) */
	struct smpp_job *jobs;		/* grown as batches need, owned */
	size_t	 cap_jobs;
	uint8_t	*enc;			/* an encoded text, grown, owned */
	size_t	 cap_enc;
};

/* One message of a batch: its jobs. */
struct msg {
	size_t	 first;
	size_t	 n;
	bool	 is_bad;		/* refused before sending */
	char	 why[PROVIDER_ERROR_MAX];
};

static enum fp_err
smpp_open(const struct cfg *cfg, const struct cfg_provider *p, void **out)
{
	struct smpp_ctx *ctx;
	enum fp_err err;

	if (p->host == NULL || p->system_id == NULL || p->password == NULL)
		return FP_ECONFIG;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return FP_ENOMEM;
	ctx->cfg = cfg;
	ctx->p = p;
	err = smpp_link_open(cfg, p, &ctx->link);
	if (err != FP_OK) {
		log_warnx("provider.smpp.open provider=%s error=\"%s\"",
		    p->name, fp_strerror(err));
		free(ctx);
		return err;
	}
	*out = ctx;
	return FP_OK;
}

static void
smpp_close(void *arg)
{
	struct smpp_ctx *ctx = arg;

	if (ctx == NULL)
		return;
	smpp_link_close(ctx->link);
	free(ctx->jobs);
	free(ctx->enc);
	free(ctx);
}

/* provider.h's interrupt: the sender's stop ends a waiting batch. */
static void
smpp_interrupt(void *arg)
{
	struct smpp_ctx *ctx = arg;

	smpp_link_interrupt(ctx->link);
}

/* An address into out[SMPP_ADDR_MAX] with its TON and NPI; false when
 * it does not fit (20 characters). */
static bool
address(const char *a, char *out, uint8_t *ton, uint8_t *npi)
{
	bool plus = a[0] == '+', digits = true;
	const char *s = plus ? a + 1 : a;
	size_t i;

	if (strlen(s) >= SMPP_ADDR_MAX || *s == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!isdigit((unsigned char)s[i]))
			digits = false;
	if (plus && !digits)
		return false;
	snprintf(out, SMPP_ADDR_MAX, "%s", s);
	*ton = plus ? 1 : digits ? 0 : 5;
	*npi = digits ? 1 : 0;
	return true;
}

static bool
grow_jobs(struct smpp_ctx *ctx, size_t need)
{
	struct smpp_job *grown;
	size_t cap;

	if (need <= ctx->cap_jobs)
		return true;
	cap = ctx->cap_jobs > 0 ? ctx->cap_jobs : 64;
	while (cap < need)
		cap *= 2;
	grown = realloc(ctx->jobs, cap * sizeof(*grown));
	if (grown == NULL)
		return false;
	ctx->jobs = grown;
	ctx->cap_jobs = cap;
	return true;
}

/* The submits of item `it` into ctx->jobs from m->first. */
static void
plan(struct smpp_ctx *ctx, const struct outbox_item *it, int64_t now,
    struct msg *m)
{
	struct smpp_submit base;
	enum gsm_encoding enc = it->encoding;
	size_t len = strlen(it->text), enc_len = 0, ends[MAX_PARTS], n, k;
	size_t pos = 0, cap = GSM_CODEC_ENC_MAX(len) + 2;
	const char *from;
	unsigned ref;
	uint8_t *grown;

	m->n = 0;
	memset(&base, 0, sizeof(base));
	from = ctx->p->source_addr != NULL ? ctx->p->source_addr :
	    it->from != NULL && it->from[0] != '\0' ? it->from :
	    ctx->cfg->sms.shortcode;
	if (from == NULL || !address(from, base.source_addr,
	    &base.source_ton, &base.source_npi) || !address(it->to,
	    base.dest_addr, &base.dest_ton, &base.dest_npi)) {
		m->is_bad = true;
		snprintf(m->why, sizeof(m->why), "smpp: an address does not "
		    "fit SMPP (20 characters)");
		return;
	}
	if (cap > ctx->cap_enc) {
		grown = realloc(ctx->enc, cap);
		if (grown == NULL)
			goto oom;
		ctx->enc = grown;
		ctx->cap_enc = cap;
	}
	/* The outbox chose the encoding when it counted the segments. */
	if (gsm_codec_encode(it->text, len, enc, ctx->enc, ctx->cap_enc,
	    &enc_len) != FP_OK) {
		enc = GSM_ENC_UCS2;
		if (gsm_codec_encode(it->text, len, enc, ctx->enc,
		    ctx->cap_enc, &enc_len) != FP_OK) {
			m->is_bad = true;
			snprintf(m->why, sizeof(m->why), "smpp: text is not "
			    "UTF-8");
			return;
		}
	}
	n = gsm_codec_split(ctx->enc, enc_len, enc, ends, MAX_PARTS);
	if (n == 0) {
		m->is_bad = true;
		snprintf(m->why, sizeof(m->why), "smpp: more than %d parts",
		    MAX_PARTS);
		return;
	}
	if (!grow_jobs(ctx, m->first + n))
		goto oom;
	base.data_coding = enc == GSM_ENC_GSM7 ? 0x00 : 0x08;
	base.registered_delivery = 1;
	smpp_validity(it->expires_at > now ? it->expires_at - now : 60,
	    base.validity);
	ref = atomic_fetch_add(&ctx->link->next_ref, 1) & 0xFF;
	for (k = 0; k < n; k++) {
		struct smpp_job *j = &ctx->jobs[m->first + k];
		size_t plen = ends[k] - pos, o = 0;

		memset(j, 0, sizeof(*j));
		j->sm = base;
		j->message_id = it->id;
		j->part = (int)k + 1;
		if (n > 1) {
			/* 3GPP TS 23.040 9.2.3.24.1: IEI 0, 8-bit reference. */
			j->sm.esm_class = SMPP_ESM_UDHI;
			j->sm.sm[o++] = 5;
			j->sm.sm[o++] = 0x00;
			j->sm.sm[o++] = 3;
			j->sm.sm[o++] = (uint8_t)ref;
			j->sm.sm[o++] = (uint8_t)n;
			j->sm.sm[o++] = (uint8_t)(k + 1);
		}
		memcpy(j->sm.sm + o, ctx->enc + pos, plen);
		j->sm.sm_len = o + plen;
		pos = ends[k];
	}
	m->n = n;
	return;
oom:
	m->is_bad = true;
	snprintf(m->why, sizeof(m->why), "out of memory");
}

/* The result of message `it` from its jobs. */
static void
finish(struct smpp_ctx *ctx, const struct msg *m, const char *why,
    struct provider_result *res)
{
	char name[48];
	size_t k, done = 0;
	const struct smpp_job *j;

	if (m->is_bad) {
		res->outcome = PROVIDER_REJECTED;
		snprintf(res->error, sizeof(res->error), "%s", m->why);
		return;
	}
	for (k = 0; k < m->n; k++) {
		j = &ctx->jobs[m->first + k];
		if (j->where != JOB_DONE)
			continue;
		done++;
		if (smpp_status_class(j->status) == SMPP_CLASS_OK)
			continue;
		/* The first refusal decides; its part is named. */
		res->outcome = smpp_status_class(j->status) ==
		    SMPP_CLASS_PERMANENT ? PROVIDER_REJECTED : PROVIDER_RETRY;
		snprintf(res->error, sizeof(res->error), "smpp %s%s",
		    smpp_status_name(j->status, name), m->n > 1 ?
		    " (a part)" : "");
		return;
	}
	if (done < m->n) {
		res->outcome = PROVIDER_RETRY;
		snprintf(res->error, sizeof(res->error), "%s", why);
		return;
	}
	res->outcome = PROVIDER_ACCEPTED;
	j = &ctx->jobs[m->first];
	res->msgid = j->msgid[0] != '\0' ? strdup(j->msgid) : NULL;
}

/* -fanalyzer: each msgid is the caller's (results[]), freed by the
 * sender with the outcome (as provider_file.c). */
FP_ANALYZER_LEAK_OFF
static void
smpp_send_batch(void *arg, const struct outbox_item *items, size_t n,
    struct provider_result *results)
{
	struct smpp_ctx *ctx = arg;
	struct msg *msgs;
	char why[PROVIDER_ERROR_MAX];
	size_t i, total = 0;
	int64_t now = (int64_t)time(NULL);

	msgs = calloc(n > 0 ? n : 1, sizeof(*msgs));
	if (msgs == NULL) {
		for (i = 0; i < n; i++) {
			results[i].outcome = PROVIDER_RETRY;
			snprintf(results[i].error, sizeof(results[i].error),
			    "out of memory");
		}
		return;
	}
	for (i = 0; i < n; i++) {
		msgs[i].first = total;
		plan(ctx, &items[i], now, &msgs[i]);
		total += msgs[i].n;
	}
	smpp_link_submit(ctx->link, ctx->jobs, total, why, sizeof(why));
	for (i = 0; i < n; i++)
		finish(ctx, &msgs[i], why, &results[i]);
	free(msgs);
}
FP_ANALYZER_LEAK_ON

const struct provider_ops provider_smpp_ops = {
	.type = "smpp",
	.is_http = false,
	.open = smpp_open,
	.close = smpp_close,
	.send_batch = smpp_send_batch,
	.interrupt = smpp_interrupt,
};
