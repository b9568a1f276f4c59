/*
 * rollup.c: console_counts and area_households, filled behind the
 * writers (see rollup.h).
 *
 * A chunk is read with two grouped statements, one per source: the
 * inbound messages (sms_in, one id space with sms_out) and the outbound
 * transitions (sms_out_history).  They group by area code and quarter
 * hour (every time zone's offset is a whole number of quarter hours, so
 * a quarter hour lies inside one local day); here each group goes to
 * its local day and to the three grains, and equal keys are merged.
 * The writer then adds a few hundred upserts at most, and moves the
 * last ids only if nobody moved them meanwhile.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "rollup.h"
#include "schedule.h"
#include "writer.h"

#define AREA_MAX	24
#define WHAT_MAX	12
#define NAME_MAX_	64
#define QUARTER_S	900

struct count_row {
	int		 grain;
	char		 area[AREA_MAX];
	char		 day[11];
	char		 what[WHAT_MAX];
	char		 provider[NAME_MAX_];
	char		 reason[NAME_MAX_];
	int64_t		 n;
};

struct rollup_batch {
	struct count_row	*rows;
	size_t			 n, cap;
	int64_t			 in_from, in_to;	/* sms_in ids */
	int64_t			 out_from, out_to;	/* history ids */
};

/* ---- reasons --------------------------------------------------------- */

void
rollup_reason(const char *detail, char *out, size_t len)
{
	size_t n = 0, cut;

	if (len == 0)
		return;
	if (detail == NULL)
		detail = "";
	while (detail[n] != '\0' && detail[n] != ':' && detail[n] != ';')
		n++;
	while (n > 0 && (detail[n - 1] == ' ' || detail[n - 1] == '\t'))
		n--;
	cut = n < len - 1 ? n : len - 1;
	/* Never half a UTF-8 character: back off continuation bytes. */
	if (cut < n)
		while (cut > 0 && ((unsigned char)detail[cut] & 0xC0) == 0x80)
			cut--;
	memcpy(out, detail, cut);
	out[cut] = '\0';
}

/* ---- a batch --------------------------------------------------------- */

static int
row_cmp(const void *a, const void *b)
{
	const struct count_row *x = a, *y = b;
	int c;

	if (x->grain != y->grain)
		return x->grain < y->grain ? -1 : 1;
	if ((c = strcmp(x->area, y->area)) != 0)
		return c;
	if ((c = strcmp(x->day, y->day)) != 0)
		return c;
	if ((c = strcmp(x->what, y->what)) != 0)
		return c;
	if ((c = strcmp(x->provider, y->provider)) != 0)
		return c;
	return strcmp(x->reason, y->reason);
}

static void
copy_str(char *dst, size_t len, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n >= len)
		n = len - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static enum fp_err
add_row(struct rollup_batch *b, int grain, const char *area, size_t area_len,
    const char *day, const char *what, const char *provider,
    const char *reason, int64_t n)
{
	struct count_row *r;

	if (b->n == b->cap) {
		size_t cap = b->cap == 0 ? 256 : b->cap * 2;
		struct count_row *grown = realloc(b->rows, cap * sizeof(*grown));

		if (grown == NULL)
			return FP_ENOMEM;
		b->rows = grown;
		b->cap = cap;
	}
	r = &b->rows[b->n++];
	memset(r, 0, sizeof(*r));
	r->grain = grain;
	if (area_len >= sizeof(r->area))
		area_len = sizeof(r->area) - 1;
	memcpy(r->area, area, area_len);
	r->area[area_len] = '\0';
	copy_str(r->day, sizeof(r->day), day);
	copy_str(r->what, sizeof(r->what), what);
	copy_str(r->provider, sizeof(r->provider), provider);
	copy_str(r->reason, sizeof(r->reason), reason);
	r->n = n;
	return FP_OK;
}

