/*
 * test_import.c: `fupinctl import` end to end, on the real binary and a
 * database in a temporary directory: good, bad, BOM, GB18030, quoted,
 * duplicate and strict files, exit codes, and ID numbers never in clear.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define DATA "tests/data/import/"

static char *dir;
static char *conf;
static char db[512];

static void
setup(void)
{
	char text[1024];

	dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(dir);
	snprintf(db, sizeof(db), "%s/fupin.db", dir);
	snprintf(text, sizeof(text), "database = { path = \"%s\"; "
	    "id_key_file = \"%s/id.key\"; };\n", db, dir);
	conf = tu_write_file(dir, "fupin.conf", text, strlen(text));
	ck_assert_ptr_nonnull(conf);
}

static void
teardown(void)
{
	tu_rmtree(dir);
	free(conf);
	free(dir);
}

/* Run fupinctl -c conf import kind file [--strict]; output in *out. */
static int
import(const char *kind, const char *file, bool strict, char **out)
{
	char *argv[] = { (char *)(uintptr_t)tu_bin("fupinctl"), "-c", conf,
	    "import", (char *)(uintptr_t)kind, (char *)(uintptr_t)file,
	    strict ? "--strict" : NULL, NULL };
	char bin[512];

	snprintf(bin, sizeof(bin), "%s", tu_bin("fupinctl"));
	argv[0] = bin;
	return tu_run(argv, out);
}

static int
import_quiet(const char *kind, const char *file)
{
	char *out = NULL;
	int rc = import(kind, file, false, &out);

	ck_assert_msg(rc == 0, "import %s %s: rc=%d\n%s", kind, file, rc, out);
	free(out);
	return rc;
}

/* The first column of the first row of `sql`, as text; "" if none. */
static char *
query(const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *stmt;
	char *v = NULL;

	ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_text(stmt, 0) != NULL)
		v = strdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(h);
	return v != NULL ? v : strdup("");
}

static void
assert_query(const char *sql, const char *expect)
{
	char *v = query(sql);

	ck_assert_str_eq(v, expect);
	free(v);
}

/* Every line of an .expect file appears as "FILE:LINE: " in out. */
static void
assert_lines_reported(const char *file, const char *expect, const char *out)
{
	char *lines = tu_read_file(expect, NULL);
	char *save = NULL, *tok, needle[256];
	int n = 0;

	ck_assert_ptr_nonnull(lines);
	for (tok = strtok_r(lines, "\n", &save); tok != NULL;
	    tok = strtok_r(NULL, "\n", &save)) {
		snprintf(needle, sizeof(needle), "%s:%s: ", file, tok);
		ck_assert_msg(strstr(out, needle) != NULL, "no '%s' in:\n%s",
		    needle, out);
		n++;
	}
	ck_assert_int_gt(n, 0);
	free(lines);
}

/* True when needle[0..n) does not occur in hay[0..len). */
static bool
memmem_absent(const char *hay, size_t len, const char *needle, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return false;
	return true;
}

START_TEST(good_file_imports_and_reimport_is_idempotent)
{
	char *out = NULL;

	ck_assert_int_eq(import("households", DATA "households_good.csv",
	    false, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "read=5 inserted=5 updated=0 "
	    "rejected=0"));
	free(out);
	ck_assert_int_eq(import("households", DATA "households_good.csv",
	    false, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "read=5 inserted=0 updated=5 "
	    "rejected=0"));
	free(out);
	assert_query("SELECT count(*) FROM households", "5");
	assert_query("SELECT head_name FROM households WHERE "
	    "household_id='HHT000003'", "ꀉꂿꃅ");
}
END_TEST

static char *
households_digest(void)
{
	return query("SELECT group_concat(household_id || '|' || head_name || "
	    "'|' || status || '|' || ifnull(poverty_cause,'') || '|' || "
	    "language, ';') FROM (SELECT * FROM households ORDER BY 1)");
}

