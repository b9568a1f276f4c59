/*
 * test_registry.c: the registry data-access layer on a fresh :memory:
 * store per test: upsert outcomes, validation reasons, references,
 * hashing of ID numbers, deletes.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "registry.h"
#include "store.h"
#include "testutil.h"

static struct store *st;
static struct registry *reg;

static void
setup(void)
{
	ck_assert_int_eq(store_open(":memory:", STORE_DURABILITY_NORMAL, &st),
	    FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL), FP_OK);
	ck_assert_int_eq(registry_new(st, tu_id_key(), &reg), FP_OK);
}

static void
teardown(void)
{
	registry_free(reg);
	store_close(st);
}

static const char *
get(void *ctx, size_t col)
{
	const char *const *v = ctx;

	return v[col];
}

static bool
contains(const void *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; hay != NULL && i + k <= n; i++)
		if (memcmp((const char *)hay + i, needle, k) == 0)
			return true;
	return false;
}

static enum fp_err
put(enum reg_kind kind, const char *const *values, enum reg_outcome *out,
    char *reason)
{
	struct reg_source src = { get, (void *)(uintptr_t)values };
	enum reg_outcome o = REG_ABSENT;
	char r[REG_REASON_MAX];
	enum fp_err err;

	ck_assert_int_eq(store_begin(st), FP_OK);
	err = registry_upsert(reg, kind, &src, TU_T0, &o, r);
	ck_assert_int_eq(store_commit(st), FP_OK);
	if (out != NULL)
		*out = o;
	if (reason != NULL)
		memcpy(reason, r, sizeof(r));
	return err;
}

static int64_t
count(const char *sql)
{
	return tu_query_int(store_db(st), sql, 0);
}

static const char *const hh1[] = { "HH1", "513431100201", "吉克阿木", "3",
    "poor", "因病", "C1", "", "ii" };

START_TEST(upsert_inserts_then_updates_by_key)
{
	static const char *const hh1b[] = { "HH1", "513431100201", "吉克阿木",
	    "4", "exited", "因病", "C1", "2020", "" };
	enum reg_outcome o;

	ck_assert_int_eq(put(REG_HOUSEHOLDS, hh1, &o, NULL), FP_OK);
	ck_assert_int_eq(o, REG_INSERTED);
	ck_assert_int_eq(put(REG_HOUSEHOLDS, hh1b, &o, NULL), FP_OK);
	ck_assert_int_eq(o, REG_UPDATED);
	ck_assert_int_eq(count("SELECT count(*) FROM households"), 1);
	ck_assert_int_eq(count("SELECT members FROM households"), 4);
	ck_assert_int_eq(count("SELECT exit_year FROM households"), 2020);
	/* An empty language means the default, zh. */
	ck_assert_int_eq(count("SELECT count(*) FROM households WHERE "
	    "language='zh'"), 1);
}
END_TEST