/* One group of a source, at each of the three grains. */
static enum fp_err
add_group(struct rollup_batch *b, const char *area, int64_t quarter,
    const char *what, const char *provider, const char *reason, int64_t n)
{
	size_t len = area != NULL ? strlen(area) : 0;
	char day[11];
	enum fp_err err;

	schedule_day(quarter * QUARTER_S, day);
	err = add_row(b, ROLLUP_ALL, "", 0, day, what, provider, reason, n);
	if (err == FP_OK && len > 0)
		err = add_row(b, ROLLUP_COUNTY, area, len < ROLLUP_COUNTY_LEN ?
		    len : ROLLUP_COUNTY_LEN, day, what, provider, reason, n);
	if (err == FP_OK && len > 0)
		err = add_row(b, ROLLUP_AREA, area, len, day, what, provider,
		    reason, n);
	return err;
}

/* Sort and add up equal keys. */
static void
merge(struct rollup_batch *b)
{
	size_t i, o = 0;

	if (b->n == 0)
		return;
	qsort(b->rows, b->n, sizeof(*b->rows), row_cmp);
	for (i = 1; i < b->n; i++) {
		if (row_cmp(&b->rows[o], &b->rows[i]) == 0)
			b->rows[o].n += b->rows[i].n;
		else
			b->rows[++o] = b->rows[i];
	}
	b->n = o + 1;
}

/* ---- reading ----------------------------------------------------------- */

static enum fp_err
query_int(struct store *st, const char *sql, const char *arg, int64_t *out)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, sql, &stmt);
	if (err != FP_OK)
		return err;
	if (arg != NULL)
		sqlite3_bind_text(stmt, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/* A number's area: its household's (a member's), else its cadre's. */
#define AREA_OF(num) \
	"ifnull((SELECT hh.area_code FROM members mm JOIN households hh " \
	"USING (household_id) WHERE mm.phone = " num " LIMIT 1), ifnull(" \
	"(SELECT c.area_code FROM cadres c WHERE c.phone = " num " LIMIT " \
	"1), ''))"

static enum fp_err
read_inbound(struct store *st, struct rollup_batch *b, int64_t min_at)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (b->in_to <= b->in_from)
		return FP_OK;
	err = store_stmt(st, "SELECT CASE WHEN i.household_id IS NOT NULL "
	    "THEN ifnull((SELECT area_code FROM households WHERE household_id "
	    "= i.household_id), '') ELSE " AREA_OF("i.msisdn") " END, "
	    "i.received_at / 900, count(*) FROM sms_in i WHERE i.id > ?1 AND "
	    "i.id <= ?2 AND i.received_at >= ?3 GROUP BY 1, 2", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, b->in_from);
	sqlite3_bind_int64(stmt, 2, b->in_to);
	sqlite3_bind_int64(stmt, 3, min_at);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && err == FP_OK)
		err = add_group(b, (const char *)sqlite3_column_text(stmt, 0),
		    sqlite3_column_int64(stmt, 1), "mo", "", "",
		    sqlite3_column_int64(stmt, 2));
	sqlite3_reset(stmt);
	if (err == FP_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = store_err(rc);
	return err;
}

/*
 * The transitions that count: a message created (its first "queued",
 * the only one without a detail), sent, delivered, failed, expired.  A
 * failure by delivery report has detail "dlr": its reason is the
 * report's.
 */
