/*
 * overview.c: the console's overview and region tree (see overview.h).
 *
 * The counts come from console_counts at the grain that fits the scope:
 * everything for "", the county rows for a prefix of up to 6 digits, the
 * area-code rows for a longer one.  So the overview of a province reads
 * a few rows per county and day, and a town's a few per village and
 * day, whatever the traffic was.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overview.h"
#include "rollup.h"
#include "schedule.h"
#include "strbuf.h"
#include "svc.h"

#define DAYS		7
#define N_MT		5

static const char *const mt_names[N_MT] = {
	"created", "sent", "delivered", "failed", "expired"
};

struct failure {
	char	 provider[64];
	char	 reason[64];
	int64_t	 n;
};

struct period {
	int64_t		 mo;
	int64_t		 mt[N_MT];
	struct failure	*fail;
	size_t		 n_fail, cap_fail;
};

/* [lo, hi): the text keys that begin with prefix p (BINARY order). */
#define PREFIX_RANGE(col, p, n) \
	col " >= " p " AND " col " < " p " || char(1114111) AND " \
	"substr(" col ", 1, length(" p ")) = " p

static int
mt_index(const char *what)
{
	int i;

	for (i = 0; i < N_MT; i++)
		if (strcmp(what, mt_names[i]) == 0)
			return i;
	return -1;
}

static enum fp_err
add_failure(struct period *p, const char *provider, const char *reason,
    int64_t n)
{
	size_t i;

	for (i = 0; i < p->n_fail; i++)
		if (strcmp(p->fail[i].provider, provider) == 0 &&
		    strcmp(p->fail[i].reason, reason) == 0) {
			p->fail[i].n += n;
			return FP_OK;
		}
	if (p->n_fail == p->cap_fail) {
		size_t cap = p->cap_fail == 0 ? 16 : p->cap_fail * 2;
		struct failure *grown = realloc(p->fail, cap * sizeof(*grown));

		if (grown == NULL)
			return FP_ENOMEM;
		p->fail = grown;
		p->cap_fail = cap;
	}
	snprintf(p->fail[p->n_fail].provider, sizeof(p->fail[0].provider),
	    "%s", provider);
	snprintf(p->fail[p->n_fail].reason, sizeof(p->fail[0].reason), "%s",
	    reason);
	p->fail[p->n_fail++].n = n;
	return FP_OK;
}

static enum fp_err
add_count(struct period *p, const char *what, const char *provider,
    const char *reason, int64_t n)
{
	int i;

	if (strcmp(what, "mo") == 0) {
		p->mo += n;
		return FP_OK;
	}
	i = mt_index(what);
	if (i < 0)
		return FP_OK;
	p->mt[i] += n;
	if (strcmp(what, "failed") == 0 || strcmp(what, "expired") == 0)
		return add_failure(p, provider, reason, n);
	return FP_OK;
}

static int
failure_cmp(const void *a, const void *b)
{
	const struct failure *x = a, *y = b;
	int c;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	if ((c = strcmp(x->provider, y->provider)) != 0)
		return c;
	return strcmp(x->reason, y->reason);
}

static struct json_object *
period_json(struct period *p, const char *from, const char *to,
    bool with_failures)
{
	struct json_object *o = json_object_new_object(), *mt, *f;
	int64_t done;
	size_t i;
	int k;

	if (from != NULL && to != NULL && strcmp(from, to) != 0) {
		json_object_object_add(o, "from", json_object_new_string(from));
		json_object_object_add(o, "to", json_object_new_string(to));
	} else if (to != NULL)
		json_object_object_add(o, "day", json_object_new_string(to));
	json_object_object_add(o, "mo", json_object_new_int64(p->mo));
	mt = json_object_new_object();
	for (k = 0; k < N_MT; k++)
		json_object_object_add(mt, mt_names[k],
		    json_object_new_int64(p->mt[k]));
	json_object_object_add(o, "mt", mt);
	done = p->mt[2] + p->mt[3] + p->mt[4];
	json_object_object_add(o, "delivery_rate", done > 0 ?
	    json_object_new_double((double)((p->mt[2] * 10000 + done / 2) /
	    done) / 10000.0) : NULL);
	if (!with_failures)
		return o;
	f = json_object_new_array();
	if (p->n_fail > 0)
		qsort(p->fail, p->n_fail, sizeof(*p->fail), failure_cmp);
	for (i = 0; i < p->n_fail && i < OVERVIEW_FAILURES_MAX; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "provider",
		    json_object_new_string(p->fail[i].provider));
		json_object_object_add(e, "reason",
		    json_object_new_string(p->fail[i].reason));
		json_object_object_add(e, "count",
		    json_object_new_int64(p->fail[i].n));
		json_object_array_add(f, e);
	}
	json_object_object_add(o, "failures", f);
	return o;
}

