/*
 * registry.c: validation and upsert of registry records (registry.h).
 *
 * Upsert is "INSERT ... ON CONFLICT DO NOTHING" and, when that changed
 * nothing, an UPDATE by key: two statements only for updates, and the
 * caller learns which happened for its summary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "idnum.h"
#include "msisdn.h"
#include "parse.h"
#include "registry.h"

#define REG_MAX_PROGRAMS 64
#define REG_ID_MAX 32
#define REG_TEXT_MAX 256

struct registry {
	struct store		*st;
	struct hmac_sha256_key	 key;		/* of the ID-number hashes */
	bool			 has_key;
	char			 programs[REG_MAX_PROGRAMS][9];
	size_t			 n_programs;
};

static const char *const cols_households[] = { "household_id", "area_code",
    "head_name", "members", "status", "poverty_cause", "cadre_id",
    "exit_year", "language" };
static const char *const cols_members[] = { "member_id", "household_id",
    "name", "id_number", "phone", "relation" };
static const char *const cols_cadres[] = { "cadre_id", "name", "phone",
    "area_code", "title" };
static const char *const cols_enrollments[] = { "member_id", "program",
    "status", "updated_on" };
static const char *const cols_trainings[] = { "training_id", "program",
    "title", "area_code", "location", "starts_on", "ends_on", "capacity" };
static const char *const cols_payments[] = { "household_id", "program",
    "amount_yuan", "paid_on", "note" };

static const struct {
	const char		*name;
	const char *const	*cols;
	size_t			 n_cols;
	size_t			 n_key;
} kinds[REG_N_KINDS] = {
	{ "households", cols_households, 9, 1 },
	{ "members", cols_members, 6, 1 },
	{ "cadres", cols_cadres, 5, 1 },
	{ "enrollments", cols_enrollments, 4, 2 },
	{ "trainings", cols_trainings, 8, 1 },
	{ "payments", cols_payments, 5, 3 },
};

/* Column positions, in the order of the arrays above. */
enum { H_ID, H_AREA, H_HEAD, H_MEMBERS, H_STATUS, H_CAUSE, H_CADRE, H_EXIT,
    H_LANG };
enum { M_ID, M_HH, M_NAME, M_IDNUM, M_PHONE, M_REL };
enum { C_ID, C_NAME, C_PHONE, C_AREA, C_TITLE };
enum { E_MEMBER, E_PROGRAM, E_STATUS, E_UPDATED };
enum { T_ID, T_PROGRAM, T_TITLE, T_AREA, T_LOCATION, T_STARTS, T_ENDS,
    T_CAPACITY };
enum { P_HH, P_PROGRAM, P_AMOUNT, P_PAID, P_NOTE };

bool
registry_kind_parse(const char *name, enum reg_kind *out)
{
	int i;

	for (i = 0; i < REG_N_KINDS; i++) {
		if (strcmp(name, kinds[i].name) == 0) {
			*out = (enum reg_kind)i;
			return true;
		}
	}
	return false;
}

const char *
registry_kind_name(enum reg_kind kind)
{
	return kinds[kind].name;
}

const char *const *
registry_columns(enum reg_kind kind, size_t *n)
{
	*n = kinds[kind].n_cols;
	return kinds[kind].cols;
}

size_t
registry_key_columns(enum reg_kind kind)
{
	return kinds[kind].n_key;
}

/* ---- validation ---------------------------------------------------- */

struct rec {
	const struct reg_source	*src;
	const char *const	*cols;
	char			*reason;
};

static enum fp_err
bad(struct rec *r, size_t col, const char *why)
{
	snprintf(r->reason, REG_REASON_MAX, "%s: %s", r->cols[col], why);
	return FP_EINVAL;
}

/* The value of a column, "" when absent. */
static const char *
val(const struct rec *r, size_t col)
{
	const char *v = r->src->get(r->src->ctx, col);

	return v != NULL ? v : "";
}