static enum fp_err
read_outbound(struct store *st, struct rollup_batch *b, int64_t min_at)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (b->out_to <= b->out_from)
		return FP_OK;
	/* A message's provider and area once a chunk (materialized), however
	 * many of its transitions the chunk holds. */
	err = store_stmt(st, "WITH a AS MATERIALIZED (SELECT o.id, o.provider, "
	    AREA_OF("o.msisdn") " AS area FROM sms_out o WHERE o.id IN (SELECT "
	    "message_id FROM sms_out_history WHERE id > ?1 AND id <= ?2 AND at "
	    ">= ?3)) SELECT a.area, h.at / 900, h.status, a.provider, CASE WHEN "
	    "h.status = 'failed' AND h.detail = 'dlr' THEN 'dlr ' || ifnull(("
	    "SELECT d.detail FROM dlr d WHERE d.message_id = h.message_id AND "
	    "d.status = 'failed' ORDER BY d.id LIMIT 1), '') WHEN h.status = "
	    "'failed' OR h.status = 'expired' THEN ifnull(h.detail, '') ELSE '' "
	    "END, count(*) FROM sms_out_history h JOIN a ON a.id = "
	    "h.message_id WHERE h.id > ?1 AND h.id <= ?2 AND h.at >= ?3 AND "
	    "h.status <> 'sending' AND (h.status <> 'queued' OR h.detail IS "
	    "NULL) GROUP BY 1, 2, 3, 4, 5", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, b->out_from);
	sqlite3_bind_int64(stmt, 2, b->out_to);
	sqlite3_bind_int64(stmt, 3, min_at);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && err == FP_OK) {
		const char *status = (const char *)sqlite3_column_text(stmt, 2);
		char reason[NAME_MAX_];

		rollup_reason((const char *)sqlite3_column_text(stmt, 4),
		    reason, sizeof(reason));
		err = add_group(b, (const char *)sqlite3_column_text(stmt, 0),
		    sqlite3_column_int64(stmt, 1), status != NULL &&
		    strcmp(status, "queued") == 0 ? "created" : status,
		    (const char *)sqlite3_column_text(stmt, 3), reason,
		    sqlite3_column_int64(stmt, 5));
	}
	sqlite3_reset(stmt);
	if (err == FP_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = store_err(rc);
	return err;
}

/* The first second of the oldest local day kept. */
static int64_t
window_start(int64_t now)
{
	/* From noon: a day is 23 to 25 hours long where clocks change. */
	int64_t noon = schedule_today_at(now, 12 * 60);

	return schedule_today_at(noon - (int64_t)(ROLLUP_DAYS - 1) * 86400,
	    0);
}

enum fp_err
rollup_read(struct store *st, int64_t now, int64_t max,
    struct rollup_batch **out, bool *more)
{
	struct rollup_batch *b = calloc(1, sizeof(*b));
	int64_t top_in = 0, top_out = 0, min_at = window_start(now);
	enum fp_err err;

	*out = NULL;
	*more = false;
	if (b == NULL)
		return FP_ENOMEM;
	err = store_exec(st, "BEGIN");
	if (err != FP_OK) {
		free(b);
		return err;
	}
	err = query_int(st, "SELECT last_id FROM console_rollup WHERE source "
	    "= ?1", "sms_in", &b->in_from);
	if (err == FP_OK)
		err = query_int(st, "SELECT last_id FROM console_rollup WHERE "
		    "source = ?1", "sms_out_history", &b->out_from);
	if (err == FP_OK)
		err = query_int(st, "SELECT ifnull(max(id), 0) FROM sms_in",
		    NULL, &top_in);
	if (err == FP_OK)
		err = query_int(st, "SELECT ifnull(max(id), 0) FROM "
		    "sms_out_history", NULL, &top_out);
	if (err == FP_OK) {
		b->in_to = top_in - b->in_from > max ? b->in_from + max : top_in;
		b->out_to = top_out - b->out_from > max ? b->out_from + max :
		    top_out;
		/* A database restored from an older copy: begin again. */
		if (b->in_to < b->in_from)
			b->in_to = b->in_from;
		if (b->out_to < b->out_from)
			b->out_to = b->out_from;
		*more = b->in_to < top_in || b->out_to < top_out;
		err = read_inbound(st, b, min_at);
	}
	if (err == FP_OK)
		err = read_outbound(st, b, min_at);
	if (err == FP_OK)
		err = store_exec(st, "COMMIT");
	if (err != FP_OK) {
		sqlite3_exec(store_db(st), "ROLLBACK", NULL, NULL, NULL);
		rollup_batch_free(b);
		return err;
	}
	merge(b);
	*out = b;
	return FP_OK;
}