START_TEST(bom_crlf_and_gb18030_files_read_the_same_as_utf8)
{
	static const char *const files[] = { DATA "households_bom.csv",
	    DATA "households_gb18030.csv" };
	char *good, *other, *out = NULL;
	size_t i;

	import_quiet("households", DATA "households_good.csv");
	good = households_digest();
	ck_assert_ptr_nonnull(strstr(good, "吉克阿木"));
	for (i = 0; i < 2; i++) {
		char *rm[] = { "/bin/rm", "-f", db, NULL };

		tu_run(rm, NULL);
		ck_assert_int_eq(import("households", files[i], false, &out),
		    0);
		ck_assert_msg(strstr(out, i == 0 ? "encoding=utf-8" :
		    "encoding=gb18030") != NULL, "%s", out);
		free(out);
		other = households_digest();
		ck_assert_str_eq(other, good);
		free(other);
	}
	free(good);
}
END_TEST

START_TEST(quoted_fields_keep_commas_quotes_and_newlines)
{
	char *out = NULL;

	ck_assert_int_eq(import("households", DATA "households_quoted.csv",
	    false, &out), 0);
	ck_assert_msg(strstr(out, "read=6 inserted=6") != NULL, "%s", out);
	free(out);
	assert_query("SELECT head_name FROM households WHERE "
	    "household_id='HHT000011'", "吉克\"阿木\"");
	assert_query("SELECT poverty_cause FROM households WHERE "
	    "household_id='HHT000011'", "因病,缺劳力");
	assert_query("SELECT poverty_cause FROM households WHERE "
	    "household_id='HHT000015'", "因病\n因学\n缺劳力");
	assert_query("SELECT head_name FROM households WHERE "
	    "household_id='HHT000013'", "沙马,伍各");
}
END_TEST

START_TEST(bad_rows_are_reported_by_line_and_skipped)
{
	char *out = NULL;

	ck_assert_int_eq(import("households", DATA "households_bad.csv",
	    false, &out), 0);
	assert_lines_reported(DATA "households_bad.csv",
	    DATA "households_bad.expect", out);
	ck_assert_msg(strstr(out, "read=8 inserted=5 updated=0 rejected=3")
	    != NULL, "%s", out);
	free(out);
	assert_query("SELECT count(*) FROM households", "5");
}
END_TEST

START_TEST(strict_rejects_the_whole_file_with_65)
{
	char *out = NULL;

	import_quiet("households", DATA "households_good.csv");
	ck_assert_int_eq(import("households", DATA "households_bad.csv", true,
	    &out), 65);
	assert_lines_reported(DATA "households_bad.csv",
	    DATA "households_bad.expect", out);
	ck_assert_ptr_nonnull(strstr(out, "result=nothing-changed"));
	free(out);
	/* The five good households of the first import are untouched and
	 * none of the bad file's good rows landed. */
	assert_query("SELECT count(*) FROM households", "5");
	assert_query("SELECT group_concat(household_id) FROM households",
	    "HHT000001,HHT000002,HHT000003,HHT000004,HHT000005");
	/* A clean file passes --strict. */
	ck_assert_int_eq(import("households", DATA "households_good.csv",
	    true, &out), 0);
	free(out);
}
END_TEST

START_TEST(a_duplicate_key_in_one_file_ends_as_the_last_row)
{
	char *out = NULL;

	ck_assert_int_eq(import("households", DATA "households_dup.csv",
	    false, &out), 0);
	ck_assert_msg(strstr(out, "read=3 inserted=2 updated=1 rejected=0")
	    != NULL, "%s", out);
	free(out);
	assert_query("SELECT count(*) FROM households", "2");
	assert_query("SELECT head_name FROM households WHERE "
	    "household_id='HHT000031'", "吉克拉则");
}
END_TEST

