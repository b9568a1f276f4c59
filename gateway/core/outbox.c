/*
 * outbox.c: the durable queue of outbound messages and its state machine
 * (see outbox.h, SPEC section 4).  Each transition is one UPDATE of
 * sms_out, one row of sms_out_history and one "sms.status" event, all in
 * the same transaction, so the history, the event stream and the row
 * never disagree.  What may follow what is decided here and only here:
 * a final state (delivered, failed, expired) is never left, and a report
 * may overtake the provider's submit answer ("delivered" straight from
 * "sending").
 *
 * Callers: the HTTP handlers enqueue, the sender claims and marks, dlr.c
 * applies delivery reports.  Nothing here talks to a provider or logs a
 * number in clear.  Statements are cached by the store (literal SQL).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event_outbox.h"
#include "log.h"
#include "msisdn.h"
#include "outbox.h"
#include "route.h"
#include "strbuf.h"

#define OUTBOX_STATUS_MAX	16
#define OUTBOX_PROVIDER_MAX	128
#define OUTBOX_TO_MAX		32
#define OUTBOX_DETAIL_MAX	300	/* bytes of an error in an event */
#define OUTBOX_EVENT_MAX	2048

/* Set once at start, read by every thread that writes events. */
static atomic_bool include_msisdn;

/* Messages made "queued" by this process (outbox_queued_count). */
static atomic_uint_fast64_t queued_count;

uint64_t
outbox_queued_count(void)
{
	return atomic_load_explicit(&queued_count, memory_order_relaxed);
}

/* What an event needs to know about a message. */
struct row {
	int64_t	 id;
	char	 status[OUTBOX_STATUS_MAX];
	char	 to[OUTBOX_TO_MAX];
	char	 provider[OUTBOX_PROVIDER_MAX];
	int	 segments;
	int	 attempts;
	bool	 has_msgid;
};

static const char *const kinds[] = {
	"reply", "broadcast", "reminder", "alert", "api", "sendsms",
	"security", NULL
};

void
outbox_set_include_msisdn(bool on)
{
	atomic_store(&include_msisdn, on);
}

static void
copy_text(char *dst, size_t len, const unsigned char *src)
{
	size_t n;

	/* snprintf("%s")'s result, without its format machinery: this is
	 * on every transition. */
	n = src != NULL ? strnlen((const char *)src, len - 1) : 0;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * "+8613812345678" -> "+86138****5678": the E.164 form with the middle
 * of the national number hidden, as msisdn_mask does for logs.
 */
static void
mask_e164(const char *to, char *out, size_t len)
{
	size_t n = strlen(to), i, o = 0;

	if (to[0] != '+' || n < 3 + 8) {
		msisdn_mask(to, out, len);
		return;
	}
	for (i = 0; i < n && o + 1 < len; i++)
		out[o++] = (i < 6 || i >= n - 4) ? to[i] : '*';
	out[o] = '\0';
}

/*
 * The event's JSON, written by hand: one per transition, so it is on the
 * sender's hot path (json-c would allocate an object per field).
 */
struct jbuf {
	char	 s[OUTBOX_EVENT_MAX];
	size_t	 len;
};

#define JB_TAIL 8	/* bytes a string leaves for what follows it */

static void
jb_raw(struct jbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n < sizeof(b->s)) {
		memcpy(b->s + b->len, s, n + 1);
		b->len += n;
	}
}

/*
 * A JSON string of at most `max` bytes of s (cut between characters);
 * cut shorter if need be to leave room for the event's closing bytes.
 */
static void
jb_str(struct jbuf *b, const char *s, size_t max)
{
	size_t room = sizeof(b->s) - b->len;

	if (room > JB_TAIL)
		b->len += json_escape(b->s + b->len, room - JB_TAIL, s, max);
}