/* The scope's grain and the prefix its rows are matched by. */
static int
grain_of(const char *scope, char *prefix, size_t len)
{
	size_t n = strlen(scope);

	snprintf(prefix, len, "%s", scope);
	if (n == 0)
		return ROLLUP_ALL;
	if (n <= ROLLUP_COUNTY_LEN)
		return ROLLUP_COUNTY;
	return ROLLUP_AREA;
}

static enum fp_err
load_counts(struct store *st, const char *scope, char days[DAYS][11],
    struct period *each, struct period *week)
{
	char prefix[32];
	sqlite3_stmt *stmt;
	enum fp_err err = FP_OK;
	int grain = grain_of(scope, prefix, sizeof(prefix)), rc, d;

	err = store_stmt(st, "SELECT day, what, provider, reason, sum(n) FROM "
	    "console_counts WHERE grain = ?1 AND " PREFIX_RANGE("area", "?2",
	    2) " AND day >= ?3 AND day <= ?4 GROUP BY day, what, provider, "
	    "reason", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int(stmt, 1, grain);
	sqlite3_bind_text(stmt, 2, prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 3, days[0], -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, days[DAYS - 1], -1, SQLITE_STATIC);
	while (err == FP_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *day = (const char *)sqlite3_column_text(stmt, 0);
		const char *what = (const char *)sqlite3_column_text(stmt, 1);
		const char *prov = (const char *)sqlite3_column_text(stmt, 2);
		const char *why = (const char *)sqlite3_column_text(stmt, 3);
		int64_t n = sqlite3_column_int64(stmt, 4);

		if (day == NULL || what == NULL)
			continue;
		for (d = 0; d < DAYS; d++)
			if (strcmp(days[d], day) == 0)
				break;
		if (d == DAYS)
			continue;
		err = add_count(&each[d], what, prov != NULL ? prov : "",
		    why != NULL ? why : "", n);
		if (err == FP_OK)
			err = add_count(week, what, prov != NULL ? prov : "",
			    why != NULL ? why : "", n);
	}
	if (err == FP_OK && rc != SQLITE_DONE)
		err = store_err(rc);
	sqlite3_reset(stmt);
	return err;
}

/* count(*) of a statement, bound to text ?1 when arg is not NULL. */
static enum fp_err
count_of(struct store *st, const char *sql, const char *arg, int64_t *n,
    int64_t *n2, int64_t *n3)
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
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int64(stmt, 0);
		if (n2 != NULL)
			*n2 = sqlite3_column_int64(stmt, 1);
		if (n3 != NULL)
			*n3 = sqlite3_column_int64(stmt, 2);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? FP_OK : store_err(rc);
}

#define CAPPED(from_where) \
	"SELECT count(*) FROM (SELECT 1 FROM " from_where " LIMIT 10000)"
#if OVERVIEW_QUEUE_CAP != 10000
#error "CAPPED counts up to OVERVIEW_QUEUE_CAP"
#endif

static enum fp_err
add_queues(struct store *st, struct json_object *out)
{
	static const struct {
		const char	*name;
		const char	*sql;
	} q[] = {
		{ "outbox_queued", CAPPED("sms_out WHERE status = 'queued'") },
		{ "outbox_sending", CAPPED("sms_out WHERE status = 'sending'") },
		{ "event_outbox", CAPPED("event_outbox WHERE relayed_at IS "
		    "NULL") },
		{ "dlr_callbacks", CAPPED("dlr_callbacks") },
	};
	struct json_object *o = json_object_new_object();
	enum fp_err err = FP_OK;
	size_t i;

	for (i = 0; err == FP_OK && i < sizeof(q) / sizeof(q[0]); i++) {
		int64_t n = 0;

		err = count_of(st, q[i].sql, NULL, &n, NULL, NULL);
		json_object_object_add(o, q[i].name, json_object_new_int64(n));
	}
	json_object_object_add(out, "queues", o);
	json_object_object_add(out, "queues_counted_up_to",
	    json_object_new_int(OVERVIEW_QUEUE_CAP));
	return err;
}