static const struct {
	enum reg_kind kind;
	const char *values[9];
	const char *reason;
} bad_rows[] = {
	{ REG_HOUSEHOLDS, { "", "513431", "A", "1", "poor", "", "", "", "zh" },
	  "household_id: is required" },
	{ REG_HOUSEHOLDS, { "HH 1", "513431", "A", "1", "poor", "", "", "",
	  "zh" }, "household_id: may hold only" },
	{ REG_HOUSEHOLDS, { "HH2", "5134", "A", "1", "poor", "", "", "", "zh" },
	  "area_code: must be a region code" },
	{ REG_HOUSEHOLDS, { "HH2", "513431", "", "1", "poor", "", "", "", "zh" },
	  "head_name: is required" },
	{ REG_HOUSEHOLDS, { "HH2", "513431", "A", "x", "poor", "", "", "",
	  "zh" }, "members: must be a whole number" },
	{ REG_HOUSEHOLDS, { "HH2", "513431", "A", "1", "rich", "", "", "",
	  "zh" }, "status: must be poor, exited or monitored" },
	{ REG_HOUSEHOLDS, { "HH2", "513431", "A", "1", "poor", "", "", "1999",
	  "zh" }, "exit_year: must be a year" },
	{ REG_HOUSEHOLDS, { "HH2", "513431", "A", "1", "poor", "", "", "",
	  "fr" }, "language: must be zh, ii, bo or en" },
	{ REG_HOUSEHOLDS, { "HH2", "513431", "A\001", "1", "poor", "", "", "",
	  "zh" }, "head_name: holds a control character" },
	{ REG_HOUSEHOLDS, { "HH2", "513431", "A\xff", "1", "poor", "", "", "",
	  "zh" }, "head_name: is not valid UTF-8" },
	{ REG_MEMBERS, { "M1", "NOSUCH", "A", "", "", "户主" },
	  "household_id: unknown household" },
	{ REG_MEMBERS, { "M1", "HH1", "A", "513431199001011234", "", "" },
	  "id_number: ID number check digit is wrong" },
	{ REG_MEMBERS, { "M1", "HH1", "A", "", "12345", "" },
	  "phone: too few digits" },
	{ REG_CADRES, { "C1", "李", "", "513431", "" }, "phone: is required" },
	{ REG_ENROLLMENTS, { "NOSUCH", "YL", "enrolled", "" },
	  "member_id: unknown member" },
	{ REG_TRAININGS, { "T1", "ZZ", "t", "513431", "", "2026-12-01", "",
	  "" }, "program: is not a known program code" },
	{ REG_TRAININGS, { "T1", "YL", "t", "513431", "", "2026-12-01",
	  "2026-11-30", "" }, "ends_on: is before starts_on" },
	{ REG_TRAININGS, { "T1", "YL", "t", "513431", "", "2026-02-30", "",
	  "" }, "starts_on: must be a date" },
	{ REG_PAYMENTS, { "HH1", "YL", "15.005", "2026-01-01", "" },
	  "amount_yuan: must be an amount" },
	{ REG_PAYMENTS, { "HH1", "YL", "-5", "2026-01-01", "" },
	  "amount_yuan: must be an amount" },
};

START_TEST(bad_records_are_refused_with_the_column_and_reason)
{
	char reason[REG_REASON_MAX];
	int64_t before;

	ck_assert_int_eq(put(REG_HOUSEHOLDS, hh1, NULL, NULL), FP_OK);
	before = count("SELECT (SELECT count(*) FROM households) + "
	    "(SELECT count(*) FROM members) + (SELECT count(*) FROM cadres) + "
	    "(SELECT count(*) FROM trainings) + "
	    "(SELECT count(*) FROM payments)");
	ck_assert_int_eq(put(bad_rows[_i].kind, bad_rows[_i].values, NULL,
	    reason), FP_EINVAL);
	ck_assert_msg(strstr(reason, bad_rows[_i].reason) != NULL,
	    "reason '%s' lacks '%s'", reason, bad_rows[_i].reason);
	ck_assert_int_eq(count("SELECT (SELECT count(*) FROM households) + "
	    "(SELECT count(*) FROM members) + (SELECT count(*) FROM cadres) + "
	    "(SELECT count(*) FROM trainings) + "
	    "(SELECT count(*) FROM payments)"), before);
}
END_TEST

