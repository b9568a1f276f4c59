/*
 * audience.c: resolving a broadcast's audience (see audience.h).
 */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audience.h"

const char *const audience_langs[4] = { "zh", "ii", "bo", "en" };

static bool
one_of(const char *v, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return false;
}

static bool
digits(const char *v)
{
	if (*v == '\0')
		return false;
	for (; *v != '\0'; v++)
		if (*v < '0' || *v > '9')
			return false;
	return true;
}

static bool
program_code(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 15)
		return false;
	for (; *v != '\0'; v++)
		if (!((*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9')))
			return false;
	return true;
}

enum fp_err
audience_parse(struct json_object *o, struct audience *a, const char **why)
{
	static const char *const enrollments[] = { "enrolled", "requested",
	    "completed", NULL };
	static const char *const statuses[] = { "poor", "exited", "monitored",
	    NULL };
	static const char *const langs[] = { "zh", "ii", "bo", "en", NULL };
	static const char *const roles[] = { "household", "cadre", NULL };

	memset(a, 0, sizeof(*a));
	if (o == NULL)
		return FP_OK;
	if (!json_object_is_type(o, json_type_object)) {
		*why = "audience: must be an object";
		return FP_EINVAL;
	}
	json_object_object_foreach(o, key, val) {
		const char *v;

		if (!json_object_is_type(val, json_type_string)) {
			*why = "audience: every field must be a string";
			return FP_EINVAL;
		}
		v = json_object_get_string(val);
		if (strcmp(key, "area") == 0) {
			if (!digits(v) || strlen(v) >= sizeof(a->area)) {
				*why = "audience.area: must be a region code "
				    "prefix (digits)";
				return FP_EINVAL;
			}
			snprintf(a->area, sizeof(a->area), "%s", v);
		} else if (strcmp(key, "program") == 0) {
			if (!program_code(v)) {
				*why = "audience.program: must be a program code";
				return FP_EINVAL;
			}
			snprintf(a->program, sizeof(a->program), "%s", v);
		} else if (strcmp(key, "enrollment") == 0) {
			if (!one_of(v, enrollments)) {
				*why = "audience.enrollment: must be enrolled, "
				    "requested or completed";
				return FP_EINVAL;
			}
			snprintf(a->enrollment, sizeof(a->enrollment), "%s", v);
		} else if (strcmp(key, "role") == 0) {
			if (!one_of(v, roles)) {
				*why = "audience.role: must be household or cadre";
				return FP_EINVAL;
			}
			a->cadres = strcmp(v, "cadre") == 0;
		} else if (strcmp(key, "status") == 0) {
			if (!one_of(v, statuses)) {
				*why = "audience.status: must be poor, exited or "
				    "monitored";
				return FP_EINVAL;
			}
			snprintf(a->status, sizeof(a->status), "%s", v);
		} else if (strcmp(key, "language") == 0) {
			if (!one_of(v, langs)) {
				*why = "audience.language: must be zh, ii, bo or en";
				return FP_EINVAL;
			}
			snprintf(a->language, sizeof(a->language), "%s", v);
		} else {
			*why = "audience: unknown field (area, program, "
			    "enrollment, role, status, language)";
			return FP_EINVAL;
		}
	}
	if (*a->enrollment != '\0' && *a->program == '\0') {
		*why = "audience.enrollment: needs audience.program";
		return FP_EINVAL;
	}
	return FP_OK;
}

enum fp_err
audience_scope(struct audience *a, const char *scope)
{
	size_t n;

	if (scope == NULL || *scope == '\0')
		return FP_OK;
	n = strlen(scope);
	if (*a->area == '\0') {
		snprintf(a->area, sizeof(a->area), "%s", scope);
		return FP_OK;
	}
	/* Inside the scope: the audience's area starts with the scope's. */
	return strncmp(a->area, scope, n) == 0 ? FP_OK : FP_EREJECT;
}

char *
audience_to_json(const struct audience *a)
{
	struct json_object *o = json_object_new_object();
	char *s;

	if (o == NULL)
		return NULL;
	if (*a->area != '\0')
		json_object_object_add(o, "area", json_object_new_string(a->area));
	if (*a->program != '\0')
		json_object_object_add(o, "program",
		    json_object_new_string(a->program));
	if (*a->enrollment != '\0')
		json_object_object_add(o, "enrollment",
		    json_object_new_string(a->enrollment));
	json_object_object_add(o, "role", json_object_new_string(a->cadres ?
	    "cadre" : "household"));
	if (*a->status != '\0')
		json_object_object_add(o, "status",
		    json_object_new_string(a->status));
	if (*a->language != '\0')
		json_object_object_add(o, "language",
		    json_object_new_string(a->language));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* ---- the numbers seen ---------------------------------------------------- */

#define MEMBERS_A_HOUSEHOLD 3	/* a batch of everyone's: members */
#define SEEN_PARTS	16			/* by the hash's top bits */
#define SEEN_MIN_CAP	((size_t)4096)		/* slots a part: 32 KiB */
#define SEEN_FN		"fp_seen_add"		/* the SQL function */
#define SEEN_PTR	"fp_audience_seen"	/* its pointer's type */

/*
 * Open addressing with linear probing, at most 3/4 full, in 16 parts
 * that grow by half each on their own: growing moves one part at a time
 * (the set's peak is its size and a 16th, not half as much again as a
 * single table's), and the set takes 11 to 16 bytes a number (30 MiB
 * for 2,000,000).
 */
struct seen_part {
	uint64_t	*slot;	/* 0 empty; mmap'ed */
	size_t		 cap;
	size_t		 n;
};

struct audience_seen {
	struct seen_part part[SEEN_PARTS];
	size_t		 n;
};

/* "+8613900000001" -> 8613900000001; 0 for anything else. */
static uint64_t
number_of(const char *msisdn)
{
	uint64_t v = 0;
	int n = 0;

	if (msisdn == NULL)
		return 0;
	if (*msisdn == '+')
		msisdn++;
	for (; *msisdn != '\0'; msisdn++, n++) {
		if (*msisdn < '0' || *msisdn > '9' || n == 18)
			return 0;
		v = v * 10 + (uint64_t)(*msisdn - '0');
	}
	return v;
}

/* splitmix64's finaliser: neighbouring numbers spread over the table. */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * The slots are mapped, not malloc'ed: a big table goes back to the
 * system when freed (malloc may keep it in a thread's arena), so the
 * gateway's RSS after a big broadcast is what it was before.
 */
static uint64_t *
slots_new(size_t cap)
{
	void *p = mmap(NULL, cap * sizeof(uint64_t), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;	/* zero-filled */
}

static void
slots_free(uint64_t *slot, size_t cap)
{
	if (slot != NULL)
		munmap(slot, cap * sizeof(uint64_t));
}

/* v (hashed h) into slot[cap]: false when it is there already.  The
 * low 32 bits of h scaled to cap pick the first slot. */
static bool
slots_put(uint64_t *slot, size_t cap, uint64_t v, uint64_t h)
{
	size_t i = (size_t)(((h & 0xffffffffULL) * cap) >> 32);

	while (slot[i] != 0) {
		if (slot[i] == v)
			return false;
		if (++i == cap)
			i = 0;
	}
	slot[i] = v;
	return true;
}

enum fp_err
audience_seen_new(struct audience_seen **out)
{
	struct audience_seen *s = calloc(1, sizeof(*s));
	size_t i;

	if (s == NULL)
		return FP_ENOMEM;
	for (i = 0; i < SEEN_PARTS; i++) {
		s->part[i].cap = SEEN_MIN_CAP;
		s->part[i].slot = slots_new(SEEN_MIN_CAP);
		if (s->part[i].slot == NULL) {
			audience_seen_free(s);
			return FP_ENOMEM;
		}
	}
	*out = s;
	return FP_OK;
}

void
audience_seen_free(struct audience_seen *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < SEEN_PARTS; i++)
		slots_free(s->part[i].slot, s->part[i].cap);
	free(s);
}

size_t
audience_seen_count(const struct audience_seen *s)
{
	return s->n;
}

/* Half as many slots again, every number moved. */
static enum fp_err
part_grow(struct seen_part *p)
{
	size_t cap = p->cap + p->cap / 2, i;
	uint64_t *slot = slots_new(cap);

	if (slot == NULL)
		return FP_ENOMEM;
	for (i = 0; i < p->cap; i++)
		if (p->slot[i] != 0)
			slots_put(slot, cap, p->slot[i], mix(p->slot[i]));
	slots_free(p->slot, p->cap);
	p->slot = slot;
	p->cap = cap;
	return FP_OK;
}

static enum fp_err
seen_put(struct audience_seen *s, uint64_t v, bool *added)
{
	struct seen_part *p;
	uint64_t h;
	enum fp_err err;

	*added = false;
	if (v == 0)
		return FP_OK;
	h = mix(v);
	p = &s->part[h >> 60];
	if ((p->n + 1) * 4 > p->cap * 3 && (err = part_grow(p)) != FP_OK)
		return err;
	*added = slots_put(p->slot, p->cap, v, h);
	p->n += *added;
	s->n += *added;
	return FP_OK;
}

enum fp_err
audience_seen_add(struct audience_seen *s, const char *msisdn, bool *added)
{
	return seen_put(s, number_of(msisdn), added);
}

/* fp_seen_add(set, msisdn): 1 when msisdn was not in the set (now is). */
static void
seen_add_fn(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	struct audience_seen *s = sqlite3_value_pointer(argv[0], SEEN_PTR);
	bool added = false;

	(void)argc;
	if (s == NULL) {
		sqlite3_result_error(c, SEEN_FN ": no set bound", -1);
		return;
	}
	if (seen_put(s, number_of((const char *)sqlite3_value_text(argv[1])),
	    &added) != FP_OK) {
		sqlite3_result_error_nomem(c);
		return;
	}
	sqlite3_result_int(c, added);
}

/* The connection knows fp_seen_add (registered once per connection). */
static enum fp_err
seen_fn_ready(struct store *st)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *probe = NULL;
	int rc, flags = SQLITE_UTF8;

	rc = sqlite3_prepare_v2(db, "SELECT " SEEN_FN "(NULL, NULL)", -1,
	    &probe, NULL);
	sqlite3_finalize(probe);
	if (rc == SQLITE_OK)
		return FP_OK;
#ifdef SQLITE_DIRECTONLY
	flags |= SQLITE_DIRECTONLY;	/* never from a trigger or view */
#endif
	rc = sqlite3_create_function_v2(db, SEEN_FN, 2, flags, NULL,
	    seen_add_fn, NULL, NULL, NULL);
	return rc == SQLITE_OK ? FP_OK : store_err(rc);
}

/* Step a statement of one column of numbers, adding each; *rows. */
static enum fp_err
seen_add_rows(sqlite3_stmt *stmt, struct audience_seen *s, int64_t *rows)
{
	enum fp_err err = FP_OK;
	bool added;
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		err = audience_seen_add(s, (const char *)sqlite3_column_text(
		    stmt, 0), &added);
		if (err != FP_OK)
			break;
		(*rows)++;
	}
	sqlite3_reset(stmt);
	if (err != FP_OK)
		return err;
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
audience_seen_optouts(struct store *st, struct audience_seen *s)
{
	sqlite3_stmt *stmt;
	int64_t rows = 0;
	enum fp_err err;

	err = store_stmt(st, "SELECT msisdn FROM optouts WHERE opted_out <> 0",
	    &stmt);
	return err != FP_OK ? err : seen_add_rows(stmt, s, &rows);
}

enum fp_err
audience_seen_recipients(struct store *st, int64_t broadcast_id,
    struct audience_seen *s, int64_t *n)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	*n = 0;
	/* Pending rows, then the others: each through its partial index.
	 * Every row is a number of its own (one may have opted out since
	 * and be in s already): *n counts the rows. */
	err = store_stmt(st, "SELECT msisdn FROM broadcast_recipients WHERE "
	    "broadcast_id = ?1 AND status = 'pending' UNION ALL SELECT msisdn "
	    "FROM broadcast_recipients WHERE broadcast_id = ?1 AND status <> "
	    "'pending'", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, broadcast_id);
	return seen_add_rows(stmt, s, n);
}

/* ---- counting and writing ------------------------------------------------ */

/*
 * The households part of every query: ?2 area prefix, ?3 status, ?4
 * language ('' = any).  A household's terms are tested before its
 * members are read (SQLite tests a term at the outermost loop that has
 * its tables).
 */
#define HH_FILTER \
	"(?2 = '' OR substr(h.area_code, 1, length(?2)) = ?2) " \
	"AND (?3 = '' OR h.status = ?3) AND (?4 = '' OR h.language = ?4)"
/*
 * A member of a matching household counts when it has a number, is
 * enrolled as asked (?5 program, ?6 enrollment status, '' = any), and
 * its number is new to the set bound as ?9: the CASE tests the set last,
 * and only then (SQLite may test plain ANDed terms in any order, and
 * one with a subquery after the others).
 */
#define MEMBER_FILTER \
	"m.phone IS NOT NULL AND CASE WHEN m.phone <> '' AND (?5 = '' OR " \
	"EXISTS (SELECT 1 FROM enrollments e WHERE e.member_id = m.member_id " \
	"AND e.program = ?5 AND (?6 = '' OR e.status = ?6))) THEN " \
	SEEN_FN "(?9, m.phone) ELSE 0 END"

/* A query that uses only some of them leaves the others unbound
 * (SQLITE_RANGE, harmless). */
static void
bind_filters(sqlite3_stmt *stmt, const struct audience *a,
    struct audience_seen *seen)
{
	sqlite3_bind_text(stmt, 2, a->area, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, a->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, a->language, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, a->program, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, a->enrollment, -1, SQLITE_STATIC);
	sqlite3_bind_pointer(stmt, 9, seen, SEEN_PTR, NULL);
}

static int
lang_index(const char *lang)
{
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(lang, audience_langs[i]) == 0)
			return i;
	return 0;
}

/*
 * The cadres of the area in id order, each number once: counted, or
 * written to broadcast_id (when > 0) in default_lang.  *n numbers.
 */
static enum fp_err
cadres_walk(struct store *st, const struct audience *a, int64_t broadcast_id,
    const char *default_lang, struct audience_seen *seen, int64_t *n)
{
	sqlite3_stmt *stmt, *ins = NULL;
	enum fp_err err;
	bool added;
	int rc;

	*n = 0;
	if (broadcast_id > 0) {
		err = store_stmt(st, "INSERT INTO broadcast_recipients("
		    "broadcast_id, msisdn, cadre_id, language) VALUES (?1, ?2, "
		    "?3, ?4)", &ins);
		if (err != FP_OK)
			return err;
	}
	err = store_stmt(st, "SELECT phone, cadre_id FROM cadres WHERE phone IS "
	    "NOT NULL AND (?2 = '' OR substr(area_code, 1, length(?2)) = ?2) "
	    "ORDER BY cadre_id", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 2, a->area, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *phone = (const char *)sqlite3_column_text(stmt, 0);

		err = audience_seen_add(seen, phone, &added);
		if (err != FP_OK)
			break;
		if (!added)
			continue;
		(*n)++;
		if (ins == NULL)
			continue;
		sqlite3_bind_int64(ins, 1, broadcast_id);
		sqlite3_bind_text(ins, 2, phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 3, (const char *)sqlite3_column_text(stmt,
		    1), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 4, default_lang, -1, SQLITE_STATIC);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE) {
			err = store_err(rc);
			break;
		}
	}
	sqlite3_reset(stmt);
	if (err != FP_OK)
		return err;
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

static bool
whole_registry(const struct audience *a)
{
	return *a->area == '\0' && *a->status == '\0' &&
	    *a->language == '\0' && *a->program == '\0';
}

/*
 * Whether every household passes the audience's household filters (a
 * province's office: its area is the whole registry): then its members
 * are everyone's.  Stops at the first household that does not.
 */
static enum fp_err
every_household(struct store *st, const struct audience *a, bool *all)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	*all = false;
	if (*a->program != '\0')
		return FP_OK;
	err = store_stmt(st, "SELECT NOT EXISTS (SELECT 1 FROM households h "
	    "WHERE NOT (" HH_FILTER "))", &stmt);
	if (err != FP_OK)
		return err;
	bind_filters(stmt, a, NULL);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		*all = sqlite3_column_int(stmt, 0) != 0;
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? FP_OK : store_err(rc);
}