static void
jb_int(struct jbuf *b, int64_t v)
{
	char num[24];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t i = sizeof(num) - 1;

	num[i] = '\0';
	do {
		num[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		num[--i] = '-';
	jb_raw(b, num + i);
}

/* The history row and (from "sent" on) the "sms.status" event of one
 * transition. */
static enum fp_err
record(struct store *st, const struct row *r, const char *status,
    int64_t now, const char *detail, bool is_error)
{
	struct jbuf b;
	sqlite3_stmt *stmt;
	char masked[OUTBOX_TO_MAX];
	enum fp_err err;
	int rc;

	err = store_stmt(st, "INSERT INTO sms_out_history(message_id, status, "
	    "at, detail) VALUES (?1, ?2, ?3, ?4)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, r->id);
	sqlite3_bind_text(stmt, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	store_bind_text_or_null(stmt, 4, detail);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);

	/*
	 * Events only for what the outside can act on: a message queued or
	 * being sent is our own business (and would double the writes of
	 * every message); a retry is worth telling.  The history keeps all.
	 */
	if (strcmp(status, "sending") == 0 ||
	    (strcmp(status, "queued") == 0 && !is_error))
		return FP_OK;
	/* SPEC 5: numbers in full only with mqtt.include_msisdn. */
	if (atomic_load_explicit(&include_msisdn, memory_order_relaxed))
		copy_text(masked, sizeof(masked), (const unsigned char *)r->to);
	else
		mask_e164(r->to, masked, sizeof(masked));
	b.len = 0;
	b.s[0] = '\0';
	jb_raw(&b, "{\"id\":");
	jb_int(&b, r->id);
	jb_raw(&b, ",\"status\":");
	jb_str(&b, status, OUTBOX_STATUS_MAX);
	jb_raw(&b, ",\"provider\":");
	jb_str(&b, r->provider, OUTBOX_PROVIDER_MAX);
	jb_raw(&b, ",\"to\":");
	jb_str(&b, masked, OUTBOX_TO_MAX);
	jb_raw(&b, ",\"segments\":");
	jb_int(&b, r->segments);
	jb_raw(&b, ",\"attempts\":");
	jb_int(&b, r->attempts);
	jb_raw(&b, ",\"error\":");
	if (is_error && detail != NULL)
		jb_str(&b, detail, OUTBOX_DETAIL_MAX);
	else
		jb_raw(&b, "null");
	jb_raw(&b, "}");
	return event_outbox_append(st, "sms.status", b.s, now, NULL);
}

static bool
is_final(const char *status)
{
	return strcmp(status, "delivered") == 0 ||
	    strcmp(status, "failed") == 0 || strcmp(status, "expired") == 0;
}

/*
 * What the event needs and the current state.  (A conditional UPDATE ...
 * RETURNING would save this lookup, but SQLite runs RETURNING through an
 * ephemeral table, which costs far more than a rowid lookup.)
 */
static enum fp_err
load_row(struct store *st, int64_t id, struct row *r)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT status, msisdn, provider, segments, "
	    "attempts, provider_msgid IS NOT NULL FROM sms_out WHERE id = ?1",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
	}
	r->id = id;
	copy_text(r->status, sizeof(r->status), sqlite3_column_text(stmt, 0));
	copy_text(r->to, sizeof(r->to), sqlite3_column_text(stmt, 1));
	copy_text(r->provider, sizeof(r->provider),
	    sqlite3_column_text(stmt, 2));
	r->segments = sqlite3_column_int(stmt, 3);
	r->attempts = sqlite3_column_int(stmt, 4);
	r->has_msgid = sqlite3_column_int(stmt, 5) != 0;
	sqlite3_reset(stmt);
	return FP_OK;
}

/* Run a cached UPDATE already bound. */
static enum fp_err
step_update(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/* status := `status`, last_error := error (may be NULL). */
static enum fp_err
set_row_status(struct store *st, int64_t id, const char *status,
    const char *error, int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	err = store_stmt(st, "UPDATE sms_out SET status = ?2, "
	    "last_error = coalesce(?3, last_error), updated_at = ?4 "
	    "WHERE id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, status, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 3, error);
	sqlite3_bind_int64(stmt, 4, now);
	return step_update(stmt);
}

static bool
kind_known(const char *kind)
{
	size_t i;

	for (i = 0; kinds[i] != NULL; i++)
		if (strcmp(kinds[i], kind) == 0)
			return true;
	return false;
}

static bool
is_e164(const char *to)
{
	char norm[MSISDN_MAX];

	return to != NULL && to[0] == '+' &&
	    msisdn_normalize(to, norm, NULL) == FP_OK && strcmp(norm, to) == 0;
}

static void free_item(struct outbox_item *it);

/*
 * text, then (when key is not NULL) key, lang and vars, each after the
 * other's NUL in one allocation: it->text owns them all (outbox.h).
 */
static bool
set_text(struct outbox_item *it, const char *text, const char *key,
    const char *lang, const char *vars)
{
	size_t nt = strlen(text) + 1, nk, nl, nv;
	char *p;

	if (key == NULL || key[0] == '\0') {
		it->text = strdup(text);
		return it->text != NULL;
	}
	lang = lang != NULL ? lang : "";
	vars = vars != NULL ? vars : "{}";
	nk = strlen(key) + 1;
	nl = strlen(lang) + 1;
	nv = strlen(vars) + 1;
	p = malloc(nt + nk + nl + nv);
	if (p == NULL)
		return false;
	it->text = p;
	memcpy(p, text, nt);
	it->tpl_key = memcpy(p + nt, key, nk);
	it->tpl_lang = memcpy(p + nt + nk, lang, nl);
	it->tpl_vars = memcpy(p + nt + nk + nl, vars, nv);
	return true;
}

/* The item a sender needs for a message just inserted as "sending". */
static enum fp_err
fill_item(struct outbox_item *it, int64_t id, const char *to,
    const char *from, const struct outbox_msg *m,
    const struct gsm_count *gc, int64_t expires_at)
{
	bool has_dlr = m->dlr_url != NULL && m->dlr_url[0] != '\0';

	memset(it, 0, sizeof(*it));
	it->id = id;
	it->to = strdup(to);
	it->from = from != NULL ? strdup(from) : NULL;
	(void)set_text(it, m->text, m->tpl_key, m->tpl_lang, m->tpl_vars);
	it->encoding = gc->encoding;
	it->segments = (int)gc->segments;
	it->attempts = 1;
	it->expires_at = expires_at;
	it->dlr_url = has_dlr ? strdup(m->dlr_url) : NULL;
	it->dlr_mask = has_dlr ? m->dlr_mask : 0;
	if (it->to == NULL || it->text == NULL || (from != NULL &&
	    it->from == NULL) || (has_dlr && it->dlr_url == NULL)) {
		free_item(it);
		return FP_ENOMEM;
	}
	return FP_OK;
}

/* SPEC 4: the signature an aggregator adds is billed, so counted. */
static const char *
provider_sign(const struct cfg_provider *p)
{
	if ((p->type == CFG_PROVIDER_HTTP_JSON ||
	    p->type == CFG_PROVIDER_ALIYUN ||
	    p->type == CFG_PROVIDER_TENCENT) && p->sign_name != NULL &&
	    p->sign_name[0] != '\0')
		return p->sign_name;
	return NULL;
}

enum fp_err
outbox_segments(const struct cfg *cfg, const char *provider,
    const char *text, size_t *segments)
{
	const struct cfg_provider *p;
	struct gsm_count gc;
	size_t i, most = 0;
	bool any = false;

	if (text == NULL)
		return FP_EINVAL;
	/* Routed later: the longest signature of the providers it may take. */
	for (i = 0; i < cfg->n_providers; i++) {
		p = &cfg->providers[i];
		if (provider != NULL ? strcmp(p->name, provider) != 0 :
		    !route_may_pick(cfg, p))
			continue;
		if (gsm_count_signed(provider_sign(p), text, strlen(text),
		    &gc) != FP_OK)
			return FP_EINVAL;
		if (gc.segments > most)
			most = gc.segments;
		any = true;
	}
	if (!any)
		return FP_EINVAL;
	*segments = most;
	return FP_OK;
}

enum fp_err
outbox_check_length(const struct cfg *cfg, const char *provider,
    const char *text, size_t *segments)
{
	size_t n = 0;
	enum fp_err err;

	err = outbox_segments(cfg, provider, text, &n);
	if (segments != NULL)
		*segments = n;
	if (err != FP_OK)
		return err;
	return n > (size_t)cfg->sms.max_segments ? FP_ETOOBIG : FP_OK;
}

/* outbox_enqueue, and with `it` outbox_enqueue_sending. */
static enum fp_err
enqueue(struct store *st, const struct cfg *cfg, const struct outbox_msg *m,
    int64_t now, int64_t *id, struct outbox_item *it)
{
	const struct cfg_provider *p;
	const char *pname, *kind;
	struct gsm_count gc;
	sqlite3_stmt *stmt;
	struct row r;
	enum fp_err err;
	int validity_s;
	int rc;

	pname = m->provider != NULL ? m->provider :
	    route_pick(cfg, m->to, m->via);
	p = pname != NULL ? cfg_provider_find(cfg, pname) : NULL;
	kind = m->kind != NULL ? m->kind : "reply";
	if (p == NULL || !is_e164(m->to) || m->text == NULL ||
	    m->text[0] == '\0' || !kind_known(kind))
		return FP_EINVAL;
	/* SPEC 11: free text never reaches a template provider. */
	if (cfg_provider_is_template(p) && (m->tpl_key == NULL ||
	    m->tpl_key[0] == '\0'))
		return FP_EINVAL;
	err = gsm_count_signed(provider_sign(p), m->text, strlen(m->text),
	    &gc);
	if (err != FP_OK)
		return FP_EINVAL;
	validity_s = m->validity_s > 0 ? m->validity_s : p->validity_s;

	/* One id space for both directions (sms_next_id, sms_service.h),
	 * chosen by the INSERT itself: one statement, not two. */
	memset(&r, 0, sizeof(r));
	err = store_stmt(st, "INSERT INTO sms_out(msisdn, from_addr, text, "
	    "kind, encoding, segments, provider, status, attempts, "
	    "next_attempt_at, expires_at, in_reply_to, broadcast_id, task_id, "
	    "dlr_url, dlr_mask, created_at, updated_at, tpl_key, tpl_lang, "
	    "tpl_vars, id) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7, CASE WHEN ?15 THEN 'sending' ELSE 'queued' "
	    "END, ?15, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?8, ?8, ?16, ?17, ?18, "
	    "(SELECT max(ifnull((SELECT max(id) FROM sms_in), 0), "
	    "ifnull((SELECT max(id) FROM sms_out), 0)) + 1))", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, m->to, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 2, m->from != NULL ? m->from :
	    cfg->sms.shortcode);
	sqlite3_bind_text(stmt, 3, m->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, gsm_encoding_name(gc.encoding), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, (int64_t)gc.segments);
	sqlite3_bind_text(stmt, 7, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 8, now);
	sqlite3_bind_int64(stmt, 9, now + validity_s);
	if (m->in_reply_to > 0)
		sqlite3_bind_int64(stmt, 10, m->in_reply_to);
	if (m->broadcast_id > 0)
		sqlite3_bind_int64(stmt, 11, m->broadcast_id);
	if (m->task_id > 0)
		sqlite3_bind_int64(stmt, 12, m->task_id);
	if (m->dlr_url != NULL && m->dlr_url[0] != '\0') {
		sqlite3_bind_text(stmt, 13, m->dlr_url, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 14, m->dlr_mask);
	}
	sqlite3_bind_int(stmt, 15, it != NULL ? 1 : 0);	/* attempts */
	if (m->tpl_key != NULL && m->tpl_key[0] != '\0') {
		sqlite3_bind_text(stmt, 16, m->tpl_key, -1, SQLITE_STATIC);
		store_bind_text_or_null(stmt, 17, m->tpl_lang);
		store_bind_text_or_null(stmt, 18, m->tpl_vars);
	}
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	r.id = sqlite3_last_insert_rowid(store_db(st));
	if (it == NULL)
		atomic_fetch_add_explicit(&queued_count, 1,
		    memory_order_relaxed);

	copy_text(r.to, sizeof(r.to), (const unsigned char *)m->to);
	copy_text(r.provider, sizeof(r.provider),
	    (const unsigned char *)p->name);
	r.segments = (int)gc.segments;
	err = record(st, &r, "queued", now, NULL, false);
	if (err == FP_OK && it != NULL) {
		r.attempts = 1;
		err = record(st, &r, "sending", now, NULL, false);
		if (err == FP_OK)
			err = fill_item(it, r.id, m->to, m->from != NULL ?
			    m->from : cfg->sms.shortcode, m, &gc,
			    now + validity_s);
	}
	if (err != FP_OK)
		return err;
	*id = r.id;
	return FP_OK;
}

enum fp_err
outbox_enqueue(struct store *st, const struct cfg *cfg,
    const struct outbox_msg *m, int64_t now, int64_t *id)
{
	return enqueue(st, cfg, m, now, id, NULL);
}

enum fp_err
outbox_enqueue_sending(struct store *st, const struct cfg *cfg,
    const struct outbox_msg *m, int64_t now, int64_t *id,
    struct outbox_item *it)
{
	return enqueue(st, cfg, m, now, id, it);
}

void
outbox_items_free(struct outbox_item *items, size_t n)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(items[i].to);
		free(items[i].from);
		free(items[i].text);
		free(items[i].dlr_url);
	}
	free(items);
}

static char *
dup_column(sqlite3_stmt *stmt, int col, bool *oom)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup((const char *)s);
	if (d == NULL)
		*oom = true;
	return d;
}