static enum fp_err
add_work(struct store *st, const char *scope, struct json_object *out)
{
	struct json_object *f = json_object_new_object();
	struct json_object *t = json_object_new_object();
	int64_t open = 0, escalated = 0, overdue = 0, tickets = 0;
	enum fp_err err;

	/* A ticket or task without an area is only in the whole's count. */
	err = count_of(st, "SELECT count(*) FROM feedback WHERE status = "
	    "'open' AND (?1 = '' OR (" PREFIX_RANGE("area_code", "?1", 1)
	    "))", scope, &tickets, NULL, NULL);
	if (err == FP_OK)
		err = count_of(st, "SELECT count(*), ifnull(sum(t.resent_at IS "
		    "NOT NULL AND t.overdue_at IS NULL), 0), ifnull(sum("
		    "t.overdue_at IS NOT NULL), 0) FROM tasks t LEFT JOIN cadres "
		    "c USING (cadre_id) WHERE t.status = 'open' AND (?1 = '' OR "
		    "substr(ifnull(c.area_code, ''), 1, length(?1)) = ?1)",
		    scope, &open, &escalated, &overdue);
	json_object_object_add(f, "open", json_object_new_int64(tickets));
	json_object_object_add(out, "feedback", f);
	json_object_object_add(t, "open", json_object_new_int64(open));
	json_object_object_add(t, "escalated",
	    json_object_new_int64(escalated));
	json_object_object_add(t, "overdue", json_object_new_int64(overdue));
	json_object_object_add(out, "tasks", t);
	return err;
}

enum fp_err
overview_load(struct store *st, const char *scope, const char *timezone,
    int64_t now, struct json_object **out)
{
	struct period each[DAYS], week, *today = &each[DAYS - 1];
	char days[DAYS][11];
	struct json_object *o, *arr;
	int64_t noon = schedule_today_at(now, 12 * 60);
	enum fp_err err;
	int d;

	*out = NULL;
	memset(each, 0, sizeof(each));
	memset(&week, 0, sizeof(week));
	/* From today's noon: a day is 23 to 25 hours where clocks change. */
	for (d = 0; d < DAYS; d++)
		schedule_day(noon - (int64_t)(DAYS - 1 - d) * 86400, days[d]);
	err = load_counts(st, scope, days, each, &week);
	o = json_object_new_object();
	json_object_object_add(o, "scope", json_object_new_string(scope));
	json_object_object_add(o, "timezone", json_object_new_string(
	    timezone != NULL ? timezone : ""));
	json_object_object_add(o, "as_of", svc_time_json(now));
	if (err == FP_OK) {
		json_object_object_add(o, "today", period_json(today, NULL,
		    days[DAYS - 1], true));
		json_object_object_add(o, "last_7_days", period_json(&week,
		    days[0], days[DAYS - 1], true));
		arr = json_object_new_array();
		for (d = 0; d < DAYS; d++)
			json_object_array_add(arr, period_json(&each[d], NULL,
			    days[d], false));
		json_object_object_add(o, "days", arr);
		err = add_queues(st, o);
	}
	if (err == FP_OK)
		err = add_work(st, scope, o);
	for (d = 0; d < DAYS; d++)
		free(each[d].fail);
	free(week.fail);
	if (err != FP_OK) {
		json_object_put(o);
		return err;
	}
	*out = o;
	return FP_OK;
}

/* ---- the region tree ---------------------------------------------------- */

static const int level_len[] = { 2, 4, 6, 9, 12 };
static const char *const level_name[] = {
	"province", "prefecture", "county", "town", "village"
};
#define N_LEVELS ((int)(sizeof(level_len) / sizeof(level_len[0])))

struct node {
	char	 code[24];
	int	 parent;	/* index, or -1 */
	int	 depth;		/* levels below the root's */
	int64_t	 households;
	int64_t	 children;
};

struct tree {
	struct node	*v;
	size_t		 n, cap;
};

/* The level a code of this length is at (its standard length, or the
 * next one up). */
static int
level_of(size_t len)
{
	int i;

	for (i = 0; i < N_LEVELS; i++)
		if (len <= (size_t)level_len[i])
			return i;
	return N_LEVELS;
}