static enum fp_err
count_in(struct store *st, const struct audience *a, const char *default_lang,
    bool per_language, struct audience_seen *seen, struct audience_count *out)
{
	sqlite3_stmt *stmt;
	bool everyone = whole_registry(a);
	enum fp_err err;
	int rc, i;

	if (a->cadres) {
		err = cadres_walk(st, a, 0, NULL, seen, &out->total);
		out->by_lang[lang_index(default_lang)] = out->total;
		return err;
	}
	/* Only the total: any order of the same members will do. */
	if (!everyone && !per_language &&
	    (err = every_household(st, a, &everyone)) != FP_OK)
		return err;
	if (everyone) {
		/*
		 * Every member's number, each for the member that has it with
		 * the smallest rowid (the one audience_materialize writes),
		 * in the language of its household.  Without languages no
		 * household is read: the numbers' index is enough.
		 */
		err = store_stmt(st, per_language ? "SELECT sum(h.language = "
		    "'zh'), sum(h.language = 'ii'), sum(h.language = 'bo'), "
		    "sum(h.language = 'en'), count(*) FROM members m NOT INDEXED "
		    "CROSS JOIN households h ON h.household_id = m.household_id "
		    "WHERE m.phone IS NOT NULL AND " SEEN_FN "(?9, m.phone)" :
		    "SELECT 0, 0, 0, 0, count(*) FROM members m WHERE m.phone IS "
		    "NOT NULL AND " SEEN_FN "(?9, m.phone)", &stmt);
	} else
		/*
		 * Households first, in storage order, then their members
		 * (CROSS JOIN keeps that order, audience_materialize's): the
		 * other way round reads households at random, and a DISTINCT
		 * would sort millions of numbers while the API request waits.
		 */
		err = store_stmt(st, "SELECT sum(h.language = 'zh'), "
		    "sum(h.language = 'ii'), sum(h.language = 'bo'), "
		    "sum(h.language = 'en'), count(*) FROM households h CROSS "
		    "JOIN members m ON m.household_id = h.household_id WHERE "
		    HH_FILTER " AND " MEMBER_FILTER, &stmt);
	if (err != FP_OK)
		return err;
	bind_filters(stmt, a, seen);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		for (i = 0; i < 4; i++)
			out->by_lang[i] = sqlite3_column_int64(stmt, i);
		out->total = sqlite3_column_int64(stmt, 4);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
audience_count(struct store *st, const struct audience *a,
    const char *default_lang, bool per_language, struct audience_count *out)
{
	struct audience_seen *seen = NULL;
	enum fp_err err;

	memset(out, 0, sizeof(*out));
	err = seen_fn_ready(st);
	if (err == FP_OK)
		err = audience_seen_new(&seen);
	/* One snapshot of the registry and the opt-outs (a savepoint opens
	 * a read transaction, or nests in the caller's). */
	if (err == FP_OK)
		err = store_exec(st, "SAVEPOINT audience_count");
	if (err != FP_OK) {
		audience_seen_free(seen);
		return err;
	}
	err = audience_seen_optouts(st, seen);
	if (err == FP_OK)
		err = count_in(st, a, default_lang, per_language, seen, out);
	if (err != FP_OK)
		store_exec(st, "ROLLBACK TO audience_count");
	if (store_exec(st, "RELEASE audience_count") != FP_OK && err == FP_OK)
		err = FP_EIO;
	audience_seen_free(seen);
	if (err != FP_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

enum fp_err
audience_materialize(struct store *st, const struct audience *a,
    int64_t broadcast_id, const char *default_lang, int batch,
    int64_t *cursor, struct audience_seen *seen, int64_t *added, bool *done)
{
	sqlite3_stmt *stmt;
	int64_t hi = 0, last = 0;
	bool has_hi = false, everyone;
	enum fp_err err;
	int rc;

	*done = false;
	*added = 0;
	err = seen_fn_ready(st);
	if (err != FP_OK)
		return err;
	if (a->cadres) {
		*done = true;
		return cadres_walk(st, a, broadcast_id, default_lang, seen,
		    added);
	}
	everyone = whole_registry(a);
	/* The batch: up to the batch-th household (member) after the
	 * cursor, or the last one. */
	err = store_stmt(st, everyone ? "SELECT (SELECT rowid FROM members "
	    "WHERE rowid > ?1 ORDER BY rowid LIMIT 1 OFFSET ?2), (SELECT "
	    "max(rowid) FROM members)" : "SELECT (SELECT rowid FROM households "
	    "WHERE rowid > ?1 ORDER BY rowid LIMIT 1 OFFSET ?2), (SELECT "
	    "max(rowid) FROM households)", &stmt);
	if (err != FP_OK)
		return err;
	if (everyone && batch <= INT32_MAX / MEMBERS_A_HOUSEHOLD)
		batch *= MEMBERS_A_HOUSEHOLD;
	sqlite3_bind_int64(stmt, 1, *cursor);
	sqlite3_bind_int(stmt, 2, batch > 0 ? batch - 1 : 0);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		has_hi = sqlite3_column_type(stmt, 0) != SQLITE_NULL;
		hi = sqlite3_column_int64(stmt, 0);
		last = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return store_err(rc);
	if (!has_hi)
		hi = last;
	if (hi <= *cursor) {
		*done = true;
		return FP_OK;
	}
	/*
	 * Appended in storage order (no ORDER BY: a sort of the batch would
	 * cost more than the insert), each number once (fp_seen_add).  An
	 * audience of everyone reads the members alone, in their order (a
	 * number for its member with the smallest rowid), and leaves the
	 * language to the send (its household's then).
	 */
	err = store_stmt(st, everyone ? "INSERT INTO broadcast_recipients("
	    "broadcast_id, msisdn, member_id) SELECT ?8, m.phone, m.member_id "
	    "FROM members m WHERE m.rowid > ?1 AND m.rowid <= ?7 AND m.phone IS "
	    "NOT NULL AND " SEEN_FN "(?9, m.phone)" : "INSERT INTO "
	    "broadcast_recipients(broadcast_id, msisdn, household_id, "
	    "member_id, language) SELECT ?8, m.phone, h.household_id, "
	    "m.member_id, h.language FROM households h CROSS JOIN members m ON "
	    "m.household_id = h.household_id WHERE h.rowid > ?1 AND h.rowid <= "
	    "?7 AND " HH_FILTER " AND " MEMBER_FILTER, &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, *cursor);
	bind_filters(stmt, a, seen);
	sqlite3_bind_int64(stmt, 7, hi);
	sqlite3_bind_int64(stmt, 8, broadcast_id);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	*added = sqlite3_changes(store_db(st));
	*cursor = hi;
	*done = hi >= last;
	return FP_OK;
}