/*
 * Read up to `max` due rows into items[0..*got): copies, because the
 * rows are updated after the SELECT is done with them.
 */
static enum fp_err
select_due(struct store *st, const char *provider, int64_t now, size_t max,
    struct outbox_item *items, size_t *got)
{
	struct outbox_item *it;
	sqlite3_stmt *stmt;
	const unsigned char *enc;
	enum fp_err err;
	bool oom = false;
	size_t n = 0;
	int rc;

	/* Index sms_out_due(provider, status, next_attempt_at[, rowid])
	 * yields exactly this order: no sort, however long the queue. */
	err = store_stmt(st, "SELECT id, msisdn, from_addr, text, encoding, "
	    "segments, attempts, expires_at, dlr_url, dlr_mask, tpl_key, "
	    "tpl_lang, tpl_vars FROM sms_out WHERE provider = ?1 AND status = 'queued' AND "
	    "next_attempt_at <= ?2 ORDER BY next_attempt_at, id LIMIT ?3",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, provider, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite3_bind_int64(stmt, 3, (int64_t)max);
	for (;;) {
		rc = n < max ? sqlite3_step(stmt) : SQLITE_DONE;
		if (rc != SQLITE_ROW)
			break;
		it = &items[n++];
		memset(it, 0, sizeof(*it));
		it->id = sqlite3_column_int64(stmt, 0);
		it->to = dup_column(stmt, 1, &oom);
		it->from = dup_column(stmt, 2, &oom);
		if (sqlite3_column_text(stmt, 3) != NULL && !set_text(it,
		    (const char *)sqlite3_column_text(stmt, 3),
		    (const char *)sqlite3_column_text(stmt, 10),
		    (const char *)sqlite3_column_text(stmt, 11),
		    (const char *)sqlite3_column_text(stmt, 12)))
			oom = true;
		enc = sqlite3_column_text(stmt, 4);
		it->encoding = enc != NULL && strcmp((const char *)enc,
		    "gsm7") == 0 ? GSM_ENC_GSM7 : GSM_ENC_UCS2;
		it->segments = sqlite3_column_int(stmt, 5);
		it->attempts = sqlite3_column_int(stmt, 6);
		it->expires_at = sqlite3_column_int64(stmt, 7);
		it->dlr_url = dup_column(stmt, 8, &oom);
		it->dlr_mask = sqlite3_column_int(stmt, 9);
		if (oom || it->to == NULL || it->text == NULL) {
			sqlite3_reset(stmt);
			*got = n;
			return FP_ENOMEM;
		}
	}
	sqlite3_reset(stmt);
	*got = n;
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

static void
item_row(const struct outbox_item *it, const char *provider, struct row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = it->id;
	copy_text(r->to, sizeof(r->to), (const unsigned char *)it->to);
	copy_text(r->provider, sizeof(r->provider),
	    (const unsigned char *)provider);
	r->segments = it->segments;
	r->attempts = it->attempts;
}

static enum fp_err
claim_one(struct store *st, const char *provider, struct outbox_item *it,
    int64_t now)
{
	sqlite3_stmt *stmt;
	struct row r;
	enum fp_err err;

	err = store_stmt(st, "UPDATE sms_out SET status = 'sending', "
	    "attempts = attempts + 1, updated_at = ?2 WHERE id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, it->id);
	sqlite3_bind_int64(stmt, 2, now);
	err = step_update(stmt);
	if (err != FP_OK)
		return err;
	it->attempts++;
	item_row(it, provider, &r);
	return record(st, &r, "sending", now, NULL, false);
}

static enum fp_err
expire_one(struct store *st, const char *provider,
    const struct outbox_item *it, int64_t now)
{
	struct row r;
	enum fp_err err;

	err = set_row_status(st, it->id, "expired", "validity expired", now);
	if (err != FP_OK)
		return err;
	item_row(it, provider, &r);
	return record(st, &r, "expired", now, "validity expired", true);
}

static void
free_item(struct outbox_item *it)
{
	free(it->to);
	free(it->from);
	free(it->text);
	free(it->dlr_url);
	memset(it, 0, sizeof(*it));
}

void
outbox_item_free(struct outbox_item *it)
{
	if (it != NULL)
		free_item(it);
}

enum fp_err
outbox_claim_tx(struct store *st, const char *provider, int64_t now,
    size_t max, struct outbox_item **items, size_t *n, size_t *n_expired)
{
	struct outbox_item *arr;
	size_t claimed = 0, expired = 0, got, want, base, i;
	enum fp_err err;

	*items = NULL;
	*n = 0;
	if (n_expired != NULL)
		*n_expired = 0;
	if (max == 0)
		return FP_OK;
	arr = calloc(max, sizeof(*arr));
	if (arr == NULL)
		return FP_ENOMEM;
	/* Expired rows take places in a batch; select again to fill it. */
	for (;;) {
		want = max - claimed;
		got = 0;
		err = select_due(st, provider, now, want, arr + claimed, &got);
		if (err != FP_OK) {
			claimed += got;
			goto fail;
		}
		for (i = 0; i < got; i++) {
			struct outbox_item *it = &arr[claimed + i];

			if (it->expires_at <= now) {
				err = expire_one(st, provider, it, now);
				free_item(it);
				expired++;
			} else
				err = claim_one(st, provider, it, now);
			if (err != FP_OK) {
				claimed += got;
				goto fail;
			}
		}
		/* Compact: keep the claimed ones (expired were zeroed). */
		base = claimed;
		for (i = base; i < base + got; i++) {
			if (arr[i].id == 0)
				continue;
			if (i != claimed) {
				arr[claimed] = arr[i];
				memset(&arr[i], 0, sizeof(arr[i]));
			}
			claimed++;
		}
		if (claimed == max || got < want)
			break;
	}
	if (claimed == 0) {
		free(arr);
		arr = NULL;
	}
	*items = arr;
	*n = claimed;
	if (n_expired != NULL)
		*n_expired = expired;
	return FP_OK;
fail:
	outbox_items_free(arr, claimed);
	return err;
}

enum fp_err
outbox_claim_ex(struct store *st, const char *provider, int64_t now,
    size_t max, struct outbox_item **items, size_t *n, size_t *n_expired)
{
	enum fp_err err;

	*items = NULL;
	*n = 0;
	if (n_expired != NULL)
		*n_expired = 0;
	if (max == 0)
		return FP_OK;
	err = store_begin(st);
	if (err != FP_OK)
		return err;
	err = outbox_claim_tx(st, provider, now, max, items, n, n_expired);
	if (err == FP_OK)
		err = store_commit(st);
	if (err == FP_OK)
		return FP_OK;
	store_rollback(st);
	outbox_items_free(*items, *n);
	*items = NULL;
	*n = 0;
	if (n_expired != NULL)
		*n_expired = 0;
	return err;
}

enum fp_err
outbox_claim(struct store *st, const char *provider, int64_t now,
    size_t max, struct outbox_item **items, size_t *n)
{
	return outbox_claim_ex(st, provider, now, max, items, n, NULL);
}

enum fp_err
outbox_mark_sent(struct store *st, int64_t id, const char *provider_msgid,
    int64_t now)
{
	sqlite3_stmt *stmt;
	struct row r;
	enum fp_err err;
	const char *msgid = provider_msgid;
	bool is_transition;

	if (msgid != NULL && msgid[0] == '\0')
		msgid = NULL;
	err = load_row(st, id, &r);
	if (err != FP_OK)
		return err;
	/* A report may have overtaken the submit answer: a final state
	 * stays; the provider id is still recorded for later reports. */
	is_transition = strcmp(r.status, "queued") == 0 ||
	    strcmp(r.status, "sending") == 0;
	if (r.has_msgid)
		msgid = NULL;
	if (!is_transition && msgid == NULL)
		return outbox_dlr_reconcile(st, id, now);
	err = store_stmt(st, "UPDATE sms_out SET status = CASE WHEN ?4 THEN "
	    "'sent' ELSE status END, provider_msgid = coalesce(?2, "
	    "provider_msgid), last_error = CASE WHEN ?4 THEN NULL ELSE "
	    "last_error END, updated_at = ?3 WHERE id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text_or_null(stmt, 2, msgid);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite3_bind_int(stmt, 4, is_transition);
	err = step_update(stmt);
	if (err == FP_EDUP) {
		/* The provider gave an id it gave before: keep the message
		 * (it was accepted) without an id reports could find. */
		log_warnx("outbox.dup_msgid id=%lld provider=%s",
		    (long long)id, r.provider);
		msgid = NULL;
		sqlite3_bind_null(stmt, 2);
		err = step_update(stmt);
	}
	if (err == FP_OK && is_transition)
		err = record(st, &r, "sent", now, msgid, false);
	if (err != FP_OK)
		return err;
	return outbox_dlr_reconcile(st, id, now);
}

enum fp_err
outbox_mark_sent_claimed(struct store *st, const struct outbox_item *it,
    const char *provider, const char *provider_msgid, int64_t now)
{
	sqlite3_stmt *stmt;
	struct row r;
	enum fp_err err;
	const char *msgid = provider_msgid;

	if (msgid != NULL && msgid[0] == '\0')
		msgid = NULL;
	/* The conditions are outbox_mark_sent's transition, narrowed to a
	 * row without an id: then the id stored is this one, as the slow
	 * path would record it. */
	err = store_stmt(st, "UPDATE sms_out SET status = 'sent', "
	    "provider_msgid = ?2, last_error = NULL, updated_at = ?3 "
	    "WHERE id = ?1 AND (status = 'sending' OR status = 'queued') "
	    "AND provider_msgid IS NULL", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, it->id);
	store_bind_text_or_null(stmt, 2, msgid);
	sqlite3_bind_int64(stmt, 3, now);
	err = step_update(stmt);
	if (err == FP_EDUP) {
		/* As outbox_mark_sent: an id the provider gave before. */
		log_warnx("outbox.dup_msgid id=%lld provider=%s",
		    (long long)it->id, provider);
		msgid = NULL;
		sqlite3_bind_null(stmt, 2);
		err = step_update(stmt);
	}
	if (err != FP_OK)
		return err;
	if (sqlite3_changes(store_db(st)) == 0)
		return outbox_mark_sent(st, it->id, msgid, now);
	item_row(it, provider, &r);
	err = record(st, &r, "sent", now, msgid, false);
	if (err != FP_OK)
		return err;
	/* Early reports wait under the provider id: none without one. */
	return msgid != NULL ? outbox_dlr_reconcile(st, it->id, now) : FP_OK;
}

enum fp_err
outbox_mark_retry(struct store *st, int64_t id, int64_t next_at,
    const char *error, int64_t now)
{
	sqlite3_stmt *stmt;
	struct row r;
	enum fp_err err;

	err = load_row(st, id, &r);
	if (err != FP_OK)
		return err;
	/* Only an attempt in flight can fail; a report that arrived first
	 * ("sent", "delivered", ...) knows better than a lost answer. */
	if (strcmp(r.status, "sending") != 0)
		return FP_OK;
	err = store_stmt(st, "UPDATE sms_out SET status = 'queued', "
	    "next_attempt_at = ?2, last_error = ?3, updated_at = ?4 "
	    "WHERE id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, next_at);
	store_bind_text_or_null(stmt, 3, error);
	sqlite3_bind_int64(stmt, 4, now);
	err = step_update(stmt);
	if (err != FP_OK)
		return err;
	return record(st, &r, "queued", now, error, true);
}

enum fp_err
outbox_mark_failed(struct store *st, int64_t id, const char *error,
    int64_t now)
{
	return outbox_set_status(st, id, "failed", error, now);
}

enum fp_err
outbox_set_status(struct store *st, int64_t id, const char *status,
    const char *detail, int64_t now)
{
	struct row r;
	enum fp_err err;
	bool is_error;

	if (status == NULL || (strcmp(status, "sent") != 0 &&
	    strcmp(status, "delivered") != 0 && strcmp(status, "failed") != 0 &&
	    strcmp(status, "expired") != 0))
		return FP_EINVAL;
	err = load_row(st, id, &r);
	if (err != FP_OK)
		return err;
	/* A final state is never left; a repeat changes nothing. */
	if (is_final(r.status) || strcmp(r.status, status) == 0)
		return FP_OK;
	is_error = strcmp(status, "failed") == 0 ||
	    strcmp(status, "expired") == 0;
	err = set_row_status(st, id, status, is_error ? detail : NULL, now);
	if (err != FP_OK)
		return err;
	return record(st, &r, status, now, detail, is_error);
}

enum fp_err
outbox_unclaim(struct store *st, int64_t id, int64_t now)
{
	sqlite3_stmt *stmt;
	struct row r;
	enum fp_err err;

	err = load_row(st, id, &r);
	if (err != FP_OK)
		return err;
	if (strcmp(r.status, "sending") != 0)
		return FP_OK;
	err = store_stmt(st, "UPDATE sms_out SET status = 'queued', "
	    "attempts = max(attempts - 1, 0), next_attempt_at = ?2, "
	    "updated_at = ?2 WHERE id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, now);
	err = step_update(stmt);
	if (err != FP_OK)
		return err;
	if (r.attempts > 0)
		r.attempts--;
	atomic_fetch_add_explicit(&queued_count, 1, memory_order_relaxed);
	return record(st, &r, "queued", now, "not sent", false);
}

/* The messages outbox_failover moves, in the sms_out_due index's order. */
#define FAILOVER_SET "SELECT id FROM sms_out WHERE provider = ?1 AND " \
	"status = 'queued' AND (?5 = 0 OR tpl_key IS NOT NULL) " \
	"ORDER BY next_attempt_at, id LIMIT ?4"

static void
bind_failover(sqlite3_stmt *stmt, const char *from, const char *to,
    bool to_needs_template, int64_t now, size_t max)
{
	sqlite3_bind_text(stmt, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	sqlite3_bind_int64(stmt, 4, (int64_t)max);
	sqlite3_bind_int(stmt, 5, to_needs_template ? 1 : 0);
}

enum fp_err
outbox_failover(struct store *st, const char *from, const char *to,
    bool to_needs_template, int64_t now, size_t max, size_t *n)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	*n = 0;
	/* The history first: the same set, unchanged until the UPDATE. */
	err = store_stmt(st, "INSERT INTO sms_out_history(message_id, status, "
	    "at, detail) SELECT id, 'queued', ?3, 'failover from ' || ?1 || "
	    "' to ' || ?2 FROM (" FAILOVER_SET ")", &stmt);
	if (err != FP_OK)
		return err;
	bind_failover(stmt, from, to, to_needs_template, now, max);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	err = store_stmt(st, "UPDATE sms_out SET provider = ?2, attempts = 0, "
	    "next_attempt_at = ?3, updated_at = ?3 WHERE id IN (" FAILOVER_SET
	    ")", &stmt);
	if (err != FP_OK)
		return err;
	bind_failover(stmt, from, to, to_needs_template, now, max);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	*n = (size_t)sqlite3_changes(store_db(st));
	atomic_fetch_add_explicit(&queued_count, *n, memory_order_relaxed);
	return FP_OK;
}

enum fp_err
outbox_recover(struct store *st, int64_t now, int64_t *n)
{
	sqlite3_stmt *stmt;
	struct row *rows = NULL, *grown, *r;
	size_t n_rows = 0, cap = 0, i;
	enum fp_err err;
	int rc;

	*n = 0;
	err = store_begin(st);
	if (err != FP_OK)
		return err;
	err = store_stmt(st, "SELECT id, msisdn, provider, segments, attempts "
	    "FROM sms_out WHERE status = 'sending'", &stmt);
	if (err != FP_OK)
		goto fail;
	for (;;) {
		rc = sqlite3_step(stmt);
		if (rc != SQLITE_ROW)
			break;
		if (n_rows == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			grown = realloc(rows, cap * sizeof(*rows));
			if (grown == NULL) {
				sqlite3_reset(stmt);
				err = FP_ENOMEM;
				goto fail;
			}
			rows = grown;
		}
		r = &rows[n_rows++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(stmt, 0);
		copy_text(r->to, sizeof(r->to), sqlite3_column_text(stmt, 1));
		copy_text(r->provider, sizeof(r->provider),
		    sqlite3_column_text(stmt, 2));
		r->segments = sqlite3_column_int(stmt, 3);
		r->attempts = sqlite3_column_int(stmt, 4);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		err = store_err(rc);
		goto fail;
	}
	/* At least once: the provider may or may not have them. */
	err = store_stmt(st, "UPDATE sms_out SET status = 'queued', "
	    "next_attempt_at = ?1, updated_at = ?1 WHERE status = 'sending'",
	    &stmt);
	if (err == FP_OK) {
		sqlite3_bind_int64(stmt, 1, now);
		err = step_update(stmt);
	}
	for (i = 0; err == FP_OK && i < n_rows; i++)
		err = record(st, &rows[i], "queued", now,
		    "recovered after restart", false);
	if (err == FP_OK)
		err = store_commit(st);
	if (err != FP_OK)
		goto fail;
	free(rows);
	*n = (int64_t)n_rows;
	return FP_OK;
fail:
	store_rollback(st);
	free(rows);
	return err;
}

/* ---- delivery reports (dlr.c records them) ------------------------- */

/*
 * The status message `id` deserves from its reports.  part 0 rows speak
 * for the whole message (Kannel, and providers that report per
 * message); part > 0 rows are per-part reports, told apart by their
 * part id (provider_msgid), for providers that report each part.
 */
enum fp_err
outbox_dlr_aggregate(struct store *st, int64_t id, int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int64_t segments = 1, failed = 0, whole_ok = 0, parts_ok = 0;
	int64_t any = 0;
	const char *status;
	char reason[160] = "dlr";
	int rc;

	err = store_stmt(st, "SELECT o.segments, "
	    "sum(d.status = 'failed'), "
	    "sum(d.status = 'delivered' AND d.part = 0), "
	    "count(DISTINCT CASE WHEN d.status = 'delivered' AND d.part > 0 "
	    "  THEN ifnull(d.provider_msgid, d.id) END), "
	    "count(d.id), "
	    "(SELECT detail FROM dlr WHERE message_id = o.id AND "
	    "  status = 'failed' AND detail IS NOT NULL ORDER BY id LIMIT 1) "
	    "FROM sms_out o LEFT JOIN dlr d ON d.message_id = o.id "
	    "WHERE o.id = ?1 GROUP BY o.id", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		segments = sqlite3_column_int64(stmt, 0);
		failed = sqlite3_column_int64(stmt, 1);
		whole_ok = sqlite3_column_int64(stmt, 2);
		parts_ok = sqlite3_column_int64(stmt, 3);
		any = sqlite3_column_int64(stmt, 4);
		/* SPEC 3.4: a failure's reason is the report's (CMPP's
		 * Stat, /dlr's failureReason), not just "dlr". */
		if (sqlite3_column_type(stmt, 5) == SQLITE_TEXT)
			snprintf(reason, sizeof(reason), "%s",
			    (const char *)sqlite3_column_text(stmt, 5));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
	if (any == 0)
		return FP_OK;
	if (failed > 0)
		status = "failed";
	else if (whole_ok > 0 || parts_ok >= segments)
		status = "delivered";
	else
		status = "sent";
	return outbox_set_status(st, id, status, failed > 0 ? reason : "dlr",
	    now);
}

enum fp_err
outbox_dlr_reconcile(struct store *st, int64_t id, int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc, n;

	/* Early reports are stored with provider "" (dlr_apply_generic):
	 * saying so lets dlr_provider_msgid find them, where "message_id
	 * IS NULL" alone walked every unmatched report, for every message
	 * sent.  Almost every message has none: a read says so for a tenth
	 * of what the UPDATE costs even when it changes nothing (it opens
	 * the table and its indexes for writing). */
	err = store_stmt(st, "SELECT 1 FROM dlr WHERE provider = '' AND "
	    "message_id IS NULL AND provider_msgid = (SELECT provider_msgid "
	    "FROM sms_out WHERE id = ?1) LIMIT 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE)
		return FP_OK;
	if (rc != SQLITE_ROW)
		return store_err(rc);
	err = store_stmt(st, "UPDATE dlr SET message_id = ?1, provider = "
	    "(SELECT provider FROM sms_out WHERE id = ?1) WHERE provider = '' "
	    "AND message_id IS NULL AND provider_msgid = (SELECT "
	    "provider_msgid FROM sms_out WHERE id = ?1)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	n = sqlite3_changes(store_db(st));
	return n > 0 ? outbox_dlr_aggregate(st, id, now) : FP_OK;
}