static int
push_node(struct tree *t, const char *code, size_t len, int parent,
    int root_level)
{
	struct node *n;

	if (t->n == t->cap) {
		size_t cap = t->cap == 0 ? 64 : t->cap * 2;
		struct node *grown = realloc(t->v, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		t->v = grown;
		t->cap = cap;
	}
	n = &t->v[t->n];
	memset(n, 0, sizeof(*n));
	if (len >= sizeof(n->code))
		len = sizeof(n->code) - 1;
	memcpy(n->code, code, len);
	n->code[len] = '\0';
	n->parent = parent;
	n->depth = level_of(len) - root_level;
	if (parent >= 0)
		t->v[parent].children++;
	return (int)t->n++;
}

/*
 * One leaf (an area code with households), after the leaves before it in
 * code order: the open path is the chain of parents from the last node
 * made; its nodes that are not prefixes of this code are closed, the
 * missing levels between are made, and the count goes up the path.
 */
static enum fp_err
add_leaf(struct tree *t, int *path, int *depth, const char *code,
    int64_t n, size_t root_len, int root_level)
{
	size_t len = strlen(code);
	int i, top;

	while (*depth > 0) {
		const struct node *p = &t->v[path[*depth - 1]];
		size_t plen = strlen(p->code);

		if (plen <= len && memcmp(p->code, code, plen) == 0)
			break;
		(*depth)--;
	}
	for (i = 0; i <= N_LEVELS; i++) {
		size_t l = i < N_LEVELS ? (size_t)level_len[i] : len;
		int at;

		if (l <= root_len || l > len || (i < N_LEVELS && l == len))
			continue;
		top = *depth > 0 ? path[*depth - 1] : -1;
		if (top >= 0 && strlen(t->v[top].code) >= l)
			continue;	/* already open at this length */
		at = push_node(t, code, l, top, root_level);
		if (at < 0 || *depth >= N_LEVELS + 2)
			return FP_ENOMEM;
		path[(*depth)++] = at;
	}
	for (i = 0; i < *depth; i++)
		t->v[path[i]].households += n;
	return FP_OK;
}

/* One node as JSON text: by hand, as a tree of a province is thousands
 * of nodes a page (json-c would allocate six objects each). */
static void
node_text(struct strbuf *b, const struct tree *t, const struct node *n)
{
	size_t len = strlen(n->code);
	int lv = level_of(len);

	strbuf_adds(b, "{\"code\":");
	strbuf_add_json(b, n->code, SIZE_MAX);
	strbuf_printf(b, ",\"level\":\"%s\",\"parent\":", lv < N_LEVELS &&
	    (size_t)level_len[lv] == len ? level_name[lv] : "area");
	if (n->parent >= 0)
		strbuf_add_json(b, t->v[n->parent].code, SIZE_MAX);
	else
		strbuf_adds(b, "null");
	strbuf_printf(b, ",\"households\":%lld,\"children\":%lld}",
	    (long long)n->households, (long long)n->children);
}

enum fp_err
overview_areas(struct store *st, const char *root, int depth,
    const char *after, int limit, char **out, size_t *out_len)
{
	struct tree t = { NULL, 0, 0 };
	struct strbuf b = STRBUF_INIT;
	sqlite3_stmt *stmt;
	size_t root_len = strlen(root), i;
	int path[N_LEVELS + 2], path_depth = 0, rc, shown = 0;
	/* The levels below "" begin with the provinces. */
	int root_level = root_len > 0 ? level_of(root_len) : -1;
	const char *next = NULL, *last = NULL;
	enum fp_err err;

	*out = NULL;
	if (root_len > 0) {
		if (push_node(&t, root, root_len, -1, root_level) < 0)
			return FP_ENOMEM;
		path[path_depth++] = 0;
	}
	err = store_stmt(st, "SELECT area_code, households FROM "
	    "area_households WHERE " PREFIX_RANGE("area_code", "?1", 1)
	    " ORDER BY area_code", &stmt);
	if (err != FP_OK) {
		free(t.v);
		return err;
	}
	sqlite3_bind_text(stmt, 1, root, -1, SQLITE_STATIC);
	while (err == FP_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *code = (const char *)sqlite3_column_text(stmt, 0);

		if (code != NULL)
			err = add_leaf(&t, path, &path_depth, code,
			    sqlite3_column_int64(stmt, 1), root_len,
			    root_level);
	}
	if (err == FP_OK && rc != SQLITE_DONE)
		err = store_err(rc);
	sqlite3_reset(stmt);
	if (err != FP_OK) {
		free(t.v);
		return err;
	}
	strbuf_printf(&b, "{\"limit\":%d,\"root\":", limit);
	strbuf_add_json(&b, root, SIZE_MAX);
	strbuf_adds(&b, ",\"items\":[");
	for (i = 0; i < t.n; i++) {
		const struct node *n = &t.v[i];

		if ((depth >= 0 && n->depth > depth) || strcmp(n->code,
		    after) <= 0)
			continue;
		if (shown == limit) {
			next = last;	/* there is more */
			break;
		}
		if (shown++ > 0)
			strbuf_add(&b, ",", 1);
		node_text(&b, &t, n);
		last = n->code;
	}
	strbuf_adds(&b, "],\"next\":");
	if (next != NULL)
		strbuf_add_json(&b, next, SIZE_MAX);
	else
		strbuf_adds(&b, "null");
	strbuf_adds(&b, "}");
	free(t.v);
	*out = strbuf_take(&b, out_len);
	return *out != NULL ? FP_OK : FP_ENOMEM;
}