bool
rollup_batch_is_empty(const struct rollup_batch *b)
{
	return b->n == 0 && b->in_to == b->in_from &&
	    b->out_to == b->out_from;
}

void
rollup_batch_free(struct rollup_batch *b)
{
	if (b == NULL)
		return;
	free(b->rows);
	free(b);
}

/* ---- writing ----------------------------------------------------------- */

static enum fp_err
move_last(struct store *st, const char *source, int64_t from, int64_t to)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (from == to)
		return FP_OK;
	err = store_stmt(st, "UPDATE console_rollup SET last_id = ?3 WHERE "
	    "source = ?1 AND last_id = ?2", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, from);
	sqlite3_bind_int64(stmt, 3, to);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	return sqlite3_changes(store_db(st)) == 1 ? FP_OK : FP_EBUSY;
}

enum fp_err
rollup_apply(struct store *st, const struct rollup_batch *b, int64_t now)
{
	sqlite3_stmt *stmt;
	char oldest[11];
	enum fp_err err;
	size_t i;
	int rc;

	err = move_last(st, "sms_in", b->in_from, b->in_to);
	if (err == FP_OK)
		err = move_last(st, "sms_out_history", b->out_from, b->out_to);
	if (err == FP_OK && b->n > 0)
		err = store_stmt(st, "INSERT INTO console_counts(grain, area, "
		    "day, what, provider, reason, n) VALUES (?1, ?2, ?3, ?4, ?5, "
		    "?6, ?7) ON CONFLICT DO UPDATE SET n = n + excluded.n",
		    &stmt);
	for (i = 0; err == FP_OK && i < b->n; i++) {
		const struct count_row *r = &b->rows[i];

		sqlite3_bind_int(stmt, 1, r->grain);
		sqlite3_bind_text(stmt, 2, r->area, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, r->day, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, r->what, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 5, r->provider, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 6, r->reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 7, r->n);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		if (rc != SQLITE_DONE)
			err = store_err(rc);
	}
	if (err != FP_OK)
		return err;
	schedule_day(window_start(now), oldest);
	err = store_stmt(st, "DELETE FROM console_counts WHERE day < ?1",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, oldest, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/* ---- households per area ------------------------------------------------ */

struct area_change {
	char	 code[AREA_MAX];
	int64_t	 n;		/* 0: the code has no household left */
};

struct rollup_areas {
	struct area_change	*v;
	size_t			 n, cap;
};

static enum fp_err
add_change(struct rollup_areas *a, const char *code, int64_t n)
{
	if (a->n == a->cap) {
		size_t cap = a->cap == 0 ? 64 : a->cap * 2;
		struct area_change *grown = realloc(a->v, cap * sizeof(*grown));

		if (grown == NULL)
			return FP_ENOMEM;
		a->v = grown;
		a->cap = cap;
	}
	copy_str(a->v[a->n].code, sizeof(a->v[a->n].code), code);
	a->v[a->n++].n = n;
	return FP_OK;
}

/*
 * Both lists come sorted by code: walk them side by side and keep what
 * differs.
 */
static enum fp_err
diff_areas(sqlite3_stmt *now_s, sqlite3_stmt *kept_s, struct rollup_areas *a)
{
	int rn = sqlite3_step(now_s), rk = sqlite3_step(kept_s);
	enum fp_err err = FP_OK;

	while (err == FP_OK && (rn == SQLITE_ROW || rk == SQLITE_ROW)) {
		const char *cn = rn == SQLITE_ROW ?
		    (const char *)sqlite3_column_text(now_s, 0) : NULL;
		const char *ck = rk == SQLITE_ROW ?
		    (const char *)sqlite3_column_text(kept_s, 0) : NULL;
		int c = cn == NULL ? 1 : ck == NULL ? -1 : strcmp(cn, ck);

		if (c < 0) {
			err = add_change(a, cn, sqlite3_column_int64(now_s, 1));
			rn = sqlite3_step(now_s);
		} else if (c > 0) {
			err = add_change(a, ck, 0);
			rk = sqlite3_step(kept_s);
		} else {
			if (sqlite3_column_int64(now_s, 1) !=
			    sqlite3_column_int64(kept_s, 1))
				err = add_change(a, cn,
				    sqlite3_column_int64(now_s, 1));
			rn = sqlite3_step(now_s);
			rk = sqlite3_step(kept_s);
		}
	}
	if (err == FP_OK && rn != SQLITE_DONE && rn != SQLITE_ROW)
		err = store_err(rn);
	if (err == FP_OK && rk != SQLITE_DONE && rk != SQLITE_ROW)
		err = store_err(rk);
	return err;
}

enum fp_err
rollup_areas_read(struct store *st, struct rollup_areas **out)
{
	struct rollup_areas *a = calloc(1, sizeof(*a));
	sqlite3_stmt *now_s = NULL, *kept_s = NULL;
	enum fp_err err;

	*out = NULL;
	if (a == NULL)
		return FP_ENOMEM;
	err = store_exec(st, "BEGIN");
	if (err == FP_OK)
		err = store_stmt(st, "SELECT area_code, count(*) FROM households "
		    "GROUP BY area_code ORDER BY area_code", &now_s);
	if (err == FP_OK)
		err = store_stmt(st, "SELECT area_code, households FROM "
		    "area_households ORDER BY area_code", &kept_s);
	if (err == FP_OK)
		err = diff_areas(now_s, kept_s, a);
	if (now_s != NULL)
		sqlite3_reset(now_s);
	if (kept_s != NULL)
		sqlite3_reset(kept_s);
	if (err == FP_OK)
		err = store_exec(st, "COMMIT");
	if (err != FP_OK) {
		sqlite3_exec(store_db(st), "ROLLBACK", NULL, NULL, NULL);
		rollup_areas_free(a);
		return err;
	}
	*out = a;
	return FP_OK;
}

enum fp_err
rollup_areas_apply(struct store *st, const struct rollup_areas *a)
{
	sqlite3_stmt *up = NULL, *del = NULL;
	enum fp_err err = FP_OK;
	size_t i;
	int rc;

	for (i = 0; err == FP_OK && i < a->n; i++) {
		sqlite3_stmt *s;

		if (a->v[i].n > 0 && up == NULL)
			err = store_stmt(st, "INSERT INTO area_households("
			    "area_code, households) VALUES (?1, ?2) ON CONFLICT "
			    "DO UPDATE SET households = excluded.households",
			    &up);
		else if (a->v[i].n == 0 && del == NULL)
			err = store_stmt(st, "DELETE FROM area_households WHERE "
			    "area_code = ?1", &del);
		if (err != FP_OK)
			break;
		s = a->v[i].n > 0 ? up : del;
		sqlite3_bind_text(s, 1, a->v[i].code, -1, SQLITE_STATIC);
		if (a->v[i].n > 0)
			sqlite3_bind_int64(s, 2, a->v[i].n);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			err = store_err(rc);
	}
	return err;
}

size_t
rollup_areas_changes(const struct rollup_areas *a)
{
	return a->n;
}

void
rollup_areas_free(struct rollup_areas *a)
{
	if (a == NULL)
		return;
	free(a->v);
	free(a);
}

/* ---- all at once ---------------------------------------------------------- */

enum fp_err
rollup_all(struct store *st, int64_t now)
{
	struct rollup_batch *b = NULL;
	struct rollup_areas *a = NULL;
	bool more = true;
	enum fp_err err = FP_OK;

	while (err == FP_OK && more) {
		err = rollup_read(st, now, ROLLUP_CHUNK, &b, &more);
		if (err == FP_OK && !rollup_batch_is_empty(b)) {
			err = store_begin(st);
			if (err == FP_OK)
				err = rollup_apply(st, b, now);
			if (err == FP_OK)
				err = store_commit(st);
			else
				store_rollback(st);
		}
		rollup_batch_free(b);
		b = NULL;
	}
	if (err == FP_OK)
		err = rollup_areas_read(st, &a);
	if (err == FP_OK && a->n > 0) {
		err = store_begin(st);
		if (err == FP_OK)
			err = rollup_areas_apply(st, a);
		if (err == FP_OK)
			err = store_commit(st);
		else
			store_rollback(st);
	}
	rollup_areas_free(a);
	return err;
}

/* ---- the thread ------------------------------------------------------------ */

struct rollup {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	bool		 stopping;
	struct store	*st;		/* reads; its own connection */
	struct writer	*writer;
};

struct apply_job {
	const struct rollup_batch	*b;
	const struct rollup_areas	*a;
	int64_t				 now;
};

static enum fp_err
apply_job_run(struct store *st, void *arg)
{
	struct apply_job *j = arg;

	if (j->b != NULL)
		return rollup_apply(st, j->b, j->now);
	return rollup_areas_apply(st, j->a);
}

/* One pass over the message tables; *more when a chunk was full. */
static void
pass_messages(struct rollup *r, int64_t now, bool *more)
{
	struct rollup_batch *b = NULL;
	struct apply_job j = { NULL, NULL, now };
	enum fp_err err;

	err = rollup_read(r->st, now, ROLLUP_CHUNK, &b, more);
	if (err == FP_OK && !rollup_batch_is_empty(b)) {
		j.b = b;
		err = writer_run_quiet(r->writer, apply_job_run, &j);
	}
	if (err != FP_OK) {
		*more = false;
		log_warnx("rollup.messages error=\"%s\"", fp_strerror(err));
	}
	rollup_batch_free(b);
}

static void
pass_areas(struct rollup *r, int64_t now)
{
	struct rollup_areas *a = NULL;
	struct apply_job j = { NULL, NULL, now };
	enum fp_err err;

	err = rollup_areas_read(r->st, &a);
	if (err == FP_OK && a->n > 0) {
		j.a = a;
		err = writer_run_quiet(r->writer, apply_job_run, &j);
		if (err == FP_OK)
			log_info("rollup.areas changed=%zu", a->n);
	}
	if (err != FP_OK)
		log_warnx("rollup.areas error=\"%s\"", fp_strerror(err));
	rollup_areas_free(a);
}

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
rollup_main(void *arg)
{
	struct rollup *r = arg;
	int64_t areas_at = 0;
	bool stopping = false;

	while (!stopping) {
		int64_t now = (int64_t)time(NULL), t0 = monotonic_ms(), wait_ms;
		struct timespec ts;
		bool more = false;

		pass_messages(r, now, &more);
		if (now - areas_at >= ROLLUP_AREAS_S || now < areas_at) {
			pass_areas(r, now);
			areas_at = now;
		}
		/* Behind: go on, but leave four fifths of a core to others. */
		wait_ms = more ? 4 * (monotonic_ms() - t0) + 10 :
		    ROLLUP_INTERVAL_S * 1000;
		pthread_mutex_lock(&r->lock);
		if (!r->stopping) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)(wait_ms / 1000);
			ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			while (!r->stopping && pthread_cond_timedwait(&r->wake,
			    &r->lock, &ts) != ETIMEDOUT)
				;
		}
		stopping = r->stopping;
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

enum fp_err
rollup_start(const struct cfg *cfg, struct writer *w, struct rollup **out)
{
	struct rollup *r = calloc(1, sizeof(*r));
	enum fp_err err;

	if (r == NULL)
		return FP_ENOMEM;
	err = store_open(cfg->database.path, STORE_DURABILITY_NORMAL, &r->st);
	if (err != FP_OK) {
		free(r);
		return err;
	}
	r->writer = w;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	if (pthread_create(&r->thread, NULL, rollup_main, r) != 0) {
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
		store_close(r->st);
		free(r);
		return FP_ENOMEM;
	}
	*out = r;
	return FP_OK;
}

void
rollup_stop(struct rollup *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	store_close(r->st);
	free(r);
}