static enum fp_err
need_id(struct rec *r, size_t col)
{
	const char *v = val(r, col);
	size_t i, n = strlen(v);

	if (n == 0)
		return bad(r, col, "is required");
	if (n > REG_ID_MAX)
		return bad(r, col, "is longer than 32 characters");
	for (i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || c == '-' || c == '_'))
			return bad(r, col, "may hold only letters, digits, "
			    "'-' and '_'");
	}
	return FP_OK;
}

static enum fp_err
opt_id(struct rec *r, size_t col)
{
	return *val(r, col) == '\0' ? FP_OK : need_id(r, col);
}

static enum fp_err
need_area(struct rec *r, size_t col)
{
	const char *v = val(r, col);
	size_t i, n = strlen(v);

	if (n < 6 || n > 12)
		return bad(r, col, "must be a region code of 6 to 12 digits");
	for (i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return bad(r, col, "must be a region code of 6 to 12 "
			    "digits");
	return FP_OK;
}

/* Free text: valid UTF-8, no control characters but newline and tab. */
static enum fp_err
opt_text(struct rec *r, size_t col)
{
	const char *v = val(r, col);
	size_t i, n = strlen(v);

	if (n > REG_TEXT_MAX)
		return bad(r, col, "is longer than 256 bytes");
	if (!charset_is_utf8(v, n))
		return bad(r, col, "is not valid UTF-8");
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\n' && v[i] != '\t')
			return bad(r, col, "holds a control character");
	return FP_OK;
}

static enum fp_err
need_text(struct rec *r, size_t col)
{
	if (*val(r, col) == '\0')
		return bad(r, col, "is required");
	return opt_text(r, col);
}

static enum fp_err
one_of(struct rec *r, size_t col, const char *const *allowed,
    const char *why)
{
	const char *v = val(r, col);

	for (; *allowed != NULL; allowed++)
		if (strcmp(v, *allowed) == 0)
			return FP_OK;
	return bad(r, col, why);
}

static enum fp_err
opt_date(struct rec *r, size_t col)
{
	int y, m, d;

	if (*val(r, col) == '\0')
		return FP_OK;
	if (parse_date(val(r, col), &y, &m, &d) != FP_OK)
		return bad(r, col, "must be a date YYYY-MM-DD");
	return FP_OK;
}

static enum fp_err
need_date(struct rec *r, size_t col)
{
	if (*val(r, col) == '\0')
		return bad(r, col, "is required");
	return opt_date(r, col);
}

static enum fp_err
known_program(struct registry *reg, struct rec *r, size_t col)
{
	const char *v = val(r, col);
	size_t i;

	for (i = 0; i < reg->n_programs; i++)
		if (strcmp(reg->programs[i], v) == 0)
			return FP_OK;
	return bad(r, col, "is not a known program code");
}

/* True when `sql` with ?1 bound to `key` returns a row. */
static enum fp_err
exists(struct registry *reg, const char *sql, const char *key, bool *found)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(reg->st, sql, &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(rc);
	*found = rc == SQLITE_ROW;
	return FP_OK;
}

static enum fp_err
need_ref(struct registry *reg, struct rec *r, size_t col, const char *sql,
    const char *why)
{
	enum fp_err err;
	bool found = false;

	err = need_id(r, col);
	if (err != FP_OK)
		return err;
	err = exists(reg, sql, val(r, col), &found);
	if (err != FP_OK)
		return err;
	return found ? FP_OK : bad(r, col, why);
}

/* "1500", "1500.5", "1500.50" → fen (hundredths of a yuan). */
static enum fp_err
parse_yuan(const char *s, int64_t *fen)
{
	char whole[16], frac[3] = "00";
	const char *dot = strchr(s, '.');
	size_t wn = dot != NULL ? (size_t)(dot - s) : strlen(s);
	size_t fn = dot != NULL ? strlen(dot + 1) : 0;
	int64_t w, f;

	if (wn == 0 || wn >= sizeof(whole) || (dot != NULL && (fn == 0 ||
	    fn > 2)))
		return FP_EINVAL;
	memcpy(whole, s, wn);
	whole[wn] = '\0';
	if (dot != NULL) {
		frac[0] = dot[1];
		frac[1] = fn == 2 ? dot[2] : '0';
	}
	if (parse_int64(whole, 0, 100000000, &w) != FP_OK ||
	    frac[0] < '0' || frac[0] > '9' || frac[1] < '0' || frac[1] > '9')
		return FP_EINVAL;
	f = (frac[0] - '0') * 10 + (frac[1] - '0');
	*fen = w * 100 + f;
	return FP_OK;
}

/* ---- writing ------------------------------------------------------- */

static enum fp_err
step_done(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/*
 * Run the insert; if it inserted nothing (key exists), run the update
 * with the same bindings layout.
 */
static enum fp_err
upsert(struct registry *reg, sqlite3_stmt *ins, const char *upd_sql,
    enum fp_err (*bind)(sqlite3_stmt *, void *), void *arg,
    enum reg_outcome *outcome)
{
	sqlite3 *db = store_db(reg->st);
	sqlite3_stmt *upd;
	enum fp_err err;

	err = bind(ins, arg);
	if (err == FP_OK)
		err = step_done(ins);
	if (err != FP_OK)
		return err;
	if (sqlite3_changes(db) > 0) {
		*outcome = REG_INSERTED;
		return FP_OK;
	}
	err = store_stmt(reg->st, upd_sql, &upd);
	if (err != FP_OK)
		return err;
	err = bind(upd, arg);
	if (err == FP_OK)
		err = step_done(upd);
	if (err == FP_OK)
		*outcome = REG_UPDATED;
	return err;
}

struct bind_ctx {
	struct rec	*r;
	size_t		 n;
	int64_t		 ints[4];
	const void	*blobs[2];
	char		 phone[MSISDN_MAX];
	int64_t		 digits;		/* household_digits, or -1 */
	int64_t		 now;		/* updated_at */
};

/* Bind the columns listed in `map` (column index, or a negative code
 * for derived values) to ?1..?n, then the caller's now as the last. */
#define B_INT0	-1
#define B_INT1	-2
#define B_BLOB0	-3
#define B_BLOB1	-4
#define B_PHONE	-5
#define B_DIGITS	-6
#define B_END	-99

static enum fp_err
bind_map(sqlite3_stmt *stmt, const struct bind_ctx *b, const int *map)
{
	int i;

	for (i = 0; map[i] != B_END; i++) {
		int p = i + 1;

		switch (map[i]) {
		case B_INT0:
		case B_INT1:
			if (b->ints[-map[i] - 1] < 0)
				sqlite3_bind_null(stmt, p);
			else
				sqlite3_bind_int64(stmt, p,
				    b->ints[-map[i] - 1]);
			break;
		case B_BLOB0:
		case B_BLOB1:
			if (b->blobs[-map[i] - 3] == NULL)
				sqlite3_bind_null(stmt, p);
			else
				sqlite3_bind_blob(stmt, p,
				    b->blobs[-map[i] - 3], IDNUM_HASH_LEN,
				    SQLITE_STATIC);
			break;
		case B_PHONE:
			store_bind_text_or_null(stmt, p, b->phone);
			break;
		case B_DIGITS:
			if (b->digits < 0)
				sqlite3_bind_null(stmt, p);
			else
				sqlite3_bind_int64(stmt, p, b->digits);
			break;
		default:
			store_bind_text_or_null(stmt, p,
			    val(b->r, (size_t)map[i]));
			break;
		}
	}
	sqlite3_bind_int64(stmt, i + 1, (sqlite3_int64)b->now);
	return FP_OK;
}

struct kind_sql {
	const char	*ins;
	const char	*upd;
	int		 map[12];
};

static const struct kind_sql sql_households = {
	"INSERT INTO households(household_id, area_code, head_name, members,"
	" status, poverty_cause, cadre_id, exit_year, language, updated_at,"
	" household_digits)"
	" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,COALESCE(?9,'zh'),?11,?10)"
	" ON CONFLICT(household_id) DO NOTHING",
	"UPDATE households SET area_code=?2, head_name=?3, members=?4,"
	" status=?5, poverty_cause=?6, cadre_id=?7, exit_year=?8,"
	" language=COALESCE(?9,'zh'), updated_at=?11 WHERE household_id=?1",
	{ H_ID, H_AREA, H_HEAD, B_INT0, H_STATUS, H_CAUSE, H_CADRE, B_INT1,
	  H_LANG, B_DIGITS, B_END },
};

static const struct kind_sql sql_members = {
	"INSERT INTO members(member_id, household_id, name, id_hash,"
	" id_last6_hash, phone, relation, updated_at)"
	" VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"
	" ON CONFLICT(member_id) DO NOTHING",
	"UPDATE members SET household_id=?2, name=?3, id_hash=?4,"
	" id_last6_hash=?5, phone=?6, relation=?7, updated_at=?8"
	" WHERE member_id=?1",
	{ M_ID, M_HH, M_NAME, B_BLOB0, B_BLOB1, B_PHONE, M_REL, B_END },
};

static const struct kind_sql sql_cadres = {
	"INSERT INTO cadres(cadre_id, name, phone, area_code, title,"
	" updated_at) VALUES (?1,?2,?3,?4,?5,?6)"
	" ON CONFLICT(cadre_id) DO NOTHING",
	"UPDATE cadres SET name=?2, phone=?3, area_code=?4, title=?5,"
	" updated_at=?6 WHERE cadre_id=?1",
	{ C_ID, C_NAME, B_PHONE, C_AREA, C_TITLE, B_END },
};

static const struct kind_sql sql_enrollments = {
	"INSERT INTO enrollments(member_id, program, status, updated_on,"
	" updated_at) VALUES (?1,?2,?3,?4,?5)"
	" ON CONFLICT(member_id, program) DO NOTHING",
	"UPDATE enrollments SET status=?3, updated_on=?4, updated_at=?5"
	" WHERE member_id=?1 AND program=?2",
	{ E_MEMBER, E_PROGRAM, E_STATUS, E_UPDATED, B_END },
};

static const struct kind_sql sql_trainings = {
	"INSERT INTO trainings(training_id, program, title, area_code,"
	" location, starts_on, ends_on, capacity, updated_at)"
	" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"
	" ON CONFLICT(training_id) DO NOTHING",
	"UPDATE trainings SET program=?2, title=?3, area_code=?4,"
	" location=?5, starts_on=?6, ends_on=?7, capacity=?8, updated_at=?9"
	" WHERE training_id=?1",
	{ T_ID, T_PROGRAM, T_TITLE, T_AREA, T_LOCATION, T_STARTS, T_ENDS,
	  B_INT0, B_END },
};

static const struct kind_sql sql_payments = {
	"INSERT INTO payments(household_id, program, paid_on, amount_fen,"
	" note, updated_at) VALUES (?1,?2,?3,?4,?5,?6)"
	" ON CONFLICT(household_id, program, paid_on) DO NOTHING",
	"UPDATE payments SET amount_fen=?4, note=?5, updated_at=?6"
	" WHERE household_id=?1 AND program=?2 AND paid_on=?3",
	{ P_HH, P_PROGRAM, P_PAID, B_INT0, P_NOTE, B_END },
};

static const struct kind_sql *const kind_sqls[REG_N_KINDS] = {
	&sql_households, &sql_members, &sql_cadres, &sql_enrollments,
	&sql_trainings, &sql_payments,
};

/* ---- per-kind checks ----------------------------------------------- */

static const char *const household_status[] = { "poor", "exited",
    "monitored", NULL };
static const char *const languages[] = { "zh", "ii", "bo", "en", NULL };
static const char *const enrollment_status[] = { "enrolled", "requested",
    "completed", NULL };

#define TRY(expr) do { err = (expr); if (err != FP_OK) return err; } while (0)

static enum fp_err
check_household(struct registry *reg, struct bind_ctx *b)
{
	struct rec *r = b->r;
	enum fp_err err;
	int v;

	(void)reg;
	TRY(need_id(r, H_ID));
	/* NULL: found by no typed number */
	b->digits = registry_household_number(val(r, H_ID));
	TRY(need_area(r, H_AREA));
	TRY(need_text(r, H_HEAD));
	if (parse_int(val(r, H_MEMBERS), 0, 99, &v) != FP_OK)
		return bad(r, H_MEMBERS, "must be a whole number 0-99");
	b->ints[0] = v;
	TRY(one_of(r, H_STATUS, household_status,
	    "must be poor, exited or monitored"));
	TRY(opt_text(r, H_CAUSE));
	TRY(opt_id(r, H_CADRE));
	b->ints[1] = -1;
	if (*val(r, H_EXIT) != '\0') {
		if (parse_int(val(r, H_EXIT), 2013, 2100, &v) != FP_OK)
			return bad(r, H_EXIT, "must be a year 2013-2100");
		b->ints[1] = v;
	}
	if (*val(r, H_LANG) != '\0')
		TRY(one_of(r, H_LANG, languages,
		    "must be zh, ii, bo or en"));
	return FP_OK;
}

static enum fp_err
check_phone(struct rec *r, size_t col, char phone[MSISDN_MAX], bool need)
{
	const char *why = NULL;

	phone[0] = '\0';
	if (*val(r, col) == '\0')
		return need ? bad(r, col, "is required") : FP_OK;
	if (msisdn_normalize(val(r, col), phone, &why) != FP_OK)
		return bad(r, col, why);
	return FP_OK;
}

static enum fp_err
check_member(struct registry *reg, struct bind_ctx *b, uint8_t *hash_full,
    uint8_t *hash_last6)
{
	struct rec *r = b->r;
	char canonical[IDNUM_LEN + 1];
	const char *why = NULL;
	enum fp_err err;

	TRY(need_id(r, M_ID));
	TRY(need_ref(reg, r, M_HH, "SELECT 1 FROM households WHERE "
	    "household_id = ?1", "unknown household"));
	TRY(need_text(r, M_NAME));
	b->blobs[0] = b->blobs[1] = NULL;
	if (*val(r, M_IDNUM) != '\0') {
		if (idnum_validate(val(r, M_IDNUM), canonical, &why) != FP_OK)
			return bad(r, M_IDNUM, why);
		if (!reg->has_key)
			return bad(r, M_IDNUM, "no ID key to hash it with");
		idnum_hash(&reg->key, canonical, hash_full, hash_last6);
		b->blobs[0] = hash_full;
		b->blobs[1] = hash_last6;
	}
	TRY(check_phone(r, M_PHONE, b->phone, false));
	return opt_text(r, M_REL);
}

static enum fp_err
check_cadre(struct registry *reg, struct bind_ctx *b)
{
	struct rec *r = b->r;
	enum fp_err err;

	(void)reg;
	TRY(need_id(r, C_ID));
	TRY(need_text(r, C_NAME));
	TRY(check_phone(r, C_PHONE, b->phone, true));
	TRY(need_area(r, C_AREA));
	return opt_text(r, C_TITLE);
}

static enum fp_err
check_enrollment(struct registry *reg, struct bind_ctx *b)
{
	struct rec *r = b->r;
	enum fp_err err;

	TRY(need_ref(reg, r, E_MEMBER, "SELECT 1 FROM members WHERE "
	    "member_id = ?1", "unknown member"));
	TRY(known_program(reg, r, E_PROGRAM));
	TRY(one_of(r, E_STATUS, enrollment_status,
	    "must be enrolled, requested or completed"));
	return opt_date(r, E_UPDATED);
}

static enum fp_err
check_training(struct registry *reg, struct bind_ctx *b)
{
	struct rec *r = b->r;
	enum fp_err err;
	int v;

	TRY(need_id(r, T_ID));
	TRY(known_program(reg, r, T_PROGRAM));
	TRY(need_text(r, T_TITLE));
	TRY(need_area(r, T_AREA));
	TRY(opt_text(r, T_LOCATION));
	TRY(need_date(r, T_STARTS));
	TRY(opt_date(r, T_ENDS));
	if (*val(r, T_ENDS) != '\0' &&
	    strcmp(val(r, T_ENDS), val(r, T_STARTS)) < 0)
		return bad(r, T_ENDS, "is before starts_on");
	b->ints[0] = -1;
	if (*val(r, T_CAPACITY) != '\0') {
		if (parse_int(val(r, T_CAPACITY), 0, 100000, &v) != FP_OK)
			return bad(r, T_CAPACITY,
			    "must be a whole number 0-100000");
		b->ints[0] = v;
	}
	return FP_OK;
}

static enum fp_err
check_payment(struct registry *reg, struct bind_ctx *b)
{
	struct rec *r = b->r;
	enum fp_err err;

	TRY(need_ref(reg, r, P_HH, "SELECT 1 FROM households WHERE "
	    "household_id = ?1", "unknown household"));
	TRY(known_program(reg, r, P_PROGRAM));
	if (parse_yuan(val(r, P_AMOUNT), &b->ints[0]) != FP_OK)
		return bad(r, P_AMOUNT, "must be an amount in yuan such as "
		    "1500 or 1500.50");
	TRY(need_date(r, P_PAID));
	return opt_text(r, P_NOTE);
}

static enum fp_err
bind_cb(sqlite3_stmt *stmt, void *arg)
{
	struct bind_ctx *b = arg;

	return bind_map(stmt, b, kind_sqls[b->n]->map);
}

enum fp_err
registry_upsert(struct registry *reg, enum reg_kind kind,
    const struct reg_source *src, int64_t now, enum reg_outcome *outcome,
    char reason[REG_REASON_MAX])
{
	uint8_t hash_full[IDNUM_HASH_LEN], hash_last6[IDNUM_HASH_LEN];
	struct rec r = { src, kinds[kind].cols, reason };
	struct bind_ctx b;
	sqlite3_stmt *ins;
	enum fp_err err;

	memset(&b, 0, sizeof(b));
	b.r = &r;
	b.n = (size_t)kind;
	b.now = now;
	reason[0] = '\0';
	switch (kind) {
	case REG_HOUSEHOLDS:
		err = check_household(reg, &b);
		break;
	case REG_MEMBERS:
		err = check_member(reg, &b, hash_full, hash_last6);
		break;
	case REG_CADRES:
		err = check_cadre(reg, &b);
		break;
	case REG_ENROLLMENTS:
		err = check_enrollment(reg, &b);
		break;
	case REG_TRAININGS:
		err = check_training(reg, &b);
		break;
	case REG_PAYMENTS:
		err = check_payment(reg, &b);
		break;
	default:
		return FP_EINVAL;
	}
	if (err != FP_OK)
		return err;
	err = store_stmt(reg->st, kind_sqls[kind]->ins, &ins);
	if (err != FP_OK)
		return err;
	return upsert(reg, ins, kind_sqls[kind]->upd, bind_cb, &b, outcome);
}

enum fp_err
registry_delete(struct registry *reg, enum reg_kind kind,
    const struct reg_source *src, enum reg_outcome *outcome,
    char reason[REG_REASON_MAX])
{
	static const char *const del_sql[REG_N_KINDS] = {
		"DELETE FROM households WHERE household_id = ?1",
		"DELETE FROM members WHERE member_id = ?1",
		"DELETE FROM cadres WHERE cadre_id = ?1",
		"DELETE FROM enrollments WHERE member_id = ?1 AND program = ?2",
		"DELETE FROM trainings WHERE training_id = ?1",
		("DELETE FROM payments WHERE household_id = ?1 AND "
		    "program = ?2 AND paid_on = ?3"),
	};
	struct rec r = { src, kinds[kind].cols, reason };
	sqlite3_stmt *stmt;
	enum fp_err err;
	size_t i;

	reason[0] = '\0';
	for (i = 0; i < kinds[kind].n_key; i++) {
		if (*val(&r, i) == '\0')
			return bad(&r, i, "is required");
		if (opt_text(&r, i) != FP_OK)
			return FP_EINVAL;
	}
	err = store_stmt(reg->st, del_sql[kind], &stmt);
	if (err != FP_OK)
		return err;
	for (i = 0; i < kinds[kind].n_key; i++)
		sqlite3_bind_text(stmt, (int)i + 1, val(&r, i), -1,
		    SQLITE_STATIC);
	err = step_done(stmt);
	if (err != FP_OK)
		return err;
	*outcome = sqlite3_changes(store_db(reg->st)) > 0 ? REG_DELETED :
	    REG_ABSENT;
	return FP_OK;
}

/* ---- context ------------------------------------------------------- */

static void
remember_program(struct registry *reg, const char *code)
{
	size_t i;

	for (i = 0; i < reg->n_programs; i++)
		if (strcmp(reg->programs[i], code) == 0)
			return;
	if (reg->n_programs < REG_MAX_PROGRAMS && strlen(code) < 9) {
		memcpy(reg->programs[reg->n_programs], code, strlen(code) + 1);
		reg->n_programs++;
	}
}

enum fp_err
registry_new(struct store *st, const struct hmac_sha256_key *key,
    struct registry **out)
{
	struct registry *reg;
	sqlite3_stmt *stmt;
	enum fp_err err;

	reg = calloc(1, sizeof(*reg));
	if (reg == NULL)
		return FP_ENOMEM;
	reg->st = st;
	if (key != NULL) {
		reg->key = *key;
		reg->has_key = true;
	}
	err = store_stmt(st, "SELECT code FROM programs ORDER BY code", &stmt);
	if (err != FP_OK)
		goto fail;
	while (sqlite3_step(stmt) == SQLITE_ROW)
		remember_program(reg,
		    (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_reset(stmt);
	*out = reg;
	return FP_OK;
fail:
	free(reg);
	return err;
}

void
registry_free(struct registry *reg)
{
	free(reg);
}

enum fp_err
registry_program_put(struct registry *reg, const char *code,
    const char *name)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	err = store_stmt(reg->st, "INSERT INTO programs(code, name) "
	    "VALUES (?1, ?2) ON CONFLICT(code) DO UPDATE SET name = ?2",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
	err = step_done(stmt);
	if (err == FP_OK)
		remember_program(reg, code);
	return err;
}

bool
registry_household_digits(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		if (*in >= '0' && *in <= '9') {
			if (n + 1 >= size)
				return false;
			out[n++] = *in;
		} else if (!((*in >= 'A' && *in <= 'Z') ||
		    (*in >= 'a' && *in <= 'z') || *in == ' ' || *in == '-'))
			return false;
	}
	out[n] = '\0';
	return n > 0;
}

int64_t
registry_household_number(const char *in)
{
	char digits[REG_ID_MAX + 1];
	int64_t v = 0;
	size_t i;

	if (!registry_household_digits(in, digits, sizeof(digits)) ||
	    strlen(digits) > 18)
		return -1;
	for (i = 0; digits[i] != '\0'; i++)
		v = v * 10 + (digits[i] - '0');
	return v;
}