START_TEST(members_keep_only_hashes_of_id_numbers)
{
	static const char *const m1[] = { "M1", "HH1", "吉克阿木",
	    "11010519491231002X", "+86 139-0834-0001", "户主" };
	sqlite3_stmt *stmt;

	ck_assert_int_eq(put(REG_HOUSEHOLDS, hh1, NULL, NULL), FP_OK);
	ck_assert_int_eq(put(REG_MEMBERS, m1, NULL, NULL), FP_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM members WHERE "
	    "phone='+8613908340001' AND length(id_hash)=32 AND "
	    "length(id_last6_hash)=32"), 1);
	/* No column anywhere in the row holds the number. */
	ck_assert_int_eq(sqlite3_prepare_v2(store_db(st), "SELECT * FROM "
	    "members", -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	for (int c = 0; c < sqlite3_column_count(stmt); c++) {
		const void *b = sqlite3_column_blob(stmt, c);
		int n = sqlite3_column_bytes(stmt, c);

		ck_assert(!contains(b, (size_t)n, "1949123"));
	}
	sqlite3_finalize(stmt);
}
END_TEST

START_TEST(payments_are_stored_in_fen_and_keyed_by_date)
{
	static const char *const p1[] = { "HH1", "YL", "1500.5", "2026-03-01",
	    "春季学期" };
	static const char *const p2[] = { "HH1", "YL", "1500", "2026-03-01",
	    "更正" };
	enum reg_outcome o;

	ck_assert_int_eq(put(REG_HOUSEHOLDS, hh1, NULL, NULL), FP_OK);
	ck_assert_int_eq(put(REG_PAYMENTS, p1, &o, NULL), FP_OK);
	ck_assert_int_eq(o, REG_INSERTED);
	ck_assert_int_eq(count("SELECT amount_fen FROM payments"), 150050);
	ck_assert_int_eq(put(REG_PAYMENTS, p2, &o, NULL), FP_OK);
	ck_assert_int_eq(o, REG_UPDATED);
	ck_assert_int_eq(count("SELECT amount_fen FROM payments"), 150000);
}
END_TEST

START_TEST(deleting_a_household_takes_its_members)
{
	static const char *const m1[] = { "M1", "HH1", "A", "", "", "" };
	static const char *const key[] = { "HH1" };
	struct reg_source src = { get, (void *)(uintptr_t)key };
	char reason[REG_REASON_MAX];
	enum reg_outcome o;

	ck_assert_int_eq(put(REG_HOUSEHOLDS, hh1, NULL, NULL), FP_OK);
	ck_assert_int_eq(put(REG_MEMBERS, m1, NULL, NULL), FP_OK);
	ck_assert_int_eq(registry_delete(reg, REG_HOUSEHOLDS, &src, &o,
	    reason), FP_OK);
	ck_assert_int_eq(o, REG_DELETED);
	ck_assert_int_eq(count("SELECT count(*) FROM members"), 0);
	ck_assert_int_eq(registry_delete(reg, REG_HOUSEHOLDS, &src, &o,
	    reason), FP_OK);
	ck_assert_int_eq(o, REG_ABSENT);
}
END_TEST

START_TEST(programs_from_configuration_become_valid_codes)
{
	static const char *const t1[] = { "T1", "ZJ", "电商培训", "513431",
	    "", "2026-12-01", "", "30" };

	ck_assert_int_eq(put(REG_TRAININGS, t1, NULL, NULL), FP_EINVAL);
	ck_assert_int_eq(registry_program_put(reg, "ZJ", "就业帮扶"), FP_OK);
	ck_assert_int_eq(put(REG_TRAININGS, t1, NULL, NULL), FP_OK);
	ck_assert_int_eq(count("SELECT capacity FROM trainings"), 30);
}
END_TEST

START_TEST(kinds_and_columns_follow_the_spec)
{
	enum reg_kind k;
	size_t n;
	const char *const *cols;

	ck_assert(registry_kind_parse("payments", &k));
	ck_assert_int_eq(k, REG_PAYMENTS);
	ck_assert(!registry_kind_parse("people", &k));
	cols = registry_columns(REG_MEMBERS, &n);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(cols[3], "id_number");
	ck_assert_uint_eq(registry_key_columns(REG_ENROLLMENTS), 2);
}
END_TEST

Suite *
registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("upsert");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, upsert_inserts_then_updates_by_key);
	tcase_add_loop_test(tc,
	    bad_records_are_refused_with_the_column_and_reason, 0,
	    (int)(sizeof(bad_rows) / sizeof(bad_rows[0])));
	tcase_add_test(tc, members_keep_only_hashes_of_id_numbers);
	tcase_add_test(tc, payments_are_stored_in_fen_and_keyed_by_date);
	tcase_add_test(tc, deleting_a_household_takes_its_members);
	tcase_add_test(tc, programs_from_configuration_become_valid_codes);
	tcase_add_test(tc, kinds_and_columns_follow_the_spec);
	suite_add_tcase(s, tc);
	return s;
}