START_TEST(members_keep_no_id_number_in_clear_anywhere_in_the_file)
{
	char *csv, *line, *save = NULL, *dbfile, path[600];
	char ids[32][19];
	size_t len, n_ids = 0, i;
	char *out = NULL;

	import_quiet("households", DATA "households_good.csv");
	ck_assert_int_eq(import("members", DATA "members_good.csv", false,
	    &out), 0);
	ck_assert_msg(strstr(out, "rejected=0") != NULL, "%s", out);
	free(out);
	assert_query("SELECT count(*) = count(id_hash) AND count(*) > 3 FROM "
	    "members WHERE length(id_hash) = 32 OR id_hash IS NULL", "1");
	/* The ID numbers of the file: the fourth column. */
	csv = tu_read_file(DATA "members_good.csv", NULL);
	ck_assert_ptr_nonnull(csv);
	for (line = strtok_r(csv, "\n", &save); line != NULL && n_ids < 32;
	    line = strtok_r(NULL, "\n", &save)) {
		char *id = line;

		for (i = 0; id != NULL && i < 3; i++) {
			id = strchr(id, ',');
			if (id != NULL)
				id++;
		}
		if (id == NULL || id[0] < '0' || id[0] > '9')
			continue;
		memcpy(ids[n_ids], id, 18);
		ids[n_ids++][18] = '\0';
	}
	free(csv);
	ck_assert_uint_gt(n_ids, 3);
	/* The raw bytes of the database file and any WAL left behind. */
	for (int f = 0; f < 2; f++) {
		snprintf(path, sizeof(path), "%s%s", db, f == 0 ? "" : "-wal");
		dbfile = tu_read_file(path, &len);
		if (dbfile == NULL)
			continue;
		ck_assert(f == 1 || len > 0);
		for (i = 0; i < n_ids; i++) {
			/* Neither the number nor its first 17 digits. */
			ck_assert_msg(memmem_absent(dbfile, len, ids[i], 17),
			    "ID %zu found in %s", i, path);
		}
		if (f == 0)
			ck_assert(!memmem_absent(dbfile, len, "MT000001-01",
			    11));
		free(dbfile);
	}
}
END_TEST

START_TEST(bad_members_are_reported_by_line)
{
	char *out = NULL;

	import_quiet("households", DATA "households_good.csv");
	ck_assert_int_eq(import("members", DATA "members_bad.csv", false,
	    &out), 0);
	assert_lines_reported(DATA "members_bad.csv", DATA "members_bad.expect",
	    out);
	ck_assert_ptr_nonnull(strstr(out, "check digit"));
	ck_assert_ptr_nonnull(strstr(out, "unknown household"));
	free(out);
}
END_TEST

START_TEST(missing_file_exits_66_and_unknown_kind_64)
{
	char *out = NULL;

	ck_assert_int_eq(import("households", DATA "no_such_file.csv", false,
	    &out), 66);
	ck_assert_ptr_nonnull(strstr(out, "no_such_file.csv: cannot open"));
	free(out);
	ck_assert_int_eq(import("villages", DATA "households_good.csv", false,
	    &out), 64);
	free(out);
}
END_TEST

START_TEST(a_header_without_required_columns_changes_nothing)
{
	char *f = tu_write_file(dir, "h.csv", "household_id,area_code\n"
	    "HH9,513431\n", 28);
	char *out = NULL;

	ck_assert_int_eq(import("households", f, false, &out), 65);
	ck_assert_ptr_nonnull(strstr(out, ":1: missing column 'head_name'"));
	free(out);
	assert_query("SELECT count(*) FROM households", "0");
	free(f);
}
END_TEST

Suite *
import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("fupinctl");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_file_imports_and_reimport_is_idempotent);
	tcase_add_test(tc, bom_crlf_and_gb18030_files_read_the_same_as_utf8);
	tcase_add_test(tc, quoted_fields_keep_commas_quotes_and_newlines);
	tcase_add_test(tc, bad_rows_are_reported_by_line_and_skipped);
	tcase_add_test(tc, strict_rejects_the_whole_file_with_65);
	tcase_add_test(tc, a_duplicate_key_in_one_file_ends_as_the_last_row);
	tcase_add_test(tc,
	    members_keep_no_id_number_in_clear_anywhere_in_the_file);
	tcase_add_test(tc, bad_members_are_reported_by_line);
	tcase_add_test(tc, missing_file_exits_66_and_unknown_kind_64);
	tcase_add_test(tc, a_header_without_required_columns_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
